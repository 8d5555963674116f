"""Generate: translate a design into the agent's plan format (`agent_client.plan`), or say why not.

Translation: Start leads to task nodes (customer_add / customer_update) which become plan nodes in
the order they are reached; an Address Update reached from a Customer Update becomes that node's
post-task. Filter nodes are refused: agents cannot run them yet, and silently skipping one would
send records the designer meant to hold back. The plan is validated by `plan_from_dict`, so the
portal never stores a plan an agent would refuse. It holds no timestamps: the same design and
version always give the same canonical JSON and hash.
"""

from agent_client.mapping import referenced_lookups, validate_expression
from agent_client.plan import NODE_OPTIONS, PLAN_FORMAT, Plan, PlanError, plan_from_dict
from portal.connectors.selectors import organization_connections
from portal.workflows.catalog import FIELDS, NODE_KINDS, field_spec
from portal.workflows.design_check import design_check, node_label
from portal.workflows.errors import DesignProblems, Problem
from portal.workflows.selectors import organization_lookup_names

TASKS = {"customer_add", "customer_update"}
CONNECTION_PARTS = {"source": ("Get", "shopify"), "destination": ("Post", "sage300")}
KIND_LABEL = {"shopify": "Shopify", "sage300": "Sage 300"}


class _Context:
    def __init__(self, workflow, design):
        self.workflow = workflow
        self.design = design
        self.nodes = {n["id"]: n for n in design["nodes"]}
        self.outgoing: dict[str, list[str]] = {}
        self.incoming: dict[str, list[str]] = {}
        for edge in design.get("edges", []):
            self.outgoing.setdefault(edge["from"], []).append(edge["to"])
            self.incoming.setdefault(edge["to"], []).append(edge["from"])
        self.connections = {c.name: c.kind for c in organization_connections(workflow.organization)}
        self.lookups = set(organization_lookup_names(workflow.organization))
        self.problems: list[Problem] = []
        self.used_connections: dict[str, str] = {}
        self.used_lookups: set[str] = set()

    def problem(self, node, message, **where):
        self.problems.append(Problem(message, node=node["id"], node_name=node_label(node), **where))


def _reachable(ctx: _Context) -> list[str]:
    """Node ids in the order a walk from Start reaches them (breadth first, edges in design order)."""
    start = next((n["id"] for n in ctx.design["nodes"] if n["kind"] == "start"), None)
    if start is None:
        return []
    order, queue = [start], [start]
    while queue:
        for target in ctx.outgoing.get(queue.pop(0), []):
            if target not in order:
                order.append(target)
                queue.append(target)
    return order


def _connection(ctx, node, part) -> str:
    label, kind = CONNECTION_PARTS[part]
    name = str((node.get(part) or {}).get("connection") or "")
    if not name:
        ctx.problem(node, f"{label}: choose a {KIND_LABEL[kind]} connection")
    elif name not in ctx.connections:
        ctx.problem(node, f"{label}: there is no connection named '{name}': add it on the Connections page")
    elif ctx.connections[name] != kind:
        ctx.problem(
            node,
            f"{label}: '{name}' is a {KIND_LABEL[ctx.connections[name]]} connection, not {KIND_LABEL[kind]}",
        )
    else:
        ctx.used_connections[name] = kind
    return name


def _rows(ctx, node, group) -> list[dict]:
    rows = []
    known = FIELDS[(node["kind"], group)]
    for number, row in enumerate(node.get(group, []), start=1):
        target, expression = row["target"].strip(), row["expression"]
        where = {"mapping": group, "row": number, "target": target}
        spec = field_spec(node["kind"], group, target)
        if spec is None:
            names = ", ".join(f.name for f in known)
            ctx.problem(node, f"Sage 300 has no field {target} here (fields: {names})", **where)
            continue
        if not validate_expression(expression):
            for table in referenced_lookups(expression):
                ctx.used_lookups.add(table)
                if table not in ctx.lookups:
                    ctx.problem(
                        node,
                        f'lookup table "{table}" does not exist: create it on the Lookup tables page',
                        **where,
                    )
        rows.append(
            {
                "target": target,
                "expression": expression,
                "max_length": spec.max_length,
                "required": spec.required,
            }
        )
    required = {f.name for f in known if f.required}
    if node["kind"] == "customer_update" and not (node.get("options") or {}).get("create_missing"):
        required = set()  # updates match an existing customer; only creating one needs every required field
    for missing in sorted(required - {r["target"] for r in rows}):
        ctx.problem(
            node, f"{missing} is required by Sage 300: add a row for it", mapping=group, target=missing
        )
    return rows


