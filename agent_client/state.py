"""The agent's local state: one SQLite file (WAL) in its data directory.

It holds plans, lookup tables, cursors, cross-references, payload hashes, the resync bucket,
runs, the local transaction history and the outbox that the portal link drains.

Why it survives `kill -9`: every change is a transaction; WAL with synchronous=NORMAL keeps
committed transactions across a process crash (only a power cut may lose the last few, and
then Sage's duplicate check still prevents a second customer). A create is preceded by a
committed *pending* cross-reference, so after a crash the runner asks Sage before creating again.
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

SCHEMA = """
CREATE TABLE IF NOT EXISTS plans (
    plan_hash TEXT PRIMARY KEY, workflow_id TEXT NOT NULL, version INTEGER NOT NULL,
    plan_json TEXT NOT NULL, received_at REAL NOT NULL, live INTEGER NOT NULL DEFAULT 0);
CREATE INDEX IF NOT EXISTS plans_by_workflow ON plans (workflow_id, version);
CREATE TABLE IF NOT EXISTS lookups (
    id INTEGER PRIMARY KEY CHECK (id = 1), lookups_hash TEXT NOT NULL, tables_json TEXT NOT NULL,
    received_at REAL NOT NULL);
CREATE TABLE IF NOT EXISTS cursors (
    workflow_id TEXT NOT NULL, node_id TEXT NOT NULL, value TEXT, updated_at REAL NOT NULL,
    PRIMARY KEY (workflow_id, node_id));
CREATE TABLE IF NOT EXISTS cursor_history (
    id INTEGER PRIMARY KEY AUTOINCREMENT, workflow_id TEXT NOT NULL, node_id TEXT NOT NULL,
    old_value TEXT, new_value TEXT, reason TEXT NOT NULL, at REAL NOT NULL);
CREATE TABLE IF NOT EXISTS xref (
    entity TEXT NOT NULL, source_id TEXT NOT NULL, dest_key TEXT NOT NULL, state TEXT NOT NULL,
    parent TEXT, updated_at REAL NOT NULL, PRIMARY KEY (entity, source_id));
CREATE INDEX IF NOT EXISTS xref_by_parent ON xref (entity, parent);
CREATE TABLE IF NOT EXISTS payload_hashes (
    scope TEXT NOT NULL, record_key TEXT NOT NULL, hash TEXT NOT NULL, PRIMARY KEY (scope, record_key))
    WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS bucket (
    workflow_id TEXT NOT NULL, node_id TEXT NOT NULL, record_key TEXT NOT NULL, source_json TEXT NOT NULL,
    tries INTEGER NOT NULL, message TEXT NOT NULL, run_id TEXT, updated_at REAL NOT NULL,
    PRIMARY KEY (workflow_id, node_id, record_key));
CREATE TABLE IF NOT EXISTS runs (
    local_id TEXT PRIMARY KEY, portal_run_id TEXT, workflow_id TEXT NOT NULL, plan_hash TEXT NOT NULL,
    trigger TEXT NOT NULL, status TEXT NOT NULL, started_at REAL NOT NULL, finished_at REAL,
    counts_json TEXT NOT NULL DEFAULT '{}', cursor_before TEXT, cursor_after TEXT, error TEXT,
    owner_pid INTEGER);
CREATE INDEX IF NOT EXISTS runs_by_workflow ON runs (workflow_id, started_at);
CREATE TABLE IF NOT EXISTS transactions (
    id INTEGER PRIMARY KEY AUTOINCREMENT, run_id TEXT NOT NULL, workflow_id TEXT NOT NULL,
    node_id TEXT NOT NULL, record_key TEXT NOT NULL, source_id TEXT, destination_id TEXT,
    status TEXT NOT NULL, message TEXT NOT NULL, tries INTEGER NOT NULL, at REAL NOT NULL,
    record_json TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS transactions_by_workflow ON transactions (workflow_id, at);
CREATE INDEX IF NOT EXISTS transactions_by_source ON transactions (source_id);
CREATE INDEX IF NOT EXISTS transactions_by_time ON transactions (at);
CREATE TABLE IF NOT EXISTS outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT, kind TEXT NOT NULL, run_id TEXT, frame_json TEXT NOT NULL,
    created_at REAL NOT NULL);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""

