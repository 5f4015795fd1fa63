"""Shared pieces of the auth suite: logging in and calling private methods over either transport."""

import pytest

from harness.errors import PulseCallError


@pytest.fixture
def login(transport, rest, ws_client):
    """``login(params)``: public/auth over the parametrized transport; returns the result."""
    def do(params: dict) -> dict:
        if transport == "http":
            return rest.call("public/auth", params)
        return ws_client().call("public/auth", params)
    return do


@pytest.fixture
def refused_login(login, transport):
    """``refused_login(params)``: the PulseCallError public/auth must answer; fails if it granted a token."""
    def do(params: dict) -> PulseCallError:
        try:
            result = login(params)
        except PulseCallError as error:
            return error
        granted = sorted(result) if isinstance(result, dict) else result
        raise AssertionError(f"public/auth over {transport} granted {granted!r} "
                             f"for grant {params.get('grant_type')!r}; documented: no token for these credentials")
    return do


@pytest.fixture
def private_call(transport, rest, ws_client):
    """``private_call(method, params, token)``: the token as documented per transport (register I-14)."""
    def do(method: str, params: dict, token: str | None) -> object:
        if transport == "http":
            return rest.call(method, params, token=token)
        return ws_client().call(method, dict(params, **({"access_token": token} if token else {})))
    return do

