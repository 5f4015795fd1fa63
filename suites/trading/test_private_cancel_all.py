"""private/cancel_all (doc section "Trading"): "This method cancels all users orders and trigger orders
within all currencies and instrument kinds." """

import pytest

from harness.band import read_band
from harness.model.driver import start_driver
from harness.placement import limit

pytestmark = [pytest.mark.check("semantics"), pytest.mark.trading, pytest.mark.doc("Trading", "private/cancel_all")]


def cancel_all_cancels_orders_and_trigger_orders(driver, account: str) -> None:
    """One plain and one trigger order of ``account``, then private/cancel_all: both are in its result, and the
    account's open orders (the suite's own, compared with the model) are empty."""
    plain = limit(driver, account, "buy", 1, -3)
    trigger = driver.place(account, "buy", {"type": "stop_limit", "amount": driver.band.amount(1),
                                            "price": driver.band.price(-2), "trigger": "index_price",
                                            "trigger_price": driver.band.index_trigger(1)})
    driver.cancel_all(account)
    cancelled = {o["order_id"] for o in driver.last_result}
    assert {plain.order_id, trigger.order_id} <= cancelled, (
        f"received cancelled ids {sorted(cancelled)}; documented both the order and the trigger order")
    driver.check_open_orders(account)


@pytest.mark.account_wide  # it reaches the account's orders on every instrument
@pytest.mark.interpretation("I-32")
def test_cancel_all_cancels_orders_and_trigger_orders(driver):
    """Doc: "cancels all users orders and trigger orders"; 200: the array of the cancelled orders (I-32)."""
    cancel_all_cancels_orders_and_trigger_orders(driver, "taker")


@pytest.fixture
def reserved_driver(mmp_accounts, pulse, pulse_env):
    """A model driver whose "taker" is the account reserved for the suite (MMP_ACCOUNT: nobody else uses it, and
    the run's workers hold it one module at a time), so an account-wide cancel reaches only the suite's orders;
    the maker is the shared maker, only read (the band)."""
    apis = {"maker": pulse("maker"), "taker": mmp_accounts()}
    made = start_driver(apis, pulse_env, *read_band(apis["maker"], pulse_env))
    yield made
    made.cancel_everything()


@pytest.mark.interpretation("I-32", "I-640")
def test_cancel_all_on_the_reserved_account(reserved_driver):
    """Doc: "cancels all users orders and trigger orders" - the same check as the account_wide case, on the
    account reserved for the suite, so that it runs on dev and staging too (the shared accounts' cancel_all would
    cancel other workers' and people's orders). Skips, naming the variables, where no account is reserved."""
    cancel_all_cancels_orders_and_trigger_orders(reserved_driver, "taker")
