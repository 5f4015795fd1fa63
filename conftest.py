"""pytest wiring for the Pulse conformance suite: environments, clients, cleanup, reports.

    pytest                         # everything, against the embedded reference gateway
    pytest -m trading --env stg    # trading conformance against staging (credentials from env vars)
    pytest --base-url http://127.0.0.1:8080/api/v2 --ws-url ws://127.0.0.1:8080/ws/api/v2
"""

import atexit
import contextlib
import gc
import math
import os
import sys
import time
import zlib
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, settings

from harness import checks, report
from harness.api import OrderTracker, PulseApi, TokenManager
from harness.checks.channels import set_quiet_window
from harness.claims import ClaimRegistry
from harness.control import GatewayControl
from harness.env import MissingCredentials, load_environments, resolve
from harness.local import LocalGateway
from harness.masking import mask_text
from harness.pacing import Pacer
from harness.rest import RestClient
from harness.sweep import cancel_tracked_orders, journal_path, record_owner, sweep_leftover_runs, sweep_run_orders
from harness.venue import NoVenue, choose_and_claim, worker_claim
from harness.ws import WsClient, WsPool

ROOT = Path(__file__).resolve().parent
# Each test's final outcome with its markers, the conformance matrix (reports/<env>/matrix.json) and the
# regression gate (spec/known_failures/<env>.toml; verdict at the end of the run): see README.
# harness.guest: one pace and request budget for the whole run across xdist workers, and Ctrl-C handling;
# harness.accounting: what each test spends of that budget.
pytest_plugins = ["harness.outcomes", "harness.matrix", "harness.regression_gate", "harness.guest", "harness.accounting",
                  "harness.layout"]
DESTRUCTIVE_MARKERS = ("trading", "session", "subscriptions", "fuzz")

