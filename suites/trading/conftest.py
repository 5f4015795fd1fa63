"""Fixtures of the trading suite: the two accounts, the price band, and a model driver."""

import pytest

from harness.band import BandUnavailable, PriceBand, find_band
from harness.model.driver import start_driver


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


@pytest.fixture
def driver(pulse, pulse_env, transport):
    """A ModelDriver over maker and taker on one transport; what it left open is cancelled at teardown.

    Every request it sends is also predicted by the model and compared, so an example test checks its
    documented rule explicitly and everything else about the step implicitly."""
    apis = {"maker": pulse("maker", transport), "taker": pulse("taker", transport)}
    made = start_driver(apis, pulse_env, *read_band(apis["maker"], pulse_env))
    made.level_out(made.band.centre, set_last_price=pulse_env.is_local)
    yield made
    made.cancel_everything()


def limit(driver, account: str, direction: str, contracts: int, offset: int, **params):
    """A limit order in grid units (contracts, ticks from the band centre), checked against the model."""
    band = driver.band
    return driver.place(account, direction, {"type": "limit", "amount": band.amount(contracts),
                                             "price": band.price(offset), **params})


def print_last_price(driver, offset: int) -> None:
    """Make the band price ``offset`` the instrument's last price with a one-contract trade between the suite's
    own orders (on a shared gateway the last price is whatever printed before; the claimed instrument's free band
    has no foreign trades in it)."""
    limit(driver, "maker", "sell", 1, offset)
    limit(driver, "taker", "buy", 1, offset)
    driver.settle()


def last_price_below(driver, trigger_offset: int) -> None:
    """Make sure the last price is below the band price ``trigger_offset`` before a last-price stop buy is placed:
    when the model (which knows every print on the claimed instrument since the driver started) says it is not,
    print one at the band centre (saves the round trip where an earlier trade already left it low)."""
    last, trigger = driver.model.last_price, driver.band.price(trigger_offset)
    if last is None or last >= trigger:
        print_last_price(driver, 0)

