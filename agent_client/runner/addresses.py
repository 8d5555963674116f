"""Post-task Address Update: the default address onto the AR customer, the others as ship-to locations.

Ship-to keys (`S00001`, …) are allocated once per Shopify address id and kept in the
cross-reference; the Description `Shopify address <id>` lets the link be rebuilt from Sage alone
(done here when the local cross-reference of a customer is empty). A removed address makes its
ship-to Inactive. Shopify lists at most the 10 most recently updated addresses in a customer
payload, so with 10 listed the full list is read before deciding that one was removed.
"""

from __future__ import annotations

import re
import time
from typing import Any

from agent_client.errors import ConnectorError, PermanentError, RecordDuplicate, RetryableError
from agent_client.mapping import RecordError
from agent_client.plan import PostTask
from agent_client.runner.address_reads import SHIP_TO, AddressReads, AddressScopes
from agent_client.runner.context import NodeContext
from agent_client.runner.customers import CONFIRMED, PENDING, hash_scope
from agent_client.runner.outcome import (
    FAILED,
    SKIPPED,
    SUCCESS,
    Outcome,
    clean_payload,
    payload_hash,
    with_warnings,
)

INACTIVE = "inactive"
SHOPIFY_LISTS_AT_MOST = 10
_DESCRIPTION = re.compile(r"^Shopify address (\d+)$")


def description_of(address_id: str) -> str:
    return f"Shopify address {address_id}"


