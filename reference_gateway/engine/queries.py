"""Read-only views of the exchange: the query methods' results."""

import math
from datetime import UTC, datetime

from reference_gateway.engine.exchange import DAY_MS, HOUR_MS, Exchange, public_user_trade
from reference_gateway.engine.orders import Order
from reference_gateway.errors import INVALID_INSTRUMENT, INVALID_PARAMS, PulseError

OLD_ORDER_MS = 2 * DAY_MS
RESOLUTION_MS = {"1D": DAY_MS} | {str(m): m * 60_000 for m in (1, 3, 5, 10, 15, 30, 60, 120, 180, 360, 720)}
FUNDING_LENGTH_MS = {"8h": 8 * HOUR_MS, "24h": 24 * HOUR_MS, "1m": 30 * DAY_MS}
FUNDING_HISTORY_MS = FUNDING_LENGTH_MS["1m"]  # perpetuals are listed this long before the gateway starts (I-187)


def _sorted_trades(trades: list[dict], sorting: str) -> list[dict]:
    ordered = sorted(trades, key=lambda t: (t["timestamp"], t["trade_seq"]))
    return ordered if sorting == "asc" else list(reversed(ordered))


def _window(items, key: str, start: int | None, end: int | None):
    return [t for t in items if (start is None or t[key] >= start) and (end is None or t[key] <= end)]


def _matches_currency(exchange: Exchange, instrument_name: str, currency: str | None) -> bool:
    if not currency or currency.upper() == "USD":
        return True
    return exchange.instruments[instrument_name].base_currency == currency.upper()


