"""The order space. Every strategy here is a named module constant; read top to bottom.

Grid units: ``offset`` is a price in ticks from the centre of the suite's price band (see
``harness.band``), ``contracts`` an amount in contract sizes. The band sits where no foreign order
rests, so any crossing the strategies create is between the suite's own orders.
"""

from hypothesis import strategies as st

# ---------------------------------------------------------------------------------------------- enums
# The doc's enums for order entry (types.Type minus the filter-only values, I-23).
LIMIT_TYPES = ("limit",)
MARKET_TYPES = ("market",)
TRIGGER_LIMIT_TYPES = ("stop_limit", "take_limit")
TRIGGER_MARKET_TYPES = ("stop_market", "take_market")
ORDER_TYPES = LIMIT_TYPES + MARKET_TYPES + TRIGGER_LIMIT_TYPES + TRIGGER_MARKET_TYPES
TIMES_IN_FORCE = ("good_til_cancelled", "good_til_day", "fill_or_kill", "immediate_or_cancel")
# cancel_all_by_instrument / get_open_orders_by_instrument filter values (I-33, I-36)
TYPE_FILTERS = ("all", "limit", "market", "stop_limit", "stop_market", "take_limit", "take_market", "trigger_all")
LINKED_ORDER_TYPES = ("one_triggers_other", "one_triggers_one_cancels_other")
FILL_CONDITIONS = ("first_hit", "complete_fill", "incremental")
SORTINGS = ("asc", "desc", "default")

ACCOUNTS = st.sampled_from(("maker", "taker"))
DIRECTIONS = st.sampled_from(("buy", "sell"))

# ---------------------------------------------------------------------------------------------- grid
# Prices: a narrow band (±6 ticks) so orders of the two accounts cross often.
PRICE_OFFSETS = st.integers(min_value=-6, max_value=6)
# Amounts: 1..4 contracts; partial fills happen whenever two different sizes meet.
CONTRACTS = st.integers(min_value=1, max_value=4)
# max_show: invisible (0), part of the order, or absent (= amount, I-30).
MAX_SHOW_CONTRACTS = st.one_of(st.none(), st.just(0), st.integers(min_value=1, max_value=4))
# Labels: an index into the flow's own label set (each flow prefixes a unique token, so
# get_order_state_by_label never sees another flow's orders).
LABEL_INDEXES = st.integers(min_value=0, max_value=2)
# Last-price triggers near the band; index-price triggers either far beyond the index (never fire
# on their own) or far on the wrong side (fire at entry, I-100): ±50 % of the index.
LAST_PRICE_TRIGGER_OFFSETS = st.integers(min_value=-6, max_value=6)
INDEX_TRIGGER_SIDES = st.sampled_from((-1, 1))


def _trigger(order_type: str, last_price_triggers: bool):
    if not order_type.startswith(("stop_", "take_")):
        return st.just({})
    sources = ["index_price"] + (["last_price"] if last_price_triggers else [])
    return st.sampled_from(sources).flatmap(lambda source: st.fixed_dictionaries({
        "trigger": st.just(source),
        "trigger_offset": LAST_PRICE_TRIGGER_OFFSETS if source == "last_price" else INDEX_TRIGGER_SIDES,
    }))


@st.composite
def order_specs(draw, order_types=ORDER_TYPES, times_in_force=TIMES_IN_FORCE, last_price_triggers=True,
                linked=True):
    """One BuySell request in grid units: type, time in force, flags, trigger, and maybe linked orders."""
    order_type = draw(st.sampled_from(order_types))
    is_market = order_type in MARKET_TYPES + TRIGGER_MARKET_TYPES
    tif = draw(st.sampled_from(times_in_force))
    contracts = draw(CONTRACTS)
    spec = {"type": order_type, "time_in_force": tif, "contracts": contracts, "label": draw(LABEL_INDEXES),
            # post_only only with good_til_cancelled and a limit price (I-28)
            "post_only": (not is_market and tif == "good_til_cancelled" and draw(st.booleans())),
            "reduce_only": draw(st.booleans()) and draw(st.booleans()),  # rarer: it is often rejected when flat
            "offset": None if is_market else draw(PRICE_OFFSETS)}
    max_show = draw(MAX_SHOW_CONTRACTS)
    spec["max_show_contracts"] = None if max_show is None else min(max_show, contracts)
    spec |= draw(_trigger(order_type, last_price_triggers))
    if linked and draw(st.integers(0, 3)) == 0:
        spec["linked"] = draw(linked_specs(order_types, last_price_triggers))
    return spec


