"""Secrets never reach a report, a log or a failure message: everything goes through ``mask``."""

import json
import re

SECRET_KEYS = {"client_secret", "signature", "access_token", "refresh_token", "authorization", "password"}
# A JWT, also when a repr truncated it ("eyJhbGciOiJI...3HkGW8v3Skbdc").
JWT = re.compile(r"eyJ[A-Za-z0-9_-]{4,}(?:\.{1,3}[A-Za-z0-9_-]*)*")
BEARER = re.compile(r"(?i)(bearer\s+)[^\s\"']+")
QUERY_SECRET = re.compile(r"(?i)((?:client_secret|signature|refresh_token|access_token)=)[^&\s\"']+")
MASK = "***"

_known_secrets: set[str] = set()


def register_secret(value: str | None) -> None:
    """Remember a secret value (a client secret from the environment) so that it is masked anywhere."""
    if value and len(value) >= 4:
        _known_secrets.add(value)


def mask_text(text: str) -> str:
    text = JWT.sub(MASK, text)
    text = BEARER.sub(lambda m: m.group(1) + MASK, text)
    text = QUERY_SECRET.sub(lambda m: m.group(1) + MASK, text)
    for secret in sorted(_known_secrets, key=len, reverse=True):
        text = text.replace(secret, MASK)
    return text


def mask(value: object) -> object:
    """A deep copy of ``value`` with secret fields and token-looking strings masked."""
    if isinstance(value, dict):
        return {k: MASK if str(k).lower() in SECRET_KEYS and v else mask(v) for k, v in value.items()}
    if isinstance(value, list):
        return [mask(item) for item in value]
    if isinstance(value, str):
        return mask_text(value)
    return value


def masked_json(value: object) -> str:
    return mask_text(json.dumps(mask(value), indent=2, sort_keys=True, default=str))
