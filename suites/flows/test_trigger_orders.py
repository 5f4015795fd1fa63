"""Trigger orders on private/buy and private/sell: ``trigger`` (index_price, last_price) and ``trigger_price``.

Doc: trigger "Defines the trigger type. Required for "Stop-Loss", "Take-Profit" and "Trailing" trigger
orders"; trigger_price "Trigger price, required for trigger orders only". Direction rules: I-37.
"""

import pytest

from harness.placement import last_price_below, limit, print_last_price

pytestmark = [pytest.mark.check("flows"), pytest.mark.trading, pytest.mark.doc("Trading", "private/buy")]

# (order type, direction, where the trigger sits relative to the index: +1 above, -1 below)
FIRES_ON_A_RISE = [("stop_limit", "buy", 1), ("take_limit", "sell", 1)]
FIRES_ON_A_FALL = [("stop_limit", "sell", -1), ("take_limit", "buy", -1)]


def trigger_order(driver, order_type: str, direction: str, trigger_price: float, trigger: str = "index_price"):
    price = driver.band.price(-8 if direction == "buy" else 8)  # far from the band's orders: rests after firing
    return driver.place("taker", direction, {"type": order_type, "amount": driver.band.amount(1), "price": price,
                                             "trigger": trigger, "trigger_price": trigger_price})


@pytest.mark.parametrize("order_type,direction,side", FIRES_ON_A_RISE + FIRES_ON_A_FALL)
@pytest.mark.interpretation("I-25", "I-37")
def test_trigger_order_waits_untriggered(driver, order_type, direction, side):
    """A trigger order whose price the index has not reached is ``untriggered`` (types.OrderStatus)."""
    trigger_order(driver, order_type, direction, driver.band.index_trigger(side))
    assert driver.last_result["order"]["order_state"] == "untriggered"
    driver.check_open_orders("taker", "trigger_all")


@pytest.mark.local_only(reason="moves the index price (control plane); the last-price trigger checks below fire on "
                               "the suite's own trades instead and run remotely")
@pytest.mark.parametrize("order_type,direction,side", FIRES_ON_A_RISE + FIRES_ON_A_FALL)
@pytest.mark.interpretation("I-25", "I-37")
def test_index_price_trigger_fires_only_in_its_direction(driver, control, pulse_env, order_type, direction, side):
    """I-37: stop buy / take sell fire when the index rises to the trigger, stop sell / take buy when it falls."""
    index = driver.band.index_price
    trigger_price = index + side * 100 * driver.band.tick
    order = trigger_order(driver, order_type, direction, trigger_price)
    driver.set_index_price(control, pulse_env.index_name, index - side * 200 * driver.band.tick)  # the wrong way
    assert driver.check_order_state(order)["order_state"] == "untriggered", "fired on a move the wrong way"
    driver.set_index_price(control, pulse_env.index_name, trigger_price)
    received = driver.check_order_state(order)
    driver.set_index_price(control, pulse_env.index_name, index)
    assert received["order_state"] == "open", (
        f"order_state once the index reached the trigger: received {received['order_state']}; I-25 reads open")
    assert received["order_id"] == order.order_id and received["order_type"] == order_type


@pytest.mark.interpretation("I-25", "I-37")
def test_last_price_stop_fires_on_a_trade_and_then_trades(driver):
    """I-37: a stop buy on last_price stays untriggered on a print below its trigger, fires when a trade prints at
    or above it, then fills as a limit. The prints are the suite's own trades (remote too); the last price starts
    below the trigger."""
    last_price_below(driver, 2)
    stop = driver.place("taker", "buy", {"type": "stop_limit", "amount": driver.band.amount(1),
                                         "price": driver.band.price(3), "trigger": "last_price",
                                         "trigger_price": driver.band.price(2)})
    print_last_price(driver, 1)
    below = driver.check_order_state(stop)
    assert below["order_state"] == "untriggered", (
        f"stop (trigger {driver.band.price(2)}) after a print at {driver.band.price(1)}: received "
        f"{below['order_state']}; I-37 reads untriggered below the trigger")
    limit(driver, "maker", "sell", 2, 2)
    limit(driver, "taker", "buy", 1, 2)  # the print at the trigger price
    driver.settle()
    received = driver.check_order_state(stop)
    assert received["order_state"] == "filled", f"stop after the print: received {received['order_state']}"
