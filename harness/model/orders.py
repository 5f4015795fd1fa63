"""Orders and trades as the model sees them, and the order-state rules of register I-25.

Doc: ``types.OrderStatus`` = open, partially_filled, filled, cancelled, untriggered, rejected.
"""

from dataclasses import dataclass, field

OPEN_STATES = frozenset({"open", "partially_filled", "untriggered"})
TERMINAL_STATES = frozenset({"filled", "cancelled", "rejected"})
TRIGGER_TYPES = frozenset({"stop_limit", "stop_market", "take_limit", "take_market"})
MARKET_TYPES = frozenset({"market", "stop_market", "take_market"})

# I-25: the state changes an order may make between two observations (one step each).
TRANSITIONS: dict[str, frozenset[str]] = {
    "untriggered": frozenset({"open", "filled", "partially_filled", "cancelled"}),
    "open": frozenset({"partially_filled", "filled", "cancelled"}),
    "partially_filled": frozenset({"partially_filled", "filled", "cancelled"}),
    "filled": frozenset(),
    "cancelled": frozenset(),
    "rejected": frozenset(),
}


def reachable(before: str, after: str) -> bool:
    """May an order observed in ``before`` later be observed in ``after`` (any number of I-25 steps)?"""
    seen, frontier = {before}, [before]
    while frontier:
        for state in TRANSITIONS.get(frontier.pop(), ()):
            if state not in seen:
                seen.add(state)
                frontier.append(state)
    return after in seen


@dataclass
class ModelTrade:
    """One execution between two of the suite's orders (``seq`` = execution order)."""

    seq: int
    taker: int  # model keys of the two orders
    maker: int
    price: float
    amount: float
    taker_direction: str
    trade_id: str | None = None  # learnt from the gateway (responses or get_user_trades_by_order)
    timestamp: int | None = None  # the gateway's, once seen


@dataclass
class ModelOrder:
    key: int  # the model's own handle; the gateway's order_id is bound once it is seen
    account: str
    instrument_name: str
    direction: str
    amount: float
    order_type: str
    time_in_force: str = "good_til_cancelled"
    price: float | None = None
    label: str = ""
    post_only: bool = False
    reduce_only: bool = False
    max_show: float | None = None
    mmp: bool = False
    trigger: str | None = None
    trigger_price: float | None = None
    order_state: str = "open"
    filled_amount: float = 0.0
    filled_value: float = 0.0
    cancel_reason: str | None = None
    replaced: bool = False
    order_id: str | None = None
    created: int = 0  # creation ordinal: I-36 lists open orders oldest first
    updated: int = 0  # ordinal of the last change (last_update_timestamp never goes backwards)
    priority: int = 0  # time priority at its price level; reset when an edit loses priority (I-31)
    armed: bool = False  # a trigger order watching its trigger (not a draft OTO secondary)
    linked_order_type: str | None = None
    trigger_fill_condition: str | None = None
    is_primary_otoco: bool = False
    is_secondary_oto: bool = False
    secondaries: list[int] = field(default_factory=list)
    primary: int | None = None
    status_otoco: str | None = None
    config_amount: float | None = None  # a secondary's otoco_config amount (the full size, I-38)
    trades: list[int] = field(default_factory=list)  # seqs of its ModelTrades

    @property
    def remaining(self) -> float:
        return round(self.amount - self.filled_amount, 10)

    @property
    def is_open(self) -> bool:
        return self.order_state in OPEN_STATES

    @property
    def is_trigger_order(self) -> bool:
        return self.order_type in TRIGGER_TYPES

    @property
    def is_market(self) -> bool:
        return self.order_type in MARKET_TYPES

    @property
    def average_price(self) -> float:
        return self.filled_value / self.filled_amount if self.filled_amount else 0.0

    def matches_type(self, type_filter: str) -> bool:
        """The ``type`` filter of cancel_all_by_instrument and get_open_orders_by_instrument (I-33, I-36)."""
        if type_filter == "all":
            return True
        if type_filter == "trigger_all":
            return self.is_trigger_order
        return self.order_type == type_filter

    def expected_fields(self) -> dict:
        """The OrderConfirmation fields the model predicts (ids resolved by the caller)."""
        fields = {
            "amount": self.amount, "direction": self.direction, "filled_amount": self.filled_amount,
            "instrument_name": self.instrument_name, "label": self.label, "order_state": self.order_state,
            "order_type": self.order_type, "post_only": self.post_only, "reduce_only": self.reduce_only,
            "replaced": self.replaced, "time_in_force": self.time_in_force, "mmp": self.mmp,
            "max_show": self.amount if self.max_show is None else self.max_show,
        }
        if not self.is_market:
            fields["price"] = self.price
        if self.filled_amount:
            fields["average_price"] = self.average_price
        if self.cancel_reason is not None:
            fields["cancel_reason"] = self.cancel_reason
        if self.is_trigger_order:
            fields["trigger"] = self.trigger
            fields["trigger_price"] = self.trigger_price
        if self.linked_order_type is not None:
            fields["linked_order_type"] = self.linked_order_type
        if self.is_primary_otoco:
            fields["is_primary_otoco"] = True
            fields["trigger_fill_condition"] = self.trigger_fill_condition
        if self.is_secondary_oto:
            fields["is_secondary_oto"] = True
        if self.status_otoco is not None:
            fields["status_otoco"] = self.status_otoco
        return fields
