"""A one-line live progress bar for Start Sync: counts by status, records/s and ETA."""

from __future__ import annotations

import sys
import time
from typing import TextIO


class ProgressBar:
    def __init__(
        self, title: str, total: int | None = None, stream: TextIO = sys.stderr, interval: float = 0.2
    ):
        self.title, self.total, self.stream, self.interval = title, total, stream, interval
        self.started = time.monotonic()
        self._last = 0.0
        self._counts: dict[str, dict[str, int]] = {}

    def update(self, node_id: str, counts: dict[str, int]) -> None:
        self._counts[node_id] = counts
        now = time.monotonic()
        if now - self._last >= self.interval:
            self._last = now
            self._draw(final=False)

    def done(self) -> None:
        self._draw(final=True)

    def _draw(self, *, final: bool) -> None:
        if not self._counts:
            return
        first = next(iter(self._counts.values()))
        elapsed = max(time.monotonic() - self.started, 1e-6)
        rate = first["read"] / elapsed
        parts = [
            f"{first['read']:,} read",
            f"{first['succeeded']:,} pushed",
            f"{first['skipped']:,} skipped",
            f"{first['failed']:,} failed",
        ]
        if first.get("warnings"):
            parts.append(f"{first['warnings']:,} warnings")
        parts.append(f"{rate:,.0f} rec/s")
        if self.total and not final and rate > 0:
            remaining = max(self.total - first["read"], 0) / rate
            parts.append(f"ETA {int(remaining // 60)}:{int(remaining % 60):02d}")
        line = f"{self.title}: " + " · ".join(parts)
        if self.stream.isatty():
            self.stream.write("\r\033[K" + line + ("\n" if final else ""))
        elif final:
            self.stream.write(line + "\n")
        self.stream.flush()
