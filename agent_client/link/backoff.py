"""Capped exponential backoff with full jitter, so a fleet of agents does not reconnect in step."""

from __future__ import annotations

import random as _random
from collections.abc import Callable


class Backoff:
    """Delay n (from 0) is uniform in [0, min(cap, base * 2**n)); `reset()` after a good connection."""

    def __init__(
        self, *, base: float = 1.0, cap: float = 60.0, random: Callable[[], float] = _random.random
    ) -> None:
        self.base, self.cap, self.random = base, cap, random
        self.attempt = 0

    def next_delay(self) -> float:
        ceiling = min(self.cap, self.base * 2 ** min(self.attempt, 32))
        self.attempt += 1
        return self.random() * ceiling

    def reset(self) -> None:
        self.attempt = 0
