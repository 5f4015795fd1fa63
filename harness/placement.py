"""Where the suite places its orders, and the one rounding onto the tick grid every placement uses.

Far from the market (``far_prices``, ``far_limit``): the suites that only need resting orders (subscriptions,
sessions, envelopes) read the index and the book first and stay ``FAR_FRACTION`` away from both, rounded onto the
environment's tick grid, so orders on dev/stg rest and never trade. In the price band (``limit`` and the helpers
after it): grid units (contracts, ticks from the band centre) checked against the model driver.
"""

import math
import time
from collections.abc import Callable

from harness.control import GatewayControl
from harness.wire_checks import is_ms_timestamp, is_number

FAR_FRACTION = 0.3  # 30 % from the index and from the best price on the same side


def on_tick(price: float, tick: float, rounding: Callable[[float], float] = round) -> float:
    """``price`` on the tick grid (nearest tick by default; ``math.floor``/``math.ceil`` to stay on one side)."""
    return round(rounding(price / tick) * tick, 10)


def book_index(book: object, call: Callable[..., object], env) -> float:
    """The index price a book read carries (get_order_book: ``index_price``, "Current index price", Required false,
    I-660); a book without a positive number there costs one ``public/get_index_price``. Every placement reads the
    book anyway, so on a gateway that sends the field this saves a request per setup (~2 % of a remote run)."""
    value = book.get("index_price") if isinstance(book, dict) else None
    if is_number(value) and math.isfinite(value) and value > 0:
        return float(value)
    return float(call("public/get_index_price", index_name=env.index_name))


def gateway_now_ms(call: Callable[..., object], env, instrument_name: str | None = None) -> int:
    """The gateway's own clock, as a depth-1 book's ``timestamp`` reports it ("The timestamp", Required false,
    I-660; a local gateway's clock may have been moved by local_only tests). Where the book has no millisecond
    number there: the wall clock on dev and staging (their clock), and on the reference gateway this run started
    the clock its control plane reports (a read: it moves nothing, so no test needs to be local_only for it)."""
    book = call("private/get_order_book", instrument_name=instrument_name or env.test_instrument, depth=1)
    stamp = book.get("timestamp") if isinstance(book, dict) else None
    if is_ms_timestamp(stamp):
        return int(stamp)  # 1796318864167.0 is a JSON integer too; the suite sends it back as one
    return local_gateway_clock_ms(env) if getattr(env, "local_gateway", False) else int(time.time() * 1000)


def local_gateway_clock_ms(env) -> int:
    """The clock of the reference gateway the run started itself (``/_refgw/control/status``)."""
    control = GatewayControl(env.rest_base.removesuffix("/api/v2"))
    try:
        return int(control.status()["now_ms"])
    finally:
        control.close()


def far_prices(call: Callable[..., object], env) -> tuple[float, float]:
    """(buy price, sell price) for ``env.test_instrument``: far below every bid, far above every ask."""
    book = call("private/get_order_book", instrument_name=env.test_instrument, depth=1)
    return far_from(book_index(book, call, env), book, env)


def far_from(index: float, book: dict, env) -> tuple[float, float]:
    """``far_prices`` from an index price and a depth-1 book already read."""
    lowest = min(index, book.get("best_bid_price") or index, book.get("best_ask_price") or index)
    highest = max(index, book.get("best_ask_price") or index, book.get("best_bid_price") or index)
    buy = on_tick(lowest * (1 - FAR_FRACTION), env.tick_size, math.floor)
    sell = on_tick(highest * (1 + FAR_FRACTION), env.tick_size, math.ceil)
    return max(buy, env.tick_size), sell


def far_limit(api, env, direction: str, price: float, amount_contracts: int = 1, **extra) -> dict:
    """A resting limit order on the test instrument (far from the market); returns the RPC's order."""
    result = api.call(f"private/{direction}", instrument_name=env.test_instrument, type="limit", price=price,
                      amount=amount_contracts * env.contract_size, **extra)
    return result["order"]


def limit(driver, account: str, direction: str, contracts: int, offset: int, **params):
    """A limit order in grid units (contracts, ticks from the band centre), checked against the model."""
    band = driver.band
    return driver.place(account, direction, {"type": "limit", "amount": band.amount(contracts),
                                             "price": band.price(offset), **params})


def print_last_price(driver, offset: int) -> None:
    """Make the band price ``offset`` the instrument's last price with a one-contract trade between the suite's
    own orders (on a shared gateway the last price is whatever printed before; the claimed instrument's free band
    has no foreign trades in it)."""
    limit(driver, "maker", "sell", 1, offset)
    limit(driver, "taker", "buy", 1, offset)
    driver.settle()


def last_price_below(driver, trigger_offset: int) -> None:
    """Make sure the last price is below the band price ``trigger_offset`` before a last-price stop buy is placed:
    when the model (which knows every print on the claimed instrument since the driver started) says it is not,
    print one at the band centre (saves the round trip where an earlier trade already left it low)."""
    last, trigger = driver.model.last_price, driver.band.price(trigger_offset)
    if last is None or last >= trigger:
        print_last_price(driver, 0)


ONE_OF_EACH = ("limit", "stop_limit", "stop_market", "take_limit", "take_market")


def place_one_of_each(driver, types=ONE_OF_EACH) -> dict:
    """A limit order and one resting (untriggered) order of each trigger type, all far from firing (or only the
    ``types`` named, e.g. to put back what a cancel took)."""
    band = driver.band
    orders = {"limit": limit(driver, "taker", "buy", 1, -3)} if "limit" in types else {}
    for order_type, side in (("stop_limit", 1), ("stop_market", 1), ("take_limit", -1), ("take_market", -1)):
        if order_type not in types:
            continue
        params = {"type": order_type, "amount": band.amount(1), "trigger": "index_price",
                  "trigger_price": band.index_trigger(side)}
        if order_type.endswith("limit"):
            params["price"] = band.price(-2)
        orders[order_type] = driver.place("taker", "buy", params)
    return orders
