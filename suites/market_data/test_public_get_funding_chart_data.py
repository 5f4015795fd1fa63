"""public/get_funding_chart_data (doc section "Market Data"; register I-19)."""

import pytest

from harness.checks.presence import sent_field
from harness.doc import HOUR_MS
from harness.placement import gateway_now_ms
from harness.schema import assert_conforms, result_schema
from harness.wire_checks import funding_period_ms, is_ms_timestamp, is_number

pytestmark = [pytest.mark.market_data, pytest.mark.doc("Market Data", "public/get_funding_chart_data")]

LENGTH_MS = {"8h": 8 * HOUR_MS, "24h": 24 * HOUR_MS}
PRICE_FIELDS = ("perp_close", "perp_high", "perp_low", "perp_open", "spot_close", "spot_high", "spot_low", "spot_open")


def funding_chart(api, instrument: str, length: str) -> dict:
    result = api.call("public/get_funding_chart_data", instrument_name=instrument, length=length)
    assert isinstance(result, dict), f"received {result!r}; documented GetFundingChartDataResponse"
    return result


@pytest.mark.interpretation("I-19")
@pytest.mark.check("schema")
def test_chart_fields(pulse, transport, pulse_env):
    """Doc: GetFundingChartDataResponse: current_payment number, funding_payments [FundingPaymentArray],
    funding_prices [FundingPriceArray] (perp_*/spot_* numbers, timestamp integer)."""
    result = funding_chart(pulse("maker", transport), pulse_env.perpetual, "8h")
    # every field is Required false (I-301): each one sent has the documented type
    assert "current_payment" not in result or is_number(result["current_payment"]), (
        f"current_payment: received {result['current_payment']!r}")
    for price in result.get("funding_prices") or []:
        bad = [f for f in PRICE_FIELDS if f in price and not is_number(price[f])]
        assert not bad, f"funding_prices: received {price}; documented numbers for {bad}"
        assert "timestamp" not in price or is_ms_timestamp(price["timestamp"]), (
            f"funding_prices.timestamp: received {price['timestamp']!r}")
    for payment in result.get("funding_payments") or []:
        assert "payment" not in payment or is_number(payment["payment"]), f"funding_payments: received {payment}"
        start, end = payment.get("range_start"), payment.get("range_end")
        assert not (is_number(start) and is_number(end)) or start < end, f"funding_payments: received range {payment}"


@pytest.mark.interpretation("I-19", "I-164")
@pytest.mark.check("semantics")
@pytest.mark.parametrize("length", list(LENGTH_MS))
def test_length_bounds_the_period(pulse, transport, pulse_env, length):
    """Doc: "length body string true Specifies time period. 8h - 8 hours, 24h - 24 hours, 1m - 1 month"."""
    api = pulse("maker", transport)
    now = gateway_now_ms(api.call, pulse_env, pulse_env.perpetual)
    result = funding_chart(api, pulse_env.perpetual, length)
    period = funding_period_ms(result.get("funding_payments"), HOUR_MS)
    oldest_allowed = now - LENGTH_MS[length] - period  # one funding period of slack at the start (I-300)
    too_old = [p["timestamp"] for p in sent_field(result, "funding_prices", f"the {length} funding chart")
               if sent_field(p, "timestamp", "a funding price") < oldest_allowed]
    assert not too_old, (f"length={length}: received funding prices from {too_old[:3]}...; documented the last "
                         f"{length} before {now}")
    assert result["funding_prices"], f"length={length}: received no funding prices for a perpetual"


@pytest.mark.check("negative")
def test_unknown_length_is_refused(pulse, transport, pulse_env):
    """Doc: "8h - 8 hours, 24h - 24 hours, 1m - 1 month"."""
    error = pulse("maker", transport).error_of("public/get_funding_chart_data",
                                               instrument_name=pulse_env.perpetual, length="7d")
    assert error.status is not None, f"received {error}; documented a connection.Message / JSON-RPC error"


@pytest.mark.check("schema")
def test_result_conforms_to_the_documented_schema(pulse, transport, pulse_env):
    """Doc: "200 OK ... models.GetFundingChartDataResponse" (spec/openapi.yaml)."""
    result = funding_chart(pulse("maker", transport), pulse_env.perpetual, "24h")
    assert_conforms(result_schema("public/get_funding_chart_data"), result,
                    "public/get_funding_chart_data: 200 models.GetFundingChartDataResponse")
