"""The shadow model: one instrument, the suite's own orders, two or more accounts.

It is a ledger, not an engine: a list of order records, a list of trades, a log of what happened, and the
book as a sorted view of the records computed when asked (``views.book_side``). The doc's rules are the
tables of ``harness.model.rules``; this module only applies them, in this order:

- a request runs whole: the order enters (reduce_only cap or rejection, I-29; trigger orders wait, I-37),
  takes from the book at price-time priority (post_only repriced outside the spread first, I-28; FOK all
  or nothing, IOC and market remainders cancelled, I-27), and its remainder rests (I-30: max_show only
  changes what others see);
- then the log is read from where it was last read, entry by entry, and each entry's consequences are
  applied (which may log more): a trade lets each of its two orders release its linked secondaries or
  cancel its OCO siblings (maker first, I-38), then fires every trigger now met (oldest order first, I-37,
  I-100); a cancelled primary cancels its draft secondaries (I-38); a trigger order starting to wait, or the
  index moving, fires what is met;
- an account may trade with its own resting order like any other (I-103).
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from harness.model import rules
from harness.model.records import Holding, ModelOrder, ModelTrade


class ModelError(Exception):
    """The model predicts the gateway must refuse the request with this error kind (I-04 names)."""

    def __init__(self, kind: str, reason: str) -> None:
        super().__init__(f"{kind}: {reason}")
        self.kind, self.reason = kind, reason


@dataclass
class Outcome:
    """What one buy/sell/edit must answer (I-105): the order as its own entry left it and the trades it took."""

    order: ModelOrder
    trades: list[ModelTrade] = field(default_factory=list)
    fields: dict = field(default_factory=dict)


def other_side(direction: str) -> str:
    return "sell" if direction == "buy" else "buy"


def reaches(order: ModelOrder, level: float) -> bool:
    """Would ``order`` trade at a resting ``level``? A market order reaches every level."""
    if order.price is None:
        return True
    return level <= order.price if order.direction == "buy" else level >= order.price


class Ledger:
    def __init__(self, instrument_name: str, tick_size: float, contract_size: float, *, index_price: float,
                 last_price: float | None = None, positions: dict[str, Holding] | None = None,
                 foreign_best: dict[str, float | None] | None = None) -> None:
        self.instrument_name, self.tick, self.contract = instrument_name, tick_size, contract_size
        self.index_price, self.last_price = index_price, last_price
        self.opening = dict(positions or {})  # each account's position when the model started watching
        # best foreign bid/ask outside the suite's band: post_only reprices against the whole book (I-28)
        self.foreign_best = foreign_best or {"buy": None, "sell": None}
        self.orders: list[ModelOrder] = []
        self.trades: list[ModelTrade] = []
        self.log: list[tuple] = []  # ("traded", seq) | ("cancelled", key) | ("waiting", key) | ("index_moved",)
        self.read_upto = 0  # log entries whose consequences are applied
        self.clock = 0

    # ------------------------------------------------------------------ reading the ledger
    def now(self) -> int:
        self.clock += 1
        return self.clock

    def changed(self, order: ModelOrder) -> None:
        order.updated = self.now()

    def position(self, account: str) -> Holding:
        """The opening position with every fill of the account since folded in, in execution order."""
        held = self.opening.get(account, Holding())
        size, entry, realised = held.size, held.average_price, held.realized
        for trade in self.trades:
            for key in (trade.maker, trade.taker):
                order = self.orders[key]
                if order.account == account:
                    signed = trade.amount if order.direction == "buy" else -trade.amount
                    size, entry, realised = rules.position_after(size, entry, realised, signed, trade.price)
        return Holding(size, entry, realised)

    def in_book(self, direction: str) -> list[ModelOrder]:
        """The suite's resting orders of one side, best price first, then oldest place in the book."""
        side = [o for o in self.orders if o.direction == direction and o.order_state in rules.IN_BOOK]
        return sorted(side, key=lambda o: (-o.price if direction == "buy" else o.price, o.rested_at))

    def best(self, direction: str) -> float | None:
        prices = [o.price for o in self.in_book(direction)]
        if self.foreign_best.get(direction) is not None:
            prices.append(self.foreign_best[direction])
        if not prices:
            return None
        return max(prices) if direction == "buy" else min(prices)

    def reducible(self, order: ModelOrder) -> float:
        """How much a reduce_only order of this direction may still trade (I-29)."""
        size = self.position(order.account).size
        return max(0.0, size if order.direction == "sell" else -size)

    def owned(self, account: str, key: int) -> ModelOrder:
        if not 0 <= key < len(self.orders) or self.orders[key].account != account:
            raise ModelError("not_found", f"order {key} is not {account}'s")
        return self.orders[key]

    # ------------------------------------------------------------------ requests
    def request(self, act: Callable[[], object]) -> object:
        """Run one request whole: its own effect, then the consequences of everything it logged."""
        answer = act()
        while self.read_upto < len(self.log):
            entry = self.log[self.read_upto]
            self.read_upto += 1
            CONSEQUENCES[entry[0]](self, *entry[1:])
        return answer

    def place(self, account: str, direction: str, params: dict) -> Outcome:
        """private/buy or private/sell with ``params`` as sent (instrument, amount, type, ...)."""
        request = {"type": "limit", **params}
        configs = request.get("otoco_config") or []
        for sent in (request, *({**c, "type": c.get("type", "limit")} for c in configs)):
            broken = rules.broken_constraint(sent, {"tick": self.tick, "contract": self.contract})
            if broken:
                raise ModelError("invalid_params", broken)

        def act() -> Outcome:
            order = self.record(account, direction, request, "open")
            if request.get("linked_order_type"):
                order.linked_order_type = request["linked_order_type"]
                order.trigger_fill_condition = request.get("trigger_fill_condition") or "first_hit"
                order.status_otoco = "active"
                for config in configs:
                    secondary = self.record(account, config["direction"], {**config, "label": order.label},
                                            "untriggered")
                    secondary.primary, secondary.linked_order_type = order.key, order.linked_order_type
                    secondary.status_otoco, secondary.config_amount = "draft", config["amount"]
                    order.secondaries.append(secondary.key)
            first = len(self.trades)
            self.enter(order)
            return Outcome(order, self.trades[first:], order.expected_fields())
        return self.request(act)

    def record(self, account: str, direction: str, sent: dict, state: str) -> ModelOrder:
        order_type = sent.get("type", "limit")
        waits = rules.WAITS_FOR_TRIGGER[order_type]
        order = ModelOrder(
            key=len(self.orders), account=account, instrument_name=self.instrument_name, direction=direction,
            amount=sent["amount"], order_type=order_type, price=sent.get("price") if rules.PRICED[order_type] else None,
            time_in_force=sent.get("time_in_force", "good_til_cancelled"), label=sent.get("label", ""),
            post_only=bool(sent.get("post_only")), reduce_only=bool(sent.get("reduce_only")),
            max_show=sent.get("max_show"), mmp=bool(sent.get("mmp")),
            trigger=sent.get("trigger") if waits else None, trigger_price=sent.get("trigger_price") if waits else None,
            order_state=state, updated=self.now())
        self.orders.append(order)
        return order

    def enter(self, order: ModelOrder) -> None:
        """An order (new, or a secondary just released) comes to the book."""
        self.changed(order)
        if order.reduce_only:
            room = self.reducible(order)
            if room <= 0:
                order.order_state = "rejected"
                return
            order.amount = min(order.amount, room)
        if order.is_trigger_order:
            order.order_state = "untriggered"
            self.log.append(("waiting", order.key))
            return
        order.order_state = "open"
        self.trade_or_rest(order)

    def trade_or_rest(self, order: ModelOrder) -> None:
        """I-27, I-28: an all-or-none order that cannot fill whole does not trade at all; a post_only price moves
        outside the spread; the order takes what it reaches; what is left rests, or is cancelled where the time
        in force (or a market type) says it may not rest."""
        tif = rules.TIME_IN_FORCE[order.time_in_force]
        if tif["all_or_none"] and not self.fills_whole(order):
            self.close(order, rules.ALL_OR_NONE_REASON)
            return
        order.price = self.outside_spread(order)
        self.take(order)
        self.leave_remainder(order, may_rest=tif["rests"] and not order.is_market)

    def leave_remainder(self, order: ModelOrder, may_rest: bool) -> None:
        if order.unfilled > 0 and may_rest:
            order.rested_at = self.now()  # its place in the book: behind everything already resting
        elif order.unfilled > 0:
            self.close(order, rules.NOT_RESTING_REASON)

    def fills_whole(self, order: ModelOrder) -> bool:
        offered = sum(o.unfilled for o in self.in_book(other_side(order.direction))
                      if o is not order and reaches(order, o.price))
        wanted = min(order.amount, self.reducible(order)) if order.reduce_only else order.amount
        return offered + 1e-9 >= wanted

    def outside_spread(self, order: ModelOrder) -> float | None:
        """I-28: a post_only price that would take becomes best opposite -/+ one tick (other prices stay)."""
        opposite = self.best(other_side(order.direction))
        if not order.post_only or opposite is None or not reaches(order, opposite):
            return order.price
        return opposite - self.tick if order.direction == "buy" else opposite + self.tick

    def take(self, order: ModelOrder) -> None:
        """Trade ``order`` against the book's view of the other side, best level and oldest first."""
        for resting in self.in_book(other_side(order.direction)):
            if order.unfilled <= 0 or not reaches(order, resting.price):
                break
            if resting is order or not resting.live:
                continue
            amount = min(order.unfilled, resting.unfilled)
            if order.reduce_only:
                amount = min(amount, self.reducible(order))
            if amount <= 0:
                break
            if resting.reduce_only:
                amount = min(amount, self.reducible(resting))
                if amount <= 0:
                    self.close(resting, rules.CANNOT_REDUCE_REASON)
                    continue
            self.execute(order, resting, amount)

    def execute(self, taker: ModelOrder, maker: ModelOrder, amount: float) -> None:
        trade = ModelTrade(len(self.trades), taker.key, maker.key, maker.price, amount, taker.direction)
        self.trades.append(trade)
        self.last_price = trade.price
        for side in (maker, taker):
            side.filled_amount = round(side.filled_amount + amount, 10)
            side.filled_value += trade.price * amount
            side.order_state = "filled" if side.unfilled <= 0 else "partially_filled"
            side.trades.append(trade.seq)
            self.changed(side)
        self.log.append(("traded", trade.seq))

    def close(self, order: ModelOrder, reason: str) -> None:
        if not order.live:
            return
        order.order_state, order.cancel_reason = "cancelled", reason
        self.changed(order)
        self.log.append(("cancelled", order.key))

    # ------------------------------------------------------------------ consequences (read off the log)
    def after_trade(self, seq: int) -> None:
        trade = self.trades[seq]
        for key in (trade.maker, trade.taker):
            order = self.orders[key]
            if order.secondaries:
                self.release_secondaries(order)
            if order.primary is not None and order.linked_order_type == "one_triggers_one_cancels_other":
                for sibling in self.orders[order.primary].secondaries:
                    if sibling != key:
                        self.close(self.orders[sibling], rules.SIBLING_FILLED_REASON)
        self.fire_met_triggers()

    def release_secondaries(self, primary: ModelOrder) -> None:
        for key in primary.secondaries:
            secondary = self.orders[key]
            if not secondary.live:
                continue
            size = rules.released(primary.trigger_fill_condition, secondary.config_amount, primary.filled_amount,
                                  primary.amount, self.contract)
            if size <= 0:
                continue
            if secondary.status_otoco == "draft":
                secondary.amount, secondary.status_otoco = size, "active"
                self.enter(secondary)
            elif size > secondary.amount:
                secondary.amount = size
                self.changed(secondary)

    def after_cancel(self, key: int) -> None:
        for secondary in (self.orders[k] for k in self.orders[key].secondaries):
            if secondary.status_otoco == "draft":
                self.close(secondary, rules.PRIMARY_GONE_REASON)

    def fire_met_triggers(self, *_: object) -> None:
        for order in [o for o in self.orders if o.watching_trigger]:
            source = self.index_price if order.trigger == "index_price" else self.last_price
            if order.watching_trigger and source is not None and rules.trigger_met(
                    order.order_type, order.direction, order.trigger_price, source):
                order.order_state = "open"  # I-25: it keeps its id and trades as a limit/market order
                self.changed(order)
                self.trade_or_rest(order)

    def set_index_price(self, price: float) -> None:
        self.index_price = price
        self.request(lambda: self.log.append(("index_moved",)))

    # ------------------------------------------------------------------ cancel and edit
    def cancel(self, account: str, key: int) -> dict:
        """private/cancel: the cancelled order's fields as the response shows them."""
        def act() -> dict:
            order = self.owned(account, key)
            if not order.live:
                raise ModelError("not_open_order", f"order is {order.order_state}")
            self.close(order, rules.USER_REASON)
            return order.expected_fields()
        return self.request(act)

    def cancel_where(self, chosen: Callable[[ModelOrder], bool]) -> list[ModelOrder]:
        """cancel_all / cancel_all_by_instrument: every order live before the request and cancelled by it."""
        live = [o for o in self.orders if o.live]

        def act() -> None:
            for order in live:
                if chosen(order):
                    self.close(order, rules.USER_REASON)
        self.request(act)
        return [o for o in live if o.order_state == "cancelled"]

    def cancel_all(self, account: str) -> list[ModelOrder]:
        return self.cancel_where(lambda o: o.account == account)

    def cancel_all_by_instrument(self, account: str, type_filter: str = "all") -> list[ModelOrder]:
        return self.cancel_where(lambda o: o.account == account and o.admitted_by(type_filter))

    def edit(self, account: str, key: int, amount: float, price: float | None = None,
             trigger_price: float | None = None) -> Outcome:
        """private/edit (I-31)."""
        def act() -> Outcome:
            order = self.owned(account, key)
            if not order.live:
                raise ModelError("not_open_order", f"order is {order.order_state}")
            if not rules.on_grid(amount, self.contract):
                raise ModelError("invalid_params", "amount is not a multiple of the contract size")
            if amount <= order.filled_amount:
                raise ModelError("invalid_params", "amount must exceed filled_amount (I-31)")
            new_price = None if order.is_market else (order.price if price is None else price)
            if new_price is not None and not rules.on_grid(new_price, self.tick):
                raise ModelError("invalid_params", "price is off the tick grid")
            loses_place = new_price != order.price or amount > order.amount
            order.amount, order.price, order.replaced = amount, new_price, True
            if order.is_trigger_order and trigger_price is not None:
                order.trigger_price = trigger_price
            if order.status_otoco == "draft":
                order.config_amount = amount
            self.changed(order)
            first = len(self.trades)
            if order.order_state == "untriggered":
                self.log.append(("waiting", order.key))
            elif loses_place:
                order.price = self.outside_spread(order)
                self.take(order)
                self.leave_remainder(order, may_rest=True)
            return Outcome(order, self.trades[first:], order.expected_fields())
        return self.request(act)


# What each kind of log entry causes (the rules' order of effects above).
CONSEQUENCES: dict[str, Callable] = {
    "traded": Ledger.after_trade,
    "cancelled": Ledger.after_cancel,
    "waiting": Ledger.fire_met_triggers,
    "index_moved": Ledger.fire_met_triggers,
}
