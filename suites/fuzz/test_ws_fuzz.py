"""The same schemas over the WebSocket: valid and invalid params to every JSON-RPC method of the 30 operations.

Doc (I-05, I-06): over WS each method answers a JSON-RPC 2.0 reply: `result` is the operation's documented 200
model (I-01), an error is `{"code", "message", "data": {"reason", "status"}}`; invalid params are -32602.
Params come from schemathesis strategies of the operation's request schema (``params`` of an envelope body,
the bare body otherwise, the query of public/auth); the oracle is the params schema itself.
"""

import itertools
import json
import queue
import time
from functools import cache

import jsonschema
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import GenerationMode

from harness import report
from harness.checks import CheckFailure, Fail, check
from harness.checks.envelope import is_rate_limited
from harness.masking import masked_json
from harness.pacing import RATE_LIMIT_ATTEMPTS, resend_while_rate_limited
from harness.replay_once import ReplayOnceDatabase
from harness.schema import result_schema, schema_conforms
from harness.ws import SharedWs, WsClient
from suites.fuzz import pulse_checks
from suites.fuzz.conftest import DATABASE_DIR, EXAMPLES_PER_OPERATION, load_spec, profile_name, record_orders
from suites.fuzz.shaping import shape_positive_case

pytestmark = [pytest.mark.fuzz]

SPEC = load_spec()
OPERATIONS = [(path, verb, item["x-jsonrpc-method"]) for path, verbs in SPEC["paths"].items()
              for verb, item in verbs.items()]
INVALID_PARAMS_CODE = -32602  # JSON-RPC 2.0 (I-05)
GRANT_TYPES = ("client_credentials", "client_signature", "refresh_token")
WS_EXAMPLES_FRACTION = 0.5  # the WS pass reuses the HTTP budget at a smaller share: it exercises the same schemas


@cache
def ws_schema():
    return schemathesis.openapi.from_dict(load_spec())


def spec_validator(pointer: str) -> jsonschema.Draft202012Validator:
    """A validator for the schema at ``pointer`` inside the spec (its internal $refs resolve)."""
    return jsonschema.Draft202012Validator({**SPEC, "$ref": pointer})


def escape(path: str) -> str:
    return path.replace("~", "~0").replace("/", "~1")


@cache
def params_validator(path: str, verb: str) -> jsonschema.Draft202012Validator:
    operation = SPEC["paths"][path][verb]
    if verb == "get":  # public/auth: the query parameters are the params
        return spec_validator("#/components/schemas/pulse.AuthParams")
    body = operation["requestBody"]
    if "$ref" in body:
        body = SPEC["components"]["requestBodies"][body["$ref"].rsplit("/", 1)[1]]
    schema_ref = body["content"]["application/json"]["schema"]["$ref"]
    if operation["x-jsonrpc-method"] in pulse_checks.ENVELOPE_METHODS:
        schema_ref += "/allOf/1/properties/params"
    return spec_validator(schema_ref)


def ws_params(case, method: str):
    """The JSON-RPC params a generated HTTP case stands for."""
    if case.operation.method.lower() == "get":
        return dict(case.query or {})
    body = case.body if not isinstance(case.body, schemathesis.core.NotSet) else None
    if isinstance(body, bytes):  # a non-JSON HTTP body: over WS the closest is a string where an object belongs
        body = body.decode("latin-1")
    if method in pulse_checks.ENVELOPE_METHODS:
        return body.get("params") if isinstance(body, dict) else body
    return body


_request_ids = itertools.count()  # one sequence per worker: the shared connection never sees an id twice
_unanswered: set[str] = set()  # ids sent whose reply had not come when their case gave up on it


def send(client, method: str, params, request_id: str) -> dict:
    """Send params exactly as generated (also non-objects) and return the reply.

    The connection is shared by every case of the worker: what a previous case's reply left behind (nothing, from
    a correct gateway) is dropped first, as a fresh connection per case would never have seen it; a late reply to
    a case that already failed for want of it is skipped, so that failure is not blamed on this case."""
    while not client.unmatched.empty():
        client.unmatched.get_nowait()
    _unanswered.add(request_id)
    client.send_raw(json.dumps({"jsonrpc": "2.0", "id": request_id, "method": method, "params": params}))
    deadline = time.monotonic() + client.timeout
    while True:
        try:
            reply = client.unmatched.get(timeout=max(0.0, deadline - time.monotonic()))
        except queue.Empty:
            raise AssertionError(f"{method}: no reply within {client.timeout}s; documented one reply per request") from None
        late = isinstance(reply.get("id"), str) and reply["id"] != request_id and reply["id"] in _unanswered
        if not late:
            break
    _unanswered.discard(request_id)
    assert reply.get("id") == request_id, f"{method}: reply id: received {reply.get('id')!r}; sent {request_id!r}"
    return reply


def credentials_refused_first(method: str, params, error: dict) -> bool:
    """I-405: public/auth params both outside the schema and carrying credentials that fail may be refused either
    way: invalid_params (-32602) or invalid_credentials (status 13, code 13004)."""
    return (method == "public/auth" and isinstance(params, dict) and params.get("grant_type") in GRANT_TYPES
            and error["data"]["status"] == pulse_checks.CREDENTIAL_REFUSAL)


