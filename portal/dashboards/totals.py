"""Summed counts and what people read from them (runs, failure rate, throughput)."""

from dataclasses import dataclass, field

from django.db.models import Sum

from portal.dashboards.models import COUNT_FIELDS

SUMS = {name: Sum(name) for name in COUNT_FIELDS}


@dataclass
class Totals:
    counts: dict = field(default_factory=dict)

    @classmethod
    def of(cls, row: dict | None) -> "Totals":
        return cls({name: (row or {}).get(name) or 0 for name in COUNT_FIELDS})

    def __getattr__(self, name: str):
        counts = self.__dict__.get("counts", {})
        if name in counts:
            return counts[name]
        raise AttributeError(name)

    def __add__(self, other: "Totals") -> "Totals":
        return Totals({name: self.counts[name] + other.counts[name] for name in COUNT_FIELDS})

    @property
    def runs(self) -> int:
        return sum(self.counts[name] for name in COUNT_FIELDS if name.startswith("runs_"))

    @property
    def runs_unsuccessful(self) -> int:
        """Runs that did not sync: failed or lost (cancelled runs were stopped on purpose)."""
        return self.counts["runs_failed"] + self.counts["runs_lost"]

    @property
    def failure_rate(self) -> float | None:
        return 100 * self.runs_unsuccessful / self.runs if self.runs else None

    @property
    def records_failed_rate(self) -> float | None:
        read = self.counts["records_read"]
        return 100 * self.counts["records_failed"] / read if read else None

    @property
    def records_per_second(self) -> float | None:
        seconds = self.counts["duration_seconds_total"]
        return self.counts["records_read_timed"] / seconds if seconds else None
