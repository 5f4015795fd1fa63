"""Declarative request-parameter rules and their validation.

Each method's parameters are a dict name -> Param. The constraints are our reading of the doc's
parameter tables (register I-09, I-20..I-24, I-31); ``spec/openapi.yaml`` states the same rules.
"""

from dataclasses import dataclass
from typing import Any

from reference_gateway.errors import INVALID_PARAMS, PulseError

ORDER_TYPES = ("limit", "market", "stop_limit", "stop_market", "take_limit", "take_market")
FILTER_TYPES = ("all", "limit", "stop_limit", "take_limit", "market", "stop_market", "take_market", "trigger_all")
TIME_IN_FORCE = ("good_til_cancelled", "good_til_day", "fill_or_kill", "immediate_or_cancel")
TRIGGERS = ("index_price", "last_price")
LINKED_ORDER_TYPES = ("one_triggers_other", "one_triggers_one_cancels_other")
FILL_CONDITIONS = ("first_hit", "complete_fill", "incremental")
SORTING = ("asc", "desc", "default")
INDEX_NAMES = ("btc_usd", "eth_usd")
RESOLUTIONS = ("1", "3", "5", "10", "15", "30", "60", "120", "180", "360", "720", "1D")


@dataclass(frozen=True)
class Param:
    kind: str  # str | int | num | bool | strlist | otoco
    required: bool = False
    enum: tuple | None = None
    minimum: float | None = None
    maximum: float | None = None
    exclusive_minimum: float | None = None
    max_length: int | None = None
    min_length: int | None = None
    default: Any = None


