"""What happened to one record at one node: the Processed Snapshot record."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

SUCCESS, FAILED, SKIPPED, WARNING = "success", "failed", "skipped", "warning"
STATUSES = (SUCCESS, FAILED, SKIPPED, WARNING)
COUNT_NAMES = {SUCCESS: "succeeded", FAILED: "failed", SKIPPED: "skipped", WARNING: "warnings"}


@dataclass
class Outcome:
    node_id: str
    record_key: str
    status: str
    message: str
    source_id: str | None = None
    destination_id: str | None = None
    tries: int = 1
    input: Any = None
    output: Any = None
    response: Any = None
    duration_ms: int = 0
    retryable: bool = False  # a transient failure the runner may try again within the run
    in_bucket: bool = False  # the record was waiting in the resync bucket before this run
    effects: list[tuple[str, tuple]] = field(default_factory=list)  # state changes applied with the snapshot

    def snapshot_record(self) -> dict[str, Any]:
        return {
            "record_key": self.record_key,
            "source_id": self.source_id,
            "destination_id": self.destination_id,
            "status": self.status,
            "message": self.message,
            "tries": self.tries,
            "input": self.input,
            "output": self.output,
            "response": self.response,
            "duration_ms": self.duration_ms,
        }


def empty_counts() -> dict[str, int]:
    return {"read": 0, "succeeded": 0, "failed": 0, "skipped": 0, "warnings": 0}


def payload_hash(payload: Any) -> str:
    """Change detection: the same mapped payload always gives the same hash."""
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.blake2b(text.encode(), digest_size=16).hexdigest()


def _json_value(value: Any) -> Any:
    if value is None:
        return ""  # a null mapped value clears the Sage field (empty Shopify values clear Sage's)
    if isinstance(value, Decimal):  # the mapping engine computes exactly; JSON carries numbers
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def clean_payload(output: dict[str, Any]) -> dict[str, Any]:
    return {key: _json_value(value) for key, value in output.items()}


def with_warnings(status: str, message: str, warnings: list[str]) -> tuple[str, str]:
    if not warnings or status in (FAILED, SKIPPED):
        return status, message  # an unchanged record wrote nothing, so nothing was cut
    return WARNING, f"{message} ({'; '.join(warnings)})"
