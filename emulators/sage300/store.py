"""In-memory Sage companies (one table per entity set) and the change log.

All mutation happens on the event loop thread between awaits, so no lock is needed for the
tables. The change log is the precise record Sage itself does not keep: `DateLastMaintained`
is a date, so the log carries a sequence number and a timestamp for every write, and per-key
counts that tests read to prove "one PATCH per real change".
"""

from __future__ import annotations

import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from .entities import ENTITIES
from .schema import Entity

CREATE, UPDATE, REPLACE, DELETE = "create", "update", "replace", "delete"
_COUNTED_AS = {CREATE: "creates", UPDATE: "updates", REPLACE: "updates", DELETE: "deletes"}


@dataclass
class Company:
    name: str
    tables: dict[str, dict[tuple[str, ...], dict]] = field(
        default_factory=lambda: {set_name: {} for set_name in ENTITIES}
    )

    def table(self, entity: Entity) -> dict[tuple[str, ...], dict]:
        return self.tables[entity.set_name]


@dataclass
class ChangeLog:
    entries: list[dict] = field(default_factory=list)
    counts: dict[tuple[str, str, str], dict[str, int]] = field(
        default_factory=lambda: defaultdict(lambda: {"creates": 0, "updates": 0, "deletes": 0})
    )

    def add(self, *, company: str, entity: str, key: str, operation: str, fields: list[str]) -> dict:
        entry = {
            "seq": len(self.entries) + 1,
            "at": time.time(),  # epoch seconds; /_emulator/changes renders it as ISO 8601
            "monotonic_ns": time.monotonic_ns(),
            "company": company,
            "entity": entity,
            "key": key,
            "operation": operation,
            "fields": fields,
        }
        self.entries.append(entry)
        self.counts[(company, entity, key)][_COUNTED_AS[operation]] += 1
        return entry

    @staticmethod
    def entry_render(entry: dict) -> dict:
        at = (
            datetime.fromtimestamp(entry["at"], UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")
        )
        return {**entry, "at": at}

    def select(
        self, *, company: str | None = None, entity: str | None = None, key: str | None = None, since: int = 0
    ) -> list[dict]:
        return [
            entry
            for entry in self.entries[since:]
            if (company is None or entry["company"] == company)
            and (entity is None or entry["entity"] == entity)
            and (key is None or entry["key"] == key)
        ]

    def summary(
        self, *, company: str | None = None, entity: str | None = None, key: str | None = None
    ) -> dict:
        """`{company: {entity: {key: {"creates", "updates", "deletes"}}}}`."""
        result: dict[str, dict[str, dict[str, dict[str, int]]]] = {}
        for (row_company, row_entity, row_key), counts in self.counts.items():
            if company is not None and row_company != company:
                continue
            if entity is not None and row_entity != entity:
                continue
            if key is not None and row_key != key:
                continue
            result.setdefault(row_company, {}).setdefault(row_entity, {})[row_key] = dict(counts)
        return result


@dataclass
class Settings:
    """Switches a test flips through `/_emulator/settings`."""

    content_type_required: bool = True  # Sage answers 500 without `Content-Type: application/json`
    errors_as_text_plain: bool = False  # some installs serve the JSON error body as text/plain
    page_size: int = 100
    today: date | None = None  # pins the date Sage stamps into DateLastMaintained

    def as_dict(self) -> dict:
        return {
            "content_type_required": self.content_type_required,
            "errors_as_text_plain": self.errors_as_text_plain,
            "page_size": self.page_size,
            "today": self.today.isoformat() if self.today else None,
        }

    def update(self, values: dict) -> list[str]:
        """Apply a partial update; returns the problems (nothing applied) or []."""
        unknown = set(values) - set(self.as_dict())
        if unknown:
            return [f"unknown setting(s): {', '.join(sorted(unknown))}"]
        problems = []
        for name in ("content_type_required", "errors_as_text_plain"):
            if name in values and not isinstance(values[name], bool):
                problems.append(f"{name} must be true or false")
        page_size = values.get("page_size", self.page_size)
        if isinstance(page_size, bool) or not isinstance(page_size, int) or not 1 <= page_size <= 100_000:
            problems.append("page_size must be an integer between 1 and 100000")
        today = values.get("today", self.as_dict()["today"])
        try:
            parsed_today = date.fromisoformat(today) if today else None
        except (TypeError, ValueError):
            problems.append("today must be a date like 2025-01-31, or null")
        if problems:
            return problems
        self.content_type_required = values.get("content_type_required", self.content_type_required)
        self.errors_as_text_plain = values.get("errors_as_text_plain", self.errors_as_text_plain)
        self.page_size = page_size
        self.today = parsed_today
        return []


@dataclass
class Store:
    company_names: tuple[str, ...]
    page_size: int = 100
    companies: dict[str, Company] = field(init=False)
    changes: ChangeLog = field(init=False)
    settings: Settings = field(init=False)

    def __post_init__(self) -> None:
        self.clear()

    def clear(self) -> None:
        self.companies = {name: Company(name) for name in self.company_names}
        self.changes = ChangeLog()
        self.settings = Settings(page_size=self.page_size)

    def company(self, name: str) -> Company | None:
        return self.companies.get(name.upper())

    def today(self) -> date:
        # Sage stamps the server's local date; a pinned date lets a test watch it move.
        return self.settings.today or date.today()

    def record_count(self) -> dict[str, dict[str, int]]:
        return {
            company.name: {set_name: len(rows) for set_name, rows in company.tables.items()}
            for company in self.companies.values()
        }
