"""The exchange: order entry, matching, triggers, linked orders, MMP and the account's books.

Every public method runs one request to completion (matching, trigger cascades, OCO/OTO follow-ups)
and then publishes the notifications it produced. Small policy methods (``_fok_can_fill``,
``_post_only_price``, ``_reduce_cap`` ...) are the seams the fault catalogue wraps.
"""

import math
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

from reference_gateway.clock import Clock
from reference_gateway.config import Instrument
from reference_gateway.engine.book import OrderBook
from reference_gateway.engine.orders import MARKET_TYPES, Order, new_id
from reference_gateway.engine.positions import Position
from reference_gateway.errors import (
    INVALID_INSTRUMENT,
    INVALID_PARAMS,
    NOT_ENOUGH_FUNDS,
    NOT_FOUND,
    NOT_OPEN_ORDER,
    ORDER_REJECTED,
    PulseError,
)

DAY_MS = 86_400_000
HOUR_MS = 3_600_000
TRADING_DAY_ROLL_MS = 8 * HOUR_MS  # good_til_day orders expire at 08:00 UTC (I-27)

Publish = Callable[[str, object, str | None], None]


@dataclass
class MmpState:
    interval: float = 0.0
    frozen_time: float = 0.0
    quantity_limit: float = 0.0
    frozen_until: int = 0
    fills: deque = field(default_factory=deque)  # (timestamp_ms, amount)


@dataclass
class Account:
    account_id: str
    client_id: str
    email: str
    initial_balance: float
    creation_timestamp: int
    deposits: list[dict] = field(default_factory=list)
    settlements: list[dict] = field(default_factory=list)
    fee_volume: dict = field(default_factory=lambda: {"future": 0.0, "option": 0.0, "perpetual": 0.0})


def on_grid(value: float, step: float) -> bool:
    ratio = value / step
    return math.isfinite(ratio) and abs(ratio - round(ratio)) < 1e-7  # a huge price overflows the ratio


