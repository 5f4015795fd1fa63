"""Claims across runs: two runs on the same test accounts never trade on the same instrument (I-222).

The gateway team's CI and an engineer's ``pytest -m trading --env stg`` share the maker and taker accounts. Within
one run the xdist workers split the free instruments by worker number (harness.venue), but two runs each take the
first free one and cross each other's orders: fills neither model predicted, ``cancel_all_by_instrument``
cancelling the other run's orders, positions moving under both.

The runs have only the gateway in common, so the claims live there: on a **registry instrument** that no run trades
on (``claim_registry`` in spec/environments.toml), a claim is a far resting maker buy labelled
``pulse-claim/<resource>/<owner>/<ttl seconds>`` (a resource is an instrument, or ``mmp-breach`` for the reserved
MMP account). Every run uses the same accounts, so every run lists every claim with
``private/get_open_orders_by_instrument``.

To claim, a worker places its claim and lists the registry again: when another owner's live claim on the same
resource was created at or before its own (the gateway's ``creation_timestamp``), it cancels its own and backs
off. Both runs see both claims once both are placed, so at most one keeps it; on a tie (or with no timestamps) both
back off and retry after a random pause. A claim ends when its owner cancels it (fixture teardown, Ctrl-C, the
end-of-run sweep reads it from the journal) or when its ttl (``--max-run-seconds``) has passed on the gateway's
clock: an expired claim of a killed run is cancelled by whoever sees it (it is the suite's own order).
"""

import json
import math
import random
import time
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from pathlib import Path

from harness.errors import PulseCallError

LABEL_PREFIX = "pulse-claim"
LABEL_LIMIT = 64  # I-47/I-100's label limit (Deribit's)
LISTING_COUNT = 100  # get_open_orders_by_instrument's count (default 10, I-21): every claim of every run on one page
FAR_FRACTION = 0.5  # the claim rests this far below the index and the best bid: it never trades

Call = Callable[[str, dict], object]  # (method, params) -> result, authorised as the maker


class ClaimsUnavailable(Exception):
    """The registry cannot hold claims on this gateway (instrument unknown, order refused, label not listed)."""


@dataclass(frozen=True)
class Claim:
    resource: str
    owner: str
    ttl_s: int
    order_id: str
    created_ms: int | None

    def expired(self, now_ms: float) -> bool:
        return self.created_ms is not None and self.created_ms + self.ttl_s * 1000 <= now_ms

    def beats(self, mine: "Claim") -> bool:
        """Another owner's claim keeps the resource when it is not later than ``mine`` (a tie, or an unknown
        time, makes both back off: never two holders)."""
        if self.created_ms is None or mine.created_ms is None:
            return True
        return self.created_ms <= mine.created_ms

    def describe(self) -> str:
        when = "" if self.created_ms is None else time.strftime(" since %H:%M:%S UTC",
                                                                  time.gmtime(self.created_ms / 1000))
        return f"{self.resource} held by run {self.owner}{when} (ttl {self.ttl_s} s)"


def label_for(resource: str, owner: str, ttl_s: int) -> str:
    label = f"{LABEL_PREFIX}/{resource}/{owner}/{int(ttl_s)}"
    if len(label) > LABEL_LIMIT:
        raise ValueError(f"claim label longer than {LABEL_LIMIT} characters: {label}")
    return label


def parse(order: object) -> Claim | None:
    """The claim an open order stands for, or None (someone else's order, or not a claim)."""
    if not isinstance(order, dict) or not isinstance(order.get("label"), str):
        return None
    parts = order["label"].split("/")
    if len(parts) != 4 or parts[0] != LABEL_PREFIX or not parts[3].isdigit() or not isinstance(order.get("order_id"), str):
        return None
    created = order.get("creation_timestamp")
    created = int(created) if isinstance(created, int | float) and not isinstance(created, bool) else None
    return Claim(parts[1], parts[2], int(parts[3]), order["order_id"], created)


