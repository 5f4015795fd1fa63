"""Pulse checks for schemathesis: small named functions, each saying "received X; documented Y".

The ``*_problem`` functions are transport-neutral (the WebSocket fuzzer uses them too); the ``pulse_*``
functions are the schemathesis checks registered with ``@schemathesis.check``.
"""

import json

import jsonschema
import schemathesis
from schemathesis.core.failures import AcceptedNegativeData
from schemathesis.openapi.checks import IgnoredAuth, MissingHeaderNotRejected, RejectedPositiveData

from harness import invariants
from harness.doc import COMMON_CODES  # return_codes.CommonCodes (I-04)
from harness.methods import ENVELOPE_METHODS
from harness.schema import http_response_schema, schema_conforms

INTERNAL_ERROR_STATUS = 12  # I-04
MS_EPOCH_FLOOR = 10**12  # a seconds timestamp (< 2001-09-09 in ms) is a defect (I-19)
TIMESTAMP_EXEMPT = {"expires_in"}
# Refusals a schema-valid request may still get, because the schema cannot express them (I-180):
# the order does not exist (4), the instrument does not exist or is not tradable (5), the account lacks funds
# (6), rate limit (7), the order is no longer open (8), the order is rejected (9, MMP freeze).
SEMANTIC_REFUSALS = {4, 5, 6, 7, 8, 9}
CREDENTIAL_REFUSAL = 13  # public/auth with generated credentials (I-180)
UNAUTHORIZED = 2  # I-04
COD_METHODS = {"private/enable_cancel_on_disconnect", "private/disable_cancel_on_disconnect"}


def method_of(case) -> str:
    return case.path.lstrip("/")


_parsed: tuple = (None, None)  # (response, its body): every check of one case reads the same response


def json_body(response):
    """The response's JSON body (None when it is not JSON), parsed once for all the checks of a case. The checks
    only read it."""
    global _parsed
    if _parsed[0] is not response:
        try:
            body = json.loads(response.content or b"null")
        except ValueError:
            body = None
        _parsed = (response, body)
    return _parsed[1]


# ------------------------------------------------------------------------------ transport-neutral predicates
def connection_message_problem(body, http_status: int | None) -> str | None:
    """The I-03 error shape: HTTP 400 with {"description": str, "response": any, "status": 1..13}."""
    if http_status is not None and http_status != 400:
        return f"HTTP status: received {http_status}; documented 400 Bad Request for every error (I-03)"
    if not isinstance(body, dict):
        return f"error body: received {body!r:.200}; documented a connection.Message object (I-03)"
    if not isinstance(body.get("description"), str):
        return f"description: received {body.get('description')!r:.100}; documented a string"
    if "response" not in body:
        return f"response: received no 'response' member in {sorted(body)}; documented connection.Message.response"
    status = body.get("status")
    if isinstance(status, bool) or status not in COMMON_CODES:
        return f"status: received {status!r}; documented return_codes.CommonCodes 1..13 (I-04)"
    return None


def jsonrpc_error_problem(error) -> str | None:
    """The I-05 error object: {"code": int, "message": str, "data": {"reason": str, "status": 1..13}}."""
    if not isinstance(error, dict):
        return f"error: received {error!r:.200}; documented a JSON-RPC error object (I-05)"
    if isinstance(error.get("code"), bool) or not isinstance(error.get("code"), int):
        return f"error.code: received {error.get('code')!r}; documented an integer (I-05)"
    if not isinstance(error.get("message"), str):
        return f"error.message: received {error.get('message')!r}; documented a string (I-05)"
    data = error.get("data")
    if not isinstance(data, dict) or not isinstance(data.get("reason"), str):
        return f"error.data: received {data!r:.200}; documented {{'reason': str, 'status': CommonCodes}} (I-05)"
    if isinstance(data.get("status"), bool) or data.get("status") not in COMMON_CODES:
        return f"error.data.status: received {data.get('status')!r}; documented CommonCodes 1..13 (I-04, I-05)"
    return None


