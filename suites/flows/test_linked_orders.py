"""Linked orders (OTO / OTOCO) on private/buy: ``linked_order_type``, ``otoco_config``, ``trigger_fill_condition``.

Doc: otoco_config "List of trades to create or cancel when this order is filled"; trigger_fill_condition
"The fill condition of the linked order (Only for linked order types), default: first_hit". Reading: I-38.
"""

import pytest

from harness.checks.presence import sent_field
from harness.placement import last_price_below, limit
from strategies.orders import FILL_CONDITIONS, LINKED_ORDER_TYPES

pytestmark = [pytest.mark.check("flows"), pytest.mark.trading, pytest.mark.doc("Trading", "private/buy")]


def primary_with_two_secondaries(driver, linked_order_type: str, condition: str | None, contracts: int = 4):
    """A taker buy (the primary) with a take-profit sell above and a stop-loss sell below, both limits."""
    band = driver.band
    params = {"type": "limit", "amount": band.amount(contracts), "price": band.price(0),
              "linked_order_type": linked_order_type,
              "otoco_config": [
                  {"direction": "sell", "type": "limit", "amount": band.amount(2), "price": band.price(6)},
                  {"direction": "sell", "type": "stop_limit", "amount": band.amount(2), "price": band.price(-7),
                   "trigger": "index_price", "trigger_price": band.index_trigger(-1)},
              ]}
    if condition:
        params["trigger_fill_condition"] = condition
    primary = driver.place("taker", "buy", params)
    return primary, [driver.model.orders[k] for k in primary.secondaries]


@pytest.mark.parametrize("condition", FILL_CONDITIONS)
@pytest.mark.parametrize("linked_order_type", LINKED_ORDER_TYPES)
@pytest.mark.interpretation("I-38")
def test_secondaries_wait_as_drafts_then_activate_per_fill_condition(driver, linked_order_type, condition):
    """Secondaries are ``untriggered`` drafts until the primary fills; then first_hit activates them in full,
    complete_fill only once the primary is filled, incremental in proportion (I-38)."""
    primary, secondaries = primary_with_two_secondaries(driver, linked_order_type, condition)
    received = driver.last_result["order"]
    assert sent_field(received, "is_primary_otoco", "the primary") is True and len(received.get("oto_order_ids") or []) == 2
    for secondary in secondaries:
        state = driver.check_order_state(secondary)
        assert state["order_state"] == "untriggered" and state.get("status_otoco") == "draft", (
            f"secondary before any fill: received {state['order_state']}/{state.get('status_otoco')}; "
            "I-38 reads untriggered/draft")
        assert state.get("is_secondary_oto") is True and state.get("primary_order_id") == primary.order_id
    limit(driver, "maker", "sell", 2, 0)  # half of the primary
    driver.settle()
    half = [driver.check_order_state(s) for s in secondaries]
    if condition == "complete_fill":
        assert all(s.get("status_otoco") == "draft" for s in half), "complete_fill activated on a partial fill"
    else:
        assert all(s.get("status_otoco") == "active" for s in half), f"{condition} did not activate on the first fill"
        expected = driver.band.amount(1 if condition == "incremental" else 2)
        assert all(s["amount"] == expected for s in half), (
            f"{condition}: secondaries' amounts {[s['amount'] for s in half]}; I-38 reads {expected}")
    limit(driver, "maker", "sell", 2, 0)
    driver.settle()
    for secondary in secondaries:
        state = driver.check_order_state(secondary)
        assert state.get("status_otoco") == "active" and state["amount"] == driver.band.amount(2)
    driver.check_open_orders("taker")


@pytest.mark.interpretation("I-38")
def test_oco_sibling_is_cancelled_when_one_leg_fills(driver):
    """I-38: in one_triggers_one_cancels_other the first execution of one secondary cancels the other."""
    primary, (take_profit, stop_loss) = primary_with_two_secondaries(driver, "one_triggers_one_cancels_other", None)
    limit(driver, "maker", "sell", 4, 0)
    limit(driver, "maker", "buy", 1, 6)  # meets the take-profit leg
    driver.settle()
    assert driver.check_order_state(take_profit)["filled_amount"] > 0
    sibling = driver.check_order_state(stop_loss)
    assert sibling["order_state"] == "cancelled", f"OCO sibling: received {sibling['order_state']}; documented cancelled"
    assert sent_field(sibling, "cancel_reason", "the cancelled OCO sibling") == "oco_other_closed"


@pytest.mark.interpretation("I-38")
def test_oto_secondaries_are_independent(driver):
    """one_triggers_other: a secondary's fill leaves its siblings alone."""
    primary, (take_profit, stop_loss) = primary_with_two_secondaries(driver, "one_triggers_other", None)
    limit(driver, "maker", "sell", 4, 0)
    limit(driver, "maker", "buy", 1, 6)
    driver.settle()
    assert driver.check_order_state(stop_loss)["order_state"] == "untriggered"


