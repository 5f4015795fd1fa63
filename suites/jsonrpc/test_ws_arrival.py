"""Results do not depend on how the bytes arrive: whole, in WebSocket fragments, or with other requests in
flight (STYLE lesson 6, after h11's ``tr()``)."""

import json

import pytest

from harness.checks.envelope import (
    id_is_echoed,
    is_answer_reply,
    is_error_reply,
    is_rate_limited,
    is_result_reply,
    next_unmatched,
    raw_reply,
)

pytestmark = [pytest.mark.check("semantics"), pytest.mark.jsonrpc, pytest.mark.doc("Websocket Endpoints", "JSON-RPC 2.0 framing")]

IN_FLIGHT = 40  # requests submitted before the first answer is read
# On a shared gateway (paced, with a request budget) 12 in flight check the same rule: every method's reply, both
# id types, answers matched by id whatever their order.
IN_FLIGHT_REMOTE = 12


def fragmentations(text: str) -> dict[str, list[str]]:
    """The ways one message is split into WebSocket frames (RFC 6455 5.4: the message is their concatenation)."""
    middle = len(text) // 2
    return {
        "whole": [text],
        "halves": [text[:middle], text[middle:]],
        "empty first fragment": ["", text],
        "char by char": list(text),
        "split inside a string": [text[: text.index("btc") + 1], text[text.index("btc") + 1:]],
    }


INDEX_READS = 3  # pairs of (whole, fragmented) reads at the most; one equal pair passes
INDEX_REQUEST = json.dumps({"jsonrpc": "2.0", "id": "frag", "method": "public/get_index_price",
                            "params": {"index_name": "btc_usd"}})


@pytest.mark.parametrize("how", list(fragmentations(INDEX_REQUEST)))
def test_fragmented_request_gets_the_same_result(ws_client, how):
    """RFC 6455 5.4: a fragmented message is the concatenation of its fragments; the JSON-RPC result must not
    depend on the split."""
    ws = ws_client()
    pairs = []
    for _ in range(INDEX_READS):  # the index moves by itself (a shared gateway's, the simulator's each second):
        whole = is_result_reply(raw_reply(ws, INDEX_REQUEST), "frag")  # a pair that straddles a step is read again
        split = is_result_reply(raw_reply(ws, fragmentations(INDEX_REQUEST)[how]), "frag")
        if split == whole:
            return
        pairs.append((split, whole))
    raise AssertionError(f"result of the {how} request: received {[s for s, _ in pairs]!r}; the whole request just "
                         f"before each gave {[w for _, w in pairs]!r} (the same documented)")


def test_fragmented_invalid_json_is_still_a_parse_error(ws_client):
    """JSON-RPC 2.0 -32700 whatever the framing: a broken message split in fragments stays broken."""
    ws = ws_client()
    is_error_reply(raw_reply(ws, ['{"jsonrpc": "2.0", ', '"id": 1, "method": ']), "parse_error", None)


def test_many_requests_in_flight_are_each_answered_by_id(ws_client, pulse_env):
    """JSON-RPC 2.0: "The Response ... MUST contain the same value as the id"; with many requests in flight each
    reply must belong to its own request (answers matched by id, whatever their order)."""
    ws = ws_client()
    methods = [("public/get_index_price", {"index_name": pulse_env.index_name}), ("public/test", {}),
               ("public/get_index_price", {"index_name": "no_such_index"})]
    futures = []
    for n in range(IN_FLIGHT_REMOTE if pulse_env.is_remote else IN_FLIGHT):
        method, params = methods[n % len(methods)]
        request_id = n if n % 2 else f"flight-{n}"
        futures.append((request_id, method, params, ws.submit(method, params, request_id=request_id)))
    for request_id, method, params, future in futures:
        reply = ws.wait(future, method, timeout=5)
        if is_rate_limited(reply):  # a shared gateway may refuse any request for its rate (I-303)
            is_answer_reply(reply, request_id)
        elif params.get("index_name") == "no_such_index":
            is_error_reply(reply, "invalid_params", request_id)
        else:
            result = is_result_reply(reply, request_id)
            expected_kind = (int, float) if method == "public/get_index_price" else dict
            assert isinstance(result, expected_kind), (
                f"{method} id={request_id!r}: received {result!r}; documented a {expected_kind}: replies crossed?")
    assert ws.unmatched.empty(), f"replies matching no request: received {ws.unmatched.get_nowait()}"


def test_fragmented_request_between_other_requests(ws_client, pulse_env):
    """A fragmented message sent while other requests are in flight: every request gets its own answer."""
    ws = ws_client()
    before = ws.submit("public/test", {}, request_id="before")
    ws.send_fragmented(list(INDEX_REQUEST))
    after = ws.submit("public/get_index_price", {"index_name": pulse_env.index_name}, request_id=10_001)
    id_is_echoed(ws.wait(before, "public/test", timeout=5), "before")
    after_reply = ws.wait(after, "public/get_index_price", timeout=5)
    is_answer_reply(after_reply, 10_001)
    is_answer_reply(next_unmatched(ws, 5, "the fragmented request sent between two others"), "frag")