class Queries:
    def __init__(self, exchange: Exchange) -> None:
        self.funding_period_ms = int(exchange.limits.get("funding_period_ms", HOUR_MS))
        self.x = exchange

    # ---------------------------------------------------------------- market data
    def get_instruments(self, p: dict) -> list[dict]:
        return [i.public() for i in self.x.instruments.values()
                if i.base_currency == p["currency"].upper() and i.expired == p["expired"]
                and (p.get("kind") is None or i.kind == p["kind"])]

    def get_order_book(self, p: dict) -> dict:
        instrument = self.x.instrument(p["instrument_name"], tradable=False)
        name = instrument.instrument_name
        book = self.x.books[name]
        bids, asks = book.visible_levels("buy"), book.visible_levels("sell")
        day_trades = [t for t in self.x.public_trades[name] if t["timestamp"] >= self.x.clock.now_ms() - DAY_MS]
        prices = [t["price"] for t in day_trades]
        first_price = prices[0] if prices else None
        index = self.x.index_prices[instrument.price_index]
        result = {
            "asks": asks[: p["depth"]], "bids": bids[: p["depth"]],
            "best_ask_amount": asks[0][1] if asks else 0.0, "best_ask_price": asks[0][0] if asks else None,
            "best_bid_amount": bids[0][1] if bids else 0.0, "best_bid_price": bids[0][0] if bids else None,
            "index_price": index, "instrument_name": name, "last_price": self.x.last_prices.get(name),
            "mark_price": self.x.mark_price(instrument), "settlement_price": self.x.mark_price(instrument),
            "state": "closed" if instrument.expired else "open",
            "stats": {
                "high": max(prices) if prices else None, "low": min(prices) if prices else None,
                "price_change": round((prices[-1] - first_price) / first_price * 100, 4) if prices else None,
                "volume": sum(t["amount"] / t["price"] if instrument.kind != "option" else t["amount"] for t in day_trades),
            },
            "timestamp": self.x.clock.now_ms(), "underlying_index": "index_price", "underlying_price": index,
        }
        if instrument.kind == "option":
            result |= {"ask_iv": 50.0, "bid_iv": 50.0,
                       "greeks": {"delta": 0.5, "gamma": 0.0001, "rho": 10.0, "theta": -20.0, "vega": 30.0}}
        return result

    def last_trades_by_instrument(self, p: dict) -> list[dict]:
        if p.get("instrument_name"):
            trades = list(self.x.public_trades[self.x.instrument(p["instrument_name"], tradable=False).instrument_name])
        else:
            trades = [t for ts in self.x.public_trades.values() for t in ts]
        trades = _window(trades, "timestamp", p.get("start_timestamp"), p.get("end_timestamp"))
        trades = _window(trades, "trade_seq", p.get("start_seq"), p.get("end_seq"))
        return _sorted_trades(trades, p["sorting"])[: p["count"]]

    def get_tradingview_chart_data(self, p: dict) -> dict:
        instrument = self.x.instrument(p["instrument_name"], tradable=False)
        if p["start_timestamp"] > p["end_timestamp"]:
            raise PulseError(INVALID_PARAMS, "start_timestamp is after end_timestamp")
        step = RESOLUTION_MS[p["resolution"]]
        buckets: dict[int, list[dict]] = {}
        for trade in _window(self.x.public_trades[instrument.instrument_name], "timestamp",
                             p["start_timestamp"], p["end_timestamp"]):
            buckets.setdefault(trade["timestamp"] - trade["timestamp"] % step, []).append(trade)
        chart = {key: [] for key in ("ticks", "open", "high", "low", "close", "volume", "cost")}
        for tick in sorted(buckets):
            trades = buckets[tick]
            prices = [t["price"] for t in trades]
            chart["ticks"].append(tick)
            chart["open"].append(prices[0])
            chart["high"].append(max(prices))
            chart["low"].append(min(prices))
            chart["close"].append(prices[-1])
            if instrument.kind == "option":
                chart["volume"].append(sum(t["amount"] for t in trades))
                chart["cost"].append(sum(t["amount"] * t["price"] for t in trades))
            else:
                chart["volume"].append(sum(t["amount"] / t["price"] for t in trades))
                chart["cost"].append(sum(t["amount"] for t in trades))
        chart["status"] = "ok" if chart["ticks"] else "no_data"
        return chart

    def get_index_price(self, p: dict) -> float:
        return self.x.index_prices[p["index_name"]]

    def get_delivery_prices(self, p: dict) -> list[dict]:
        base = self.x.index_prices[p["index_name"]]
        today = self.x.start_ms - self.x.start_ms % DAY_MS
        history = [{"date": datetime.fromtimestamp((today - i * DAY_MS) / 1000, UTC).strftime("%Y-%m-%d"),
                    "delivery_price": round(base * (1 + 0.02 * math.sin(i)), 8)} for i in range(1, 61)]
        return history[p["offset"]: p["offset"] + p["count"]]

    def _perpetual(self, name: str):
        instrument = self.x.instrument(name, tradable=False)
        if not instrument.is_perpetual:
            raise PulseError(INVALID_INSTRUMENT, f"{name} is not a perpetual: funding applies to perpetuals only")
        return instrument

    def _funding_point(self, instrument, hour_start: int) -> tuple[dict, dict]:
        index = self.x.index_prices[instrument.price_index]
        wave = math.sin(hour_start / HOUR_MS)
        perp = index * (1 + 0.001 * wave)
        period = self.funding_period_ms
        payment = {"payment": round(0.0001 * wave, 8), "range_end": hour_start + period,
                   "range_start": hour_start, "timestamp": hour_start + period}
        price = {"perp_close": round(perp, 2), "perp_high": round(max(perp * 1.001, index), 2),
                 "perp_low": round(min(perp * 0.999, index), 2),  # the period opens at the index: within the range
                 "perp_open": round(index, 2), "spot_close": round(index, 2), "spot_high": round(index * 1.001, 2),
                 "spot_low": round(index * 0.999, 2), "spot_open": round(index, 2), "timestamp": hour_start}
        return payment, price

    def _hours(self, start: int, end: int) -> list[int]:
        start = max(start, self.x.start_ms - FUNDING_HISTORY_MS)  # no funding before the listing (I-187)
        period = self.funding_period_ms
        first = start - start % period
        return list(range(first, end - period + 1, period))[-1000:]

    def get_funding_chart_data(self, p: dict) -> dict:
        instrument = self._perpetual(p["instrument_name"])
        now = self.x.clock.now_ms()
        points = [self._funding_point(instrument, h) for h in self._hours(now - FUNDING_LENGTH_MS[p["length"]], now)]
        return {"current_payment": points[-1][0]["payment"] if points else 0.0,
                "funding_payments": [pay for pay, _ in points], "funding_prices": [price for _, price in points]}

    def get_funding_rate_history(self, p: dict) -> list[dict]:
        name = p.get("instrument_name") or "BTC_USD-PERPETUAL"
        instrument = self._perpetual(name)
        now = self.x.clock.now_ms()
        end = p.get("end_timestamp", now)
        start = p.get("start_timestamp", end - 8 * HOUR_MS)
        if start > end and "start_timestamp" in p and "end_timestamp" in p:
            raise PulseError(INVALID_PARAMS, "start_timestamp is after end_timestamp")
        history = []  # a start after the default end (now) is simply a window without funding yet (I-187)
        for hour in self._hours(start, min(end, now)):
            payment, price = self._funding_point(instrument, hour)
            history.append({"current_payment": payment["payment"], "funding_payments": [payment], "funding_prices": [price]})
        return history

    def funding_notifications(self, name: str, hour_start: int) -> dict[str, dict]:
        instrument = self._perpetual(name)
        period = self.funding_period_ms
        payment, price = self._funding_point(instrument, hour_start)

        def iso(ms: int) -> str:
            return datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")

        def prices(prefix: str) -> dict:
            return {k: f"{price[f'{prefix}_{k}']:.2f}" for k in ("close", "high", "low", "open")}

        return {
            "funding_rates": {"instrument_name": name, "range_end": hour_start + period, "range_start": hour_start,
                              "rate": f"{payment['payment']:.8f}"},
            "funding_prices": {"instrument_name": name, "metadata": {"type": "twap", "version": "1.0"},
                               "perpetual_price": prices("perp"), "range_end": iso(hour_start + period),
                               "range_start": iso(hour_start), "spot_price": prices("spot"),
                               "timestamp": hour_start + period},
            "funding_payments": {"amount": f"{payment['payment'] * 1000:.8f}", "instrument_name": name,
                                 "volume": f"{sum(t['amount'] for t in self.x.public_trades[name]):.1f}"},
        }

    def settlement_price(self, index_name: str) -> dict:
        latest = self.get_delivery_prices({"index_name": index_name, "offset": 0, "count": 1})[0]
        day = int(datetime.strptime(latest["date"], "%Y-%m-%d").replace(tzinfo=UTC).timestamp() * 1000)
        return {"index_name": index_name, "price": latest["delivery_price"], "timestamp": day + 8 * HOUR_MS}

    # ---------------------------------------------------------------- orders
    def _account_orders(self, account_id: str, instrument_name: str | None = None) -> list[Order]:
        return [o for o in self.x.account_orders(account_id)
                if instrument_name is None or o.instrument_name == instrument_name]

    def get_order_state(self, account_id: str, p: dict) -> list[dict]:
        return [self.x._own_order(account_id, p["order_id"]).to_wire()]

    def get_open_orders_by_instrument(self, account_id: str, p: dict) -> list[dict]:
        name = self.x.instrument(p["instrument_name"], tradable=False).instrument_name
        orders = [o for o in self._account_orders(account_id, name) if o.is_open and self.x._type_matches(o, p["type"])]
        orders.sort(key=lambda o: (o.creation_timestamp, o.seq))
        return [o.to_wire() for o in orders[: p["count"]]]

    def get_order_history_by_instrument(self, account_id: str, p: dict) -> list[dict]:
        name = self.x.instrument(p["instrument_name"], tradable=False).instrument_name
        now = self.x.clock.now_ms()

        def listed(order: Order) -> bool:
            if order.is_open and order.order_state != "partially_filled":
                return False
            if not p["include_unfilled"] and order.filled_amount == 0 and not order.is_open:
                return False
            return p["include_old"] or now - order.last_update_timestamp <= OLD_ORDER_MS

        orders = sorted((o for o in self._account_orders(account_id, name) if listed(o)),
                        key=lambda o: o.last_update_timestamp, reverse=True)
        return [o.to_wire() for o in orders[p["offset"]: p["offset"] + p["count"]]]

    def get_order_state_by_label(self, account_id: str, p: dict) -> list[dict]:
        orders = [o for o in self._account_orders(account_id)
                  if _matches_currency(self.x, o.instrument_name, p["currency"])
                  and (p.get("label") is None or o.label == p["label"])]
        orders.sort(key=lambda o: o.creation_timestamp, reverse=True)
        return [o.to_wire() for o in orders[p["offset"]: p["offset"] + p["count"]]]

    def get_user_trades_by_instrument(self, account_id: str, p: dict) -> list[dict]:
        name = self.x.instrument(p["instrument_name"], tradable=False).instrument_name
        trades = [t for t in self.x.user_trades[account_id] if t["instrument_name"] == name]
        trades = _window(trades, "timestamp", p.get("start_timestamp"), p.get("end_timestamp"))
        return [public_user_trade(t) for t in _sorted_trades(trades, p["sorting"])[: p["count"]]]

    def get_user_trades_by_order(self, account_id: str, p: dict) -> list[dict]:
        order = self.x._own_order(account_id, p["order_id"])
        trades = [t for t in self.x.user_trades[account_id] if t["order_id"] == order.order_id]
        if p["sorting"] != "default":
            trades = _sorted_trades(trades, p["sorting"])
        if p["count"]:
            trades = trades[: p["count"]]
        return [public_user_trade(t) for t in trades]

    # ---------------------------------------------------------------- wallet
    def get_positions(self, account_id: str, p: dict) -> list[dict]:
        result = []
        for (acc, name), position in sorted(self.x.positions.items()):
            instrument = position.instrument
            if acc != account_id or position.size == 0 or not _matches_currency(self.x, name, p.get("currency")):
                continue
            if p.get("kind") and instrument.kind != p["kind"]:
                continue
            mark = self.x.mark_price(instrument)
            floating = position.floating(mark)
            notional = abs(position.size) * (mark if instrument.kind == "option" else 1)
            result.append({
                "average_price": position.average_price, "delta": round(position.size / mark, 8),
                "direction": "buy" if position.size > 0 else "sell",
                "estimated_liquidation_price": round(position.average_price * (0.5 if position.size > 0 else 1.5), 2),
                "floating_profit_loss": round(floating, 8), "index_price": self.x.index_prices[instrument.price_index],
                "initial_margin": round(notional / self.x.limits["max_leverage"], 8), "instrument_name": name,
                "interest_value": 0.0, "kind": instrument.kind, "leverage": int(self.x.limits["max_leverage"]),
                "maintenance_margin": round(notional / self.x.limits["max_leverage"] / 2, 8), "mark_price": mark,
                "open_orders_margin": 0.0, "realized_profit_loss": round(position.realized, 8),
                "settlement_price": mark, "size": position.size,
                "size_currency": round(position.size / position.average_price, 8) if instrument.kind != "option" else position.size,
                "size_out": 0.0, "total_profit_loss": round(position.realized + floating, 8),
            })
        return result

    def get_account_summary(self, account_id: str, p: dict) -> dict:
        account = self.x.accounts[account_id]
        rpl = {"future": 0.0, "option": 0.0}
        upl = {"future": 0.0, "option": 0.0}
        margin = 0.0
        for (acc, _), position in self.x.positions.items():
            if acc != account_id:
                continue
            kind = "option" if position.instrument.kind == "option" else "future"  # combos count as futures
            mark = self.x.mark_price(position.instrument)
            rpl[kind] += position.realized
            upl[kind] += position.floating(mark)
            margin += abs(position.size) * (mark if kind == "option" else 1) / self.x.limits["max_leverage"]
        balance = self.x.account_balance(account_id)
        session_upl = upl["future"] + upl["option"]
        equity = balance + session_upl
        return {
            "balance": round(balance, 8), "creation_timestamp": account.creation_timestamp, "currency": p["currency"],
            "email": account.email, "equity": round(equity, 8),
            "futures_session_rpl": round(rpl["future"], 8), "futures_session_upl": round(upl["future"], 8),
            "id": account_id, "initial_margin": round(margin, 8), "maintenance_margin": round(margin / 2, 8),
            "margin_balance": round(equity, 8),
            "options_session_rpl": round(rpl["option"], 8), "options_session_upl": round(upl["option"], 8),
            "session_rpl": round(rpl["future"] + rpl["option"], 8), "session_upl": round(session_upl, 8),
            "total_pl": round(rpl["future"] + rpl["option"] + session_upl, 8),
        }

    def get_deposits(self, account_id: str, p: dict) -> list[dict]:
        deposits = self.x.accounts[account_id].deposits
        return deposits[p["offset"]: p["offset"] + p["count"]]

    def _settlements(self, account_id: str, p: dict, keep) -> list[dict]:
        entries = [s for s in self.x.accounts[account_id].settlements if s["type"] == p["type"] and keep(s)
                   and (p.get("search_start_timestamp") is None or s["timestamp"] >= p["search_start_timestamp"])]
        return sorted(entries, key=lambda s: s["timestamp"], reverse=True)[: p["count"]]

    def get_settlement_history_by_currency(self, account_id: str, p: dict) -> list[dict]:
        return self._settlements(account_id, p, lambda s: _matches_currency(self.x, s["instrument_name"], p.get("currency")))

    def get_settlement_history_by_instrument(self, account_id: str, p: dict) -> list[dict]:
        name = p.get("instrument_name")
        return self._settlements(account_id, p, lambda s: name is None or s["instrument_name"] == name)
