"""Fixtures shared by the suites' folders (one folder per doc section, plus flows/ and parity/)."""

import contextlib

import pytest

from harness import report
from harness.api import PulseApi
from harness.band import PriceBand, read_band
from harness.env import MMP_ACCOUNT, unconfigured_account
from harness.mmp_flow import exclusive, give_back, switch_mmp_off
from harness.model.driver import start_driver
from harness.sweep import cancel_tracked_orders
from harness.trades import NoRoomToCross, OwnTrade, cross_own_orders
from harness.ws import WsClient


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


@pytest.fixture(scope="module")
def mmp_accounts(request, pulse_env, pacer, rest, tokens, tracker):
    """``make(account, transport)`` for a module's MMP breach (I-640): the maker side is the account reserved for
    MMP breaches (``MMP_ACCOUNT``), held exclusively across the run's workers while the module runs; at teardown
    (failure included) its MMP is switched off and the suite's own orders are cancelled. Skips, naming what to
    configure, where the environment reserves no such account."""
    if reason := unconfigured_account(pulse_env):
        pytest.skip(reason)
    clients = []

    def make(account: str = MMP_ACCOUNT, transport: str = "http") -> PulseApi:
        ws = None
        if transport == "ws":
            ws = WsClient(pulse_env.ws_url, pacer=pacer, on_exchange=report.attach_exchange).connect()
            clients.append(ws)
        return PulseApi(transport, rest, tokens[account], tracker, ws)

    from harness.guest import run_dir  # imported here: pytest_plugins loads (and assert-rewrites) it first
    registry = request.getfixturevalue("claim_registry")
    with contextlib.ExitStack() as held:
        try:
            held.enter_context(exclusive(run_dir(request.config), registry=registry,
                                         wait_s=request.config.getoption("--venue-wait-seconds")))
        except TimeoutError as exc:  # another run on the same accounts kept the reserved account's breaches
            pytest.fail(f"NOT COVERED: {exc}", pytrace=False)
        try:
            yield make
        finally:
            for client in clients:
                client.close()
            try:
                switch_mmp_off(make(), pulse_env)
                give_back(make(), make("taker"), pulse_env)
            finally:
                cancel_tracked_orders(rest, tokens, tracker)


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
