"""The shadow model itself (harness/model): fast unit tests of each rule it encodes."""

import pytest

from harness.model import Ledger, ModelError
from harness.model.rules import may_follow, position_after
from harness.model.views import account_trades, book_levels, open_orders, order_history, sort_trades

TICK, CONTRACT = 0.5, 10


def exchange(**kwargs) -> Ledger:
    return Ledger("BTC_USD-PERPETUAL", TICK, CONTRACT, index_price=60000.0, **kwargs)


def buy(model, amount, price=None, account="taker", **params):
    return model.place(account, "buy", {"amount": amount, "price": price, "type": "limit", **params})


def sell(model, amount, price=None, account="maker", **params):
    return model.place(account, "sell", {"amount": amount, "price": price, "type": "limit", **params})


def test_state_transitions_follow_i25():
    assert may_follow("untriggered", "filled") and may_follow("open", "cancelled")
    assert not may_follow("filled", "open") and not may_follow("cancelled", "partially_filled")
    assert not may_follow("open", "untriggered") and not may_follow("rejected", "open")


def test_price_time_priority_and_average_price():
    model = exchange()
    first, second = sell(model, 10, 100.5).order, sell(model, 10, 100.5).order
    better = sell(model, 10, 100.0).order
    taker = buy(model, 20, 100.5)
    assert [(t.price, t.maker) for t in taker.trades] == [(100.0, better.key), (100.5, first.key)]
    assert second.order_state == "open" and taker.order.order_state == "filled"
    assert taker.fields["average_price"] == pytest.approx(100.25)


def test_fill_or_kill_is_all_or_nothing():
    model = exchange()
    sell(model, 10, 100.0)
    killed = buy(model, 20, 100.0, time_in_force="fill_or_kill")
    assert killed.trades == [] and killed.order.order_state == "cancelled"
    assert killed.order.cancel_reason == "fill_or_kill"
    assert buy(model, 10, 100.0, time_in_force="fill_or_kill").order.order_state == "filled"


def test_immediate_or_cancel_and_market_never_rest():
    model = exchange()
    sell(model, 10, 100.0)
    ioc = buy(model, 30, 100.0, time_in_force="immediate_or_cancel").order
    assert (ioc.order_state, ioc.filled_amount, ioc.cancel_reason) == ("cancelled", 10, "immediate_or_cancel")
    market = model.place("taker", "buy", {"amount": 10, "type": "market"}).order
    assert market.order_state == "cancelled" and open_orders(model, "taker") == []


def test_post_only_reprices_inside_the_spread_and_needs_gtc():
    model = exchange()
    sell(model, 10, 100.0)
    outcome = buy(model, 10, 101.0, post_only=True)
    assert outcome.trades == [] and outcome.order.price == 99.5
    with pytest.raises(ModelError):
        buy(model, 10, 99.0, post_only=True, time_in_force="immediate_or_cancel")


def test_reduce_only_is_rejected_flat_and_capped_to_the_position():
    model = exchange()
    sell(model, 10, 100.0)
    assert buy(model, 10, 100.0, reduce_only=True).order.order_state == "rejected"
    buy(model, 10, 100.0)
    assert model.position("taker").size == 10
    buy(model, 30, 99.0, account="maker")
    capped = model.place("taker", "sell", {"amount": 30, "price": 99.0, "type": "limit", "reduce_only": True})
    assert capped.order.amount == 10 and model.position("taker").size == 0


def test_edit_sets_replaced_and_a_price_change_loses_priority():
    model = exchange()
    first, second = sell(model, 10, 100.0).order, sell(model, 10, 100.0).order
    model.edit("maker", first.key, 10, 100.5)
    model.edit("maker", first.key, 10, 100.0)
    assert first.replaced
    buy(model, 10, 100.0)
    assert second.order_state == "filled" and first.order_state == "open"
    with pytest.raises(ModelError, match="not_open_order"):
        model.edit("maker", second.key, 20)