def seconds_timestamps(value, path: str = "$") -> list[str]:
    """Every ``*timestamp*`` / ``frozen_until`` integer below the millisecond floor (I-19)."""
    found: list[str] = []
    if isinstance(value, dict):
        for key, item in value.items():
            where = f"{path}.{key}"
            timed = ("timestamp" in key or key == "frozen_until") and key not in TIMESTAMP_EXEMPT
            if timed and isinstance(item, int) and not isinstance(item, bool) and 0 < item < MS_EPOCH_FLOOR:
                found.append(f"{where}={item}")
            found += seconds_timestamps(item, where)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += seconds_timestamps(item, f"{path}[{index}]")
    return found


def timestamps_problem(result) -> str | None:
    seconds = seconds_timestamps(result)
    if seconds:
        return f"timestamps: received {', '.join(seconds[:5])}; documented milliseconds since the epoch (I-19)"
    return None


def internal_error_problem(status) -> str | None:
    if status == INTERNAL_ERROR_STATUS:
        return "status: received 12 internal_error; the gateway must never fail internally on any input (I-04)"
    return None


def envelope_problem(body) -> str | None:
    """What an envelope body must be refused for (I-02): jsonrpc other than "2.0", an id that is not an integer."""
    if not isinstance(body, dict):
        return None
    if "jsonrpc" in body and body["jsonrpc"] != "2.0":
        return f"jsonrpc={body['jsonrpc']!r}"
    if "id" in body and (isinstance(body["id"], bool) or not isinstance(body["id"], int)):
        return f"id={body['id']!r}"
    return None


def invariants_problem(method: str, params, result) -> str | None:
    """The first relation of spec/invariants.toml the result breaks (harness/invariants.py), or None."""
    try:
        invariants.check_result(method, params if isinstance(params, dict) else {}, result)
    except AssertionError as failure:
        return str(failure)
    return None


def case_params(case) -> dict:
    """The request's params: the envelope's for envelope operations (I-02), the query for public/auth, else the body."""
    if method_of(case) == "public/auth":
        return dict(case.query or {})
    body = case.body if isinstance(case.body, dict) else {}
    if method_of(case) in ENVELOPE_METHODS:
        return body.get("params") if isinstance(body.get("params"), dict) else {}
    return body


# ------------------------------------------------------------------------------ schemathesis checks
def documented_verb(case) -> bool:
    """Only the documented verb (POST, GET for public/auth) is a documented operation (I-183)."""
    return case.method.upper() == case.operation.method.upper()


@schemathesis.check
def pulse_response_schema(ctx, response, case):
    """Doc: the operation's documented model of its status (200: the method's result; 400: connection.Message).

    In place of schemathesis' ``response_schema_conformance``: every violated rule is graded by spec/audit.toml
    (harness.schema), so a rule that is one of the suite's readings (I-160's required lists: every property is
    "Required false") fails non-strict naming that reading, and a rule of the doc's own fails strict. The built-in
    graded every violation alike, by the case's own readings. Other statuses: status_code_conformance."""
    status = str(response.status_code)
    schema = http_response_schema(method_of(case), status) if documented_verb(case) else None
    if schema is not None:
        schema_conforms(schema, json_body(response), f"{method_of(case)}: the documented HTTP {status} body")


@schemathesis.check
def pulse_error_is_connection_message(ctx, response, case):
    """Doc: `400 Bad Request connection.Message`; every HTTP error is that message (I-03, I-04)."""
    if response.status_code == 200 or not documented_verb(case):
        return
    problem = connection_message_problem(json_body(response), response.status_code)
    assert problem is None, f"{method_of(case)}: {problem}"
    return


