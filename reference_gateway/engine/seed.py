"""Accounts and the history they start with: the deposits that funded them and a few past settlements."""

from dataclasses import dataclass, field

from reference_gateway.clock import DAY_MS


@dataclass
class Account:
    account_id: str
    client_id: str
    email: str
    initial_balance: float
    creation_timestamp: int
    deposits: list[dict] = field(default_factory=list)
    settlements: list[dict] = field(default_factory=list)
    fee_volume: dict = field(default_factory=lambda: {"future": 0.0, "option": 0.0, "perpetual": 0.0})


def seed_deposits(account: Account, now: int) -> list[dict]:
    """The deposits that funded the account: they add up to its initial balance, newest first."""
    shares = (0.5, 0.3, 0.2)
    return [
        {"amount": round(account.initial_balance * share, 2), "currency": "USD",
         "received_timestamp": now - (i + 1) * 7 * DAY_MS, "state": "completed",
         "transaction_id": f"{account.account_id[:16]}{i:08x}"}
        for i, share in enumerate(shares)
    ]


def seed_settlements(account: Account, now: int) -> list[dict]:
    entries = []
    for i, kind in enumerate(("settlement", "settlement", "delivery")):
        entries.append({"index_price": f"{60000.0 - 250 * i:.1f}", "instrument_name": "BTC_USD-26JUN26",
                        "position": "long" if i % 2 == 0 else "short", "profit_loss": f"{125.5 * (i + 1):.1f}",
                        "timestamp": now - (i + 1) * DAY_MS, "type": kind})
    return entries
