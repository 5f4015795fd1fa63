"""harness/schema.py: violations name the pointer, the received value and the documented rule."""

import copy

import pytest

from harness.schema import (
    MISSING,
    Violation,
    assert_conforms,
    channel_spec,
    notification_schema,
    openapi,
    resolve,
    result_schema,
    validate,
)


@pytest.fixture
def order() -> dict:
    return copy.deepcopy(openapi()["components"]["schemas"]["models.OrderConfirmation"]["examples"][0])


def test_a_good_order_passes(order):
    assert validate("models.OrderConfirmation", order) == []
    assert_conforms("models.OrderConfirmation", order, clause="Schemas: models.OrderConfirmation")


def test_wrong_enum_value(order):
    order["order_state"] = "triggered"  # I-25: not a Pulse state
    [violation] = validate("models.OrderConfirmation", order)
    assert violation.pointer == "/order_state"
    assert violation.received == "triggered"
    assert violation.rule.startswith("enum ['open', 'partially_filled', 'filled'")
    assert str(violation).startswith("/order_state: received 'triggered'; documented enum ['open'")


def test_wrong_type(order):
    order["amount"] = "10"
    assert validate("models.OrderConfirmation", order) == [
        Violation("/amount", "10", "type 'number'", "/properties/amount/type")
    ]


def test_missing_required_field(order):
    del order["order_id"]
    [violation] = validate("models.OrderConfirmation", order)
    assert (violation.pointer, violation.received, violation.rule) == ("/order_id", MISSING, "required 'order_id'")
    assert str(violation) == "/order_id: received <missing>; documented required 'order_id'"


def test_narrow_direction_enum_in_responses(order):  # I-48
    order["direction"] = "cancel_all"  # a documented types.Side value, never an order's direction
    [violation] = validate("models.OrderConfirmation", order)
    assert violation.pointer == "/direction"
    assert violation.rule == "enum ['buy', 'sell']"


def test_seconds_timestamp_is_reported(order):  # I-19
    order["creation_timestamp"] = 1612137600
    [violation] = validate("models.OrderConfirmation", order)
    assert (violation.pointer, violation.rule) == ("/creation_timestamp", "minimum 1000000000000")


def test_nested_pointer_through_result_schema(order):
    order["time_in_force"] = "forever"
    violations = validate(result_schema("private/buy"), {"order": order, "trades": []})
    assert [violation.pointer for violation in violations] == ["/order/time_in_force"]


def test_assert_conforms_lists_every_violation_and_names_the_clause(order):
    order["order_state"] = "triggered"
    order["amount"] = "10"
    del order["label"]
    with pytest.raises(AssertionError) as raised:
        assert_conforms("models.OrderConfirmation", order, clause="Trading: /private/cancel 200")
    message = str(raised.value)
    assert message.startswith("check schema_conforms failed\nclause: Trading: /private/cancel 200\n"
                              "received: 3 violation(s) of models.OrderConfirmation:")
    assert "/amount: received '10'; documented type 'number'" in message
    assert "/label: received <missing>; documented required 'label'" in message
    assert "/order_state: received 'triggered'; documented enum [" in message


def test_nullable_and_alternatives():
    assert validate("models.OrderBookStats", {"price_change": None, "volume": 0}) == []  # I-58
    [violation] = validate("connection.Message", {"description": "x", "status": 500})
    assert violation.pointer == "/status"
    assert violation.rule == "anyOf [enum [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13] | const 200]"


def test_book_levels():  # I-18
    book = copy.deepcopy(openapi()["components"]["schemas"]["models.GetOrderBookResponse"]["examples"][0])
    book["asks"] = [[None]]  # the doc's own example
    pointers = {violation.pointer for violation in validate("models.GetOrderBookResponse", book)}
    assert pointers == {"/asks/0", "/asks/0/0"}


def test_result_schemas_of_http_and_ws_only_methods():
    assert resolve(result_schema("public/get_index_price"))["type"] == "number"
    assert validate(result_schema("private/get_order_state"), []) != []  # I-34: one element
    assert validate(result_schema("private/enable_cancel_on_disconnect"), "ok") == []  # I-08
    assert validate(result_schema("public/set_heartbeat"), {"description": "ok", "response": None, "status": 200}) == []
    assert validate(result_schema("public/subscribe"), "ok") == []  # I-07
    assert validate(result_schema("private/get_cancel_on_disconnect"), True) == []
    assert validate(result_schema("private/get_cancel_on_disconnect"), "true") != []
    with pytest.raises(KeyError, match="no reply"):
        result_schema("private/logout")  # I-13
    with pytest.raises(KeyError):
        result_schema("private/no_such_method")


@pytest.mark.parametrize(
    "channel,address,visibility",
    [
        ("book.BTC_USD-PERPETUAL.raw", "book.{instrument_name}.{interval}", "public"),
        ("deribit_price_index.btc_usd", "deribit_price_index.{index_name}", "public"),
        ("quote.BTC-31JUN23-50000-C", "quote.{instrument_name}", "public"),
        ("heartbeat_trade", "heartbeat_trade", "public"),
        ("user.orders.BTC_USD-PERPETUAL.raw", "user.orders.{instrument_name}.raw", "private"),
        ("user.changes.BTC_USD-PERPETUAL.raw", "user.changes.{instrument_name}.{interval}", "private"),
        ("user.mmp_trigger.eth_usd", "user.mmp_trigger.{index_name}", "private"),
        ("user_fee", "user_fee", "private"),
    ],
)
def test_channel_lookup(channel, address, visibility):
    spec = channel_spec(channel)
    assert (spec.address, spec.visibility) == (address, visibility)


@pytest.mark.parametrize("channel", ["book.BTC_USD-PERPETUAL.100ms", "deribit_price_index.BTC_USD", "trades.x", ""])
def test_unknown_channels_are_refused(channel):
    with pytest.raises(KeyError):
        channel_spec(channel)


def test_notification_schema_book_levels_carry_an_action():  # I-45
    schema = notification_schema("book.BTC_USD-PERPETUAL.raw")
    change = {"asks": [["new", 50010, 1]], "bids": [], "change_id": 2, "prev_change_id": 1,
              "instrument_name": "BTC_USD-PERPETUAL", "timestamp": 1687352432143, "type": "change"}
    assert validate(schema, change) == []
    change["asks"] = [["insert", 50010, 1]]
    [violation] = validate(schema, change)
    assert (violation.pointer, violation.rule) == ("/asks/0/0", "enum ['new', 'change', 'delete']")