def _is_int(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    return isinstance(value, int) or (isinstance(value, float) and value.is_integer())


def _is_num(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and value == value  # not NaN


def _coerce(name: str, rule: Param, value: Any) -> Any:
    def bad(expected: str) -> PulseError:
        return PulseError(INVALID_PARAMS, f"{name}: expected {expected}, received {value!r}")

    if rule.kind == "str":
        if not isinstance(value, str):
            raise bad("a string")
        if rule.min_length is not None and len(value) < rule.min_length:
            raise bad(f"at least {rule.min_length} characters")
        if rule.max_length is not None and len(value) > rule.max_length:
            raise bad(f"at most {rule.max_length} characters")
    elif rule.kind == "int":
        if not _is_int(value):
            raise bad("an integer")
        value = int(value)
    elif rule.kind == "num":
        if not _is_num(value) or value in (float("inf"), float("-inf")):
            raise bad("a number")
    elif rule.kind == "bool":
        if not isinstance(value, bool):
            raise bad("a boolean")
    elif rule.kind == "strlist":
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            raise bad("an array of strings")
    elif rule.kind == "otoco":
        if not isinstance(value, list):
            raise bad("an array of otoco_config objects")
        value = [validate(OTOCO_CONFIG, item, f"{name}[{i}].") for i, item in enumerate(value)]
    if rule.enum is not None and value not in rule.enum:
        raise bad(f"one of {list(rule.enum)}")
    if rule.minimum is not None and value < rule.minimum:
        raise bad(f">= {rule.minimum}")
    if rule.maximum is not None and value > rule.maximum:
        raise bad(f"<= {rule.maximum}")
    if rule.exclusive_minimum is not None and value <= rule.exclusive_minimum:
        raise bad(f"> {rule.exclusive_minimum}")
    return value


def validate(rules: dict[str, Param], params: Any, prefix: str = "") -> dict:
    """Check ``params`` against ``rules``; return them with defaults filled in. Unknown keys are ignored."""
    if params is None:
        params = {}
    if not isinstance(params, dict):
        raise PulseError(INVALID_PARAMS, f"{prefix or 'params'}: expected an object, received {params!r}")
    result = {}
    for name, rule in rules.items():
        if name in params and params[name] is None:  # null is not a value of any documented parameter (I-188)
            raise PulseError(INVALID_PARAMS, f"{prefix}{name}: expected a {rule.kind} value, received null")
        if name not in params:
            if rule.required:
                raise PulseError(INVALID_PARAMS, f"{prefix}{name}: required parameter missing")
            if rule.default is not None:
                result[name] = rule.default
            continue
        result[name] = _coerce(prefix + name, rule, params[name])
    return result


COUNT = Param("int", minimum=1, maximum=1000)
OFFSET = Param("int", minimum=0, default=0)
TIMESTAMP = Param("int", minimum=0)
INSTRUMENT = Param("str", required=True, min_length=1)
POSITIVE = Param("num", exclusive_minimum=0)

OTOCO_CONFIG = {
    "amount": Param("num", required=True, exclusive_minimum=0),
    "direction": Param("str", required=True, enum=("buy", "sell")),
    "price": POSITIVE,
    "time_in_force": Param("str", enum=TIME_IN_FORCE, default="good_til_cancelled"),
    "trigger": Param("str", enum=TRIGGERS),
    "trigger_price": POSITIVE,
    "type": Param("str", enum=ORDER_TYPES, default="limit"),
}

BUY_SELL = {
    "amount": Param("num", required=True, exclusive_minimum=0),
    "instrument_name": INSTRUMENT,
    "label": Param("str", max_length=64, default=""),
    "linked_order_type": Param("str", enum=LINKED_ORDER_TYPES),
    "max_show": Param("num", minimum=0),
    "mmp": Param("bool", default=False),
    "otoco_config": Param("otoco"),
    "post_only": Param("bool", default=False),
    "price": POSITIVE,
    "reduce_only": Param("bool", default=False),
    "time_in_force": Param("str", enum=TIME_IN_FORCE, default="good_til_cancelled"),
    "trigger": Param("str", enum=TRIGGERS),
    "trigger_fill_condition": Param("str", enum=FILL_CONDITIONS),
    "trigger_price": POSITIVE,
    "type": Param("str", enum=ORDER_TYPES, default="limit"),
}

METHOD_PARAMS: dict[str, dict[str, Param]] = {
    "public/auth": {
        "grant_type": Param("str", required=True, enum=("client_credentials", "client_signature", "refresh_token")),
        "client_id": Param("str"),
        "client_secret": Param("str"),
        "refresh_token": Param("str"),
        "signature": Param("str"),
        "timestamp": TIMESTAMP,
        "nonce": Param("str", default=""),
        "data": Param("str", default=""),
    },
    "public/test": {},
    "private/logout": {"invalidate_token": Param("bool", default=True)},
    "private/get_instruments": {
        "currency": Param("str", required=True),
        "expired": Param("bool", default=False),
        "kind": Param("str", enum=("future", "option")),
    },
    "private/get_tradingview_chart_data": {
        "end_timestamp": Param("int", required=True, minimum=0),
        "instrument_name": INSTRUMENT,
        "resolution": Param("str", required=True, enum=RESOLUTIONS),
        "start_timestamp": Param("int", required=True, minimum=0),
    },
    "public/get_delivery_prices": {
        "count": Param("int", minimum=1, maximum=1000, default=10),
        "index_name": Param("str", required=True, enum=INDEX_NAMES),
        "offset": OFFSET,
    },
    "public/get_funding_chart_data": {
        "instrument_name": INSTRUMENT,
        "length": Param("str", required=True, enum=("8h", "24h", "1m")),
    },
    "public/get_funding_rate_history": {
        "end_timestamp": TIMESTAMP,
        "instrument_name": Param("str", min_length=1),
        "start_timestamp": TIMESTAMP,
    },
    "public/get_index_price": {"index_name": Param("str", required=True, enum=INDEX_NAMES)},
    "public/last_trades_by_instrument": {
        "count": Param("int", minimum=1, maximum=1000, default=10),
        "end_seq": Param("int"),  # any integer: the doc sets no range (I-186)
        "end_timestamp": TIMESTAMP,
        "instrument_name": Param("str", min_length=1),
        "sorting": Param("str", enum=SORTING, default="default"),
        "start_seq": Param("int"),
        "start_timestamp": TIMESTAMP,
    },
    "public/set_heartbeat": {"interval": Param("int", required=True, minimum=10, maximum=3600)},
    "public/disable_heartbeat": {},
    "private/buy": BUY_SELL,
    "private/sell": BUY_SELL,
    "private/cancel": {"order_id": Param("str", required=True, min_length=1)},
    "private/cancel_all": {"detailed": Param("bool", default=False)},
    "private/cancel_all_by_instrument": {
        "detailed": Param("bool", default=False),
        "instrument_name": INSTRUMENT,
        "type": Param("str", enum=FILTER_TYPES, default="all"),
    },
    "private/enable_cancel_on_disconnect": {"scope": Param("str", enum=("connection", "account"))},
    "private/disable_cancel_on_disconnect": {"scope": Param("str", enum=("connection", "account"))},
    "private/get_cancel_on_disconnect": {"scope": Param("str", enum=("connection", "account"))},
    "private/edit": {
        "amount": Param("num", required=True, exclusive_minimum=0),
        "order_id": Param("str", required=True, min_length=1),
        "price": POSITIVE,
        "trigger_price": POSITIVE,
    },
    "private/get_mmp_config": {"index_name": Param("str", enum=INDEX_NAMES, default="btc_usd")},
    "private/set_mmp_config": {
        "frozen_time": Param("num", minimum=0, default=0),
        "index_name": Param("str", enum=INDEX_NAMES, default="btc_usd"),
        "interval": Param("num", minimum=0, default=0),
        "quantity_limit": Param("num", minimum=0, default=0),
    },
    "private/get_open_orders_by_instrument": {
        "count": Param("int", minimum=1, maximum=1000, default=10),
        "instrument_name": INSTRUMENT,
        "type": Param("str", enum=FILTER_TYPES, default="all"),
    },
    "private/get_order_book": {"depth": Param("int", minimum=1, maximum=10000, default=20), "instrument_name": INSTRUMENT},
    "private/get_order_history_by_instrument": {
        "count": Param("int", minimum=1, maximum=1000, default=20),
        "include_old": Param("bool", default=False),
        "include_unfilled": Param("bool", default=False),
        "instrument_name": INSTRUMENT,
        "offset": OFFSET,
    },
    "private/get_order_state": {"order_id": Param("str", required=True, min_length=1)},
    "private/get_order_state_by_label": {
        "count": Param("int", minimum=1, maximum=1000, default=10),
        "currency": Param("str", required=True),
        "label": Param("str", max_length=64),
        "offset": OFFSET,
    },
    "private/get_settlement_history_by_currency": {
        "count": Param("int", minimum=1, maximum=1000, default=20),
        "currency": Param("str"),
        "search_start_timestamp": TIMESTAMP,
        "type": Param("str", required=True, enum=("settlement", "delivery", "bankruptcy")),
    },
    "private/get_settlement_history_by_instrument": {
        "count": Param("int", minimum=1, maximum=1000, default=20),
        "instrument_name": Param("str", min_length=1),
        "search_start_timestamp": TIMESTAMP,
        "type": Param("str", required=True, enum=("settlement", "delivery", "bankruptcy")),
    },
    "private/get_user_trades_by_instrument": {
        "count": Param("int", minimum=1, maximum=1000, default=10),
        "end_timestamp": TIMESTAMP,
        "instrument_name": INSTRUMENT,
        "sorting": Param("str", enum=SORTING, default="default"),
        "start_timestamp": TIMESTAMP,
    },
    "private/get_user_trades_by_order": {
        "count": Param("int", minimum=0, maximum=1000, default=0),
        "order_id": Param("str", required=True, min_length=1),
        "sorting": Param("str", enum=SORTING, default="default"),
    },
    "private/get_account_summary": {"currency": Param("str", enum=("USD",), default="USD")},
    "private/get_deposits": {
        "count": Param("int", minimum=1, maximum=1000, default=10),
        "currency": Param("str", enum=("USD",), default="USD"),
        "offset": OFFSET,
    },
    "private/get_positions": {"currency": Param("str"), "kind": Param("str", enum=("future", "option"))},
    "public/subscribe": {"channels": Param("strlist", required=True)},
    "private/subscribe": {"channels": Param("strlist", required=True)},
    "public/unsubscribe_all": {},
    "private/unsubscribe_all": {},
}

# Operations whose documented HTTP body is a JSON-RPC envelope (register I-02).
ENVELOPE_METHODS = frozenset({
    "private/buy", "private/sell", "private/edit", "private/cancel", "private/cancel_all",
    "private/cancel_all_by_instrument", "private/get_account_summary", "private/get_deposits",
})

# Methods answered on the WebSocket only (register I-06); public/test is Deribit's (I-43).
WS_ONLY_METHODS = frozenset({
    "private/logout", "public/set_heartbeat", "public/disable_heartbeat", "private/get_cancel_on_disconnect",
    "public/subscribe", "private/subscribe", "public/unsubscribe_all", "private/unsubscribe_all", "public/test",
})
