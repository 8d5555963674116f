"""The nodes of the plan a run executes, parsed once per plan.

A plan never changes under its hash, and run.progress, run.finished and the Processed Snapshot's
node tree all need its nodes: parsing the whole plan document each time cost more than the
update it served. Only a version whose stored hash is the run's is remembered (a Reset Generate
empties both)."""

from __future__ import annotations

import json

from portal.runs.models import Run
from portal.workflows.models import WorkflowVersion

_NODES: dict[str, list] = {}
_NODES_MAX = 4096


def plan_nodes(run: Run) -> list:
    """The plan's nodes in order, each with its post-tasks (read them; do not change them)."""
    if run.plan_hash in _NODES:
        return _NODES[run.plan_hash]
    row = WorkflowVersion.objects.filter(pk=run.version_id).values_list("plan_json", "plan_hash").first()
    plan_json, plan_hash = row or ("", "")
    try:
        nodes = json.loads(plan_json or "{}").get("nodes") or []
    except ValueError:
        nodes = []
    if plan_hash and plan_hash == run.plan_hash:
        if len(_NODES) >= _NODES_MAX:
            _NODES.clear()
        _NODES[plan_hash] = nodes
    return nodes
