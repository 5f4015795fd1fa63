"""The suite is a good citizen on shared environments: allow-list, cleanup, secrets, fail-fast credentials.

Each test runs the real conftest in a child pytest (``-p conftest``) against an in-process reference gateway
or a stub on another loopback address, and then looks at what the gateway saw.
"""

import re
import secrets
import signal
import time
from pathlib import Path

import httpx
import pytest

from reference_gateway import start_gateway
from tests.childrun import run_child
from tests.stubs import StubHttpServer, reply_json

ROOT = Path(__file__).resolve().parent.parent
JWT_FRAGMENT = r"eyJ[\w-]{4,}"  # even a truncated token is a leak
ORDER_TEST = """
import time
import pytest

@pytest.mark.trading
def test_places_an_order(pulse, pulse_env):
    pulse("maker").call("private/buy", instrument_name=pulse_env.test_instrument, amount=10, price=1000.0,
                        type="limit", label="safety")
    {after}
"""


@pytest.fixture
def gateway():
    running = start_gateway()
    yield running
    running.stop()


def open_orders(gateway, account: str = "maker") -> list[dict]:
    """The account's open orders on every instrument (on a shared gateway each worker trades on its own)."""
    api = gateway.base_url + "/api/v2"
    token = httpx.get(api + "/public/auth", params={"grant_type": "client_credentials", "client_id": account,
                                                    "client_secret": f"{account}-secret"}).json()["access_token"]
    orders = []
    for instrument in gateway.gateway.exchange.instruments:
        listed = httpx.post(api + "/private/get_open_orders_by_instrument", json={"instrument_name": instrument},
                            headers={"Authorization": f"Bearer {token}"}).json()
        orders += listed if isinstance(listed, list) else []
    return orders


def external(gateway) -> tuple[str, ...]:
    return ("--base-url", gateway.base_url + "/api/v2", "--ws-url", gateway.ws_url)


def test_missing_credentials_fail_fast_naming_the_variables(tmp_path):
    started = time.monotonic()
    code, output = run_child(tmp_path, "def test_nothing():\n    pass\n", "-m", "trading", "--env", "stg")
    assert code != 0
    for variable in ("PULSE_STG_MAKER_CLIENT_ID", "PULSE_STG_MAKER_CLIENT_SECRET", "PULSE_STG_TAKER_CLIENT_SECRET"):
        assert variable in output, output
    assert "No host was contacted" in output
    assert time.monotonic() - started < 30


def test_host_off_the_allow_list_never_receives_an_order(tmp_path):
    def anything(handler):
        reply_json(handler, 200, {"access_token": "x", "refresh_token": "y", "expires_in": 900})

    with StubHttpServer(anything, host="127.0.0.2") as production:
        code, output = run_child(tmp_path, ORDER_TEST.format(after=""), "--base-url",
                                 production.base_url + "/api/v2", "--ws-url", "ws://127.0.0.2:9/ws/api/v2")
    assert code != 0 and "refusing a destructive test" in output, output
    assert production.requests == [], f"the off-list host was contacted: {production.requests}"


def test_orders_of_a_failing_test_are_cancelled_at_its_teardown(tmp_path, gateway):
    """Per-test cleanup, not only the end-of-session sweep: the next test already sees no open order."""
    body = ORDER_TEST.format(after="assert False, 'deliberate failure'") + """

def test_runs_next(rest, tokens, pulse_env):
    open_orders = rest.call("private/get_open_orders_by_instrument", {"instrument_name": pulse_env.test_instrument},
                            token=tokens["maker"].access_token())
    assert open_orders == [], f"the failed test's order outlived its teardown: {open_orders}"
"""
    code, output = run_child(tmp_path, body, *external(gateway), "-p", "no:randomly")
    assert code == 1 and "deliberate failure" in output and "1 failed, 1 passed" in output, output
    assert open_orders(gateway) == []