class ClaimRegistry:
    """One worker's claims on the registry instrument. ``call`` sends as the maker; ``journal`` (a file in the run
    directory named like the order journals) lets the end-of-run sweep cancel a claim a dead worker left."""

    def __init__(self, call: Call, instrument: str, owner: str, ttl_s: int, journal: Path | None = None,
                 currencies: tuple[str, ...] = ("BTC", "ETH"), sleep: Callable[[float], None] = time.sleep,
                 rng: random.Random | None = None, cleanup: Callable[[], AbstractContextManager] = nullcontext):
        self.call, self.instrument, self.owner, self.ttl_s = call, instrument, owner, int(ttl_s)
        self.currencies, self.cleanup = tuple(currencies), cleanup  # cleanup(): the pacer's reserve for releases
        self.journal, self.sleep, self.rng = journal, sleep, rng or random.Random()
        self.held: dict[str, Claim] = {}
        self.unavailable = ""  # why this gateway cannot hold claims, once found (the run goes without them)
        self._order: dict | None = None  # price and amount of a claim, read once

    # ------------------------------------------------------------------------------------------ reading
    def claims(self) -> list[Claim]:
        try:
            listed = self.call("private/get_open_orders_by_instrument",
                               {"instrument_name": self.instrument, "type": "all", "count": LISTING_COUNT})
        except PulseCallError as exc:  # the gateway refuses: the registry cannot be used here
            raise ClaimsUnavailable(f"listing the claim registry {self.instrument} failed: {exc}") from exc
        return [claim for claim in map(parse, listed if isinstance(listed, list) else []) if claim]

    def rivals(self, claims: list[Claim], now_ms: float | None = None) -> dict[str, Claim]:
        """resource -> the earliest live claim another owner holds on it (by the local clock when ``now_ms`` is
        not given: a guess that only saves a placement; try_claim decides on the gateway's clock)."""
        now = time.time() * 1000 if now_ms is None else now_ms
        held: dict[str, Claim] = {}
        for claim in claims:
            if claim.owner == self.owner or claim.expired(now):
                continue
            first = held.get(claim.resource)
            if first is None or (claim.created_ms or 0) < (first.created_ms or 0):
                held[claim.resource] = claim
        return held

    # ------------------------------------------------------------------------------------------ claiming
    def try_claim(self, resource: str) -> Claim | None:
        """Place a claim on ``resource`` and keep it when no other owner's live claim is earlier; returns our claim,
        or None after cancelling it (the resource is taken, or a tie: retry later)."""
        return self.decide(resource, self.place(resource))

    def decide(self, resource: str, placed: str) -> Claim | None:
        """The second half of try_claim: list the registry after placing claim ``placed``, and keep it or back off."""
        listed = self.claims()
        mine = next((claim for claim in listed if claim.order_id == placed), None)
        if mine is None:
            self._cancel(placed)
            raise ClaimsUnavailable(f"the claim {placed} on {self.instrument} is not listed with its label "
                                    f"{label_for(resource, self.owner, self.ttl_s)!r} among the open orders")
        now = mine.created_ms if mine.created_ms is not None else time.time() * 1000
        for other in listed:
            if other.owner == self.owner or other.resource != resource:
                continue
            if other.expired(now):
                self._cancel(other.order_id)  # a killed run's claim: the suite's own order, left behind
            elif other.beats(mine):
                self._cancel(placed)
                return None
        self.held[resource] = mine
        return mine

    def acquire(self, resource: str, wait_s: float, poll_s: float = 10.0,
                clock: Callable[[], float] = time.monotonic) -> tuple[Claim, float]:
        """Wait (up to ``wait_s``) until ``resource`` is ours; returns the claim and the seconds waited. Raises
        TimeoutError naming the holder."""
        start = clock()
        while True:
            if not self.rivals(self.claims()).get(resource):
                if claim := self.try_claim(resource):
                    return claim, clock() - start
            holder = self.rivals(self.claims()).get(resource)
            if clock() - start >= wait_s:
                raise TimeoutError(f"waited {wait_s:g} s for {resource}: "
                                   + (holder.describe() if holder else "every try tied with another run's claim"))
            self.sleep(self.backoff(poll_s if holder else 1.0))

    def backoff(self, base: float) -> float:
        return base * self.rng.uniform(0.5, 1.5)

    def release(self, resource: str) -> None:
        claim = self.held.pop(resource, None)
        if claim:
            with self.cleanup():
                self._cancel(claim.order_id)

    def release_all(self) -> None:
        for resource in list(self.held):
            self.release(resource)

    # ------------------------------------------------------------------------------------------ orders
    def place(self, resource: str) -> str:
        price, amount = self._claim_order()
        try:
            result = self.call("private/buy", {"instrument_name": self.instrument, "type": "limit", "price": price,
                                               "amount": amount, "label": label_for(resource, self.owner, self.ttl_s)})
        except PulseCallError as exc:
            raise ClaimsUnavailable(f"placing a claim on {self.instrument} failed: {exc}") from exc
        order = result.get("order") if isinstance(result, dict) else None
        if not isinstance(order, dict) or not isinstance(order.get("order_id"), str):
            raise ClaimsUnavailable(f"placing a claim on {self.instrument} returned no order id: {result}")
        if self.journal:
            self.journal.parent.mkdir(parents=True, exist_ok=True)
            with open(self.journal, "a", encoding="utf-8") as handle:
                handle.write(json.dumps({"account": "maker", "order_id": order["order_id"],
                                         "instrument_name": self.instrument}) + "\n")
        return order["order_id"]

    def _cancel(self, order_id: str) -> None:
        try:
            self.call("private/cancel", {"order_id": order_id})
        except PulseCallError:  # gone already (cancelled by its owner, or filled)
            pass

    def _claim_order(self) -> tuple[float, float]:
        if self._order is None:
            self._order = claim_order(self.call, self.instrument, self.currencies)
        return self._order["price"], self._order["amount"]


def claim_order(call: Call, instrument: str, currencies: tuple[str, ...]) -> dict:
    """A price that never trades on the registry (half the lowest of the index and the best bid, on its tick grid)
    and its smallest amount (one contract)."""
    listed = [i for currency in currencies for i in _instruments(call, currency)]
    found = next((i for i in listed if i.get("instrument_name") == instrument), None)
    if found is None:
        raise ClaimsUnavailable(f"the claim registry {instrument} is not among the gateway's futures")
    tick = found.get("tick_size") if isinstance(found.get("tick_size"), int | float) else None
    contract = found.get("contract_size") if isinstance(found.get("contract_size"), int | float) else None
    try:
        book = call("private/get_order_book", {"instrument_name": instrument, "depth": 1})
        index = float(call("public/get_index_price", {"index_name": found.get("price_index")}))
    except PulseCallError as exc:
        raise ClaimsUnavailable(f"reading the claim registry {instrument}'s book and index failed: {exc}") from exc
    lowest = min(p for p in (index, book.get("best_bid_price"), book.get("best_ask_price")) if isinstance(p, int | float))
    tick = tick or 1.0
    price = max(math.floor(lowest * (1 - FAR_FRACTION) / tick) * tick, tick)
    return {"price": round(price, 10), "amount": contract or 1}


def _instruments(call: Call, currency: str) -> list[dict]:
    try:
        listed = call("private/get_instruments", {"currency": currency, "kind": "future"})
    except PulseCallError:  # a currency this gateway does not list
        return []
    return [i for i in listed if isinstance(i, dict)] if isinstance(listed, list) else []
