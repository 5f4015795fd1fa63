"""book.{instrument_name}.{interval} (doc section "Subscription": "Get notifications about the instrument's order
book."; models.BookNotification)."""

import pytest

from harness.checks.channels import BookReplica, book_activity, same_levels, subscribed_public
from harness.checks.presence import sent_field

pytestmark = [pytest.mark.check("schema", "semantics"),
              pytest.mark.subscriptions, pytest.mark.doc("Subscription", "book.{instrument_name}.{interval}")]

DEPTH = 50
SETTLE_ATTEMPTS = 5  # on a shared environment foreign orders may move the book between two reads


def book_matches_rpc(replica: BookReplica, ws, api, env) -> None:
    """The book rebuilt from notifications equals private/get_order_book once no change is in flight."""
    for _ in range(SETTLE_ATTEMPTS):
        replica.drain(ws)
        book = api.call("private/get_order_book", instrument_name=env.test_instrument, depth=DEPTH)
        if replica.drain(ws):
            continue  # the book moved while we read it: read again
        rebuilt = replica.levels(DEPTH)
        if same_levels(book["bids"], rebuilt["bids"]) and same_levels(book["asks"], rebuilt["asks"]):
            return
    raise AssertionError(f"book rebuilt from {replica.channel}: received bids {rebuilt['bids'][:5]} asks "
                         f"{rebuilt['asks'][:5]}; private/get_order_book documents bids {book['bids'][:5]} "
                         f"asks {book['asks'][:5]} (same book, I-18)")


@pytest.mark.interpretation("I-18", "I-45")
def test_first_notification_is_a_snapshot_that_matches_the_book(pulse, ws_client, pulse_env):
    """Doc example: the first message has "type": "snapshot", "prev_change_id": 0; I-45 "snapshot on subscribe"."""
    api = pulse("maker")
    ws, channel = subscribed_public(ws_client, pulse_env, "book")
    replica = BookReplica(channel)
    first = ws.next_notification(channel, timeout=5)
    replica.apply(first)
    previous = sent_field(first, "prev_change_id", f"the snapshot on {channel}")
    assert previous == 0, f"snapshot prev_change_id: received {previous}; documented 0"
    book_matches_rpc(replica, ws, api, pulse_env)


@pytest.mark.interpretation("I-18", "I-45")
def test_changes_chain_and_rebuild_the_book(pulse, ws_client, pulse_env):
    """Doc: "change_id ... prev_change_id"; I-45: "prev_change_id of each change = previous change_id"; the book
    rebuilt from the snapshot and every change equals private/get_order_book."""
    api = pulse("maker")
    ws, channel = subscribed_public(ws_client, pulse_env, "book")
    replica = BookReplica(channel)
    replica.apply(ws.next_notification(channel, timeout=5))
    orders = book_activity(api, pulse_env)
    edited, cancelled = orders[3], orders[4]
    # wait until our last two actions are visible: the edited level grown, the cancelled level gone
    for _ in range(50):
        replica.apply(ws.next_notification(channel, timeout=5))
        if (replica.bids.get(edited["price"], 0) >= edited["amount"]
                and cancelled["price"] not in replica.bids):
            break
    else:
        raise AssertionError(f"{channel}: the edit to {edited['amount']} at {edited['price']} and the cancel at "
                             f"{cancelled['price']} never showed in the rebuilt book {replica.levels(5)}")
    book_matches_rpc(replica, ws, api, pulse_env)


@pytest.mark.interpretation("I-18", "I-45")
@pytest.mark.local_only(reason="counts every change of the book as one step: on a shared gateway other firms' "
                               "orders add changes between the suite's own; the remote book checks rebuild the book "
                               "from the chained changes instead (I-622)")
def test_every_change_is_one_step_on_the_local_gateway(pulse, ws_client, pulse_env):
    """I-45 on the reference gateway (no foreign orders): each order action is exactly one change notification,
    numbered snapshot.change_id + 1, + 2, ..."""
    api = pulse("maker")
    ws, channel = subscribed_public(ws_client, pulse_env, "book")
    snapshot = ws.next_notification(channel, timeout=5)
    book_activity(api, pulse_env)
    changes = [ws.next_notification(channel, timeout=5) for _ in range(5)]
    ids = [change["change_id"] for change in changes]
    expected = [snapshot["change_id"] + step for step in range(1, 6)]
    assert ids == expected, f"{channel} change_ids: received {ids}; documented consecutive {expected}"
