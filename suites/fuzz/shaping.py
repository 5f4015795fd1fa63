"""Positive cases shaped to the documented rules the OpenAPI schema cannot express (register I-180).

The schema says what a well-formed request looks like; the doc adds cross-field and market rules that
JSON Schema cannot state: an order's price sits on the tick grid and its amount is a multiple of the
contract size (I-17), trigger orders need ``trigger`` and ``trigger_price`` (I-37), ``post_only`` only with
good_til_cancelled (doc), ``max_show`` at most ``amount`` (I-30), ``linked_order_type`` with a non-empty
``otoco_config`` (I-38), a start timestamp not after the end, and a client_credentials grant with both
credentials (I-09). A positive case is mapped onto those rules before it is sent (metadata is revalidated by
schemathesis, so a mapping that broke the schema would turn the case negative, never hide a failure).
Orders are priced far from the market so foreign liquidity on dev/staging cannot fill them.
"""

import copy
import zlib
from dataclasses import dataclass, field

from harness.api import TokenManager
from harness.doc import MARKET_TYPES
from harness.rest import RestClient
from harness.signer import signature_grant

FAR_BELOW, FAR_ABOVE = 0.5, 1.5  # order prices as a fraction of the index: never marketable
MAX_CONTRACTS = 50
COD_METHODS = {"private/enable_cancel_on_disconnect", "private/disable_cancel_on_disconnect"}


def pick(options: list, seed: object):
    """A deterministic choice (same case, same pick; replays from the database are exact)."""
    return options[zlib.crc32(repr(seed).encode()) % len(options)]


@dataclass
class Market:
    """What the environment trades, discovered over the API (never hard-coded)."""

    instrument: str
    tick_size: float
    contract_size: float
    index_price: float
    known_instruments: list[str] = field(default_factory=list)
    client_id: str = ""
    client_secret: str = ""
    is_local: bool = True

    @classmethod
    def discover(cls, rest: RestClient, tokens: TokenManager, pulse_env) -> "Market":
        token = tokens.access_token()
        names: list[str] = []
        for currency in ("BTC", "ETH"):
            for expired in (False, True):
                names += [i["instrument_name"] for i in
                          rest.call("private/get_instruments", {"currency": currency, "expired": expired}, token)]
        index = rest.call("public/get_index_price", {"index_name": pulse_env.index_name})
        credentials = pulse_env.accounts["maker"]
        return cls(pulse_env.test_instrument, pulse_env.tick_size, pulse_env.contract_size, float(index),
                   sorted(set(names)), credentials.client_id, credentials.client_secret, pulse_env.is_local)

    def snap(self, value: float, step: float, at_least: float) -> float:
        snapped = max(at_least, round(round(value / step) * step, 8))
        return int(snapped) if float(snapped).is_integer() else snapped

    def far_price(self, side: str) -> float:
        """A price no counterparty will meet: far below the index for a buy, far above for a sell."""
        fraction = FAR_BELOW if side == "buy" else FAR_ABOVE
        return self.snap(self.index_price * fraction, self.tick_size, self.tick_size)


def shape_order(order: dict, direction: str, market: Market, *, top_level: bool) -> None:
    """Map one order's fields onto the documented order-entry rules (in place)."""
    if top_level:
        order["instrument_name"] = market.instrument
    if isinstance(order.get("amount"), (int, float)):
        contracts = min(MAX_CONTRACTS, max(1, round(order["amount"] / market.contract_size)))
        order["amount"] = market.snap(contracts * market.contract_size, market.contract_size, market.contract_size)
    order_type = order.get("type", "limit")
    if order_type in MARKET_TYPES and not market.is_local:
        order_type = order["type"] = order_type.replace("market", "limit")  # never take foreign liquidity
    if order_type in MARKET_TYPES:
        order.pop("price", None)
        order.pop("post_only", None)
    else:
        order["price"] = market.far_price(direction)
    if order_type.startswith(("stop_", "take_")):
        order.setdefault("trigger", "index_price")
        # stop buy fires at or above, take buy at or below (I-37): keep every trigger far from firing
        fires_above = (direction == "buy") == order_type.startswith("stop_")
        order["trigger_price"] = market.far_price("sell" if fires_above else "buy")
    else:
        order.pop("trigger", None)
        order.pop("trigger_price", None)
    if order.get("post_only"):
        order["time_in_force"] = "good_til_cancelled"
    if isinstance(order.get("max_show"), (int, float)) and isinstance(order.get("amount"), (int, float)):
        order["max_show"] = min(order["max_show"], order["amount"])


