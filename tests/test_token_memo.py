"""The reference gateway remembers which tokens it signed (Authenticator._signed_claims) and still checks a
token's type, lifetime and revocation on every use: the memo may change the gateway's CPU, never its answers."""

import jwt
import pytest

from reference_gateway.auth import Authenticator
from reference_gateway.clock import Clock
from reference_gateway.config import load_config
from reference_gateway.errors import PulseError


@pytest.fixture
def auth_and_clock():
    config = load_config()
    clock = Clock()
    return Authenticator(config["accounts"], clock, config["limits"]), clock, config["accounts"][0]


def login(auth, account) -> dict:
    result, _ = auth.login({"grant_type": "client_credentials", "client_id": account["client_id"],
                            "client_secret": account["client_secret"]})
    return result


def test_a_remembered_token_still_expires(auth_and_clock):
    auth, clock, account = auth_and_clock
    token = login(auth, account)["access_token"]
    assert auth.verify_access(token).account_id == account["account_id"]
    assert auth.verify_access(token).account_id == account["account_id"]  # from the memo
    clock.advance((login(auth, account)["expires_in"] + 1) * 1000)
    with pytest.raises(PulseError, match="expired"):
        auth.verify_access(token)


def test_a_remembered_token_is_still_refused_once_its_session_is_revoked(auth_and_clock):
    auth, _, account = auth_and_clock
    token = login(auth, account)["access_token"]
    identity = auth.verify_access(token)
    auth.revoke_session(identity.session_id)
    with pytest.raises(PulseError, match="revoked"):
        auth.verify_access(token)


def test_a_remembered_refresh_token_is_not_an_access_token(auth_and_clock):
    auth, _, account = auth_and_clock
    refresh = login(auth, account)["refresh_token"]
    for _ in range(2):
        with pytest.raises(PulseError, match="not an access token"):
            auth.verify_access(refresh)


def test_a_token_signed_with_another_key_is_refused_every_time(auth_and_clock):
    auth, _, account = auth_and_clock
    claims = jwt.decode(login(auth, account)["access_token"], options={"verify_signature": False})
    forged = jwt.encode(claims, b"k" * 32, algorithm="HS256")
    for _ in range(2):
        with pytest.raises(PulseError, match="forged"):
            auth.verify_access(forged)


def test_the_memo_is_bounded_and_its_claims_cannot_be_changed_by_a_caller(auth_and_clock, monkeypatch):
    auth, _, account = auth_and_clock
    monkeypatch.setattr(Authenticator, "VERIFIED_TOKENS", 3)
    tokens = [login(auth, account)["access_token"] for _ in range(5)]
    for token in tokens:
        auth.verify_access(token)
    assert len(auth._verified) <= 3
    claims = auth._signed_claims(tokens[-1])
    claims["typ"] = "refresh"
    assert auth.verify_access(tokens[-1]).account_id == account["account_id"]
