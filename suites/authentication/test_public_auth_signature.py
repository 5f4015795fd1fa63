"""public/auth with grant_type client_signature (doc section "Authentication"; register I-10)."""

import pytest

from harness import placement
from harness.signer import signature_grant
from harness.wire_checks import is_common_code

pytestmark = [pytest.mark.auth, pytest.mark.doc("Authentication", "public/auth")]

STALE_BY_MS = 10 * 60 * 1000  # ten minutes: far outside Deribit's 60 s window on any sane clock


@pytest.fixture
def gateway_now_ms(pulse_env, pulse) -> int:
    """The gateway's own clock, as the order book's "timestamp" reports it (a local gateway's clock may have
    been moved by local_only tests; on dev and staging it is the wall clock)."""
    return placement.gateway_now_ms(pulse("maker").call, pulse_env)


@pytest.fixture
def signed(pulse_env, gateway_now_ms):
    """``signed(**overrides)``: a fresh client_signature grant of the maker, timestamped on the gateway clock."""
    def make(**overrides) -> dict:
        credentials = pulse_env.accounts["maker"]
        overrides.setdefault("timestamp", gateway_now_ms)
        return signature_grant(credentials.client_id, credentials.client_secret, **overrides)
    return make


@pytest.mark.check("semantics")
@pytest.mark.interpretation("I-10")
def test_valid_signature_grants_a_working_token(signed, login, private_call):
    """Doc: "client_signature - using the client id ... and user generated signature ... calculated as an HMAC
    ... with SHA256 hash algorithm"."""
    result = login(signed())
    assert isinstance(result.get("access_token"), str) and result["access_token"], (
        f"received {result!r}; documented an access token for a valid client_signature")
    assert isinstance(private_call("private/get_positions", {}, result["access_token"]), list)


@pytest.mark.check("semantics")
@pytest.mark.interpretation("I-10")
def test_data_field_is_part_of_the_signed_string(signed, login):
    """Doc: "data ... Optional for grant type client_signature; contains any user specific value"; signed as
    timestamp\\nnonce\\ndata (I-10)."""
    result = login(signed(data="pulse-suite user data ✓"))
    assert isinstance(result.get("access_token"), str), f"received {result!r}; documented a token"


@pytest.mark.check("negative")
@pytest.mark.interpretation("I-10")
def test_signature_over_other_data_is_refused(signed, refused_login):
    """Doc: "signature ... calculated over provided fields using user secret key": changing the data after
    signing must break the signature."""
    grant = signed(data="signed data")
    error = refused_login(dict(grant, data="tampered data"))
    assert is_common_code(error.status), f"status: received {error.status!r}; documented CommonCodes 1..13"


@pytest.mark.check("negative")
@pytest.mark.interpretation("I-10")
def test_signature_with_the_wrong_secret_is_refused(pulse_env, gateway_now_ms, refused_login):
    """Doc: "calculated over provided fields using user secret key"."""
    credentials = pulse_env.accounts["maker"]
    error = refused_login(signature_grant(credentials.client_id, credentials.client_secret + "-wrong",
                                          timestamp=gateway_now_ms))
    assert is_common_code(error.status), f"status: received {error.status!r}; documented CommonCodes 1..13"


@pytest.mark.check("negative")
@pytest.mark.parametrize("skew_ms", [-STALE_BY_MS, STALE_BY_MS], ids=["past", "future"])
@pytest.mark.interpretation("I-10")
def test_timestamp_outside_the_window_is_refused(signed, gateway_now_ms, refused_login, skew_ms):
    """Doc: "timestamp ... provides time when request has been generated (milliseconds since the UNIX epoch)";
    Deribit: valid for 60 s (I-10)."""
    error = refused_login(signed(timestamp=gateway_now_ms + skew_ms))
    assert is_common_code(error.status), f"status: received {error.status!r}; documented CommonCodes 1..13"


@pytest.mark.check("negative")
@pytest.mark.interpretation("I-10")
def test_reused_nonce_is_refused(signed, login, refused_login):
    """Doc: "nonce ... delivers user generated initialization vector for the server token"; Deribit: a nonce
    is accepted once (I-10). The replay is byte-for-byte the first, accepted request."""
    grant = signed()
    login(grant)
    error = refused_login(grant)
    assert is_common_code(error.status), f"status: received {error.status!r}; documented CommonCodes 1..13"


@pytest.mark.check("negative")
@pytest.mark.parametrize("missing", ["signature", "timestamp"])
@pytest.mark.interpretation("I-10")
def test_grant_without_signature_or_timestamp_is_refused(signed, refused_login, missing):
    """Doc: "signature ... Required for grant type client_signature"; "timestamp ... Required for grant type
    client_signature"."""
    grant = signed()
    grant.pop(missing)
    error = refused_login(grant)
    assert is_common_code(error.status), f"status: received {error.status!r}; documented CommonCodes 1..13"
