"""A gateway that hangs, drops connections, sends garbage or floods: the harness fails clearly, in bounded time."""

import json
import threading
import time

import pytest

from harness.errors import GatewayUnreachable, PulseCallError
from harness.pacing import BudgetExhausted, Pacer
from harness.rest import RestClient
from harness.ws import WsClient
from tests.stubs import StubHttpServer, StubWsServer, reply_json

TIMEOUT = 1.0


def _elapsed(action) -> tuple[BaseException, float]:
    started = time.monotonic()
    with pytest.raises((GatewayUnreachable, PulseCallError, AssertionError)) as raised:
        action()
    return raised.value, time.monotonic() - started


def test_ws_gateway_that_never_answers_times_out_naming_the_method():
    def silent(connection):
        for _ in connection:
            pass

    with StubWsServer(silent) as stub, WsClient(stub.url, timeout=TIMEOUT) as client:
        error, elapsed = _elapsed(lambda: client.call("public/get_index_price", {"index_name": "btc_usd"}))
    assert isinstance(error, GatewayUnreachable)
    assert "public/get_index_price" in str(error) and "no JSON-RPC reply within" in str(error)
    assert elapsed < TIMEOUT + 1.0


def test_ws_gateway_that_drops_the_connection_fails_the_waiting_call_at_once():
    def drop(connection):
        connection.recv()
        connection.close(1011, "boom")

    with StubWsServer(drop) as stub, WsClient(stub.url, timeout=5) as client:
        error, elapsed = _elapsed(lambda: client.call("public/test"))
    assert isinstance(error, GatewayUnreachable) and "connection closed before the reply" in str(error)
    assert "1011" in str(error)
    assert elapsed < 2.0, "a dropped connection must not wait for the full timeout"


def test_ws_garbage_frames_are_kept_for_diagnosis_and_do_not_break_the_client():
    def garbage_then_answer(connection):
        for frame in connection:
            request = json.loads(frame)
            connection.send("<html>502 Bad Gateway</html>")
            connection.send(json.dumps({"jsonrpc": "2.0", "id": request["id"], "result": "ok"}))

    with StubWsServer(garbage_then_answer) as stub, WsClient(stub.url, timeout=TIMEOUT) as client:
        assert client.call("public/test") == "ok"
        assert client.unmatched.get(timeout=TIMEOUT) == {"unparseable_frame": "<html>502 Bad Gateway</html>"}


def test_ws_notification_flood_is_bounded_and_requests_still_complete(monkeypatch):
    monkeypatch.setattr("harness.ws.CHANNEL_QUEUE_LIMIT", 100)

    def flood(connection):
        for frame in connection:
            request = json.loads(frame)
            for i in range(1000):
                connection.send(json.dumps({"jsonrpc": "2.0", "method": "subscription",
                                            "params": {"channel": "quote.X", "data": {"n": i}}}))
            connection.send(json.dumps({"jsonrpc": "2.0", "id": request["id"], "result": "done"}))

    with StubWsServer(flood) as stub, WsClient(stub.url, timeout=5) as client:
        assert client.call("public/test") == "done"
        assert len(client.drain("quote.X")) == 100
        assert client.overflowed("quote.X")


def test_waiting_for_a_notification_that_never_comes_names_the_channel():
    with StubWsServer(lambda connection: [None for _ in connection]) as stub, WsClient(stub.url, timeout=TIMEOUT) as c:
        error, elapsed = _elapsed(lambda: c.next_notification("book.X.raw", timeout=0.3))
    assert "book.X.raw" in str(error) and elapsed < 1.5


def test_unreachable_ws_gateway_fails_at_connect():
    error, elapsed = _elapsed(lambda: WsClient("ws://127.0.0.1:9/ws/api/v2", timeout=TIMEOUT).connect())
    assert isinstance(error, GatewayUnreachable) and "could not connect" in str(error)
    assert elapsed < TIMEOUT + 1.0


def test_http_gateway_that_hangs_times_out():
    release = threading.Event()

    def hang(handler):
        release.wait(10)

    with StubHttpServer(hang) as stub:
        client = RestClient(stub.base_url + "/api/v2", timeout=TIMEOUT)
        error, elapsed = _elapsed(lambda: client.call("public/get_index_price", {"index_name": "btc_usd"}))
        release.set()
    assert isinstance(error, GatewayUnreachable) and "no HTTP response within the timeout" in str(error)
    assert elapsed < TIMEOUT + 2.0


def test_http_non_json_error_page_is_reported_with_its_status():
    def bad_gateway(handler):
        handler.send_response(502)
        handler.send_header("Content-Type", "text/html")
        handler.end_headers()
        handler.wfile.write(b"<html>502 Bad Gateway</html>")

    with StubHttpServer(bad_gateway) as stub:
        error, _ = _elapsed(lambda: RestClient(stub.base_url + "/api/v2", timeout=TIMEOUT).call("public/get_index_price"))
    assert isinstance(error, GatewayUnreachable) and "HTTP 502" in str(error) and "not JSON" in str(error)


# 429: a proxy in front of the gateway may answer so; the body's status 7 says the request was not executed
@pytest.mark.parametrize("http_status", [400, 429])
def test_too_many_requests_is_retried_with_backoff(monkeypatch, http_status):
    monkeypatch.setattr(Pacer, "backoff", staticmethod(lambda attempt: None))
    answers = iter([(http_status, {"description": "too_many_requests", "response": None, "status": 7})] * 2
                   + [(200, 60000.0)])

    def limited(handler):
        status, body = next(answers)
        reply_json(handler, status, body)

    with StubHttpServer(limited) as stub:
        result = RestClient(stub.base_url + "/api/v2", timeout=TIMEOUT).call("public/get_index_price", {})
        assert result == 60000.0 and len(stub.requests) == 3


def test_request_budget_is_enforced_with_a_clear_message():
    pacer = Pacer(per_second=0, budget=2, reserve=0)
    pacer.wait()
    pacer.wait()
    with pytest.raises(BudgetExhausted, match="request budget of 2"):
        pacer.wait()


def test_pacer_spaces_requests_to_the_configured_rate():
    pacer = Pacer(per_second=20)
    started = time.monotonic()
    for _ in range(6):
        pacer.wait()
    assert time.monotonic() - started >= 5 / 20 * 0.9
