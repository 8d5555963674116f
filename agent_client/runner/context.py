"""Everything a node handler needs during one run, built once per run."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

from agent_client.connectors.sage300 import Sage300Client
from agent_client.connectors.shopify import ShopifyClient
from agent_client.mapping import CompiledMapping, LookupTables, RunContext, compile_mapping
from agent_client.plan import MappingRowSpec, Plan, mapping_row
from agent_client.state import AgentState


@dataclass
class Clients:
    shopify: ShopifyClient
    sage: Sage300Client


@dataclass
class NodeContext:
    plan: Plan
    state: AgentState
    clients: Clients
    lookups: LookupTables
    mapping_context: RunContext
    run_id: str
    cancel: threading.Event = field(default_factory=threading.Event)
    _compiled: dict[tuple[str, str], CompiledMapping] = field(default_factory=dict)

    @property
    def workflow_id(self) -> str:
        return self.plan.workflow_id

    def compiled(self, owner_id: str, part: str, rows: tuple[MappingRowSpec, ...]) -> CompiledMapping:
        """Compile each mapping once per run (the plan was validated when it was stored)."""
        key = (owner_id, part)
        if key not in self._compiled:
            self._compiled[key] = compile_mapping([mapping_row(row) for row in rows])
        return self._compiled[key]

    def apply(self, compiled: CompiledMapping, record: dict[str, Any]):
        return compiled.apply(record, self.lookups, self.mapping_context)
