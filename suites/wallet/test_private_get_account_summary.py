"""private/get_account_summary (doc section "Wallet"; register I-40, I-160)."""

import pytest

from harness.checks.presence import sent_field
from harness.schema import assert_conforms, result_schema
from harness.wire_checks import is_ms_timestamp, is_number

pytestmark = [pytest.mark.wallet, pytest.mark.doc("Wallet", "private/get_account_summary")]

NUMBER_FIELDS = ("balance", "equity", "futures_session_rpl", "futures_session_upl", "initial_margin",
                 "maintenance_margin", "margin_balance", "options_session_rpl", "options_session_upl", "session_rpl",
                 "session_upl", "total_pl")
STRING_FIELDS = ("currency", "email", "id")


@pytest.mark.interpretation("I-160")
@pytest.mark.check("schema")
def test_every_documented_field_is_present(wallet):
    """Doc: GetAccountSummaryResponse: balance, creation_timestamp, currency, email, equity, futures_session_rpl,
    futures_session_upl, id, initial_margin, maintenance_margin, margin_balance, options_session_rpl,
    options_session_upl, session_rpl, session_upl, total_pl (I-160: documented properties are present)."""
    summary = wallet("private/get_account_summary")
    missing = [f for f in NUMBER_FIELDS + STRING_FIELDS + ("creation_timestamp",) if f not in summary]
    assert not missing, f"received fields {sorted(summary)}; documented GetAccountSummaryResponse also has {missing}"


@pytest.mark.check("schema")
def test_field_types(wallet):
    """Doc: balance, equity, margins and PnL are "number"; currency, email, id "string"; creation_timestamp
    "integer" ("Time at which the account was created")."""
    summary = wallet("private/get_account_summary")
    wrong = {f: summary[f] for f in NUMBER_FIELDS if f in summary and not is_number(summary[f])}
    wrong |= {f: summary[f] for f in STRING_FIELDS if f in summary and not isinstance(summary[f], str)}
    assert not wrong, f"received {wrong}; documented numbers for {NUMBER_FIELDS} and strings for {STRING_FIELDS}"
    assert is_ms_timestamp(sent_field(summary, "creation_timestamp", "the account summary")), (
        f"creation_timestamp: received {summary.get('creation_timestamp')!r}; documented ms (I-19)")


@pytest.mark.interpretation("I-40")
@pytest.mark.check("semantics")
def test_currency_is_the_requested_one(wallet):
    """Doc: "currency ... The selected currency" (example USD; I-40)."""
    for params in ({}, {"currency": "USD"}):
        summary = wallet("private/get_account_summary", **params)
        currency = sent_field(summary, "currency", "get_account_summary")
        assert currency == "USD", f"{params}: received currency {currency!r}; I-40 reads USD"


@pytest.mark.interpretation("I-40")
@pytest.mark.check("negative")
def test_unknown_currency_is_refused(pulse, transport):
    """Doc: "currency body string false The currency symbol" (I-40: accounts are in USD)."""
    error = pulse("maker", transport).error_of("private/get_account_summary", currency="PULSE-SUITE-XYZ")
    assert error.status is not None, f"received {error}; documented a connection.Message / JSON-RPC error"


@pytest.mark.check("parity")
def test_same_account_over_both_transports(pulse):
    """Doc: one account, whichever interface reads it: "This method returns the account summary of the user"."""
    over_http = pulse("maker", "http").call("private/get_account_summary")
    over_ws = pulse("maker", "ws").call("private/get_account_summary")
    assert (over_ws.get("id"), over_ws.get("email")) == (over_http.get("id"), over_http.get("email")), (
        f"received over WS id/email {over_ws.get('id')!r}/{over_ws.get('email')!r}; over HTTP "
        f"{over_http.get('id')!r}/{over_http.get('email')!r}")
    assert sorted(over_ws) == sorted(over_http), f"received over WS fields {sorted(over_ws)}; over HTTP {sorted(over_http)}"


@pytest.mark.check("schema")
def test_result_conforms_to_the_documented_schema(wallet):
    """Doc: "200 OK ... models.GetAccountSummaryResponse" (spec/openapi.yaml)."""
    result = wallet("private/get_account_summary")
    assert_conforms(result_schema("private/get_account_summary"), result,
                    "private/get_account_summary: 200 models.GetAccountSummaryResponse")
