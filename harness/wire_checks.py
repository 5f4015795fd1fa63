"""Small value checks shared by the suites: each returns a bool, the test states what it received.

(Messages stay in the tests, which know the doc clause they check.)
"""

import itertools

from harness.doc import COMMON_CODES

MS_EPOCH_FLOOR = 10 ** 12  # 2001-09-09 in milliseconds; any seconds value of this century is below it
OK_MESSAGE = {"description": "ok", "response": None, "status": 200}  # the doc's connection.Message example


def is_ok_message(result: object) -> bool:
    """The documented ok connection.Message; undocumented extra members are allowed (I-301)."""
    return isinstance(result, dict) and all(result.get(key, "absent") == value for key, value in OK_MESSAGE.items())


def funding_period_ms(payments: object, default: int) -> int:
    """The funding period a gateway uses, read from its FundingPaymentArray ranges (range_end - range_start); the
    doc fixes no period (I-300): hourly, 8-hourly and others are all correct."""
    spans = [p["range_end"] - p["range_start"] for p in payments or [] if isinstance(p, dict)
             and is_integer(p.get("range_start")) and is_integer(p.get("range_end")) and p["range_end"] > p["range_start"]]
    return max(spans, default=default)


def echoes(result: object, sent: dict) -> bool:
    """A result that carries every sent member with the sent value (extra members allowed, I-301)."""
    return isinstance(result, dict) and all(result.get(key, "absent") == value for key, value in sent.items())


def is_number(value: object) -> bool:
    """A JSON number: int or float, never a bool or a numeric string."""
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def is_integer(value: object) -> bool:
    """A JSON integer: a number without a fractional part, in either notation (JSON Schema's "integer", the spec's
    dialect: 900.0 is 900, I-19), never a bool. A gateway whose numbers are all floats sends its integers so."""
    if isinstance(value, bool):
        return False
    return isinstance(value, int) or (isinstance(value, float) and value.is_integer())


def is_ms_timestamp(value: object) -> bool:
    """Milliseconds since the UNIX epoch (register I-19): an integer of at least 13 digits."""
    return is_integer(value) and value >= MS_EPOCH_FLOOR


def is_common_code(status: object) -> bool:
    """A ``return_codes.CommonCodes`` value: 1..13 (register I-04)."""
    return is_integer(status) and status in COMMON_CODES


def shape_of(value: object) -> object:
    """The type skeleton of a JSON value: dict keys with their shapes, a list by its first item's shape.

    Numbers are one type (an int 60000 and a float 60000.5 are the same JSON number)."""
    if isinstance(value, dict):
        return {key: shape_of(item) for key, item in sorted(value.items())}
    if isinstance(value, list):
        return [shape_of(value[0])] if value else []
    if is_number(value):
        return "number"
    return type(value).__name__


def is_sorted(keys: list, descending: bool = False) -> bool:
    pairs = list(itertools.pairwise(keys))
    return all(b <= a for a, b in pairs) if descending else all(a <= b for a, b in pairs)
