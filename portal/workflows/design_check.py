"""Checks a design can be saved: its shape, and every expression parses and uses known functions.

Generate checks more (connections, lookups, required fields, what agents can run): see generate.py.
"""

import re

from agent_client.mapping import validate_expression
from portal.workflows.catalog import NODE_KINDS
from portal.workflows.errors import Problem

NODE_ID = re.compile(r"^[A-Za-z][A-Za-z0-9_-]{0,59}$")
MAX_NODES = 40
MAX_ROWS = 80
ROW_FIELDS = {"target", "expression", "max_length", "required"}


def node_label(node: dict) -> str:
    kind = NODE_KINDS.get(node.get("kind"), {}).get("label", "Node")
    name = node.get("name") or node.get("id")
    return f"{kind} '{name}'" if name and name != kind else kind


def _check_rows(node: dict, group: str, problems: list[Problem]) -> None:
    rows = node.get(group, [])
    at = {"node": node.get("id"), "node_name": node_label(node), "mapping": group}
    if not isinstance(rows, list):
        problems.append(Problem("the mapping must be a list of rows", **at))
        return
    if len(rows) > MAX_ROWS:
        problems.append(Problem(f"a mapping has at most {MAX_ROWS} rows", **at))
        return
    seen: dict[str, int] = {}
    for number, row in enumerate(rows, start=1):
        if not isinstance(row, dict) or not isinstance(row.get("expression", ""), str):
            problems.append(Problem("a row needs a target field and an expression", row=number, **at))
            continue
        target = str(row.get("target") or "").strip()
        unknown = set(row) - ROW_FIELDS
        if unknown:
            problems.append(Problem(f"unknown row field(s) {', '.join(sorted(unknown))}", row=number, **at))
        if not target:
            problems.append(Problem("choose the Sage 300 field this row fills", row=number, **at))
        elif target in seen:
            problems.append(
                Problem(f"{target} is already mapped in row {seen[target]}", row=number, target=target, **at)
            )
        else:
            seen[target] = number
        expression = row.get("expression", "")
        if not expression.strip():
            problems.append(
                Problem("the expression is empty (use null for no value)", row=number, target=target, **at)
            )
            continue
        for error in validate_expression(expression):
            problems.append(Problem(error.message, row=number, target=target, column=error.column, **at))


def design_check(design) -> list[Problem]:
    """Everything that makes a design unsaveable, as located problems ([] when it can be saved)."""
    if not isinstance(design, dict):
        return [Problem("a design is an object with nodes and edges")]
    nodes, edges = design.get("nodes"), design.get("edges", [])
    if not isinstance(nodes, list) or not isinstance(edges, list):
        return [Problem("a design lists its nodes and its edges")]
    if len(nodes) > MAX_NODES:
        return [Problem(f"a design has at most {MAX_NODES} nodes")]
    problems: list[Problem] = []
    ids: set[str] = set()
    for position, node in enumerate(nodes, start=1):
        if not isinstance(node, dict):
            problems.append(Problem(f"node {position} must be an object"))
            continue
        node_id = node.get("id")
        if not isinstance(node_id, str) or not NODE_ID.match(node_id):
            problems.append(
                Problem(f"node {position}: its id must start with a letter (letters, digits, _ and -)")
            )
            continue
        if node_id in ids:
            problems.append(Problem("two nodes have this id", node=node_id))
        ids.add(node_id)
        kind = node.get("kind")
        if kind not in NODE_KINDS:
            problems.append(Problem(f"unknown node kind {kind!r}", node=node_id))
            continue
        if not isinstance(node.get("options", {}), dict):
            problems.append(Problem("options must be an object", node=node_id, node_name=node_label(node)))
        for group in NODE_KINDS[kind].get("mappings", []):
            _check_rows(node, group, problems)
        if kind == "filter":
            condition = str(node.get("condition") or "")
            for error in validate_expression(condition or "true"):
                problems.append(
                    Problem(
                        f"condition: {error.message}",
                        node=node_id,
                        node_name=node_label(node),
                        column=error.column,
                    )
                )
    for kind in ("start", "end"):
        if sum(1 for n in nodes if isinstance(n, dict) and n.get("kind") == kind) > 1:
            problems.append(Problem(f"a design has one {kind} node"))
    seen_edges = set()
    for edge in edges:
        pair = (edge.get("from"), edge.get("to")) if isinstance(edge, dict) else (None, None)
        if pair[0] not in ids or pair[1] not in ids:
            problems.append(Problem(f"an edge joins unknown nodes {pair[0]!r} → {pair[1]!r}"))
        elif pair[0] == pair[1]:
            problems.append(Problem("a node cannot be connected to itself", node=pair[0]))
        elif pair in seen_edges:
            problems.append(Problem(f"{pair[0]} → {pair[1]} is connected twice", node=pair[0]))
        seen_edges.add(pair)
    return problems
