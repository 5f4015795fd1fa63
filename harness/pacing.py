"""Client-side request pacing: a rate per environment, a total budget, and backoff on too_many_requests."""

import threading
import time

_sent_by_this_process = 0  # every request through any Pacer of this process (harness.accounting reads it)


def requests_sent() -> int:
    return _sent_by_this_process


class BudgetExhausted(Exception):
    """The run used up the request budget configured for this environment."""


class Pacer:
    def __init__(self, per_second: float = 0, budget: int = 0) -> None:
        self.per_second, self.budget = per_second, budget
        self.sent = 0
        self._next_slot = 0.0
        self._lock = threading.Lock()

    def wait(self) -> None:
        with self._lock:
            if self.budget and self.sent >= self.budget:
                raise BudgetExhausted(f"request budget of {self.budget} for this environment is used up "
                                      "(raise it with --request-budget)")
            self.sent += 1
            global _sent_by_this_process
            _sent_by_this_process += 1
            if not self.per_second:
                return
            now = time.monotonic()
            delay = self._next_slot - now
            self._next_slot = max(now, self._next_slot) + 1.0 / self.per_second
        if delay > 0:
            time.sleep(delay)

    @staticmethod
    def backoff(attempt: int) -> None:
        time.sleep(min(0.25 * 2 ** attempt, 4.0))
