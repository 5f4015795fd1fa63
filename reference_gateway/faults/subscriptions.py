"""Faults of area ``subscriptions``. Subscriptions: book change ids and snapshots, stale quotes, user channels, unsubscribe, channel scopes."""

from reference_gateway.faults.registry import fault
from reference_gateway.faults.seams import drop_publications, on_notifications, replace
from reference_gateway.gateway import Gateway


@fault("book_change_id_gap", "subscriptions", "book changes skip a change_id (prev_change_id is one behind)",
       "subscriptions")
def _book_change_id_gap(gw: Gateway) -> None:
    def gap(data: dict) -> dict:
        if data.get("type") == "change":
            data = dict(data, prev_change_id=data["prev_change_id"] - 1)
        return data
    on_notifications(gw, "book.", gap)


@fault("book_missing_snapshot", "subscriptions", "a new book subscriber gets no snapshot, only later changes",
       "subscriptions")
def _book_missing_snapshot(gw: Gateway) -> None:
    on_notifications(gw, "book.", lambda data: None if data.get("type") == "snapshot" else data)


@fault("book_delete_sent_as_change", "subscriptions", "a removed book level is sent as 'change' with amount 0",
       "subscriptions")
def _book_delete_as_change(gw: Gateway) -> None:
    def relabel(data: dict) -> dict:
        for side in ("bids", "asks"):
            data[side] = [["change", price, amount] if action == "delete" else [action, price, amount]
                          for action, price, amount in data[side]]
        return data
    on_notifications(gw, "book.", relabel)


@fault("quote_stale", "subscriptions", "quote notifications repeat the first top of book they ever sent",
       "subscriptions")
def _quote_stale(gw: Gateway) -> None:
    first: dict[str, dict] = {}

    def stale(data: dict) -> dict:
        cached = first.setdefault(data["instrument_name"], dict(data))
        return dict(cached, timestamp=data["timestamp"])
    on_notifications(gw, "quote.", stale)


@fault("user_orders_no_cancel_notification", "subscriptions", "user.orders sends nothing when an order is cancelled",
       "subscriptions or session")
def _user_orders_no_cancel(gw: Gateway) -> None:
    on_notifications(gw, "user.orders.", lambda order: None if order.get("order_state") == "cancelled" else order)


@fault("user_trades_wrong_trade_id", "subscriptions", "user.trades notifications carry a made-up trade_id",
       "subscriptions")
def _user_trades_wrong_id(gw: Gateway) -> None:
    on_notifications(gw, "user.trades.", lambda trade: dict(trade, trade_id=trade["trade_id"][::-1]))


@fault("notifications_after_unsubscribe", "subscriptions", "unsubscribe_all answers ok but keeps every subscription",
       "subscriptions")
def _notifications_after_unsubscribe(gw: Gateway) -> None:
    def keep(original):
        def unsubscribe_all(ctx):
            channels = set(ctx.session.channels) if ctx.session else set()
            result = original(ctx)
            if ctx.session:
                ctx.session.channels |= channels
            return result
        return unsubscribe_all
    replace(gw, "unsubscribe_all", keep)


@fault("private_channel_on_public_subscribe", "subscriptions",
       "public/subscribe also serves private channels of an authenticated connection", "subscriptions")
def _private_on_public(gw: Gateway) -> None:
    def lenient(original):
        def subscribe(ctx, identity, channels, private):
            if not private and ctx.session is not None and ctx.session.identity is not None:
                kinds = {channel: gw.parse_channel(channel)[1] for channel in channels}
                mine = [c for c in channels if kinds[c]]
                if mine:
                    original(ctx, ctx.session.identity, mine, True)
                rest = [c for c in channels if not kinds[c]]
                return original(ctx, identity, rest, False) if rest else "ok"
            return original(ctx, identity, channels, private)
        return subscribe
    replace(gw, "subscribe", lenient)


@fault("funding_rates_not_published", "subscriptions", "funding_rates is sent on subscribe only, never per period",
       "subscriptions")
def _funding_rates_silent(gw: Gateway) -> None:
    def periodic_only(original):
        def publish(channel, data, account_id):
            if not channel.startswith("funding_rates."):
                original(channel, data, account_id)
        return publish
    replace(gw, "publish", periodic_only)


# ---------------------------------------------------------------------------------------------- remote coverage (#13)
# Faults the remote-capable forms of once local_only checks kill on the staging simulator (fills on the suite's own
# orders, real heartbeat intervals, publications on a schedule). Register I-620..I-649.
@fault("user_orders_no_partial_fill", "subscriptions", "user.orders sends nothing when an order is partially filled",
       "subscriptions")
def _user_orders_no_partial_fill(gw: Gateway) -> None:
    on_notifications(gw, "user.orders.", lambda order: None if order.get("order_state") == "partially_filled" else order)


@fault("user_changes_fill_without_trades", "subscriptions", "user.changes notifications of a fill carry the order "
       "but an empty trades list", "subscriptions")
def _user_changes_fill_without_trades(gw: Gateway) -> None:
    on_notifications(gw, "user.changes.", lambda change: dict(change, trades=[]))


@fault("user_fee_not_after_trade", "subscriptions", "user_fee is sent on subscribe only, never after an own trade",
       "subscriptions")
def _user_fee_not_after_trade(gw: Gateway) -> None:
    drop_publications(gw.exchange, "_publish", lambda channel: channel == "user_fee")


@fault("heartbeat_trade_only_on_subscribe", "subscriptions", "heartbeat_trade is sent on subscribe, never every 10 s",
       "subscriptions")
def _heartbeat_trade_only_on_subscribe(gw: Gateway) -> None:
    drop_publications(gw, "publish", lambda channel: channel == "heartbeat_trade")


@fault("price_index_only_on_subscribe", "subscriptions", "deribit_price_index is sent on subscribe, never when the "
       "index moves", "subscriptions")
def _price_index_only_on_subscribe(gw: Gateway) -> None:
    drop_publications(gw.exchange, "_publish", lambda channel: channel.startswith("deribit_price_index."))


@fault("multi_channel_subscribe_keeps_first", "subscriptions",
       "subscribe with several channels answers ok but subscribes only the first one", "subscriptions")
def _multi_channel_subscribe_keeps_first(gw: Gateway) -> None:
    def first_only(original):
        def subscribe(ctx, identity, channels, private):
            result = original(ctx, identity, channels, private)
            if ctx.session is not None and len(channels) > 1:
                ctx.session.channels -= set(channels[1:])
            return result
        return subscribe
    replace(gw, "subscribe", first_only)
