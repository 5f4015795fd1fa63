"""private/get_settlement_history_by_instrument (doc section "Trading": the account's settlement history of one
instrument; I-71: ``instrument_name`` optional, absent = all the account's settlements; ``type`` required)."""

import pytest

from harness.checks.presence import sent_field
from harness.schema import assert_conforms, result_schema

METHOD = "private/get_settlement_history_by_instrument"

pytestmark = [pytest.mark.wallet, pytest.mark.doc("Trading", METHOD)]


@pytest.mark.check("semantics")
@pytest.mark.interpretation("I-71")
def test_every_entry_is_of_the_instrument_and_type_asked_for(wallet, pulse_env):
    """Doc: "type body string true Settlement type", "instrument_name body string false Instrument name": each type
    over every instrument (instrument_name absent, I-71), then the test instrument and one instrument the account
    has settlements of, asked for by name."""
    seen = set()
    for kind in ("settlement", "delivery", "bankruptcy"):
        everything = wallet(METHOD, type=kind)
        assert isinstance(everything, list), f"type={kind}: received {everything!r}; documented an array"
        misfiled = sorted({str(sent_field(e, "type", "a settlement")) for e in everything} - {kind})
        assert not misfiled, f"type={kind} (every instrument): received entries of types {misfiled}"
        seen |= {sent_field(e, "instrument_name", "a settlement") for e in everything} - {pulse_env.test_instrument}
    for name in [pulse_env.test_instrument, *sorted(seen)[:1]]:
        others = sorted({str(sent_field(e, "instrument_name", "a settlement"))
                         for e in wallet(METHOD, type="settlement", instrument_name=name)}
                        - {name})
        assert not others, f"instrument_name={name}: received settlements of {others}; documented {name}'s only"


@pytest.mark.check("negative")
def test_a_missing_type_is_refused(pulse, transport, pulse_env):
    """Doc: "type body string true" (required), even with an instrument named."""
    error = pulse("maker", transport).error_of(METHOD, instrument_name=pulse_env.test_instrument)
    assert error.status is not None, f"received {error}; documented a connection.Message / JSON-RPC error"


@pytest.mark.check("schema")
def test_the_result_conforms_to_the_documented_schema(wallet):
    """Doc: "200 OK ... [models.SettlementConfirmation]" (spec/openapi.yaml)."""
    assert_conforms(result_schema(METHOD), wallet(METHOD, type="settlement"),
                    f"{METHOD}: 200 [models.SettlementConfirmation]")
