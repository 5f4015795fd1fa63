"""Schemathesis over every /api/v2 operation of spec/openapi.yaml, positive and negative (I-01..I-04, I-180).

Doc: every operation documents `200 OK` with its model and `400 Bad Request connection.Message`.
"""

import pytest
import schemathesis

pytestmark = [pytest.mark.fuzz, pytest.mark.interpretation("I-03", "I-180")]

positive = schemathesis.pytest.from_fixture("positive_schema")
negative = schemathesis.pytest.from_fixture("negative_schema")


@positive.parametrize()
def test_positive_data_is_answered_as_documented(case, send_case):
    """Doc: each operation answers a well-formed request with `200 OK` and its documented model."""
    send_case(case)


@negative.parametrize()
def test_negative_data_is_refused_as_documented(case, send_case):
    """Doc: `400 Bad Request connection.Message` — a malformed request is refused with that message."""
    send_case(case)
