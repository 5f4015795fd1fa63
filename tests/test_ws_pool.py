"""harness.ws.WsPool: a WS connection of one test is handed to the next only if nothing of the test can outlive it
on the connection, and a test sees it as it would see a new one (issue #18: a connection and a public/auth per WS
test cost CPU locally and a request of a shared budget remotely)."""

import json
import time

import pytest

from harness.api import Credentials, OrderTracker, PulseApi, TokenManager
from harness.errors import GatewayUnreachable
from harness.pacing import Pacer
from harness.ws import WsClient, WsPool, stateless_method
from tests.stubs import AuthGateway, StubWsServer

TIMEOUT = 2.0


class Gateway(AuthGateway):
    """Answers ``private/subscribe`` with "ok" and then a notification, ``public/get_index_price`` never (a lost
    reply), public/auth with a token, anything else with "ok"."""

    def special(self, connection, request: dict) -> bool | None:
        if request["method"] == "public/get_index_price":
            return True
        if request["method"] == "private/subscribe":
            connection.send(json.dumps({"jsonrpc": "2.0", "id": request["id"], "result": "ok"}))
            connection.send(json.dumps({"jsonrpc": "2.0", "method": "subscription",
                                        "params": {"channel": "user.orders.any", "data": {}}}))
            return True
        return False


def pool_for(url: str, **options) -> WsPool:
    return WsPool(lambda: WsClient(url, timeout=TIMEOUT, pacer=Pacer()).connect(), **options)


def api(pool: WsPool, account: str = "maker") -> PulseApi:
    credentials = Credentials(account, f"{account}-id", "secret")
    return PulseApi("ws", None, TokenManager(None, credentials), OrderTracker(), lease=pool.lease)


def finish(pool: WsPool, *apis: PulseApi) -> None:
    """What the ``pulse`` fixture does at a test's teardown."""
    for one in apis:
        if one.leased is not None:
            pool.give_back(one.account, one.leased)


@pytest.fixture
def gateway():
    gateway = Gateway()
    with StubWsServer(gateway) as stub:
        gateway.url = stub.url
        yield gateway


def test_a_clean_connection_serves_the_next_test_and_its_login_the_same_account(gateway):
    pool = pool_for(gateway.url)
    try:
        first = api(pool)
        first.call("private/get_positions")
        first.call("public/test")
        finish(pool, first)
        second = api(pool)
        second.call("private/get_positions")
        assert second.leased is first.leased, "the same connection, handed on"
        finish(pool, second)
    finally:
        pool.close()
    assert (gateway.connections, gateway.auths, pool.reuses) == (1, 1, 1), "one connection, one login, reused once"


def test_a_public_first_use_never_gets_a_logged_in_connection(gateway):
    """A test whose first WS use is public (or a subscription) sees a connection that never authenticated, as a new
    one: an account's logged-in connection is kept for that account's private calls only."""
    pool = pool_for(gateway.url)
    try:
        private = api(pool)
        private.call("private/get_positions")
        finish(pool, private)
        public = api(pool)
        public.call("public/test")
        assert public.leased is not private.leased and public.leased.authorised_until == 0
        other = api(pool, "taker")
        other.call("private/get_positions")
        assert other.leased is not private.leased, "another account never gets the maker's login"
        finish(pool, public, other)
    finally:
        pool.close()
    assert gateway.auths == 2


@pytest.mark.parametrize("use", [
    pytest.param(lambda one: one.call("private/subscribe", channels=["user.orders.any"]), id="subscription"),
    pytest.param(lambda one: one.call("public/set_heartbeat", interval=10), id="heartbeat"),
    pytest.param(lambda one: one.call("public/auth", grant_type="client_credentials"), id="own public/auth"),
    pytest.param(lambda one: one.call("private/logout"), id="logout"),
    pytest.param(lambda one: one.call("private/enable_cancel_on_disconnect"), id="cancel on disconnect"),
    pytest.param(lambda one: one.call("public/no_such_method"), id="undocumented method"),
    pytest.param(lambda one: one.ws.send_raw("{not json"), id="raw frame"),
    pytest.param(lambda one: one.ws.send_fragmented(['{"jsonrpc": "2.0", ', '"id": 1, "method": "public/test"}']),
                 id="fragmented frame"),
    pytest.param(lambda one: pytest.raises(GatewayUnreachable, one.ws.call, "public/get_index_price", {}, timeout=0.2),
                 id="lost reply"),
])
def test_a_connection_that_kept_state_of_its_test_is_closed_not_reused(gateway, use):
    pool = pool_for(gateway.url)
    try:
        first = api(pool)
        first.call("private/get_positions")
        use(first)
        finish(pool, first)
        assert first.leased.closed or not first.leased.reusable()
        second = api(pool)
        second.call("private/get_positions")
        assert second.leased is not first.leased
        finish(pool, second)
    finally:
        pool.close()
    assert pool.reuses == 0


