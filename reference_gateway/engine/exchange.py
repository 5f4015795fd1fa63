"""The exchange: the account's books and one request's frame, composed of matching (engine/matching.py), linked
orders (engine/linked.py), MMP (engine/mmp.py) and publication (engine/publication.py); seed data in engine/seed.py.

Every public method runs one request to completion (matching, trigger cascades, OCO/OTO follow-ups)
and then publishes the notifications it produced. Small policy methods (``_fok_can_fill``,
``_post_only_price``, ``_reduce_cap`` ...) are the seams the fault catalogue wraps.
"""

from collections import deque
from collections.abc import Callable, Iterable

from reference_gateway.clock import DAY_MS, HOUR_MS, Clock
from reference_gateway.config import Instrument
from reference_gateway.engine.book import OrderBook
from reference_gateway.engine.linked import LinkedOrders
from reference_gateway.engine.matching import Matching, on_grid
from reference_gateway.engine.mmp import MarketMakerProtection, MmpState
from reference_gateway.engine.orders import Order, new_id
from reference_gateway.engine.positions import Position
from reference_gateway.engine.publication import Publication, public_user_trade
from reference_gateway.engine.seed import Account, seed_deposits, seed_settlements
from reference_gateway.errors import INVALID_INSTRUMENT, NOT_FOUND, PulseError

__all__ = ["DAY_MS", "HOUR_MS", "TRADING_DAY_ROLL_MS", "Account", "Exchange", "MmpState", "Publish", "next_trading_day_roll",
           "on_grid", "public_user_trade", "seed_deposits", "seed_settlements"]

TRADING_DAY_ROLL_MS = 8 * HOUR_MS  # good_til_day orders expire at 08:00 UTC (I-27)

Publish = Callable[[str, object, str | None], None]


class Exchange(Matching, LinkedOrders, MarketMakerProtection, Publication):
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
        self._by_account: dict[str, dict[str, Order]] = {}  # see account_orders
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
        self._by_account.setdefault(order.account_id, {})[order.order_id] = order

    def forget_order(self, order_id: str) -> None:
        """Archive an order: no query lists it any more (another firm's replaced quotes, deviations.py)."""
        order = self.orders.pop(order_id, None)
        if order is not None:
            self._live.pop(order_id, None)
            self._by_account.get(order.account_id, {}).pop(order_id, None)

    def account_orders(self, account_id: str) -> Iterable[Order]:
        """One account's orders, oldest first: the order queries scan these, not every account's orders (a scan
        per listing grew with the run: ~1.8 k listings over ~6 k orders in a plain local run, ~0.3 s of the
        gateway's ~7.7 s of CPU)."""
        return self._by_account.get(account_id, {}).values()

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

    # ------------------------------------------------------------------ account views
    def account_balance(self, account_id: str) -> float:
        account = self.accounts[account_id]
        realized = sum(p.realized for (acc, _), p in self.positions.items() if acc == account_id)
        return account.initial_balance + realized


def next_trading_day_roll(timestamp_ms: int) -> int:
    day_start = timestamp_ms - timestamp_ms % DAY_MS
    roll = day_start + TRADING_DAY_ROLL_MS
    return roll if roll > timestamp_ms else roll + DAY_MS