class Exchange:
    def __init__(self, config: dict, clock: Clock, publish: Publish) -> None:
        self.clock = clock
        self._publish = publish
        self.new_id: Callable[[], str] = new_id  # order and trade ids (a seam: another id format)
        self.limits = config["limits"]
        self.instruments = {i["instrument_name"]: Instrument(**i) for i in config["instruments"]}
        self.books = {name: OrderBook(name) for name in self.instruments}
        self.index_prices = dict(config["indices"])
        self.last_prices: dict[str, float] = {}
        self.orders: dict[str, Order] = {}
        self._live: dict[str, Order] = {}  # see _live_orders
        self.positions: dict[tuple[str, str], Position] = {}
        self.public_trades: dict[str, list[dict]] = {name: [] for name in self.instruments}
        self.user_trades: dict[str, list[dict]] = {}
        self.mmp: dict[tuple[str, str], MmpState] = {}
        self.change_ids: dict[str, int] = {name: 1 for name in self.instruments}  # change_id >= 1 (I-77)
        self._published_books: dict[str, dict] = {name: {"buy": {}, "sell": {}} for name in self.instruments}
        self._seq = 0
        self._trade_seq: dict[str, int] = {name: 0 for name in self.instruments}
        self._tick_direction: dict[str, int] = {}
        self._followups: deque = deque()
        self._request_trades: list[dict] | None = None
        self._changed_orders: dict[str, list[Order]] = {}
        self._changed_trades: dict[str, list[dict]] = {}
        now = clock.now_ms()
        self.start_ms = now
        self.accounts = {}
        for spec in config["accounts"]:
            account = Account(spec["account_id"], spec["client_id"], spec["email"], float(spec["balance"]), now - 30 * DAY_MS)
            account.deposits = seed_deposits(account, now)
            account.settlements = seed_settlements(account, now)
            self.accounts[account.account_id] = account
            self.user_trades[account.account_id] = []

    # ------------------------------------------------------------------ helpers
    def instrument(self, name: str, *, tradable: bool = True) -> Instrument:
        instrument = self.instruments.get(name)
        if instrument is None or (tradable and instrument.expired):
            raise PulseError(INVALID_INSTRUMENT, f"instrument {name!r} does not exist or is not active")
        return instrument

    def mark_price(self, instrument: Instrument) -> float:
        index = self.index_prices[instrument.price_index]
        if instrument.kind != "option":
            return index
        intrinsic = max(index - instrument.strike, 0) if instrument.option_type == "call" else max(instrument.strike - index, 0)
        return round(intrinsic + 500.0, 2)

    def _register(self, order: Order) -> None:
        self.orders[order.order_id] = order
        self._live[order.order_id] = order

    def _live_orders(self) -> list[Order]:
        """The orders that are still open, oldest first. Terminal states never reopen (I-25), so an order is
        dropped from the index the first time it is seen closed: scans stay proportional to open orders."""
        closed = [order_id for order_id, order in self._live.items() if not order.is_open]
        for order_id in closed:
            del self._live[order_id]
        return list(self._live.values())

    def _next_seq(self) -> int:
        self._seq += 1
        return self._seq

    def _touch(self, order: Order) -> None:
        order.last_update_timestamp = self.clock.now_ms()
        self._changed_orders.setdefault(order.account_id, []).append(order)

    def _own_order(self, account_id: str, order_id: str) -> Order:
        order = self.orders.get(order_id)
        if order is None or order.account_id != account_id:
            raise PulseError(NOT_FOUND, f"order {order_id!r} not found")
        return order

    def position(self, account_id: str, instrument: Instrument) -> Position:
        key = (account_id, instrument.instrument_name)
        if key not in self.positions:
            self.positions[key] = Position(instrument)
        return self.positions[key]

    # ------------------------------------------------------------------ request frame
    def _run(self, action: Callable[[], object]) -> object:
        """Run one request: the action, its follow-ups, then publish what changed."""
        self._changed_orders, self._changed_trades = {}, {}
        try:
            result = action()
            self._drain_followups()
        finally:
            self._flush()
        return result

    def _drain_followups(self) -> None:
        guard = 0
        while self._followups:
            guard += 1
            if guard > 10_000:
                raise RuntimeError("follow-up cascade did not settle")
            self._followups.popleft()()

    # ------------------------------------------------------------------ order entry
    def place_order(self, account_id: str, direction: str, params: dict, connection_id: str | None) -> dict:
        return self._run(lambda: self._place(account_id, direction, params, connection_id))

    def _place(self, account_id: str, direction: str, params: dict, connection_id: str | None) -> dict:
        instrument = self.instrument(params["instrument_name"])
        order = self._build_order(account_id, direction, params, instrument, connection_id)
        self._check_funds(account_id, instrument, order)
        if order.mmp:
            self._check_mmp_not_frozen(account_id, instrument)
        self._register(order)
        if params.get("linked_order_type"):
            self._attach_secondaries(order, params)
        trades: list[dict] = []
        self._request_trades = trades
        try:
            self._enter(order)
        finally:
            self._request_trades = None
        return {"order": order.to_wire(), "trades": trades}

    def _build_order(self, account_id, direction, params, instrument, connection_id) -> Order:
        order_type = params["type"]
        amount = params["amount"]
        if not on_grid(amount, instrument.contract_size):
            raise PulseError(INVALID_PARAMS, f"amount {amount} is not a multiple of contract_size {instrument.contract_size}")
        price = params.get("price")
        if order_type in MARKET_TYPES:
            price = None
        elif price is None:
            raise PulseError(INVALID_PARAMS, f"price is required for {order_type} orders")
        elif not on_grid(price, instrument.tick_size):
            raise PulseError(INVALID_PARAMS, f"price {price} is not on the tick grid {instrument.tick_size}")
        trigger = params.get("trigger")
        trigger_price = params.get("trigger_price")
        if order_type.startswith(("stop_", "take_")):
            if trigger is None or trigger_price is None:
                raise PulseError(INVALID_PARAMS, f"{order_type} orders need trigger and trigger_price")
            if not on_grid(trigger_price, instrument.tick_size):
                raise PulseError(INVALID_PARAMS, f"trigger_price {trigger_price} is not on the tick grid")
        else:
            trigger = trigger_price = None
        tif = params["time_in_force"]
        if params["post_only"] and tif != "good_til_cancelled":
            raise PulseError(INVALID_PARAMS, "post_only is only valid with time_in_force good_til_cancelled")
        if params["post_only"] and order_type in MARKET_TYPES:
            raise PulseError(INVALID_PARAMS, "post_only is not valid for market orders")
        max_show = params.get("max_show")
        if max_show is not None and max_show > amount:
            raise PulseError(INVALID_PARAMS, "max_show must not exceed amount")
        if params.get("linked_order_type") and not params.get("otoco_config"):
            raise PulseError(INVALID_PARAMS, "linked_order_type needs a non-empty otoco_config")
        if params.get("otoco_config") and not params.get("linked_order_type"):
            raise PulseError(INVALID_PARAMS, "otoco_config needs linked_order_type")
        now = self.clock.now_ms()
        return Order(
            order_id=self.new_id(), account_id=account_id, instrument_name=instrument.instrument_name,
            direction=direction, amount=amount, order_type=order_type, time_in_force=tif, price=price,
            label=params["label"], post_only=params["post_only"], reduce_only=params["reduce_only"],
            max_show=max_show, mmp=params["mmp"], trigger=trigger, trigger_price=trigger_price,
            creation_timestamp=now, last_update_timestamp=now, connection_id=connection_id,
        )

    def _check_funds(self, account_id: str, instrument: Instrument, order: Order) -> None:
        limit = self.account_balance(account_id) * self.limits["max_leverage"]
        exposure = sum(self._notional(o.instrument_name, o.remaining, o.price) for o in self._live_orders()
                       if o.account_id == account_id)
        exposure += sum(self._notional(name, abs(p.size), p.average_price) for (acc, name), p in self.positions.items()
                        if acc == account_id)
        if exposure + self._notional(instrument.instrument_name, order.amount, order.price) > limit:
            raise PulseError(NOT_ENOUGH_FUNDS, "the order would exceed the account's margin")

    def _notional(self, instrument_name: str, amount: float, price: float | None) -> float:
        instrument = self.instruments[instrument_name]
        if instrument.kind == "option":
            return amount * (price or self.mark_price(instrument))
        return amount

    def _enter(self, order: Order) -> None:
        """A new or activated order arrives at the matching engine."""
        self._touch(order)
        if order.reduce_only:
            reducible = self._reduce_cap(order, order.amount)
            if reducible <= 0:
                order.order_state = "rejected"
                return
            order.amount = reducible  # I-29: capped to the position
        if order.is_trigger_order:
            order.order_state = "untriggered"
            order.armed = True
            self._followups.append(lambda: self._check_triggers(order.instrument_name))
            return
        order.order_state = "open"
        self._execute(order)

    def _execute(self, order: Order) -> None:
        """Time in force, post_only, matching, then rest or cancel the remainder (I-27, I-28)."""
        if order.time_in_force == "fill_or_kill" and not self._fok_can_fill(order):
            self._cancel(order, "fill_or_kill")
            return
        if order.post_only:
            order.price = self._post_only_price(order)
        self._match(order)
        if order.remaining <= 0:
            return
        if not self._rests_remainder(order):
            self._cancel(order, "immediate_or_cancel")
            return
        order.seq = self._next_seq()
        self.books[order.instrument_name].add(order)

    def _rests_remainder(self, order: Order) -> bool:
        """Market, IOC and FOK remainders never rest (I-27)."""
        return order.order_type not in MARKET_TYPES and order.time_in_force not in ("immediate_or_cancel", "fill_or_kill")

    def _crosses(self, order: Order, maker_price: float) -> bool:
        if order.price is None:
            return True
        return maker_price <= order.price if order.direction == "buy" else maker_price >= order.price

    def _fok_can_fill(self, order: Order) -> bool:
        available = 0.0
        for maker in self.books[order.instrument_name].makers_against(order.direction):
            if not self._crosses(order, maker.price):
                break
            available += maker.remaining
        return available + 1e-9 >= min(order.amount, self._reduce_cap(order, order.amount))

    def _post_only_price(self, order: Order) -> float:
        """Reprice a post-only order that would take to just inside the spread (I-28)."""
        book = self.books[order.instrument_name]
        tick = self.instruments[order.instrument_name].tick_size
        if order.direction == "buy":
            best_ask = book.best("sell")
            if best_ask is not None and order.price >= best_ask:
                return round(best_ask - tick, 10)
        else:
            best_bid = book.best("buy")
            if best_bid is not None and order.price <= best_bid:
                return round(best_bid + tick, 10)
        return order.price

    def _reduce_cap(self, order: Order, amount: float) -> float:
        """How much of ``amount`` a (reduce-only) order may trade without growing the position."""
        if not order.reduce_only:
            return amount
        size = self.position(order.account_id, self.instruments[order.instrument_name]).size
        reducible = -size if order.direction == "buy" else size
        return max(0.0, min(amount, reducible))

    def _match(self, taker: Order) -> None:
        book = self.books[taker.instrument_name]
        for maker in book.makers_against(taker.direction):
            if taker.remaining <= 0 or not self._crosses(taker, maker.price):
                break
            if not maker.is_open:
                continue
            amount = self._reduce_cap(taker, min(taker.remaining, maker.remaining))
            if amount <= 0:
                break
            maker_amount = self._reduce_cap(maker, amount)
            if maker_amount <= 0:
                book.remove(maker)
                self._cancel(maker, "reduce_only")
                continue
            self._fill(taker, maker, maker.price, maker_amount)

    # ------------------------------------------------------------------ fills and trades
    def _fill(self, taker: Order, maker: Order, price: float, amount: float) -> None:
        instrument = self.instruments[taker.instrument_name]
        now = self.clock.now_ms()
        trade_id = self.new_id()
        self._trade_seq[instrument.instrument_name] += 1
        seq = self._trade_seq[instrument.instrument_name]
        tick_direction = self._next_tick_direction(instrument.instrument_name, price)
        self.last_prices[instrument.instrument_name] = price
        index_price = self.index_prices[instrument.price_index]
        mark = self.mark_price(instrument)
        public = {
            "amount": amount, "api": True, "direction": taker.direction, "index_price": index_price,
            "instrument_name": instrument.instrument_name, "mark_price": mark, "price": price,
            "tick_direction": tick_direction, "timestamp": now, "trade_id": trade_id, "trade_seq": seq,
        }
        if instrument.kind == "option":
            public["mark_iv"] = 50.0
        self.public_trades[instrument.instrument_name].append(public)
        for order in (maker, taker):
            order.filled_amount = round(order.filled_amount + amount, 10)
            order.filled_value += price * amount
            order.order_state = "filled" if order.remaining <= 0 else "partially_filled"
            self._touch(order)
            signed = amount if order.direction == "buy" else -amount
            self.position(order.account_id, instrument).apply_fill(signed, price)
            user_trade = {**public, "direction": order.direction, "order_id": order.order_id,
                          "liquidity": "M" if order is maker else "T", "label": order.label,
                          "order_type": order.order_type, "state": order.order_state}
            self.user_trades[order.account_id].append(user_trade)
            self._changed_trades.setdefault(order.account_id, []).append(user_trade)
            self._count_fee_volume(order.account_id, instrument, amount)
            if order.mmp:
                self._record_mmp_fill(order, amount)
            self._followups.append(lambda o=order, a=amount: self._after_fill(o, a))
        if maker.remaining <= 0:
            self.books[maker.instrument_name].remove(maker)
        if self._request_trades is not None:
            confirmation = {
                **public, "label": taker.label, "order_id": taker.order_id, "order_type": taker.order_type,
                "state": taker.order_state, "underlying_index": "index_price", "underlying_price": index_price,
            }
            if instrument.kind == "option":
                confirmation.pop("mark_iv", None)
                confirmation["advanced"] = "usd"
            self._request_trades.append(confirmation)
        self._followups.append(lambda: self._check_triggers(instrument.instrument_name))

    def _next_tick_direction(self, instrument_name: str, price: float) -> int:
        previous = self.last_prices.get(instrument_name)
        last_direction = self._tick_direction.get(instrument_name, 0)
        if previous is None or price > previous:
            direction = 0
        elif price < previous:
            direction = 2
        else:
            direction = 1 if last_direction in (0, 1) else 3
        self._tick_direction[instrument_name] = direction
        return direction

    def _count_fee_volume(self, account_id: str, instrument: Instrument, amount: float) -> None:
        kind = "option" if instrument.kind == "option" else "perpetual" if instrument.is_perpetual else "future"
        self.accounts[account_id].fee_volume[kind] += amount

    def _after_fill(self, order: Order, amount: float) -> None:
        if order.is_primary_otoco:
            self._activate_secondaries(order)
        if order.is_secondary_oto and order.linked_order_type == "one_triggers_one_cancels_other":
            self._cancel_oco_siblings(order)

    # ------------------------------------------------------------------ triggers
    def _trigger_source_price(self, order: Order) -> float | None:
        instrument = self.instruments[order.instrument_name]
        if order.trigger == "index_price":
            return self.index_prices[instrument.price_index]
        return self.last_prices.get(order.instrument_name)

    def _trigger_fires(self, order: Order, price: float) -> bool:
        stop = order.order_type.startswith("stop_")
        rising = (order.direction == "buy") == stop  # stop buy / take sell fire on a rise (I-37)
        return price >= order.trigger_price if rising else price <= order.trigger_price

    def _check_triggers(self, instrument_name: str) -> None:
        waiting = sorted((o for o in self._live_orders() if o.instrument_name == instrument_name
                          and o.order_state == "untriggered" and o.armed), key=lambda o: o.creation_timestamp)
        for order in waiting:
            price = self._trigger_source_price(order)
            if price is not None and order.order_state == "untriggered" and self._trigger_fires(order, price):
                self._fire(order)

    def _fire(self, order: Order) -> None:
        """A fired trigger order keeps its id and trades as its limit/market counterpart (I-25)."""
        order.armed = False
        order.order_state = "open"
        self._touch(order)
        self._execute(order)

    # ------------------------------------------------------------------ linked orders
    def _attach_secondaries(self, primary: Order, params: dict) -> None:
        primary.linked_order_type = params["linked_order_type"]
        primary.trigger_fill_condition = params.get("trigger_fill_condition") or "first_hit"
        primary.is_primary_otoco = True
        primary.status_otoco = "active"
        instrument = self.instruments[primary.instrument_name]
        for config in params["otoco_config"]:
            secondary = self._build_order(primary.account_id, config["direction"], {
                **config, "instrument_name": primary.instrument_name, "label": primary.label,
                "post_only": False, "reduce_only": False, "mmp": False,
            }, instrument, primary.connection_id)
            secondary.order_state = "untriggered"
            secondary.is_secondary_oto = True
            secondary.primary_order_id = primary.order_id
            secondary.linked_order_type = primary.linked_order_type
            secondary.status_otoco = "draft"
            secondary.otoco_template = dict(config)
            primary.oto_order_ids.append(secondary.order_id)
            self._register(secondary)
            self._touch(secondary)

    def _secondary_target_amount(self, primary: Order, secondary: Order) -> float:
        condition = primary.trigger_fill_condition
        full = secondary.otoco_template["amount"]
        if condition == "complete_fill":
            return full if primary.remaining <= 0 else 0.0
        if condition == "incremental":
            step = self.instruments[secondary.instrument_name].contract_size
            return math.floor(full * primary.filled_amount / primary.amount / step + 1e-9) * step
        return full if primary.filled_amount > 0 else 0.0

    def _activate_secondaries(self, primary: Order) -> None:
        for order_id in primary.oto_order_ids:
            secondary = self.orders[order_id]
            if secondary.order_state not in ("untriggered", "open", "partially_filled"):
                continue
            target = self._secondary_target_amount(primary, secondary)
            if target <= 0:
                continue
            if secondary.status_otoco == "draft":
                secondary.amount = target
                secondary.status_otoco = "active"
                self._enter(secondary)
            elif target > secondary.amount:
                secondary.amount = target
                self._touch(secondary)

    def _cancel_oco_siblings(self, executed: Order) -> None:
        primary = self.orders.get(executed.primary_order_id)
        if primary is None:
            return
        for order_id in primary.oto_order_ids:
            sibling = self.orders[order_id]
            if sibling is not executed and sibling.is_open:
                self._cancel(sibling, "oco_other_closed")

    def _cancel_draft_secondaries(self, primary: Order) -> None:
        for order_id in primary.oto_order_ids:
            secondary = self.orders[order_id]
            if secondary.status_otoco == "draft" and secondary.is_open:
                self._cancel(secondary, "oto_primary_closed")

    # ------------------------------------------------------------------ cancel
    def _cancel(self, order: Order, reason: str) -> None:
        if not order.is_open:
            return
        self.books[order.instrument_name].remove(order)
        order.order_state = "cancelled"
        order.cancel_reason = reason
        order.armed = False
        self._touch(order)
        if order.is_primary_otoco:
            self._followups.append(lambda: self._cancel_draft_secondaries(order))

    def cancel(self, account_id: str, order_id: str) -> dict:
        def action():
            order = self._own_order(account_id, order_id)
            if not order.is_open:
                raise PulseError(NOT_OPEN_ORDER, f"order {order_id} is {order.order_state}")
            self._cancel(order, "user_request")
            return order.to_wire()
        return self._run(action)

    def _cancel_where(self, predicate: Callable[[Order], bool], reason: str) -> list[dict]:
        def action():
            before = list(self._live_orders())
            for order in sorted((o for o in before if predicate(o)), key=lambda o: o.creation_timestamp):
                self._cancel(order, reason)
            self._drain_followups()
            return [o for o in before if o.order_state == "cancelled"]
        return [order.to_wire() for order in self._run(action)]

    def cancel_all(self, account_id: str) -> list[dict]:
        return self._cancel_where(lambda o: o.account_id == account_id, "user_request")

    def cancel_all_by_instrument(self, account_id: str, instrument_name: str, order_type: str) -> list[dict]:
        self.instrument(instrument_name, tradable=False)
        return self._cancel_where(
            lambda o: o.account_id == account_id and o.instrument_name == instrument_name
            and self._type_matches(o, order_type), "user_request")

    @staticmethod
    def _type_matches(order: Order, order_type: str) -> bool:
        if order_type == "all":
            return True
        if order_type == "trigger_all":
            return order.is_trigger_order
        return order.order_type == order_type

    def cancel_connection_orders(self, connection_id: str) -> list[dict]:
        return self._cancel_where(lambda o: o.connection_id == connection_id, "cancel_on_disconnect")

    def cancel_account_orders(self, account_id: str, reason: str) -> list[dict]:
        return self._cancel_where(lambda o: o.account_id == account_id, reason)

    # ------------------------------------------------------------------ edit
    def edit(self, account_id: str, params: dict) -> dict:
        def action():
            order = self._own_order(account_id, params["order_id"])
            if not order.is_open:
                raise PulseError(NOT_OPEN_ORDER, f"order {order.order_id} is {order.order_state}")
            instrument = self.instruments[order.instrument_name]
            amount = params["amount"]
            if not on_grid(amount, instrument.contract_size):
                raise PulseError(INVALID_PARAMS, f"amount {amount} is not a multiple of contract_size")
            if amount <= order.filled_amount:
                raise PulseError(INVALID_PARAMS, "amount must exceed the filled amount")
            price = params.get("price", order.price)
            if order.order_type in MARKET_TYPES:
                price = None
            elif price is not None and not on_grid(price, instrument.tick_size):
                raise PulseError(INVALID_PARAMS, f"price {price} is not on the tick grid")
            trigger_price = params.get("trigger_price", order.trigger_price) if order.is_trigger_order else None
            if trigger_price is not None and not on_grid(trigger_price, instrument.tick_size):
                raise PulseError(INVALID_PARAMS, f"trigger_price {trigger_price} is not on the tick grid")
            keeps_priority = price == order.price and amount <= order.amount
            if not keeps_priority:  # leave the book at the old price level before the price changes
                self.books[order.instrument_name].remove(order)
            order.amount, order.price, order.trigger_price = amount, price, trigger_price
            order.replaced = True
            if order.otoco_template is not None and order.status_otoco == "draft":
                order.otoco_template.update(amount=amount, price=price, trigger_price=trigger_price)
            self._touch(order)
            trades: list[dict] = []
            if order.order_state == "untriggered":
                self._followups.append(lambda: self._check_triggers(order.instrument_name))
            elif not keeps_priority:
                if order.post_only:
                    order.price = self._post_only_price(order)
                self._request_trades = trades
                try:
                    self._match(order)
                finally:
                    self._request_trades = None
                if order.remaining > 0:
                    order.seq = self._next_seq()
                    self.books[order.instrument_name].add(order)
            return {"order": order.to_wire(), "trades": trades}  # as the edit left it, before follow-ups (I-105)
        return self._run(action)

    # ------------------------------------------------------------------ MMP
    def _mmp_state(self, account_id: str, index_name: str) -> MmpState:
        return self.mmp.setdefault((account_id, index_name), MmpState())

    def _check_mmp_not_frozen(self, account_id: str, instrument: Instrument) -> None:
        state = self._mmp_state(account_id, instrument.price_index)
        if self.clock.now_ms() < state.frozen_until:
            raise PulseError(ORDER_REJECTED, f"mmp frozen until {state.frozen_until}")

    def _record_mmp_fill(self, order: Order, amount: float) -> None:
        instrument = self.instruments[order.instrument_name]
        state = self._mmp_state(order.account_id, instrument.price_index)
        if state.interval <= 0 or state.quantity_limit <= 0:
            return
        now = self.clock.now_ms()
        state.fills.append((now, amount))
        while state.fills and state.fills[0][0] < now - state.interval * 1000:
            state.fills.popleft()
        if self._mmp_breached(state):
            state.fills.clear()
            state.frozen_until = now + int(state.frozen_time * 1000)
            index = instrument.price_index
            self._followups.append(lambda: self._trigger_mmp(order.account_id, index, state.frozen_until))

    def _mmp_breached(self, state: MmpState) -> bool:
        return sum(amount for _, amount in state.fills) >= state.quantity_limit

    def _trigger_mmp(self, account_id: str, index_name: str, frozen_until: int) -> None:
        for order in sorted(self._live_orders(), key=lambda o: o.creation_timestamp):
            if (order.account_id == account_id and order.mmp and order.is_open
                    and self.instruments[order.instrument_name].price_index == index_name):
                self._cancel(order, "mmp_trigger")
        self._publish(f"user.mmp_trigger.{index_name}", {"frozen_until": frozen_until, "index_name": index_name},
                      account_id)

    def set_mmp_config(self, account_id: str, params: dict) -> dict:
        state = self._mmp_state(account_id, params["index_name"])
        state.interval, state.frozen_time = params["interval"], params["frozen_time"]
        state.quantity_limit = params["quantity_limit"]
        state.frozen_until = 0  # "triggers MMP reset"
        state.fills.clear()
        return self.get_mmp_config(account_id, params["index_name"])

    def get_mmp_config(self, account_id: str, index_name: str) -> dict:
        state = self._mmp_state(account_id, index_name)
        return {"frozen_time": state.frozen_time, "index_name": index_name, "interval": state.interval,
                "quantity_limit": state.quantity_limit}

    # ------------------------------------------------------------------ time and index
    def tick(self) -> None:
        """Housekeeping on the (possibly moved) clock: good_til_day expiry."""
        now = self.clock.now_ms()
        expired = [o for o in self._live_orders() if o.time_in_force == "good_til_day"
                   and now >= next_trading_day_roll(o.creation_timestamp)]
        if expired:
            ids = {o.order_id for o in expired}
            self._cancel_where(lambda o: o.order_id in ids, "good_til_day")

    def set_index_price(self, index_name: str, price: float) -> None:
        def action():
            self.index_prices[index_name] = price
            for name, instrument in self.instruments.items():
                if instrument.price_index == index_name:
                    self._check_triggers(name)
        self._run(action)
        self._publish(f"deribit_price_index.{index_name}", self.price_index_data(index_name), None)

    def price_index_data(self, index_name: str) -> dict:
        return {"index_name": index_name, "price": self.index_prices[index_name], "timestamp": self.clock.now_ms()}

    # ------------------------------------------------------------------ publication
    def _flush(self) -> None:
        for account_id, orders in self._changed_orders.items():
            unique = list({o.order_id: o for o in orders}.values())
            trades = self._changed_trades.get(account_id, [])
            by_instrument: dict[str, dict] = {}
            for order in unique:
                self._publish(f"user.orders.{order.instrument_name}.raw", order.to_wire(), account_id)
                by_instrument.setdefault(order.instrument_name, {"orders": [], "trades": []})["orders"].append(order.to_wire())
            for trade in trades:
                self._publish(f"user.trades.{trade['instrument_name']}.raw", public_user_trade(trade), account_id)
                by_instrument.setdefault(trade["instrument_name"], {"orders": [], "trades": []})["trades"].append(public_user_trade(trade))
            for name, changes in by_instrument.items():
                self._publish(f"user.changes.{name}.raw", changes, account_id)
            if trades:
                self._publish("user_fee", self.user_fee(account_id), account_id)
        for name in self.instruments:
            self._publish_book_changes(name)
        self._changed_orders, self._changed_trades = {}, {}

    def book_state(self, instrument_name: str) -> dict:
        book = self.books[instrument_name]
        return {side: {price: amount for price, amount in book.visible_levels(side)} for side in ("buy", "sell")}

    def _publish_book_changes(self, instrument_name: str) -> None:
        before = self._published_books[instrument_name]
        after = self.book_state(instrument_name)
        if before == after:
            return
        changes = {}
        for side in ("buy", "sell"):
            levels = []
            for price in sorted(set(before[side]) | set(after[side])):
                old, new = before[side].get(price), after[side].get(price)
                if old is None:
                    levels.append(["new", price, new])
                elif new is None:
                    levels.append(["delete", price, 0.0])
                elif old != new:
                    levels.append(["change", price, new])
            changes[side] = levels
        previous = self.change_ids[instrument_name]
        self.change_ids[instrument_name] = previous + 1
        self._published_books[instrument_name] = after
        self._publish(f"book.{instrument_name}.raw", {
            "type": "change", "asks": changes["sell"], "bids": changes["buy"],
            "change_id": previous + 1, "prev_change_id": previous,
            "instrument_name": instrument_name, "timestamp": self.clock.now_ms(),
        }, None)
        self._publish(f"quote.{instrument_name}", self.quote(instrument_name), None)

    def book_snapshot(self, instrument_name: str) -> dict:
        state = self._published_books[instrument_name]
        return {
            "type": "snapshot",
            "asks": [["new", price, amount] for price, amount in sorted(state["sell"].items())],
            "bids": [["new", price, amount] for price, amount in sorted(state["buy"].items(), reverse=True)],
            "change_id": self.change_ids[instrument_name], "prev_change_id": 0,
            "instrument_name": instrument_name, "timestamp": self.clock.now_ms(),
        }

    def quote(self, instrument_name: str) -> dict:
        book = self.books[instrument_name]
        bids, asks = book.visible_levels("buy"), book.visible_levels("sell")
        return {
            "best_ask_amount": asks[0][1] if asks else 0.0, "best_ask_price": asks[0][0] if asks else None,
            "best_bid_amount": bids[0][1] if bids else 0.0, "best_bid_price": bids[0][0] if bids else None,
            "instrument_name": instrument_name, "timestamp": self.clock.now_ms(),
        }

    def user_fee(self, account_id: str) -> dict:
        volume = self.accounts[account_id].fee_volume
        return {kind: {"percentage": 0.0, "volume": volume[kind]} for kind in ("future", "option", "perpetual")} | {
            "user_id": account_id}

    # ------------------------------------------------------------------ account views
    def account_balance(self, account_id: str) -> float:
        account = self.accounts[account_id]
        realized = sum(p.realized for (acc, _), p in self.positions.items() if acc == account_id)
        return account.initial_balance + realized


