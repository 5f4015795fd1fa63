"""Deribit's client_signature, as the Pulse doc links it (register I-10)."""

import hashlib
import hmac
import secrets
import time


def client_signature(secret: str, timestamp: int, nonce: str, data: str = "") -> str:
    """hex(HMAC-SHA256(secret, f"{timestamp}\\n{nonce}\\n{data}"))."""
    return hmac.new(secret.encode(), f"{timestamp}\n{nonce}\n{data}".encode(), hashlib.sha256).hexdigest()


def signature_grant(client_id: str, secret: str, *, timestamp: int | None = None, nonce: str | None = None,
                    data: str = "") -> dict:
    """The public/auth params of a fresh client_signature grant."""
    timestamp = int(time.time() * 1000) if timestamp is None else timestamp
    nonce = secrets.token_hex(8) if nonce is None else nonce
    return {"grant_type": "client_signature", "client_id": client_id, "timestamp": timestamp, "nonce": nonce,
            "data": data, "signature": client_signature(secret, timestamp, nonce, data)}
