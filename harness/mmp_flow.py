"""A market-maker-protection breach on the test instrument, safe on a shared gateway (I-640).

The maker (the account reserved for MMP breaches remotely) quotes an ``mmp`` ask at the centre of the worker's
claimed price band and a far ``mmp`` bid, MMP is configured so that one contract traded breaches
``quantity_limit``, and the taker lifts the ask with an immediate_or_cancel buy at the band centre, where only the
suite's own ask rests (I-626). Used by the MMP session tests and the user.mmp_trigger channel; ``exclusive`` keeps
two workers' breaches on the one reserved account from overlapping.
"""

import fcntl
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from harness.band import read_band
from harness.claims import ClaimRegistry, ClaimsUnavailable
from harness.model.driver import position_of
from harness.placement import far_from

MMP_RESOURCE = "mmp-breach"  # the lock's and the cross-run claim's name
FROZEN_TIME_S = 30  # long enough for the remote checks to see the freeze before they reset it (set_mmp_config)
INTERVAL_S = 10


@dataclass
class MmpBreach:
    config: dict  # what set_mmp_config was given
    hit: dict  # the mmp ask the taker traded against (RPC order)
    other: dict  # the mmp bid that the trigger must cancel (RPC order)
    bystander: dict  # a non-mmp bid that MMP must leave alone (RPC order)
    traded_at_ms: int
    bid_price: float  # the price the suite sent for ``other`` (far below the book: rests, never trades)


def mmp_config(env) -> dict:
    return {"index_name": env.index_name, "interval": INTERVAL_S, "frozen_time": FROZEN_TIME_S,
            "quantity_limit": env.contract_size}


def quote(maker, env, direction: str, price: float, mmp: bool = True) -> dict:
    return maker.call(f"private/{direction}", instrument_name=env.test_instrument, type="limit", price=price,
                      amount=env.contract_size, mmp=mmp)["order"]


def breach_mmp(maker, taker, env) -> MmpBreach:
    config = mmp_config(env)
    maker.call("private/set_mmp_config", **config)
    band, book = read_band(maker, env)  # nothing foreign rests at its centre: the taker meets our ask only
    centre, (buy, _) = band.centre, far_from(float(band.index_price), book, env)
    hit, other = quote(maker, env, "sell", centre), quote(maker, env, "buy", buy)
    bystander = quote(maker, env, "buy", buy - env.tick_size, mmp=False)
    trade = taker.call("private/buy", instrument_name=env.test_instrument, type="limit", price=centre,
                       amount=env.contract_size, time_in_force="immediate_or_cancel")
    assert trade["trades"], f"the taker's buy at {centre} did not trade with the maker's mmp ask: {trade}"
    return MmpBreach(config, hit, other, bystander, trade["trades"][0]["timestamp"], buy)


def give_back(maker, taker, env) -> None:
    """Trade back what the breaches left: the reserved account's position on the test instrument (only the taker
    traded with it) is closed against the taker at the band centre, so the taker's position is what the run's
    other cases found (their model driver levels maker against taker only)."""
    size = (position_of(maker.call("private/get_positions", kind="future"), env.test_instrument) or {}).get("size")
    if not size:
        return
    band, _ = read_band(maker, env)
    close, back = ("buy", "sell") if size < 0 else ("sell", "buy")
    maker.call(f"private/{close}", instrument_name=env.test_instrument, type="limit", price=band.centre,
               amount=abs(size), mmp=False)
    taker.call(f"private/{back}", instrument_name=env.test_instrument, type="limit", price=band.centre,
               amount=abs(size), time_in_force="immediate_or_cancel")


def switch_mmp_off(maker, env) -> None:
    """interval 0 disables MMP (I-42); set_mmp_config also unfreezes."""
    maker.call("private/set_mmp_config", index_name=env.index_name, interval=0, frozen_time=0, quantity_limit=0)


@contextmanager
def exclusive(directory: Path, name: str = MMP_RESOURCE, registry: ClaimRegistry | None = None,
              wait_s: float = 900.0) -> Iterator[None]:
    """Hold a lock file in ``directory`` (shared by the run's xdist workers): one breach at a time on the reserved
    account, whose MMP config and freeze are per account and index, not per worker. With a claim ``registry``
    (harness.claims, I-222) the breach is also claimed against other runs on the same accounts, waiting up to
    ``wait_s`` for theirs to end (a TimeoutError names the holder); where the gateway cannot hold claims it goes
    without (the run's venue line says so)."""
    directory.mkdir(parents=True, exist_ok=True)
    with open(directory / f"{name}.lock", "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            if registry is not None and not registry.unavailable:
                try:
                    registry.acquire(name, wait_s)
                except ClaimsUnavailable as exc:
                    registry.unavailable, registry = str(exc), None
            try:
                yield
            finally:
                if registry is not None:
                    registry.release(name)
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
