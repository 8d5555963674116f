"""The mapping preview: every row of a mapping evaluated on a sample record, row by row.

It uses the agent's own engine (`agent_client.mapping`) and the organization's lookup tables,
so what the grid shows is what an agent will send. A row whose expression does not parse shows
its error at that row; the other rows are still evaluated.
"""

from decimal import Decimal

from agent_client.mapping import (
    LookupTables,
    MappingErrors,
    MappingRow,
    RunContext,
    compile_mapping,
    validate_expression,
)
from portal.workflows.catalog import field_spec
from portal.workflows.samples import SAMPLES
from portal.workflows.selectors import lookup_tables_payload


def preview_record(*, group: str, sample: str | None = None, record: dict | None = None) -> dict:
    """The record a mapping reads: the customer, or for ship-to rows one of its other addresses."""
    if record is None:
        record = SAMPLES[sample]["record"] if sample in SAMPLES else {}
    if group != "ship_to_mapping":
        return record
    addresses = record.get("addresses") or []
    default_id = (record.get("default_address") or {}).get("id")
    others = [a for a in addresses if isinstance(a, dict) and a.get("id") != default_id]
    return others[0] if others else (record.get("default_address") or {})


def _shown(value):
    # Decimal and other numbers go to the browser as JSON numbers or text, as the agent sends them.
    if isinstance(value, Decimal):
        return str(value)
    return value


def mapping_preview(*, organization, kind: str, group: str, rows: list[dict], record: dict) -> list[dict]:
    """`[{row, target, value, warning, error, max_length, required}]`, one per row, in order."""
    results: list[dict | None] = [None] * len(rows)
    good: list[int] = []
    seen: dict[str, int] = {}
    specs = []
    for index, row in enumerate(rows):
        target = str(row.get("target") or "").strip()
        spec = field_spec(kind, group, target)
        max_length = spec.max_length if spec else row.get("max_length")
        required = spec.required if spec else bool(row.get("required"))
        specs.append((target, max_length, required))
        base = {
            "row": index + 1,
            "target": target,
            "value": None,
            "warning": None,
            "max_length": max_length,
            "required": required,
        }
        expression = str(row.get("expression") or "")
        problems = validate_expression(expression) if expression.strip() else []
        if not target:
            results[index] = {**base, "error": "choose the Sage 300 field this row fills"}
        elif target in seen:
            results[index] = {**base, "error": f"{target} is already mapped in row {seen[target]}"}
        elif not expression.strip():
            results[index] = {**base, "error": "the expression is empty (use null for no value)"}
        elif problems:
            results[index] = {**base, "error": "; ".join(str(p) for p in problems)}
        else:
            good.append(index)
        seen.setdefault(target, index + 1)
    _, tables = lookup_tables_payload(organization)
    while good:
        compiled_rows = [
            MappingRow(specs[i][0], rows[i]["expression"], specs[i][1], specs[i][2]) for i in good
        ]
        try:
            previews = compile_mapping(compiled_rows).preview(record, LookupTables(tables), RunContext())
        except MappingErrors as exc:  # row-level problems validate_expression does not see
            bad = {good[error.row - 1]: error.reason for error in exc.errors}
            for index, reason in bad.items():
                target, max_length, required = specs[index]
                results[index] = {"row": index + 1, "target": target, "value": None, "warning": None,
                                  "error": reason, "max_length": max_length, "required": required}  # fmt: skip
            good = [i for i in good if i not in bad]
            continue
        for preview in previews:
            index = good[preview.row - 1]
            results[index] = {
                "row": index + 1, "target": preview.target, "value": _shown(preview.value),
                "warning": preview.warning, "error": preview.error, "max_length": specs[index][1],
                "required": specs[index][2],
            }  # fmt: skip
        break
    return [r for r in results if r is not None]