@st.composite
def secondary_specs(draw, order_types=ORDER_TYPES, last_price_triggers=True):
    """One otoco_config entry (models.OtocoConfig) in grid units."""
    order_type = draw(st.sampled_from(order_types))
    is_market = order_type in MARKET_TYPES + TRIGGER_MARKET_TYPES
    spec = {"type": order_type, "direction": draw(DIRECTIONS), "contracts": draw(CONTRACTS),
            "time_in_force": draw(st.sampled_from(("good_til_cancelled", "immediate_or_cancel"))),
            "offset": None if is_market else draw(PRICE_OFFSETS)}
    return spec | draw(_trigger(order_type, last_price_triggers))


def linked_specs(order_types=ORDER_TYPES, last_price_triggers=True):
    """linked_order_type × trigger_fill_condition (absent = first_hit) × 1..2 secondaries."""
    return st.fixed_dictionaries({
        "linked_order_type": st.sampled_from(LINKED_ORDER_TYPES),
        "trigger_fill_condition": st.one_of(st.none(), st.sampled_from(FILL_CONDITIONS)),
        "secondaries": st.lists(secondary_specs(order_types, last_price_triggers), min_size=1, max_size=2),
    })


# The full space on an isolated book (the local gateway: nothing rests but the suite's orders).
ORDER_SPEC = order_specs()
# Where foreign liquidity exists (dev, staging): no market orders (they could reach a foreign order
# beyond the band) and no last-price triggers (a foreign trade moves last_price).
REMOTE_ORDER_TYPES = LIMIT_TYPES + TRIGGER_LIMIT_TYPES
REMOTE_ORDER_SPEC = order_specs(order_types=REMOTE_ORDER_TYPES, last_price_triggers=False)

# A resting order and a crossing order from the other account: the shortest way to a trade.
CROSSING_SPEC = st.fixed_dictionaries({
    "resting_contracts": CONTRACTS, "crossing_contracts": CONTRACTS, "offset": PRICE_OFFSETS,
    "through_ticks": st.integers(min_value=0, max_value=2),
    "crossing_time_in_force": st.sampled_from(TIMES_IN_FORCE),
})

# edit: a new amount (contracts) and maybe a new price; sometimes a new trigger price.
EDIT_SPEC = st.fixed_dictionaries({
    "contracts": st.integers(min_value=1, max_value=5),
    "offset": st.one_of(st.none(), PRICE_OFFSETS),
    "trigger_offset": st.one_of(st.none(), LAST_PRICE_TRIGGER_OFFSETS),
})

# Queries with their paging/sorting/window parameters.
HISTORY_PARAMS = st.fixed_dictionaries({
    "include_old": st.booleans(), "include_unfilled": st.booleans(),
    "count": st.integers(min_value=1, max_value=5), "offset": st.integers(min_value=0, max_value=3),
})
TRADES_PARAMS = st.fixed_dictionaries({
    "sorting": st.sampled_from(SORTINGS), "count": st.integers(min_value=1, max_value=5),
    "window": st.sampled_from(("none", "start", "end", "both")),
})
OPEN_ORDERS_TYPE = st.sampled_from(TYPE_FILTERS)

# Whole flows: the state machine (suites/flows/test_order_flows.py) draws its steps from the rules
# place(ACCOUNTS, DIRECTIONS, ORDER_SPEC) | cross(CROSSING_SPEC) | edit(EDIT_SPEC) | cancel | cancel_all |
# cancel_all_by_instrument(TYPE_FILTERS) | one rule per query method (HISTORY_PARAMS, TRADES_PARAMS, ...); these
# bound its length.
FLOW_STEPS_LOCAL = 25
FLOW_EXAMPLES_LOCAL = 30
# Locally the 30 flows run as 5 items of 6 (suites/flows/test_order_flows.py), so -n 2 can spread them.
FLOW_PARTS_LOCAL = 5
# On a shared gateway every request counts against the run's budget (~40 requests a flow): four flows of the
# remote profile's ten steps keep the order flows near 300 requests of the 3,000.
FLOW_EXAMPLES_REMOTE = 4
