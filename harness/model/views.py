"""What each query method must list, according to the model (register I-34..I-36, I-20, I-104)."""

from harness.model.exchange import ModelExchange
from harness.model.orders import ModelOrder, ModelTrade


def open_orders(model: ModelExchange, account: str, type_filter: str = "all") -> list[ModelOrder]:
    """get_open_orders_by_instrument: open, partially_filled and untriggered, oldest first (I-36)."""
    return sorted((o for o in model.orders.values() if o.account == account and o.is_open
                   and o.matches_type(type_filter)), key=lambda o: o.created)


def order_history(model: ModelExchange, account: str, include_unfilled: bool) -> list[ModelOrder]:
    """get_order_history_by_instrument: closed and partially filled orders, newest update first (I-35)."""
    def listed(order: ModelOrder) -> bool:
        if order.order_state in ("open", "untriggered"):
            return False
        if order.order_state == "partially_filled":
            return True
        return include_unfilled or order.filled_amount > 0
    return sorted((o for o in model.orders.values() if o.account == account and listed(o)),
                  key=lambda o: o.updated, reverse=True)


def orders_by_label(model: ModelExchange, account: str, label: str) -> list[ModelOrder]:
    """get_order_state_by_label: every order with that label, in any state, newest first (I-104)."""
    return sorted((o for o in model.orders.values() if o.account == account and o.label == label),
                  key=lambda o: o.created, reverse=True)


def account_trades(model: ModelExchange, account: str) -> list[tuple[ModelTrade, ModelOrder]]:
    """The account's side of every execution, oldest first (a self-trade counts once per side)."""
    sides = []
    for trade in model.trades:
        for key in (trade.maker, trade.taker):
            order = model.orders[key]
            if order.account == account:
                sides.append((trade, order))
    return sides


def sort_trades(sides: list, sorting: str) -> list:
    """I-20: asc = oldest first; desc and default = newest first."""
    return list(sides) if sorting == "asc" else list(reversed(sides))


def order_trades(model: ModelExchange, order: ModelOrder) -> list[ModelTrade]:
    return [model.trades[seq] for seq in order.trades]
