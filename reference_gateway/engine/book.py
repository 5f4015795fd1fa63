"""One instrument's limit order book with price-time priority."""

from collections.abc import Iterator

from sortedcontainers import SortedDict

from reference_gateway.engine.orders import Order


class OrderBook:
    def __init__(self, instrument_name: str) -> None:
        self.instrument_name = instrument_name
        self._bids: SortedDict = SortedDict()  # price -> [Order], iterated high to low
        self._asks: SortedDict = SortedDict()  # price -> [Order], iterated low to high

    def _side(self, direction: str) -> SortedDict:
        return self._bids if direction == "buy" else self._asks

    def add(self, order: Order) -> None:
        self._side(order.direction).setdefault(order.price, []).append(order)

    def remove(self, order: Order) -> None:
        side = self._side(order.direction)
        level = side.get(order.price)
        if level and order in level:
            level.remove(order)
            if not level:
                del side[order.price]

    def makers_against(self, direction: str) -> Iterator[Order]:
        """Resting orders a taker in ``direction`` meets, best price first, then oldest first."""
        side = self._asks if direction == "buy" else self._bids
        prices = list(side.keys()) if direction == "buy" else list(reversed(side.keys()))
        for price in prices:
            yield from list(side.get(price, ()))

    def best(self, direction: str) -> float | None:
        side = self._side(direction)
        if not side:
            return None
        return side.peekitem(-1 if direction == "buy" else 0)[0]

    def visible_levels(self, direction: str) -> list[list[float]]:
        side = self._side(direction)
        prices = reversed(side.keys()) if direction == "buy" else side.keys()
        levels = []
        for price in prices:
            amount = round(sum(order.visible_amount for order in side[price]), 10)
            if amount > 0:
                levels.append([price, amount])
        return levels

    def orders(self) -> Iterator[Order]:
        for side in (self._bids, self._asks):
            for level in side.values():
                yield from level
