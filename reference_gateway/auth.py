"""OAuth-style grants, signed expiring tokens and revocation (register I-09..I-14)."""

import hashlib
import hmac
import secrets
import uuid
from dataclasses import dataclass

import jwt

from reference_gateway.clock import Clock
from reference_gateway.errors import INVALID_CREDENTIALS, INVALID_PARAMS, UNAUTHORIZED, PulseError


@dataclass(frozen=True)
class Identity:
    account_id: str
    client_id: str
    session_id: str


def _same(received: str, expected: str) -> bool:
    """Constant-time comparison that accepts any text (compare_digest refuses non-ASCII str)."""
    return hmac.compare_digest(received.encode(), expected.encode())


def client_signature(secret: str, timestamp: int, nonce: str, data: str) -> str:
    """Deribit's client_signature: hex HMAC-SHA256 over ``timestamp\\nnonce\\ndata``."""
    message = f"{timestamp}\n{nonce}\n{data}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


class Authenticator:
    VERIFIED_TOKENS = 4096  # the signature-checked tokens remembered (forgotten all at once when full)

    def __init__(self, accounts: list[dict], clock: Clock, limits: dict) -> None:
        self._clock = clock
        self._by_client = {account["client_id"]: account for account in accounts}
        self._key = secrets.token_bytes(32)
        self._verified: dict[str, dict] = {}  # token -> its claims, signature checked (_signed_claims)
        self._access_ttl = int(limits["access_token_ttl_s"])
        self._refresh_ttl = int(limits["refresh_token_ttl_s"])
        self._window_ms = int(limits["signature_window_ms"])
        self._used_nonces: dict[tuple[str, str], int] = {}
        self._revoked_tokens: set[str] = set()
        self._revoked_sessions: set[str] = set()

    # -- grants ---------------------------------------------------------------------------------------
    def login(self, params: dict) -> tuple[dict, Identity]:
        grant = params["grant_type"]
        if grant == "client_credentials":
            account = self._account(params)
            if params.get("client_secret") is None:
                raise PulseError(INVALID_PARAMS, "client_secret: required for grant_type client_credentials")
            if not _same(str(params.get("client_secret") or ""), account["client_secret"]):
                raise PulseError(INVALID_CREDENTIALS, "client_id or client_secret is wrong")
            return self._issue(account, uuid.uuid4().hex)
        if grant == "client_signature":
            return self._issue(self._check_signature(params), uuid.uuid4().hex)
        token = params.get("refresh_token")
        if token is None:  # present but empty is a credential that fails, not a missing parameter (I-09)
            raise PulseError(INVALID_PARAMS, "refresh_token: required for grant_type refresh_token")
        claims = self._decode(token, "refresh", INVALID_CREDENTIALS)
        self._revoked_tokens.add(claims["jti"])  # refresh tokens rotate (I-12)
        return self._issue(self._by_client[claims["cid"]], claims["sid"])

    def _account(self, params: dict) -> dict:
        client_id = params.get("client_id")
        if client_id is None:
            raise PulseError(INVALID_PARAMS, "client_id: required for this grant_type")
        account = self._by_client.get(client_id)
        if account is None:
            raise PulseError(INVALID_CREDENTIALS, "unknown client_id")
        return account

    def _check_signature(self, params: dict) -> dict:
        account = self._account(params)
        for name in ("signature", "timestamp"):
            if params.get(name) is None:
                raise PulseError(INVALID_PARAMS, f"{name}: required for grant_type client_signature")
        timestamp, nonce, data = params["timestamp"], params.get("nonce") or "", params.get("data") or ""
        if not self.signature_in_window(timestamp):
            raise PulseError(INVALID_CREDENTIALS, "timestamp outside the accepted window")
        expected = client_signature(account["client_secret"], timestamp, nonce, data)
        if not _same(expected, str(params["signature"]).lower()):
            raise PulseError(INVALID_CREDENTIALS, "signature does not match")
        if not self.nonce_is_fresh(account["client_id"], nonce, timestamp):
            raise PulseError(INVALID_CREDENTIALS, "nonce already used")
        return account

    def signature_in_window(self, timestamp: int) -> bool:
        return abs(self._clock.now_ms() - timestamp) <= self._window_ms

    def nonce_is_fresh(self, client_id: str, nonce: str, timestamp: int) -> bool:
        now = self._clock.now_ms()
        self._used_nonces = {k: t for k, t in self._used_nonces.items() if now - t <= 2 * self._window_ms}
        key = (client_id, nonce)
        if key in self._used_nonces:
            return False
        self._used_nonces[key] = now
        return True

    def _issue(self, account: dict, session_id: str) -> tuple[dict, Identity]:
        now_s = self._clock.now_ms() // 1000
        base = {"sub": account["account_id"], "cid": account["client_id"], "sid": session_id, "iat": now_s}
        access = jwt.encode({**base, "typ": "access", "exp": now_s + self._access_ttl, "jti": uuid.uuid4().hex},
                            self._key, algorithm="HS256")
        refresh = jwt.encode({**base, "typ": "refresh", "exp": now_s + self._refresh_ttl, "jti": uuid.uuid4().hex},
                             self._key, algorithm="HS256")
        result = {"access_token": access, "expires_in": self._access_ttl, "refresh_token": refresh,
                  "scope": "connection mainaccount", "token_type": "bearer"}
        return result, Identity(account["account_id"], account["client_id"], session_id)

    # -- tokens ---------------------------------------------------------------------------------------
    def _decode(self, token: str, expected_type: str, kind=UNAUTHORIZED) -> dict:
        try:
            claims = self._signed_claims(token)
        except jwt.PyJWTError as exc:
            raise PulseError(kind, f"malformed or forged token ({exc.__class__.__name__})") from None
        if claims.get("typ") != expected_type:
            raise PulseError(kind, f"not an {expected_type} token")
        if not self.token_is_live(claims):
            raise PulseError(kind, "token expired")
        if claims["jti"] in self._revoked_tokens or claims["sid"] in self._revoked_sessions:
            raise PulseError(kind, "token revoked")
        return claims

    def _signed_claims(self, token: str) -> dict:
        """The claims of a token whose signature is this gateway's (PyJWTError if not), memoised per token: every
        private call presents one, and checking its signature again was a tenth of the gateway's CPU in a local
        run (pulse-bench). Only the signature check is memoised: type, lifetime and revocation are checked on
        every use. A copy each time, so no caller can change what a later call reads."""
        claims = self._verified.get(token)
        if claims is None:
            # times are checked on the gateway clock (token_is_live), which the control plane may move: PyJWT
            # would compare exp/iat with the wall clock and call tokens issued after a clock jump "immature"
            claims = jwt.decode(token, self._key, algorithms=["HS256"],
                                options={"verify_exp": False, "verify_iat": False, "verify_nbf": False})
            if len(self._verified) >= self.VERIFIED_TOKENS:
                self._verified.clear()
            self._verified[token] = claims
        return dict(claims)

    def token_is_live(self, claims: dict) -> bool:
        return self._clock.now_ms() // 1000 < claims["exp"]

    def verify_access(self, token: str | None) -> Identity:
        if not token:
            raise PulseError(UNAUTHORIZED, "an access token is required")
        claims = self._decode(token, "access")
        return Identity(claims["sub"], claims["cid"], claims["sid"])

    def revoke_session(self, session_id: str) -> None:
        self._revoked_sessions.add(session_id)
