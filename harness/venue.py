"""Where the suite trades: an instrument whose book leaves it room to cross its own orders (register I-220).

On a shared gateway other firms quote and trade. The suite's crossing orders must meet only each other, so it
looks for a book that is empty or has a foreign spread wide enough for its price band, and reads the
instrument's contract size, tick size and index from the gateway. With several workers on one shared gateway,
worker N takes the N-th such instrument, so two workers never trade on the same book; other runs on the same
accounts are kept off it by a claim on the environment's claim registry (harness.claims, I-222). When there is
none, the run says so: trading cases fail as "not covered" (never a quiet skip).
"""

import itertools
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from harness.band import BandUnavailable, find_band
from harness.claims import ClaimRegistry, ClaimsUnavailable

Call = Callable[[str, dict], object]  # (method, params) -> result, authorised as the maker


class NoVenue(Exception):
    """No instrument on this gateway leaves the suite a free price region (the trading cases are not covered)."""


@dataclass(frozen=True)
class Venue:
    instrument: str
    tick_size: float
    contract_size: float
    index_name: str
    reason: str  # why this one: shown in the run header and the report


def candidates(instruments: list[dict], preferred: str) -> list[dict]:
    """Active futures (perpetuals included), the configured test instrument first, then perpetuals, then by name."""
    usable = [i for i in instruments if i.get("kind") == "future" and i.get("is_active", True) is not False
              and isinstance(i.get("instrument_name"), str)]
    return sorted(usable, key=lambda i: (i["instrument_name"] != preferred,
                                         "PERPETUAL" not in i["instrument_name"], i["instrument_name"]))


def tick_size_of(instrument: dict, env) -> float | None:
    """The undocumented Deribit field ``tick_size`` when the gateway gives it, else the configured value for the
    configured instrument; None when unknown (an order off the tick grid would be refused)."""
    tick = instrument.get("tick_size")
    if isinstance(tick, int | float) and not isinstance(tick, bool) and tick > 0:
        return float(tick)
    return env.tick_size if instrument["instrument_name"] == env.test_instrument else None


def choose_venue(call: Call, env, claim: int = 0, registry: ClaimRegistry | None = None,
                 wait_s: float = 0.0, clock: Callable[[], float] = time.monotonic, exclude: str = "") -> Venue:
    """The ``claim``-th instrument (0 for the first) whose book leaves a free band; NoVenue when there is none.

    With a claim ``registry`` (harness.claims, I-222) an instrument another run has claimed is not taken, and the
    chosen one is claimed before it is returned: the ``claim``-th free one is tried first, then the others in order.
    When other runs hold every free one, the worker waits up to ``wait_s`` seconds for one to be released. Raises
    ClaimsUnavailable when the registry cannot be used (the caller then goes without it, still ``exclude``-ing the
    registry instrument)."""
    listed: list[dict] = []
    for currency in env.currencies:
        listed += [i for i in call("private/get_instruments", {"currency": currency, "kind": "future"})
                   if isinstance(i, dict)]
    exclude = registry.instrument if registry is not None else exclude  # the claim registry is never a venue
    listed = [i for i in listed if i.get("instrument_name") != exclude]
    index_prices: dict[str, float] = {}

    def free_venues(refusals: list[str], skip: set[str]) -> Iterator[Venue]:
        for instrument in candidates(listed, env.test_instrument):
            name = instrument["instrument_name"]
            if name in skip:
                continue
            tick = tick_size_of(instrument, env)
            if tick is None:
                refusals.append(f"{name}: tick size unknown")
                continue
            index_name = instrument.get("price_index") or env.index_name
            contract = instrument.get("contract_size") or env.contract_size
            if index_name not in index_prices:
                index_prices[index_name] = float(call("public/get_index_price", {"index_name": index_name}))
            book = call("private/get_order_book", {"instrument_name": name, "depth": 1})
            try:
                find_band(book, index_prices[index_name], tick, contract)
            except BandUnavailable as exc:
                refusals.append(f"{name}: {exc}")
                continue
            spread = (book.get("best_bid_price"), book.get("best_ask_price"))
            yield Venue(name, tick, float(contract), index_name,
                        "empty book" if spread == (None, None) else f"foreign spread {spread[0]}..{spread[1]}")

    if registry is None:
        refusals: list[str] = []
        found = list(itertools.islice(free_venues(refusals, set()), claim + 1))
        if len(found) > claim:
            return found[claim]
        raise NoVenue(f"{env.name}: no instrument leaves room for the suite's own crossing orders "
                      f"(needed {claim + 1}, one per worker on a shared gateway; found {len(found)}). "
                      + "; ".join(refusals[:8]))
    names = {i["instrument_name"] for i in candidates(listed, env.test_instrument)}
    start, looks = clock(), 0
    while True:  # held: the candidates other runs have claimed (a claim on the MMP account is not one)
        refusals = []
        held = {resource: c for resource, c in registry.rivals(registry.claims()).items() if resource in names}
        free = free_venues(refusals, set(held))
        head = list(itertools.islice(free, claim + 1))
        for venue in itertools.chain(head[claim:], free, head[:claim]):
            if got := registry.try_claim(venue.instrument):
                waited = f" after waiting {clock() - start:.0f} s for other runs" if looks else ""
                note = f"; claimed for run {got.owner}{waited}"
                return Venue(venue.instrument, venue.tick_size, venue.contract_size, venue.index_name,
                             venue.reason + note)
        if not head and not held:
            raise NoVenue(f"{env.name}: no instrument leaves room for the suite's own crossing orders "
                          f"(the claim registry {registry.instrument} left out). " + "; ".join(refusals[:8]))
        if clock() - start >= wait_s:
            raise NoVenue(f"{env.name}: every instrument with room is claimed by another run on these accounts "
                          f"(waited {wait_s:g} s, --venue-wait-seconds): "
                          + ("; ".join(c.describe() for c in held.values()) or "each try tied with another run's claim")
                          + ". Refused: " + "; ".join(refusals[:8]))
        registry.sleep(registry.backoff(10.0 if held else 1.0))
        looks += 1


def choose_and_claim(call: Call, env, claim: int, registry: ClaimRegistry | None,
                     wait_s: float) -> tuple[Venue, str]:
    """choose_venue with the claim registry when there is one; where the gateway cannot hold claims, without it.
    Returns the venue and why it goes without claims ("" with them, or with no registry configured)."""
    if registry is not None:
        try:
            return choose_venue(call, env, claim, registry, wait_s), ""
        except ClaimsUnavailable as exc:
            registry.unavailable = str(exc)
            note = f"claims unavailable, other runs on these accounts may trade on this worker's instrument: {exc}"
            return choose_venue(call, env, claim, exclude=registry.instrument), note
    return choose_venue(call, env, claim), ""


def worker_claim(worker_id: str | None, shared_gateway: bool) -> int:
    """Worker gwN claims the N-th free instrument on a shared gateway; a private gateway has one worker."""
    if not shared_gateway or not worker_id or not worker_id.startswith("gw"):
        return 0
    return int(worker_id[2:])