def test_orders_are_cancelled_on_sigint(tmp_path, gateway):
    marker = tmp_path / "placed"
    child = run_child(tmp_path, ORDER_TEST.format(after=f"open({str(marker)!r}, 'w').close(); time.sleep(60)"),
                      *external(gateway), wait=False)
    deadline = time.monotonic() + 30
    while not marker.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert marker.exists(), "the child never placed its order"
    assert len(open_orders(gateway)) == 1
    child.send_signal(signal.SIGINT)
    child.communicate(timeout=30)
    assert open_orders(gateway) == []


def test_orders_of_a_crashed_xdist_worker_are_swept(tmp_path, gateway):
    code, output = run_child(tmp_path, ORDER_TEST.format(after="import os; os._exit(3)"), "-n", "1",
                             *external(gateway))
    assert code != 0
    assert open_orders(gateway) == [], output


def test_no_secret_or_token_reaches_the_report(tmp_path, gateway):
    body = """
    import pytest

    @pytest.mark.auth
    def test_login_then_fail(rest, pulse_env):
        result = rest.call("public/auth", pulse_env.accounts["maker"].grant())
        print("token", result["access_token"], pulse_env.accounts["maker"].client_secret)
        assert result["access_token"] == "something else", result
    """
    code, output = run_child(tmp_path, body, *external(gateway))
    assert code == 1
    leaks = []
    for path in [*(tmp_path / "allure").iterdir(), tmp_path / "junit.xml"]:
        text = path.read_text(errors="replace")
        if "maker-secret" in text or re.search(JWT_FRAGMENT, text):
            leaks.append(path.name)
    assert leaks == [], f"secrets found in {leaks}"
    assert "maker-secret" not in output and not re.search(JWT_FRAGMENT, output), output


@pytest.fixture
def opaque_token_gateway(monkeypatch):
    """The reference gateway issuing opaque tokens ("tok_4f9a..."): no JWT shape for the masks to recognise."""
    from reference_gateway.auth import Authenticator

    issued: dict[str, str] = {}  # opaque -> the JWT the gateway really checks
    issue, decode = Authenticator._issue, Authenticator._decode

    def opaque_issue(self, account, session_id):
        result, identity = issue(self, account, session_id)
        for name in ("access_token", "refresh_token"):
            opaque = "tok_" + secrets.token_hex(12)
            issued[opaque] = result[name]
            result[name] = opaque
        return result, identity

    monkeypatch.setattr(Authenticator, "_issue", opaque_issue)
    monkeypatch.setattr(Authenticator, "_decode", lambda self, token, *a, **k: decode(self, issued.get(token, token), *a, **k))
    running = start_gateway()
    yield running, issued
    running.stop()


def test_opaque_tokens_received_are_masked_by_value(tmp_path, opaque_token_gateway):
    """Tokens from public/auth over HTTP and WS, via the clients, TokenManager and PulseApi: none reaches the
    captured output, failure messages, JUnit XML or Allure results, though nothing about them looks secret."""
    gateway, issued = opaque_token_gateway
    body = """
    import pytest

    @pytest.mark.auth
    def test_http_login_then_fail(rest, pulse_env):
        result = rest.call("public/auth", pulse_env.accounts["maker"].grant())
        print("http login", result)
        assert result["refresh_token"] == "something else", result

    @pytest.mark.auth
    def test_ws_login_then_fail(ws_client, pulse, tokens, pulse_env):
        result = ws_client().call("public/auth", pulse_env.accounts["taker"].grant())
        pulse("maker", "ws").call("private/get_positions")
        print("ws login", result, tokens["maker"].access_token())
        assert result["access_token"] == "something else", f"{result} {tokens['maker'].access_token()}"
    """
    code, output = run_child(tmp_path, body, *external(gateway), timeout=120)
    assert code == 1 and "2 failed" in output, output
    assert len(issued) >= 6, f"the run received too few tokens to prove anything: {len(issued)}"
    leaks = []
    for path in [*(tmp_path / "allure").iterdir(), tmp_path / "junit.xml"]:
        text = path.read_text(errors="replace")
        leaks += [f"{path.name}: {token[:8]}..." for token in issued if token in text]
    leaks += [f"output: {token[:8]}..." for token in issued if token in output]
    assert leaks == [], f"opaque tokens leaked: {leaks}"
    assert "tok_" not in output and "***" in output, output
