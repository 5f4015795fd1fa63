"""pytest wiring for the Pulse conformance suite: environments, clients, cleanup, reports.

    pytest                         # everything, against the embedded reference gateway
    pytest -m trading --env stg    # trading conformance against staging (credentials from env vars)
    pytest --base-url http://127.0.0.1:8080/api/v2 --ws-url ws://127.0.0.1:8080/ws/api/v2
"""

import os
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from harness import checks, report
from harness.api import OrderTracker, PulseApi, TokenManager
from harness.control import GatewayControl
from harness.env import MissingCredentials, resolve
from harness.errors import PulseCallError
from harness.local import LocalGateway
from harness.masking import mask_text
from harness.pacing import Pacer
from harness.rest import RestClient
from harness.ws import WsClient

ROOT = Path(__file__).resolve().parent
# Each test's final outcome with its markers, the conformance matrix (reports/<env>/matrix.json) and the
# regression gate (spec/known_failures/<env>.toml; verdict at the end of the run): see README.
pytest_plugins = ["harness.outcomes", "harness.matrix", "harness.regression_gate"]
DESTRUCTIVE_MARKERS = ("trading", "session", "subscriptions", "fuzz")

settings.register_profile("local", max_examples=60, deadline=None, stateful_step_count=25,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
settings.register_profile("remote", max_examples=8, deadline=None, stateful_step_count=10,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
settings.register_profile("thorough", max_examples=400, deadline=None, stateful_step_count=50,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("pulse", "Pulse conformance suite")
    group.addoption("--env", default="local", choices=("local", "dev", "stg"),
                    help="target environment (default: local = the embedded reference gateway)")
    group.addoption("--base-url", help="REST base of an already-running gateway, e.g. http://127.0.0.1:8080/api/v2")
    group.addoption("--ws-url", help="WebSocket URL of an already-running gateway")
    group.addoption("--fault", action="append", default=[], metavar="NAME",
                    help="local only: start the reference gateway with this catalogued fault (repeatable)")
    group.addoption("--allow-any-host", action="store_true",
                    help="let trading and other destructive tests run against a host off the allow-list")
    group.addoption("--request-budget", type=int, help="override the environment's total request budget")
    group.addoption("--max-run-seconds", type=float, default=1800.0,
                    help="stop the run (cleanly, with teardown) once it has taken this long (default 1800)")


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    env_name = config.getoption("--env")
    reports_dir = ROOT / "reports" / env_name
    if hasattr(config.option, "allure_report_dir") and not config.option.allure_report_dir:
        config.option.allure_report_dir = str(reports_dir / "allure-results")
        config.option.clean_alluredir = True
    if not getattr(config.option, "xmlpath", None):
        config.option.xmlpath = str(reports_dir / "junit.xml")
    if env_name != "local" and hasattr(config.option, "reruns") and not config.option.reruns:
        config.option.reruns = 1  # a failed case is retried once: a pass on the retry is graded flaky (README)
    if config.getoption("--fault") and env_name != "local":
        raise pytest.UsageError("--fault switches faults in the embedded reference gateway: use it with --env local")
    if env_name != "local" and not os.environ.get("PYTEST_XDIST_WORKER"):
        try:  # fail fast, before any host is contacted
            resolve(env_name, config.getoption("--base-url"), config.getoption("--ws-url"))
        except MissingCredentials as exc:
            raise pytest.UsageError(str(exc)) from None


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if config.getoption("--env") == "local":
        return
    skip = pytest.mark.skip(reason="local_only: needs the reference gateway's control plane (clock, index price)")
    for item in items:
        if item.get_closest_marker("local_only"):
            item.add_marker(skip)


# ---------------------------------------------------------------------------------------------- environment
@pytest.fixture(scope="session")
def pulse_env(request: pytest.FixtureRequest):
    config = request.config
    env_name = config.getoption("--env")
    base_url, ws_url = config.getoption("--base-url"), config.getoption("--ws-url")
    gateway = None
    if env_name == "local" and not base_url:
        gateway = LocalGateway(tuple(config.getoption("--fault")))
        base_url, ws_url = gateway.rest_base, gateway.ws_url
    environment = resolve(env_name, base_url, ws_url)
    environment.local_gateway = gateway is not None
    if config.getoption("--request-budget") is not None:
        environment.request_budget = config.getoption("--request-budget")
    settings.load_profile(environment.hypothesis_profile)
    results = getattr(config.option, "allure_report_dir", None)
    if results:
        report.write_run_metadata(Path(results), {
            "env": env_name, "rest_base": environment.rest_base, "ws_url": environment.ws_url,
            "suite_version": report.SUITE_VERSION, "spec_version": "2.0",
            "gateway": "reference gateway (embedded)" if gateway else "external",
        })
    yield environment
    if gateway:
        gateway.stop()


@pytest.fixture(scope="session")
def pacer(pulse_env) -> Pacer:
    return Pacer(pulse_env.requests_per_second, pulse_env.request_budget)


@pytest.fixture(scope="session")
def rest(pulse_env, pacer) -> RestClient:
    client = RestClient(pulse_env.rest_base, pacer=pacer, on_exchange=report.attach_exchange)
    yield client
    client.close()


@pytest.fixture(scope="session")
def tracker() -> OrderTracker:
    return OrderTracker()


@pytest.fixture(scope="session")
def tokens(request, pulse_env, rest) -> dict[str, TokenManager]:
    """Token managers per account; the session ends with cancel_all on those accounts (never on a host off the
    allow-list). The sweep runs in this fixture's own teardown, while ``rest`` is still open."""
    managers = {name: TokenManager(rest, creds) for name, creds in pulse_env.accounts.items()}
    yield managers
    if pulse_env.hosts_allowed() or request.config.getoption("--allow-any-host"):
        sweep(rest, managers)


def sweep(rest: RestClient, tokens: dict[str, TokenManager]) -> None:
    for manager in tokens.values():
        try:
            rest.call("private/cancel_all", {}, token=manager.access_token())
        except Exception as exc:  # the sweep must not hide the run's own result
            print(f"final sweep: cancel_all for {manager.credentials.name} failed: {mask_text(str(exc))}")


@pytest.fixture
def ws_client(pulse_env, pacer):
    """A factory of connected WS clients; every one is closed at teardown."""
    clients: list[WsClient] = []

    def connect(**options) -> WsClient:
        client = WsClient(pulse_env.ws_url, pacer=pacer, on_exchange=report.attach_exchange, **options).connect()
        clients.append(client)
        return client

    yield connect
    for client in clients:
        client.close()


@pytest.fixture
def pulse(pulse_env, rest, tokens, tracker, ws_client):
    """``pulse(account, transport)`` gives an authenticated PulseApi; its orders are cancelled at teardown."""
    made: list[PulseApi] = []

    def make(account: str = "maker", transport: str = "http") -> PulseApi:
        api = PulseApi(transport, rest, tokens[account], tracker, ws_client() if transport == "ws" else None)
        made.append(api)
        return api

    yield make
    cancel_tracked_orders(rest, tokens, tracker)


def cancel_tracked_orders(rest: RestClient, tokens: dict[str, TokenManager], tracker: OrderTracker) -> None:
    """Cancel every still-open order this suite created, and nothing else."""
    for account, order_ids in tracker.created.items():
        for order_id in sorted(order_ids):
            try:
                rest.call("private/cancel", {"order_id": order_id}, token=tokens[account].access_token())
            except PulseCallError:
                pass  # already filled or cancelled
        order_ids.clear()


@pytest.fixture(params=["http", "ws"])
def transport(request) -> str:
    return request.param


@pytest.fixture
def control(pulse_env, request) -> GatewayControl:
    if not request.node.get_closest_marker("local_only"):
        raise pytest.UsageError(f"{request.node.nodeid} uses the control plane: mark it local_only")
    client = GatewayControl(pulse_env.rest_base.removesuffix("/api/v2"))
    yield client
    client.close()


@pytest.fixture(autouse=True)
def _guard_and_label(request):
    report.apply_labels(request.node)
    if any(request.node.get_closest_marker(m) for m in DESTRUCTIVE_MARKERS):
        environment = request.getfixturevalue("pulse_env")
        if not environment.hosts_allowed() and not request.config.getoption("--allow-any-host"):
            pytest.fail(f"refusing a destructive test against {sorted(environment.hosts())}: not on the "
                        f"{environment.name} allow-list {environment.allowed_hosts} (override: --allow-any-host)",
                        pytrace=False)


def pytest_runtest_setup(item: pytest.Item) -> None:
    started = item.session.__dict__.setdefault("_pulse_started", time.monotonic())
    budget = item.config.getoption("--max-run-seconds")
    if time.monotonic() - started > budget:
        pytest.exit(f"the run exceeded --max-run-seconds={budget:g}; stopping with teardown", returncode=3)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    """Mask secrets inside the exception itself: report plugins (allure) read it directly."""
    try:
        return (yield)
    except BaseException as exc:
        exc.args = tuple(mask_text(arg) if isinstance(arg, str) else arg for arg in exc.args)
        raise


@pytest.hookimpl(hookwrapper=True, trylast=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    result = outcome.get_result()
    if result.failed or (hasattr(result, "wasxfail") and result.longrepr):  # a reported (xfailed) failure too
        text = str(result.longrepr)
        if result.failed and call.when == "call" and call.excinfo is not None:  # one grading rule: checks.grade
            own = checks.case_interpretations(item)
            grade = checks.grade(call.excinfo.value, case_interpretations=own)
            rests_on = checks.interpretation_of(call.excinfo.value, own)
            text = f"[{grade}{': rests on ' + ', '.join(rests_on) + ' in spec/INTERPRETATIONS.md' if rests_on else ''}]\n{text}"
            result.user_properties.append(("grade", grade))
        result.longrepr = mask_text(text)  # no token or secret ever reaches a failure message
    result.sections = [(title, mask_text(content)) for title, content in result.sections]


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """The xdist controller sweeps too, so a crashed worker's orders do not outlive the run."""
    config = session.config
    if not hasattr(config, "workerinput") and config.pluginmanager.hasplugin("xdist") and \
            getattr(config.option, "numprocesses", None) and \
            (config.getoption("--env") != "local" or config.getoption("--base-url")):
        environment = resolve(config.getoption("--env"), config.getoption("--base-url"), config.getoption("--ws-url"))
        if environment.hosts_allowed() or config.getoption("--allow-any-host"):
            rest = RestClient(environment.rest_base)
            sweep(rest, {name: TokenManager(rest, creds) for name, creds in environment.accounts.items()})
            rest.close()
