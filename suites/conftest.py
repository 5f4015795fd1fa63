"""Fixtures shared by the suites' folders (one folder per doc section, plus flows/ and parity/)."""

import pytest

from harness.mmp_flow import switch_mmp_off
from harness.trades import NoRoomToCross, OwnTrade, cross_own_orders

# The model driver's fixtures live beside the trading suite; the flows, parity and wallet cases drive it too.
from suites.trading.conftest import accounts, band, driver  # noqa: F401  (fixtures)


@pytest.fixture
def wallet(pulse, transport):
    """``wallet(method, **params)``: a private wallet call of the maker over the parametrized transport."""
    api = pulse("maker", transport)
    return lambda method, **params: api.call(method, **params)


@pytest.fixture
def own_trades(pulse, pulse_env):
    """``own_trades(n)``: n one-contract trades between our maker and taker, oldest first."""
    def make(count: int = 1) -> list[OwnTrade]:
        maker, taker = pulse("maker"), pulse("taker")
        try:
            return [cross_own_orders(maker, taker, pulse_env) for _ in range(count)]
        except NoRoomToCross as exc:
            pytest.skip(f"cannot trade with ourselves on {pulse_env.test_instrument} without foreign liquidity: {exc}")
    return make


@pytest.fixture
def no_account_scope_cod(pulse):
    """Start from account-scope COD off: another suite (or a person) may have left it on for the test account."""
    pulse("maker", "http").call("private/disable_cancel_on_disconnect", scope="account")


@pytest.fixture
def mmp_maker(pulse, pulse_env):
    """The maker over HTTP; its MMP is switched off again at teardown (a breach freezes its mmp quoting)."""
    api = pulse("maker")
    yield api
    switch_mmp_off(api, pulse_env)
