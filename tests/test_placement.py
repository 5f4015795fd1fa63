"""Where the suite's placements take the index price and the gateway clock from (harness.placement, I-660)."""

from types import SimpleNamespace

import pytest

from harness.placement import book_index, far_prices, gateway_now_ms

ENV = SimpleNamespace(index_name="btc_usd", test_instrument="BTC_USD-PERPETUAL", tick_size=0.5)


class Calls:
    """A gateway stand-in: answers get_order_book with ``book`` and get_index_price with ``index``, and records
    what was asked."""

    def __init__(self, book: dict, index: object = 50_000.0) -> None:
        self.book, self.index, self.sent = book, index, []

    def __call__(self, method: str, **params):
        self.sent.append((method, params))
        return {"private/get_order_book": self.book, "public/get_index_price": self.index}[method]


def test_a_book_carrying_the_index_costs_no_second_request():
    call = Calls({"index_price": 61_234.5})
    assert book_index(call.book, call, ENV) == 61_234.5
    assert call.sent == []


@pytest.mark.parametrize("book", [{}, {"index_price": None}, {"index_price": True}, {"index_price": "61234.5"},
                                  {"index_price": 0}, {"index_price": -1.0}, {"index_price": float("nan")},
                                  {"index_price": float("inf")}, None],
                         ids=["absent", "null", "bool", "string", "zero", "negative", "nan", "inf", "no book"])
def test_without_a_positive_number_the_index_is_read(book):
    """Required false (I-301): a book without the field, or with something that is not a usable price, costs one
    public/get_index_price of the environment's index."""
    call = Calls(book)
    assert book_index(book, call, ENV) == 50_000.0
    assert call.sent == [("public/get_index_price", {"index_name": "btc_usd"})]


def test_far_prices_read_the_book_once_and_stay_far_from_its_index():
    call = Calls({"index_price": 40_000.0, "best_bid_price": 39_990.0, "best_ask_price": 40_010.0})
    buy, sell = far_prices(call, ENV)
    assert [method for method, _ in call.sent] == ["private/get_order_book"]
    assert buy <= 39_990.0 * 0.7 and sell >= 40_010.0 * 1.3


def test_far_prices_fall_back_to_get_index_price():
    call = Calls({"best_bid_price": None, "best_ask_price": None}, index=30_000.0)
    buy, sell = far_prices(call, ENV)
    assert [method for method, _ in call.sent] == ["private/get_order_book", "public/get_index_price"]
    assert buy <= 30_000.0 * 0.7 and sell >= 30_000.0 * 1.3


def test_the_gateway_clock_is_the_book_timestamp():
    call = Calls({"timestamp": 1_764_000_000_123})
    assert gateway_now_ms(call, ENV) == 1_764_000_000_123
    assert call.sent == [("private/get_order_book", {"instrument_name": "BTC_USD-PERPETUAL", "depth": 1})]


@pytest.mark.parametrize("book", [{}, {"timestamp": None}, {"timestamp": "1764000000123"}, {"timestamp": True},
                                  {"timestamp": 1_764_000_000}, None],
                         ids=["absent", "null", "string", "bool", "seconds", "no book"])
def test_without_a_millisecond_timestamp_the_local_clock_stands_in(book, monkeypatch):
    """Required false: a book without a millisecond timestamp gives the local wall clock (a seconds value is not
    taken for the gateway's clock: I-19 reads timestamps as milliseconds; its own checks report it)."""
    monkeypatch.setattr("harness.placement.time.time", lambda: 1_800_000_000.5)
    assert gateway_now_ms(Calls(book), ENV, "ETH_USD-PERPETUAL") == 1_800_000_000_500
