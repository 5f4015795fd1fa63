"""public/disable_heartbeat (doc section "Market Data": "This method disables the heartbeat subscription.")."""

import pytest

from harness.wire_checks import OK_MESSAGE, is_ok_message
from suites.clock import advance_clock

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
@pytest.mark.local_only
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
