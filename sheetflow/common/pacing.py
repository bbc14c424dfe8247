"""Pacing: at most a given number of actions a second, by sleeping between them."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable


class Pacer:
    """Spaces calls of ``wait`` at least ``1 / rate`` seconds apart (a bucket of one token).

    No burst allowance: a relay that takes N messages a second refuses the (N+1)th of a
    burst, so even the first second stays at the rate. ``clock`` and ``sleep`` are injectable
    so the pacing can be checked without waiting.
    """

    def __init__(
        self,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.clock = clock
        self.sleep = sleep
        self._next = float("-inf")
        self._lock = threading.Lock()

    def wait(self, rate: float) -> float:
        """Sleep until the next action may go at ``rate`` a second (0: no limit); returns the
        seconds slept."""
        if rate <= 0:
            return 0.0
        with self._lock:
            now = self.clock()
            delay = max(0.0, self._next - now)
            if delay:
                self.sleep(delay)
            self._next = now + delay + 1.0 / rate
            return delay
