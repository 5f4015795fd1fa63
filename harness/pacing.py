"""Client-side request pacing: one rate and one request budget for the whole run, across xdist workers.

Every process of a run (the xdist controller and its workers, or a single pytest process) paces against one
token schedule kept in ``<run dir>/pacer.json`` and guarded by ``fcntl.flock``: no daemon, one small locked
read-modify-write per request. A free pacer (rate 0 and budget 0, the local reference gateway) touches no file.

Part of the budget is a reserve for cleanup: normal requests stop at ``budget - reserve``; requests marked as
cleanup (``wait(cleanup=True)``, or anything inside ``with pacer.cleanup():``) may spend the reserve.
"""

import contextlib
import fcntl
import json
import math
import os
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

STATE_FILE = "pacer.json"
# The cleanup reserve: 5 % of the budget, at least 50. It must cover what cleanup can still need when normal
# requests stop: the cancels of the tests in progress on every worker (the heaviest teardown of a full sim run
# spent 24: the positive order fuzz; 2 workers) and the end-of-run sweep (one listing per account and instrument,
# then the leftovers): under 100 in all, so 150 of 3,000 covers it ~3x; 10 % (300) left the full sim run at its limit.
RESERVE_SHARE, RESERVE_MIN = 0.05, 50
STOPPING_TIMEOUT = 3.0  # seconds: the longest a request may wait for the gateway once the run is stopping

# Set on the first Ctrl-C (harness.guest): pacing and backoff sleeps end early, normal requests are refused,
# cleanup requests still go out (paced, with STOPPING_TIMEOUT).
stopping = threading.Event()

_sent_by_this_process = 0  # every request through any Pacer of this process (harness.accounting reads it)


RATE_LIMIT_ATTEMPTS = 4  # sends of one request at the most while the gateway refuses it for its rate
Answer = TypeVar("Answer")


def requests_sent() -> int:
    return _sent_by_this_process


class BudgetExhausted(Exception):
    """The run used up the request budget configured for this environment."""


class RunStopping(Exception):
    """The run is stopping (Ctrl-C): only cleanup requests go out now."""


def default_reserve(budget: int) -> int:
    return min(budget, max(math.ceil(budget * RESERVE_SHARE), RESERVE_MIN)) if budget else 0


def request_timeout(timeout: float) -> float:
    """The timeout a request gets now: short once the run is stopping."""
    return min(timeout, STOPPING_TIMEOUT) if stopping.is_set() else timeout


def read_state(state_dir: str | os.PathLike | None) -> dict | None:
    """The shared counters of a run (sent, cleanup, budget, reserve), or None if no paced request was made."""
    path = Path(state_dir) / STATE_FILE if state_dir else None
    if path is None or not path.exists():
        return None
    with open(path, "rb") as handle:
        fcntl.flock(handle, fcntl.LOCK_SH)
        raw = handle.read()
    return json.loads(raw) if raw else None


def summary_line(state: dict) -> str:
    budget, reserve, sent = state.get("budget", 0), state.get("reserve", 0), state.get("sent", 0)
    used = max(0, sent - (budget - reserve)) if budget else 0
    limit = f"budget {budget} (reserve {reserve} for cleanup)" if budget else "no budget"
    return (f"pulse requests: {sent} sent by all workers, {limit}, {state.get('cleanup', 0)} cleanup requests, "
            f"reserve used {used}")


