"""What each query method must list, read off the ledger (register I-18, I-20, I-30, I-34..I-36, I-104)."""

from harness.model.ledger import Ledger
from harness.model.records import ModelOrder, ModelTrade


def open_orders(model: Ledger, account: str, type_filter: str = "all") -> list[ModelOrder]:
    """get_open_orders_by_instrument: open, partially_filled and untriggered, oldest first (I-36)."""
    return [o for o in model.orders if o.account == account and o.live and o.admitted_by(type_filter)]


def order_history(model: Ledger, account: str, include_unfilled: bool) -> list[ModelOrder]:
    """get_order_history_by_instrument: closed and partially filled orders, newest change first (I-35)."""
    def listed(order: ModelOrder) -> bool:
        if order.order_state in ("open", "untriggered"):
            return False
        return order.order_state == "partially_filled" or include_unfilled or order.filled_amount > 0
    return sorted((o for o in model.orders if o.account == account and listed(o)),
                  key=lambda o: o.updated, reverse=True)


def orders_by_label(model: Ledger, account: str, label: str) -> list[ModelOrder]:
    """get_order_state_by_label: every order with that label, in any state, newest first (I-104)."""
    return [o for o in reversed(model.orders) if o.account == account and o.label == label]


def account_trades(model: Ledger, account: str) -> list[tuple[ModelTrade, ModelOrder]]:
    """The account's side of every execution, oldest first (a self-trade counts once per side)."""
    return [(trade, model.orders[key]) for trade in model.trades for key in (trade.maker, trade.taker)
            if model.orders[key].account == account]


def sort_trades(sides: list, sorting: str) -> list:
    """I-20: asc = oldest first; desc and default = newest first."""
    return list(sides) if sorting == "asc" else list(reversed(sides))


def order_trades(model: Ledger, order: ModelOrder) -> list[ModelTrade]:
    return [model.trades[seq] for seq in order.trades]


def book_levels(model: Ledger, direction: str) -> dict[float, float]:
    """get_order_book: the suite's resting orders of one side by price level, each showing
    min(max_show, unfilled) (I-18, I-30); levels that show nothing are absent."""
    levels: dict[float, float] = {}
    for order in model.in_book(direction):
        shown = order.unfilled if order.max_show is None else min(order.max_show, order.unfilled)
        levels[order.price] = levels.get(order.price, 0.0) + shown
    return {price: amount for price, amount in levels.items() if amount > 0}
