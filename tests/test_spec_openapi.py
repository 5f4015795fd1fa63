"""spec/openapi.yaml: valid OpenAPI 3.1, resolvable, examples valid, and the team's conventions."""

import copy

import pytest
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate as validate_openapi

from harness.schema import OPENAPI_URI, openapi, resolve, schema_ref, validate
from tests.spec_walk import examples, unresolved_refs

ENVELOPE_OPERATIONS = {  # I-02
    "private/buy", "private/sell", "private/edit", "private/cancel", "private/cancel_all",
    "private/cancel_all_by_instrument", "private/get_account_summary", "private/get_deposits",
}
DOC_SECTIONS = {"Authentication", "Market Data", "Trading", "Wallet"}


def operations():
    return [
        (path, verb, operation)
        for path, item in openapi()["paths"].items()
        for verb, operation in item.items()
    ]


def request_schema(operation) -> dict:
    return operation["requestBody"]["content"]["application/json"]["schema"]


def test_openapi_spec_validator_accepts_the_file():
    validate_openapi(openapi(), base_uri=OPENAPI_URI)


def test_openapi_version_and_server():
    assert openapi()["openapi"].startswith("3.1.")
    assert openapi()["servers"] == [{"url": "/api/v2", "description": openapi()["servers"][0]["description"]}]


def test_thirty_http_operations_one_per_method():
    ops = operations()
    assert len(ops) == 30
    assert [verb for path, verb, _ in ops if verb == "get"] == ["get"]  # only /public/auth
    assert openapi()["paths"]["/public/auth"].keys() == {"get"}


@pytest.mark.parametrize("path,verb,operation", operations(), ids=lambda value: value if isinstance(value, str) else "")
def test_operation_conventions(path, verb, operation):
    method = operation["x-jsonrpc-method"]
    assert path == "/" + method
    assert operation["operationId"] == method.replace("/", "_")
    assert operation["x-doc-section"] in DOC_SECTIONS
    assert operation["tags"] == [operation["x-doc-section"]]
    assert operation["responses"]["400"] == {"$ref": "#/components/responses/BadRequest"}  # I-03
    assert set(operation["responses"]) == {"200", "400"}
    if method.startswith("private/"):
        assert operation["security"] == [{"bearerAuth": []}]
    else:
        assert "security" not in operation
    for parameter in operation.get("parameters", []):
        assert parameter["name"].lower() != "authorization"  # the bearer scheme covers it
        assert parameter["in"] == "query"


def test_error_response_is_connection_message():
    bad_request = openapi()["components"]["responses"]["BadRequest"]
    assert bad_request["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/connection.Message"}
    assert openapi()["components"]["securitySchemes"]["bearerAuth"] == {
        "type": "http", "scheme": "bearer", "description": openapi()["components"]["securitySchemes"]["bearerAuth"]["description"]
    }


@pytest.mark.parametrize("path,verb,operation", [op for op in operations() if op[1] == "post"],
                         ids=lambda value: value if isinstance(value, str) else "")
def test_envelope_bodies_exactly_for_the_eight_operations(path, verb, operation):
    method = operation["x-jsonrpc-method"]
    if method.endswith("cancel_on_disconnect"):  # I-08: optional body with optional scope
        body = openapi()["components"]["requestBodies"]["CancelOnDisconnect"]
        assert operation["requestBody"] == {"$ref": "#/components/requestBodies/CancelOnDisconnect"}
        assert body["required"] is False
        return
    assert operation["requestBody"]["required"] is True
    name = request_schema(operation)["$ref"].rsplit("/", 1)[1]
    assert name.startswith("models.Request-models_") == (method in ENVELOPE_OPERATIONS)


def test_envelope_fields():
    envelope = openapi()["components"]["schemas"]["pulse.Envelope"]["properties"]
    assert envelope["id"]["type"] == "integer"
    assert envelope["jsonrpc"]["enum"] == ["2.0"]
    assert envelope["method"]["type"] == "string"


def test_every_ref_resolves():
    unresolved = unresolved_refs(openapi(), OPENAPI_URI)
    assert not unresolved, "\n".join(unresolved)


def test_every_schema_is_valid_2020_12():
    for schema in openapi()["components"]["schemas"].values():
        Draft202012Validator.check_schema(schema)


def test_every_component_schema_has_an_example():
    missing = [name for name, schema in openapi()["components"]["schemas"].items() if not schema.get("examples")]
    assert not missing


def test_every_example_validates_against_its_schema():
    failures = [
        f"{label}: {violation}"
        for label, schema, example in examples(openapi(), OPENAPI_URI)
        for violation in validate(schema, example)
    ]
    assert not failures, "\n".join(failures)


def properties_of(schema: dict):
    """(name, resolved property schema) of an object schema, through allOf and $ref."""
    schema = resolve_local(schema)
    for part in schema.get("allOf", []):
        yield from properties_of(part)
    for name, prop in schema.get("properties", {}).items():
        yield name, resolve_local(prop)


def resolve_local(schema: dict) -> dict:
    while "$ref" in schema:
        ref = schema["$ref"]
        target = resolve({"$ref": ref if "://" in ref else OPENAPI_URI + ref})
        schema = {**target, **{k: v for k, v in schema.items() if k != "$ref"}}
    return schema