_CHUNK = 500  # SQLite binds at most 999 (older builds) variables per statement


def _chunks(items: list, size: int = _CHUNK) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


class AgentState:
    """Thread-safe: one connection guarded by a lock (writes are short; HTTP happens outside)."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.RLock()
        self._db = sqlite3.connect(str(self.path), isolation_level=None, check_same_thread=False, timeout=30)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute("PRAGMA foreign_keys=ON")
        self._depth = 0
        with self.transaction() as db:
            for statement in SCHEMA.split(";"):
                if statement.strip():
                    db.execute(statement)

    def close(self) -> None:
        with self._lock:
            self._db.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """Nested calls join the outer transaction; the outermost commits or rolls back."""
        with self._lock:
            if self._depth == 0:
                self._db.execute("BEGIN IMMEDIATE")
            self._depth += 1
            try:
                yield self._db
            except BaseException:
                self._depth -= 1
                if self._depth == 0:
                    self._db.execute("ROLLBACK")
                raise
            self._depth -= 1
            if self._depth == 0:
                self._db.execute("COMMIT")

    def _query(self, sql: str, params: Iterable[Any] = ()) -> list[Any]:
        with self._lock:
            cursor = self._db.execute(sql, tuple(params))
            return cursor.fetchall()

    # -- meta ---------------------------------------------------------------------------
    def meta_get(self, key: str, default: str | None = None) -> str | None:
        rows = self._query("SELECT value FROM meta WHERE key = ?", (key,))
        return rows[0][0] if rows else default

    def meta_set(self, key: str, value: str) -> None:
        with self.transaction() as db:
            db.execute(
                "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                (key, value),
            )

    # -- plans ----------------------------------------------------------------------------
    def plan_store(
        self, *, plan_hash: str, workflow_id: str, version: int, plan_json: str, live: bool
    ) -> None:
        with self.transaction() as db:
            db.execute(
                "INSERT INTO plans (plan_hash, workflow_id, version, plan_json, received_at, live) "
                "VALUES (?, ?, ?, ?, ?, 0) ON CONFLICT(plan_hash) DO NOTHING",
                (plan_hash, workflow_id, version, plan_json, time.time()),
            )
            if live:
                db.execute(
                    "UPDATE plans SET live = (plan_hash = ?) WHERE workflow_id = ?", (plan_hash, workflow_id)
                )

    def plan_json(self, plan_hash: str) -> str | None:
        rows = self._query("SELECT plan_json FROM plans WHERE plan_hash = ?", (plan_hash,))
        return rows[0][0] if rows else None

    def plan_live(self, workflow: str) -> str | None:
        """The live plan of a workflow, found by its id or (for people typing commands) its name."""
        rows = self._query("SELECT plan_json FROM plans WHERE workflow_id = ? AND live = 1", (workflow,))
        if rows:
            return rows[0][0]
        for (plan_json,) in self._query("SELECT plan_json FROM plans WHERE live = 1"):
            if json.loads(plan_json)["workflow"]["name"].lower() == workflow.lower():
                return plan_json
        return None

    def plans_live(self) -> list[str]:
        return [
            row[0] for row in self._query("SELECT plan_json FROM plans WHERE live = 1 ORDER BY workflow_id")
        ]

    def plan_hashes_live(self) -> dict[str, str]:
        return dict(self._query("SELECT workflow_id, plan_hash FROM plans WHERE live = 1"))

    def plan_withdraw(self, workflow_id: str) -> None:
        with self.transaction() as db:
            db.execute("UPDATE plans SET live = 0 WHERE workflow_id = ?", (workflow_id,))

    # -- lookup tables --------------------------------------------------------------------
    def lookups_store(self, *, lookups_hash: str, tables: dict[str, Any]) -> None:
        with self.transaction() as db:
            db.execute(
                "INSERT INTO lookups (id, lookups_hash, tables_json, received_at) VALUES (1, ?, ?, ?) "
                "ON CONFLICT(id) DO UPDATE SET lookups_hash = excluded.lookups_hash, "
                "tables_json = excluded.tables_json, received_at = excluded.received_at",
                (lookups_hash, json.dumps(tables, sort_keys=True), time.time()),
            )

    def lookups_current(self) -> tuple[str | None, dict[str, Any]]:
        rows = self._query("SELECT lookups_hash, tables_json FROM lookups WHERE id = 1")
        return (rows[0][0], json.loads(rows[0][1])) if rows else (None, {})

    # -- cursors --------------------------------------------------------------------------
    def cursor_get(self, workflow_id: str, node_id: str) -> str | None:
        rows = self._query(
            "SELECT value FROM cursors WHERE workflow_id = ? AND node_id = ?", (workflow_id, node_id)
        )
        return rows[0][0] if rows else None

    def cursor_set(self, workflow_id: str, node_id: str, value: str | None, *, reason: str) -> None:
        with self.transaction() as db:
            old = self.cursor_get(workflow_id, node_id)
            db.execute(
                "INSERT INTO cursors (workflow_id, node_id, value, updated_at) VALUES (?, ?, ?, ?) "
                "ON CONFLICT(workflow_id, node_id) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
                (workflow_id, node_id, value, time.time()),
            )
            db.execute(
                "INSERT INTO cursor_history (workflow_id, node_id, old_value, new_value, reason, at) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (workflow_id, node_id, old, value, reason, time.time()),
            )

    def cursors(self, workflow_id: str) -> dict[str, str | None]:
        return dict(self._query("SELECT node_id, value FROM cursors WHERE workflow_id = ?", (workflow_id,)))

    def cursor_history(self, workflow_id: str, limit: int = 20) -> list[sqlite3.Row]:
        return self._query(
            "SELECT node_id, old_value, new_value, reason, at FROM cursor_history WHERE workflow_id = ? "
            "ORDER BY id DESC LIMIT ?",
            (workflow_id, limit),
        )

    # -- cross-references -----------------------------------------------------------------
    def xrefs_get(self, entity: str, source_ids: list[str]) -> dict[str, tuple[str, str]]:
        """{source_id: (dest_key, state)} for those that have one."""
        found: dict[str, tuple[str, str]] = {}
        for chunk in _chunks(source_ids):
            marks = ",".join("?" * len(chunk))
            for source_id, dest_key, state in self._query(
                f"SELECT source_id, dest_key, state FROM xref WHERE entity = ? AND source_id IN ({marks})",  # noqa: S608
                (entity, *chunk),
            ):
                found[source_id] = (dest_key, state)
        return found

    def xref_set(
        self, entity: str, source_id: str, dest_key: str, state: str, parent: str | None = None
    ) -> None:
        with self.transaction() as db:
            db.execute(
                "INSERT INTO xref (entity, source_id, dest_key, state, parent, updated_at) VALUES (?, ?, ?, ?, ?, ?) "
                "ON CONFLICT(entity, source_id) DO UPDATE SET dest_key = excluded.dest_key, state = excluded.state, "
                "parent = COALESCE(excluded.parent, xref.parent), updated_at = excluded.updated_at",
                (entity, source_id, dest_key, state, parent, time.time()),
            )

    def xref_forget(self, entity: str, source_id: str) -> None:
        with self.transaction() as db:
            db.execute("DELETE FROM xref WHERE entity = ? AND source_id = ?", (entity, source_id))

    def xrefs_of_parent(self, entity: str, parent: str) -> dict[str, tuple[str, str]]:
        rows = self._query(
            "SELECT source_id, dest_key, state FROM xref WHERE entity = ? AND parent = ?", (entity, parent)
        )
        return {source_id: (dest_key, state) for source_id, dest_key, state in rows}

    def xrefs_of_parents(self, entity: str, parents: list[str]) -> dict[str, dict[str, tuple[str, str]]]:
        """{parent: {source_id: (dest_key, state)}}; every asked parent is present, if only as {}."""
        found: dict[str, dict[str, tuple[str, str]]] = {parent: {} for parent in parents}
        for chunk in _chunks(parents):
            marks = ",".join("?" * len(chunk))
            for parent, source_id, dest_key, state in self._query(
                f"SELECT parent, source_id, dest_key, state FROM xref WHERE entity = ? AND parent IN ({marks})",  # noqa: S608
                (entity, *chunk),
            ):
                found[parent][source_id] = (dest_key, state)
        return found

    def xref_count(self, entity: str, state: str | None = None) -> int:
        if state is None:
            return self._query("SELECT COUNT(*) FROM xref WHERE entity = ?", (entity,))[0][0]
        return self._query("SELECT COUNT(*) FROM xref WHERE entity = ? AND state = ?", (entity, state))[0][0]

    # -- change detection -----------------------------------------------------------------
    def hashes_get(self, scope: str, keys: list[str]) -> dict[str, str]:
        found: dict[str, str] = {}
        for chunk in _chunks(keys):
            marks = ",".join("?" * len(chunk))
            found.update(
                self._query(
                    f"SELECT record_key, hash FROM payload_hashes WHERE scope = ? AND record_key IN ({marks})",  # noqa: S608
                    (scope, *chunk),
                )
            )
        return found

    def hash_set(self, scope: str, key: str, value: str) -> None:
        with self.transaction() as db:
            db.execute(
                "INSERT INTO payload_hashes (scope, record_key, hash) VALUES (?, ?, ?) "
                "ON CONFLICT(scope, record_key) DO UPDATE SET hash = excluded.hash",
                (scope, key, value),
            )

    def hash_clear(self, scope: str, key: str) -> None:
        with self.transaction() as db:
            db.execute("DELETE FROM payload_hashes WHERE scope = ? AND record_key = ?", (scope, key))

    # -- resync bucket --------------------------------------------------------------------
    def bucket_put(
        self,
        *,
        workflow_id: str,
        node_id: str,
        record_key: str,
        source: dict,
        tries: int,
        message: str,
        run_id: str,
    ) -> None:
        with self.transaction() as db:
            db.execute(
                "INSERT INTO bucket (workflow_id, node_id, record_key, source_json, tries, message, run_id, updated_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(workflow_id, node_id, record_key) DO UPDATE SET "
                "source_json = excluded.source_json, tries = excluded.tries, message = excluded.message, "
                "run_id = excluded.run_id, updated_at = excluded.updated_at",
                (workflow_id, node_id, record_key, json.dumps(source), tries, message, run_id, time.time()),
            )

    def bucket_remove(self, *, workflow_id: str, node_id: str, record_key: str) -> None:
        with self.transaction() as db:
            db.execute(
                "DELETE FROM bucket WHERE workflow_id = ? AND node_id = ? AND record_key = ?",
                (workflow_id, node_id, record_key),
            )

    def bucket_entries(self, workflow_id: str, keys: list[str] | None = None) -> list[dict[str, Any]]:
        rows = self._query(
            "SELECT node_id, record_key, source_json, tries, message, updated_at FROM bucket WHERE workflow_id = ? "
            "ORDER BY updated_at",
            (workflow_id,),
        )
        wanted = set(keys) if keys else None
        return [
            {
                "node_id": r[0],
                "record_key": r[1],
                "source": json.loads(r[2]),
                "tries": r[3],
                "message": r[4],
                "updated_at": r[5],
            }
            for r in rows
            if wanted is None or r[1] in wanted
        ]

    def bucket_tries(self, workflow_id: str, node_id: str, keys: list[str]) -> dict[str, int]:
        found: dict[str, int] = {}
        for chunk in _chunks(keys):
            marks = ",".join("?" * len(chunk))
            found.update(
                self._query(
                    f"SELECT record_key, tries FROM bucket WHERE workflow_id = ? AND node_id = ? "  # noqa: S608
                    f"AND record_key IN ({marks})",
                    (workflow_id, node_id, *chunk),
                )
            )
        return found

    # -- runs -----------------------------------------------------------------------------
    def run_create(
        self,
        *,
        local_id: str,
        workflow_id: str,
        plan_hash: str,
        trigger: str,
        portal_run_id: str | None,
        cursor_before: str | None,
    ) -> None:
        with self.transaction() as db:
            db.execute(
                "INSERT INTO runs (local_id, portal_run_id, workflow_id, plan_hash, trigger, status, started_at, "
                "cursor_before, owner_pid) VALUES (?, ?, ?, ?, ?, 'running', ?, ?, ?)",
                (
                    local_id,
                    portal_run_id,
                    workflow_id,
                    plan_hash,
                    trigger,
                    time.time(),
                    cursor_before,
                    os.getpid(),
                ),
            )

    def run_finish(
        self, *, local_id: str, status: str, counts: dict, cursor_after: str | None, error: str | None
    ) -> None:
        with self.transaction() as db:
            db.execute(
                "UPDATE runs SET status = ?, finished_at = ?, counts_json = ?, cursor_after = ?, error = ? "
                "WHERE local_id = ?",
                (status, time.time(), json.dumps(counts), cursor_after, error, local_id),
            )

    def run_set_portal_id(self, local_id: str, portal_run_id: str) -> None:
        with self.transaction() as db:
            db.execute("UPDATE runs SET portal_run_id = ? WHERE local_id = ?", (portal_run_id, local_id))

    def run_get(self, local_id: str) -> dict[str, Any] | None:
        rows = self._query("SELECT * FROM runs WHERE local_id = ?", (local_id,))
        return _run_dict(rows[0]) if rows else None

    def runs_of(self, workflow_id: str, limit: int = 20) -> list[dict[str, Any]]:
        rows = self._query(
            "SELECT * FROM runs WHERE workflow_id = ? ORDER BY started_at DESC LIMIT ?", (workflow_id, limit)
        )
        return [_run_dict(r) for r in rows]

    def run_accept_remember(self, portal_run_id: str) -> None:
        """Note that the portal's run was accepted, so a repeated run.start never runs it twice."""
        self.meta_set(f"accepted_run:{portal_run_id}", str(time.time()))

    def run_accepted(self, portal_run_id: str) -> bool:
        return self.meta_get(f"accepted_run:{portal_run_id}") is not None

    def run_local_by_portal_id(self, portal_run_id: str) -> dict[str, Any] | None:
        rows = self._query("SELECT * FROM runs WHERE portal_run_id = ?", (portal_run_id,))
        return _run_dict(rows[0]) if rows else None

    def runs_unfinished(self) -> list[dict[str, Any]]:
        return [_run_dict(r) for r in self._query("SELECT * FROM runs WHERE status = 'running'")]

    def run_counts_recorded(self, local_id: str) -> dict[str, dict[str, int]]:
        """Counts of the records a run committed (what its snapshot batches carry)."""
        names = {"success": "succeeded", "failed": "failed", "skipped": "skipped", "warning": "warnings"}
        counts: dict[str, dict[str, int]] = {}
        for node_id, status, number in self._query(
            "SELECT node_id, status, COUNT(*) FROM transactions WHERE run_id = ? GROUP BY node_id, status",
            (local_id,),
        ):
            node = counts.setdefault(
                node_id, {"read": 0, "succeeded": 0, "failed": 0, "skipped": 0, "warnings": 0}
            )
            node["read"] += number
            node[names[status]] += number
        return counts

    # -- transactions (local history) and the outbox --------------------------------------
    def transactions_add(self, rows: list[tuple]) -> None:
        """rows: (run_id, workflow_id, node_id, record_key, source_id, destination_id, status, message,
        tries, at, record_json)."""
        with self.transaction() as db:
            db.executemany(
                "INSERT INTO transactions (run_id, workflow_id, node_id, record_key, source_id, destination_id, "
                "status, message, tries, at, record_json) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                rows,
            )

    def transactions_query(
        self,
        *,
        workflow_id: str,
        status: str | None = None,
        search: str | None = None,
        since: float | None = None,
        until: float | None = None,
        limit: int = 100,
    ) -> list[dict[str, Any]]:
        sql = (
            "SELECT run_id, node_id, record_key, source_id, destination_id, status, message, tries, at "
            "FROM transactions WHERE workflow_id = ?"
        )
        params: list[Any] = [workflow_id]
        if status:
            sql += " AND status = ?"
            params.append(status)
        if search:
            sql += " AND (source_id = ? OR destination_id = ? OR record_key = ? OR record_json LIKE ?)"
            params += [search, search, search, f"%{search}%"]
        if since is not None:
            sql += " AND at >= ?"
            params.append(since)
        if until is not None:
            sql += " AND at < ?"
            params.append(until)
        sql += " ORDER BY id DESC LIMIT ?"
        params.append(limit)
        keys = [
            "run_id",
            "node_id",
            "record_key",
            "source_id",
            "destination_id",
            "status",
            "message",
            "tries",
            "at",
        ]
        return [dict(zip(keys, row, strict=True)) for row in self._query(sql, params)]

    def transactions_prune(self, older_than: float) -> int:
        with self.transaction() as db:
            return db.execute("DELETE FROM transactions WHERE at < ?", (older_than,)).rowcount

    def outbox_put(self, kind: str, frame: dict[str, Any], run_id: str | None = None) -> int:
        return self.outbox_put_json(kind, json.dumps(frame, separators=(",", ":")), run_id)

    def outbox_put_json(self, kind: str, frame_json: str, run_id: str | None = None) -> int:
        with self.transaction() as db:
            cursor = db.execute(
                "INSERT INTO outbox (kind, run_id, frame_json, created_at) VALUES (?, ?, ?, ?)",
                (kind, run_id, frame_json, time.time()),
            )
            return int(cursor.lastrowid or 0)

    def outbox_pending(self, limit: int = 100, after_id: int = 0) -> list[tuple[int, str, dict[str, Any]]]:
        rows = self._query(
            "SELECT id, kind, frame_json FROM outbox WHERE id > ? ORDER BY id LIMIT ?", (after_id, limit)
        )
        return [(r[0], r[1], json.loads(r[2])) for r in rows]

    def outbox_ack(self, outbox_id: int) -> None:
        with self.transaction() as db:
            db.execute("DELETE FROM outbox WHERE id = ?", (outbox_id,))

    def outbox_rewrite_run_id(self, local_id: str, portal_run_id: str) -> None:
        """Frames queued before the portal assigned a run id carry the local id; swap it in place."""
        with self.transaction() as db:
            for outbox_id, frame_json in db.execute(
                "SELECT id, frame_json FROM outbox WHERE run_id = ?", (local_id,)
            ).fetchall():
                frame = json.loads(frame_json)
                if frame.get("run_id") == local_id:
                    frame["run_id"] = portal_run_id
                db.execute(
                    "UPDATE outbox SET frame_json = ?, run_id = ? WHERE id = ?",
                    (json.dumps(frame, separators=(",", ":")), portal_run_id, outbox_id),
                )

    def outbox_depth(self) -> int:
        return self._query("SELECT COUNT(*) FROM outbox")[0][0]


def _run_dict(row: sqlite3.Row) -> dict[str, Any]:
    keys = [
        "local_id",
        "portal_run_id",
        "workflow_id",
        "plan_hash",
        "trigger",
        "status",
        "started_at",
        "finished_at",
        "counts_json",
        "cursor_before",
        "cursor_after",
        "error",
        "owner_pid",
    ]
    data = dict(zip(keys, row, strict=True))
    data["counts"] = json.loads(data.pop("counts_json") or "{}")
    return data
