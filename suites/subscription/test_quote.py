"""quote.{instrument_name} (doc section "Subscription": "Get notifications about the instrument's quote.";
models.QuoteNotification)."""

import math

import pytest

from harness.checks.channels import BookReplica, book_activity, channels_for, notification_conforms, subscribe_is_ok

pytestmark = [pytest.mark.check("schema", "semantics"), pytest.mark.subscriptions, pytest.mark.doc("Subscription", "quote.{instrument_name}")]


def quote_is_top_of(quote: dict, replica: BookReplica) -> str | None:
    """None when the quote shows the replica's best bid and ask, else what differs."""
    for side, levels, best in (("bid", replica.bids, max), ("ask", replica.asks, min)):
        price = best(levels) if levels else None
        amount = levels[price] if levels else 0
        got_price, got_amount = quote[f"best_{side}_price"], quote[f"best_{side}_amount"] or 0
        if got_price != price or not math.isclose(got_amount, amount):
            return f"best_{side}: received {got_price} x {got_amount}; the book's top is {price} x {amount}"
    return None


@pytest.mark.interpretation("I-18", "I-45")
def test_quote_is_the_top_of_the_book(pulse, ws_client, pulse_env):
    """Doc: QuoteNotification best_ask_price/best_bid_price and amounts; I-45: "quote: current top of book on
    subscribe, then on every change" - after every book change the latest quote equals the book's top."""
    api = pulse("maker")
    channels = channels_for(pulse_env)
    ws = ws_client()
    subscribe_is_ok(ws, "public/subscribe", [channels["book"], channels["quote"]])
    replica = BookReplica(channels["book"])
    replica.apply(ws.next_notification(channels["book"], timeout=5))
    first = ws.next_notification(channels["quote"], timeout=5)
    notification_conforms(channels["quote"], first)
    assert quote_is_top_of(first, replica) is None, f"quote on subscribe: {quote_is_top_of(first, replica)}"
    orders = book_activity(api, pulse_env)
    top_bid = orders[3]["price"]  # the edited far buy: the best of our bids
    latest = first
    for _ in range(50):  # settle: the quote must catch up with every change, ours and any foreign one
        replica.drain(ws)
        for quote in ws.drain(channels["quote"]):
            notification_conforms(channels["quote"], quote)
            latest = quote
        if top_bid in replica.bids and quote_is_top_of(latest, replica) is None:
            return
        latest = ws.next_notification(channels["quote"], timeout=5)
        notification_conforms(channels["quote"], latest)
    raise AssertionError(f"{channels['quote']}: {quote_is_top_of(latest, replica)} (I-45: quote follows the book)")
