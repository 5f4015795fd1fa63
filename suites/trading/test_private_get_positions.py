"""private/get_positions (doc section "Wallet"): the position the suite's trades leave (I-39)."""

import pytest

from suites.trading.conftest import limit

pytestmark = [pytest.mark.check("semantics"), pytest.mark.trading, pytest.mark.doc("Wallet", "private/get_positions")]


@pytest.mark.interpretation("I-39", "I-101", "I-102")
def test_positions_follow_the_trades(driver):
    """Doc: size "for futures size in quote currency": long after buying, flat after selling it back."""
    limit(driver, "maker", "sell", 2, 1)
    limit(driver, "taker", "buy", 2, 1)
    driver.check_positions("taker")
    driver.check_positions("maker")
    limit(driver, "maker", "buy", 2, 2)
    limit(driver, "taker", "sell", 2, 2)
    driver.check_positions("taker")
    driver.check_account_summary("taker")
    driver.check_account_summary("maker")
