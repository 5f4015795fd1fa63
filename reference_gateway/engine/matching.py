"""Order entry, matching, fills, triggers, cancel and edit: the part of ``Exchange`` that trades.

Mixed into ``Exchange`` (engine/exchange.py), whose state it uses. Small policy methods (``_fok_can_fill``,
``_post_only_price``, ``_reduce_cap``, ``_rests_remainder``, ``_trigger_fires`` ...) are the seams the fault
catalogue wraps on the instance.
"""

import math
from collections.abc import Callable

from reference_gateway.config import Instrument
from reference_gateway.engine.orders import MARKET_TYPES, Order
from reference_gateway.errors import INVALID_PARAMS, NOT_ENOUGH_FUNDS, NOT_OPEN_ORDER, PulseError


def on_grid(value: float, step: float) -> bool:
    ratio = value / step
    return math.isfinite(ratio) and abs(ratio - round(ratio)) < 1e-7  # a huge price overflows the ratio


class Matching:
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
