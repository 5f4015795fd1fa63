"""The reference gateway under abuse: fuzzed frames, oversize messages, many connections, slow readers.

Never a crash, never a 5xx, a clear error for each, and bounded memory per connection.
"""

import asyncio
import json

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from websockets.asyncio.client import connect as async_connect
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from harness.local import LocalGateway
from harness.ws import WsClient

SCALARS = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20)
JSON_VALUES = st.recursive(
    SCALARS, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12)
# Frames a fuzzer throws at a JSON-RPC endpoint: random text, random JSON, and request-shaped objects with wrong parts.
FRAMES = st.one_of(
    st.text(max_size=200),
    JSON_VALUES.map(json.dumps),
    st.fixed_dictionaries({"jsonrpc": st.sampled_from(["2.0", "1.0", 2, None]), "id": JSON_VALUES,
                           "method": st.sampled_from(["public/get_index_price", "private/buy", "nope", ""]) | JSON_VALUES,
                           "params": JSON_VALUES}).map(json.dumps),
)


@pytest.fixture(scope="module")
def gateway(tmp_path_factory):
    config = tmp_path_factory.mktemp("gw") / "limits.toml"
    config.write_text("[limits]\nnotification_queue = 50\n")
    running = LocalGateway(config=str(config))
    yield running
    running.stop()


def valid_request_works(ws) -> None:
    ws.send(json.dumps({"jsonrpc": "2.0", "id": "alive", "method": "public/get_index_price",
                        "params": {"index_name": "btc_usd"}}))
    assert json.loads(ws.recv(timeout=5)) == {"jsonrpc": "2.0", "id": "alive", "result": 60000.0}


def test_fuzzed_frames_get_json_rpc_answers_and_the_connection_survives(gateway):
    with connect(gateway.ws_url, open_timeout=5) as ws:
        @settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        @given(FRAMES)
        def one_frame(frame):
            ws.send(frame)
            reply = json.loads(ws.recv(timeout=5))
            assert reply.get("jsonrpc") == "2.0" and ("result" in reply) != ("error" in reply), reply
            if "error" in reply:
                assert isinstance(reply["error"]["code"], int) and isinstance(reply["error"]["message"], str)

        one_frame()
        valid_request_works(ws)
    assert gateway.alive()


def test_binary_frame_gets_a_clear_error(gateway):
    with connect(gateway.ws_url, open_timeout=5) as ws:
        ws.send(b"\x00\x01binary")
        reply = json.loads(ws.recv(timeout=5))
        assert reply["error"]["code"] == -32600 and "binary" in reply["error"]["data"]["reason"]
        valid_request_works(ws)


def test_oversize_message_is_refused_and_the_connection_stays_usable(gateway):
    with connect(gateway.ws_url, open_timeout=5, max_size=None) as ws:
        ws.send(json.dumps({"jsonrpc": "2.0", "id": 1, "method": "public/test", "params": {"pad": "x" * 100_000}}))
        reply = json.loads(ws.recv(timeout=5))
        assert reply["error"]["code"] == -32600 and "larger than" in reply["error"]["data"]["reason"]
        valid_request_works(ws)


def test_frame_beyond_the_websocket_limit_closes_with_1009_and_the_gateway_lives_on(gateway):
    with connect(gateway.ws_url, open_timeout=5, max_size=None) as ws:
        ws.send("x" * 1_000_000)
        with pytest.raises(ConnectionClosed) as closed:
            ws.recv(timeout=5)
        assert closed.value.rcvd.code == 1009
    with connect(gateway.ws_url, open_timeout=5) as ws:
        valid_request_works(ws)


# Short ids: a 200 kB test id in PYTEST_CURRENT_TEST makes the environment too long to start a gateway process (E2BIG).
@pytest.mark.parametrize("body", [b"\xff\xfe garbage", b"[1,2,3]", b'"just a string"', b"{" * 5000, b"x" * 200_000],
                         ids=["not_utf8", "array", "string", "deep_braces", "oversized"])
def test_http_abuse_gets_a_400_message_never_a_5xx(gateway, body):
    for path in ("/private/buy", "/public/get_index_price", "/private/get_order_book"):
        response = httpx.post(gateway.rest_base + path, content=body, headers={"Content-Type": "application/json"},
                              timeout=5)
        assert response.status_code == 400, (path, response.status_code, response.text[:200])
        assert set(response.json()) == {"description", "response", "status"}


def test_a_thousand_connections_are_served_and_released(gateway):
    async def many() -> list[object]:
        async def one(i: int):
            async with async_connect(gateway.ws_url, open_timeout=20) as ws:
                await ws.send(json.dumps({"jsonrpc": "2.0", "id": i, "method": "public/test"}))
                return json.loads(await asyncio.wait_for(ws.recv(), 20))["id"]
        return await asyncio.gather(*(one(i) for i in range(1000)))

    assert sorted(asyncio.run(many())) == list(range(1000))
    status = httpx.post(gateway.root_url + "/_refgw/control/status", timeout=5).json()
    assert status["sessions"] <= 5, f"connections were not released: {status['sessions']} sessions remain"


def test_a_notification_backlog_beyond_the_bound_disconnects_instead_of_growing(gateway):
    """With notification_queue = 50, a subscriber whose backlog passes 50 messages is closed with 1008 (slow
    consumer) rather than buffered without limit: one cancel_all of 80 orders queues 80 user.orders messages."""
    grant = {"grant_type": "client_credentials", "client_id": "maker", "client_secret": "maker-secret"}
    with WsClient(gateway.ws_url, timeout=20) as subscriber, WsClient(gateway.ws_url, timeout=20) as trader:
        subscriber.call("public/auth", grant)
        subscriber.call("private/subscribe", {"channels": ["user.orders.ETH_USD-PERPETUAL.raw"]})
        trader.call("public/auth", grant)
        for i in range(80):  # one at a time: 80 pipelined replies would pass the bound on the trader itself
            trader.call("private/buy", {"instrument_name": "ETH_USD-PERPETUAL", "amount": 1,
                                        "price": round(1000 + i * 0.05, 2), "type": "limit"})
        subscriber.drain("user.orders.ETH_USD-PERPETUAL.raw")
        assert not subscriber.closed, "a reader that keeps up must not be disconnected"
        trader.call("private/cancel_all", {})
        assert subscriber.wait_closed(10), "the subscriber with a backlog of 80 > 50 was not disconnected"
        assert subscriber.close_code == 1008 and "slow consumer" in subscriber.close_reason


@pytest.mark.parametrize("verb", ["GET", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE"])
def test_wrong_verb_is_a_405_message_naming_the_allowed_one(gateway, verb):
    """Register I-214: a documented path with the wrong verb is HTTP 405 with a Message and an Allow header."""
    response = httpx.request(verb, gateway.rest_base + "/private/buy", timeout=5)
    assert response.status_code == 405 and response.headers.get("allow") == "POST"
    assert response.json()["status"] == 11
