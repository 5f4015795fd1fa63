"""public/get_funding_rate_history (doc section "Market Data"; register I-19)."""

import pytest

from harness.checks.presence import sent_field
from harness.doc import HOUR_MS
from harness.placement import gateway_now_ms
from harness.schema import assert_conforms, result_schema
from harness.wire_checks import funding_period_ms, is_number

pytestmark = [pytest.mark.market_data, pytest.mark.doc("Market Data", "public/get_funding_rate_history")]

WINDOW_HOURS = 72


@pytest.mark.interpretation("I-19")
@pytest.mark.check("schema", "semantics")
def test_history_within_the_window(pulse, transport, pulse_env):
    """Doc: "end_timestamp ... End timestamp", "start_timestamp ... Start timestamp"; entries
    GetFundingRateHistoryResponse (current_payment, funding_payments, funding_prices)."""
    api = pulse("maker", transport)
    now = gateway_now_ms(api.call, pulse_env, pulse_env.perpetual)
    start, end = now - WINDOW_HOURS * HOUR_MS, now  # several periods of any length a gateway may use (I-300)
    history = api.call("public/get_funding_rate_history", instrument_name=pulse_env.perpetual,
                       start_timestamp=start, end_timestamp=end)
    assert isinstance(history, list) and history, (
        f"received {history!r}; documented the funding history of {WINDOW_HOURS} hours")
    for entry in history:
        assert is_number(sent_field(entry, "current_payment", "a funding history entry")), (
            f"current_payment: received {entry!r}")
        period = funding_period_ms(entry.get("funding_payments"), HOUR_MS)
        stamps = [sent_field(p, "timestamp", "a funding price")
                  for p in sent_field(entry, "funding_prices", "a funding history entry") or []]
        outside = [t for t in stamps if not (start - period <= t <= end)]
        assert not outside, f"received funding prices at {outside}; documented the window {start}..{end} (ms, I-19)"


@pytest.mark.check("negative")
def test_unknown_instrument_is_refused(pulse, transport):
    """Doc: "instrument_name body string false Instrument name"."""
    error = pulse("maker", transport).error_of("public/get_funding_rate_history", instrument_name="PULSE-SUITE-NO-SUCH")
    assert error.status is not None, f"received {error}; documented a connection.Message / JSON-RPC error"


@pytest.mark.check("schema")
def test_result_conforms_to_the_documented_schema(pulse, transport, pulse_env):
    """Doc: "200 OK ... [models.GetFundingRateHistoryResponse]" (spec/openapi.yaml)."""
    result = pulse("maker", transport).call(
        "public/get_funding_rate_history", instrument_name=pulse_env.perpetual)
    assert_conforms(result_schema("public/get_funding_rate_history"), result,
                    "public/get_funding_rate_history: 200 [models.GetFundingRateHistoryResponse]")
