"""A market-maker-protection breach on the test instrument (local only: it trades).

The maker quotes two far ``mmp`` orders, MMP is configured so that one contract traded breaches
``quantity_limit``, and the taker lifts the ask. Used by the MMP session tests and the user.mmp_trigger channel.
"""

from dataclasses import dataclass

from harness.placement import far_prices

FROZEN_TIME_S = 5
INTERVAL_S = 10


@dataclass
class MmpBreach:
    config: dict  # what set_mmp_config was given
    hit: dict  # the mmp ask the taker traded against (RPC order)
    other: dict  # the mmp bid that the trigger must cancel (RPC order)
    bystander: dict  # a non-mmp bid that MMP must leave alone (RPC order)
    traded_at_ms: int


def mmp_config(env) -> dict:
    return {"index_name": env.index_name, "interval": INTERVAL_S, "frozen_time": FROZEN_TIME_S,
            "quantity_limit": env.contract_size}


def quote(maker, env, direction: str, price: float, mmp: bool = True) -> dict:
    return maker.call(f"private/{direction}", instrument_name=env.test_instrument, type="limit", price=price,
                      amount=env.contract_size, mmp=mmp)["order"]


def breach_mmp(maker, taker, env) -> MmpBreach:
    config = mmp_config(env)
    maker.call("private/set_mmp_config", **config)
    buy, sell = far_prices(maker.call, env)
    hit, other = quote(maker, env, "sell", sell), quote(maker, env, "buy", buy)
    bystander = quote(maker, env, "buy", buy - env.tick_size, mmp=False)
    trade = taker.call("private/buy", instrument_name=env.test_instrument, type="limit", price=sell,
                       amount=env.contract_size, time_in_force="immediate_or_cancel")
    assert trade["trades"], f"the taker's buy at {sell} did not trade with the maker's mmp ask: {trade}"
    return MmpBreach(config, hit, other, bystander, trade["trades"][0]["timestamp"])


def switch_mmp_off(maker, env) -> None:
    """interval 0 disables MMP (I-42); set_mmp_config also unfreezes."""
    maker.call("private/set_mmp_config", index_name=env.index_name, interval=0, frozen_time=0, quantity_limit=0)