def test_the_stateful_methods_are_the_connection_scope_ones():
    assert not any(map(stateless_method, ["public/auth", "private/logout", "public/subscribe", "private/subscribe",
                                          "public/unsubscribe_all", "public/set_heartbeat", "public/disable_heartbeat",
                                          "private/enable_cancel_on_disconnect", "public/no_such_method"]))
    assert all(map(stateless_method, ["private/buy", "private/get_positions", "public/test", "public/get_index_price"]))


def test_a_connection_the_gateway_closed_is_not_handed_out(gateway):
    pool = pool_for(gateway.url)
    try:
        first = api(pool)
        first.call("public/test")
        finish(pool, first)
        first.leased._run(first.leased._connection.close(), TIMEOUT)  # as a gateway closing an idle connection would
        assert first.leased.wait_closed(TIMEOUT)
        second = api(pool)
        second.call("public/test")
        assert second.leased is not first.leased and not second.leased.closed
        finish(pool, second)
    finally:
        pool.close()


def test_a_moved_gateway_clock_drops_every_login_even_of_a_connection_in_use():
    """The local control plane moved the clock (epoch changes): logins may have expired on the gateway's clock, so
    no connection that was open across the move is handed out again."""
    gateway, epoch = Gateway(), [0]
    with StubWsServer(gateway) as stub:
        pool = pool_for(stub.url, epoch=lambda: epoch[0])
        try:
            idle, busy = api(pool), api(pool)
            idle.call("private/get_positions")
            busy.call("private/get_positions")
            finish(pool, idle)
            epoch[0] += 1
            finish(pool, busy)
            after = api(pool)
            after.call("private/get_positions")
            assert after.leased not in (idle.leased, busy.leased) and idle.leased.closed and busy.leased.closed
            finish(pool, after)
        finally:
            pool.close()
    assert pool.reuses == 0


def test_a_login_near_its_expiry_is_not_reused():
    gateway = Gateway(expires_in=1)
    with StubWsServer(gateway) as stub:
        pool = pool_for(stub.url)
        try:
            first = api(pool)
            first.call("private/get_positions")
            finish(pool, first)
            time.sleep(1.1)  # past the login's renewal (80 % of 1 s, at least 1 s)
            second = api(pool)
            second.call("private/get_positions")
            assert second.leased is not first.leased and first.leased.closed
            finish(pool, second)
        finally:
            pool.close()
    assert (gateway.connections, gateway.auths, pool.reuses) == (2, 2, 0)


def test_an_idle_connection_ages_out(gateway):
    pool = pool_for(gateway.url, max_idle=0.3)
    try:
        first = api(pool)
        first.call("public/test")
        finish(pool, first)
        time.sleep(0.4)
        second = api(pool)
        second.call("public/test")
        assert second.leased is not first.leased and first.leased.closed
        finish(pool, second)
    finally:
        pool.close()
    assert (gateway.connections, pool.reuses) == (2, 0)


def test_the_pool_keeps_at_most_keep_idle_connections_per_login(gateway):
    pool = pool_for(gateway.url, keep=1)
    try:
        apis = [api(pool), api(pool)]
        for one in apis:
            one.call("public/test")
        finish(pool, *apis)
        assert [one.leased.closed for one in apis] == [False, True]
    finally:
        pool.close()
    assert all(one.leased.closed for one in apis), "close() closes the idle ones"
