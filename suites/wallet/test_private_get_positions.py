"""private/get_positions (doc section "Wallet"; register I-39), against a trade of our own."""

import pytest

from harness.checks.presence import sent_field
from harness.placement import limit
from harness.schema import assert_conforms, result_schema
from harness.trades import NoRoomToCross, cross_own_orders, currency_of

pytestmark = [pytest.mark.wallet, pytest.mark.doc("Wallet", "private/get_positions")]

OTHER_CURRENCY = {"BTC": "ETH", "ETH": "BTC"}
KINDS = ("future", "option")


def size_in(positions: list[dict], instrument: str) -> float:
    return sum(sent_field(p, "size", f"the position in {instrument}") for p in positions
               if sent_field(p, "instrument_name", "a position") == instrument)


@pytest.fixture
def traded(pulse, pulse_env):
    """The taker buys one contract of the test instrument from the maker; returns (taker api, size before)."""
    maker, taker = pulse("maker"), pulse("taker")
    before = size_in(taker.call("private/get_positions"), pulse_env.test_instrument)
    try:
        trade = cross_own_orders(maker, taker, pulse_env)
    except NoRoomToCross as exc:
        pytest.skip(f"cannot trade with ourselves on {pulse_env.test_instrument}: {exc}")
    return taker, before, trade


@pytest.mark.interpretation("I-39")
@pytest.mark.check("flows")
def test_position_grows_by_our_trade(traded, pulse_env):
    """Doc: "Retrieves list of user's positions"; "size ... Position size for futures size in quote currency"
    (I-39: signed, USD for futures)."""
    taker, before, trade = traded
    positions = taker.call("private/get_positions")
    after = size_in(positions, pulse_env.test_instrument)
    assert after == pytest.approx(before + trade.amount), (
        f"size of {pulse_env.test_instrument}: received {after}; documented {before} + our buy of {trade.amount}")
    ours = next(p for p in positions if p.get("instrument_name") == pulse_env.test_instrument)
    expected_direction = "buy" if after > 0 else "sell"
    direction = sent_field(ours, "direction", f"the position in {pulse_env.test_instrument}")
    assert direction == expected_direction, (
        f"direction: received {direction!r} for size {after}; documented \"Direction: buy, sell\" (I-39)")


@pytest.mark.interpretation("I-166")
@pytest.mark.check("semantics")
def test_currency_filter(traded, pulse_env):
    """Doc: "currency body string false The currency symbol"."""
    taker = traded[0]
    currency = currency_of(pulse_env)
    own = taker.call("private/get_positions", currency=currency)
    assert pulse_env.test_instrument in {sent_field(p, "instrument_name", "a position") for p in own}, (
        f"currency={currency}: received {[p.get('instrument_name') for p in own]}; our {pulse_env.test_instrument} "
        "position is missing")
    other = OTHER_CURRENCY.get(currency, "ETH")
    foreign = taker.call("private/get_positions", currency=other)
    assert pulse_env.test_instrument not in {sent_field(p, "instrument_name", "a position") for p in foreign}, (
        f"currency={other}: received our {currency} position in {pulse_env.test_instrument}")


@pytest.mark.check("semantics")
def test_kind_filter(traded, pulse_env):
    """Doc: "kind body string false Instrument kind, if not provided instruments of all kinds are considered"."""
    taker = traded[0]
    positions = taker.call("private/get_positions")
    ours = [p for p in positions if sent_field(p, "instrument_name", "a position") == pulse_env.test_instrument]
    assert ours, f"received positions of {[p['instrument_name'] for p in positions]}; ours on {pulse_env.test_instrument} traded"
    kind = sent_field(ours[0], "kind", "our position")
    assert kind in KINDS, f"kind: received {kind!r}; documented \"Instrument kind: future, option\""
    same = taker.call("private/get_positions", kind=kind)
    assert pulse_env.test_instrument in {p.get("instrument_name") for p in same}, f"kind={kind}: our position is missing"
    other = next(k for k in KINDS if k != kind)
    listed = taker.call("private/get_positions", kind=other)
    wrong = [p.get("instrument_name") for p in listed if p.get("kind") != other]
    assert not wrong, f"kind={other}: received positions of another kind {wrong}"


@pytest.mark.interpretation("I-160")
@pytest.mark.check("schema")
def test_position_fields(traded, pulse_env, transport, pulse):
    """Doc: PositionConfirmation: average_price, delta, direction, floating_profit_loss, index_price,
    initial_margin, instrument_name, kind, leverage, maintenance_margin, mark_price, realized_profit_loss,
    size, total_profit_loss ..."""
    positions = pulse("taker", transport).call("private/get_positions")
    ours = [p for p in positions if p.get("instrument_name") == pulse_env.test_instrument]
    documented = ("average_price", "delta", "direction", "floating_profit_loss", "index_price", "initial_margin",
                  "instrument_name", "kind", "leverage", "maintenance_margin", "mark_price", "realized_profit_loss",
                  "size", "total_profit_loss")
    missing = [f for f in documented if f not in ours[0]]
    assert not missing, f"received fields {sorted(ours[0])}; documented PositionConfirmation also has {missing}"


@pytest.mark.check("schema")
def test_result_conforms_to_the_documented_schema(traded, pulse, transport):
    """Doc: "200 OK ... [models.PositionConfirmation]" (spec/openapi.yaml)."""
    result = pulse("taker", transport).call("private/get_positions")
    assert_conforms(result_schema("private/get_positions"), result,
                    "private/get_positions: 200 [models.PositionConfirmation]")


@pytest.mark.trading
@pytest.mark.check("semantics")
@pytest.mark.interpretation("I-39", "I-101", "I-102")
def test_positions_follow_the_trades(driver):
    """Doc: size "for futures size in quote currency": long after buying, flat after selling it back (the model
    driver predicts each position)."""
    limit(driver, "maker", "sell", 2, 1)
    limit(driver, "taker", "buy", 2, 1)
    driver.check_positions("taker")
    driver.check_positions("maker")
    limit(driver, "maker", "buy", 2, 2)
    limit(driver, "taker", "sell", 2, 2)
    driver.check_positions("taker")
    driver.check_account_summary("taker")
    driver.check_account_summary("maker")
