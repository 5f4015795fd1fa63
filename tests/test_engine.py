"""The reference gateway's matching engine, triggers and linked orders, driven directly (no sockets)."""

import pytest

from reference_gateway.clock import Clock
from reference_gateway.config import load_config
from reference_gateway.engine.exchange import Exchange

PERP = "BTC_USD-PERPETUAL"
MAKER, TAKER = "66fa44883ea1ba9966db0001", "66fa44883ea1ba9966db0002"
DEFAULTS = {"label": "", "post_only": False, "reduce_only": False, "mmp": False, "time_in_force": "good_til_cancelled",
            "type": "limit", "instrument_name": PERP}


@pytest.fixture
def x() -> Exchange:
    return Exchange(load_config(), Clock(), lambda channel, data, account: None)


def place(x, account, direction, amount, price=None, **params):
    return x.place_order(account, direction, {**DEFAULTS, "amount": amount, "price": price, **params}, None)


def state(x, order_id) -> dict:
    return x.orders[order_id].to_wire()


def test_matching_is_price_then_time(x):
    first = place(x, MAKER, "sell", 10, 60001.0)["order"]["order_id"]
    second = place(x, MAKER, "sell", 10, 60001.0)["order"]["order_id"]
    better = place(x, MAKER, "sell", 10, 60000.5)["order"]["order_id"]
    result = place(x, TAKER, "buy", 20, 60001.0)
    assert [t["price"] for t in result["trades"]] == [60000.5, 60001.0]
    assert state(x, better)["order_state"] == state(x, first)["order_state"] == "filled"
    assert state(x, second)["order_state"] == "open"
    assert result["order"]["average_price"] == pytest.approx(60000.75)


def test_edit_to_a_new_price_leaves_no_ghost_at_the_old_level(x):
    order_id = place(x, MAKER, "sell", 10, 60001.0)["order"]["order_id"]
    x.edit(MAKER, {"order_id": order_id, "amount": 10, "price": 60002.0})
    assert x.book_state(PERP)["sell"] == {60002.0: 10}


def test_edit_sets_replaced_and_loses_priority_on_a_price_change(x):
    first = place(x, MAKER, "sell", 10, 60001.0)["order"]["order_id"]
    second = place(x, MAKER, "sell", 10, 60001.0)["order"]["order_id"]
    assert x.edit(MAKER, {"order_id": first, "amount": 10, "price": 60001.5})["order"]["replaced"] is True
    x.edit(MAKER, {"order_id": first, "amount": 10, "price": 60001.0})
    place(x, TAKER, "buy", 10, 60001.0)
    assert state(x, second)["order_state"] == "filled" and state(x, first)["order_state"] == "open"


def test_fok_ioc_and_post_only(x):
    place(x, MAKER, "sell", 10, 60001.0)
    assert place(x, TAKER, "buy", 20, 60001.0, time_in_force="fill_or_kill")["trades"] == []
    ioc = place(x, TAKER, "buy", 20, 60001.0, time_in_force="immediate_or_cancel")["order"]
    assert (ioc["order_state"], ioc["filled_amount"]) == ("cancelled", 10)
    place(x, MAKER, "sell", 10, 60001.0)
    post = place(x, TAKER, "buy", 10, 60005.0, post_only=True)
    assert post["trades"] == [] and post["order"]["price"] == 60000.5


def test_reduce_only_rejected_flat_and_capped_to_the_position(x):
    place(x, MAKER, "sell", 10, 60000.0)
    assert place(x, TAKER, "buy", 10, 60000.0, reduce_only=True)["order"]["order_state"] == "rejected"
    place(x, TAKER, "buy", 10, 60000.0)
    place(x, MAKER, "buy", 30, 59999.0)
    capped = place(x, TAKER, "sell", 30, 59999.0, reduce_only=True)["order"]
    assert capped["amount"] == 10 and capped["order_state"] == "filled"


@pytest.mark.parametrize("order_type,direction,fires_at,stays_at", [
    ("stop_market", "buy", 60100.0, 60050.0), ("stop_market", "sell", 59900.0, 59950.0),
    ("take_market", "buy", 59900.0, 59950.0), ("take_market", "sell", 60100.0, 60050.0)])
def test_index_triggers_fire_in_their_direction(x, order_type, direction, fires_at, stays_at):
    order_id = place(x, TAKER, direction, 10, type=order_type, trigger="index_price",
                     trigger_price=fires_at)["order"]["order_id"]
    x.set_index_price("btc_usd", stays_at)
    assert state(x, order_id)["order_state"] == "untriggered"
    x.set_index_price("btc_usd", fires_at)
    assert state(x, order_id)["order_state"] == "cancelled"  # fired: a market order on an empty book


def test_otoco_secondaries_keep_their_creation_time_and_oco_cancels_the_sibling(x):
    config = [{"direction": "sell", "amount": 10, "price": 60100.0, "type": "limit", "time_in_force": "good_til_cancelled"},
              {"direction": "sell", "amount": 10, "price": 60200.0, "type": "limit", "time_in_force": "good_til_cancelled"}]
    primary = place(x, TAKER, "buy", 10, 60000.0, linked_order_type="one_triggers_one_cancels_other",
                    otoco_config=config)["order"]
    one, other = primary["oto_order_ids"]
    created = state(x, one)["creation_timestamp"]
    x.clock.advance(5)
    place(x, MAKER, "sell", 10, 60000.0)
    assert state(x, one)["status_otoco"] == "active" and state(x, one)["creation_timestamp"] == created
    place(x, MAKER, "buy", 10, 60100.0)
    assert state(x, other)["cancel_reason"] == "oco_other_closed"


def test_cancelling_a_primary_cancels_its_draft_secondaries(x):
    config = [{"direction": "sell", "amount": 10, "price": 60100.0, "type": "limit", "time_in_force": "good_til_cancelled"}]
    primary = place(x, TAKER, "buy", 10, 59000.0, linked_order_type="one_triggers_other", otoco_config=config)["order"]
    x.cancel(TAKER, primary["order_id"])
    assert state(x, primary["oto_order_ids"][0])["cancel_reason"] == "oto_primary_closed"


def test_incremental_activates_in_proportion(x):
    config = [{"direction": "sell", "amount": 20, "price": 60100.0, "type": "limit", "time_in_force": "good_til_cancelled"}]
    primary = place(x, TAKER, "buy", 40, 60000.0, linked_order_type="one_triggers_other",
                    trigger_fill_condition="incremental", otoco_config=config)["order"]
    place(x, MAKER, "sell", 20, 60000.0)
    assert state(x, primary["oto_order_ids"][0])["amount"] == 10


def test_entry_responses_show_the_order_before_its_follow_ups(x):
    """I-105: an edit that makes a trigger order's condition true answers it untriggered; it fires right after."""
    place(x, MAKER, "sell", 10, 60000.0)
    place(x, TAKER, "buy", 10, 60000.0)  # last price 60000
    order_id = place(x, TAKER, "sell", 10, 59999.0, type="take_limit", trigger="last_price",
                     trigger_price=60003.0)["order"]["order_id"]
    edited = x.edit(TAKER, {"order_id": order_id, "amount": 10, "trigger_price": 59997.0})["order"]
    assert edited["order_state"] == "untriggered" and state(x, order_id)["order_state"] == "open"
