"""Authentication: GET /api/v2/public/auth and WS public/auth (doc section "Authentication")."""

import pytest

from harness.errors import PulseCallError

pytestmark = [pytest.mark.auth, pytest.mark.doc("Authentication", "public/auth")]


def login_over(transport: str, rest, ws_client, params: dict) -> dict:
    if transport == "http":
        return rest.call("public/auth", params)
    return ws_client().call("public/auth", params)


def test_client_credentials_returns_documented_tokens(pulse_env, rest, ws_client, transport):
    """Doc: "The response will contain an access token, expiration period (number of seconds that the token
    is valid) and a refresh token that can be used to get a new set of tokens." """
    result = login_over(transport, rest, ws_client, pulse_env.accounts["maker"].grant())
    assert isinstance(result.get("access_token"), str) and result["access_token"], result
    assert isinstance(result.get("refresh_token"), str) and result["refresh_token"], result
    assert result.get("token_type") == "bearer", f"token_type: received {result.get('token_type')!r}; documented 'bearer'"
    assert isinstance(result.get("expires_in"), int) and result["expires_in"] > 0


@pytest.mark.interpretation("I-04", "I-05")
def test_wrong_secret_is_refused(pulse_env, rest, ws_client, transport):
    """Doc: "client_credentials - using the client id and client secret"; a wrong secret yields no token."""
    grant = dict(pulse_env.accounts["maker"].grant(), client_secret="definitely-not-the-secret")
    with pytest.raises(PulseCallError) as refused:
        login_over(transport, rest, ws_client, grant)
    assert refused.value.status == 13, f"status: received {refused.value.status}; I-04 reads 13 invalid_credentials"