@schemathesis.check
def pulse_no_internal_error(ctx, response, case):
    """No input may make the gateway fail internally (status 12 internal_error, I-04)."""
    body = json_body(response)
    problem = internal_error_problem(body.get("status") if isinstance(body, dict) else None)
    assert problem is None, f"{method_of(case)}: {problem}; description {body.get('description')!r:.300}"


@schemathesis.check
def pulse_envelope_echo(ctx, response, case):
    """Doc: envelope bodies `{"id","jsonrpc":"2.0","method","params"}` (I-02); results are bare (I-01).

    Over HTTP there is no reply envelope to echo the id into, so "echo" reads: a body whose `jsonrpc` is not
    "2.0" or whose `id` is not an integer is refused (400), and a 200 body is the bare result, never an
    envelope carrying it (I-181).
    """
    if method_of(case) not in ENVELOPE_METHODS:
        return
    wrong = envelope_problem(case.body)
    if wrong is not None:
        assert response.status_code == 400, (
            f"{method_of(case)}: envelope with {wrong}: received HTTP {response.status_code}; "
            "documented refusal (jsonrpc must be '2.0', id an integer; I-02)")
    body = json_body(response)
    if response.status_code == 200 and isinstance(body, dict):
        assert not {"jsonrpc", "result"} <= set(body), (
            f"{method_of(case)}: received a JSON-RPC envelope {sorted(body)}; documented the bare result (I-01)")
    return


@schemathesis.check
def pulse_timestamps_in_ms(ctx, response, case):
    """Doc examples mix seconds and ms; every `*timestamp*` and `frozen_until` is ms (I-19)."""
    if response.status_code != 200:
        return
    problem = timestamps_problem(json_body(response))
    assert problem is None, f"{method_of(case)}: {problem}"
    return


@schemathesis.check
def pulse_order_matches_request(ctx, response, case):
    """buy/sell answer with the order placed: its instrument, direction and amount are the request's."""
    method = method_of(case)
    if method not in ("private/buy", "private/sell") or response.status_code != 200:
        return
    params = case.body.get("params") if isinstance(case.body, dict) else None
    order = (json_body(response) or {}).get("order")
    if not isinstance(params, dict) or not isinstance(order, dict):
        return
    direction = method.split("/")[1]
    assert order.get("direction") == direction, (
        f"{method}: order.direction: received {order.get('direction')!r}; documented {direction!r}")
    assert order.get("instrument_name") == params.get("instrument_name"), (
        f"{method}: order.instrument_name: received {order.get('instrument_name')!r}; "
        f"requested {params.get('instrument_name')!r}")
    if order.get("order_state") == "rejected":
        return
    if params.get("reduce_only") is True:  # capped to the position it reduces (I-29), never above the request
        assert 0 < order.get("amount", 0) <= params.get("amount"), (
            f"{method}: reduce_only order.amount: received {order.get('amount')!r}; documented at most the "
            f"requested {params.get('amount')!r} (I-29)")
        return
    assert order.get("amount") == params.get("amount"), (
        f"{method}: order.amount: received {order.get('amount')!r}; requested {params.get('amount')!r}")


@schemathesis.check
def pulse_invariants(ctx, response, case):
    """The relations inside the result and between it and the request (spec/invariants.toml, I-500)."""
    if response.status_code != 200 or not documented_verb(case):
        return
    problem = invariants_problem(method_of(case), case_params(case), json_body(response))
    assert problem is None, f"{method_of(case)}: {problem}"


class AuthProbe:
    """Sends a private operation's request again without its token: ``send(kwargs)`` is the suite's paced sender
    (``suites/fuzz/conftest.py`` sets it), so every probe counts against the run's pace and request budget."""

    def __init__(self) -> None:
        self.send = None
        self.confirmed: set[str] = set()  # the operations whose refusal this process has seen


AUTH_PROBE = AuthProbe()
AUTH_REFUSALS = {400, 401, 403}  # 400 as I-03 documents for every error; 401/403 as HTTP has it (schemathesis)


