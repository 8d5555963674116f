"""Lookup tables on the agent: pulled from the portal (Update Lookup Tables) or edited locally.

Tables are `{name: {"rows": {source: destination}, "default": value or None}}` and are versioned
by a content hash, the same on the portal and the agent.
"""

from __future__ import annotations

import csv
import hashlib
import json
from pathlib import Path
from typing import Any

from agent_client.state import AgentState


def lookups_hash(tables: dict[str, Any]) -> str:
    text = json.dumps(tables, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


def default_tables() -> dict[str, Any]:
    from agent_client.mapping.templates import DEFAULT_LOOKUP_TABLES

    return json.loads(json.dumps(DEFAULT_LOOKUP_TABLES))


def tables_current(state: AgentState) -> dict[str, Any]:
    """The agent's tables; the templates' defaults until the portal or a person provides others."""
    current_hash, tables = state.lookups_current()
    if current_hash is None:
        tables = default_tables()
        state.lookups_store(lookups_hash=lookups_hash(tables), tables=tables)
    return tables


def table_set_row(state: AgentState, table: str, source: str, destination: str) -> None:
    tables = tables_current(state)
    entry = tables.setdefault(table, {"rows": {}, "default": None})
    if source == "default":
        entry["default"] = destination
    else:
        entry["rows"][source] = destination
    state.lookups_store(lookups_hash=lookups_hash(tables), tables=tables)


def table_import_csv(state: AgentState, table: str, path: Path) -> int:
    """CSV with columns source,destination (a header row is optional); `default` marks the default row."""
    rows: dict[str, str] = {}
    default = None
    with path.open(newline="", encoding="utf-8-sig") as handle:
        for number, line in enumerate(csv.reader(handle), start=1):
            if not line or (
                number == 1 and [c.strip().lower() for c in line[:2]] == ["source", "destination"]
            ):
                continue
            if len(line) < 2 or not line[0].strip():
                raise ValueError(f"{path} line {number}: expected source,destination")
            if line[0].strip() == "default":
                default = line[1].strip()
            else:
                rows[line[0].strip()] = line[1].strip()
    tables = tables_current(state)
    tables[table] = {"rows": rows, "default": default}
    state.lookups_store(lookups_hash=lookups_hash(tables), tables=tables)
    return len(rows) + (default is not None)
