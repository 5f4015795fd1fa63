"""harness.ws.SharedWs: one authenticated WS connection per worker, reused; reconnected and re-authenticated only
when needed (issue #18: the WS fuzz spent a connection and a public/auth per test of a shared budget)."""

import json
import time

from harness.api import Credentials, OrderTracker, PulseApi, TokenManager
from harness.pacing import Pacer
from harness.ws import SharedWs, WsClient
from tests.stubs import AuthGateway, StubWsServer

TIMEOUT = 2.0


class Gateway(AuthGateway):
    """A stub that answers public/auth with a token of ``expires_in`` seconds, ``close_me`` by closing the
    connection, anything else with "ok"; it counts connections and authentications."""

    def special(self, connection, request: dict) -> bool | None:
        if request["method"] == "close_me":
            connection.close(1000, "asked to")
            return None
        return False


def shared(url: str, pacer: Pacer) -> SharedWs:
    return SharedWs(lambda: WsClient(url, timeout=TIMEOUT, pacer=pacer).connect(),
                    lambda: {"grant_type": "client_credentials", "client_id": "id", "client_secret": "secret"})


def test_one_connection_and_one_authentication_serve_every_case():
    gateway, pacer = Gateway(), Pacer()
    with StubWsServer(gateway) as stub:
        ws = shared(stub.url, pacer)
        try:
            for _ in range(20):
                assert ws.client().call("public/test") == "ok"
        finally:
            ws.close()
    assert (gateway.connections, gateway.auths) == (1, 1)
    assert pacer.sent == 21, "20 cases and one authentication"


def test_a_closed_connection_is_replaced_and_authenticated_again():
    gateway = Gateway()
    with StubWsServer(gateway) as stub:
        ws = shared(stub.url, Pacer())
        try:
            first = ws.client()
            first.send_raw(json.dumps({"jsonrpc": "2.0", "id": "x", "method": "close_me", "params": {}}))
            assert first.wait_closed(TIMEOUT)
            second = ws.client()
            assert second is not first and not second.closed
            assert second.call("public/test") == "ok"
        finally:
            ws.close()
    assert (gateway.connections, gateway.auths) == (2, 2)
    assert (ws.connections, ws.authentications) == (2, 2)


def test_forget_auth_authenticates_again_on_the_same_connection():
    gateway = Gateway()
    with StubWsServer(gateway) as stub:
        ws = shared(stub.url, Pacer())
        try:
            first = ws.client()
            ws.forget_auth()
            assert ws.client() is first
        finally:
            ws.close()
    assert (gateway.connections, gateway.auths) == (1, 2)


def test_a_token_near_its_expiry_is_renewed_before_the_next_case():
    gateway = Gateway(expires_in=1)  # renewed after 80 % of its life, but kept at least 1 s
    with StubWsServer(gateway) as stub:
        ws = shared(stub.url, Pacer())
        try:
            ws.client()
            ws.client()
            time.sleep(1.1)
            ws.client()
        finally:
            ws.close()
    assert (gateway.connections, gateway.auths) == (1, 2)


def test_a_public_case_neither_needs_nor_triggers_authentication():
    gateway = Gateway()
    with StubWsServer(gateway) as stub:
        ws = shared(stub.url, Pacer())
        try:
            ws.client(authenticated=False)
            ws.client(authenticated=False)
            assert gateway.auths == 0
            ws.client()
        finally:
            ws.close()
    assert (gateway.connections, gateway.auths) == (1, 1)


def test_a_pulse_api_over_ws_authenticates_its_connection_again_near_expiry():
    """PulseApi over WS (one per test): the connection's login is renewed at 80 % of expires_in before the next
    private call, as the TokenManager renews its token (a 30 s lifetime, short_token_life, must not fail a test)."""
    gateway = Gateway(expires_in=1)
    with StubWsServer(gateway) as stub:
        ws = WsClient(stub.url, timeout=TIMEOUT, pacer=Pacer()).connect()
        try:
            credentials = Credentials("maker", "id", "secret")
            api = PulseApi("ws", None, TokenManager(None, credentials), OrderTracker(), ws)
            api.call("private/get_positions")
            api.call("private/get_positions")
            api.call("public/test")
            assert gateway.auths == 1
            time.sleep(1.1)
            api.call("public/test")
            assert gateway.auths == 1, "a public call needs no login"
            api.call("private/get_positions")
        finally:
            ws.close()
    assert (gateway.connections, gateway.auths) == (1, 2)
