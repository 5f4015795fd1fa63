"""public/get_index_price (doc section "Market Data"; register I-41)."""

import pytest

from harness.schema import assert_conforms, result_schema
from harness.wire_checks import is_number

pytestmark = [pytest.mark.market_data, pytest.mark.doc("Market Data", "public/get_index_price")]


@pytest.mark.interpretation("I-41")
@pytest.mark.check("schema")
def test_index_price_is_a_positive_number(pulse, transport, pulse_env):
    """Doc: "200 OK IndexPrice number" (example 0): a bare number."""
    price = pulse("maker", transport).call("public/get_index_price", index_name=pulse_env.index_name)
    assert is_number(price), f"received {price!r} ({type(price).__name__}); documented IndexPrice number"
    assert price > 0, f"received {price}; an index price is positive"


@pytest.mark.check("semantics")
def test_index_price_agrees_with_the_order_book(pulse, pulse_env):
    """Doc: "This method returns the index price"; the order book's "index_price ... Current index price"."""
    api = pulse("maker")
    price = api.call("public/get_index_price", index_name=pulse_env.index_name)
    book = api.call("private/get_order_book", instrument_name=pulse_env.test_instrument, depth=1)
    if not isinstance(book, dict) or book.get("index_price") is None:  # Required false (I-301)
        pytest.skip(f"the order book of {pulse_env.test_instrument} carries no index_price (Required false): nothing "
                    "to compare get_index_price with")
    listed = book["index_price"]
    assert is_number(price) and is_number(listed) and abs(price - listed) <= 0.01 * listed, (
        f"received {price!r}; the order book of {pulse_env.test_instrument} reports index_price {listed!r}")


@pytest.mark.check("negative")
def test_unknown_index_is_refused(pulse, transport):
    """Doc: "index_name body string true Index identifier"."""
    error = pulse("maker", transport).error_of("public/get_index_price", index_name="pulse_suite_no_such_index")
    assert error.status is not None, f"received {error}; documented a connection.Message / JSON-RPC error"


@pytest.mark.check("schema")
def test_result_conforms_to_the_documented_schema(pulse, transport, pulse_env):
    """Doc: "200 OK ... IndexPrice number" (spec/openapi.yaml)."""
    result = pulse("maker", transport).call("public/get_index_price", index_name=pulse_env.index_name)
    assert_conforms(result_schema("public/get_index_price"), result, "public/get_index_price: 200 IndexPrice number")
