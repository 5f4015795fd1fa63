"""Drive a gateway and the model side by side: every request is predicted, sent, and compared.

``ModelDriver`` is what the order-flow state machine and the example tests use. It keeps a replayable
script of the wire calls (order ids written as ``<order N>``) for failure messages.
"""

import json
from collections.abc import Callable

from harness.api import orders_in
from harness.band import PriceBand
from harness.checks import Fail, check
from harness.checks.presence import sent_field
from harness.errors import PulseCallError
from harness.model import views
from harness.model.checks import (
    Observations,
    bind_order,
    bind_trade,
    check_listing,
    check_order,
    check_trade,
    same,
)
from harness.model.ledger import Ledger, ModelError, Outcome
from harness.model.records import Holding, ModelOrder
from harness.wire_checks import is_integer

# I-04: the CommonCodes status of each refusal the model predicts
STATUS_OF = {"invalid_params": 1, "not_found": 4, "not_open_order": 8}
ORDER_METHODS = {"buy": "private/buy", "sell": "private/sell"}
LEVEL_OUT_LIMIT = 1000  # contracts: a larger position (left by other suites) is kept, not closed in one order


class ModelDriver:
    def __init__(self, apis: dict, instrument_name: str, model: Ledger, *, currency: str = "USD") -> None:
        self.apis, self.instrument_name, self.model, self.currency = apis, instrument_name, model, currency
        self.script: list[tuple[str, str, dict]] = []
        self.seen = Observations()
        self.baseline: dict[str, dict] = {}
        self.last_result: object = None  # the gateway's answer to the last request, for explicit checks
        self.exclusive_accounts = True  # False on a shared gateway: the account balance is not the flow's alone
        self._checked_upto = 0

    # ------------------------------------------------------------------ setup
    @classmethod
    def start(cls, apis: dict, instrument_name: str, tick: float, contract: float, index_price: float,
              last_price: float | None, foreign_best: dict | None = None, *,
              exclusive_accounts: bool = True) -> "ModelDriver":
        """Snapshot positions (and, on an exclusive account, balances) of each account so the model predicts
        changes from here."""
        positions, baseline = {}, {}
        for account, api in apis.items():
            position = position_of(api.call("private/get_positions", kind="future"), instrument_name)
            # a listed position without its size would be read as flat, and every later prediction off (I-160)
            positions[account] = Holding(size=sent_field(position, "size", "the position") if position else 0.0,
                                         average_price=position.get("average_price", 0.0) if position else 0.0)
            if exclusive_accounts:
                summary = api.call("private/get_account_summary", currency="USD")
                baseline[account] = {"balance": summary.get("balance"),
                                     "futures_session_rpl": summary.get("futures_session_rpl")}
        model = Ledger(instrument_name, tick, contract, index_price=index_price, last_price=last_price,
                       positions=positions, foreign_best=foreign_best)
        driver = cls(apis, instrument_name, model)
        driver.baseline, driver.exclusive_accounts = baseline, exclusive_accounts
        return driver

    def level_out(self, price: float, *, set_last_price: bool = True) -> None:
        """Start from a known state: when maker and taker hold opposite positions (they only ever trade with
        each other), close both at ``price``; then a one-contract round trip makes ``price`` the last price.
        The same flow then meets the same state on every replay, which shrinking needs. On a shared gateway
        the round trip is left out (``set_last_price=False``): last-price triggers do not run there, and each
        round trip costs four orders of the run's request budget."""
        maker, taker = self.model.position("maker").size, self.model.position("taker").size
        if maker and abs(maker + taker) < 1e-9 and abs(maker) <= LEVEL_OUT_LIMIT * self.model.contract:
            seller, buyer = ("maker", "taker") if maker > 0 else ("taker", "maker")
            self.place(seller, "sell", {"type": "limit", "amount": abs(maker), "price": price})
            self.place(buyer, "buy", {"type": "limit", "amount": abs(maker), "price": price})
        for seller, buyer in (("maker", "taker"), ("taker", "maker")) if set_last_price else ():
            self.place(seller, "sell", {"type": "limit", "amount": self.model.contract, "price": price})
            self.place(buyer, "buy", {"type": "limit", "amount": self.model.contract, "price": price})
        self.settle()

    # ------------------------------------------------------------------ the wire
    def _send(self, account: str, method: str, params: dict) -> object:
        self.script.append((account, method, self._symbolic(params)))
        result = self.last_result = self.apis[account].call(method, **params)
        for entry in orders_in(result):
            self.seen.order(entry, method)
        return result

    def _symbolic(self, params: dict) -> dict:
        names = {o.order_id: f"<order {o.key}>" for o in self.model.orders if o.order_id}
        return {k: names.get(v, v) if isinstance(v, str) else v for k, v in params.items()}

    def replay_script(self) -> str:
        lines = ["# replay: each line is (account, method, params); <order N> is the id the gateway gave order N"]
        lines += [f"({account!r}, {method!r}, {json.dumps(params)})," for account, method, params in self.script]
        return "CALLS = [\n    " + "\n    ".join(lines) + "\n]"

    def _expect(self, account: str, method: str, params: dict, predict: Callable[[], object]):
        """Predict, send, and make sure the gateway accepts or refuses exactly when the model does."""
        try:
            predicted = predict()
        except ModelError as refusal:
            try:
                result = self._send(account, method, params)
            except PulseCallError as error:
                status = STATUS_OF.get(refusal.kind)
                assert error.status in (None, status), (
                    f"{method}: refused with status {error.status}; model predicts {status} {refusal.kind} "
                    f"({refusal.reason}, I-04)")
                return None, None
            raise AssertionError(f"{method} {params}: received success {result!r}; model predicts the error "
                                 f"{refusal.kind} ({refusal.reason})") from None
        try:
            result = self._send(account, method, params)
        except PulseCallError as error:
            raise AssertionError(f"{method} {params}: received error {error}; model predicts success") from None
        return predicted, result

    # ------------------------------------------------------------------ order entry
    def place(self, account: str, direction: str, params: dict) -> ModelOrder | None:
        params = {"instrument_name": self.instrument_name, **params}
        outcome, result = self._expect(account, ORDER_METHODS[direction], params,
                                       lambda: self.model.place(account, direction, params))
        if outcome is None:
            return None
        self._check_entry(outcome, result, ORDER_METHODS[direction])
        order = outcome.order
        if order.secondaries:  # the secondaries' ids: without them the model cannot follow them (I-160)
            sent_field(result["order"], "oto_order_ids", f"private/{direction} with otoco_config")
        for key, secondary_id in zip(order.secondaries, result["order"].get("oto_order_ids") or [], strict=False):
            self.model.orders[key].order_id = secondary_id
        if order.secondaries:
            assert len(result["order"].get("oto_order_ids") or []) == len(order.secondaries), (
                f"oto_order_ids: received {result['order'].get('oto_order_ids')!r}; documented one id per "
                f"otoco_config entry ({len(order.secondaries)}, I-38)")
        return order

    def _check_entry(self, outcome: Outcome, result: object, method: str) -> None:
        assert isinstance(result, dict) and isinstance(result.get("order"), dict), (
            f"{method}: received {result!r}; documented models.BuySellResponse {{order, trades}}")
        bind_order(outcome.order, result["order"], method)
        check_order(self.model, outcome.order, result["order"], f"{method} response", outcome.fields)
        trades = result.get("trades")
        assert isinstance(trades, list) and len(trades) == len(outcome.trades), (
            f"{method} trades: received {len(trades) if isinstance(trades, list) else trades!r} trades; model "
            f"predicts {[(t.price, t.amount) for t in outcome.trades]} from the immediate match")
        for trade, received in zip(outcome.trades, trades, strict=True):
            check_trade(trade, outcome.order, received, f"{method} response trades")
            bind_trade(trade, received, f"{method} response trades")

    def edit(self, account: str, order: ModelOrder, amount: float, price: float | None = None,
             trigger_price: float | None = None) -> None:
        params = {"order_id": order.order_id, "amount": amount}
        if price is not None:
            params["price"] = price
        if trigger_price is not None:
            params["trigger_price"] = trigger_price
        outcome, result = self._expect(account, "private/edit", params,
                                       lambda: self.model.edit(account, order.key, amount, price, trigger_price))
        if outcome is not None:
            self._check_entry(outcome, result, "private/edit")

    def cancel(self, account: str, order: ModelOrder) -> None:
        predicted, result = self._expect(account, "private/cancel", {"order_id": order.order_id},
                                         lambda: self.model.cancel(account, order.key))
        if predicted is not None:
            check_order(self.model, order, result, "private/cancel response", predicted)

    def cancel_all(self, account: str) -> None:
        cancelled = self.model.cancel_all(account)
        result = self._send(account, "private/cancel_all", {})
        check_listing(self.model, cancelled, result, "private/cancel_all result")

    def cancel_all_by_instrument(self, account: str, type_filter: str) -> None:
        cancelled = self.model.cancel_all_by_instrument(account, type_filter)
        result = self._send(account, "private/cancel_all_by_instrument",
                            {"instrument_name": self.instrument_name, "type": type_filter})
        check_listing(self.model, cancelled, result, f"private/cancel_all_by_instrument(type={type_filter}) result")

    def set_index_price(self, control, index_name: str, price: float) -> None:
        self.script.append(("control", "set_index_price", {"index_name": index_name, "price": price}))
        control.set_index_price(index_name, price)
        self.model.set_index_price(price)

    # ------------------------------------------------------------------ after every step
    def settle(self) -> None:
        """Check what the step changed besides the order in the response, and learn unseen trade ids."""
        changed = [o for o in self.model.orders if o.updated > self._checked_upto and o.order_id]
        for order in changed:
            if not order.live:
                self.check_order_state(order)
        for trade in self.model.trades:
            if trade.trade_id is None:
                self.check_trades_by_order(self.model.orders[trade.taker], "asc")
        self._checked_upto = self.model.clock

    # ------------------------------------------------------------------ queries
    def check_order_state(self, order: ModelOrder) -> dict:
        """get_order_state agrees with the model; returns the gateway's order."""
        result = self._send(order.account, "private/get_order_state", {"order_id": order.order_id})
        assert isinstance(result, list) and len(result) == 1, (
            f"get_order_state: received {result!r}; documented a one-element array [OrderConfirmation] (I-34)")
        check_order(self.model, order, result[0], "private/get_order_state")
        return result[0]

    def check_open_orders(self, account: str, type_filter: str = "all") -> None:
        result = self._send(account, "private/get_open_orders_by_instrument",
                            {"instrument_name": self.instrument_name, "type": type_filter, "count": 1000})
        expected = views.open_orders(self.model, account, type_filter)
        where = f"get_open_orders_by_instrument(type={type_filter})"
        check_listing(self.model, expected, result, where, ordered=False)
        check_sorted(result, "creation_timestamp", descending=False, where=where, reading="I-36")

    def check_history(self, account: str, include_old: bool, include_unfilled: bool, count: int, offset: int) -> None:
        base = {"instrument_name": self.instrument_name, "include_old": include_old, "include_unfilled": include_unfilled}
        full = self._send(account, "private/get_order_history_by_instrument", {**base, "count": 1000, "offset": 0})
        where = f"get_order_history_by_instrument(include_unfilled={include_unfilled}, include_old={include_old})"
        check_listing(self.model, views.order_history(self.model, account, include_unfilled), full, where, ordered=False)
        check_sorted(full, "last_update_timestamp", descending=True, where=where, reading="I-35")
        page = self._send(account, "private/get_order_history_by_instrument", {**base, "count": count, "offset": offset})
        check_page(full, page, count, offset, "order_id", where)

    def check_by_label(self, account: str, label: str) -> None:
        result = self._send(account, "private/get_order_state_by_label",
                            {"currency": self.currency, "label": label, "count": 1000})
        where = f"get_order_state_by_label(label={label!r})"
        check_listing(self.model, views.orders_by_label(self.model, account, label), result, where, ordered=False)
        check_sorted(result, "creation_timestamp", descending=True, where=where, reading="I-104")
        assert all(entry.get("label") == label for entry in result), f"{where}: received orders of other labels"

    def check_trades_by_instrument(self, account: str, sorting: str, count: int, window: str) -> None:
        sides = views.account_trades(self.model, account)
        stamps = [t.timestamp for t, _ in sides if t.timestamp is not None]
        base = {"instrument_name": self.instrument_name, "sorting": sorting}
        if stamps:
            middle = sorted(stamps)[len(stamps) // 2]
            if window in ("start", "both"):
                base["start_timestamp"] = middle
            if window in ("end", "both"):
                base["end_timestamp"] = middle
        full = self._send(account, "private/get_user_trades_by_instrument", {**base, "count": 1000})
        where = f"get_user_trades_by_instrument({base})"
        assert isinstance(full, list), f"{where}: received {full!r}; documented an array"
        in_window = [(t, o) for t, o in sides if t.timestamp is None or (
            base.get("start_timestamp", 0) <= t.timestamp <= base.get("end_timestamp", t.timestamp))]
        expected = views.sort_trades(in_window, sorting)
        known = {t.trade_id for t, _ in sides if t.trade_id}
        received_ids = [e.get("trade_id") for e in full if isinstance(e, dict) and e.get("trade_id") in known]
        if len(full) < 1000:
            assert received_ids == [t.trade_id for t, _ in expected], (
                f"{where}: received the flow's trades {received_ids}; model predicts "
                f"{[(t.trade_id, t.price, t.amount) for t, _ in expected]} (I-20 sorting, window)")
        by_id = {}
        for trade, order in expected:
            by_id.setdefault(trade.trade_id, []).append((trade, order))
        for entry in full:
            if isinstance(entry, dict) and entry.get("trade_id") in by_id:
                trade, order = by_id[entry["trade_id"]][0]
                if len(by_id[entry["trade_id"]]) == 1:
                    check_trade(trade, order, entry, where)
        check_sorted(full, "timestamp", descending=sorting != "asc", where=where, reading="I-20")
        page = self._send(account, "private/get_user_trades_by_instrument", {**base, "count": count})
        check_page(full, page, count, 0, "trade_id", where)

    def check_trades_by_order(self, order: ModelOrder, sorting: str, count: int = 0) -> None:
        params = {"order_id": order.order_id, "sorting": sorting}
        full = self._send(order.account, "private/get_user_trades_by_order", params)
        where = f"get_user_trades_by_order(<order {order.key}>, sorting={sorting})"
        trades = views.order_trades(self.model, order)
        assert isinstance(full, list) and len(full) == len(trades), (
            f"{where}: received {full!r}; model predicts {len(trades)} trades {[(t.price, t.amount) for t in trades]}")
        received = full if sorting != "desc" else list(reversed(full))
        if sorting == "default":  # "no sorting": match them up by execution order
            received = sorted(full, key=lambda e: (e.get("timestamp", 0), e.get("trade_seq", 0)))
        for trade, entry in zip(trades, received, strict=True):
            check_trade(trade, order, entry, where)
            bind_trade(trade, entry, where)
        if sorting != "default":
            check_sorted(full, "timestamp", descending=sorting == "desc", where=where, reading="I-20")
        if count:
            page = self._send(order.account, "private/get_user_trades_by_order", {**params, "count": count})
            check_page(full, page, count, 0, "trade_id", where)

    def check_book(self, low: float, high: float) -> None:
        """get_order_book between ``low`` and ``high`` shows exactly the suite's resting orders, each with
        min(max_show, unfilled) (I-18, I-30): no ghost level, no hidden amount shown."""
        book = self._send("maker", "private/get_order_book", {"instrument_name": self.instrument_name, "depth": 1000})
        for side, key in (("buy", "bids"), ("sell", "asks")):
            expected = views.book_levels(self.model, side)
            levels = sent_field(book, key, "get_order_book") if expected else book.get(key)
            received = {level[0]: level[1] for level in levels or [] if low <= level[0] <= high}
            assert received == expected, (
                f"get_order_book {key} in the suite's band: received {sorted(received.items())}; model predicts "
                f"{sorted(expected.items())} (the suite's resting orders, max_show applied, I-30)")

    def check_positions(self, account: str) -> None:
        result = self._send(account, "private/get_positions", {"kind": "future"})
        where = "get_positions(kind=future)"
        assert isinstance(result, list), f"{where}: received {result!r}; documented an array"
        position = position_of(result, self.instrument_name)
        expected = self.model.position(account)
        if expected.size == 0:
            assert position is None or same(position.get("size"), 0.0), (
                f"{where}: received {position!r}; model predicts no open position (size 0, I-39)")
            return
        assert position is not None, (
            f"{where}: received no {self.instrument_name} entry; model predicts size {expected.size}")
        problems = []
        # realized_profit_loss is not compared: whether it survives a flat period is not documented; the
        # account summary's balance and futures_session_rpl carry the realised PnL instead (I-102)
        for name, value in (("size", expected.size), ("direction", "buy" if expected.size > 0 else "sell"),
                            ("average_price", expected.average_price)):
            if not close(position.get(name), value):
                problems.append(f"{name}: received {position.get(name)!r}; model predicts {value!r} (I-39, I-101, I-102)")
        assert not problems, f"{where} {account}:\n  " + "\n  ".join(problems)

    def check_account_summary(self, account: str) -> None:
        result = self._send(account, "private/get_account_summary", {"currency": self.currency})
        where = "get_account_summary"
        if not self.exclusive_accounts:
            # I-221: on a shared gateway other workers and people trade on the same accounts, and fees and funding
            # move the balance: it is not attributable to this flow, so only the summary's schema is checked.
            return
        realized = self.model.position(account).realized
        for name in ("balance", "futures_session_rpl"):
            base = self.baseline[account][name]
            if isinstance(base, (int, float)):
                assert close(result.get(name), base + realized), (
                    f"{where} {account}: {name}: received {result.get(name)!r}; model predicts {base} + realised "
                    f"PnL {realized} = {base + realized} (I-102)")

    def final_checks(self, labels: tuple[str, ...]) -> None:
        """Every query method's view of the whole flow, for each account."""
        for account in self.apis:
            self.check_history(account, include_old=False, include_unfilled=True, count=3, offset=1)
            for sorting in ("asc", "desc"):
                self.check_trades_by_instrument(account, sorting, 2, "start")
            self.check_positions(account)
            self.check_account_summary(account)
            for label in labels:
                self.check_by_label(account, label)

    # ------------------------------------------------------------------ teardown
    def cancel_everything(self) -> None:
        for order in self.model.orders:
            if order.order_id and order.live:
                try:
                    self.apis[order.account].call("private/cancel", order_id=order.order_id)
                except PulseCallError:
                    pass


def start_driver(apis: dict, pulse_env, band: PriceBand, book: dict) -> ModelDriver:
    """A driver over ``apis`` on the environment's test instrument, its model started from the book just read:
    ``band`` is where the suite's orders go, ``book`` gives the foreign best bid/ask and the last price."""
    foreign = {"buy": book.get("best_bid_price"), "sell": book.get("best_ask_price")}
    driver = ModelDriver.start(apis, pulse_env.test_instrument, pulse_env.tick_size, pulse_env.contract_size,
                               band.index_price, book.get("last_price"), foreign, exclusive_accounts=pulse_env.is_local)
    driver.band = band
    return driver


def close(received: object, expected: float) -> bool:
    if isinstance(expected, str):
        return received == expected
    return isinstance(received, (int, float)) and abs(received - expected) <= 1e-6 * max(1.0, abs(expected))


def position_of(positions: object, instrument_name: str) -> dict | None:
    if not isinstance(positions, list):
        return None
    # an entry without instrument_name cannot be told apart: not "no position" (I-160)
    return next((p for p in positions if isinstance(p, dict)
                 and sent_field(p, "instrument_name", "a listed position") == instrument_name), None)


@check(clause="the order a listing comes in (the doc states none but a sorting parameter's direction)")
def check_sorted(entries: object, field: str, *, descending: bool, where: str, reading: str) -> None:
    """Graded by the reading that gives the order (``reading``), never by the case's other readings: a gateway
    listing in another order departs from that reading alone (e.g. I-36: open orders oldest first)."""
    values = [e.get(field) for e in entries if isinstance(e, dict) and is_integer(e.get(field))]
    if values != sorted(values, reverse=descending):
        raise Fail(f"{where}: {field}s in the order {values}",
                   f"{'newest' if descending else 'oldest'} first ({reading})", interpretation=reading)


def check_page(full: list, page: object, count: int, offset: int, key: str, where: str) -> None:
    """count/offset (I-21): a page is exactly that slice of the whole list."""
    assert isinstance(page, list), f"{where} page: received {page!r}; documented an array"
    expected = [e.get(key) for e in full[offset: offset + count]]
    received = [e.get(key) for e in page if isinstance(e, dict)]
    assert received == expected, (
        f"{where} with count={count} offset={offset}: received {len(received)} entries {received}; "
        f"documented the slice [{offset}:{offset + count}] of the full list {expected} (I-21)")
