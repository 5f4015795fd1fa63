"""public/last_trades_by_instrument (doc section "Market Data"; register I-20, I-21), against our own trades."""

import pytest

from harness.checks.presence import sent_field
from harness.doc import DAY_MS
from harness.schema import assert_conforms, result_schema
from harness.wire_checks import is_integer, is_ms_timestamp, is_number, is_sorted

pytestmark = [pytest.mark.market_data, pytest.mark.doc("Market Data", "public/last_trades_by_instrument")]



@pytest.fixture
def last_trades(pulse, transport, pulse_env):
    api = pulse("maker", transport)

    def call(**params) -> list[dict]:
        result = api.call("public/last_trades_by_instrument", instrument_name=pulse_env.test_instrument, **params)
        assert isinstance(result, list), f"received {result!r}; documented an array of TradesResponse"
        return result
    return call


def order_keys(trades: list[dict]) -> list[tuple]:
    return [(t["timestamp"], t["trade_seq"]) for t in trades]


@pytest.mark.check("schema")
def test_trade_fields(last_trades, own_trades, pulse_env):
    """Doc: TradesResponse: amount number, direction string, index_price number, instrument_name string,
    mark_price number, price number, tick_direction integer, timestamp integer, trade_id string, trade_seq
    integer."""
    trade = own_trades(1)[0]
    listed = last_trades(start_seq=trade.trade_seq, end_seq=trade.trade_seq)
    ours = [t for t in listed if t.get("trade_id") == trade.trade_id]
    assert ours, f"received {listed}; our trade {trade.trade_id} (seq {trade.trade_seq}) is documented to be listed"
    t = ours[0]
    for name in ("amount", "price"):
        assert is_number(sent_field(t, name, "our trade")), f"{name}: received {t.get(name)!r}; documented number"
    for name in ("index_price", "mark_price"):  # real payloads leave these out of trades (I-403): typed where sent
        assert name not in t or is_number(t[name]), f"{name}: received {t.get(name)!r}; documented number"
    for name in ("tick_direction", "trade_seq"):
        assert is_integer(sent_field(t, name, "our trade")), f"{name}: received {t.get(name)!r}; documented integer"
    assert is_ms_timestamp(sent_field(t, "timestamp", "our trade")), (
        f"timestamp: received {t.get('timestamp')!r}; documented ms (I-19)")
    assert sent_field(t, "instrument_name", "our trade") == pulse_env.test_instrument, (
        f"instrument_name: received {t.get('instrument_name')!r}")
    assert (t["price"], t["amount"], sent_field(t, "direction", "our trade")) == (trade.price, trade.amount, "buy"), (
        f"received price/amount/direction {(t['price'], t['amount'], t.get('direction'))}; our taker bought "
        f"{trade.amount} at {trade.price}")


@pytest.mark.check("semantics")
def test_count_limits_the_trades(last_trades, own_trades):
    """Doc: "count body integer false Number of requested items"."""
    own_trades(3)
    trades = last_trades(count=2)
    assert len(trades) == 2, f"count=2: received {len(trades)} trades; at least 3 exist (ours)"


@pytest.mark.interpretation("I-20")
@pytest.mark.check("semantics")
@pytest.mark.parametrize("sorting", ["asc", "desc"])
def test_sorting(last_trades, own_trades, sorting):
    """Doc: "sorting body string false Direction of results sorting (asc,desc,default)"."""
    ours = own_trades(3)
    trades = last_trades(sorting=sorting, start_seq=ours[0].trade_seq, end_seq=ours[-1].trade_seq)
    keys = order_keys(trades)
    assert len(keys) >= 3, f"received {len(keys)} trades in the seq window of our 3 trades"
    assert is_sorted(keys, descending=sorting == "desc"), (
        f"sorting={sorting}: received (timestamp, trade_seq) {keys}; documented {sorting} order")


@pytest.mark.interpretation("I-163")
@pytest.mark.check("semantics")
def test_seq_window(last_trades, own_trades):
    """Doc: "start_seq ... The sequence number of the first trade to be returned"; "end_seq ... of the last"."""
    middle = own_trades(3)[1]
    trades = last_trades(start_seq=middle.trade_seq, end_seq=middle.trade_seq)
    assert [t.get("trade_id") for t in trades] == [middle.trade_id], (
        f"start_seq=end_seq={middle.trade_seq}: received {[(t.get('trade_seq'), t.get('trade_id')) for t in trades]}; "
        f"documented exactly our trade {middle.trade_id}")


@pytest.mark.interpretation("I-163")
@pytest.mark.check("semantics")
def test_timestamp_window(last_trades, own_trades):
    """Doc: "start_timestamp ... The earliest timestamp to return result from"; "end_timestamp ... The most
    recent timestamp to return result from, milliseconds since the UNIX epoch"."""
    ours = own_trades(2)
    start, end = ours[0].timestamp - DAY_MS, ours[0].timestamp - 1
    trades = last_trades(start_timestamp=start, end_timestamp=end, count=1000)
    outside = [t["timestamp"] for t in trades if not start <= t["timestamp"] <= end]
    assert not outside, f"window {start}..{end}: received trades at {outside}"
    inside = last_trades(start_timestamp=ours[0].timestamp, end_timestamp=ours[-1].timestamp, count=1000)
    ids = {t.get("trade_id") for t in inside}
    assert {o.trade_id for o in ours} <= ids, f"window of our trades: received {sorted(ids)}; ours are missing"


@pytest.mark.check("schema")
def test_result_conforms_to_the_documented_schema(last_trades, own_trades):
    """Doc: "200 OK ... [models.TradesResponse]" (spec/openapi.yaml)."""
    own_trades(2)
    result = last_trades(count=5)
    assert_conforms(result_schema("public/last_trades_by_instrument"), result,
                    "public/last_trades_by_instrument: 200 [models.TradesResponse]")
