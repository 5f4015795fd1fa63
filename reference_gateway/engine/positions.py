"""Positions and their PnL arithmetic (register I-39)."""

from dataclasses import dataclass

from reference_gateway.config import Instrument


@dataclass
class Position:
    instrument: Instrument
    size: float = 0.0  # signed: USD for futures, contracts for options
    average_price: float = 0.0
    realized: float = 0.0

    def pnl(self, size: float, entry: float, exit_price: float) -> float:
        """PnL in USD of ``size`` (signed) opened at ``entry`` and valued at ``exit_price``."""
        if self.instrument.kind == "option":
            return size * (exit_price - entry)
        return size * (exit_price - entry) / entry if entry else 0.0

    def apply_fill(self, signed_amount: float, price: float) -> None:
        if self.size == 0 or (self.size > 0) == (signed_amount > 0):
            total = self.size + signed_amount
            self.average_price = (self.average_price * abs(self.size) + price * abs(signed_amount)) / abs(total)
            self.size = round(total, 10)
            return
        closing = min(abs(signed_amount), abs(self.size))
        closed = closing if self.size > 0 else -closing
        self.realized += self.pnl(closed, self.average_price, price)
        self.size = round(self.size + signed_amount, 10)
        if self.size == 0:
            self.average_price = 0.0
        elif (self.size > 0) == (signed_amount > 0):  # flipped: the rest opens at the trade price
            self.average_price = price

    def floating(self, mark: float) -> float:
        return self.pnl(self.size, self.average_price, mark) if self.size else 0.0
