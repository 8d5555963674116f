"""Fault injection that a test or a person switches on through `/_emulator/faults`.

Both emulators use the same knobs: added latency, a share of requests answered with a 5xx,
and a cap on concurrent requests. Each emulator decides how a refused request looks (its own
error body), so `Faults.check` returns a verdict instead of building a response.
"""

from __future__ import annotations

import asyncio
import random
import threading
from dataclasses import asdict, dataclass, field


@dataclass
class FaultSettings:
    latency_ms: float = 0.0
    error_rate: float = 0.0  # share of requests answered with `error_status`, 0..1
    error_status: int = 503
    max_concurrent: int = 0  # 0 = unlimited; above it the request is refused with `busy_status`
    busy_status: int = 429

    def validate(self) -> list[str]:
        problems = []
        if self.latency_ms < 0 or self.latency_ms > 60_000:
            problems.append("latency_ms must be between 0 and 60000")
        if not 0 <= self.error_rate <= 1:
            problems.append("error_rate must be between 0 and 1")
        if not 500 <= self.error_status <= 599:
            problems.append("error_status must be a 5xx status")
        if self.max_concurrent < 0:
            problems.append("max_concurrent must be 0 (unlimited) or more")
        return problems


@dataclass
class Faults:
    settings: FaultSettings = field(default_factory=FaultSettings)
    seed: int = 0
    in_flight: int = 0
    injected: int = 0

    def __post_init__(self) -> None:
        self._random = random.Random(self.seed)
        self._lock = threading.Lock()

    def configure(self, values: dict) -> list[str]:
        """Apply a partial update; returns the problems (nothing applied) or []."""
        unknown = set(values) - set(asdict(self.settings))
        if unknown:
            return [f"unknown fault setting(s): {', '.join(sorted(unknown))}"]
        try:
            merged = FaultSettings(**{**asdict(self.settings), **values})
            merged.latency_ms = float(merged.latency_ms)
            merged.error_rate = float(merged.error_rate)
            merged.error_status = int(merged.error_status)
            merged.max_concurrent = int(merged.max_concurrent)
            merged.busy_status = int(merged.busy_status)
        except (TypeError, ValueError) as exc:
            return [f"bad fault setting: {exc}"]
        problems = merged.validate()
        if not problems:
            self.settings = merged
        return problems

    def reset(self) -> None:
        self.settings = FaultSettings()
        self.injected = 0

    async def delay(self) -> None:
        if self.settings.latency_ms:
            await asyncio.sleep(self.settings.latency_ms / 1000)

    def enter(self) -> int | None:
        """Count a request in; returns a status to refuse it with, or None to serve it."""
        with self._lock:
            limit = self.settings.max_concurrent
            if limit and self.in_flight >= limit:
                self.injected += 1
                return self.settings.busy_status
            self.in_flight += 1
            if self.settings.error_rate and self._random.random() < self.settings.error_rate:
                self.in_flight -= 1
                self.injected += 1
                return self.settings.error_status
            return None

    def leave(self) -> None:
        with self._lock:
            self.in_flight -= 1

    def as_dict(self) -> dict:
        return {**asdict(self.settings), "in_flight": self.in_flight, "injected": self.injected}
