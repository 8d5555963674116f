"""The plan: the immutable, versioned, hashed description of a workflow that an agent executes.

The portal's Generate produces it; the agent runs exactly the plan whose hash a run names. A plan
is plain JSON so both sides (and a person) can read it:

    {"format": "ferry.plan/1", "workflow": {"id", "name", "template"}, "version": 3,
     "connections": {"<name>": {"kind": "shopify" | "sage300"}},
     "lookups": ["Customer Group", ...],
     "nodes": [{"id", "name", "kind", "source": {...}, "destination": {...}, "mapping": [rows],
                "options": {...}, "post_tasks": [{"id", "name", "kind", "mapping": [rows],
                "ship_to_mapping": [rows], "options": {...}}]}],
     "schedule": {"mode": "manual" | "interval" | "cron", ...}}

Mapping rows: {"target", "expression", "max_length", "required"}. The hash is the SHA-256 of the
canonical JSON (sorted keys, no whitespace) of everything but the hash itself, so the same design
always gives the same hash.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

PLAN_FORMAT = "ferry.plan/1"

# What each node kind does, what it reads and writes, and which post-tasks it accepts.
NODE_KINDS: dict[str, dict[str, Any]] = {
    "customer_add": {"source": "shopify", "destination": "sage300", "post_tasks": set()},
    "customer_update": {"source": "shopify", "destination": "sage300", "post_tasks": {"address_update"}},
}
POST_TASK_KINDS = {"address_update"}
CONNECTION_KINDS = {"shopify", "sage300"}
NODE_OPTIONS: dict[str, dict[str, type]] = {
    "customer_add": {"cursor_overlap_seconds": int, "page_size": int},
    "customer_update": {
        "create_missing": bool,
        "customer_number_expression": str,
        "cursor_overlap_seconds": int,
        "page_size": int,
    },
    "address_update": {"ship_to_key_prefix": str},
}
SCHEDULE_MODES = {"manual", "interval", "cron"}


class PlanError(ValueError):
    """A plan that cannot be run; the message lists every problem with where it is."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("the plan is not valid: " + "; ".join(problems))


@dataclass(frozen=True)
class MappingRowSpec:
    target: str
    expression: str
    max_length: int | None
    required: bool


@dataclass(frozen=True)
class PostTask:
    id: str
    name: str
    kind: str
    mapping: tuple[MappingRowSpec, ...]
    ship_to_mapping: tuple[MappingRowSpec, ...]
    options: dict[str, Any]


@dataclass(frozen=True)
class Node:
    id: str
    name: str
    kind: str
    source_connection: str
    destination_connection: str
    mapping: tuple[MappingRowSpec, ...]
    options: dict[str, Any]
    post_tasks: tuple[PostTask, ...]

    def option(self, name: str, default: Any) -> Any:
        return self.options.get(name, default)


@dataclass(frozen=True)
class Plan:
    data: dict[str, Any]
    hash: str

    @property
    def workflow_id(self) -> str:
        return str(self.data["workflow"]["id"])

    @property
    def workflow_name(self) -> str:
        return str(self.data["workflow"]["name"])

    @property
    def version(self) -> int:
        return int(self.data["version"])

    @property
    def lookups(self) -> list[str]:
        return list(self.data.get("lookups", []))

    @property
    def connections(self) -> dict[str, dict[str, Any]]:
        return dict(self.data["connections"])

    @property
    def schedule(self) -> dict[str, Any]:
        return dict(self.data.get("schedule") or {"mode": "manual"})

    @property
    def nodes(self) -> tuple[Node, ...]:
        return tuple(_node(raw) for raw in self.data["nodes"])

    def all_node_ids(self) -> Iterator[str]:
        for node in self.nodes:
            yield node.id
            for task in node.post_tasks:
                yield task.id

    def to_json(self) -> str:
        return canonical_json({**self.data, "hash": self.hash})


def canonical_json(data: Any) -> str:
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def plan_hash(data: dict[str, Any]) -> str:
    body = {k: v for k, v in data.items() if k != "hash"}
    return hashlib.sha256(canonical_json(body).encode()).hexdigest()


def _rows(raw: list[dict[str, Any]]) -> tuple[MappingRowSpec, ...]:
    return tuple(
        MappingRowSpec(
            target=row["target"],
            expression=row["expression"],
            max_length=row.get("max_length"),
            required=bool(row.get("required", False)),
        )
        for row in raw
    )


