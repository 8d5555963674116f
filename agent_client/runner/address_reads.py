"""What the Address Update post-task reads from local state, loaded for a whole page at once.

Why: per record the post-task reads up to five things (the hash of the customer's address
payload, its ship-to cross-references and their hashes, when its addresses were last read in
full, whether its ship-tos were ever synced). Asked one record at a time from the writer
threads, that is over a thousand small queries per page, each taking the state lock and handing
the GIL back and forth; asked for the page, it is five. A record only reads its own keys, and
reads each before writing it, so the preloaded values stay true for the page's first pass; a
retry reads the state afresh (the engine gives it a view with nothing preloaded).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from agent_client.state import AgentState

SHIP_TO = "shipto"


@dataclass(frozen=True)
class AddressScopes:
    customer: str  # customer id -> hash of the address payload written onto the AR customer
    ship_to: str  # Shopify address id -> hash of the ship-to payload
    read_in_full: str  # customer id -> its updated_at when all its addresses were last read
    synced: str  # Sage customer number -> "1" once its ship-tos were synced (the xref is complete)


class AddressReads:
    def __init__(self, state: AgentState, scopes: AddressScopes):
        self.state = state
        self.scopes = scopes
        self._hashes: dict[str, dict[str, str | None]] = {}  # scope -> key -> hash, None = known absent
        self._ship_tos: dict[str, dict[str, tuple[str, str]]] = {}

    def preload(self, records: list[dict[str, Any]], numbers: list[str]) -> AddressReads:
        """Load the page: its customers, their listed addresses, the numbers already known."""
        keys = [str(r.get("id")) for r in records]
        address_ids = [str(a.get("id")) for r in records for a in (r.get("addresses") or [])]
        for scope, scope_keys in (
            (self.scopes.customer, keys),
            (self.scopes.read_in_full, keys),
            (self.scopes.ship_to, address_ids),
            (self.scopes.synced, numbers),
        ):
            found = self.state.hashes_get(scope, scope_keys)
            self._hashes[scope] = {key: found.get(key) for key in scope_keys}
        self._ship_tos = self.state.xrefs_of_parents(SHIP_TO, numbers)
        return self

    def hashes(self, scope: str, keys: list[str]) -> dict[str, str]:
        loaded = self._hashes.get(scope, {})
        found = {key: value for key in keys if (value := loaded.get(key)) is not None}
        missing = [key for key in keys if key not in loaded]
        if missing:
            found.update(self.state.hashes_get(scope, missing))
        return found

    def hash(self, scope: str, key: str) -> str | None:
        return self.hashes(scope, [key]).get(key)

    def ship_tos(self, number: str) -> dict[str, tuple[str, str]]:
        known = self._ship_tos.get(number)
        return dict(known) if known is not None else self.state.xrefs_of_parent(SHIP_TO, number)
