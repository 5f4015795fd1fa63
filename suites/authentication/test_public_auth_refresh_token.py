"""public/auth with grant_type refresh_token (doc section "Authentication"; register I-12)."""

import pytest

from harness.errors import PulseCallError
from harness.wire_checks import is_common_code

pytestmark = [pytest.mark.auth, pytest.mark.doc("Authentication", "public/auth")]


def refresh_grant(token: str) -> dict:
    return {"grant_type": "refresh_token", "refresh_token": token}


@pytest.mark.check("semantics")
def test_refresh_returns_a_new_working_pair(pulse_env, login, private_call):
    """Doc: "refresh_token - using a refresh token that was received from an earlier invocation"; "a refresh
    token that can be used to get a new set of tokens"."""
    first = login(pulse_env.accounts["maker"].grant())
    second = login(refresh_grant(first["refresh_token"]))
    assert isinstance(second.get("access_token"), str) and second["access_token"], f"received {second!r}"
    assert second["refresh_token"] != first["refresh_token"], (
        "refresh_token: received the same refresh token back; documented \"a new set of tokens\"")
    assert isinstance(private_call("private/get_positions", {}, second["access_token"]), list)


@pytest.mark.interpretation("I-12")
@pytest.mark.check("negative")
def test_used_refresh_token_is_refused(pulse_env, login, refused_login):
    """Doc: "refresh_token - using a refresh token that was received from an earlier invocation"; Deribit
    rotates refresh tokens: once used, the old one is revoked (I-12)."""
    first = login(pulse_env.accounts["maker"].grant())
    login(refresh_grant(first["refresh_token"]))
    error = refused_login(refresh_grant(first["refresh_token"]))
    assert is_common_code(error.status), f"status: received {error.status!r}; documented CommonCodes 1..13"


@pytest.mark.check("negative")
def test_access_token_is_not_a_refresh_token(pulse_env, login, refused_login):
    """Doc: "refresh_token ... Required for grant type refresh_token": the refresh token, not the access one."""
    first = login(pulse_env.accounts["maker"].grant())
    error = refused_login(refresh_grant(first["access_token"]))
    assert is_common_code(error.status), f"status: received {error.status!r}; documented CommonCodes 1..13"


@pytest.mark.check("negative")
def test_garbage_refresh_token_is_refused(refused_login):
    """Doc: "refresh_token - using a refresh token that was received from an earlier invocation"."""
    error = refused_login(refresh_grant("not.a.token"))
    assert is_common_code(error.status), f"status: received {error.status!r}; documented CommonCodes 1..13"


@pytest.mark.check("negative")
def test_refresh_token_does_not_authorise_private_calls(pulse_env, login, private_call):
    """Doc: the access token is "to be used for authentication of 'private' requests"; the refresh token
    "Can be used to request a new token"."""
    refresh = login(pulse_env.accounts["maker"].grant())["refresh_token"]
    with pytest.raises(PulseCallError):
        private_call("private/get_positions", {}, refresh)
