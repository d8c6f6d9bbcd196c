"""The scan's clock, made to pass without waiting: ``auditor.collect.calls.monotonic_now`` replaced by a counter a
test (or an injected ``sleep``) advances. Deadlines, timeouts and polling budgets then run in no time. The
``clock`` fixture (tests/conftest.py) installs one."""

from __future__ import annotations

import threading


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0
        self._lock = threading.Lock()  # the runner's worker threads read it

    def __call__(self) -> float:
        with self._lock:
            return self.now

    def advance(self, seconds: float) -> None:
        with self._lock:
            self.now += seconds
