"""Named checks for subscription channels: schema conformance, the book replica, subscribe results.

Channel payloads are checked against the spec (`spec/asyncapi.yaml` messages, via ``harness.schema``).
"""

import math
import time

from harness.ws import WsClient
from suites.far_from_market import far_prices

from harness.schema import assert_conforms, notification_schema

OK_MESSAGE = {"description": "ok", "response": None, "status": 200}
QUIET_SECONDS = 0.4  # how long "nothing arrives" is watched for on the local gateway


def channels_for(env) -> dict[str, str]:
    """One concrete channel name per documented channel family, on the environment's test instrument/index."""
    instrument, index = env.test_instrument, env.index_name
    return {
        "book": f"book.{instrument}.raw", "deribit_price_index": f"deribit_price_index.{index}",
        "funding_payments": f"funding_payments.{instrument}", "funding_prices": f"funding_prices.{instrument}",
        "funding_rates": f"funding_rates.{instrument}", "heartbeat_trade": "heartbeat_trade",
        "quote": f"quote.{instrument}", "settlement_prices": f"settlement_prices.{index}",
        "user.changes": f"user.changes.{instrument}.raw", "user.mmp_trigger": f"user.mmp_trigger.{index}",
        "user.orders": f"user.orders.{instrument}.raw", "user.trades": f"user.trades.{instrument}.raw",
        "user_fee": "user_fee",
    }


PUBLIC_FAMILIES = ("book", "deribit_price_index", "funding_payments", "funding_prices", "funding_rates",
                   "heartbeat_trade", "quote", "settlement_prices")
PRIVATE_FAMILIES = ("user.changes", "user.mmp_trigger", "user.orders", "user.trades", "user_fee")


def notification_conforms(channel: str, data: object) -> None:
    assert_conforms(notification_schema(channel), data, f"notification on {channel}")


def subscribe_is_ok(ws: WsClient, method: str, channels: list[str]) -> None:
    """Doc: subscribe "200 OK ok string"; I-07 reads the result as the string "ok"."""
    result = ws.call(method, {"channels": channels})
    assert result == "ok", f"{method} {channels}: received {result!r}; documented \"ok\" (I-07)"


def unsubscribe_all_is_ok(ws: WsClient, method: str) -> None:
    """Doc: unsubscribe_all "200 OK Message connection.Message", example {"description":"ok",...,"status":200}."""
    result = ws.call(method, {})
    assert result == OK_MESSAGE, f"{method}: received {result!r}; documented {OK_MESSAGE} (I-07)"


def nothing_arrives(ws: WsClient, channel: str, seconds: float = QUIET_SECONDS, why: str = "") -> None:
    received = ws.notifications_within(channel, seconds)
    assert not received, f"{channel}: received {len(received)} notification(s) {received[:2]}; documented none {why}"


# ---------------------------------------------------------------------------------------------- book replica
class BookReplica:
    """The order book rebuilt from `book.{instrument}.raw` notifications (I-18, I-45)."""

    def __init__(self, channel: str) -> None:
        self.channel = channel
        self.bids: dict[float, float] = {}
        self.asks: dict[float, float] = {}
        self.change_id: int | None = None

    def apply(self, data: dict) -> None:
        notification_conforms(self.channel, data)
        if self.change_id is None:
            assert data["type"] == "snapshot", (
                f"first notification on {self.channel}: received type {data['type']!r}; documented a snapshot "
                f"first (I-45)\n{data}")
        else:
            assert data["type"] == "change", f"{self.channel}: received a second {data['type']!r}; documented changes"
            assert data["prev_change_id"] == self.change_id, (
                f"{self.channel}: received prev_change_id {data['prev_change_id']}; documented the previous "
                f"change_id {self.change_id} (I-45: no gap, no repeat)\n{data}")
        if data["type"] == "snapshot":
            self.bids, self.asks = {}, {}
        for side, levels in ((self.bids, data["bids"]), (self.asks, data["asks"])):
            for action, price, amount in levels:
                self._apply_level(side, action, price, amount)
        self.change_id = data["change_id"]

    def _apply_level(self, side: dict, action: str, price: float, amount: float) -> None:
        if action == "delete":
            assert price in side, f"{self.channel}: 'delete' of {price}, a level the book does not have"
            del side[price]
        elif action == "new":
            assert price not in side, f"{self.channel}: 'new' level {price} the book already has ({side[price]})"
            side[price] = amount
        else:
            assert price in side, f"{self.channel}: 'change' of {price}, a level the book does not have"
            side[price] = amount

    def levels(self, depth: int) -> dict[str, list[list[float]]]:
        return {"bids": [[p, a] for p, a in sorted(self.bids.items(), reverse=True)[:depth]],
                "asks": [[p, a] for p, a in sorted(self.asks.items())[:depth]]}

    def drain(self, ws: WsClient) -> int:
        notifications = ws.drain(self.channel)
        for data in notifications:
            self.apply(data)
        return len(notifications)


def same_levels(received: list, expected: list) -> bool:
    return len(received) == len(expected) and all(
        math.isclose(a[0], b[0]) and math.isclose(a[1], b[1]) for a, b in zip(received, expected, strict=True))


# ---------------------------------------------------------------------------------------------- book activity
def far_limit(api, env, direction: str, price: float, amount_contracts: int = 1, **extra) -> dict:
    """A resting limit order on the test instrument (far from the market); returns the RPC's order."""
    result = api.call(f"private/{direction}", instrument_name=env.test_instrument, type="limit", price=price,
                      amount=amount_contracts * env.contract_size, **extra)
    return result["order"]


def book_activity(api, env) -> list[dict]:
    """Place, grow and cancel far orders so the book of the test instrument changes on both sides.

    Returns every RPC order result in order (so channel checks can compare against them)."""
    buy, sell = far_prices(api.call, env)
    results = [far_limit(api, env, "buy", buy), far_limit(api, env, "buy", buy - env.tick_size, 2),
               far_limit(api, env, "sell", sell)]
    results.append(api.call("private/edit", order_id=results[0]["order_id"], amount=3 * env.contract_size,
                            price=buy)["order"])
    results.append(api.call("private/cancel", order_id=results[1]["order_id"]))
    return results


def wait_for(ws: WsClient, channel: str, predicate, timeout: float = 5.0, what: str = "") -> list:
    """Read notifications on ``channel`` until ``predicate(all_so_far)`` holds; returns them all."""
    deadline = time.monotonic() + timeout
    received: list = []
    while not predicate(received):
        left = deadline - time.monotonic()
        if left <= 0:
            raise AssertionError(f"{channel}: {what or 'the expected notification'} did not arrive within {timeout}s; "
                                 f"received {len(received)}: {received[-3:]}")
        received.append(ws.next_notification(channel, timeout=left))
    return received
