"""public/disable_heartbeat (doc section "Market Data": "This method disables the heartbeat subscription.")."""

import pytest

from harness.clock import advance_clock
from harness.wire_checks import OK_MESSAGE, is_ok_message

pytestmark = [pytest.mark.check("semantics", "flows"), pytest.mark.session, pytest.mark.doc("Market Data", "public/disable_heartbeat")]



@pytest.mark.interpretation("I-07", "I-43", "I-133")
def test_result_is_the_ok_message(ws_client):
    """Doc example: {"description": "ok", "response": null, "status": 200}."""
    ws = ws_client()
    ws.call("public/set_heartbeat", {"interval": 10})
    result = ws.call("public/disable_heartbeat", {})
    assert is_ok_message(result), f"disable_heartbeat: received {result!r}; documented {OK_MESSAGE}"


@pytest.mark.interpretation("I-07", "I-43", "I-133")
def test_without_a_heartbeat_is_still_ok(ws_client):
    """Disabling a heartbeat that was never set is harmless: the same ok Message."""
    result = ws_client().call("public/disable_heartbeat", {})
    assert is_ok_message(result), f"disable_heartbeat: received {result!r}; documented {OK_MESSAGE}"


@pytest.mark.interpretation("I-07", "I-43", "I-133")
@pytest.mark.local_only(reason="moves the gateway clock three intervals; remotely its real-time twin "
                               "test_no_heartbeat_for_a_real_interval_after_disable checks the rule")
def test_no_heartbeat_and_no_disconnect_after_disable(ws_client, control, tokens):
    """Doc: "disables the heartbeat subscription" - no heartbeat or test_request messages follow, and a silent
    client is not disconnected."""
    ws = ws_client(answer_test_requests=False)
    ws.call("public/set_heartbeat", {"interval": 10})
    ws.call("public/disable_heartbeat", {})
    for _ in range(3):
        advance_clock(control, tokens, 10)
    assert not ws.wait_closed(0.3), f"disconnected (code {ws.close_code}) although the heartbeat was disabled"
    assert ws.heartbeats.empty(), f"received {ws.heartbeats.get_nowait()} after disable_heartbeat; documented none"


@pytest.mark.slow
@pytest.mark.real_time
@pytest.mark.interpretation("I-07", "I-43", "I-133")
def test_no_heartbeat_for_a_real_interval_after_disable(ws_client):
    """Doc: "disables the heartbeat subscription" - with real time (the doc's minimum interval, 10 s): nothing
    arrives for two intervals after disable_heartbeat, where a running heartbeat would have sent a 'heartbeat' and
    a 'test_request', and the silent client is still connected."""
    ws = ws_client(answer_test_requests=False)
    ws.call("public/set_heartbeat", {"interval": 10})
    ws.call("public/disable_heartbeat", {})
    assert not ws.wait_closed(2 * 10 + 2), f"disconnected (code {ws.close_code}) although the heartbeat was disabled"
    assert ws.heartbeats.empty(), f"received {ws.heartbeats.get_nowait()} after disable_heartbeat; documented none"