def _node(raw: dict[str, Any]) -> Node:
    return Node(
        id=raw["id"],
        name=raw.get("name", raw["id"]),
        kind=raw["kind"],
        source_connection=raw["source"]["connection"],
        destination_connection=raw["destination"]["connection"],
        mapping=_rows(raw["mapping"]),
        options=dict(raw.get("options") or {}),
        post_tasks=tuple(
            PostTask(
                id=task["id"],
                name=task.get("name", task["id"]),
                kind=task["kind"],
                mapping=_rows(task.get("mapping", [])),
                ship_to_mapping=_rows(task.get("ship_to_mapping", [])),
                options=dict(task.get("options") or {}),
            )
            for task in raw.get("post_tasks", [])
        ),
    )


def _check_rows(rows: Any, where: str, problems: list[str]) -> None:
    if not isinstance(rows, list):
        problems.append(f"{where}: mapping must be a list of rows")
        return
    seen: set[str] = set()
    for number, row in enumerate(rows, start=1):
        at = f"{where} row {number}"
        if not isinstance(row, dict):
            problems.append(f"{at}: must be an object with target and expression")
            continue
        unknown = set(row) - {"target", "expression", "max_length", "required"}
        if unknown:
            problems.append(f"{at}: unknown field(s) {', '.join(sorted(unknown))}")
        target, expression = row.get("target"), row.get("expression")
        if not isinstance(target, str) or not target:
            problems.append(f"{at}: target must be a field name")
        elif target in seen:
            problems.append(f"{at}: target {target} is mapped twice")
        else:
            seen.add(target)
        if not isinstance(expression, str):
            problems.append(f"{at}: expression must be text")
        max_length = row.get("max_length")
        if max_length is not None and (not isinstance(max_length, int) or max_length < 1):
            problems.append(f"{at}: max_length must be a positive whole number or null")
        if not isinstance(row.get("required", False), bool):
            problems.append(f"{at}: required must be true or false")


def _check_options(kind: str, options: Any, where: str, problems: list[str]) -> None:
    if not isinstance(options, dict):
        problems.append(f"{where}: options must be an object")
        return
    allowed = NODE_OPTIONS.get(kind, {})
    for name, value in options.items():
        if name not in allowed:
            problems.append(
                f"{where}: unknown option {name!r} (known: {', '.join(sorted(allowed)) or 'none'})"
            )
        elif not isinstance(value, allowed[name]) or (allowed[name] is int and isinstance(value, bool)):
            problems.append(f"{where}: option {name} must be {allowed[name].__name__}")


def _check_structure(data: Any) -> list[str]:
    problems: list[str] = []
    if not isinstance(data, dict):
        return ["a plan is a JSON object"]
    if data.get("format") != PLAN_FORMAT:
        problems.append(f"format must be {PLAN_FORMAT!r}, not {data.get('format')!r}")
    workflow = data.get("workflow")
    if not isinstance(workflow, dict) or not workflow.get("id") or not workflow.get("name"):
        problems.append("workflow must name its id and name")
    version = data.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        problems.append("version must be a whole number from 1")
    connections = data.get("connections")
    if not isinstance(connections, dict) or not connections:
        problems.append("connections must name at least one connection")
        connections = {}
    for name, spec in connections.items():
        if not isinstance(spec, dict) or spec.get("kind") not in CONNECTION_KINDS:
            problems.append(f"connection {name!r}: kind must be one of {', '.join(sorted(CONNECTION_KINDS))}")
    lookups = data.get("lookups", [])
    if not isinstance(lookups, list) or not all(isinstance(x, str) for x in lookups):
        problems.append("lookups must be a list of table names")
    schedule = data.get("schedule") or {"mode": "manual"}
    if not isinstance(schedule, dict) or schedule.get("mode") not in SCHEDULE_MODES:
        problems.append(f"schedule mode must be one of {', '.join(sorted(SCHEDULE_MODES))}")
    nodes = data.get("nodes")
    if not isinstance(nodes, list) or not nodes:
        problems.append("nodes must list at least one node")
        return problems
    ids: set[str] = set()
    for position, node in enumerate(nodes, start=1):
        problems.extend(_check_node(node, position, connections, ids))
    return problems


