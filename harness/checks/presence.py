"""Whether a documented response property is sent: the doc marks every one "Required false" (I-160).

A test that needs a property to check anything reads it through ``sent_field``: when the gateway leaves it out, the
test fails non-strict, resting on I-160 (the reading that documented properties are present), never strict with a
KeyError or a "received None" on a property the doc lets a gateway omit.
"""

from harness.checks import Fail, check


@check(clause="a documented property of the response model (the doc marks each one Required false)", interpretation="I-160")
def sent_field(payload: object, name: str, where: str) -> object:
    """``payload[name]``; a non-strict failure (I-160) when ``payload`` is not an object or does not carry it."""
    if not isinstance(payload, dict) or name not in payload:
        shown = f"members {sorted(payload)}" if isinstance(payload, dict) else f"a {type(payload).__name__}"
        raise Fail(f"{where}: no {name!r} ({shown})", f"{name!r} (I-160: a documented property is present)")
    return payload[name]


def sent_fields(payload: object, names, where: str) -> dict:
    """``{name: payload[name]}`` for each of ``names``, read through ``sent_field`` (the first one missing fails)."""
    return {name: sent_field(payload, name, where) for name in names}
