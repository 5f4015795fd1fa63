"""The suite's price band: where on the tick grid its orders go so that foreign liquidity cannot
change a prediction. Read the book first; the band lies where nothing foreign rests."""

from dataclasses import dataclass

import pytest

from harness.placement import book_index, on_tick


class BandUnavailable(Exception):
    """The foreign book leaves no gap wide enough for the suite's own crossing orders."""


@dataclass(frozen=True)
class PriceBand:
    centre: float
    tick: float
    contract: float
    index_price: float
    half_width: int = 12  # ticks on each side the strategies may use (offsets and through-ticks)

    def price(self, offset: int) -> float:
        return round(self.centre + offset * self.tick, 10)

    def amount(self, contracts: int) -> float:
        return contracts * self.contract

    def index_trigger(self, side: int) -> float:
        """An index_price trigger 50 % above (side 1) or below (-1) the index."""
        return on_tick(self.index_price * (1 + 0.5 * side), self.tick)


def find_band(book: dict, index_price: float, tick: float, contract: float, half_width: int = 12) -> PriceBand:
    """A band of ±half_width ticks strictly inside the foreign spread (anywhere near the index if empty)."""
    bid, ask = book.get("best_bid_price"), book.get("best_ask_price")
    margin = (half_width + 3) * tick
    centre = on_tick(index_price, tick)
    if bid is not None and ask is not None:
        if ask - bid < 2 * margin:
            raise BandUnavailable(f"the foreign spread {bid}..{ask} is narrower than the {2 * margin} the "
                                  "suite's crossing orders need")
        centre = on_tick((bid + ask) / 2, tick)
    elif bid is not None:
        centre = max(centre, on_tick(bid + margin, tick))
    elif ask is not None:
        centre = min(centre, on_tick(ask - margin, tick))
    return PriceBand(centre, tick, contract, index_price, half_width)


def order_params(spec: dict, band: PriceBand, labels: tuple[str, ...] = ("",)) -> dict:
    """Wire params of private/buy|sell for a grid-unit spec from ``strategies.orders``."""
    params = {"type": spec["type"], "amount": band.amount(spec["contracts"]),
              "time_in_force": spec.get("time_in_force", "good_til_cancelled")}
    if "label" in spec:
        params["label"] = labels[spec["label"]]
    if spec.get("offset") is not None:
        params["price"] = band.price(spec["offset"])
    for flag in ("post_only", "reduce_only"):
        if spec.get(flag):
            params[flag] = True
    if spec.get("max_show_contracts") is not None:
        params["max_show"] = band.amount(spec["max_show_contracts"])
    if spec.get("trigger"):
        params["trigger"] = spec["trigger"]
        params["trigger_price"] = (band.index_trigger(spec["trigger_offset"]) if spec["trigger"] == "index_price"
                                   else band.price(spec["trigger_offset"]))
    if spec.get("direction"):
        params["direction"] = spec["direction"]
    linked = spec.get("linked")
    if linked:
        params["linked_order_type"] = linked["linked_order_type"]
        if linked.get("trigger_fill_condition"):
            params["trigger_fill_condition"] = linked["trigger_fill_condition"]
        params["otoco_config"] = [order_params(secondary, band) for secondary in linked["secondaries"]]
    return params


def read_band(api, pulse_env) -> tuple[PriceBand, dict]:
    """The band the suite's orders go in on the test instrument, and the book it was read from; a run without a
    venue (or whose instrument someone started quoting on) fails NOT COVERED rather than guessing."""
    book = api.call("private/get_order_book", instrument_name=pulse_env.test_instrument, depth=1)
    index_price = book_index(book, api.call, pulse_env)
    if pulse_env.no_venue:
        pytest.fail(f"NOT COVERED: {pulse_env.no_venue}", pytrace=False)
    try:
        band = find_band(book, index_price, pulse_env.tick_size, pulse_env.contract_size)
    except BandUnavailable as exc:  # someone started quoting on the instrument chosen at the start of the run
        pytest.fail(f"NOT COVERED: {pulse_env.test_instrument} on {pulse_env.name}: {exc}", pytrace=False)
    return band, book