def test_trigger_directions_follow_i37():
    model = exchange()
    stop_buy = model.place("taker", "buy", {"amount": 10, "type": "stop_market", "trigger": "index_price",
                                            "trigger_price": 60100.0}).order
    take_buy = model.place("taker", "buy", {"amount": 10, "type": "take_limit", "price": 50.0,
                                            "trigger": "index_price", "trigger_price": 59900.0}).order
    model.set_index_price(60050.0)
    assert stop_buy.order_state == take_buy.order_state == "untriggered"
    model.set_index_price(60100.0)
    assert stop_buy.order_state == "cancelled"  # fired, a market order on an empty book
    model.set_index_price(59900.0)
    assert take_buy.order_state == "open"


@pytest.mark.parametrize("condition,after_half,after_full", [
    ("first_hit", 20, 20), ("complete_fill", None, 20), ("incremental", 10, 20)])
def test_linked_secondaries_activate_per_fill_condition(condition, after_half, after_full):
    model = exchange()
    primary = buy(model, 40, 100.0, linked_order_type="one_triggers_other", trigger_fill_condition=condition,
                  otoco_config=[{"direction": "sell", "amount": 20, "price": 200.0, "type": "limit"}]).order
    secondary = model.orders[primary.secondaries[0]]
    assert (secondary.order_state, secondary.status_otoco) == ("untriggered", "draft")
    sell(model, 20, 100.0)
    assert (secondary.amount if secondary.status_otoco == "active" else None) == after_half
    sell(model, 20, 100.0)
    assert secondary.status_otoco == "active" and secondary.amount == after_full


def test_oco_fill_cancels_the_sibling_and_primary_cancel_cancels_drafts():
    model = exchange()
    config = [{"direction": "sell", "amount": 10, "price": 200.0, "type": "limit"},
              {"direction": "sell", "amount": 10, "price": 300.0, "type": "limit"}]
    primary = buy(model, 10, 100.0, linked_order_type="one_triggers_one_cancels_other", otoco_config=config).order
    sell(model, 10, 100.0)
    one, other = (model.orders[k] for k in primary.secondaries)
    buy(model, 10, 200.0, account="maker")
    assert one.order_state == "filled" and (other.order_state, other.cancel_reason) == ("cancelled", "oco_other_closed")
    draft_primary = buy(model, 10, 90.0, linked_order_type="one_triggers_other", otoco_config=config[:1]).order
    model.cancel("taker", draft_primary.key)
    assert model.orders[draft_primary.secondaries[0]].cancel_reason == "oto_primary_closed"


def test_cancel_all_by_instrument_type_filter():
    model = exchange()
    plain = buy(model, 10, 90.0).order
    stop = model.place("taker", "buy", {"amount": 10, "type": "stop_limit", "price": 90.0,
                                        "trigger": "index_price", "trigger_price": 90000.0}).order
    assert model.cancel_all_by_instrument("taker", "trigger_all") == [stop]
    assert model.cancel_all_by_instrument("taker", "limit") == [plain]


def test_views_history_and_trade_sorting():
    model = exchange()
    unfilled = buy(model, 10, 90.0).order
    model.cancel("taker", unfilled.key)
    sell(model, 10, 100.0)
    filled = buy(model, 10, 100.0).order
    assert order_history(model, "taker", include_unfilled=False) == [filled]
    assert order_history(model, "taker", include_unfilled=True) == [filled, unfilled]
    sell(model, 10, 101.0)
    buy(model, 10, 101.0)
    sides = account_trades(model, "taker")
    assert [t.price for t, _ in sort_trades(sides, "asc")] == [100.0, 101.0]
    assert [t.price for t, _ in sort_trades(sides, "default")] == [101.0, 100.0]


