"""private/get_order_book (doc section "Trading"; register I-18)."""

import pytest

from harness.checks.presence import sent_field
from harness.placement import book_index, on_tick
from harness.schema import assert_conforms, result_schema
from harness.wire_checks import is_ms_timestamp, is_number, is_sorted

pytestmark = [pytest.mark.market_data, pytest.mark.doc("Trading", "private/get_order_book")]

OUR_LEVELS = 3  # resting bids of ours at three distinct prices
BID_DISTANCE = 0.2  # our bids rest 20 % under the best bid / index: far from any fill


@pytest.fixture
def book_with_our_bids(pulse, pulse_env) -> list[float]:
    """Three one-contract bids of ours, below everything else on the bid side; returns their prices."""
    maker = pulse("maker")
    book = maker.call("private/get_order_book", instrument_name=pulse_env.test_instrument, depth=1)
    reference = min(p for p in (book.get("best_bid_price"), book_index(book, maker.call, pulse_env)) if p)
    top = on_tick(reference * (1 - BID_DISTANCE), pulse_env.tick_size)
    prices = [top - i * pulse_env.tick_size for i in range(OUR_LEVELS)]
    for price in prices:
        maker.call("private/buy", instrument_name=pulse_env.test_instrument, amount=pulse_env.contract_size,
                   price=price, type="limit", label="pulse-suite-book")
    return prices


def check_levels(side: str, levels: object, descending: bool) -> None:
    assert isinstance(levels, list), f"{side}: received {levels!r}; documented an array of levels"
    for level in levels:
        assert isinstance(level, list) and len(level) == 2 and all(is_number(v) for v in level), (
            f"{side}: received level {level!r}; I-18 reads [price, amount]")
    prices = [level[0] for level in levels]
    assert is_sorted(prices, descending=descending), (
        f"{side}: received prices {prices}; I-18 reads bids descending, asks ascending")


@pytest.mark.interpretation("I-18")
@pytest.mark.check("schema")
def test_book_fields(pulse, transport, pulse_env):
    """Doc: GetOrderBookResponse: asks/bids [array], best_*_price "null if there aren't any", index_price,
    instrument_name, state, stats, timestamp ..."""
    book = pulse("maker", transport).call("private/get_order_book", instrument_name=pulse_env.test_instrument)
    name = sent_field(book, "instrument_name", "get_order_book")
    assert name == pulse_env.test_instrument, f"instrument_name: received {name!r}; documented {pulse_env.test_instrument}"
    check_levels("bids", sent_field(book, "bids", "get_order_book"), descending=True)
    check_levels("asks", sent_field(book, "asks", "get_order_book"), descending=False)
    for name, valid, documented in (("index_price", is_number, "number"), ("timestamp", is_ms_timestamp, "ms"),
                                    ("stats", lambda value: isinstance(value, dict), "OrderBookStats")):
        # Required false (I-301): a field may be left out; one that is sent has the documented type
        assert name not in book or valid(book[name]), f"{name}: received {book[name]!r}; documented {documented}"
    for side, levels in (("bid", book["bids"]), ("ask", book["asks"])):
        best = sent_field(book, f"best_{side}_price", "get_order_book")
        assert best == (levels[0][0] if levels else None), (
            f"best_{side}_price: received {best!r}; documented the best {side} ({levels[:1]}), null if there is none")


@pytest.mark.interpretation("I-18")
@pytest.mark.check("semantics")
@pytest.mark.parametrize("depth", [1, 2])
def test_depth_limits_the_levels(pulse, transport, pulse_env, book_with_our_bids, depth):
    """Doc: "depth body integer false The number of entries to return for bids and asks"."""
    book = pulse("maker", transport).call("private/get_order_book", instrument_name=pulse_env.test_instrument,
                                          depth=depth)
    for side in ("bids", "asks"):
        levels = sent_field(book, side, f"get_order_book depth={depth}")
        assert len(levels) <= depth, f"depth={depth}: received {len(levels)} {side} levels {levels}"
    assert len(book["bids"]) == depth, (
        f"depth={depth}: received {len(book['bids'])} bid levels; at least {OUR_LEVELS} bid levels rest (ours)")


@pytest.mark.check("semantics")
def test_our_resting_bids_are_in_the_book(pulse, pulse_env, book_with_our_bids):
    """Doc: "Retrieves the order book, along with other market values for a given instrument"."""
    book = pulse("maker").call("private/get_order_book", instrument_name=pulse_env.test_instrument, depth=10_000)
    shown = {level[0] for level in sent_field(book, "bids", "the order book")}
    missing = [p for p in book_with_our_bids if p not in shown]
    assert not missing, f"received bid prices {sorted(shown)}; our resting bids at {missing} are missing"


@pytest.mark.check("negative")
def test_unknown_instrument_is_refused(pulse, transport):
    """Doc: "instrument_name body string true Instrument name"."""
    error = pulse("maker", transport).error_of("private/get_order_book", instrument_name="PULSE-SUITE-NO-SUCH")
    assert error.status is not None, f"received {error}; documented a connection.Message / JSON-RPC error"


@pytest.mark.check("schema")
def test_result_conforms_to_the_documented_schema(pulse, transport, pulse_env, book_with_our_bids):
    """Doc: "200 OK ... models.GetOrderBookResponse" (spec/openapi.yaml)."""
    result = pulse("maker", transport).call("private/get_order_book", instrument_name=pulse_env.test_instrument)
    assert_conforms(result_schema("private/get_order_book"), result,
                    "private/get_order_book: 200 models.GetOrderBookResponse")
