"""Make a real trade between the suite's own two accounts, without touching anyone else's liquidity.

The maker rests an order strictly inside the spread (alone at the top of its side, crossing nothing); the
taker meets it immediate-or-cancel at the same price, so the trade can only be against the maker's order. Amounts
are one contract: on dev and staging the suite leaves the smallest footprint it can.
"""

import math
from dataclasses import dataclass

from harness.api import PulseApi
from harness.env import Environment
from harness.placement import book_index, on_tick


class NoRoomToCross(Exception):
    """The book leaves no price where our own orders can meet without foreign liquidity in between."""


@dataclass(frozen=True)
class OwnTrade:
    price: float
    amount: float
    timestamp: int
    trade_seq: int
    trade_id: str
    maker_order_id: str
    taker_order_id: str



def currency_of(environment: Environment) -> str:
    """The base currency of the environment's index (``btc_usd`` -> ``BTC``)."""
    return environment.index_name.split("_")[0].upper()


def crossing_price(book: dict, index_price: float, tick: float) -> float:
    """A price strictly inside the spread: our resting order there is alone at the top of its side and
    crosses nothing, so our opposite IOC at the same price can only meet it (either direction)."""
    bid, ask = book.get("best_bid_price"), book.get("best_ask_price")
    if bid is None and ask is None:
        return on_tick(index_price, tick)
    if ask is None:
        return on_tick(max(bid + tick, index_price), tick)
    if bid is None:
        price = on_tick(min(ask - tick, index_price), tick)
        if price <= 0:
            raise NoRoomToCross(f"best ask {ask} leaves no positive price below it")
        return price
    if ask - bid >= 2 * tick - 1e-9:
        return on_tick(bid + tick, tick)
    raise NoRoomToCross(f"spread {bid}..{ask} is one tick: our orders would meet foreign liquidity")


def cross_own_orders(maker: PulseApi, taker: PulseApi, environment: Environment, contracts: int = 1,
                     taker_direction: str = "buy") -> OwnTrade:
    """Trade ``contracts`` contracts of the test instrument between maker and taker; return the trade."""
    instrument = environment.test_instrument
    book = maker.call("private/get_order_book", instrument_name=instrument, depth=1)
    price = crossing_price(book, book_index(book, maker.call, environment), environment.tick_size)
    amount = contracts * environment.contract_size
    maker_side = "private/sell" if taker_direction == "buy" else "private/buy"
    taker_side = "private/buy" if taker_direction == "buy" else "private/sell"
    resting = maker.call(maker_side, instrument_name=instrument, amount=amount, price=price, type="limit",
                         label="pulse-suite-maker")
    taken = taker.call(taker_side, instrument_name=instrument, amount=amount, price=price, type="limit",
                       time_in_force="immediate_or_cancel", label="pulse-suite-taker")
    trades = taken.get("trades") or []
    if not trades:
        maker.call("private/cancel", order_id=resting["order"]["order_id"])
        raise AssertionError(f"our IOC {taker_side} at {price} did not meet our own resting order; "
                             f"received {taken!r}")
    trade = trades[0]
    if not math.isclose(float(trade["price"]), price):
        raise AssertionError(f"our trade printed at {trade['price']}, not at our price {price}: foreign liquidity")
    return OwnTrade(price=price, amount=amount, timestamp=int(trade["timestamp"]), trade_seq=int(trade["trade_seq"]),
                    trade_id=str(trade["trade_id"]), maker_order_id=resting["order"]["order_id"],
                    taker_order_id=taken["order"]["order_id"])