def test_position_arithmetic():
    position = position_after(0.0, 0.0, 0.0, 10, 100.0)
    position = position_after(*position, 30, 200.0)
    assert position[1] == pytest.approx(175.0)
    size, entry, realized = position_after(*position, -60, 210.0)
    assert size == -20 and entry == 210.0
    assert realized == pytest.approx(40 * (210.0 - 175.0) / 175.0)


def test_positions_are_folded_from_the_trades():
    model = exchange()
    sell(model, 10, 100.0)
    buy(model, 10, 100.0)
    sell(model, 20, 110.0, account="taker")
    buy(model, 20, 110.0, account="maker")
    taker = model.position("taker")
    assert taker.size == -10 and taker.average_price == 110.0
    assert taker.realized == pytest.approx(10 * (110.0 - 100.0) / 100.0)
    assert model.position("maker").size == 10


def test_book_levels_show_max_show_and_sort_by_price_then_time():
    model = exchange()
    hidden = sell(model, 30, 101.0, max_show=10).order
    sell(model, 10, 100.5)
    sell(model, 20, 100.5, max_show=0)
    assert book_levels(model, "sell") == {101.0: 10, 100.5: 10}
    assert [o.price for o in model.in_book("sell")] == [100.5, 100.5, 101.0]
    buy(model, 60, 101.0)
    assert hidden.order_state == "filled" and book_levels(model, "sell") == {}


def test_the_checks_compare_the_fields_sent_and_pass_over_those_left_out():
    """Every OrderConfirmation and trade property is "Required false": a field left out is I-160's to report
    (non-strict, by the schema checks), never a strict model failure; a field sent with another value is one."""
    from harness.model.checks import Observations, check_trade, order_mismatches

    model = exchange()
    order = buy(model, 10, 100.0).order
    order.order_id = "o-1"
    sent = {**order.expected_fields(), "order_id": "o-1"}
    assert order_mismatches(model, order, sent) == []
    flags = ("post_only", "reduce_only", "replaced", "mmp", "time_in_force", "filled_amount")
    assert order_mismatches(model, order, {k: v for k, v in sent.items() if k not in flags}) == []
    wrong = order_mismatches(model, order, {**sent, "post_only": True, "amount": 20})
    assert [p.split(":")[0] for p in wrong] == ["amount", "post_only"]

    resting = sell(model, 10, 100.0)
    trade = resting.trades[0]
    received = {"price": 100.0, "amount": 10, "direction": "sell"}  # no instrument_name
    check_trade(trade, resting.order, received, "a trade without instrument_name")
    with pytest.raises(AssertionError, match="price: received 99.5"):
        check_trade(trade, resting.order, {**received, "price": 99.5}, "a trade at another price")

    seen = Observations()
    seen.order({"order_id": "o-1", "order_state": "open", "creation_timestamp": 1_700_000_000_000}, "buy")
    seen.order({"order_id": "o-1", "filled_amount": 0}, "a state without order_state or creation_timestamp")
    seen.order({"order_id": "o-1", "order_state": "cancelled", "creation_timestamp": 1_700_000_000_000}, "cancel")
    with pytest.raises(AssertionError, match="I-25 allows no such transition"):
        seen.order({"order_id": "o-1", "order_state": "open"}, "reopened")


def test_a_listing_out_of_order_rests_on_the_reading_that_orders_it():
    """The order of a listing is a reading (I-36 open orders oldest first, I-35, I-104, I-20): a listing in another
    order fails non-strict on that reading alone, whatever readings the case that read it rests on."""
    from harness import checks
    from harness.model.driver import check_sorted
    check_sorted([{"t": 1}, {"t": 2}, {"x": 0}], "t", descending=False, where="open orders", reading="I-36")
    with pytest.raises(checks.CheckFailure) as failure:
        check_sorted([{"t": 2}, {"t": 1}], "t", descending=False, where="open orders", reading="I-36")
    assert checks.grade(failure.value, case_interpretations=["I-25", "I-38"]) == checks.NON_STRICT
    assert checks.interpretation_of(failure.value, ["I-25", "I-38"]) == ["I-36"]
