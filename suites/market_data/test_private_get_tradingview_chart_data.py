"""private/get_tradingview_chart_data (doc section "Market Data"), checked against trades of our own."""

import pytest

from harness.checks.presence import sent_field
from harness.schema import assert_conforms, result_schema
from harness.wire_checks import is_ms_timestamp, is_number, is_sorted

pytestmark = [pytest.mark.market_data, pytest.mark.doc("Market Data", "private/get_tradingview_chart_data")]

SERIES = ("open", "high", "low", "close", "volume", "cost")
MINUTE_MS = 60_000


def chart(api, instrument: str, start: int, end: int, resolution: str = "1") -> dict:
    result = api.call("private/get_tradingview_chart_data", instrument_name=instrument, resolution=resolution,
                      start_timestamp=start, end_timestamp=end)
    assert isinstance(result, dict), f"received {result!r}; documented GetTradingviewChartDataResponse"
    return result


@pytest.mark.check("schema")
def test_bars_cover_our_trade(pulse, transport, pulse_env, own_trades):
    """Doc: "ticks [integer] ... Values of the time axis given in milliseconds since UNIX epoch"; "status ...
    Status of the query ok or no_data"; open/high/low/close/volume/cost are lists of numbers."""
    trade = own_trades(1)[0]
    result = chart(pulse("maker", transport), pulse_env.test_instrument, trade.timestamp - MINUTE_MS,
                   trade.timestamp + MINUTE_MS)
    ticks = sent_field(result, "ticks", "the chart of a window with our trade")
    assert isinstance(ticks, list) and ticks, f"ticks: received {ticks!r}; our trade at {trade.timestamp} is in the window"
    bad = [t for t in ticks if not is_ms_timestamp(t)]
    assert not bad, f"ticks: received {bad}; documented \"milliseconds since UNIX epoch\""
    assert is_sorted(ticks) and len(set(ticks)) == len(ticks), f"ticks: received {ticks}; a time axis ascends"
    # every field but the time axis is Required false (I-301): each one sent is checked
    assert result.get("status", "ok") == "ok", f"status: received {result['status']!r}; documented ok (bars exist)"
    for series in (name for name in SERIES if name in result):
        values = result[series]
        assert isinstance(values, list) and len(values) == len(ticks) and all(is_number(v) for v in values), (
            f"{series}: received {values!r}; documented one number per tick ({len(ticks)} ticks)")


@pytest.mark.interpretation("I-162")
@pytest.mark.check("semantics")
def test_bar_of_our_trade_contains_its_price(pulse, transport, pulse_env, own_trades):
    """Doc: "Publicly available market data used to generate a TradingView candle chart": the bar of the minute
    of our trade spans its price and has volume."""
    trade = own_trades(1)[0]
    result = chart(pulse("maker", transport), pulse_env.test_instrument, trade.timestamp - MINUTE_MS,
                   trade.timestamp + MINUTE_MS)
    for name in ("ticks", "low", "high", "volume"):  # Required false: that they are sent is I-160's reading
        sent_field(result, name, "the chart of a window with our trade")
    containing = [i for i, tick in enumerate(result["ticks"]) if tick <= trade.timestamp < tick + MINUTE_MS]
    assert len(containing) == 1, (
        f"ticks: received {result['ticks']}; exactly one 1-minute bar must contain our trade at {trade.timestamp}")
    i = containing[0]
    assert result["low"][i] <= trade.price <= result["high"][i], (
        f"bar {result['ticks'][i]}: received low {result['low'][i]} high {result['high'][i]}; "
        f"our trade printed at {trade.price}")
    assert result["volume"][i] > 0, f"bar {result['ticks'][i]}: received volume {result['volume'][i]}; our trade traded"


@pytest.mark.check("semantics")
def test_empty_window_is_no_data(pulse, transport, pulse_env):
    """Doc: "status ... Status of the query ok or no_data"."""
    result = chart(pulse("maker", transport), pulse_env.test_instrument, 1, 2)
    if "status" not in result and "ticks" not in result:  # both Required false (I-301)
        pytest.skip("the chart carries neither status nor ticks: nothing says whether the 1970 window has data")
    assert result.get("status", "no_data") == "no_data", (
        f"status: received {result['status']!r} for 1970; documented no_data")
    assert result.get("ticks", []) == [], f"ticks: received {result['ticks']!r}; no bars in an empty window"


@pytest.mark.check("negative")
def test_unknown_resolution_is_refused(pulse, transport, pulse_env):
    """Doc: "resolution ... Chart bars resolution given in full minutes or keyword 1D"."""
    error = pulse("maker", transport).error_of("private/get_tradingview_chart_data",
                                               instrument_name=pulse_env.test_instrument, resolution="7s",
                                               start_timestamp=1, end_timestamp=2)
    assert error.status is not None, f"received {error}; documented a connection.Message / JSON-RPC error"


@pytest.mark.check("schema")
def test_result_conforms_to_the_documented_schema(pulse, transport, pulse_env, own_trades):
    """Doc: "200 OK ... models.GetTradingviewChartDataResponse" (spec/openapi.yaml)."""
    trade = own_trades(1)[0]
    result = chart(pulse("maker", transport), pulse_env.test_instrument,
                   trade.timestamp - MINUTE_MS, trade.timestamp + MINUTE_MS)
    assert_conforms(result_schema("private/get_tradingview_chart_data"), result,
                    "private/get_tradingview_chart_data: 200 models.GetTradingviewChartDataResponse")
