"""Schemathesis over every /api/v2 operation of spec/openapi.yaml, positive and negative (I-01..I-04, I-180).

Doc: every operation documents `200 OK` with its model and `400 Bad Request connection.Message`.
One test per doc section and generation mode (Trading in two), so xdist spreads the 30 operations over the workers.
"""

import pytest
import schemathesis

from suites.fuzz.shaping import TRADING_QUERIES

pytestmark = [pytest.mark.fuzz]

positive = schemathesis.pytest.from_fixture("positive_schema")
negative = schemathesis.pytest.from_fixture("negative_schema")
# The Trading section (19 operations, half of all cases) as two tests, its queries and the rest, so that -n 2 can
# put them on different workers; together they take exactly the section's operations.


@positive.include(tag="Authentication").parametrize()
@pytest.mark.interpretation("I-03", "I-180")
def test_positive_authentication(case, send_case):
    """Doc: public/auth answers a well-formed grant with `200 OK services.LoginResponse`."""
    send_case(case)


@positive.include(tag="Market Data").parametrize()
@pytest.mark.interpretation("I-03", "I-180")
def test_positive_market_data(case, send_case):
    """Doc: each Market Data operation answers a well-formed request with `200 OK` and its model."""
    send_case(case)


@positive.include(tag="Trading").exclude(path_regex=TRADING_QUERIES).parametrize()
@pytest.mark.interpretation("I-03", "I-180")
def test_positive_orders_trading(case, send_case):
    """Doc: each Trading operation answers a well-formed request with `200 OK` and its model (order entry and
    account settings)."""
    send_case(case)


@positive.include(tag="Trading", path_regex=TRADING_QUERIES).parametrize()
@pytest.mark.interpretation("I-03", "I-180")
def test_positive_queries_trading(case, send_case):
    """Doc: each Trading operation answers a well-formed request with `200 OK` and its model (the queries)."""
    send_case(case)


@positive.include(tag="Wallet").parametrize()
@pytest.mark.interpretation("I-03", "I-180")
def test_positive_wallet(case, send_case):
    """Doc: each Wallet operation answers a well-formed request with `200 OK` and its model."""
    send_case(case)


@negative.include(tag="Authentication").parametrize()
@pytest.mark.interpretation("I-03", "I-180")
def test_negative_authentication(case, send_case):
    """Doc: `400 Bad Request connection.Message` — a malformed grant is refused with that message."""
    send_case(case)


@negative.include(tag="Market Data").parametrize()
@pytest.mark.interpretation("I-03", "I-180")
def test_negative_market_data(case, send_case):
    """Doc: `400 Bad Request connection.Message` — a malformed request is refused with that message."""
    send_case(case)


@negative.include(tag="Trading").exclude(path_regex=TRADING_QUERIES).parametrize()
@pytest.mark.interpretation("I-03", "I-180")
def test_negative_orders_trading(case, send_case):
    """Doc: `400 Bad Request connection.Message` — a malformed request is refused with that message."""
    send_case(case)


@negative.include(tag="Trading", path_regex=TRADING_QUERIES).parametrize()
@pytest.mark.interpretation("I-03", "I-180")
def test_negative_queries_trading(case, send_case):
    """Doc: `400 Bad Request connection.Message` — a malformed request is refused with that message."""
    send_case(case)


@negative.include(tag="Wallet").parametrize()
@pytest.mark.interpretation("I-03", "I-180")
def test_negative_wallet(case, send_case):
    """Doc: `400 Bad Request connection.Message` — a malformed request is refused with that message."""
    send_case(case)
