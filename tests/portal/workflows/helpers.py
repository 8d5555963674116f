"""Helpers for workflow tests."""


def row_of(design: dict, node_id: str, target: str, group: str = "mapping") -> dict:
    node = next(n for n in design["nodes"] if n["id"] == node_id)
    return next(r for r in node[group] if r["target"] == target)
