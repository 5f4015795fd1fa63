"""The order record and its wire form (models.OrderConfirmation)."""

import uuid
from dataclasses import dataclass, field

OPEN_STATES = frozenset({"open", "partially_filled", "untriggered"})
TRIGGER_TYPES = frozenset({"stop_limit", "stop_market", "take_limit", "take_market"})
MARKET_TYPES = frozenset({"market", "stop_market", "take_market"})


def new_id() -> str:
    return uuid.uuid4().hex[:24]


@dataclass
class Order:
    order_id: str
    account_id: str
    instrument_name: str
    direction: str
    amount: float
    order_type: str
    time_in_force: str
    price: float | None
    label: str = ""
    post_only: bool = False
    reduce_only: bool = False
    max_show: float | None = None
    mmp: bool = False
    trigger: str | None = None
    trigger_price: float | None = None
    order_state: str = "open"
    filled_amount: float = 0.0
    filled_value: float = 0.0  # sum(price * amount) of the fills, for average_price
    cancel_reason: str | None = None
    creation_timestamp: int = 0
    last_update_timestamp: int = 0
    replaced: bool = False
    connection_id: str | None = None
    seq: int = 0  # time priority in the book
    armed: bool = False  # a trigger order watching its trigger
    linked_order_type: str | None = None
    trigger_fill_condition: str | None = None
    is_primary_otoco: bool = False
    is_secondary_oto: bool = False
    oto_order_ids: list[str] = field(default_factory=list)
    primary_order_id: str | None = None
    status_otoco: str | None = None
    otoco_template: dict | None = None  # a secondary's otoco_config entry, until it is activated

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
    def average_price(self) -> float:
        return round(self.filled_value / self.filled_amount, 10) if self.filled_amount else 0.0

    @property
    def visible_amount(self) -> float:
        if self.max_show is None:
            return self.remaining
        return min(self.max_show, self.remaining)

    def to_wire(self) -> dict:
        data = {
            "amount": self.amount,
            "api": True,
            "average_price": self.average_price,
            "creation_timestamp": self.creation_timestamp,
            "direction": self.direction,
            "filled_amount": self.filled_amount,
            "instrument_name": self.instrument_name,
            "label": self.label,
            "last_update_timestamp": self.last_update_timestamp,
            "max_show": self.amount if self.max_show is None else self.max_show,
            "mmp": self.mmp,
            "order_id": self.order_id,
            "order_state": self.order_state,
            "order_type": self.order_type,
            "post_only": self.post_only,
            "reduce_only": self.reduce_only,
            "replaced": self.replaced,
            "time_in_force": self.time_in_force,
        }
        if self.price is not None:
            data["price"] = self.price
        if self.cancel_reason is not None:
            data["cancel_reason"] = self.cancel_reason
        if self.trigger is not None:
            data["trigger"] = self.trigger
            data["trigger_price"] = self.trigger_price
        if self.linked_order_type is not None:
            data["linked_order_type"] = self.linked_order_type
        if self.is_primary_otoco:
            data["is_primary_otoco"] = True
            data["oto_order_ids"] = list(self.oto_order_ids)
            data["trigger_fill_condition"] = self.trigger_fill_condition
        if self.is_secondary_oto:
            data["is_secondary_oto"] = True
            data["primary_order_id"] = self.primary_order_id
        if self.status_otoco is not None:
            data["status_otoco"] = self.status_otoco
        return data
