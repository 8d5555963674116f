"""Customer Add and Customer Update: one Shopify customer → one Sage 300 AR customer.

Add: the mapped CustomerNumber is deterministic, a *pending* cross-reference is committed
before the POST, and a pending one found later (a crash between POST and commit) is checked
with a GET before any new POST — so Sage never sees a second create of a customer it accepted.
A 409 RecordDuplicate means "already added": the cross-reference is recorded, status skipped.

Update: matched through the cross-reference; an unchanged mapped payload (same hash as the last
successful write) is skipped with no API call.
"""

from __future__ import annotations

import time
from typing import Any

from agent_client.errors import ConnectorError, PermanentError, RecordDuplicate, RetryableError
from agent_client.mapping import CompiledMapping, RecordError
from agent_client.plan import MappingRowSpec, Node
from agent_client.runner.context import NodeContext
from agent_client.runner.outcome import (
    FAILED,
    SKIPPED,
    SUCCESS,
    Outcome,
    clean_payload,
    payload_hash,
    with_warnings,
)

CUSTOMER = "customer"
PENDING, CONFIRMED = "pending", "confirmed"
DEFAULT_NUMBER_EXPRESSION = '"SH" + upper(base36(id))'


def hash_scope(ctx: NodeContext, node_id: str) -> str:
    return f"{ctx.workflow_id}:{node_id}"


class CustomerNode:
    """Handles one record for a customer_add or customer_update node (thread-safe; no shared mutable state)."""

    def __init__(self, ctx: NodeContext, node: Node):
        self.ctx = ctx
        self.node = node
        self.mapping = ctx.compiled(node.id, "mapping", node.mapping)
        self.creates = node.kind == "customer_add" or bool(node.option("create_missing", False))
        if node.kind == "customer_update" and self.creates:
            number_row = MappingRowSpec(
                "CustomerNumber",
                node.option("customer_number_expression", DEFAULT_NUMBER_EXPRESSION),
                12,
                True,
            )
            self.numbering: CompiledMapping | None = ctx.compiled(node.id, "numbering", (number_row,))
        else:
            self.numbering = None

    def handle(self, record: dict[str, Any], known: tuple[str, str] | None, old_hash: str | None) -> Outcome:
        started = time.perf_counter()
        key = str(record.get("id"))
        outcome = Outcome(
            node_id=self.node.id, record_key=key, source_id=key, status=FAILED, message="", input=record
        )
        try:
            result = self.ctx.apply(self.mapping, record)
            payload = clean_payload(result.output)
            warnings = [str(w) for w in result.warnings]
            outcome.output = payload
            if self.node.kind == "customer_add":
                self._add(outcome, payload, known)
            else:
                self._update(outcome, record, payload, known, old_hash)
            outcome.status, outcome.message = with_warnings(outcome.status, outcome.message, warnings)
        except RecordError as exc:
            outcome.status, outcome.message = FAILED, str(exc)
        except RetryableError as exc:
            outcome.status, outcome.message, outcome.retryable = FAILED, str(exc), True
        except ConnectorError as exc:
            outcome.status, outcome.message = FAILED, str(exc)
            outcome.response = {"status": exc.status, "code": exc.code, "message": exc.message}
        outcome.duration_ms = int((time.perf_counter() - started) * 1000)
        return outcome

    # -- Customer Add -----------------------------------------------------------------------
    def _add(self, outcome: Outcome, payload: dict[str, Any], known: tuple[str, str] | None) -> None:
        number = str(payload.get("CustomerNumber") or "")
        outcome.destination_id = number
        if known and known[1] == CONFIRMED:
            outcome.destination_id = known[0]
            outcome.status, outcome.message = SKIPPED, f"{outcome.source_id} was already added as {known[0]}"
            return
        self._create(outcome, number, payload, pending=known is not None)
        if outcome.status != FAILED:
            outcome.effects.append(
                ("hash", (hash_scope(self.ctx, self.node.id), outcome.record_key, payload_hash(payload)))
            )

    def _create(self, outcome: Outcome, number: str, payload: dict[str, Any], *, pending: bool) -> None:
        sage = self.ctx.clients.sage
        state = self.ctx.state
        if pending:
            # A previous run committed the intent and may have been killed after Sage accepted the POST.
            existing = sage.customer(number)
            if existing is not None:
                outcome.response = existing
                outcome.effects.append(("xref", (CUSTOMER, outcome.record_key, number, CONFIRMED)))
                outcome.status, outcome.message = (
                    SKIPPED,
                    f"{outcome.source_id} is already in Sage as {number}",
                )
                return
        else:
            state.xref_set(CUSTOMER, outcome.record_key, number, PENDING)
        try:
            outcome.response = sage.customer_create(payload)
        except RecordDuplicate as exc:
            outcome.response = {"status": exc.status, "code": exc.code, "message": exc.message}
            outcome.effects.append(("xref", (CUSTOMER, outcome.record_key, number, CONFIRMED)))
            outcome.status, outcome.message = SKIPPED, f"{outcome.source_id} is already in Sage as {number}"
            return
        except PermanentError:
            # Sage refused it: nothing was created, so the intent must not block a later create.
            state.xref_forget(CUSTOMER, outcome.record_key)
            raise
        outcome.effects.append(("xref", (CUSTOMER, outcome.record_key, number, CONFIRMED)))
        outcome.status, outcome.message = SUCCESS, f"{outcome.source_id} is pushed as {number}"

    # -- Customer Update --------------------------------------------------------------------
    def _update(
        self,
        outcome: Outcome,
        record: dict[str, Any],
        payload: dict[str, Any],
        known: tuple[str, str] | None,
        old_hash: str | None,
    ) -> None:
        if known is None:
            if not self.creates or self.numbering is None:
                outcome.status = FAILED
                outcome.message = f"{outcome.source_id}: customer not added yet (run Customer Add first)"
                return
            number = str(self.ctx.apply(self.numbering, record).output["CustomerNumber"])
            outcome.destination_id = number
            self._create(outcome, number, {"CustomerNumber": number, **payload}, pending=False)
            if outcome.status != FAILED:
                outcome.effects.append(
                    ("hash", (hash_scope(self.ctx, self.node.id), outcome.record_key, payload_hash(payload)))
                )
            return
        number = known[0]
        outcome.destination_id = number
        if known[1] == PENDING:
            self._create(outcome, number, {"CustomerNumber": number, **payload}, pending=True)
            if outcome.status == SKIPPED:  # it exists: fall through to make it current
                outcome.effects.clear()
                outcome.effects.append(("xref", (CUSTOMER, outcome.record_key, number, CONFIRMED)))
            else:
                outcome.effects.append(
                    ("hash", (hash_scope(self.ctx, self.node.id), outcome.record_key, payload_hash(payload)))
                )
                return
        new_hash = payload_hash(payload)
        if new_hash == old_hash:
            outcome.status, outcome.message = SKIPPED, f"{outcome.source_id}: unchanged"
            return
        self.ctx.clients.sage.customer_patch(number, payload)
        outcome.response = {"status": 204}
        outcome.effects.append(("hash", (hash_scope(self.ctx, self.node.id), outcome.record_key, new_hash)))
        outcome.status, outcome.message = SUCCESS, f"{outcome.source_id} is pushed as {number}"
