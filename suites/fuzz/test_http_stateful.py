"""Stateful fuzzing through the OpenAPI links: buy/sell → get_order_state → edit → cancel → get_order_state,
plus get_user_trades_by_order and cancel_all. Every step gets every check; a run leaves no open order behind.

Doc: "private/cancel — Cancel an order, specified by order id"; "private/get_order_state — Retrieves the state of
a specific order"; "private/edit — This method edits an order".
"""

import hypothesis
import pytest
import schemathesis

from harness.errors import refused_for_rate
from harness.masking import mask_text
from harness.pacing import resend_while_rate_limited
from harness.replay_once import ReplayOnceDatabase
from harness.sweep import cancel_tracked_orders
from suites.fuzz import pulse_checks
from suites.fuzz.conftest import DATABASE_DIR, bearer_auth, build_schema, load_spec, record_orders
from suites.fuzz.shaping import ACCOUNT_WIDE, ORDER_FLOW, shape_positive_case

pytestmark = [pytest.mark.fuzz, pytest.mark.trading]

NOT_FOUND, NOT_OPEN_ORDER = 4, 8  # I-04
SPEC = load_spec()
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


def link_problem(parent_method: str, method: str, response) -> str | None:
    """What a step reached through a link from ``parent_method``'s 200 answer must not do (I-31, I-34, I-181)."""
    body = pulse_checks.json_body(response)
    status = body.get("status") if isinstance(body, dict) else None
    if parent_method in ("private/buy", "private/sell") and status == NOT_FOUND:
        return f"{method}: received not_found for the order {parent_method} just created; documented: the order exists"
    if parent_method == "private/cancel" and method == "private/edit" and response.status_code != 400:
        return (f"private/edit of the order private/cancel just cancelled: received HTTP {response.status_code} "
                f"{response.text[:300]}; documented a refusal (only open orders can be edited, I-31)")
    if parent_method == "private/cancel" and method == "private/get_order_state" and response.status_code == 200:
        state = (body or [{}])[0].get("order_state")
        if state != "cancelled":
            return f"private/get_order_state after private/cancel: order_state received {state!r}; documented 'cancelled'"
    return None


@schemathesis.check
def pulse_order_available_after_create(ctx, response, case):
    """The Pulse form of ensure_resource_availability: an order just placed is found by its id (I-34, I-181)."""
    parent = linked_parent(ctx, case)
    if parent is not None and pulse_checks.method_of(parent) in ("private/buy", "private/sell"):
        problem = link_problem(pulse_checks.method_of(parent), pulse_checks.method_of(case), response)
        assert problem is None, problem


@schemathesis.check
def pulse_no_edit_after_cancel(ctx, response, case):
    """The Pulse forms of use_after_free: a cancelled order cannot be edited, and reads cancelled (I-31, I-34)."""
    parent = linked_parent(ctx, case)
    if parent is not None and pulse_checks.method_of(parent) == "private/cancel":
        problem = link_problem("private/cancel", pulse_checks.method_of(case), response)
        assert problem is None, problem


STATEFUL_CHECKS = (*pulse_checks.PULSE_CHECKS, pulse_order_available_after_create, pulse_no_edit_after_cancel)
# The documented flow, step by step: (target operationId, link name, the step whose answer the link reads).
DOCUMENTED_FLOW = [
    ("private_get_order_state", "GetOrderState", "private_buy"),
    ("private_get_user_trades_by_order", "GetUserTradesByOrder", "private_buy"),
    ("private_edit", "Edit", "private_buy"),
    ("private_cancel", "Cancel", "private_edit"),
    ("private_get_order_state", "GetOrderState", "private_cancel"),
    ("private_edit", "Edit", "private_cancel"),
    ("private_cancel_all", "CancelAll", "private_cancel"),
]


def fill(template, answer):
    """Evaluate a link's requestBody: `$response.body#/pointer` strings are read from the parent's answer."""
    if isinstance(template, dict):
        return {key: fill(value, answer) for key, value in template.items()}
    if isinstance(template, str) and template.startswith("$response.body#"):
        value = answer
        for part in template.removeprefix("$response.body#/").split("/"):
            value = value[int(part)] if isinstance(value, list) else value[part]
        return value
    return template


def flow_operations(pulse_env) -> list[str]:
    return ORDER_FLOW if pulse_env.is_local else [op for op in ORDER_FLOW if op not in ACCOUNT_WIDE]


