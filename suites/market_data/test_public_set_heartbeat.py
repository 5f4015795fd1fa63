"""public/set_heartbeat (doc section "Market Data": "This method sets the heartbeat subscription.")."""

import queue
import time

import pytest

from harness.clock import advance_clock
from harness.errors import PulseCallError
from harness.wire_checks import OK_MESSAGE, is_ok_message

pytestmark = [pytest.mark.check("semantics", "negative"), pytest.mark.session, pytest.mark.doc("Market Data", "public/set_heartbeat")]

INTERVAL_S = 10
ACCEPTED_INTERVALS = [10, 11, 60, 3600]  # I-43: 10..3600 seconds
REFUSED_INTERVALS = [0, 9, 3601, -10, 10.5, "30", None]
PERIODS_BEFORE_CLOSE = 4  # I-43: a test_request unanswered for one more interval closes the connection


@pytest.mark.interpretation("I-43", "I-133")
@pytest.mark.interpretation("I-07")
@pytest.mark.parametrize("interval", ACCEPTED_INTERVALS)
def test_interval_within_bounds_is_ok(ws_client, interval):
    """Doc: "interval query integer true Interval in seconds"; result connection.Message ok (I-07)."""
    result = ws_client().call("public/set_heartbeat", {"interval": interval})
    assert is_ok_message(result), f"set_heartbeat({interval}): received {result!r}; documented {OK_MESSAGE}"


@pytest.mark.interpretation("I-43", "I-133")
@pytest.mark.parametrize("interval", REFUSED_INTERVALS, ids=repr)
def test_interval_out_of_bounds_is_invalid_params(ws_client, interval):
    """I-43: "interval 10..3600" (integer seconds); anything else is invalid params (-32602)."""
    with pytest.raises(PulseCallError) as refused:
        ws_client().call("public/set_heartbeat", {"interval": interval})
    assert refused.value.code == -32602, f"code: received {refused.value.code}; documented -32602 invalid params"


def next_beat(ws, timeout: float = 2.0) -> dict:
    try:
        return ws.heartbeats.get(timeout=timeout)
    except queue.Empty:
        raise AssertionError(f"no heartbeat message within {timeout}s after the interval passed; I-43 reads one "
                             f"every interval") from None


@pytest.mark.interpretation("I-43", "I-133")
@pytest.mark.local_only(reason="moves the gateway clock over four intervals; remotely its real-time twin "
                               "test_real_interval_heartbeat_then_test_request checks the rule")
def test_heartbeat_then_test_request_on_an_idle_connection(ws_client, control, tokens):
    """I-43: every interval the gateway sends {"method":"heartbeat","params":{"type":"heartbeat"}} if the client
    sent anything during it, else {"type":"test_request"}; a client that answers stays connected."""
    ws = ws_client()
    ws.call("public/set_heartbeat", {"interval": INTERVAL_S})
    kinds = []
    for _ in range(PERIODS_BEFORE_CLOSE):
        advance_clock(control, tokens, INTERVAL_S)
        beat = next_beat(ws)
        assert beat.get("jsonrpc") == "2.0" and beat.get("method") == "heartbeat", (
            f"received {beat}; I-43 reads a JSON-RPC notification with method 'heartbeat'")
        kinds.append(beat["params"]["type"])
    assert kinds[0] == "heartbeat", f"first beat after set_heartbeat: received {kinds[0]!r}; documented 'heartbeat'"
    assert "test_request" in kinds, f"beats on an idle connection: received {kinds}; documented a test_request"
    ws.call("public/test", {})
    assert not ws.closed, f"a client that answers test_request was disconnected (code {ws.close_code})"


def beat_or_close(ws, timeout: float = 2.0) -> None:
    """Wait until the gateway has acted on a heartbeat tick: a message arrived or the connection closed."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and ws.heartbeats.empty() and not ws.closed:
        time.sleep(0.01)
    while not ws.heartbeats.empty():
        ws.heartbeats.get_nowait()


@pytest.mark.interpretation("I-43", "I-133")
@pytest.mark.local_only(reason="moves the gateway clock; remotely its real-time twin "
                               "test_real_interval_silent_client_is_disconnected checks the rule")
def test_client_that_ignores_test_request_is_disconnected(ws_client, control, tokens):
    """I-43: "a test_request unanswered for one more interval closes the connection"."""
    ws = ws_client(answer_test_requests=False)
    ws.call("public/set_heartbeat", {"interval": INTERVAL_S})
    for _ in range(PERIODS_BEFORE_CLOSE):
        advance_clock(control, tokens, INTERVAL_S)
        beat_or_close(ws)
        if ws.wait_closed(0.05):
            return
    raise AssertionError(f"a client that never answered test_request is still connected after "
                         f"{PERIODS_BEFORE_CLOSE} intervals; I-43 reads: closed one interval after the test_request")


# ---------------------------------------------------------------------------------------------- real time (remote)
SLACK_S = 3.0  # how late past its interval a beat may arrive on a busy shared gateway (latency, the pace)


def beats_in_real_time(ws, count: int) -> list[str]:
    """The types of the next ``count`` heartbeat messages, each within one real interval (+ slack)."""
    kinds = []
    for _ in range(count):
        beat = next_beat(ws, timeout=INTERVAL_S + SLACK_S)
        assert beat.get("jsonrpc") == "2.0" and beat.get("method") == "heartbeat", (
            f"received {beat}; I-43 reads a JSON-RPC notification with method 'heartbeat'")
        kinds.append(beat["params"]["type"])
    return kinds


@pytest.mark.slow
@pytest.mark.real_time
@pytest.mark.interpretation("I-43", "I-133")
def test_real_interval_heartbeat_then_test_request(ws_client):
    """I-43 with real intervals (the doc's minimum, 10 s): after set_heartbeat comes a 'heartbeat', then on the now
    idle connection a 'test_request'; a client that answers it (WsClient answers with public/test) is still
    connected, and beating, one interval later."""
    ws = ws_client()
    ws.call("public/set_heartbeat", {"interval": INTERVAL_S})
    kinds = beats_in_real_time(ws, 2)
    assert kinds == ["heartbeat", "test_request"], (
        f"beats in the first two intervals: received {kinds}; documented 'heartbeat' (the client had just spoken) "
        "then 'test_request' (it stayed silent)")
    beats_in_real_time(ws, 1)
    assert not ws.closed, f"a client that answered test_request was disconnected (code {ws.close_code})"


@pytest.mark.slow
@pytest.mark.real_time
@pytest.mark.interpretation("I-43", "I-133")
def test_real_interval_silent_client_is_disconnected(ws_client):
    """I-43 with real intervals: "a test_request unanswered for one more interval closes the connection"."""
    ws = ws_client(answer_test_requests=False)
    ws.call("public/set_heartbeat", {"interval": INTERVAL_S})
    if ws.wait_closed(3 * INTERVAL_S + SLACK_S):
        return
    raise AssertionError(f"a client that never answered test_request is still connected after {3 * INTERVAL_S} s "
                         f"(interval {INTERVAL_S} s); I-43 reads: closed one interval after the test_request")
