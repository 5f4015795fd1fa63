"""The JSON-RPC envelope of the eight HTTP operations whose documented body is one (register I-02).

Doc, e.g. private/buy: Body parameter {"id": 0, "jsonrpc": "string", "method": "Method Name", "params": {...}}.
"""

import httpx
import pytest

from harness.doc import COMMON_CODES
from harness.errors import refused_for_rate
from harness.methods import ENVELOPE_METHODS
from harness.pacing import Pacer, resend_while_rate_limited
from harness.placement import far_prices
from harness.rest import http_client

pytestmark = [pytest.mark.check("negative"), pytest.mark.jsonrpc, pytest.mark.doc("Trading", "HTTP JSON-RPC envelope")]

# Envelope members that are not the integer id / "2.0" version I-02 requires.
WRONG_VERSIONS = ["1.0", "2", 2.0, None, ""]
NON_INTEGER_IDS = ["1", 1.5, True, [1], {"id": 1}]


class PacedHttp:
    """Raw HTTP bodies (the envelopes the RestClient would never send), paced and counted like every request of the
    run, and sent again after a backoff when a shared gateway refuses one for its rate (too_many_requests, status 7,
    I-303: the request was not executed)."""

    def __init__(self, client: httpx.Client, pacer: Pacer) -> None:
        self.client, self.pacer = client, pacer

    def post(self, path: str, **kwargs) -> httpx.Response:
        def send() -> httpx.Response:
            self.pacer.wait()
            return self.client.post(path, **kwargs)

        return resend_while_rate_limited(send, rate_limited)


def rate_limited(response: httpx.Response) -> bool:
    try:
        return refused_for_rate(response.status_code, response.json())
    except ValueError:
        return False


@pytest.fixture(scope="module")
def http(pulse_env, pacer):
    client = http_client(pulse_env.rest_base, 10)
    yield PacedHttp(client, pacer)
    client.close()


def post(http: PacedHttp, token: str, method: str, body: object) -> httpx.Response:
    return http.post("/" + method, json=body, headers={"Authorization": f"Bearer {token}"})


def envelope(params: dict | None = None, **members) -> dict:
    body = {"id": 1, "jsonrpc": "2.0", "method": "Method Name"} | members  # the doc's own placeholder method
    if params is not None:
        body["params"] = params
    return body


def is_documented_message(response: httpx.Response, what: str) -> dict:
    """I-03: HTTP 400 with connection.Message {"description", "response": null, "status": CommonCodes}."""
    assert response.status_code == 400, (
        f"{what}: received HTTP {response.status_code} {response.text[:300]}; documented 400 connection.Message")
    body = response.json()
    assert isinstance(body, dict) and set(body) >= {"description", "response", "status"}, (
        f"{what}: received body {body!r}; documented connection.Message")
    assert body["status"] in COMMON_CODES and body["response"] is None, (
        f"{what}: received status {body['status']!r} response {body['response']!r}; documented "
        f"return_codes.CommonCodes 1..13 and response null")
    return body


def is_bare_result(response: httpx.Response, what: str) -> object:
    """I-01: the HTTP 200 body is the documented result itself, never a JSON-RPC envelope."""
    assert response.status_code == 200, f"{what}: received HTTP {response.status_code} {response.text[:300]}; documented 200"
    body = response.json()
    assert not (isinstance(body, dict) and "jsonrpc" in body), (
        f"{what}: received a JSON-RPC envelope {body!r}; I-01 reads the bare documented result")
    return body


@pytest.fixture
def order_params(pulse_env, rest, tokens):
    """Parameters for a resting limit order on the test instrument, far from the market."""
    token = tokens["maker"].access_token()
    buy, sell = far_prices(lambda method, **p: rest.call(method, p, token=token), pulse_env)
    common = {"instrument_name": pulse_env.test_instrument, "amount": pulse_env.contract_size, "type": "limit"}
    return {"private/buy": common | {"price": buy}, "private/sell": common | {"price": sell}}