@pytest.mark.interpretation("I-38")
def test_cancelling_the_primary_cancels_its_draft_secondaries(driver):
    """I-38: the primary cancelled before activation: its draft secondaries end ``oto_primary_closed``."""
    primary, secondaries = primary_with_two_secondaries(driver, "one_triggers_other", None)
    driver.cancel("taker", primary)
    driver.settle()
    for secondary in secondaries:
        state = driver.check_order_state(secondary)
        assert state["order_state"] == "cancelled" and sent_field(state, "cancel_reason", "a cancelled draft") == "oto_primary_closed", (
            f"secondary after its primary was cancelled: received {state['order_state']}/{state.get('cancel_reason')}")


@pytest.mark.local_only(reason="moves the index price (control plane); "
                               "test_last_price_primary_activates_secondaries_once_a_print_fires_it checks the same "
                               "rule with a last-price trigger and the suite's own trades, remotely too")
@pytest.mark.parametrize("linked_order_type", LINKED_ORDER_TYPES)
@pytest.mark.interpretation("I-38")
def test_trigger_primary_activates_secondaries_only_once_it_fires_and_fills(driver, control, pulse_env,
                                                                         linked_order_type):
    """I-38 with I-25/I-37: a stop_limit primary stays ``untriggered`` and its secondaries stay drafts until the
    index reaches the trigger; the fired primary then trades as a limit and its fill activates the secondaries."""
    band = driver.band
    index = band.index_price
    trigger_price = index + 100 * band.tick
    limit(driver, "maker", "sell", 2, 1)  # the liquidity the primary meets once it fires
    primary = driver.place("taker", "buy", {
        "type": "stop_limit", "amount": band.amount(2), "price": band.price(1), "trigger": "index_price",
        "trigger_price": trigger_price, "linked_order_type": linked_order_type,
        "otoco_config": [{"direction": "sell", "type": "limit", "amount": band.amount(2), "price": band.price(8)}]})
    secondaries = [driver.model.orders[k] for k in primary.secondaries]
    waiting = driver.check_order_state(primary)["order_state"]
    assert waiting == "untriggered", f"primary before its trigger: received {waiting}; I-25 reads untriggered"
    assert all(driver.check_order_state(s).get("status_otoco") == "draft" for s in secondaries), (
        "secondaries of an untriggered primary must stay drafts (I-38)")
    driver.set_index_price(control, pulse_env.index_name, trigger_price)
    driver.settle()
    fired = driver.check_order_state(primary)
    states = [driver.check_order_state(s) for s in secondaries]
    driver.set_index_price(control, pulse_env.index_name, index)
    assert fired["order_state"] == "filled", f"primary after its trigger: received {fired['order_state']}; I-25 reads filled"
    for state in states:
        assert (state["order_state"], state.get("status_otoco")) == ("open", "active"), (
            f"secondary after its primary filled: received {state['order_state']}/{state.get('status_otoco')}; "
            "I-38 reads open/active")
    driver.check_open_orders("taker")


@pytest.mark.interpretation("I-38", "I-25", "I-37")
def test_last_price_primary_activates_secondaries_once_a_print_fires_it(driver):
    """I-38 with I-25/I-37 on last_price, for every linked order type at once (one print fires them all): a
    stop_limit primary stays ``untriggered`` with draft secondaries until one of the suite's own trades prints at
    its trigger; the fired primary then trades as a limit and its fill activates the secondaries."""
    band = driver.band
    last_price_below(driver, 2)
    primaries = {linked_order_type: driver.place("taker", "buy", {
        "type": "stop_limit", "amount": band.amount(2), "price": band.price(3), "trigger": "last_price",
        "trigger_price": band.price(2), "linked_order_type": linked_order_type,
        "otoco_config": [{"direction": "sell", "type": "limit", "amount": band.amount(2), "price": band.price(8)}]})
        for linked_order_type in LINKED_ORDER_TYPES}
    secondaries = {kind: [driver.model.orders[k] for k in primary.secondaries] for kind, primary in primaries.items()}
    for kind, primary in primaries.items():
        waiting = driver.check_order_state(primary)["order_state"]
        assert waiting == "untriggered", f"{kind} primary before its trigger: received {waiting}; I-25 reads untriggered"
        assert all(driver.check_order_state(s).get("status_otoco") == "draft" for s in secondaries[kind]), (
            f"{kind}: secondaries of an untriggered primary must stay drafts (I-38)")
    limit(driver, "maker", "sell", 1 + 2 * len(primaries), 2)  # the print's liquidity and what the primaries meet
    limit(driver, "taker", "buy", 1, 2)  # the print at the trigger
    driver.settle()
    for kind, primary in primaries.items():
        fired = driver.check_order_state(primary)
        assert fired["order_state"] == "filled", (
            f"{kind} primary after the print: received {fired['order_state']}; I-25 reads filled")
        for secondary in secondaries[kind]:
            state = driver.check_order_state(secondary)
            assert (state["order_state"], state.get("status_otoco")) == ("open", "active"), (
                f"{kind} secondary after its primary filled: received {state['order_state']}/"
                f"{state.get('status_otoco')}; I-38 reads open/active")
    driver.check_open_orders("taker")
