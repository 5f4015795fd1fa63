"""private/get_deposits (doc section "Wallet"; register I-21, I-40)."""

import pytest

from harness.checks.presence import sent_field
from harness.schema import assert_conforms, result_schema
from harness.wire_checks import is_ms_timestamp, is_number

pytestmark = [pytest.mark.wallet, pytest.mark.doc("Wallet", "private/get_deposits")]


def deposits(wallet, **params) -> list[dict]:
    result = wallet("private/get_deposits", **params)
    assert isinstance(result, list), f"received {result!r}; documented an array of DepositWithdrawalConfirmation"
    return result


@pytest.mark.check("schema")
def test_deposit_fields(wallet):
    """Doc: DepositWithdrawalConfirmation: amount number, currency string, received_timestamp integer, state
    string, transaction_id string."""
    for deposit in deposits(wallet):
        for name in ("amount", "currency", "received_timestamp", "state", "transaction_id"):
            sent_field(deposit, name, "a deposit")
        assert is_number(deposit.get("amount")) and deposit["amount"] > 0, f"amount: received {deposit!r}"
        assert deposit.get("currency") == "USD", f"currency: received {deposit.get('currency')!r}; I-40 reads USD"
        assert is_ms_timestamp(deposit.get("received_timestamp")), (
            f"received_timestamp: received {deposit.get('received_timestamp')!r}; documented ms (I-19)")
        assert isinstance(deposit.get("state"), str) and isinstance(deposit.get("transaction_id"), str), (
            f"state/transaction_id: received {deposit!r}; documented strings")


@pytest.mark.check("semantics")
def test_count_limits_the_deposits(wallet):
    """Doc: "count body integer false Number of requested items"."""
    every = deposits(wallet, count=100)
    if len(every) < 2:
        pytest.skip(f"the maker account has {len(every)} deposit(s) on this environment; the check needs 2")
    page = deposits(wallet, count=1)
    assert len(page) == 1, f"count=1: received {len(page)} deposits ({len(every)} exist)"


@pytest.mark.interpretation("I-165")
@pytest.mark.check("semantics")
def test_offset_pages_through_the_deposits(wallet):
    """Doc: "offset body integer false The offset for pagination"."""
    every = deposits(wallet, count=100)
    if len(every) < 2:
        pytest.skip(f"the maker account has {len(every)} deposit(s) on this environment; paging needs 2")
    assert deposits(wallet, count=1, offset=1) == every[1:2], "offset=1,count=1: documented the second deposit"
    assert deposits(wallet, offset=len(every)) == [], "offset past the end: documented no deposit"


@pytest.mark.check("schema")
def test_result_conforms_to_the_documented_schema(wallet):
    """Doc: "200 OK ... [models.DepositWithdrawalConfirmation]" (spec/openapi.yaml)."""
    result = wallet("private/get_deposits")
    assert_conforms(result_schema("private/get_deposits"), result,
                    "private/get_deposits: 200 [models.DepositWithdrawalConfirmation]")