@schemathesis.check
def pulse_auth_enforced(ctx, response, case):
    """A private operation refuses its request without a token (I-03: a 400 connection.Message; the refusal's body
    is checked by suites/access/test_private_method_auth.py). The Pulse form of schemathesis' ``ignored_auth``: that
    built-in reads only 401/403 as a refusal, so against a Pulse gateway it probed again after every accepted case,
    outside the run's pacer; enforcement is a property of the operation, so one confirmed refusal per operation
    and worker is enough (issue #18), and the probe is paced and counted."""
    label = case.operation.label
    if (response.status_code != 200 or not documented_verb(case) or not case.operation.definition.raw.get("security")
            or label in AUTH_PROBE.confirmed or AUTH_PROBE.send is None):
        return
    kwargs = case.as_transport_kwargs()
    kwargs["headers"] = {k: v for k, v in (kwargs.get("headers") or {}).items() if k.lower() != "authorization"}
    probe = AUTH_PROBE.send(kwargs)
    refused = probe.status_code in AUTH_REFUSALS or 300 <= probe.status_code < 400
    assert refused, (f"{method_of(case)} without a token: received HTTP {probe.status_code} {probe.text[:300]}; "
                     "documented a refusal (private method, I-03, I-04 status 2 unauthorized)")
    AUTH_PROBE.confirmed.add(label)


PULSE_CHECKS = (pulse_response_schema, pulse_error_is_connection_message, pulse_no_internal_error, pulse_envelope_echo,
                pulse_timestamps_in_ms, pulse_order_matches_request, pulse_invariants, pulse_auth_enforced)


# ------------------------------------------------------------------------------ documented waivers
def valid_once_null_is_absent(case) -> bool:
    """Whether the body is valid once an absent or null body, or null envelope params, read as absent (I-185)."""
    body = case.body if isinstance(case.body, dict) else {}
    if body.get("params", {}) is None:
        body = {key: value for key, value in body.items() if key != "params"}
    alternative = case.operation.get_body_for_media_type("application/json")
    return alternative is not None and body_validator(alternative.validation_schema).is_valid(body)


_validators: dict[int, tuple[object, jsonschema.Draft202012Validator]] = {}


def body_validator(schema: dict) -> jsonschema.Draft202012Validator:
    """One validator per body schema object (building one per case cost more than the check itself)."""
    cached = _validators.get(id(schema))
    if cached is None or cached[0] is not schema:  # the schema is kept alive beside it: its id is never reused
        if len(_validators) > 256:
            _validators.clear()
        cached = _validators[id(schema)] = (schema, jsonschema.Draft202012Validator(schema))
    return cached[1]


def keep_failure(failure, case, response) -> bool:
    """False only for the built-in failures a documented reading explains (I-180); everything else is kept."""
    body = json_body(response)
    status = body.get("status") if isinstance(body, dict) and response.status_code == 400 else None
    method = method_of(case)
    if isinstance(failure, RejectedPositiveData):
        if status in SEMANTIC_REFUSALS:
            return False
        if method == "public/auth" and status == CREDENTIAL_REFUSAL:
            return False
        scope = case.body.get("scope") if isinstance(case.body, dict) else None
        if method in COD_METHODS and scope == "connection" and status is not None:
            return False  # no connection to act on over HTTP (I-182)
    if isinstance(failure, MissingHeaderNotRejected) and "'Authorization'" in failure.message:
        return status != UNAUTHORIZED  # refused with 400 status 2 unauthorized, as I-03/I-04 document
    if isinstance(failure, AcceptedNegativeData):
        return response.status_code != 200 or not valid_once_null_is_absent(case)  # I-185
    # An IgnoredAuth probe (no token, bad token) refused with HTTP 400, as I-03 documents for every error rather
    # than 401/403, is not a failure; suites/access/test_private_method_auth.py checks that refusal's body.
    return not (isinstance(failure, IgnoredAuth) and "got `400 " in failure.message)
