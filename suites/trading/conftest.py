"""Fixtures of the trading suite: the two accounts, the price band, and a model driver."""

import pytest

from harness.band import BandUnavailable, PriceBand, find_band
from harness.model.driver import ModelDriver


def pytest_collection_modifyitems(config, items):
    """The order-flow state machines run after the example tests: with -x a broken rule is reported by its
    quick, readable example test first; the flows (and their shrinking) come last."""
    items.sort(key=lambda item: item.nodeid.startswith("suites/trading/test_order_flows.py"))


@pytest.fixture
def accounts(pulse) -> dict:
    """maker over WebSocket, taker over HTTP: every flow exercises both transports."""
    return {"maker": pulse("maker", "ws"), "taker": pulse("taker", "http")}


def read_band(api, pulse_env) -> tuple[PriceBand, dict]:
    book = api.call("private/get_order_book", instrument_name=pulse_env.test_instrument, depth=1)
    index_price = api.call("public/get_index_price", index_name=pulse_env.index_name)
    if pulse_env.no_venue:
        pytest.fail(f"NOT COVERED: {pulse_env.no_venue}", pytrace=False)
    try:
        band = find_band(book, index_price, pulse_env.tick_size, pulse_env.contract_size)
    except BandUnavailable as exc:  # someone started quoting on the instrument chosen at the start of the run
        pytest.fail(f"NOT COVERED: {pulse_env.test_instrument} on {pulse_env.name}: {exc}", pytrace=False)
    return band, book


@pytest.fixture
def band(accounts, pulse_env) -> PriceBand:
    """Where the suite's orders go: inside the foreign spread (read from the book), on the tick grid."""
    return read_band(accounts["maker"], pulse_env)[0]


def start_driver(apis: dict, pulse_env) -> tuple[ModelDriver, PriceBand]:
    band, book = read_band(apis["maker"], pulse_env)
    foreign = {"buy": book.get("best_bid_price"), "sell": book.get("best_ask_price")}
    driver = ModelDriver.start(apis, pulse_env.test_instrument, pulse_env.tick_size, pulse_env.contract_size,
                               band.index_price, book.get("last_price"), foreign, exclusive_accounts=pulse_env.is_local)
    return driver, band


@pytest.fixture
def driver(pulse, pulse_env, transport):
    """A ModelDriver over maker and taker on one transport; what it left open is cancelled at teardown.

    Every request it sends is also predicted by the model and compared, so an example test checks its
    documented rule explicitly and everything else about the step implicitly."""
    made, band = start_driver({"maker": pulse("maker", transport), "taker": pulse("taker", transport)}, pulse_env)
    made.band = band
    made.level_out(band.centre, set_last_price=pulse_env.is_local)
    yield made
    made.cancel_everything()
