"""Gateway configuration: accounts, instruments, indices and limits.

A config file (TOML) may replace any top-level table of ``DEFAULT_CONFIG``.
"""

import copy
import tomllib
from dataclasses import dataclass
from pathlib import Path

PERPETUAL_EXPIRY_MS = 32503708800000  # Deribit's "never" for perpetuals

DEFAULT_CONFIG: dict = {
    "accounts": [
        {"client_id": "maker", "client_secret": "maker-secret", "account_id": "66fa44883ea1ba9966db0001",
         "email": "maker@pulse.local", "balance": 1_000_000.0},
        {"client_id": "taker", "client_secret": "taker-secret", "account_id": "66fa44883ea1ba9966db0002",
         "email": "taker@pulse.local", "balance": 1_000_000.0},
        {"client_id": "observer", "client_secret": "observer-secret", "account_id": "66fa44883ea1ba9966db0003",
         "email": "observer@pulse.local", "balance": 1_000_000.0},
        # reserved for the suite's MMP breaches (I-640): a breach freezes the whole account's mmp quoting
        {"client_id": "mmp", "client_secret": "mmp-secret", "account_id": "66fa44883ea1ba9966db0004",
         "email": "mmp@pulse.local", "balance": 1_000_000.0},
    ],
    "indices": {"btc_usd": 60000.0, "eth_usd": 3000.0},
    "instruments": [
        {"instrument_name": "BTC_USD-PERPETUAL", "kind": "future", "base_currency": "BTC", "price_index": "btc_usd",
         "tick_size": 0.5, "contract_size": 10, "expiration_timestamp": PERPETUAL_EXPIRY_MS},
        {"instrument_name": "ETH_USD-PERPETUAL", "kind": "future", "base_currency": "ETH", "price_index": "eth_usd",
         "tick_size": 0.05, "contract_size": 1, "expiration_timestamp": PERPETUAL_EXPIRY_MS},
        {"instrument_name": "BTC_USD-25DEC26", "kind": "future", "base_currency": "BTC", "price_index": "btc_usd",
         "tick_size": 0.5, "contract_size": 10, "expiration_timestamp": 1798185600000},
        {"instrument_name": "BTC-25DEC26-60000-C", "kind": "option", "base_currency": "BTC", "price_index": "btc_usd",
         "tick_size": 5.0, "contract_size": 1, "expiration_timestamp": 1798185600000, "strike": 60000,
         "option_type": "call"},
        {"instrument_name": "BTC-25DEC26-60000-P", "kind": "option", "base_currency": "BTC", "price_index": "btc_usd",
         "tick_size": 5.0, "contract_size": 1, "expiration_timestamp": 1798185600000, "strike": 60000,
         "option_type": "put"},
        {"instrument_name": "BTC_USD-26JUN26", "kind": "future", "base_currency": "BTC", "price_index": "btc_usd",
         "tick_size": 0.5, "contract_size": 10, "expiration_timestamp": 1782460800000, "expired": True},
    ],
    "limits": {
        "access_token_ttl_s": 900,
        "refresh_token_ttl_s": 86400,
        "signature_window_ms": 60000,
        "max_message_bytes": 65536,
        "requests_per_second": 500,
        "request_burst": 1000,
        "max_subscriptions": 200,
        "notification_queue": 10000,
        "max_leverage": 50,
    },
}


@dataclass(frozen=True)
class Instrument:
    instrument_name: str
    kind: str
    base_currency: str
    price_index: str
    tick_size: float
    contract_size: int
    expiration_timestamp: int
    strike: float | None = None
    option_type: str | None = None
    expired: bool = False

    @property
    def is_perpetual(self) -> bool:
        return self.instrument_name.endswith("PERPETUAL")

    def public(self) -> dict:
        data = {
            "base_currency": self.base_currency,
            "contract_size": self.contract_size,
            "expiration_timestamp": self.expiration_timestamp,
            "instrument_name": self.instrument_name,
            "is_active": not self.expired,
            "kind": self.kind,
            "price_index": self.price_index,
            "quote_currency": "USD",
            "settlement_currency": "USD",
            "tick_size": self.tick_size,  # undocumented in Pulse, as in Deribit's get_instruments (I-220)
        }
        if self.kind == "option":
            data["option_type"] = self.option_type
            data["strike"] = self.strike
        return data


def load_config(path: str | Path | None = None) -> dict:
    config = copy.deepcopy(DEFAULT_CONFIG)
    if path:
        with open(path, "rb") as handle:
            override = tomllib.load(handle)
        for key, value in override.items():
            if isinstance(value, dict) and isinstance(config.get(key), dict):
                config[key].update(value)
            else:
                config[key] = value
    return config