def shape_buy_sell(params: dict, direction: str, market: Market) -> None:
    shape_order(params, direction, market, top_level=True)
    if params.get("linked_order_type") and params.get("otoco_config"):
        for secondary in params["otoco_config"]:
            shape_order(secondary, secondary.get("direction", "buy"), market, top_level=False)
    else:
        params.pop("linked_order_type", None)
        params.pop("otoco_config", None)
        params.pop("trigger_fill_condition", None)


def shape_edit(params: dict, market: Market) -> None:
    """Amount on the contract grid; prices on the tick grid locally, left unchanged remotely (the side is unknown,
    and a moved price could take foreign liquidity)."""
    if isinstance(params.get("amount"), (int, float)):
        contracts = min(MAX_CONTRACTS, max(1, round(params["amount"] / market.contract_size)))
        params["amount"] = market.snap(contracts * market.contract_size, market.contract_size, market.contract_size)
    for name in ("price", "trigger_price"):
        if isinstance(params.get(name), (int, float)):
            if market.is_local and params[name] < market.index_price * 10:
                params[name] = market.snap(params[name], market.tick_size, market.tick_size)
            else:
                params.pop(name)


def shape_time_range(params: dict) -> None:
    start, end = params.get("start_timestamp"), params.get("end_timestamp")
    numbers = (int, float)
    if isinstance(start, numbers) and isinstance(end, numbers) and start > end:
        params["start_timestamp"], params["end_timestamp"] = end, start


def shape_auth_query(query: dict, market: Market) -> None:
    """The per-grant-type requirements of I-09; generated credentials stay as generated (refused, I-180)."""
    grant = query.get("grant_type")
    if grant == "client_credentials":
        query["client_id"] = query.get("client_id") or market.client_id
        query["client_secret"] = query.get("client_secret") or market.client_secret
    elif grant == "refresh_token":
        query["refresh_token"] = query.get("refresh_token") or "generated-refresh-token"
    elif grant == "client_signature" and not all(query.get(k) for k in ("client_id", "signature", "timestamp")):
        nonce = query.get("nonce") or None
        query.update(signature_grant(market.client_id, market.client_secret, nonce=nonce, data=query.get("data", "")))


def shape_positive_case(case, market: Market) -> None:
    """Apply the documented rules the schema cannot express to a positive case (in place)."""
    method = case.path.lstrip("/")
    if method == "public/auth":
        if isinstance(case.query, dict):
            query = dict(case.query)
            shape_auth_query(query, market)
            case.query = query  # assignment: schemathesis revalidates the case's metadata
        return
    if not isinstance(case.body, dict):
        return
    body = copy.deepcopy(case.body)
    params = body.get("params") if isinstance(body.get("params"), dict) else body
    if method in ("private/buy", "private/sell"):
        shape_buy_sell(params, method.split("/")[1], market)
    elif method == "private/edit":
        shape_edit(params, market)
    elif method == "private/cancel_all_by_instrument" and not market.is_local:
        params["instrument_name"] = market.instrument  # this worker's own instrument: never others' orders
    elif method in COD_METHODS and not market.is_local:
        params.pop("scope", None)  # the connection's own scope (I-08): account scope reaches other workers
    elif isinstance(params.get("instrument_name"), str) and zlib.crc32(params["instrument_name"].encode()) % 8:
        # Mostly instruments that exist, so results are exercised; the rest stay as generated.
        params["instrument_name"] = pick(market.known_instruments, params["instrument_name"])
    shape_time_range(params)
    case.body = body  # assignment: schemathesis revalidates the case's metadata


# The stateful order flow's operations (test_http_stateful) and the ones a shared gateway must not get.
ORDER_FLOW = ["private_buy", "private_sell", "private_edit", "private_cancel", "private_get_order_state",
              "private_get_user_trades_by_order", "private_cancel_all", "private_get_open_orders_by_instrument"]
ACCOUNT_WIDE = {"private_cancel_all"}  # not on a shared gateway: it would cancel other workers' and people's orders

# The Trading fuzz runs in two halves (two items -n 2 can balance): the order entry and the reads.
TRADING_QUERIES = "^/private/get_"
