"""Faults of area ``auth``. Authentication: token lifetime, signatures and nonces, refresh rotation, forged tokens, unauthenticated access."""

import jwt

from reference_gateway.errors import PulseError
from reference_gateway.faults.registry import fault
from reference_gateway.gateway import Gateway


@fault("auth_expired_token_accepted", "auth", "expired access tokens are still accepted", "auth")
def _expired_token_accepted(gw: Gateway) -> None:
    gw.auth.token_is_live = lambda claims: True


@fault("auth_signature_window_ignored", "auth", "client_signature accepts any timestamp", "auth")
def _signature_window_ignored(gw: Gateway) -> None:
    gw.auth.signature_in_window = lambda timestamp: True


@fault("auth_nonce_reuse_accepted", "auth", "a client_signature nonce can be replayed", "auth")
def _nonce_reuse(gw: Gateway) -> None:
    gw.auth.nonce_is_fresh = lambda client_id, nonce, timestamp: True


@fault("auth_logout_keeps_token", "auth", "logout with invalidate_token leaves the token valid", "session")
def _logout_keeps_token(gw: Gateway) -> None:
    gw.auth.revoke_session = lambda session_id: None


@fault("auth_private_get_positions_public", "auth", "private/get_positions skips authentication", "auth")
def _positions_without_auth(gw: Gateway) -> None:
    handler, _ = gw.methods["private/get_positions"]
    anonymous = type("Anonymous", (), {"account_id": gw.config["accounts"][0]["account_id"]})()

    def unauthenticated(ctx, identity, params):
        return handler(ctx, identity or anonymous, params)

    gw.methods["private/get_positions"] = (unauthenticated, False)


@fault("refresh_token_not_rotated", "auth", "a used refresh token stays valid (no rotation, I-12)", "auth")
def _refresh_not_rotated(gw: Gateway) -> None:
    gw.auth._revoked_tokens = type("ForgetfulSet", (set,), {"add": lambda self, item: None})()


@fault("forged_token_accepted", "auth", "access tokens are decoded without checking their signature", "auth")
def _forged_token_accepted(gw: Gateway) -> None:
    original = gw.auth._decode

    def decode(token: str, expected_type: str, *args):
        try:
            return original(token, expected_type, *args)
        except PulseError as refusal:
            try:
                claims = jwt.decode(token, options={"verify_signature": False})
            except jwt.PyJWTError:
                raise refusal from None
            if claims.get("typ") != expected_type:
                raise
            return claims
    gw.auth._decode = decode


@fault("auth_signature_data_ignored", "auth", "client_signature is verified as if data were empty", "auth")
def _signature_data_ignored(gw: Gateway) -> None:
    original = gw.auth._check_signature
    gw.auth._check_signature = lambda params: original(dict(params, data=""))