def request_properties():
    for _path, verb, operation in operations():
        if verb == "post" and "content" in operation.get("requestBody", {}):
            schema = request_schema(operation)
            for name, prop in properties_of(schema):
                if name == "params":
                    for inner, inner_prop in properties_of(prop):
                        yield operation["x-jsonrpc-method"], inner, inner_prop
                else:
                    yield operation["x-jsonrpc-method"], name, prop


def test_request_constraints_match_the_gateway():  # I-50
    for method, name, prop in request_properties():
        where = f"{method} {name}"
        if name == "count":
            low = 0 if method == "private/get_user_trades_by_order" else 1
            assert (prop["type"], prop["minimum"], prop["maximum"]) == ("integer", low, 1000), where
        elif name == "offset" or "timestamp" in name:
            assert (prop["type"], prop["minimum"]) == ("integer", 0), where
        elif name in ("amount", "price", "trigger_price"):
            assert (prop["type"], prop["exclusiveMinimum"]) == ("number", 0), where
        elif name == "instrument_name":
            assert (prop["type"], prop["minLength"]) == ("string", 1), where
        elif name == "sorting":
            assert prop["enum"] == ["asc", "desc", "default"], where
        elif name == "label":
            assert prop["maxLength"] == 64, where
        elif name == "index_name":
            assert prop["enum"] == ["btc_usd", "eth_usd"], where
        elif name == "kind":
            assert prop["enum"] == ["future", "option"], where


def test_response_timestamps_are_milliseconds():  # I-19
    schemas = openapi()["components"]["schemas"]
    response_models = [name for name in schemas if name.startswith("models.") and (
        "Response" in name or "Notification" in name or "Confirmation" in name or name.endswith("Array"))]
    for name in response_models:
        for prop_name, prop in properties_of(schema_ref(name)):
            if "timestamp" in prop_name or prop_name == "frozen_until":
                assert (prop["type"], prop["minimum"]) == ("integer", 1_000_000_000_000), f"{name}.{prop_name}"


def test_documented_enums_are_kept_and_orders_use_the_narrow_ones():  # I-23, I-24, I-48
    schemas = openapi()["components"]["schemas"]
    assert len(schemas["types.Side"]["enum"]) == 8
    assert schemas["types.Type"]["enum"][0] == "all" and "trigger_all" in schemas["types.Type"]["enum"]
    order = dict(properties_of(schema_ref("models.OrderConfirmation")))
    assert order["direction"]["enum"] == ["buy", "sell"]
    assert not {"all", "trigger_all"} & set(order["order_type"]["enum"])
    buy = dict(properties_of(schema_ref("models.BuySell")))
    assert not {"all", "trigger_all"} & set(buy["type"]["enum"])
    for filter_model in ("models.CancelAllByInstrument", "models.GetOpenOrdersByInstrument"):
        assert dict(properties_of(schema_ref(filter_model)))["type"]["enum"] == schemas["types.Type"]["enum"]


REQUIRED_RESPONSE_FIELDS = {  # I-47, less what real Deribit payloads omit (I-403, spec/audit.toml)
    "models.OrderConfirmation": {
        "amount", "creation_timestamp", "direction", "instrument_name", "label", "last_update_timestamp", "mmp",
        "order_id", "order_state", "order_type", "post_only", "reduce_only", "replaced", "time_in_force",
    },
    "models.TradesResponse": {
        "amount", "direction", "instrument_name", "price", "tick_direction", "timestamp", "trade_id", "trade_seq",
    },
    "models.TradeConfirmation": {
        "amount", "direction", "instrument_name", "order_id", "order_type", "price", "state", "tick_direction",
        "timestamp", "trade_id", "trade_seq",
    },
    "services.LoginResponse": {"access_token", "expires_in", "refresh_token", "scope", "token_type"},
    "connection.Message": {"description", "status"},
}


def test_untriggered_orders_may_omit_fill_fields_others_may_not():  # I-403
    order = copy.deepcopy(openapi()["components"]["schemas"]["models.OrderConfirmation"]["examples"][0])
    for field in ("filled_amount", "average_price", "api", "max_show"):
        order.pop(field, None)
    assert validate("models.OrderConfirmation", {**order, "order_state": "untriggered"}) == []
    missing = {v.pointer for v in validate("models.OrderConfirmation", {**order, "order_state": "open"})}
    assert missing == {"/average_price", "/filled_amount"}


@pytest.mark.parametrize("name", sorted(REQUIRED_RESPONSE_FIELDS))
def test_required_response_fields(name):
    assert set(openapi()["components"]["schemas"][name]["required"]) == REQUIRED_RESPONSE_FIELDS[name]


@pytest.mark.parametrize("name,field", [
    ("models.GetOrderBookResponse", "best_ask_price"), ("models.GetOrderBookResponse", "best_bid_price"),
    ("models.GetOrderBookResponse", "best_ask_amount"), ("models.GetOrderBookResponse", "best_bid_amount"),
    ("models.GetOrderBookResponse", "last_price"), ("models.OrderBookStats", "price_change"),
])
def test_nullable_fields(name, field):  # I-18, I-58
    assert validate(name, {field: None}) == []