# PULSE_HYPOTHESIS_SHRINK=0 (pulse-mutation sets it for its runs, which judge red or green, never a reproducer):
# a failing example is reported as found, not shrunk.
SHRINK = os.environ.get("PULSE_HYPOTHESIS_SHRINK", "1") != "0"
PHASES = [phase for phase in Phase if SHRINK or phase is not Phase.shrink]
settings.register_profile("local", max_examples=60, deadline=None, stateful_step_count=25, phases=PHASES,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
# Remote: no shrinking. On a shared, paced gateway shrinking replays requests against the run's budget (and took
# fault runs past their timeout); a red case reports the example it found, and the database keeps it for a replay.
settings.register_profile("remote", max_examples=8, deadline=None, stateful_step_count=10,
                          phases=[phase for phase in Phase if phase is not Phase.shrink],
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
settings.register_profile("thorough", max_examples=400, deadline=None, stateful_step_count=50, phases=PHASES,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("pulse", "Pulse conformance suite")
    group.addoption("--env", default="local", choices=tuple(load_environments()),
                    help="target environment from spec/environments.toml (default: local = the embedded reference "
                         "gateway; sim = the staging simulator, run exactly as staging)")
    group.addoption("--base-url", help="REST base of an already-running gateway, e.g. http://127.0.0.1:8080/api/v2")
    group.addoption("--ws-url", help="WebSocket URL of an already-running gateway")
    group.addoption("--fault", action="append", default=[], metavar="NAME",
                    help="local only: start the reference gateway with this catalogued fault (repeatable)")
    group.addoption("--deviation", action="append", default=[], metavar="NAME",
                    help="local only: start the reference gateway with this benign deviation (repeatable)")
    group.addoption("--allow-any-host", action="store_true",
                    help="let trading and other destructive tests run against a host off the allow-list")
    group.addoption("--request-budget", type=int, help="override the environment's total request budget")
    group.addoption("--requests-per-second", type=float,
                    help="override the environment's pace (requests per second for the whole run; 0: unpaced)")
    group.addoption("--real-time", action="store_true",
                    help="local: run the real-time twins (marker real_time) of local_only checks too (their local_only "
                         "twin checks the same rule faster by moving the clock)")
    group.addoption("--max-run-seconds", type=float, default=1800.0,
                    help="stop the run (cleanly, with teardown) once it has taken this long (default 1800)")
    group.addoption("--venue-wait-seconds", type=float, default=900.0,
                    help="remote: how long a worker waits for an instrument (or the MMP account) while other runs on "
                         "the same accounts hold every free one (harness/claims.py; default 900, added to the "
                         "timeout of the test whose setup waits)")


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    env_name = config.getoption("--env")
    reports_dir = ROOT / "reports" / env_name
    report.write_terse_allure_files()
    with contextlib.suppress(ImportError):
        from _pytest.unraisableexception import gc_collect_iterations_key

        config.stash[gc_collect_iterations_key] = GC_COLLECTIONS_AT_EXIT
    if hasattr(config.option, "allure_report_dir") and not config.option.allure_report_dir:
        config.option.allure_report_dir = str(reports_dir / "allure-results")
        config.option.clean_alluredir = True
    if not getattr(config.option, "xmlpath", None):
        config.option.xmlpath = str(reports_dir / "junit.xml")
    if env_name != "local" and hasattr(config.option, "reruns") and not config.option.reruns:
        config.option.reruns = 1  # a failed case is retried once: a pass on the retry is graded flaky (README)
    if config.getoption("--fault") and env_name != "local":
        raise pytest.UsageError("--fault switches faults in the embedded reference gateway: use it with --env local")
    if config.getoption("--deviation") and env_name != "local":
        raise pytest.UsageError("--deviation switches deviations in the embedded reference gateway: use it with --env local")
    if env_name != "local" and not os.environ.get("PYTEST_XDIST_WORKER"):
        try:  # fail fast, before any host is contacted
            resolve(env_name, config.getoption("--base-url"), config.getoption("--ws-url"))
        except MissingCredentials as exc:
            raise pytest.UsageError(str(exc)) from None
    handed = getattr(config, "workerinput", {}).get("pulse_options", {})
    for name, value in handed.items():  # a worker takes the shared simulator's URLs
        setattr(config.option, name, value)
    if not hasattr(config, "workerinput"):
        start_shared_simulator(config)


HANDED_TO_WORKERS = ("base_url", "ws_url")


def pytest_configure_node(node) -> None:
    """xdist controller: hand each worker the URLs of a simulator it started (harness.guest hands the run
    directory, where the shared pacer and the order journals live)."""
    node.workerinput["pulse_options"] = {name: getattr(node.config.option, name) for name in HANDED_TO_WORKERS
                                         if getattr(node.config.option, name, None)}


def start_shared_simulator(config: pytest.Config) -> None:
    """--env sim without a URL: the controller starts one staging simulator that every worker shares, as every
    CI worker shares staging."""
    table = load_environments()[config.getoption("--env")]
    if not table.get("simulator_profile") or config.getoption("--base-url") or config.getoption("--collect-only"):
        return
    gateway = LocalGateway(profile=table["simulator_profile"])
    config.option.base_url, config.option.ws_url = gateway.rest_base, gateway.ws_url
    config.add_cleanup(gateway.stop)


# A paced run shares its rate between the workers: the longest items (the order flows, ~300 requests) need more
# than pytest-timeout's 120 s there. Every network wait has its own timeout, so a hang is still caught early.
PACED_TEST_TIMEOUT_S = 600
CLAIM_WAITS = pytest.StashKey[bool]()  # a paced remote run: a setup may wait for other runs' claims
VENUE_SET = pytest.StashKey[bool]()  # this process has chosen its venue (the wait is over)


GC_YOUNG_THRESHOLD = 20_000  # allocations between young collections (CPython's default: 700)
# pytest collects garbage 5 times at exit to surface exceptions raised in finalizers (~25 ms a collection over a
# fuzz run's heap, ~80 ms over an xdist worker's, whose exit the controller waits for); the first collection finds
# every unreachable cycle and runs its finalizers, the later ones only what those finalizers left unreachable.
# The knob is pytest's own (a stash key, for pytester); absent in another pytest, nothing changes.
GC_COLLECTIONS_AT_EXIT = 1


def pytest_collection_finish(session: pytest.Session) -> None:
    """The imports, the spec and the collected items live as long as the run: move them out of the collector's
    way (gc.freeze) and collect young objects less often. Hypothesis and schemathesis allocate heavily; with
    CPython's defaults garbage collection took ~9 % of a fuzz run (pulse-bench fuzz)."""
    gc.freeze()
    gc.set_threshold(GC_YOUNG_THRESHOLD, *gc.get_threshold()[1:])


# After pytest has returned (its own exit-time collections above have run), the interpreter's shutdown collects
# the whole heap once more. Freezing it first skips that: about 0.15 s of each process's exit, which an xdist
# controller waits for twice (its workers', then its own; pulse-bench). Finalizers of objects that are only in
# cycles then do not run; everything the suite writes is closed explicitly before (reports, Allure files).
atexit.register(gc.freeze)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    table = load_environments()[config.getoption("--env")]
    pace = config.getoption("--requests-per-second")
    if (table.get("requests_per_second") if pace is None else pace):
        config.stash[CLAIM_WAITS] = table.get("mode", "local") != "local"
        for item in items:
            if not item.get_closest_marker("timeout"):
                item.add_marker(pytest.mark.timeout(PACED_TEST_TIMEOUT_S))
    if table.get("mode", "local") == "local":
        skip_real_time_twins(config, items)
        return
    over_one_transport(config, items)
    account_wide = pytest.mark.skip(reason="account_wide: acts on every order or setting of a test account, which "
                                           "other workers and people share on a remote gateway; not covered there")
    for item in items:
        if marker := item.get_closest_marker("local_only"):
            item.add_marker(pytest.mark.skip(reason=f"local_only: {marker.kwargs.get('reason') or LOCAL_ONLY_REASON}"))
        elif item.get_closest_marker("account_wide"):
            item.add_marker(account_wide)


LOCAL_ONLY_REASON = "needs the reference gateway's control plane (clock, index price); not covered on a remote gateway"


def skip_real_time_twins(config: pytest.Config, items: list[pytest.Item]) -> None:
    """A ``real_time`` case waits out real intervals (heartbeats, 10 s each) where its ``local_only`` twin moves the
    reference gateway's clock: locally the twin checks the same rule in a fraction of the time, so the real-time
    form runs only remotely, or with --real-time."""
    if config.getoption("--real-time"):
        return
    skip = pytest.mark.skip(reason="real_time: its local_only twin checks this rule on the moved clock here; "
                                   "--real-time runs it too")
    for item in items:
        if item.get_closest_marker("real_time"):
            item.add_marker(skip)


# ---------------------------------------------------------------------------------------------- environment
def over_one_transport(config: pytest.Config, items: list[pytest.Item]) -> None:
    """On a shared gateway each case parametrized over both transports runs over one of them, half over HTTP and
    half over WS (fixed per case, so a failure replays the same way): every documented rule is still checked on
    every run and both transports carry every kind of call, at half the requests of the run's budget. Agreement
    between the transports is what the parity cases check, and they keep both."""
    kept, dropped = [], []
    for item in items:
        transport = getattr(item, "callspec", None) and item.callspec.params.get("transport")
        parity = "parity" in {kind for marker in item.iter_markers("check") for kind in marker.args}
        (dropped if transport and not parity and transport != one_transport(item) else kept).append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept


def one_transport(item: pytest.Item) -> str:
    others = "-".join(str(v) for k, v in sorted(item.callspec.params.items()) if k != "transport")
    return ("http", "ws")[zlib.crc32(f"{item.originalname}[{others}]".encode()) % 2]


@pytest.fixture(scope="session")
def pulse_env(request: pytest.FixtureRequest):
    config = request.config
    env_name = config.getoption("--env")
    base_url, ws_url = config.getoption("--base-url"), config.getoption("--ws-url")
    gateway = None
    if env_name == "local" and not base_url:
        gateway = LocalGateway(tuple(config.getoption("--fault")), deviations=tuple(config.getoption("--deviation")))
        base_url, ws_url = gateway.rest_base, gateway.ws_url
    environment = resolve(env_name, base_url, ws_url)
    environment.local_gateway = gateway is not None
    if config.getoption("--request-budget") is not None:
        environment.request_budget = config.getoption("--request-budget")
    if config.getoption("--requests-per-second") is not None:
        environment.requests_per_second = config.getoption("--requests-per-second")
    settings.load_profile(environment.hypothesis_profile)
    set_quiet_window(environment.quiet_s)
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
def pacer(request, pulse_env) -> Pacer:
    from harness.guest import pacer_for  # imported here: pytest_plugins loads (and assert-rewrites) it first
    return pacer_for(request.config, pulse_env)  # one schedule and budget shared by every xdist worker


@pytest.fixture(scope="session")
def rest(pulse_env, pacer) -> RestClient:
    client = RestClient(pulse_env.rest_base, pacer=pacer, on_exchange=report.attach_exchange)
    yield client
    client.close()


@pytest.fixture(scope="session")
def tracker(request) -> OrderTracker:
    from harness.guest import run_dir
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    return OrderTracker(journal=journal_path(run_dir(request.config), worker))


@pytest.fixture(scope="session")
def tokens(request, pulse_env, rest, tracker) -> dict[str, TokenManager]:
    """Token managers per account. The session ends by cancelling what it left open (never on a host off the
    allow-list): on the suite's own gateway with cancel_all, on a shared one only the suite's own orders. The
    sweep runs in this fixture's own teardown, while ``rest`` is still open."""
    managers = {name: TokenManager(rest, creds) for name, creds in pulse_env.accounts.items()}
    yield managers
    if pulse_env.hosts_allowed() or request.config.getoption("--allow-any-host"):
        if pulse_env.is_local:
            sweep(rest, managers)
        else:
            cancel_tracked_orders(rest, managers, tracker)


@pytest.fixture(scope="session")
def claim_registry(request, pulse_env, rest, tokens):
    """This worker's claims on the environment's claim registry (harness.claims, I-222), so other runs on the same
    accounts keep off its instrument and its MMP breaches; None on the suite's own gateway or where no registry is
    configured. Where the gateway turns out not to hold claims, ``registry.unavailable`` and ``pulse_env.claims_note``
    say why and the run goes on without them. Every claim left is cancelled at teardown (Ctrl-C included); the
    end-of-run sweep reads them from the journal too."""
    if not pulse_env.is_remote or not pulse_env.claim_registry:
        yield None
        return
    from harness.guest import STOP_GRACE, run_dir
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    registry = ClaimRegistry(
        lambda method, params: rest.call(method, params, token=tokens["maker"].access_token()),
        pulse_env.claim_registry, owner=f"{run_dir(request.config).name.removeprefix('pulse-run-')}.{worker}",
        ttl_s=math.ceil(request.config.getoption("--max-run-seconds")) + STOP_GRACE["controller"],
        journal=journal_path(run_dir(request.config), f"{worker}-claims"), currencies=tuple(pulse_env.currencies),
        cleanup=rest.pacer.cleanup)
    yield registry
    try:
        registry.release_all()
    except Exception as exc:  # noqa: BLE001 - the end-of-run sweep cancels what is left from the journal
        print(f"releasing the run's claims failed: {mask_text(str(exc))}")


@pytest.fixture(scope="session", autouse=True)
def venue(request, pulse_env):
    """Where this worker trades (harness.venue, I-220): the test instrument when its book leaves room, else the
    next free one; on a shared gateway each worker takes its own, and claims it against other runs on the same
    accounts (I-222). pulse_env then carries that instrument, its tick and contract sizes and its index, read from
    the gateway."""
    if request.config.getoption("--collect-only"):
        return None
    request.config.stash[VENUE_SET] = True  # from the next test on, the paced timeout alone
    if not pulse_env.hosts_allowed() and not request.config.getoption("--allow-any-host"):
        return None  # a host off the allow-list is not even read from (the destructive cases refuse to run)
    rest, tokens = request.getfixturevalue("rest"), request.getfixturevalue("tokens")
    registry = request.getfixturevalue("claim_registry")
    claim = worker_claim(os.environ.get("PYTEST_XDIST_WORKER"), shared_gateway=pulse_env.is_remote)

    def call(method, params):
        return rest.call(method, params, token=tokens["maker"].access_token())

    try:
        chosen, pulse_env.claims_note = choose_and_claim(call, pulse_env, claim, registry,
                                                         request.config.getoption("--venue-wait-seconds"))
    except NoVenue as exc:
        pulse_env.no_venue = str(exc)  # trading cases fail "not covered" with this text (harness/band.read_band)
        return None
    if "PERPETUAL" in chosen.instrument:  # Deribit's naming; funding cases read from a perpetual
        pulse_env.perpetual = chosen.instrument
    pulse_env.test_instrument, pulse_env.tick_size = chosen.instrument, chosen.tick_size
    pulse_env.contract_size, pulse_env.index_name = chosen.contract_size, chosen.index_name
    from harness.guest import record_venue
    record_venue(request.config, chosen.instrument, chosen.reason, pulse_env.claims_note)
    return chosen


def sweep(rest: RestClient, tokens: dict[str, TokenManager]) -> None:
    for manager in tokens.values():
        try:
            with rest.pacer.cleanup():  # may use the budget's cleanup reserve
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


@pytest.fixture(scope="session")
def ws_pool(pulse_env, pacer):
    """The worker's idle WS connections (harness.ws.WsPool): PulseApi over WS takes one, and gives it back after the
    test if nothing of the test can outlive it on the connection."""
    pool = WsPool(lambda: WsClient(pulse_env.ws_url, pacer=pacer, on_exchange=report.attach_exchange).connect(),
                  epoch=lambda: GatewayControl.changes)
    yield pool
    pool.close()


@pytest.fixture
def pulse(pulse_env, rest, tokens, tracker, ws_pool):
    """``pulse(account, transport)`` gives an authenticated PulseApi; its orders are cancelled at teardown. Over WS
    it takes a connection from the worker's pool at first use; one that subscribed, sent a raw frame or otherwise
    kept state of the test is closed after it, as every connection was before (ws_client always opens a new one)."""
    apis: list[PulseApi] = []

    def make(account: str = "maker", transport: str = "http") -> PulseApi:
        api = PulseApi(transport, rest, tokens[account], tracker, lease=ws_pool.lease if transport == "ws" else None)
        apis.append(api)
        return api

    yield make
    try:
        cancel_tracked_orders(rest, tokens, tracker)
    finally:
        for api in apis:
            if api.leased is not None:
                ws_pool.give_back(api.account, api.leased)


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


@pytest.hookimpl(hookwrapper=True, tryfirst=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem):
    """Around pytest-timeout's own wrapper: in a paced remote run, a test whose setup may wait for another run's
    claims (harness.claims, I-222) - the worker's first test (its venue) and each test of an MMP module (the
    reserved account) - gets ``--venue-wait-seconds`` on top of the paced timeout, so a wait ends with the
    instrument or with its own NOT COVERED message, never in a timeout."""
    if item.config.stash.get(CLAIM_WAITS, False) and (
            not item.config.stash.get(VENUE_SET, False) or "mmp_accounts" in getattr(item, "fixturenames", ())):
        item.add_marker(pytest.mark.timeout(PACED_TEST_TIMEOUT_S + item.config.getoption("--venue-wait-seconds")),
                        append=False)
    yield


def pytest_runtest_setup(item: pytest.Item) -> None:
    report.begin_phase("setup")
    started = item.session.__dict__.setdefault("_pulse_started", time.monotonic())
    budget = item.config.getoption("--max-run-seconds")
    if time.monotonic() - started > budget:
        pytest.exit(f"the run exceeded --max-run-seconds={budget:g}; stopping with teardown", returncode=3)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    """Mask secrets inside the exception itself: report plugins (allure) read it directly."""
    report.begin_phase("call")
    try:
        return (yield)
    except BaseException as exc:
        exc.args = tuple(mask_text(arg) if isinstance(arg, str) else arg for arg in exc.args)
        raise


def pytest_runtest_teardown(item: pytest.Item) -> None:
    report.begin_phase("teardown")


@pytest.hookimpl(hookwrapper=True, trylast=True)
def pytest_runtest_makereport(item, call):
    if call.when == "teardown":
        report.attach_exchanges()  # the test's last phase: allure closes the test after it is reported
    outcome = yield
    result = outcome.get_result()
    if result.failed or (hasattr(result, "wasxfail") and result.longrepr):  # a reported (xfailed) failure too
        text = str(result.longrepr)
        own = checks.graded_phase(item, call.when)
        if result.failed and call.excinfo is not None:  # one grading rule: checks.grade
            grade = checks.grade(call.excinfo.value, case_interpretations=own)
            rests_on = checks.interpretation_of(call.excinfo.value, own)
            text = f"[{grade}{': rests on ' + ', '.join(rests_on) + ' in spec/INTERPRETATIONS.md' if rests_on else ''}]\n{text}"
            result.user_properties.append(("grade", grade))
        result.longrepr = mask_text(text)  # no token or secret ever reaches a failure message
    result.sections = [(title, mask_text(content)) for title, content in result.sections]


@pytest.hookimpl(trylast=True)
def pytest_unconfigure(config: pytest.Config) -> None:
    """The Allure files still queued for writing are written before the process ends (harness.report.FILES)."""
    failed = report.flush_files()
    if failed:
        reporter = config.pluginmanager.get_plugin("terminalreporter")
        message = f"{len(failed)} Allure result file(s) could not be written: " + "; ".join(failed[:5])
        reporter.write_line(message, red=True) if reporter else print(message, file=sys.stderr)


def controller_client(config: pytest.Config):
    """(environment, RestClient, token managers) for the controller's own requests (the sweeps), or None in a
    worker, a collect-only run, a local run on the workers' own gateways, or off the allow-list."""
    if hasattr(config, "workerinput") or config.getoption("--collect-only"):
        return None
    environment = resolve(config.getoption("--env"), config.getoption("--base-url"), config.getoption("--ws-url"))
    if environment.is_local and not config.getoption("--base-url"):
        return None  # the workers' own gateways are gone with them
    if not environment.rest_base or not (environment.hosts_allowed() or config.getoption("--allow-any-host")):
        return None
    from harness.guest import pacer_for
    rest = RestClient(environment.rest_base, pacer=pacer_for(config, environment))
    return environment, rest, {name: TokenManager(rest, creds) for name, creds in environment.accounts.items()}


def pytest_sessionstart(session: pytest.Session) -> None:
    """On a shared gateway the controller names itself in the run directory, and first cancels what runs on this
    machine that were killed outright (a second Ctrl-C, SIGKILL) left open on the same gateway: their journalled
    orders and claims, nothing else (harness.sweep.sweep_leftover_runs)."""
    if hasattr(session.config, "workerinput") or load_environments()[session.config.getoption("--env")].get(
            "mode", "local") == "local":
        return
    client = controller_client(session.config)
    if client is None:
        return
    environment, rest, managers = client
    from harness.guest import run_dir
    this_run = run_dir(session.config)
    try:
        record_owner(this_run, rest.base_url)
        lines = sweep_leftover_runs(rest, managers, this_run.parent, this_run)
    finally:
        rest.close()
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    for line in lines:
        reporter.write_line(mask_text(line)) if reporter else print(mask_text(line), file=sys.stderr)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """After every worker has finished, the controller (or the single process) sweeps once, so a crashed or
    interrupted worker's orders do not outlive the run: on a shared gateway exactly the journalled orders of
    this run, on a gateway the suite was pointed at in local mode everything (cancel_all)."""
    config = session.config
    client = controller_client(config)
    if client is None:
        return
    environment, rest, managers = client
    from harness.guest import run_dir
    try:
        if environment.is_local:
            sweep(rest, managers)
        else:
            cancelled, problems = sweep_run_orders(rest, managers, run_dir(config))
            reporter = config.pluginmanager.get_plugin("terminalreporter")
            if reporter:
                reporter.write_line(f"final sweep ({environment.name}): cancelled {cancelled} order(s) this run left "
                                    "open; no other order touched" + "".join(f"\n  {mask_text(p)}" for p in problems))
    finally:
        rest.close()
