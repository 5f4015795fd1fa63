"""Named checks of JSON-RPC 2.0 replies (register I-05). Each says what was received and what is documented."""

import json
import queue
import time

from harness.errors import GatewayUnreachable
from harness.ws import WsClient

JSONRPC_CODES = {"parse_error": -32700, "invalid_request": -32600, "method_not_found": -32601,
                 "invalid_params": -32602}
COMMON_CODES = range(1, 14)  # return_codes.CommonCodes (I-04)


def jsonrpc_is_2_0(reply: dict) -> None:
    assert reply.get("jsonrpc") == "2.0", (
        f"jsonrpc: received {reply.get('jsonrpc')!r}; documented \"2.0\" (JSON-RPC 2.0)\nreply: {reply}")


def id_is_echoed(reply: dict, sent_id: object) -> None:
    received = reply.get("id", "<missing>")
    assert received == sent_id and type(received) is type(sent_id), (
        f"id: received {received!r} ({type(received).__name__}); documented the request's id {sent_id!r} "
        f"({type(sent_id).__name__}) echoed unchanged\nreply: {reply}")


def exactly_one_of_result_and_error(reply: dict) -> None:
    present = [key for key in ("result", "error") if key in reply]
    assert len(present) == 1, (
        f"reply members: received {sorted(reply)}; documented exactly one of 'result' and 'error'\nreply: {reply}")


def error_object_is_documented(reply: dict) -> dict:
    """I-05: {"code": int, "message": str, "data": {"reason": str, "status": CommonCodes}}."""
    error = reply.get("error")
    assert isinstance(error, dict), (
        f"error: received {error!r} (reply members {sorted(reply)}); documented a JSON-RPC error object for a "
        f"refused request\nreply: {reply}")
    assert isinstance(error.get("code"), int) and not isinstance(error.get("code"), bool), (
        f"error.code: received {error.get('code')!r}; documented an integer")
    assert isinstance(error.get("message"), str) and error["message"], (
        f"error.message: received {error.get('message')!r}; documented a non-empty string")
    data = error.get("data")
    assert isinstance(data, dict) and isinstance(data.get("reason"), str), (
        f"error.data: received {data!r}; I-05 reads {{'reason': str, 'status': CommonCodes}}")
    assert data.get("status") in COMMON_CODES, (
        f"error.data.status: received {data.get('status')!r}; documented return_codes.CommonCodes 1..13")
    return error


def is_error_reply(reply: dict, name: str, sent_id: object = None, *, id_may_be_null: bool = False) -> dict:
    """A complete JSON-RPC error reply with the JSON-RPC 2.0 code for ``name``."""
    jsonrpc_is_2_0(reply)
    exactly_one_of_result_and_error(reply)
    error = error_object_is_documented(reply)
    assert error["code"] == JSONRPC_CODES[name], (
        f"error.code: received {error['code']}; documented {JSONRPC_CODES[name]} ({name}, JSON-RPC 2.0)\nreply: {reply}")
    if sent_id is None:
        assert reply.get("id", "<missing>") is None, (
            f"id: received {reply.get('id', '<missing>')!r}; documented null when the id cannot be read")
    elif not (id_may_be_null and reply.get("id", "<missing>") is None):
        id_is_echoed(reply, sent_id)
    return error


def is_result_reply(reply: dict, sent_id: object) -> object:
    jsonrpc_is_2_0(reply)
    exactly_one_of_result_and_error(reply)
    assert "result" in reply, f"received an error; documented a result\nreply: {reply}"
    id_is_echoed(reply, sent_id)
    return reply["result"]


# ---------------------------------------------------------------------------------------------- raw frames
def raw_reply(ws: WsClient, frame: str | list[str], timeout: float = 5.0) -> dict:
    """Send one frame exactly as given (a list = one message in WebSocket fragments); return the reply.

    Raw frames are not registered as pending requests, so their replies arrive on ``ws.unmatched``.
    """
    while not ws.unmatched.empty():
        ws.unmatched.get_nowait()
    if isinstance(frame, list):
        ws.send_fragmented(frame)
    else:
        ws.send_raw(frame)
    reply = next_unmatched(ws, timeout, f"the frame {str(frame)[:200]!r}")
    assert "unparseable_frame" not in reply and "unexpected_frame" not in reply, (
        f"received a frame that is not a JSON object: {reply}; documented a JSON-RPC reply object")
    return reply


def next_unmatched(ws: WsClient, timeout: float, what: str) -> dict:
    """The next reply on ``ws.unmatched``; gives up at once when the gateway closes the connection."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            return ws.unmatched.get(timeout=0.05)
        except queue.Empty:
            if ws.closed:
                break
    waited = "the gateway closed the connection" if ws.closed else f"nothing within {timeout}s"
    raise AssertionError(f"no reply to {what}: {waited}; documented a JSON-RPC reply on an open connection "
                         f"(connection closed: {ws.closed}, code {ws.close_code}, reason {ws.close_reason!r})")


def request_text(request_id: object, method: str, params: dict | None = None, **members) -> str:
    return json.dumps({"jsonrpc": "2.0", "id": request_id, "method": method, "params": params or {}} | members)


def connection_still_serves(ws: WsClient) -> None:
    """After a refused frame the connection stays open and answers the next request."""
    try:
        reply = ws.request("public/test", {}, timeout=5)
    except GatewayUnreachable as exc:
        raise AssertionError(f"after a refused frame the connection no longer answers ({exc}); documented: an error "
                             f"reply and the connection stays usable (JSON-RPC 2.0)") from None
    assert "result" in reply, f"public/test after a refused frame: received {reply}; documented a result"
