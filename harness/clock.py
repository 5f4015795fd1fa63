"""Moving the reference gateway's clock (local_only tests): tokens issued before the jump may have expired."""


def advance_clock(control, tokens, seconds: float) -> int:
    """Advance the gateway clock; the cached access tokens are dropped so the next call logs in again."""
    now = control.advance_clock(seconds)
    for manager in tokens.values():
        manager.invalidate()
    return now
