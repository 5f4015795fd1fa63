"""The model exchange: one instrument, the suite's own orders, two or more accounts.

Semantics (each line is a register reading):
- a request runs to completion: the order is entered, matched at price-time priority, then the
  follow-ups its fills caused run in FIFO order (linked-order effects of each fill, then a trigger
  check), until nothing is left (I-25, I-37, I-38);
- time in force: FOK fills completely or is cancelled ``fill_or_kill`` with no trade; IOC and market
  remainders are cancelled ``immediate_or_cancel``; GTC/GTD rest (I-27);
- post_only that would take is repriced to best opposite ∓ one tick (I-28);
- reduce_only: rejected when it cannot reduce, else capped to the position; fills never pass zero (I-29);
- max_show only changes what others see; the hidden rest trades (I-30);
- edit sets ``replaced``; a price change or an amount increase loses time priority (I-31);
- triggers: stop buy fires at source ≥ trigger_price, stop sell ≤; take buy ≤, take sell ≥ (I-37);
  a fired order keeps its id and trades as a limit/market order (I-25), also when its condition
  already holds at entry (I-100);
- linked orders: secondaries are draft ``untriggered`` until activated per trigger_fill_condition;
  OCO: a secondary's first fill cancels its siblings; a cancelled primary cancels its draft secondaries (I-38);
- an account may trade with its own resting order like any other (I-103).
"""

import math
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

from harness.model.orders import ModelOrder, ModelTrade
from harness.model.positions import ModelPosition


class ModelError(Exception):
    """The model predicts the gateway must refuse the request with this error kind (I-04 names)."""

    def __init__(self, kind: str, reason: str) -> None:
        super().__init__(f"{kind}: {reason}")
        self.kind, self.reason = kind, reason


@dataclass
class Outcome:
    """What one order-entry request must answer: the order as its own entry left it (before the
    follow-ups its fills cause, I-105) and the trades of its immediate match."""

    order: ModelOrder
    trades: list[ModelTrade] = field(default_factory=list)
    fields: dict = field(default_factory=dict)


def on_grid(value: float, step: float) -> bool:
    return abs(value / step - round(value / step)) < 1e-7


