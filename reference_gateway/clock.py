"""A wall clock that local-only tests may move forward (never backwards)."""

import time

DAY_MS = 86_400_000
HOUR_MS = 3_600_000


class Clock:
    def __init__(self) -> None:
        self._offset_ms = 0

    def now_ms(self) -> int:
        return int(time.time() * 1000) + self._offset_ms

    def advance(self, ms: int) -> int:
        if ms < 0:
            raise ValueError("the clock only moves forward")
        self._offset_ms += ms
        return self.now_ms()