def reply_problem(path: str, verb: str, method: str, params, reply: dict) -> str | None:
    """Whether the reply is what the spec says for these params (valid → result or a semantic refusal)."""
    effective = {} if params is None else params  # null params = absent (I-185)
    valid = params_validator(path, verb).is_valid(effective)
    if "error" in reply:
        problem = pulse_checks.jsonrpc_error_problem(reply["error"])
        if problem:
            return problem
        error = reply["error"]
        problem = pulse_checks.internal_error_problem(error["data"]["status"])
        if problem:
            return problem
        if not valid and error["code"] != INVALID_PARAMS_CODE and not credentials_refused_first(method, params, error):
            return f"error.code: received {error['code']} for params outside the schema; documented -32602 (I-05)"
        if valid and error["data"]["status"] not in pulse_checks.SEMANTIC_REFUSALS | {pulse_checks.CREDENTIAL_REFUSAL}:
            return f"error: received {error!r:.300} for schema-valid params; documented a result (I-180)"
        return None
    if "result" not in reply:
        return f"reply: received {sorted(reply)}; documented a result or an error (JSON-RPC 2.0)"
    if not valid:
        return "result: received a result for params outside the schema; documented -32602 (I-05)"
    return (pulse_checks.timestamps_problem(reply["result"])
            or pulse_checks.invariants_problem(method, effective, reply["result"]))


@check(clause="I-303: a request refused for the gateway's rate was not executed; the suite sends it again after a "
              "backoff", informational=True)
def answered_despite_the_rate_limit(method: str, reply: dict) -> None:
    """Reported, never gating: after every resend was refused too there is no answer to judge the params by (the
    environment's rate limit is below the suite's pace), which is neither the gateway's fault nor a pass."""
    if is_rate_limited(reply):
        raise Fail(f"{method}: too_many_requests on each of {RATE_LIMIT_ATTEMPTS} sends",
                   "an answer to judge the generated params by")


@pytest.fixture(scope="session")
def shared_ws(pulse_env, pacer):
    """One WS connection per worker for every case, authenticated as the maker once (issue #18: a connection and
    a public/auth per test was 60 of the module's 160 requests remotely); reconnected if the gateway closes it."""
    shared = SharedWs(lambda: WsClient(pulse_env.ws_url, pacer=pacer, on_exchange=report.attach_exchange).connect(),
                      pulse_env.accounts["maker"].grant)
    yield shared
    shared.close()


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=["positive", "negative"])
@pytest.mark.parametrize(("path", "verb", "method"), OPERATIONS, ids=[m for _, _, m in OPERATIONS])
@pytest.mark.interpretation("I-05", "I-180", "I-405")
def test_ws_method_answers_as_documented(path, verb, method, mode, shared_ws, market, pulse_env, pacer, tracker,
                                        restore_account_settings):
    """Doc: every method replies `result` (its documented model) or a JSON-RPC error; invalid params are -32602."""
    operation = ws_schema()[path][verb.upper()]
    # at least 2 examples per method and mode; on a shared gateway 1 (the HTTP fuzz suite generates from the same
    # schemas there), so that the paced run stays inside its request budget (issue #18)
    floor = 1 if pulse_env.is_remote else 2
    budget = max(floor, int(EXAMPLES_PER_OPERATION[profile_name(pulse_env)] * WS_EXAMPLES_FRACTION))

    # On a shared gateway a failure is reported as found, not shrunk: shrinking replays the method hundreds of times
    # (a remote mutation run of ws_error_without_data timed out at 600 s shrinking 60 failures), each a request of
    # the run's budget. Locally it shrinks. The failing example is kept in the database either way.
    phases = [phase for phase in settings().phases if not (pulse_env.is_remote and phase is Phase.shrink)]

    @settings(max_examples=budget, deadline=None, database=ReplayOnceDatabase(DATABASE_DIR / pulse_env.name),
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much], phases=phases)
    @given(case=operation.as_strategy(generation_mode=mode))
    def check(case):
        if mode is GenerationMode.POSITIVE:
            shape_positive_case(case, market)
        params = ws_params(case, method)
        # reconnected if the gateway closed it; (re-)authenticated before a private method's case only when needed
        client = shared_ws.client(authenticated=method.startswith("private/"))
        if method == "public/auth":
            shared_ws.forget_auth()  # whatever the case did to the connection's identity, a private case re-authenticates
        restore_account_settings.before(method)

        def paced_send() -> dict:
            pacer.wait()
            return send(client, method, params, f"fuzz-{next(_request_ids)}")

        # a shared gateway may refuse any request for its rate (I-303): not executed, so sent again after a backoff
        reply = resend_while_rate_limited(paced_send, is_rate_limited)
        answered_despite_the_rate_limit(method, reply)
        record_orders(tracker, reply)
        problem = reply_problem(path, verb, method, params, reply)
        context = f"request params: {masked_json(params)}\nreply: {masked_json(reply)}"
        assert problem is None, f"{method} over WS: {problem}\n{context}"
        if "result" in reply:  # the documented 200 model, each violated rule graded by spec/audit.toml (I-01)
            try:
                schema_conforms(result_schema(method), reply["result"], f"{method} over WS: the documented result (I-01)")
            except CheckFailure as failure:
                raise failure.with_detail(context) from None

    check()