class ModelExchange:
    def __init__(self, instrument_name: str, tick_size: float, contract_size: float, *,
                 index_price: float, last_price: float | None = None,
                 positions: dict[str, ModelPosition] | None = None,
                 foreign_best: dict[str, float | None] | None = None) -> None:
        self.instrument_name, self.tick, self.contract = instrument_name, tick_size, contract_size
        self.index_price, self.last_price = index_price, last_price
        self.positions: dict[str, ModelPosition] = positions or {}
        # best foreign bid/ask outside the suite's band: post_only reprices against the whole book
        self.foreign_best = foreign_best or {"buy": None, "sell": None}
        self.orders: dict[int, ModelOrder] = {}
        self.trades: list[ModelTrade] = []
        self._ordinal = 0
        self._followups: deque[Callable[[], None]] = deque()
        self._immediate: list[ModelTrade] | None = None

    # ------------------------------------------------------------------ helpers
    def _next(self) -> int:
        self._ordinal += 1
        return self._ordinal

    def _touch(self, order: ModelOrder) -> None:
        order.updated = self._next()

    def position(self, account: str) -> ModelPosition:
        return self.positions.setdefault(account, ModelPosition())

    def by_id(self, order_id: str) -> ModelOrder | None:
        return next((o for o in self.orders.values() if o.order_id == order_id), None)

    def resting(self, direction: str) -> list[ModelOrder]:
        """The suite's resting orders on one side, in matching order (price, then time priority)."""
        side = [o for o in self.orders.values()
                if o.direction == direction and o.order_state in ("open", "partially_filled")]
        sign = -1 if direction == "buy" else 1
        return sorted(side, key=lambda o: (sign * o.price, o.priority))

    def best(self, direction: str) -> float | None:
        prices = [o.price for o in self.resting(direction)]
        foreign = self.foreign_best.get(direction)
        if foreign is not None:
            prices.append(foreign)
        if not prices:
            return None
        return max(prices) if direction == "buy" else min(prices)

    def _run(self, action: Callable[[], object]) -> object:
        result = action()
        while self._followups:
            self._followups.popleft()()
        return result

    # ------------------------------------------------------------------ order entry
    def place(self, account: str, direction: str, params: dict) -> Outcome:
        """private/buy or private/sell with ``params`` as sent (instrument, amount, type, ...)."""
        def action() -> Outcome:
            order = self._build(account, direction, params)
            self.orders[order.key] = order
            if params.get("linked_order_type"):
                self._attach_secondaries(order, params)
            trades: list[ModelTrade] = []
            self._immediate = trades
            try:
                self._enter(order)
            finally:
                self._immediate = None
            return Outcome(order, trades, order.expected_fields())
        return self._run(action)

    def _build(self, account: str, direction: str, params: dict) -> ModelOrder:
        order_type = params.get("type", "limit")
        amount = params["amount"]
        if not on_grid(amount, self.contract):
            raise ModelError("invalid_params", f"amount {amount} is not a multiple of the contract size")
        price = None if order_type in ("market", "stop_market", "take_market") else params.get("price")
        if order_type not in ("market", "stop_market", "take_market") and price is None:
            raise ModelError("invalid_params", "price is required for limit orders")
        if price is not None and not on_grid(price, self.tick):
            raise ModelError("invalid_params", f"price {price} is off the tick grid")
        tif = params.get("time_in_force", "good_til_cancelled")
        if params.get("post_only") and (tif != "good_til_cancelled" or price is None):
            raise ModelError("invalid_params", "post_only needs good_til_cancelled and a limit price (I-28)")
        if params.get("max_show") is not None and params["max_show"] > amount:
            raise ModelError("invalid_params", "max_show exceeds amount (I-30)")
        is_trigger = order_type.startswith(("stop_", "take_"))
        if is_trigger and (params.get("trigger") is None or params.get("trigger_price") is None):
            raise ModelError("invalid_params", "trigger orders need trigger and trigger_price (I-37)")
        if bool(params.get("linked_order_type")) != bool(params.get("otoco_config")):
            raise ModelError("invalid_params", "linked_order_type and otoco_config go together (I-38)")
        now = self._next()
        return ModelOrder(
            key=now, account=account, instrument_name=self.instrument_name, direction=direction, amount=amount,
            order_type=order_type, time_in_force=tif, price=price, label=params.get("label", ""),
            post_only=bool(params.get("post_only")), reduce_only=bool(params.get("reduce_only")),
            max_show=params.get("max_show"), mmp=bool(params.get("mmp")),
            trigger=params.get("trigger") if is_trigger else None,
            trigger_price=params.get("trigger_price") if is_trigger else None,
            created=now, updated=now)

    def _enter(self, order: ModelOrder) -> None:
        self._touch(order)
        if order.reduce_only:
            reducible = self._reducible(order)
            if reducible <= 0:
                order.order_state = "rejected"
                return
            order.amount = min(order.amount, reducible)  # I-29: capped to the position
        if order.is_trigger_order:
            order.order_state = "untriggered"
            order.armed = True
            self._followups.append(self._check_triggers)
            return
        order.order_state = "open"
        self._execute(order)

    def _execute(self, order: ModelOrder) -> None:
        if order.time_in_force == "fill_or_kill" and not self._can_fill_completely(order):
            self._cancel(order, "fill_or_kill")
            return
        if order.post_only:
            order.price = self._post_only_price(order)
        self._match(order)
        if order.remaining <= 0:
            return
        if order.is_market or order.time_in_force in ("immediate_or_cancel", "fill_or_kill"):
            self._cancel(order, "immediate_or_cancel")
            return
        order.priority = self._next()

    def _crosses(self, taker: ModelOrder, maker_price: float) -> bool:
        if taker.price is None:
            return True
        return maker_price <= taker.price if taker.direction == "buy" else maker_price >= taker.price

    def _opposite(self, direction: str) -> str:
        return "sell" if direction == "buy" else "buy"

    def _can_fill_completely(self, order: ModelOrder) -> bool:
        available = sum(m.remaining for m in self.resting(self._opposite(order.direction))
                        if m is not order and self._crosses(order, m.price))
        needed = min(order.amount, self._reducible(order)) if order.reduce_only else order.amount
        return available + 1e-9 >= needed

    def _post_only_price(self, order: ModelOrder) -> float:
        best = self.best(self._opposite(order.direction))
        if best is None:
            return order.price
        if order.direction == "buy" and order.price >= best:
            return best - self.tick
        if order.direction == "sell" and order.price <= best:
            return best + self.tick
        return order.price

    def _reducible(self, order: ModelOrder) -> float:
        size = self.position(order.account).size
        return max(0.0, -size if order.direction == "buy" else size)

    def _cap(self, order: ModelOrder, amount: float) -> float:
        return min(amount, self._reducible(order)) if order.reduce_only else amount

    def _match(self, taker: ModelOrder) -> None:
        for maker in self.resting(self._opposite(taker.direction)):
            if taker.remaining <= 0 or not self._crosses(taker, maker.price):
                break
            if maker is taker or not maker.is_open:
                continue
            amount = self._cap(taker, min(taker.remaining, maker.remaining))
            if amount <= 0:
                break
            maker_amount = self._cap(maker, amount)
            if maker_amount <= 0:
                self._cancel(maker, "reduce_only")
                continue
            self._fill(taker, maker, maker.price, maker_amount)

    def _fill(self, taker: ModelOrder, maker: ModelOrder, price: float, amount: float) -> None:
        trade = ModelTrade(len(self.trades), taker.key, maker.key, price, amount, taker.direction)
        self.trades.append(trade)
        self.last_price = price
        for order in (maker, taker):
            order.filled_amount = round(order.filled_amount + amount, 10)
            order.filled_value += price * amount
            order.order_state = "filled" if order.remaining <= 0 else "partially_filled"
            order.trades.append(trade.seq)
            self._touch(order)
            self.position(order.account).apply(amount if order.direction == "buy" else -amount, price)
            self._followups.append(lambda o=order: self._after_fill(o))
        if self._immediate is not None:
            self._immediate.append(trade)
        self._followups.append(self._check_triggers)

    def _after_fill(self, order: ModelOrder) -> None:
        if order.is_primary_otoco:
            self._activate_secondaries(order)
        if order.is_secondary_oto and order.linked_order_type == "one_triggers_one_cancels_other":
            for key in self.orders[order.primary].secondaries:
                if key != order.key:
                    self._cancel(self.orders[key], "oco_other_closed")

    # ------------------------------------------------------------------ triggers (I-37)
    def trigger_fires(self, order: ModelOrder, source: float) -> bool:
        rising = (order.direction == "buy") == order.order_type.startswith("stop_")
        return source >= order.trigger_price if rising else source <= order.trigger_price

    def _check_triggers(self) -> None:
        waiting = sorted((o for o in self.orders.values() if o.order_state == "untriggered" and o.armed),
                         key=lambda o: o.created)
        for order in waiting:
            source = self.index_price if order.trigger == "index_price" else self.last_price
            if source is not None and order.order_state == "untriggered" and self.trigger_fires(order, source):
                order.armed = False
                order.order_state = "open"
                self._touch(order)
                self._execute(order)

    def set_index_price(self, price: float) -> None:
        self.index_price = price
        self._run(self._check_triggers)

    # ------------------------------------------------------------------ linked orders (I-38)
    def _attach_secondaries(self, primary: ModelOrder, params: dict) -> None:
        primary.linked_order_type = params["linked_order_type"]
        primary.trigger_fill_condition = params.get("trigger_fill_condition") or "first_hit"
        primary.is_primary_otoco = True
        primary.status_otoco = "active"
        for config in params["otoco_config"]:
            secondary = self._build(primary.account, config["direction"], {**config, "label": primary.label})
            secondary.order_state = "untriggered"
            secondary.is_secondary_oto = True
            secondary.primary = primary.key
            secondary.linked_order_type = primary.linked_order_type
            secondary.status_otoco = "draft"
            secondary.config_amount = config["amount"]
            primary.secondaries.append(secondary.key)
            self.orders[secondary.key] = secondary

    def secondary_target(self, primary: ModelOrder, secondary: ModelOrder) -> float:
        """How much of a secondary the primary's fills have activated so far."""
        full = secondary.config_amount
        condition = primary.trigger_fill_condition
        if condition == "complete_fill":
            return full if primary.remaining <= 0 else 0.0
        if condition == "incremental":
            return math.floor(full * primary.filled_amount / primary.amount / self.contract + 1e-9) * self.contract
        return full if primary.filled_amount > 0 else 0.0

    def _activate_secondaries(self, primary: ModelOrder) -> None:
        for key in primary.secondaries:
            secondary = self.orders[key]
            if not secondary.is_open:
                continue
            target = self.secondary_target(primary, secondary)
            if target <= 0:
                continue
            if secondary.status_otoco == "draft":
                secondary.amount = target
                secondary.status_otoco = "active"
                self._enter(secondary)
            elif target > secondary.amount:
                secondary.amount = target
                self._touch(secondary)

    # ------------------------------------------------------------------ cancel
    def _cancel(self, order: ModelOrder, reason: str) -> None:
        if not order.is_open:
            return
        order.order_state = "cancelled"
        order.cancel_reason = reason
        order.armed = False
        self._touch(order)
        if order.is_primary_otoco:
            self._followups.append(lambda: self._cancel_drafts(order))

    def _cancel_drafts(self, primary: ModelOrder) -> None:
        for key in primary.secondaries:
            secondary = self.orders[key]
            if secondary.status_otoco == "draft":
                self._cancel(secondary, "oto_primary_closed")

    def _own(self, account: str, key: int) -> ModelOrder:
        order = self.orders.get(key)
        if order is None or order.account != account:
            raise ModelError("not_found", f"order {key} is not {account}'s")
        return order

    def cancel(self, account: str, key: int) -> dict:
        """The cancelled order's fields as the response shows them."""
        def action() -> dict:
            order = self._own(account, key)
            if not order.is_open:
                raise ModelError("not_open_order", f"order is {order.order_state}")
            self._cancel(order, "user_request")
            return order.expected_fields()
        return self._run(action)

    def cancel_where(self, predicate: Callable[[ModelOrder], bool], reason: str = "user_request") -> list[ModelOrder]:
        """cancel_all / cancel_all_by_instrument: the orders open before and cancelled by the request."""
        before = [o for o in self.orders.values() if o.is_open]

        def action() -> None:
            for order in sorted((o for o in before if predicate(o)), key=lambda o: o.created):
                self._cancel(order, reason)
        self._run(action)
        return [o for o in before if o.order_state == "cancelled"]

    def cancel_all(self, account: str) -> list[ModelOrder]:
        return self.cancel_where(lambda o: o.account == account)

    def cancel_all_by_instrument(self, account: str, type_filter: str = "all") -> list[ModelOrder]:
        return self.cancel_where(lambda o: o.account == account and o.matches_type(type_filter))

    # ------------------------------------------------------------------ edit (I-31)
    def edit(self, account: str, key: int, amount: float, price: float | None = None,
             trigger_price: float | None = None) -> Outcome:
        def action() -> Outcome:
            order = self._own(account, key)
            if not order.is_open:
                raise ModelError("not_open_order", f"order is {order.order_state}")
            if not on_grid(amount, self.contract):
                raise ModelError("invalid_params", "amount is not a multiple of the contract size")
            if amount <= order.filled_amount:
                raise ModelError("invalid_params", "amount must exceed filled_amount (I-31)")
            new_price = None if order.is_market else (order.price if price is None else price)
            if new_price is not None and not on_grid(new_price, self.tick):
                raise ModelError("invalid_params", "price is off the tick grid")
            new_trigger = order.trigger_price
            if order.is_trigger_order and trigger_price is not None:
                new_trigger = trigger_price
            keeps_priority = new_price == order.price and amount <= order.amount
            order.amount, order.price, order.trigger_price = amount, new_price, new_trigger
            order.replaced = True
            if order.status_otoco == "draft":
                order.config_amount = amount
            self._touch(order)
            trades: list[ModelTrade] = []
            if order.order_state == "untriggered":
                self._followups.append(self._check_triggers)
            elif not keeps_priority:
                if order.post_only:
                    order.price = self._post_only_price(order)
                self._immediate = trades
                try:
                    self._match(order)
                finally:
                    self._immediate = None
                if order.remaining > 0:
                    order.priority = self._next()
            return Outcome(order, trades, order.expected_fields())
        return self._run(action)
