"""The model's records: one per order the suite sent, one per execution, one position per account.

An order record is the request as sent plus what happened to it since; its documented fields
(``models.OrderConfirmation``) are read off it by ``expected_fields``.
"""

from dataclasses import dataclass, field
from typing import NamedTuple

from harness.model.rules import LIVE, PRICED, WAITS_FOR_TRIGGER, type_filter_admits


@dataclass
class ModelTrade:
    """One execution between two of the suite's orders (``seq``: its place in the ledger's trade list)."""

    seq: int
    taker: int  # keys of the two orders
    maker: int
    price: float
    amount: float
    taker_direction: str
    trade_id: str | None = None  # learnt from the gateway (responses or get_user_trades_by_order)
    timestamp: int | None = None  # the gateway's, once seen


class Holding(NamedTuple):
    """An account's position on the instrument (I-39: signed USD size, I-101 entry, I-102 realised USD)."""

    size: float = 0.0
    average_price: float = 0.0
    realized: float = 0.0


@dataclass
class ModelOrder:
    key: int  # its index in the ledger's order list; the gateway's order_id is bound once seen
    account: str
    instrument_name: str
    direction: str
    amount: float
    order_type: str
    price: float | None
    time_in_force: str
    label: str
    post_only: bool
    reduce_only: bool
    max_show: float | None
    mmp: bool
    trigger: str | None
    trigger_price: float | None
    order_state: str
    updated: int  # ledger clock of the last change (history is newest change first, I-35)
    filled_amount: float = 0.0
    filled_value: float = 0.0  # sum of price x amount over its fills
    cancel_reason: str | None = None
    replaced: bool = False
    order_id: str | None = None
    rested_at: int = 0  # ledger clock when it last took its place in the book: time priority (I-31)
    trades: list[int] = field(default_factory=list)  # seqs of its ModelTrades
    # linked orders (I-38)
    linked_order_type: str | None = None
    trigger_fill_condition: str | None = None  # a primary's
    secondaries: list[int] = field(default_factory=list)  # a primary's secondaries' keys
    primary: int | None = None  # a secondary's primary's key
    status_otoco: str | None = None
    config_amount: float | None = None  # a secondary's otoco_config amount: the size activation releases

    is_market: bool = field(init=False)  # market, stop_market, take_market: no price of its own (types.Type)
    is_trigger_order: bool = field(init=False)  # stop_* and take_*: waits for its trigger (I-37)

    def __post_init__(self) -> None:
        self.is_market, self.is_trigger_order = not PRICED[self.order_type], WAITS_FOR_TRIGGER[self.order_type]

    @property
    def unfilled(self) -> float:
        """Amount not yet executed (amount - filled_amount, on the contract grid)."""
        return round(self.amount - self.filled_amount, 10)

    def expected_fields(self) -> dict:
        """The OrderConfirmation fields the model predicts (linked ids are resolved by the checks)."""
        shown = {name: getattr(self, name) for name in ECHOED}
        shown["max_show"] = self.amount if self.max_show is None else self.max_show  # I-30 default
        for name, applies in WHEN_SHOWN.items():
            if applies(self):
                shown[name] = getattr(self, name)
        if self.filled_amount:
            shown["average_price"] = self.filled_value / self.filled_amount
        if self.primary is None and self.secondaries:
            shown["is_primary_otoco"] = True
        if self.primary is not None:
            shown["is_secondary_oto"] = True
        return shown

    @property
    def live(self) -> bool:
        """Still in the book or waiting for a trigger (I-25): cancel and edit apply, the open-orders view lists it."""
        return self.order_state in LIVE

    def admitted_by(self, type_filter: str) -> bool:
        return type_filter_admits(type_filter, self.order_type)

    @property
    def watching_trigger(self) -> bool:
        """Untriggered and not a draft: its trigger fires it (a draft secondary waits for its primary, I-38)."""
        return self.order_state == "untriggered" and self.status_otoco != "draft"


# OrderConfirmation fields every order shows, and those shown only where they apply.
ECHOED = ("amount", "direction", "filled_amount", "instrument_name", "label", "order_state", "order_type",
          "post_only", "reduce_only", "replaced", "time_in_force", "mmp")
WHEN_SHOWN = {
    "price": lambda o: not o.is_market,
    "cancel_reason": lambda o: o.cancel_reason is not None,
    "trigger": lambda o: o.is_trigger_order,
    "trigger_price": lambda o: o.is_trigger_order,
    "linked_order_type": lambda o: o.linked_order_type is not None,
    "trigger_fill_condition": lambda o: bool(o.secondaries),
    "status_otoco": lambda o: o.status_otoco is not None,
}