def clean_up_and_list_open(pulse_env, tokens, rest, tracker) -> list:
    """End of a flow: cancel_all on the suite's own gateway, exactly the flow's own orders on a shared one; then
    the flow's orders that are still open (none, documented)."""
    token = tokens["maker"].access_token()
    ours = set(tracker.created.get("maker", set()))
    if pulse_env.is_local:
        rest.call("private/cancel_all", {}, token=token)
    else:
        cancel_tracked_orders(rest, tokens, tracker)
    listed = rest.call("private/get_open_orders_by_instrument",
                       {"instrument_name": pulse_env.test_instrument, "count": 1000}, token=token)
    return [o for o in listed if pulse_env.is_local or o.get("order_id") in ours]


@pytest.mark.interpretation("I-31", "I-34", "I-181")
def test_order_flow_through_links(pulse_env, tokens, rest, pacer, market, tracker):
    """Each link's target answers as documented; the run ends with cancel_all and no open order left."""
    schema = build_schema(pulse_env, tokens, ["positive"], coverage=False, stateful=True)
    base = schema.include(operation_id=flow_operations(pulse_env)).as_state_machine()

    class OrderFlow(base):
        def before_call(self, case):
            shape_positive_case(case, market)
            pacer.wait()
            bearer_auth(tokens["maker"]).renew(case)

        def validate_response(self, response, case, additional_checks=None, **kwargs):
            if response.status_code == 200:
                record_orders(tracker, pulse_checks.json_body(response))
            super().validate_response(response, case, additional_checks=list(STATEFUL_CHECKS), **kwargs)

    profile = pulse_env.hypothesis_profile
    settings = hypothesis.settings(hypothesis.settings.get_profile(profile), max_examples=SCENARIOS.get(profile, 12),
                                   database=ReplayOnceDatabase(DATABASE_DIR / pulse_env.name / "stateful"))
    try:
        OrderFlow.run(settings=settings)
    finally:
        left = clean_up_and_list_open(pulse_env, tokens, rest, tracker)
    assert left == [], f"open orders after the cleanup: received {len(left)}; documented none (cancel/cancel_all)"


@pytest.mark.interpretation("I-31", "I-34", "I-181")
def test_documented_order_flow_follows_links(pulse_env, tokens, rest, pacer, market, tracker):
    """The documented flow through the spec's links, every step checked: buy → get_order_state, trades, edit →
    cancel → get_order_state (cancelled) → edit (refused) → cancel_all; no open order is left."""
    schema = build_schema(pulse_env, tokens, ["positive"], coverage=False)
    token = tokens["maker"].access_token()
    buy = schema.find_operation_by_id("private_buy")
    example = {"jsonrpc": "2.0", "id": 1, "params": {"instrument_name": market.instrument, "amount": 1,
                                                        "type": "limit", "label": "fuzz-flow"}}
    case = buy.Case(body=example, media_type="application/json", headers={"Authorization": f"Bearer {token}"})
    shape_positive_case(case, market)
    answers = {"private_buy": send_checked(case, pacer).json()}
    record_orders(tracker, answers["private_buy"])
    try:
        for target, link_name, source in DOCUMENTED_FLOW:
            if target in ACCOUNT_WIDE and pulse_env.is_remote:
                continue
            operation = schema.find_operation_by_id(target)
            source_operation = schema.find_operation_by_id(source)
            source_item = SPEC["paths"][source_operation.path][source_operation.method.lower()]
            link = source_item["responses"]["200"]["links"][link_name]
            body = fill(link["requestBody"], answers[source])
            if operation.definition.raw.get("x-jsonrpc-method") in pulse_checks.ENVELOPE_METHODS:
                body = {"jsonrpc": "2.0", "id": len(answers) + 1, **body}
            case = operation.Case(body=body, media_type="application/json",
                                  headers={"Authorization": f"Bearer {token}"})
            response = send_checked(case, pacer)
            problem = link_problem(pulse_checks.method_of(source_operation), pulse_checks.method_of(operation), response)
            assert problem is None, f"{problem}\nReproduce with: {masked(case)}"
            answers[target] = response.json()
    finally:
        left = clean_up_and_list_open(pulse_env, tokens, rest, tracker)
    assert left == [], f"open orders after the cleanup: received {len(left)}; documented none (cancel/cancel_all)"


def send_checked(case, pacer):
    """Send one step and run every check on its answer. A shared gateway may refuse the step for its rate
    (too_many_requests, I-303: not executed): it is sent again after a backoff, as every other request is; the
    flow reads the next step's order id from the answer, which a refusal does not carry."""
    def send():
        pacer.wait()
        return case.call()

    response = resend_while_rate_limited(
        send, lambda answer: refused_for_rate(answer.status_code, pulse_checks.json_body(answer)))
    case.validate_response(response, additional_checks=list(pulse_checks.PULSE_CHECKS))
    return response


def masked(case) -> str:
    return mask_text(case.as_curl_command())
