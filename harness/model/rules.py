"""The doc's order rules as data: each table quotes the clause (or the register reading) it stands for.

Nothing here runs an order; ``harness.model.ledger`` looks the rules up. Sources: the doc's ``types.OrderStatus``,
``types.TimeInForce``, ``types.TriggerFillCondition`` and the BuySell parameter table, and the readings
I-25..I-39, I-100..I-105 of spec/INTERPRETATIONS.md.
"""

import math

# types.OrderStatus, grouped by I-25: which statuses still belong in the book or wait for a trigger.
LIVE = frozenset({"open", "partially_filled", "untriggered"})
IN_BOOK = frozenset({"open", "partially_filled"})
FINAL = frozenset({"filled", "cancelled", "rejected"})

# I-25 "Transitions": status -> the statuses one observation may find next.
NEXT_STATUS = {
    "untriggered": {"open", "filled", "partially_filled", "cancelled"},
    "open": {"partially_filled", "filled", "cancelled"},
    "partially_filled": {"partially_filled", "filled", "cancelled"},
    "filled": set(), "cancelled": set(), "rejected": set(),
}


def may_follow(earlier: str, later: str) -> bool:
    """Can an order seen ``earlier`` be seen ``later`` after any number of I-25 transitions?"""
    found = {earlier}
    while True:
        grown = found.union(*(NEXT_STATUS.get(status, set()) for status in found))
        if grown == found:
            return later in found
        found = grown


# types.Type (minus the filter values, I-23): does the order carry a price, and does it wait for a trigger?
PRICED = {"limit": True, "stop_limit": True, "take_limit": True, "market": False, "stop_market": False,
          "take_market": False}
WAITS_FOR_TRIGGER = {"limit": False, "market": False, "stop_limit": True, "take_limit": True,
                     "stop_market": True, "take_market": True}


def type_filter_admits(type_filter: str, order_type: str) -> bool:
    """The ``type`` filter of cancel_all_by_instrument and get_open_orders_by_instrument (I-33, I-36)."""
    return {"all": True, "trigger_all": WAITS_FOR_TRIGGER[order_type]}.get(type_filter, type_filter == order_type)


# I-27 (types.TimeInForce): may the unfilled part rest, must the order fill whole or not at all, and the
# cancel_reason of what does not rest. Market orders behave as immediate_or_cancel.
TIME_IN_FORCE = {
    "good_til_cancelled": {"rests": True, "all_or_none": False},
    "good_til_day": {"rests": True, "all_or_none": False},
    "immediate_or_cancel": {"rests": False, "all_or_none": False},
    "fill_or_kill": {"rests": False, "all_or_none": True},
}
NOT_RESTING_REASON = "immediate_or_cancel"
ALL_OR_NONE_REASON = "fill_or_kill"

# I-37: the side of the trigger price on which the price source fires the order (source >= or <= it).
FIRES_AT_OR_ABOVE = {("stop", "buy"): True, ("stop", "sell"): False, ("take", "buy"): False, ("take", "sell"): True}


def trigger_met(order_type: str, direction: str, trigger_price: float, source: float) -> bool:
    above = FIRES_AT_OR_ABOVE[(order_type.split("_")[0], direction)]
    return source >= trigger_price if above else source <= trigger_price


# I-38 trigger_fill_condition: the amount of a secondary (full size ``size``) that a primary of ``amount`` with
# ``filled`` executed has released so far; default first_hit.
def released(condition: str, size: float, filled: float, amount: float, contract: float) -> float:
    if condition == "complete_fill":
        return size if round(amount - filled, 10) <= 0 else 0.0
    if condition == "incremental":  # pro rata, rounded down to the contract size
        return contract * math.floor(size * filled / amount / contract + 1e-9)
    return size if filled > 0 else 0.0


# I-38 cancel reasons of linked orders, I-29 of a reduce_only maker that can no longer reduce.
SIBLING_FILLED_REASON = "oco_other_closed"
PRIMARY_GONE_REASON = "oto_primary_closed"
CANNOT_REDUCE_REASON = "reduce_only"
USER_REASON = "user_request"


def on_grid(value: float, step: float) -> bool:
    ratio = value / step
    return abs(ratio - round(ratio)) < 1e-7


# The BuySell parameter table's constraints (I-28, I-30, I-37, I-38, I-50): (clause, the request breaks it).
# ``r`` is the request as sent, ``g`` the instrument's grid (tick, contract).
ENTRY_CONSTRAINTS = (
    ("amount is a multiple of the contract size", lambda r, g: not on_grid(r["amount"], g["contract"])),
    ("a priced order needs a price", lambda r, g: PRICED[r["type"]] and r.get("price") is None),
    ("price is on the tick grid",
     lambda r, g: PRICED[r["type"]] and r.get("price") is not None and not on_grid(r["price"], g["tick"])),
    ("post_only only with good_til_cancelled and a price (I-28)",
     lambda r, g: bool(r.get("post_only")) and (r.get("time_in_force", "good_til_cancelled") != "good_til_cancelled"
                                                 or not PRICED[r["type"]] or r.get("price") is None)),
    ("max_show is at most amount (I-30)", lambda r, g: r.get("max_show") is not None and r["max_show"] > r["amount"]),
    ("trigger orders need trigger and trigger_price (I-37)",
     lambda r, g: WAITS_FOR_TRIGGER[r["type"]] and (r.get("trigger") is None or r.get("trigger_price") is None)),
    ("linked_order_type and otoco_config go together (I-38)",
     lambda r, g: bool(r.get("linked_order_type")) != bool(r.get("otoco_config"))),
)


def broken_constraint(request: dict, grid: dict) -> str | None:
    return next((clause for clause, breaks in ENTRY_CONSTRAINTS if breaks(request, grid)), None)


# I-101 / I-102: one fill of ``signed`` USD (buy > 0) at ``price`` on a position (size, entry, realised).
def position_after(size: float, entry: float, realised: float, signed: float, price: float) -> tuple:
    if size * signed >= 0:  # flat, or adding on the same side: the entry is the amount-weighted mean
        total = size + signed
        return round(total, 10), (entry * abs(size) + price * abs(signed)) / abs(total), realised
    closed = math.copysign(min(abs(size), abs(signed)), size)
    realised += closed * (price - entry) / entry  # inverse contract, valued in USD at the exit price
    total = round(size + signed, 10)
    if total == 0:
        return 0.0, 0.0, realised
    return total, (price if total * size < 0 else entry), realised  # through zero: the excess opens at price
