"""Named checks of JSON-RPC 2.0 replies (register I-05). Each says what was received and what is documented."""

import json
import queue
import time

from harness.checks import STRICT, CheckFailure, Fail, check
from harness.doc import COMMON_CODES
from harness.errors import GatewayUnreachable
from harness.pacing import resend_while_rate_limited
from harness.ws import WsClient

JSONRPC_CODES = {"parse_error": -32700, "invalid_request": -32600, "method_not_found": -32601,
                 "invalid_params": -32602, "too_many_requests": 10028}


@check(clause="JSON-RPC 2.0: every reply carries \"jsonrpc\": \"2.0\"")
def jsonrpc_is_2_0(reply: dict) -> None:
    if reply.get("jsonrpc") != "2.0":
        raise Fail(repr(reply.get("jsonrpc")), '"2.0"', f"reply: {reply}")


@check(clause="JSON-RPC 2.0: the reply's id is the request's id")
def id_is_echoed(reply: dict, sent_id: object) -> None:
    received = reply.get("id", "<missing>")
    if received != sent_id or type(received) is not type(sent_id):
        raise Fail(f"{received!r} ({type(received).__name__})",
                   f"the request's id {sent_id!r} ({type(sent_id).__name__}) echoed unchanged", f"reply: {reply}")


@check(clause="JSON-RPC 2.0: a reply carries exactly one of result and error")
def exactly_one_of_result_and_error(reply: dict) -> None:
    present = [key for key in ("result", "error") if key in reply]
    if len(present) != 1:
        raise Fail(f"members {sorted(reply)}", "exactly one of 'result' and 'error'", f"reply: {reply}")


@check(clause="JSON-RPC 2.0: error {code: integer, message: string, data}; data read as {reason, status} (I-05)")
def error_object_is_documented(reply: dict) -> dict:
    """JSON-RPC 2.0 (strict): an error object with an integer code and a message. I-05 (non-strict): data is
    {"reason": str, "status": CommonCodes}; a null data, as real Deribit payloads carry, is I-402 (informational)."""
    error = reply.get("error")
    if not isinstance(error, dict):
        raise Fail(f"{error!r} (reply members {sorted(reply)})", "a JSON-RPC error object for a refused request",
                   f"reply: {reply}")
    code = error.get("code")
    if not isinstance(code, int) or isinstance(code, bool):
        raise Fail(f"error.code {code!r}", "an integer")
    if not isinstance(error.get("message"), str) or not error["message"]:
        raise Fail(f"error.message {error.get('message')!r}", "a non-empty string")
    data = error.get("data")
    if "data" in error and data is None:
        raise Fail(f"error.data {data!r}", "{'reason': str, 'status': CommonCodes} (I-05; Deribit may send null)",
                   interpretation="I-402", informational=True)
    if not isinstance(data, dict) or not isinstance(data.get("reason"), str):
        raise Fail(f"error.data {data!r}", "{'reason': str, 'status': CommonCodes}", interpretation="I-05")
    if data.get("status") not in COMMON_CODES:
        raise Fail(f"error.data.status {data.get('status')!r}", "return_codes.CommonCodes 1..13", interpretation="I-05")
    return error


@check(clause="JSON-RPC 2.0: error codes (-32700, -32600, -32601, -32602)")
def error_code_is(reply: dict, name: str) -> None:
    if reply["error"]["code"] != JSONRPC_CODES[name]:
        raise Fail(reply["error"]["code"], f"{JSONRPC_CODES[name]} ({name})", f"reply: {reply}")


@check(clause="JSON-RPC 2.0: id null when the request's id cannot be read")
def id_is_null(reply: dict) -> None:
    if reply.get("id", "<missing>") is not None:
        raise Fail(repr(reply.get("id", "<missing>")), "null", f"reply: {reply}")


def is_error_reply(reply: dict, name: str, sent_id: object = None, *, id_may_be_null: bool = False) -> dict:
    """A complete JSON-RPC error reply with the JSON-RPC 2.0 code for ``name``. A failure of the error data's
    shape (a reading: I-05, I-402) is raised only after the strict parts (code, id) have been checked."""
    jsonrpc_is_2_0(reply)
    exactly_one_of_result_and_error(reply)
    reading_failure = None
    try:
        error_object_is_documented(reply)
    except CheckFailure as failure:
        if failure.grade_hint == STRICT:
            raise
        reading_failure = failure
    error_code_is(reply, name)
    if sent_id is None:
        id_is_null(reply)
    elif not (id_may_be_null and reply.get("id", "<missing>") is None):
        id_is_echoed(reply, sent_id)
    if reading_failure is not None:
        raise reading_failure
    return reply["error"]


@check(clause="JSON-RPC 2.0: a successful request is answered with a result")
def has_result(reply: dict) -> None:
    if "result" not in reply:
        raise Fail(f"an error {reply.get('error')!r}", "a result", f"reply: {reply}")


def is_result_reply(reply: dict, sent_id: object) -> object:
    jsonrpc_is_2_0(reply)
    exactly_one_of_result_and_error(reply)
    has_result(reply)
    id_is_echoed(reply, sent_id)
    return reply["result"]


def is_rate_limited(reply: dict) -> bool:
    return isinstance(reply.get("error"), dict) and reply["error"].get("code") == JSONRPC_CODES["too_many_requests"]


def is_answer_reply(reply: dict, sent_id: object) -> object | None:
    """A result reply to ``sent_id``, or its too_many_requests refusal (a shared gateway may refuse any request
    for its rate, I-303): either way the request got its own answer. Returns the result (None when refused)."""
    if is_rate_limited(reply):
        is_error_reply(reply, "too_many_requests", sent_id)
        return None
    return is_result_reply(reply, sent_id)


# ---------------------------------------------------------------------------------------------- raw frames
def raw_reply(ws: WsClient, frame: str | list[str], timeout: float = 5.0) -> dict:
    """Send one frame exactly as given (a list = one message in WebSocket fragments); return the reply.

    Raw frames are not registered as pending requests, so their replies arrive on ``ws.unmatched``. A shared
    gateway may refuse any request for its rate (too_many_requests, I-303): the frame was not executed, so it is
    sent again after a backoff, as the clients do for every other request.
    """
    def send() -> dict:
        while not ws.unmatched.empty():
            ws.unmatched.get_nowait()
        if isinstance(frame, list):
            ws.send_fragmented(frame)
        else:
            ws.send_raw(frame)
        return next_unmatched(ws, timeout, f"the frame {str(frame)[:200]!r}")

    reply = resend_while_rate_limited(send, is_rate_limited)
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


@check(clause="JSON-RPC 2.0: a refused request is answered with an error; the connection stays usable")
def connection_still_serves(ws: WsClient) -> None:
    """After a refused frame the connection stays open and answers the next request. A shared gateway may refuse it
    for its rate (too_many_requests, I-303: the raw frames before it are not paced by the client): it is sent again
    after a backoff, as every other request is, and must then get its result."""
    try:
        reply = resend_while_rate_limited(lambda: ws.request("public/test", {}, timeout=5), is_rate_limited)
    except GatewayUnreachable as exc:
        raise Fail(f"no answer after a refused frame ({exc})", "the connection answers the next request") from None
    if "result" not in reply:
        raise Fail(f"public/test after a refused frame: {reply}", "a result")
