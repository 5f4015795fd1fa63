"""Secrets never reach a report, a log or a failure message: everything goes through ``mask``."""

import bisect
import json
import re
import threading

SECRET_KEYS = {"client_secret", "signature", "access_token", "refresh_token", "authorization", "password"}
# A JWT, also when a repr truncated it ("eyJhbGciOiJI...3HkGW8v3Skbdc").
JWT = re.compile(r"eyJ[A-Za-z0-9_-]{4,}(?:\.{1,3}[A-Za-z0-9_-]*)*")
BEARER = re.compile(r"(?i)(bearer\s+)[^\s\"']+")
QUERY_SECRET = re.compile(r"(?i)((?:client_secret|signature|refresh_token|access_token)=)[^&\s\"']+")
MASK = "***"

_known_secrets: set[str] = set()
_known_sorted: list[str] = []  # _known_secrets, longest first; rebuilt when one is added
_known_lengths: list[int] = []  # their lengths, negated (ascending, for bisect): which secrets fit in a text
_known_lock = threading.Lock()  # secrets arrive on the WS I/O threads too


_masked: dict[str, str] = {}  # mask_text's results since the last secret was added (most strings of a run repeat)
MASKED_LIMIT = 50_000  # entries; and only texts up to MASKED_TEXT_LIMIT characters (bodies and tracebacks differ)
MASKED_TEXT_LIMIT = 256


def register_secret(value: str | None) -> None:
    """Remember a secret value (a client secret, a token received) so that it is masked anywhere, by value;
    the shape-based masks (JWT, Bearer, query parameters) are a second line."""
    if value and len(value) >= 4 and value not in _known_secrets:
        with _known_lock:
            _known_secrets.add(value)
            _known_sorted.clear()
            _known_lengths.clear()
            _masked.clear()  # a text masked before may hold the new secret


SENT_SECRET_KEYS = {"client_secret", "signature", "password"}  # secrets the run sends
RECEIVED_TOKEN_KEYS = {"access_token", "refresh_token"}  # tokens the run receives (public/auth results)
AUTO_MIN_LENGTH = 8  # shorter values (e.g. a deliberately wrong "bad") would mask ordinary words


def _register_keys(value: object, keys: set[str]) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            if str(key).lower() in keys and isinstance(item, str) and len(item) >= AUTO_MIN_LENGTH:
                register_secret(item)
            else:
                _register_keys(item, keys)
    elif isinstance(value, list):
        for item in value:
            _register_keys(item, keys)


def register_sent(params: object) -> None:
    """Register the client secrets and signatures in request params (masked by value from now on)."""
    _register_keys(params, SENT_SECRET_KEYS)


def register_received(body: object) -> None:
    """Register every access and refresh token in a reply (a parsed body or its JSON text), opaque or JWT."""
    if isinstance(body, (str, bytes)):
        try:
            body = json.loads(body)
        except ValueError:
            return
    _register_keys(body, RECEIVED_TOKEN_KEYS)


def _secrets_that_fit(length: int) -> list[str]:
    """The known secrets no longer than ``length``, longest first (a secret cannot hide in a shorter text: most
    strings in a reply, ids, states and instrument names, are shorter than any token, and skip the scan)."""
    with _known_lock:
        if not _known_sorted:
            _known_sorted.extend(sorted(_known_secrets, key=len, reverse=True))
            _known_lengths.extend(-len(secret) for secret in _known_sorted)
        return _known_sorted[bisect.bisect_left(_known_lengths, -length):]


def mask_text(text: str) -> str:
    """``text`` with every secret masked; remembered per text until the next secret is registered (a run masks
    ~120,000 strings for its reports, mostly the same keys, methods, states and instrument names)."""
    if len(text) > MASKED_TEXT_LIMIT:
        return _mask_text(text)
    masked = _masked.get(text)
    if masked is None:
        with _known_lock:
            generation = len(_known_secrets)
        masked = _mask_text(text)
        with _known_lock:
            if generation == len(_known_secrets):  # no secret arrived meanwhile (the WS I/O threads register them)
                if len(_masked) >= MASKED_LIMIT:
                    _masked.clear()
                _masked[text] = masked
    return masked


def _mask_text(text: str) -> str:
    # The shapes first: a known value that is part of a key name (e.g. "secret") must not break "client_secret=..."
    if "eyJ" in text:
        text = JWT.sub(MASK, text)
    text = BEARER.sub(lambda m: m.group(1) + MASK, text)
    if "=" in text:
        text = QUERY_SECRET.sub(lambda m: m.group(1) + MASK, text)
    if _known_secrets:  # then by value: the values this run handled
        for secret in _secrets_that_fit(len(text)):  # str.replace per value: ~100x faster than one regex alternation
            text = text.replace(secret, MASK)
    return text


def mask(value: object) -> object:
    """A deep copy of ``value`` with secret fields and token-looking strings masked (keys too)."""
    if isinstance(value, dict):
        return {mask_text(k) if isinstance(k, str) else k: MASK if str(k).lower() in SECRET_KEYS and v else mask(v)
                for k, v in value.items()}
    if isinstance(value, list):
        return [mask(item) for item in value]
    if isinstance(value, str):
        return mask_text(value)
    return value


def masked_json(value: object) -> str:
    """``mask`` masks every string (keys and values) before it is serialised, so the JSON needs no second pass;
    what ``default=str`` turns into text (objects that are not JSON) is masked after."""
    return json.dumps(mask(value), indent=2, sort_keys=True, default=lambda other: mask_text(str(other)))
