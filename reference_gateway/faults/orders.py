"""Faults of area ``orders``. Order semantics: time in force, post_only, reduce_only, edit, cancel_all, triggers, OCO/OTO, priority, history."""

from reference_gateway.faults.registry import fault
from reference_gateway.faults.seams import ORDER_METHODS, each_order, on_params, on_results, replace
from reference_gateway.gateway import Gateway


@fault("fok_partially_fills", "orders", "a fill_or_kill order fills what it can and cancels the rest", "trading")
def _fok_partially_fills(gw: Gateway) -> None:
    gw.exchange._fok_can_fill = lambda order: True


@fault("ioc_rests", "orders", "the unfilled rest of an immediate_or_cancel order rests in the book", "trading")
def _ioc_rests(gw: Gateway) -> None:
    replace(gw.exchange, "_rests_remainder",
            lambda original: lambda order: original(order) or (order.time_in_force == "immediate_or_cancel"
                                                                and order.price is not None))


@fault("post_only_takes", "orders", "a crossing post_only order trades as taker instead of being repriced", "trading")
def _post_only_takes(gw: Gateway) -> None:
    gw.exchange._post_only_price = lambda order: order.price


@fault("reduce_only_increases", "orders", "reduce_only is ignored: the order may open or grow a position", "trading")
def _reduce_only_increases(gw: Gateway) -> None:
    gw.exchange._reduce_cap = lambda order, amount: amount


@fault("edit_loses_replaced", "orders", "an edited order comes back with replaced: false", "trading")
def _edit_loses_replaced(gw: Gateway) -> None:
    on_results(gw, {"private/edit"}, lambda result: each_order(result, lambda order: order.update(replaced=False)))


@fault("cancel_all_leaves_trigger_orders", "orders", "cancel_all cancels plain orders but leaves trigger orders",
       "trading")
def _cancel_all_leaves_triggers(gw: Gateway) -> None:
    x = gw.exchange
    x.cancel_all = lambda account_id: x._cancel_where(
        lambda o: o.account_id == account_id and not o.is_trigger_order, "user_request")


@fault("cancel_all_by_instrument_type_ignored", "orders", "cancel_all_by_instrument cancels every order whatever "
       "its type filter", "trading")
def _cancel_by_instrument_type_ignored(gw: Gateway) -> None:
    on_params(gw, "private/cancel_all_by_instrument", lambda params: params.update(type="all"))


@fault("trigger_direction_inverted", "orders", "stop and take orders fire on a move the wrong way", "trading")
def _trigger_direction_inverted(gw: Gateway) -> None:
    replace(gw.exchange, "_trigger_fires", lambda original: lambda order, price: not original(order, price))


@fault("oco_sibling_not_cancelled", "orders", "when one OCO leg executes, the other leg stays live", "trading")
def _oco_sibling_not_cancelled(gw: Gateway) -> None:
    gw.exchange._cancel_oco_siblings = lambda executed: None


@fault("oto_secondaries_placed_early", "orders", "secondaries are live as soon as the primary is placed", "trading")
def _oto_secondaries_placed_early(gw: Gateway) -> None:
    x = gw.exchange

    def attach(original):
        def attach_and_activate(primary, params):
            original(primary, params)
            for order_id in primary.oto_order_ids:
                secondary = x.orders[order_id]
                secondary.status_otoco = "active"
                x._followups.append(lambda s=secondary: x._enter(s))
        return attach_and_activate
    replace(x, "_attach_secondaries", attach)


@fault("incremental_places_full_size", "orders", "trigger_fill_condition incremental activates the full secondary "
       "size on the first fill", "trading")
def _incremental_full_size(gw: Gateway) -> None:
    def target(original):
        def full_once_filled(primary, secondary):
            if primary.trigger_fill_condition == "incremental" and primary.filled_amount > 0:
                return secondary.otoco_template["amount"]
            return original(primary, secondary)
        return full_once_filled
    replace(gw.exchange, "_secondary_target_amount", target)