class Pacer:
    def __init__(self, per_second: float = 0, budget: int = 0, *, reserve: int | None = None,
                 state_dir: str | os.PathLike | None = None) -> None:
        self.per_second, self.budget = per_second, budget
        self.reserve = default_reserve(budget) if reserve is None else min(reserve, budget)
        self.free = not per_second and not budget
        self._path = Path(state_dir) / STATE_FILE if state_dir and not self.free else None
        self._state = {"sent": 0, "cleanup": 0, "next_slot": 0.0}
        self._lock = threading.Lock()
        self._local = threading.local()

    @property
    def sent(self) -> int:
        """Requests sent by the whole run (every process sharing the schedule)."""
        if self._path is None:
            return self._state["sent"]
        return (read_state(self._path.parent) or {}).get("sent", 0)

    @contextlib.contextmanager
    def cleanup(self):
        """Requests made inside (on this thread) are cleanup: they may use the reserve and go out while stopping."""
        self._local.depth = getattr(self._local, "depth", 0) + 1
        try:
            yield self
        finally:
            self._local.depth -= 1

    def in_cleanup(self) -> bool:
        return getattr(self._local, "depth", 0) > 0

    def wait(self, cleanup: bool = False) -> None:
        """Take the next slot of the shared schedule (sleeping until it comes), or raise BudgetExhausted."""
        cleanup = cleanup or self.in_cleanup()
        if stopping.is_set() and not cleanup:
            raise RunStopping("the run is stopping (Ctrl-C): no new requests but cleanup")
        global _sent_by_this_process
        _sent_by_this_process += 1
        if self.free:
            self._state["sent"] += 1
            return
        with self._lock, self._shared_state() as state:
            limit = self.budget if cleanup else self.budget - self.reserve
            if self.budget and state["sent"] >= limit:
                raise BudgetExhausted(self._exhausted_message(state["sent"], cleanup))
            state["sent"] += 1
            state["cleanup"] += int(cleanup)
            delay = 0.0
            if self.per_second:
                # time.monotonic is CLOCK_MONOTONIC: one clock for every process on the machine.
                now = time.monotonic()
                delay = state["next_slot"] - now
                state["next_slot"] = max(now, state["next_slot"]) + 1.0 / self.per_second
        if delay > 0 and stopping.wait(delay) and not cleanup:
            raise RunStopping("the run is stopping (Ctrl-C): no new requests but cleanup")

    def _exhausted_message(self, sent: int, cleanup: bool) -> str:
        if cleanup:
            return (f"request budget of {self.budget} for this run is used up, cleanup reserve included "
                    f"({sent} requests sent); raise it with --request-budget")
        return (f"request budget of {self.budget} for this run is used up: {sent} requests sent by all workers, "
                f"the last {self.reserve} are kept for cleanup; raise it with --request-budget")

    @contextlib.contextmanager
    def _shared_state(self):
        if self._path is None:
            yield self._state
            return
        self._path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self._path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)  # released by close
            raw = os.pread(fd, 4096, 0)
            state = json.loads(raw) if raw else {"sent": 0, "cleanup": 0, "next_slot": 0.0}
            yield state
            state.update(budget=self.budget, reserve=self.reserve, per_second=self.per_second)
            data = json.dumps(state).encode()
            os.ftruncate(fd, 0)
            os.pwrite(fd, data, 0)
        finally:
            os.close(fd)

    @staticmethod
    def backoff(attempt: int) -> None:
        stopping.wait(min(0.25 * 2 ** attempt, 4.0))


def resend_while_rate_limited(send: Callable[[], Answer], refused: Callable[[Answer], bool],
                              attempts: int = RATE_LIMIT_ATTEMPTS) -> Answer:
    """``send()``, sent again after ``Pacer.backoff`` while ``refused(answer)`` says the gateway refused it for its
    rate (too_many_requests, I-303); the last answer, refused or not, after ``attempts`` sends at the most.

    Safe for order entry too (private/buy, sell, edit are not idempotent): too_many_requests means the gateway
    refused the request before executing it (Deribit: "10028 too_many_requests" is the matching engine's rate
    limiter, https://docs.deribit.com/#rpc-error-codes), so a resend cannot duplicate it. Every send is the
    caller's own, so each is paced and counted against the budget like any other request. The one retry loop of
    the suite: the clients (HTTP and WS), the raw-frame and raw-body senders and the stateful fuzz steps use it."""
    for attempt in range(attempts):
        answer = send()
        if attempt == attempts - 1 or not refused(answer):
            return answer
        Pacer.backoff(attempt)
    raise ValueError(f"attempts must be at least 1, got {attempts}")
