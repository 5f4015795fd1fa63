"""private/get_settlement_history_by_currency (doc section "Trading": the account's settlement history)."""

import pytest

from harness.checks.presence import sent_field
from harness.schema import assert_conforms, result_schema

pytestmark = [pytest.mark.wallet, pytest.mark.doc("Trading", "private/get_settlement_history_by_currency")]

TYPES = ("settlement", "delivery", "bankruptcy")


@pytest.mark.check("semantics")
@pytest.mark.parametrize("kind", TYPES)
def test_type_filter(wallet, kind):
    """Doc: "type body string true Settlement type contains \\"settlement\\"" ; SettlementConfirmation "type ...
    Settlement type"."""
    entries = wallet("private/get_settlement_history_by_currency", type=kind)
    assert isinstance(entries, list), f"received {entries!r}; documented an array of SettlementConfirmation"
    wrong = [sent_field(e, "type", "a settlement entry") for e in entries if e.get("type") != kind]
    assert not wrong, f"type={kind}: received entries of types {wrong}"


@pytest.mark.check("negative")
def test_missing_type_is_refused(pulse, transport):
    """Doc: "type body string true" (required)."""
    error = pulse("maker", transport).error_of("private/get_settlement_history_by_currency")
    assert error.status is not None, f"received {error}; documented a connection.Message / JSON-RPC error"


@pytest.mark.check("schema")
def test_result_conforms_to_the_documented_schema(wallet):
    """Doc: "200 OK ... [models.SettlementConfirmation]" (spec/openapi.yaml)."""
    result = wallet("private/get_settlement_history_by_currency", type="settlement")
    assert_conforms(result_schema("private/get_settlement_history_by_currency"), result,
                    "private/get_settlement_history_by_currency: 200 [models.SettlementConfirmation]")