@fault("primary_cancel_keeps_secondaries", "orders", "cancelling a primary leaves its draft secondaries waiting",
       "trading")
def _primary_cancel_keeps_secondaries(gw: Gateway) -> None:
    gw.exchange._cancel_draft_secondaries = lambda primary: None


@fault("price_time_priority_broken", "orders", "orders at one price level fill newest first (LIFO)", "trading")
def _price_time_priority_broken(gw: Gateway) -> None:
    def lifo(book):
        def makers_against(direction):
            side = book._asks if direction == "buy" else book._bids
            prices = list(side.keys()) if direction == "buy" else list(reversed(side.keys()))
            for price in prices:
                yield from reversed(list(side.get(price, ())))
        return makers_against
    for book in gw.exchange.books.values():
        book.makers_against = lifo(book)


@fault("average_price_wrong", "orders", "average_price reports the order's limit price, not the mean of its fills",
       "trading")
def _average_price_wrong(gw: Gateway) -> None:
    def change(order: dict) -> None:
        if order.get("filled_amount") and order.get("price") is not None:
            order["average_price"] = order["price"]
    on_results(gw, ORDER_METHODS, lambda result: each_order(result, change))


@fault("history_include_unfilled_ignored", "orders", "order history lists unfilled closed orders whatever "
       "include_unfilled says", "trading")
def _history_include_unfilled_ignored(gw: Gateway) -> None:
    on_params(gw, "private/get_order_history_by_instrument", lambda params: params.update(include_unfilled=True))


@fault("history_count_ignored", "orders", "order history ignores count and offset", "trading")
def _history_count_ignored(gw: Gateway) -> None:
    on_params(gw, "private/get_order_history_by_instrument", lambda params: params.update(count=1000, offset=0))


@fault("user_trades_sorting_reversed", "orders", "get_user_trades_by_instrument sorts asc as desc and desc as asc",
       "trading")
def _user_trades_sorting_reversed(gw: Gateway) -> None:
    swap = {"asc": "desc", "desc": "asc", "default": "asc"}
    on_params(gw, "private/get_user_trades_by_instrument", lambda params: params.update(sorting=swap[params["sorting"]]))


@fault("positions_sign_flipped", "orders", "get_positions reports short positions with a positive size", "trading")
def _positions_sign_flipped(gw: Gateway) -> None:
    def flip(result: object) -> object:
        for position in result if isinstance(result, list) else []:
            if isinstance(position, dict) and isinstance(position.get("size"), (int, float)):
                position["size"] = -position["size"]
                position["direction"] = "buy" if position["size"] > 0 else "sell"
        return result
    on_results(gw, {"private/get_positions"}, flip)


@fault("edit_keeps_priority_on_price_change", "orders", "an order edited to a new price keeps its place at the "
       "front of its new level", "trading")
def _edit_keeps_priority(gw: Gateway) -> None:
    x = gw.exchange
    handler, private = gw.methods["private/edit"]

    def edit(ctx, identity, params):
        result = handler(ctx, identity, params)
        order = x.orders[result["order"]["order_id"]]
        level = x.books[order.instrument_name]._side(order.direction).get(order.price) or []
        if order in level:  # jump the queue at the new price
            level.remove(order)
            level.insert(0, order)
        return result
    gw.methods["private/edit"] = (edit, private)


# Remote coverage (#13): killed by the remote-capable form of a once local_only check.
@fault("market_remainder_reported_open", "orders", "a market order that could not fill completely is reported open, "
       "not cancelled", "trading")
def _market_remainder_reported_open(gw: Gateway) -> None:
    def report_open(order: dict) -> None:
        if order.get("order_type") == "market" and order.get("filled_amount", 0) < order.get("amount", 0):
            order["order_state"] = "open"
    on_results(gw, {"private/buy", "private/sell"}, lambda result: each_order(result, report_open))