def _check_node(node: Any, position: int, connections: dict, ids: set[str]) -> list[str]:
    problems: list[str] = []
    if not isinstance(node, dict):
        return [f"node {position}: must be an object"]
    node_id = node.get("id")
    where = f"node {node_id or position}"
    if not isinstance(node_id, str) or not node_id:
        problems.append(f"node {position}: id must be text")
    elif node_id in ids:
        problems.append(f"{where}: id is used twice")
    ids.add(str(node_id))
    kind = node.get("kind")
    if kind not in NODE_KINDS:
        problems.append(f"{where}: kind {kind!r} is not one of {', '.join(sorted(NODE_KINDS))}")
        return problems
    for end in ("source", "destination"):
        connection = (node.get(end) or {}).get("connection") if isinstance(node.get(end), dict) else None
        wanted = NODE_KINDS[kind][end]
        if connection not in connections:
            problems.append(f"{where}: {end} connection {connection!r} is not among the plan's connections")
        elif connections[connection].get("kind") != wanted:
            problems.append(f"{where}: {end} connection {connection!r} must be a {wanted} connection")
    _check_rows(node.get("mapping"), f"{where} mapping", problems)
    _check_options(kind, node.get("options", {}), where, problems)
    for task in node.get("post_tasks", []) or []:
        task_id = task.get("id") if isinstance(task, dict) else None
        task_where = f"{where} post-task {task_id or '?'}"
        if not isinstance(task, dict) or not isinstance(task_id, str) or not task_id:
            problems.append(f"{task_where}: must be an object with an id")
            continue
        if task_id in ids:
            problems.append(f"{task_where}: id is used twice")
        ids.add(task_id)
        if task.get("kind") not in NODE_KINDS[kind]["post_tasks"]:
            problems.append(f"{task_where}: kind {task.get('kind')!r} cannot follow a {kind} node")
            continue
        _check_rows(task.get("mapping", []), f"{task_where} mapping", problems)
        _check_rows(task.get("ship_to_mapping", []), f"{task_where} ship-to mapping", problems)
        _check_options(task["kind"], task.get("options", {}), task_where, problems)
    return problems


def _check_expressions(plan: Plan) -> list[str]:
    """Every expression compiles, and every lookup it uses is listed by the plan."""
    from agent_client.mapping import MappingErrors, compile_mapping, referenced_lookups

    problems: list[str] = []
    for node in plan.nodes:
        groups = [(f"node {node.id}", node.mapping)]
        for task in node.post_tasks:
            groups += [
                (f"post-task {task.id}", task.mapping),
                (f"post-task {task.id} ship-to", task.ship_to_mapping),
            ]
        for where, rows in groups:
            if not rows:
                continue
            try:
                compiled = compile_mapping([mapping_row(r) for r in rows])
            except MappingErrors as exc:
                problems.extend(f"{where}: {error}" for error in exc.errors)
                continue
            missing = set(referenced_lookups(compiled)) - set(plan.lookups)
            if missing:
                problems.append(
                    f"{where}: uses lookup table(s) {', '.join(sorted(missing))} the plan does not list"
                )
    return problems


def mapping_row(spec: MappingRowSpec):
    from agent_client.mapping import MappingRow

    return MappingRow(
        target=spec.target, expression=spec.expression, max_length=spec.max_length, required=spec.required
    )


def plan_from_dict(data: Any, *, expected_hash: str | None = None) -> Plan:
    """Validate and freeze a plan. `expected_hash` (from a run or a file) must match the content."""
    problems = _check_structure(data)
    if problems:
        raise PlanError(problems)
    digest = plan_hash(data)
    stated = data.get("hash") or expected_hash
    if stated and stated != digest:
        raise PlanError([f"its content hashes to {digest[:12]}…, not to the stated {str(stated)[:12]}…"])
    plan = Plan(data={k: v for k, v in data.items() if k != "hash"}, hash=digest)
    problems = _check_expressions(plan)
    if problems:
        raise PlanError(problems)
    return plan


def plan_load(path: str | Path) -> Plan:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise PlanError([f"no plan file at {path}"]) from None
    except json.JSONDecodeError as exc:
        raise PlanError([f"{path} is not JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})"]) from None
    return plan_from_dict(data)


def template_path(name: str) -> Path:
    return Path(__file__).parent / "templates" / f"{name}.plan.json"
