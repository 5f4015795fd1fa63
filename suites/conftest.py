"""Fixtures shared by the suites' folders (one folder per doc section, plus flows/ and parity/)."""

import pytest

from harness.band import PriceBand, read_band
from harness.mmp_flow import switch_mmp_off
from harness.model.driver import start_driver
from harness.trades import NoRoomToCross, OwnTrade, cross_own_orders


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


# The two accounts, the price band and the model driver: the trading, flows, parity and wallet cases use them.
@pytest.fixture
def accounts(pulse) -> dict:
    """maker over WebSocket, taker over HTTP: every flow exercises both transports."""
    return {"maker": pulse("maker", "ws"), "taker": pulse("taker", "http")}


@pytest.fixture
def band(accounts, pulse_env) -> PriceBand:
    """Where the suite's orders go: inside the foreign spread (read from the book), on the tick grid."""
    return read_band(accounts["maker"], pulse_env)[0]


@pytest.fixture
def driver(pulse, pulse_env, transport):
    """A ModelDriver over maker and taker on one transport; what it left open is cancelled at teardown.

    Every request it sends is also predicted by the model and compared, so an example test checks its
    documented rule explicitly and everything else about the step implicitly."""
    apis = {"maker": pulse("maker", transport), "taker": pulse("taker", transport)}
    made = start_driver(apis, pulse_env, *read_band(apis["maker"], pulse_env))
    made.level_out(made.band.centre, set_last_price=pulse_env.is_local)
    yield made
    made.cancel_everything()
