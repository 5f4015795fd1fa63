"""Stateful fuzzing through the OpenAPI links: buy/sell → get_order_state → edit → cancel → get_order_state,
plus get_user_trades_by_order and cancel_all. Every step gets every check; a run leaves no open order behind.

Doc: "private/cancel — Cancel an order, specified by order id"; "private/get_order_state — Retrieves the state of
a specific order"; "private/edit — This method edits an order".
"""

import hypothesis
import pytest
import schemathesis
from hypothesis.database import DirectoryBasedExampleDatabase

from suites.fuzz import pulse_checks
from suites.fuzz.conftest import DATABASE_DIR, build_schema
from suites.fuzz.shaping import shape_positive_case

pytestmark = [pytest.mark.fuzz, pytest.mark.trading, pytest.mark.interpretation("I-31", "I-34", "I-181")]

ORDER_FLOW = ["private_buy", "private_sell", "private_edit", "private_cancel", "private_get_order_state",
              "private_get_user_trades_by_order", "private_cancel_all", "private_get_open_orders_by_instrument"]
NOT_FOUND, NOT_OPEN_ORDER = 4, 8  # I-04
SCENARIOS = {"local": 5, "remote": 2, "thorough": 50}


def requested_order_id(case):
    body = case.body if isinstance(case.body, dict) else {}
    params = body.get("params") if isinstance(body.get("params"), dict) else body
    return params.get("order_id")


def answered_order_id(body):
    order = body[0] if isinstance(body, list) and body else body
    order = order.get("order", order) if isinstance(order, dict) else {}
    return order.get("order_id") if isinstance(order, dict) else None


def linked_parent(ctx, case):
    """The step this case follows through a link, when its 200 answer named the order this case asks about."""
    parent = ctx.internals.find_parent(case_id=case.id)
    response = ctx.internals.find_response(case_id=parent.id) if parent is not None else None
    if response is None or response.status_code != 200:
        return None
    order_id = answered_order_id(pulse_checks.json_body(response))
    return parent if order_id is not None and order_id == requested_order_id(case) else None


@schemathesis.check
def pulse_order_available_after_create(ctx, response, case):
    """The Pulse form of ensure_resource_availability: an order just placed is found by its id (I-34, I-181)."""
    parent = linked_parent(ctx, case)
    if parent is None or pulse_checks.method_of(parent) not in ("private/buy", "private/sell"):
        return
    body = pulse_checks.json_body(response)
    status = body.get("status") if isinstance(body, dict) else None
    assert status != NOT_FOUND, (f"{pulse_checks.method_of(case)}: received not_found for the order "
                                 f"{pulse_checks.method_of(parent)} just created; documented: the order exists")
    return


@schemathesis.check
def pulse_no_edit_after_cancel(ctx, response, case):
    """The Pulse form of use_after_free: a cancelled order cannot be edited (not_open_order, I-31, I-181)."""
    if pulse_checks.method_of(case) != "private/edit":
        return
    parent = linked_parent(ctx, case)
    if parent is None or pulse_checks.method_of(parent) != "private/cancel":
        return
    assert response.status_code == 400, (
        f"private/edit of the order private/cancel just cancelled: received HTTP {response.status_code} "
        f"{response.text[:300]}; documented a refusal (only open orders can be edited, I-31)")
    return


@schemathesis.check
def pulse_cancelled_order_reads_cancelled(ctx, response, case):
    """After a successful cancel, get_order_state shows order_state cancelled (I-34)."""
    if pulse_checks.method_of(case) != "private/get_order_state" or response.status_code != 200:
        return
    parent = linked_parent(ctx, case)
    if parent is None or pulse_checks.method_of(parent) != "private/cancel":
        return
    orders = pulse_checks.json_body(response) or [{}]
    assert orders[0].get("order_state") == "cancelled", (
        f"private/get_order_state after private/cancel: order_state received {orders[0].get('order_state')!r}; "
        "documented 'cancelled'")
    return


STATEFUL_CHECKS = (*pulse_checks.PULSE_CHECKS, pulse_order_available_after_create, pulse_no_edit_after_cancel,
                   pulse_cancelled_order_reads_cancelled)


def test_order_flow_through_links(pulse_env, tokens, rest, pacer, market):
    """Each link's target answers as documented; the run ends with cancel_all and no open order left."""
    schema = build_schema(pulse_env, tokens, ["positive"], coverage=False, stateful=True).include(operation_id=ORDER_FLOW)
    base = schema.as_state_machine()

    class OrderFlow(base):
        def before_call(self, case):
            shape_positive_case(case, market)
            pacer.wait()

        def validate_response(self, response, case, additional_checks=None, **kwargs):
            super().validate_response(response, case, additional_checks=list(STATEFUL_CHECKS), **kwargs)

    profile = pulse_env.hypothesis_profile
    settings = hypothesis.settings(hypothesis.settings.get_profile(profile), max_examples=SCENARIOS.get(profile, 12),
                                   database=DirectoryBasedExampleDatabase(DATABASE_DIR / pulse_env.name / "stateful"))
    try:
        OrderFlow.run(settings=settings)
    finally:
        token = tokens["maker"].access_token()
        rest.call("private/cancel_all", {}, token=token)
        left = rest.call("private/get_open_orders_by_instrument",
                         {"instrument_name": pulse_env.test_instrument, "count": 1000}, token=token)
    assert left == [], f"open orders after cancel_all: received {len(left)}; documented none (cancel_all)"