def public_user_trade(trade: dict) -> dict:
    """A user trade as models.TradesResponse (plus Deribit's order_id)."""
    keys = ("amount", "api", "direction", "index_price", "instrument_name", "mark_iv", "mark_price", "price",
            "tick_direction", "timestamp", "trade_id", "trade_seq", "order_id")
    return {key: trade[key] for key in keys if key in trade}


def next_trading_day_roll(timestamp_ms: int) -> int:
    day_start = timestamp_ms - timestamp_ms % DAY_MS
    roll = day_start + TRADING_DAY_ROLL_MS
    return roll if roll > timestamp_ms else roll + DAY_MS


def seed_deposits(account: Account, now: int) -> list[dict]:
    """The deposits that funded the account: they add up to its initial balance, newest first."""
    shares = (0.5, 0.3, 0.2)
    return [
        {"amount": round(account.initial_balance * share, 2), "currency": "USD",
         "received_timestamp": now - (i + 1) * 7 * DAY_MS, "state": "completed",
         "transaction_id": f"{account.account_id[:16]}{i:08x}"}
        for i, share in enumerate(shares)
    ]


def seed_settlements(account: Account, now: int) -> list[dict]:
    entries = []
    for i, kind in enumerate(("settlement", "settlement", "delivery")):
        entries.append({"index_price": f"{60000.0 - 250 * i:.1f}", "instrument_name": "BTC_USD-26JUN26",
                        "position": "long" if i % 2 == 0 else "short", "profit_loss": f"{125.5 * (i + 1):.1f}",
                        "timestamp": now - (i + 1) * DAY_MS, "type": kind})
    return entries