@pytest.mark.interpretation("I-02")
def test_each_envelope_operation_accepts_the_documented_envelope(http, pulse_env, tokens, order_params, tracker):
    """Doc: the eight operations take {"id", "jsonrpc", "method", "params"}; I-02: the path names the method,
    `method` ("Method Name" in the doc) is ignored; I-01: the 200 body is the bare result."""
    token = tokens["maker"].access_token()
    seen = set()

    def call(method, params):
        seen.add(method)
        result = is_bare_result(post(http, token, method, envelope(params)), method)
        tracker.record("maker", result)
        return result

    bought = call("private/buy", order_params["private/buy"])
    assert bought["order"]["order_state"] == "open", f"far buy: received {bought['order']['order_state']}"
    order_id = bought["order"]["order_id"]
    edited = call("private/edit", {"order_id": order_id, "amount": 2 * pulse_env.contract_size,
                                   "price": order_params["private/buy"]["price"]})
    assert edited["order"]["amount"] == 2 * pulse_env.contract_size, f"edit: received {edited['order']}"
    cancelled = call("private/cancel", {"order_id": order_id})
    assert cancelled["order_state"] == "cancelled", f"cancel: received {cancelled}"
    sold = call("private/sell", order_params["private/sell"])
    by_instrument = call("private/cancel_all_by_instrument", {"instrument_name": pulse_env.test_instrument})
    assert sold["order"]["order_id"] in {o["order_id"] for o in by_instrument}, (
        f"cancel_all_by_instrument: received {by_instrument}; documented the far sell cancelled")
    assert isinstance(call("private/get_account_summary", {}), dict)
    assert isinstance(call("private/get_deposits", {}), (list, dict))
    assert seen == ENVELOPE_METHODS - {"private/cancel_all"}, f"untested: {sorted(ENVELOPE_METHODS - seen)}"


@pytest.mark.interpretation("I-02")
@pytest.mark.account_wide
def test_cancel_all_accepts_the_documented_envelope(http, tokens, order_params, tracker):
    """Doc: private/cancel_all takes {"id", "jsonrpc", "method", "params"}; I-01: the 200 body is the bare list of
    cancelled orders, our far buy among them."""
    token = tokens["maker"].access_token()
    bought = is_bare_result(post(http, token, "private/buy", envelope(order_params["private/buy"])), "private/buy")
    tracker.record("maker", bought)
    cancelled = is_bare_result(post(http, token, "private/cancel_all", envelope({})), "private/cancel_all")
    assert bought["order"]["order_id"] in {o.get("order_id") for o in cancelled}, (
        f"cancel_all: received {cancelled}; documented our far buy among the cancelled orders")


@pytest.mark.interpretation("I-02")
@pytest.mark.parametrize("method", [pytest.param("private/cancel_all", marks=pytest.mark.account_wide),
                                    "private/get_account_summary", "private/get_deposits"])
def test_envelope_without_params_means_no_params(http, tokens, method):
    """I-02: "params carries the method's parameters (absent = {})"; all four members are documented optional."""
    token = tokens["maker"].access_token()
    is_bare_result(post(http, token, method, envelope()), f"{method} with an envelope without params")
    is_bare_result(post(http, token, method, {"params": {}}), f"{method} with only params")


@pytest.mark.interpretation("I-02")
@pytest.mark.parametrize("version", WRONG_VERSIONS, ids=repr)
@pytest.mark.parametrize("method", sorted(ENVELOPE_METHODS))
def test_wrong_jsonrpc_version_is_refused(http, tokens, method, version):
    """I-02: "jsonrpc, when present, must be "2.0" (else error)"; I-03: HTTP 400 connection.Message."""
    response = post(http, tokens["maker"].access_token(), method, envelope({}, jsonrpc=version))
    is_documented_message(response, f"{method} with jsonrpc={version!r}")


@pytest.mark.interpretation("I-02")
@pytest.mark.parametrize("request_id", NON_INTEGER_IDS, ids=repr)
@pytest.mark.parametrize("method", sorted(ENVELOPE_METHODS))
def test_non_integer_id_is_refused(http, tokens, method, request_id):
    """Doc: `id integer`; I-02: "id must be an integer"; I-03: HTTP 400 connection.Message."""
    response = post(http, tokens["maker"].access_token(), method, envelope({}, id=request_id))
    is_documented_message(response, f"{method} with id={request_id!r}")


@pytest.mark.interpretation("I-02")
@pytest.mark.interpretation("I-130")
def test_bare_params_on_an_envelope_operation_are_refused(http, tokens, order_params, pulse_env):
    """I-130: parameters at the top level of an envelope body are refused (HTTP 400), never silently dropped:
    a bare-params buy must not be read as an empty one, a bare-params account summary not as the default."""
    token = tokens["maker"].access_token()
    for method, body in (("private/buy", order_params["private/buy"]),
                         ("private/get_account_summary", {"currency": "USD"}),
                         ("private/cancel_all_by_instrument", {"instrument_name": pulse_env.test_instrument})):
        is_documented_message(post(http, token, method, body), f"{method} with bare params {body}")


@pytest.mark.interpretation("I-02")
@pytest.mark.parametrize("body", ["[]", "7", '"params"', "{"], ids=repr)
def test_non_object_body_is_refused(http, tokens, body):
    """I-02/I-03: an envelope body that is not a JSON object is HTTP 400 connection.Message."""
    response = http.post("/private/get_account_summary", content=body,
                         headers={"Authorization": f"Bearer {tokens['maker'].access_token()}",
                                  "Content-Type": "application/json"})
    is_documented_message(response, f"get_account_summary with body {body}")
