"""Position arithmetic (register I-39, I-101, I-102): signed size in USD, amount-weighted entry price,
inverse-contract PnL valued in USD at the exit price."""

from dataclasses import dataclass


@dataclass
class ModelPosition:
    size: float = 0.0  # signed: long > 0 (I-39)
    average_price: float = 0.0
    realized: float = 0.0  # realised PnL in USD since the model started watching

    def apply(self, signed_amount: float, price: float) -> None:
        """One fill of ``signed_amount`` USD (buy > 0) at ``price``."""
        if self.size == 0 or (self.size > 0) == (signed_amount > 0):  # opening or adding (I-101)
            total = self.size + signed_amount
            self.average_price = (self.average_price * abs(self.size) + price * abs(signed_amount)) / abs(total)
            self.size = round(total, 10)
            return
        closing = min(abs(signed_amount), abs(self.size))
        closed = closing if self.size > 0 else -closing
        self.realized += closed * (price - self.average_price) / self.average_price  # I-102
        self.size = round(self.size + signed_amount, 10)
        if self.size == 0:
            self.average_price = 0.0
        elif (self.size > 0) == (signed_amount > 0):  # flipped: the excess opens at the fill price
            self.average_price = price
