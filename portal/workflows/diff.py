"""A readable difference between two versions' designs: nodes, options, connections, mapping rows."""

from portal.workflows.catalog import NODE_KINDS
from portal.workflows.design_check import node_label

SCALARS = [
    ("name", "name"),
    ("source.connection", "Get connection"),
    ("destination.connection", "Post connection"),
]
SCALARS += [("condition", "condition")]


def _get(node: dict, dotted: str):
    value = node
    for part in dotted.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value


def _rows_diff(old_rows: list, new_rows: list) -> list[dict]:
    """Rows matched by target field, in the new version's order, removed rows last."""
    old = {r.get("target"): r for r in old_rows if isinstance(r, dict)}
    new = {r.get("target"): r for r in new_rows if isinstance(r, dict)}
    out = []
    for target, row in new.items():
        before = old.get(target)
        if before is None:
            status = "added"
        else:
            status = "same" if before.get("expression") == row.get("expression") else "changed"
        out.append(
            {
                "target": target,
                "status": status,
                "old": (before or {}).get("expression"),
                "new": row.get("expression"),
            }
        )
    for target, row in old.items():
        if target not in new:
            out.append({"target": target, "status": "removed", "old": row.get("expression"), "new": None})
    return out


def _node_diff(old: dict | None, new: dict | None) -> dict:
    node = new or old
    changes = []
    for key, label in SCALARS:
        a, b = _get(old or {}, key), _get(new or {}, key)
        if old and new and a != b:
            changes.append({"field": label, "old": a, "new": b})
    options_old, options_new = (old or {}).get("options") or {}, (new or {}).get("options") or {}
    for option in sorted(set(options_old) | set(options_new)):
        if old and new and options_old.get(option) != options_new.get(option):
            changes.append(
                {"field": f"option {option}", "old": options_old.get(option), "new": options_new.get(option)}
            )
    mappings = {}
    for group in NODE_KINDS.get(node.get("kind"), {}).get("mappings", []):
        rows = _rows_diff(
            (old or {}).get(group, []) if old else [], (new or {}).get(group, []) if new else []
        )
        if not old:
            rows = [{**r, "status": "added"} for r in rows]
        elif not new:
            rows = [{**r, "status": "removed"} for r in rows]
        mappings[group] = rows
    changed_rows = any(r["status"] != "same" for rows in mappings.values() for r in rows)
    status = (
        "added"
        if old is None
        else "removed"
        if new is None
        else "changed"
        if changes or changed_rows
        else "same"
    )
    return {"id": node["id"], "label": node_label(node), "kind": node.get("kind"), "status": status,
            "changes": changes, "mappings": mappings}  # fmt: skip


def design_diff(old: dict, new: dict) -> dict:
    """`{"nodes": [...], "edges": {"added", "removed"}, "changed": bool}` from `old` to `new`."""
    old_nodes = {n["id"]: n for n in old.get("nodes", []) if isinstance(n, dict) and "id" in n}
    new_nodes = {n["id"]: n for n in new.get("nodes", []) if isinstance(n, dict) and "id" in n}
    nodes = [_node_diff(old_nodes.get(i), n) for i, n in new_nodes.items()]
    nodes += [_node_diff(n, None) for i, n in old_nodes.items() if i not in new_nodes]
    edge = lambda e: f"{e.get('from')} → {e.get('to')}"  # noqa: E731
    old_edges = {edge(e) for e in old.get("edges", []) if isinstance(e, dict)}
    new_edges = {edge(e) for e in new.get("edges", []) if isinstance(e, dict)}
    edges = {"added": sorted(new_edges - old_edges), "removed": sorted(old_edges - new_edges)}
    changed = any(n["status"] != "same" for n in nodes) or bool(edges["added"] or edges["removed"])
    return {"nodes": nodes, "edges": edges, "changed": changed}


def version_diff(a, b) -> dict:
    """The diff from version `a` to version `b` of one workflow, with their numbers and states."""
    return {
        "a": {"number": a.number, "state": a.state, "plan_hash": a.plan_hash},
        "b": {"number": b.number, "state": b.state, "plan_hash": b.plan_hash},
        **design_diff(a.design, b.design),
    }
