"""The spec audit (spec/audit.toml): every rule in a response schema of spec/openapi.yaml that can be stricter than
the doc (required, enum, const, maximum, maxItems) is listed with what the doc says and how a violation is graded.
A new rule, or a changed one, fails here until it is audited: strictness never creeps in unseen."""

import re
import tomllib

import pytest

from harness import schema
from harness.schema import AUDIT_PATH, response_rules, validate

AUDIT = tomllib.loads(AUDIT_PATH.read_text())
KEPT = {entry["pointer"]: entry for entry in AUDIT["rule"]}
REGISTER = (schema.SPEC_DIR / "INTERPRETATIONS.md").read_text()


def test_every_response_rule_is_audited():
    rules = response_rules()
    unaudited = {pointer: value for pointer, value in rules.items() if pointer not in KEPT}
    changed = {pointer: (value, KEPT[pointer]["value"]) for pointer, value in rules.items()
               if pointer in KEPT and value != KEPT[pointer]["value"]}
    assert not unaudited, f"response rules missing from spec/audit.toml (audit them: doc says, we do, grade): {unaudited}"
    assert not changed, f"response rules changed since the audit (spec, audit.toml): {changed}"


def test_no_audit_entry_is_stale():
    assert sorted(set(KEPT) - set(response_rules())) == []


@pytest.mark.parametrize("entry", AUDIT["rule"] + AUDIT["relaxed"], ids=lambda e: e["pointer"].rsplit("/", 3)[-3:][0])
def test_entries_are_complete_and_name_a_register_entry(entry):
    assert entry.get("doc") and entry.get("we_do"), entry
    grade = entry.get("grade", "relaxed")
    assert grade in ("strict", "non-strict", "informational", "relaxed"), entry
    if grade != "strict":
        assert re.fullmatch(r"I-\d+", entry.get("interpretation", "")), f"a reading needs its register id: {entry}"
        assert f"### {entry['interpretation']} " in REGISTER, f"{entry['interpretation']} is not in INTERPRETATIONS.md"


@pytest.mark.parametrize("entry", [e for e in AUDIT["relaxed"] if e["pointer"].startswith("/")],
                         ids=lambda e: e["pointer"].removeprefix("/components/schemas/"))
def test_relaxed_rules_are_gone_from_the_spec(entry):
    pointer, was = entry["pointer"], entry["was"]
    current = response_rules().get(pointer)
    if isinstance(current, list) and isinstance(was, str):  # one field dropped from a required list
        assert was not in current, f"{pointer} still requires {was!r}"
    else:
        assert current is None, f"{pointer} is still {current!r}"


def test_the_known_deribit_payloads_validate():
    """Real Deribit shapes the audit relaxed to the doc: all valid now."""
    trade = {"amount": 10, "direction": "buy", "instrument_name": "BTC-PERPETUAL", "price": 50000, "tick_direction": 0,
             "timestamp": 1612137600000, "trade_id": "1", "trade_seq": 1}
    assert validate("models.TradesResponse", trade) == []
    instrument = {"kind": "spot", "price_index": "sol_usdc", "contract_size": 10.0, "instrument_name": "SOL_USDC"}
    assert validate("models.GetInstrumentResponse", instrument) == []
    assert validate("models.GetAccountSummaryResponse", {"currency": "BTC"}) == []
    login = {"access_token": "a", "refresh_token": "r", "scope": "s", "token_type": "bearer", "expires_in": 31536000}
    assert validate("services.LoginResponse", login) == []


def test_a_violation_is_graded_by_the_audit():
    """A missing field (I-160) is non-strict; a wrong value where the doc enumerates the values is strict."""
    order = {"amount": 1, "creation_timestamp": 1612137600000, "direction": "buy", "instrument_name": "X", "label": "",
             "last_update_timestamp": 1612137600000, "mmp": False, "order_id": "1", "order_state": "open",
             "order_type": "limit", "post_only": False, "reduce_only": False, "replaced": False,
             "time_in_force": "good_til_cancelled", "average_price": 0, "filled_amount": 0}
    from harness.checks import CheckFailure, grade
    del order["label"]
    with pytest.raises(CheckFailure) as missing:
        schema.assert_conforms("models.OrderConfirmation", order, "private/buy 200")
    assert grade(missing.value) == "non-strict" and missing.value.interpretation == "I-160"
    with pytest.raises(CheckFailure) as wrong:
        schema.assert_conforms("models.OrderConfirmation", {**order, "label": "", "direction": "up"}, "private/buy 200")
    assert grade(wrong.value) == "strict"
    assert "/direction: received 'up'; documented enum ['buy', 'sell'] [strict]" in str(wrong.value)
