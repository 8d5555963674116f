"""What an expression may know besides the record and the lookup tables."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime


@dataclass(frozen=True, slots=True)
class RunContext:
    """Per-run values. `now()` returns `now`: the run's start, so every record of a run agrees
    and tests can pin it."""

    now: datetime = field(default_factory=lambda: datetime.now(UTC))


def context_now(context: RunContext | None) -> datetime:
    return context.now if context is not None else datetime.now(UTC)