class AddressTask:
    def __init__(self, ctx: NodeContext, task: PostTask):
        self.ctx = ctx
        self.task = task
        self.customer_mapping = ctx.compiled(task.id, "mapping", task.mapping)
        self.ship_to_mapping = ctx.compiled(task.id, "ship_to_mapping", task.ship_to_mapping)
        self.prefix = str(task.options.get("ship_to_key_prefix", "S"))
        customer_scope = hash_scope(ctx, task.id)
        self.scopes = AddressScopes(
            customer=customer_scope,
            ship_to=f"{customer_scope}:shipto",
            read_in_full=f"{customer_scope}:addresses_read_in_full",
            synced=f"{customer_scope}:ship_tos_synced",
        )
        self.reads = AddressReads(ctx.state, self.scopes)

    def preload(self, records: list[dict[str, Any]], numbers: list[str]) -> None:
        """Read the state this page's records need in a few queries (see address_reads)."""
        self.reads = AddressReads(self.ctx.state, self.scopes).preload(records, numbers)

    def preload_clear(self) -> None:
        self.reads = AddressReads(self.ctx.state, self.scopes)

    def handle(self, record: dict[str, Any], number: str) -> Outcome:
        started = time.perf_counter()
        key = str(record.get("id"))
        outcome = Outcome(
            node_id=self.task.id,
            record_key=key,
            source_id=key,
            destination_id=number,
            status=SKIPPED,
            message="",
            input=record,
        )
        operations: list[dict[str, Any]] = []
        outputs: dict[str, Any] = {}
        warnings: list[str] = []
        try:
            self._customer_address(record, number, operations, outputs, warnings)
            self._ship_tos(record, number, operations, outputs, warnings)
            wrote = [op for op in operations if op["op"] != "unchanged"]
            if wrote:
                outcome.status = SUCCESS
                outcome.message = f"{key} addresses pushed to {number}: " + ", ".join(
                    f"{op['op']} {op['target']}" for op in wrote
                )
            else:
                outcome.message = f"{key}: addresses unchanged"
            outcome.status, outcome.message = with_warnings(outcome.status, outcome.message, warnings)
        except RecordError as exc:
            outcome.status, outcome.message = FAILED, str(exc)
        except RetryableError as exc:
            outcome.status, outcome.message, outcome.retryable = FAILED, str(exc), True
        except ConnectorError as exc:
            outcome.status, outcome.message = FAILED, str(exc)
            operations.append({"op": "error", "status": exc.status, "code": exc.code, "message": exc.message})
        outcome.output = outputs
        outcome.response = operations
        outcome.duration_ms = int((time.perf_counter() - started) * 1000)
        return outcome

    # -- the default address on the customer ------------------------------------------------
    def _customer_address(self, record, number, operations, outputs, warnings) -> None:
        result = self.ctx.apply(self.customer_mapping, record)
        payload = clean_payload(result.output)
        warnings.extend(str(w) for w in result.warnings)
        outputs["customer"] = payload
        new_hash = payload_hash(payload)
        key = str(record["id"])
        if self.reads.hash(self.scopes.customer, key) == new_hash:
            operations.append({"op": "unchanged", "target": number})
            return
        self.ctx.clients.sage.customer_patch(number, payload)
        self.ctx.state.hash_set(self.scopes.customer, key, new_hash)
        operations.append({"op": "updated address of", "target": number, "status": 204})

    # -- the other addresses as ship-to locations -------------------------------------------
    def _ship_tos(self, record, number, operations, outputs, warnings) -> None:
        customer_id = str(record["id"])
        default_id = str((record.get("default_address") or {}).get("id") or "")
        listed = [a for a in (record.get("addresses") or []) if str(a.get("id")) != default_id]
        known = self._known_ship_tos(number, bool(listed))
        current = {str(a["id"]): a for a in listed}
        gone = [aid for aid, (_, state) in known.items() if aid not in current and state != INACTIVE]
        updated_at, read_all = str(record.get("updated_at") or ""), False
        if len(record.get("addresses") or []) >= SHOPIFY_LISTS_AT_MOST:
            # The payload lists only the 10 most recently updated addresses. When something is new,
            # read them all (older ones may never have been seen). When some known ones are not
            # listed, they are older rather than removed if the customer is unchanged since its
            # addresses were last read in full (Shopify moves updated_at on any address change):
            # without that rule a resync of every customer would read every such customer's
            # addresses again, one throttled request each.
            if self._news(current, known) or (gone and updated_at != self._read_in_full_at(customer_id)):
                every = self.ctx.clients.shopify.customer_addresses(int(customer_id))
                current = {str(a["id"]): a for a in every if str(a.get("id")) != default_id}
                gone, read_all = [aid for aid in gone if aid not in current], True
            else:
                gone = []
        ship_outputs: dict[str, Any] = {}
        for address_id, address in current.items():
            self._ship_to_upsert(
                number, address_id, address, known.get(address_id), operations, ship_outputs, warnings
            )
        for address_id in gone:
            ship_key = known[address_id][0]
            self.ctx.clients.sage.ship_to_patch(number, ship_key, {"Status": "Inactive"})
            self.ctx.state.xref_set(SHIP_TO, address_id, ship_key, INACTIVE, parent=number)
            self.ctx.state.hash_clear(self.scopes.ship_to, address_id)
            operations.append({"op": "deactivated ship-to", "target": ship_key, "status": 204})
        if ship_outputs:
            outputs["ship_tos"] = ship_outputs
        if read_all and updated_at:  # only now: every write for the full list went through
            self.ctx.state.hash_set(self.scopes.read_in_full, customer_id, updated_at)
        if self.reads.hash(self.scopes.synced, number) is None:
            self.ctx.state.hash_set(self.scopes.synced, number, "1")

    def _read_in_full_at(self, customer_id: str) -> str | None:
        return self.reads.hash(self.scopes.read_in_full, customer_id)

    def _news(self, current: dict[str, Any], known: dict[str, tuple[str, str]]) -> bool:
        """Is any listed address new, reactivated or changed since the last successful write?"""
        if any(aid not in known or known[aid][1] != CONFIRMED for aid in current):
            return True
        stored = self.reads.hashes(self.scopes.ship_to, list(current))
        return any(
            stored.get(aid) != self._ship_to_payload(aid, address)[2] for aid, address in current.items()
        )

    def _ship_to_payload(
        self, address_id: str, address: dict[str, Any]
    ) -> tuple[list[str], dict[str, Any], str]:
        result = self.ctx.apply(self.ship_to_mapping, address)
        payload = {
            **clean_payload(result.output),
            "Description": description_of(address_id),
            "Status": "Active",
        }
        return [str(w) for w in result.warnings], payload, payload_hash(payload)

    def _known_ship_tos(self, number: str, has_addresses: bool) -> dict[str, tuple[str, str]]:
        known = self.reads.ship_tos(number)
        if known or not has_addresses or self.reads.hash(self.scopes.synced, number) is not None:
            return known
        # Nothing known locally and never synced here (a customer new to this agent, or the agent's
        # state was lost): rebuild the links from Sage before allocating keys.
        for location in self.ctx.clients.sage.ship_tos(number):
            match = _DESCRIPTION.match(str(location.get("Description") or ""))
            if match:
                state = INACTIVE if location.get("Status") == "Inactive" else CONFIRMED
                self.ctx.state.xref_set(
                    SHIP_TO, match.group(1), location["ShipToLocationKey"], state, parent=number
                )
        return self.ctx.state.xrefs_of_parent(SHIP_TO, number)

    def _allocate_key(self, number: str, address_id: str) -> str:
        with self.ctx.state.transaction():
            used = self.ctx.state.xrefs_of_parent(SHIP_TO, number)
            highest = max(
                (
                    int(k[len(self.prefix) :])
                    for k, _ in used.values()
                    if k.startswith(self.prefix) and k[len(self.prefix) :].isdigit()
                ),
                default=0,
            )
            ship_key = f"{self.prefix}{highest + 1:0{6 - len(self.prefix)}d}"
            self.ctx.state.xref_set(SHIP_TO, address_id, ship_key, PENDING, parent=number)
        return ship_key

    def _ship_to_upsert(self, number, address_id, address, known, operations, ship_outputs, warnings) -> None:
        cut, payload, new_hash = self._ship_to_payload(address_id, address)
        warnings.extend(f"ship-to {address_id}: {w}" for w in cut)
        ship_outputs[address_id] = payload
        sage = self.ctx.clients.sage
        if known is None or known[1] == PENDING:
            ship_key = known[0] if known else self._allocate_key(number, address_id)
            create = {"CustomerNumber": number, "ShipToLocationKey": ship_key, **payload}
            exists = known is not None and sage.ship_to(number, ship_key) is not None
            if exists:
                sage.ship_to_patch(number, ship_key, payload)
                operations.append({"op": "updated ship-to", "target": ship_key, "status": 204})
            else:
                try:
                    sage.ship_to_create(create)
                    operations.append({"op": "created ship-to", "target": ship_key, "status": 201})
                except RecordDuplicate:
                    sage.ship_to_patch(number, ship_key, payload)
                    operations.append({"op": "updated ship-to", "target": ship_key, "status": 204})
                except PermanentError:
                    self.ctx.state.xref_forget(SHIP_TO, address_id)
                    raise
            self.ctx.state.xref_set(SHIP_TO, address_id, ship_key, CONFIRMED, parent=number)
            self.ctx.state.hash_set(self.scopes.ship_to, address_id, new_hash)
            return
        ship_key, state = known
        if state != INACTIVE and self.reads.hash(self.scopes.ship_to, address_id) == new_hash:
            operations.append({"op": "unchanged", "target": ship_key})
            return
        sage.ship_to_patch(number, ship_key, payload)
        self.ctx.state.xref_set(SHIP_TO, address_id, ship_key, CONFIRMED, parent=number)
        self.ctx.state.hash_set(self.scopes.ship_to, address_id, new_hash)
        operations.append(
            {
                "op": "reactivated ship-to" if state == INACTIVE else "updated ship-to",
                "target": ship_key,
                "status": 204,
            }
        )
