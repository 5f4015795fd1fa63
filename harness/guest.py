"""pytest plugin: the run as a careful guest on a shared gateway (one pace and budget per run, Ctrl-C).

- The run directory: the xdist controller (or a lone pytest process) names one in ``pytest_configure`` and
  hands it to each worker as ``node.workerinput["pulse_run_dir"]``; the shared pacer keeps its schedule there,
  the workers their order journals and venue notes, and a remote run's controller its owner.json (pid, gateway:
  harness.sweep.sweep_leftover_runs). It is created when first written to and removed at the end.
- At the end of the run the controller prints each worker's venue (``record_venue``) and one line: requests sent,
  budget, reserve used.
- Ctrl-C: the first SIGINT sets ``pacing.stopping`` and interrupts the current test (KeyboardInterrupt), so
  teardown cancels the suite's own orders with the cleanup reserve and short timeouts; a watchdog ends the process
  if that takes longer than STOP_GRACE seconds. The second SIGINT restores the terminal and exits at once (130).
"""

import json
import os
import shutil
import signal
import sys
import tempfile
import threading
import uuid
from pathlib import Path

import pytest

from harness import pacing

RUN_DIR_KEY = "pulse_run_dir"
STOP_GRACE = {"worker": 20.0, "controller": 26.0}  # seconds from the first Ctrl-C to a forced exit
_run_dir = pytest.StashKey[Path]()
_owner = pytest.StashKey[bool]()


def run_dir(config: pytest.Config) -> Path:
    return config.stash[_run_dir]


def is_worker(config: pytest.Config) -> bool:
    return hasattr(config, "workerinput")


def pacer_for(config: pytest.Config, environment) -> pacing.Pacer:
    """The run's shared pacer for this environment (``--request-budget`` applied)."""
    budget = config.getoption("--request-budget", None)
    return pacing.Pacer(environment.requests_per_second, environment.request_budget if budget is None else budget,
                        state_dir=run_dir(config))


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    given = getattr(config, "workerinput", {}).get(RUN_DIR_KEY)
    config.stash[_owner] = given is None
    config.stash[_run_dir] = Path(given) if given else Path(tempfile.gettempdir()) / f"pulse-run-{uuid.uuid4().hex[:12]}"
    install_sigint_handler("worker" if is_worker(config) else "controller")


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node) -> None:
    node.workerinput[RUN_DIR_KEY] = str(run_dir(node.config))


def record_venue(config: pytest.Config, instrument: str, reason: str, claims_note: str = "") -> None:
    """Note where this worker trades, for the controller's summary (harness.venue, harness.claims)."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    directory = run_dir(config)
    directory.mkdir(parents=True, exist_ok=True)
    (directory / f"venue-{worker}.json").write_text(json.dumps({"worker": worker, "instrument": instrument,
                                                                "reason": reason, "claims": claims_note}))


def venue_lines(directory: Path) -> list[str]:
    lines = []
    for path in sorted(directory.glob("venue-*.json")):
        try:
            entry = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError):
            continue
        lines.append(f"venue {entry['worker']}: {entry['instrument']} ({entry['reason']})"
                     + (f"; {entry['claims']}" if entry.get("claims") else ""))
    return lines


def pytest_terminal_summary(terminalreporter, config: pytest.Config) -> None:
    if is_worker(config):
        return
    for line in venue_lines(run_dir(config)):
        terminalreporter.write_line(line)
    state = pacing.read_state(run_dir(config))
    if state:
        terminalreporter.write_line(pacing.summary_line(state))


def pytest_unconfigure(config: pytest.Config) -> None:
    if _previous_handler and threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, _previous_handler.pop())
    if config.stash.get(_owner, False):
        shutil.rmtree(config.stash[_run_dir], ignore_errors=True)


# ---------------------------------------------------------------------------------------------- Ctrl-C
_terminal: list = []  # the tty attributes at start, restored before a hard exit
_previous_handler: list = []


def install_sigint_handler(role: str) -> None:
    if threading.current_thread() is not threading.main_thread():
        return
    try:
        import termios
        if sys.stdin and sys.stdin.isatty():
            _terminal[:] = [termios.tcgetattr(sys.stdin.fileno())]
    except Exception:  # no terminal: nothing to restore
        pass
    _previous_handler[:] = [signal.signal(signal.SIGINT, lambda signum, frame: _on_sigint(role))]


def _on_sigint(role: str) -> None:
    if pacing.stopping.is_set():
        hard_exit("second Ctrl-C: stopping at once")
    pacing.stopping.set()
    watchdog = threading.Timer(STOP_GRACE[role], hard_exit, (f"cleanup after Ctrl-C took over {STOP_GRACE[role]:g}s",))
    watchdog.daemon = True
    watchdog.start()
    if role == "controller":
        os.write(2, b"\nCtrl-C: stopping; cancelling the suite's own orders (Ctrl-C again to quit at once)\n")
    raise KeyboardInterrupt


def hard_exit(reason: str) -> None:
    try:
        if _terminal:
            import termios
            termios.tcsetattr(sys.stdin.fileno(), termios.TCSADRAIN, _terminal[0])
        os.write(2, f"\npulse: {reason}\n".encode())
    finally:
        os._exit(130)
