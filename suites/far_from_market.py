"""Prices far from the market on the test instrument, so orders on dev/stg rest and never trade.

The suites that only need resting orders (subscriptions, sessions, envelopes) read the index and the book first
and stay ``FAR_FRACTION`` away from both, rounded onto the environment's tick grid.
"""

import math
from collections.abc import Callable

FAR_FRACTION = 0.3  # 30 % from the index and from the best price on the same side


def on_tick(price: float, tick: float, rounding: Callable[[float], float]) -> float:
    return round(rounding(price / tick) * tick, 10)


def far_prices(call: Callable[..., object], env) -> tuple[float, float]:
    """(buy price, sell price) for ``env.test_instrument``: far below every bid, far above every ask."""
    index = float(call("public/get_index_price", index_name=env.index_name))
    book = call("private/get_order_book", instrument_name=env.test_instrument, depth=1)
    lowest = min(index, book.get("best_bid_price") or index, book.get("best_ask_price") or index)
    highest = max(index, book.get("best_ask_price") or index, book.get("best_bid_price") or index)
    buy = on_tick(lowest * (1 - FAR_FRACTION), env.tick_size, math.floor)
    sell = on_tick(highest * (1 + FAR_FRACTION), env.tick_size, math.ceil)
    return max(buy, env.tick_size), sell
