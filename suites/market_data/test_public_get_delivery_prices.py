"""public/get_delivery_prices (doc section "Market Data"; register I-21)."""

import re

import pytest

from harness.checks.presence import sent_field
from harness.schema import assert_conforms, result_schema
from harness.wire_checks import is_number

pytestmark = [pytest.mark.market_data, pytest.mark.doc("Market Data", "public/get_delivery_prices")]

DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@pytest.fixture
def delivery_prices(pulse, transport, pulse_env):
    api = pulse("maker", transport)

    def call(**params) -> list[dict]:
        result = api.call("public/get_delivery_prices", index_name=pulse_env.index_name, **params)
        assert isinstance(result, list), f"received {result!r}; documented an array of GetDeliveryPricesResponse"
        return result
    return call


@pytest.mark.check("schema")
def test_entries_have_a_date_and_a_price(delivery_prices):
    """Doc: "date string ... The event date with year, month and day" (example "2020-01-02"); "delivery_price
    number"."""
    for entry in delivery_prices():
        date, price = sent_field(entry, "date", "a delivery price"), sent_field(entry, "delivery_price", "a delivery price")
        assert isinstance(date, str) and DATE.match(date), (
            f"date: received {entry.get('date')!r}; documented year, month and day like \"2020-01-02\"")
        assert is_number(price) and price > 0, (
            f"delivery_price: received {entry.get('delivery_price')!r}; documented a number (a price)")


@pytest.mark.check("semantics")
@pytest.mark.parametrize("count", [1, 3])
def test_count_limits_the_entries(delivery_prices, count):
    """Doc: "count body integer false Number of requested items, default - 10"."""
    every = delivery_prices(count=20)
    page = delivery_prices(count=count)
    assert len(page) == min(count, len(every)), f"count={count}: received {len(page)} entries ({len(every)} exist)"


@pytest.mark.check("semantics")
def test_default_count_is_ten(delivery_prices):
    """Doc: "count ... Number of requested items, default - 10"."""
    every = delivery_prices(count=20)
    assert len(delivery_prices()) == min(10, len(every)), "count absent: documented default 10"


@pytest.mark.interpretation("I-165")
@pytest.mark.check("semantics")
def test_offset_pages_through_the_history(delivery_prices):
    """Doc: "offset body integer false The offset for pagination, default - 0"."""
    first = delivery_prices(count=4)
    if len(first) < 4:
        pytest.skip(f"only {len(first)} delivery prices on this environment; paging needs 4")
    second = delivery_prices(count=2, offset=2)
    # Compared by date, the entry's identity: a gateway may revise a past delivery price between the two calls (the
    # staging simulator derives them from its moving index), which is not a paging error.
    assert [entry.get("date") for entry in second] == [entry.get("date") for entry in first[2:4]], (
        f"offset=2,count=2: received {second}; documented the 3rd and 4th of {first}")


@pytest.mark.check("schema")
def test_result_conforms_to_the_documented_schema(delivery_prices):
    """Doc: "200 OK ... [models.GetDeliveryPricesResponse]" (spec/openapi.yaml)."""
    result = delivery_prices(count=5)
    assert_conforms(result_schema("public/get_delivery_prices"), result,
                    "public/get_delivery_prices: 200 [models.GetDeliveryPricesResponse]")
