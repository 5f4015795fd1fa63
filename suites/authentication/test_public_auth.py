"""Authentication: GET /api/v2/public/auth and WS public/auth, grant type client_credentials (doc section
"Authentication"). client_signature and refresh_token have their own modules."""

import pytest

from harness.schema import assert_conforms, result_schema
from harness.wire_checks import is_common_code, is_integer

pytestmark = [pytest.mark.auth, pytest.mark.doc("Authentication", "public/auth")]

LOGIN_RESPONSE_FIELDS = ("access_token", "expires_in", "refresh_token", "scope", "token_type")
ONE_DAY_S = 86_400


def check_token_strings(result: dict) -> None:
    for name in ("access_token", "refresh_token"):
        assert isinstance(result.get(name), str) and result[name], (
            f"{name}: received {result.get(name)!r}; documented a token string")


def check_token_type_is_bearer(result: dict) -> None:
    assert result.get("token_type") == "bearer", (
        f"token_type: received {result.get('token_type')!r}; documented \"Authorization type, allowed value - bearer\"")


def check_expires_in_is_a_lifetime(result: dict) -> None:
    value = result.get("expires_in")
    assert is_integer(value), (
        f"expires_in: received {value!r}; documented integer \"Token lifetime in seconds\"")
    assert 0 < value <= ONE_DAY_S, (
        f"expires_in: received {value}; documented \"Token lifetime in seconds\" (I-11: a lifetime, not an epoch "
        f"timestamp such as the example's 1516239022)")


@pytest.mark.check("semantics")
def test_client_credentials_returns_documented_tokens(pulse_env, login):
    """Doc: "The response will contain an access token, expiration period (number of seconds that the token
    is valid) and a refresh token that can be used to get a new set of tokens." """
    result = login(pulse_env.accounts["maker"].grant())
    check_token_strings(result)
    check_token_type_is_bearer(result)


@pytest.mark.check("schema")
def test_login_response_has_every_documented_field(pulse_env, login):
    """Doc: services.LoginResponse = access_token, expires_in, refresh_token, scope, token_type."""
    result = login(pulse_env.accounts["maker"].grant())
    missing = [name for name in LOGIN_RESPONSE_FIELDS if name not in result]
    assert not missing, f"received fields {sorted(result)}; documented services.LoginResponse also has {missing}"
    assert isinstance(result["scope"], str) and result["scope"], f"scope: received {result['scope']!r}; documented string"


@pytest.mark.interpretation("I-11")
@pytest.mark.check("schema")
def test_expires_in_is_a_lifetime_in_seconds(pulse_env, login):
    """Doc: "expires_in integer ... Token lifetime in seconds" (the example shows an epoch, 1516239022: I-11)."""
    check_expires_in_is_a_lifetime(login(pulse_env.accounts["maker"].grant()))


@pytest.mark.check("semantics")
def test_access_token_authorises_private_calls(pulse_env, login, private_call):
    """Doc: "Retrieve an Oauth access token, to be used for authentication of 'private' requests." """
    token = login(pulse_env.accounts["maker"].grant())["access_token"]
    summary = private_call("private/get_account_summary", {}, token)
    assert isinstance(summary, dict), f"private/get_account_summary with a fresh token: received {summary!r}"


@pytest.mark.interpretation("I-04", "I-05")
@pytest.mark.check("negative", "auth")
def test_wrong_secret_is_refused(pulse_env, refused_login):
    """Doc: "client_credentials - using the client id and client secret"; a wrong secret yields no token."""
    grant = dict(pulse_env.accounts["maker"].grant(), client_secret="definitely-not-the-secret")
    error = refused_login(grant)
    assert error.status == 13, f"status: received {error.status}; I-04 reads 13 invalid_credentials"


@pytest.mark.check("negative")
def test_unknown_client_id_is_refused(pulse_env, refused_login):
    """Doc: "client_id Required for grant type client_credentials and client_signature"."""
    error = refused_login(dict(pulse_env.accounts["maker"].grant(), client_id="pulse-suite-no-such-client"))
    assert is_common_code(error.status), f"status: received {error.status!r}; documented CommonCodes 1..13"


@pytest.mark.interpretation("I-09")
@pytest.mark.check("negative")
@pytest.mark.parametrize("missing", ["grant_type", "client_id", "client_secret"])
def test_grant_without_a_required_field_is_refused(pulse_env, refused_login, missing):
    """Doc: "grant_type ... true Method of authentication"; "client_secret Required for grant type
    client_credentials"."""
    grant = pulse_env.accounts["maker"].grant()
    grant.pop(missing)
    error = refused_login(grant)
    assert is_common_code(error.status), f"status: received {error.status!r}; documented CommonCodes 1..13"


@pytest.mark.check("negative")
def test_unknown_grant_type_is_refused(pulse_env, refused_login):
    """Doc: "grant_type ... Method of authentication (client_credentials, client_signature, refresh_token)"."""
    error = refused_login(dict(pulse_env.accounts["maker"].grant(), grant_type="password"))
    assert is_common_code(error.status), f"status: received {error.status!r}; documented CommonCodes 1..13"


@pytest.mark.check("parity")
def test_login_response_has_the_same_shape_over_both_transports(pulse_env, rest, ws_client):
    """Doc: JSON-RPC over WebSocket and over HTTP are two interfaces to the same API; public/auth returns
    services.LoginResponse on both."""
    over_http = rest.call("public/auth", pulse_env.accounts["maker"].grant())
    over_ws = ws_client().call("public/auth", pulse_env.accounts["maker"].grant())
    shape = {k: type(v).__name__ for k, v in over_http.items()}
    assert {k: type(v).__name__ for k, v in over_ws.items()} == shape, (
        f"received over WS {over_ws!r}; over HTTP the fields and types were {shape}")
    assert over_ws["token_type"] == over_http["token_type"] and over_ws["scope"] == over_http["scope"]


@pytest.mark.check("schema")
def test_result_conforms_to_the_documented_schema(pulse_env, login):
    """Doc: "200 OK ... services.LoginResponse" (spec/openapi.yaml)."""
    result = login(pulse_env.accounts["maker"].grant())
    assert_conforms(result_schema("public/auth"), result, "public/auth: 200 services.LoginResponse")
