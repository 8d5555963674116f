"""Update Configuration and Update Lookup Tables: install what the portal sent, say what changed.

Shared by the live link (automatic updates, plans pulled for a run) and the `update-config` /
`update-lookups` commands. Nothing is installed unless it validates and matches its hash.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from agent_client.lookups import lookups_hash
from agent_client.plan import PlanError, plan_from_dict
from agent_client.state import AgentState


@dataclass
class UpdateResult:
    changes: list[str] = field(default_factory=list)  # one line per plan or table set, for people
    problems: list[str] = field(default_factory=list)  # what could not be installed, and why


def _live_names(state: AgentState) -> dict[str, str]:
    names = {}
    for raw in state.plans_live():
        data = json.loads(raw)
        names[str(data["workflow"]["id"])] = str(data["workflow"]["name"])
    return names


def plans_apply(
    state: AgentState, entries: list[dict[str, Any]], *, withdraw_from: Iterable[str]
) -> UpdateResult:
    """Install `config.plans` entries as the live plans; withdraw workflows of `withdraw_from`
    that the portal did not list (it no longer publishes them)."""
    result = UpdateResult()
    live = state.plan_hashes_live()
    names = _live_names(state)
    listed: set[str] = set()
    for entry in entries:
        workflow_id, version, stated = entry["workflow_id"], entry["version"], entry["plan_hash"]
        listed.add(workflow_id)
        try:
            plan = plan_from_dict(entry["plan"], expected_hash=stated)
        except PlanError as exc:
            result.problems.append(f"{workflow_id} version {version} was not installed: {exc}")
            continue
        if (plan.workflow_id, plan.version, plan.hash) != (workflow_id, version, stated):
            result.problems.append(
                f"{workflow_id} version {version} was not installed: the plan sent is version {plan.version} "
                f"of {plan.workflow_id} with hash {plan.hash[:12]}, not what the portal announced"
            )
            continue
        described = f"{plan.workflow_name}: version {plan.version} (plan {plan.hash[:12]})"
        if live.get(workflow_id) == plan.hash:
            result.changes.append(f"{described} is already live")
            continue
        state.plan_store(
            plan_hash=plan.hash,
            workflow_id=plan.workflow_id,
            version=plan.version,
            plan_json=plan.to_json(),
            live=True,
        )
        result.changes.append(f"{described} is now live")
    for workflow_id in withdraw_from:
        if workflow_id in live and workflow_id not in listed:
            state.plan_withdraw(workflow_id)
            result.changes.append(
                f"{names.get(workflow_id, workflow_id)}: withdrawn (the portal no longer publishes it)"
            )
    return result


def lookups_apply(state: AgentState, *, stated_hash: str, tables: dict[str, Any]) -> UpdateResult:
    result = UpdateResult()
    actual = lookups_hash(tables)
    if actual != stated_hash:
        result.problems.append(
            f"the lookup tables sent hash to {actual[:12]}, not to the announced {stated_hash[:12]}: "
            "they were not installed"
        )
        return result
    current, _ = state.lookups_current()
    if current == actual:
        result.changes.append(f"Lookup tables: already up to date ({actual[:12]})")
        return result
    state.lookups_store(lookups_hash=actual, tables=tables)
    result.changes.append(f"Lookup tables: {len(tables)} table(s) at {actual[:12]} are now in use")
    return result