def _options(ctx, node, kind) -> dict:
    options = dict(node.get("options") or {})
    for name, value in options.items():
        wanted = NODE_OPTIONS[kind].get(name)
        if wanted is None:
            ctx.problem(node, f"unknown option {name} (known: {', '.join(sorted(NODE_OPTIONS[kind]))})")
        elif not isinstance(value, wanted) or (wanted is int and isinstance(value, bool)):
            ctx.problem(
                node, f"option {name} must be {'a whole number' if wanted is int else wanted.__name__}"
            )
    if kind == "customer_update" and options.get("customer_number_expression"):
        for error in validate_expression(options["customer_number_expression"]):
            ctx.problem(node, f"customer number expression: {error.message}", column=error.column)
    return options


def _post_task(ctx, node) -> dict:
    return {
        "id": node["id"],
        "name": node.get("name") or NODE_KINDS[node["kind"]]["label"],
        "kind": node["kind"],
        "mapping": _rows(ctx, node, "mapping"),
        "ship_to_mapping": _rows(ctx, node, "ship_to_mapping"),
        "options": _options(ctx, node, node["kind"]),
    }


def _task(ctx, node) -> dict:
    return {
        "id": node["id"],
        "name": node.get("name") or NODE_KINDS[node["kind"]]["label"],
        "kind": node["kind"],
        "source": {"connection": _connection(ctx, node, "source"), "entity": "customers"},
        "destination": {"connection": _connection(ctx, node, "destination"), "entity": "ARCustomers"},
        "mapping": _rows(ctx, node, "mapping"),
        "options": _options(ctx, node, node["kind"]),
        "post_tasks": [],
    }


def _graph(ctx) -> list[dict]:
    order = _reachable(ctx)
    if not order:
        ctx.problems.append(Problem("the design has no Start node: every workflow begins at Start"))
    plan_nodes: dict[str, dict] = {}
    for node in ctx.design["nodes"]:
        kind = node["kind"]
        if kind == "filter":
            ctx.problem(node, "filter nodes are not supported by agents yet: remove it before Generate")
        elif kind in TASKS or kind == "address_update":
            if node["id"] not in order:
                ctx.problem(node, "is not connected to Start: connect it or remove it")
    for node_id in order:
        node = ctx.nodes[node_id]
        if node["kind"] in TASKS:
            plan_nodes[node_id] = _task(ctx, node)
        elif node["kind"] == "address_update":
            parents = [p for p in ctx.incoming.get(node_id, []) if ctx.nodes[p]["kind"] == "customer_update"]
            if len(parents) != 1 or len(ctx.incoming.get(node_id, [])) != 1:
                ctx.problem(
                    node,
                    "a post-task follows exactly one Customer Update node: connect Customer Update → Address Update",
                )
                continue
            parent = plan_nodes.get(parents[0])
            if parent is not None:
                parent["post_tasks"].append(_post_task(ctx, node))
    if order and not plan_nodes and not ctx.problems:
        ctx.problems.append(
            Problem("add a Customer Add or Customer Update node after Start: there is nothing to run")
        )
    return list(plan_nodes.values())


def plan_generate(*, workflow, version) -> Plan:
    """The plan of this version's design. Raises DesignProblems listing every problem found."""
    problems = design_check(version.design)
    if problems:
        raise DesignProblems(problems, doing="Generate")
    ctx = _Context(workflow, version.design)
    nodes = _graph(ctx)
    if ctx.problems:
        raise DesignProblems(ctx.problems, doing="Generate")
    data = {
        "format": PLAN_FORMAT,
        "workflow": {"id": str(workflow.public_id), "name": workflow.name, "template": workflow.template},
        "version": version.number,
        "connections": {name: {"kind": kind} for name, kind in sorted(ctx.used_connections.items())},
        "lookups": sorted(ctx.used_lookups),
        "schedule": version.design.get("schedule") or {"mode": "manual"},
        "nodes": nodes,
    }
    try:
        return plan_from_dict(data)
    except PlanError as exc:  # the checks above should have caught it; never store what agents refuse
        raise DesignProblems(
            [Problem(f"an agent would refuse this plan: {p}") for p in exc.problems], doing="Generate"
        ) from None
