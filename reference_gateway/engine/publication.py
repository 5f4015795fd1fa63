"""Publication: what a request changed, sent once it completes (user orders, trades, changes and fees; book
changes and quotes), and the book views channels and queries share (snapshot, quote, visible levels).

Mixed into ``Exchange`` (engine/exchange.py), whose state and ``_publish`` callback it uses.
"""


class Publication:
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


def public_user_trade(trade: dict) -> dict:
    """A user trade as models.TradesResponse (plus Deribit's order_id)."""
    keys = ("amount", "api", "direction", "index_price", "instrument_name", "mark_iv", "mark_price", "price",
            "tick_direction", "timestamp", "trade_id", "trade_seq", "order_id")
    return {key: trade[key] for key in keys if key in trade}
