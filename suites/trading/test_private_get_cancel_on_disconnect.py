"""private/get_cancel_on_disconnect over the WebSocket (doc section "Trading"): the state of cancel on disconnect
for the current session."""

import pytest

from harness.checks.cod import cod_state

pytestmark = [pytest.mark.check("semantics", "flows"), pytest.mark.session, pytest.mark.usefixtures("no_account_scope_cod")]


@pytest.mark.doc("Trading", "private/get_cancel_on_disconnect")
@pytest.mark.interpretation("I-08", "I-134")
def test_enable_disable_and_get(pulse):
    """Doc: "This method enables/disables cancel on disconnect for the current session."; get_cancel_on_disconnect
    "returns the current state of cancel on disconnect for the current session" ("200 OK true/false boolean")."""
    api = pulse("maker", "ws")
    assert cod_state(api) is False, "get_cancel_on_disconnect on a new connection: received true; documented off"
    assert api.call("private/enable_cancel_on_disconnect") == "ok", "enable: I-08 reads the result \"ok\""
    assert cod_state(api) is True, "get_cancel_on_disconnect after enable: received false; documented true"
    assert api.call("private/disable_cancel_on_disconnect") == "ok", "disable: I-08 reads the result \"ok\""
    assert cod_state(api) is False, "get_cancel_on_disconnect after disable: received true; documented false"


@pytest.mark.doc("Trading", "private/get_cancel_on_disconnect")
@pytest.mark.interpretation("I-08", "I-134")
def test_state_belongs_to_the_connection(pulse):
    """Doc: "for the current session" - enabling on one connection leaves another connection's state alone."""
    first, second = pulse("maker", "ws"), pulse("maker", "ws")
    first.call("private/enable_cancel_on_disconnect")
    assert cod_state(second) is False, "another connection of the same account: received true; documented false"
