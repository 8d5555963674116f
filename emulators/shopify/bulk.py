"""Bulk operations: `bulkOperationRunQuery`, polling through `node`/`currentBulkOperation`, JSONL results.

The query runs on a background thread in chunks of 1,000 root objects, each chunk under the store lock,
through the same executor and views as ordinary queries. As on Shopify, nested connections become their
own JSONL lines carrying `__parentId`, the results URL is only set once the operation completed with
data, and before API version 2026-01 only one bulk query may run at a time per shop (five from then on).
"""

from __future__ import annotations

import itertools
import json
import threading
import time
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

from graphql import GraphQLError, execute_sync, get_named_type, get_operation_ast, parse, validate

from .clock import utc_time
from .graphql_resolvers import SCHEMA, parse_gid

if TYPE_CHECKING:
    from .state import ShopState

ACTIVE = ("CREATED", "RUNNING", "CANCELING")
CHUNK = 1000


@dataclass
class BulkScan:
    """Where a bulk query's root connection has got to; the `customers` resolver reads and advances it."""

    after: tuple | None = None
    chunk: int = CHUNK
    done: bool = False

    def advance(self, last_keys: list[tuple], count: int) -> None:
        if last_keys:
            self.after = last_keys[0]
        self.done = count < self.chunk


@dataclass
class BulkOperation:
    id: int
    query: str
    base_url: str
    created_us: int
    status: str = "CREATED"
    completed_us: int | None = None
    object_count: int = 0
    root_object_count: int = 0
    error_code: str | None = None
    cancel_requested: bool = False
    data: bytes = b""
    lines: list[str] = field(default_factory=list)

    @property
    def gid(self) -> str:
        return f"gid://shopify/BulkOperation/{self.id}"


def _user_error(code: str, message: str, field_path: list[str] | None = None) -> dict:
    return {"bulkOperation": None, "userErrors": [{"code": code, "field": field_path, "message": message}]}


class BulkOperations:
    def __init__(self, shop: ShopState) -> None:
        self.shop = shop
        self.operations: dict[int, BulkOperation] = {}
        self._ids = itertools.count(4_039_184_154_813, 1_009)
        self._lock = threading.Lock()

    def run(self, query: str, context: dict) -> dict:
        try:
            document = parse(query)
        except GraphQLError as exc:
            return _user_error("INVALID", f"Invalid bulk query: {exc.message}", ["query"])
        problems = validate(SCHEMA, document)
        if problems:
            return _user_error("INVALID", f"Invalid bulk query: {problems[0].message}", ["query"])
        operation = get_operation_ast(document)
        if operation is None or operation.operation.value != "query":
            return _user_error("INVALID", "Bulk queries must be a single query operation.", ["query"])
        roots = [s for s in operation.selection_set.selections if getattr(s, "name", None)]
        root_types = [get_named_type(SCHEMA.query_type.fields[s.name.value].type).name for s in roots]
        if len(roots) != 1 or not root_types[0].endswith("Connection"):
            return _user_error(
                "INVALID", "Bulk queries must contain exactly one top-level connection field.", ["query"]
            )
        limit = 5 if context["version"] >= "2026-01" else 1
        with self._lock:
            active = [op for op in self.operations.values() if op.status in ACTIVE]
            if len(active) >= limit:
                return _user_error(
                    "OPERATION_IN_PROGRESS",
                    f"A bulk query operation for this app and shop is already in progress: {active[0].gid}.",
                )
            operation_record = BulkOperation(
                next(self._ids), query, context["base_url"], time.time_ns() // 1000
            )
            self.operations[operation_record.id] = operation_record
        threading.Thread(
            target=self._execute, args=(operation_record, document), name="shopify-bulk", daemon=True
        ).start()
        return {"bulkOperation": self._view(operation_record), "userErrors": []}

    def _execute(self, operation: BulkOperation, document) -> None:
        operation.status = "RUNNING"
        scan = BulkScan()
        try:
            while not scan.done and not operation.cancel_requested:
                context = {"shop": self.shop, "bulk": scan, "returned": {}, "version": "", "base_url": ""}
                with self.shop.store.lock:
                    result = execute_sync(SCHEMA, document, context_value=context)
                if result.errors or result.data is None:
                    operation.status, operation.error_code = "FAILED", "INTERNAL_SERVER_ERROR"
                    return
                for value in result.data.values():
                    operation.root_object_count += self._emit(operation, value, None)
            operation.status = "CANCELED" if operation.cancel_requested else "COMPLETED"
        finally:
            operation.data = "".join(line + "\n" for line in operation.lines).encode()
            operation.object_count = len(operation.lines)
            operation.lines = []
            operation.completed_us = time.time_ns() // 1000

    def _emit(self, operation: BulkOperation, connection: dict, parent_id: str | None) -> int:
        nodes = connection.get("nodes") or [edge["node"] for edge in connection.get("edges") or []]
        for node in nodes:
            children = {
                k: v for k, v in node.items() if isinstance(v, dict) and ("edges" in v or "nodes" in v)
            }
            record = {k: v for k, v in node.items() if k not in children}
            if parent_id is not None:
                record["__parentId"] = parent_id
            operation.lines.append(json.dumps(record, ensure_ascii=False, separators=(",", ":")))
            for child in children.values():
                self._emit(operation, child, node.get("id"))
        return len(nodes)

    def cancel(self, gid: str) -> dict:
        operation = self.operations.get(parse_gid(gid, "BulkOperation") or 0)
        if operation is None:
            return {
                "bulkOperation": None,
                "userErrors": [{"field": ["id"], "message": "Bulk operation does not exist"}],
            }
        if operation.status in ACTIVE:
            operation.cancel_requested = True
            operation.status = "CANCELING" if operation.status != "CREATED" else "CANCELED"
        return {"bulkOperation": self._view(operation), "userErrors": []}

    def view(self, operation_id: int) -> Any:
        operation = self.operations.get(operation_id)
        return self._view(operation) if operation else None

    def current_view(self) -> Any:
        latest = max(self.operations.values(), key=lambda op: op.created_us, default=None)
        return self._view(latest) if latest else None

    def result(self, operation_id: int) -> bytes | None:
        operation = self.operations.get(operation_id)
        return operation.data if operation and operation.completed_us else None

    def _view(self, operation: BulkOperation) -> SimpleNamespace:
        finished = operation.completed_us is not None
        url = f"{operation.base_url}/_emulator/bulk/{operation.id}.jsonl"
        return SimpleNamespace(
            typename="BulkOperation",
            id=operation.gid,
            status=operation.status,
            type="QUERY",
            errorCode=operation.error_code,
            createdAt=utc_time(operation.created_us),
            completedAt=utc_time(operation.completed_us) if finished else None,
            objectCount=str(operation.object_count or len(operation.lines)),
            rootObjectCount=str(operation.root_object_count),
            fileSize=str(len(operation.data)) if finished and operation.data else None,
            url=url if operation.status == "COMPLETED" and operation.data else None,
            partialDataUrl=url if operation.status == "FAILED" and operation.data else None,
            query=operation.query,
        )
