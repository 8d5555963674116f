"""Writes for lookup tables: create, Save All (rows replaced at once), CSV import, defaults.

A row whose source value is exactly `default` is the table's default row, in the grid and in
CSV files alike (the agent's own CSV import reads it the same way). Every write is all or
nothing: a bad row refuses the whole change, with the row or line that is wrong.
"""

import csv
import io
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from agent_client.lookups import lookups_hash
from agent_client.mapping.templates import DEFAULT_LOOKUP_TABLES
from portal.tenants.services import audit_record
from portal.workflows.models import LookupRow, LookupTable
from portal.workflows.selectors import CSV_HEADER, lookup_table_payload, lookup_table_users

DEFAULT_SOURCE = "default"
MAX_ROWS = 20_000
FIELD_MAX = {"source": 200, "destination": 200, "used_for": 120, "note": 300}


@dataclass(frozen=True)
class RowInput:
    source: str
    destination: str
    used_for: str = ""
    note: str = ""


class LookupRowsInvalid(ValidationError):
    """Every bad row or line, each message starting with where it is ("line 7: ...")."""


def _checked(rows: list[RowInput], where: str) -> tuple[list[RowInput], str | None]:
    """(rows, default destination) or LookupRowsInvalid naming every bad `where` number."""
    errors, seen, kept, default = [], {}, [], None
    for number, row in enumerate(rows, start=1):
        at = f"{where} {getattr(row, 'line', None) or number}"
        source, destination = row.source.strip(), row.destination.strip()
        if not source:
            errors.append(f"{at}: source value is empty")
            continue
        if not destination:
            errors.append(f"{at}: destination value is empty")
        for field, value in (
            ("source", source),
            ("destination", destination),
            ("used_for", row.used_for),
            ("note", row.note),
        ):
            if len(value) > FIELD_MAX[field]:
                errors.append(f"{at}: {field.replace('_', ' ')} is longer than {FIELD_MAX[field]} characters")
        if source in seen:
            errors.append(f"{at}: source value '{source}' appears twice (first at {where} {seen[source]})")
            continue
        seen[source] = getattr(row, "line", None) or number
        if source == DEFAULT_SOURCE:
            default = destination
        else:
            kept.append(RowInput(source, destination, row.used_for.strip(), row.note.strip()))
    if len(kept) > MAX_ROWS:
        errors.append(f"a table holds at most {MAX_ROWS} rows")
    if errors:
        raise LookupRowsInvalid(errors)
    return kept, default


def _replace_rows(table: LookupTable, rows: list[RowInput], default: str | None) -> None:
    table.rows.all().delete()
    LookupRow.objects.bulk_create(
        LookupRow(
            organization=table.organization,
            table=table,
            source_value=r.source,
            destination_value=r.destination,
            used_for=r.used_for,
            note=r.note,
        )
        for r in rows
    )
    table.default_value = default
    table.content_hash = lookups_hash(lookup_table_payload(table))
    table.save()


def _save_named(table: LookupTable) -> None:
    try:
        with transaction.atomic():
            table.save()
    except IntegrityError:
        raise ValidationError(
            f"A lookup table named {table.name!r} already exists: choose another name."
        ) from None


@transaction.atomic
def lookup_table_create(
    *, organization, actor, name: str, used_for: str = "", note: str = "", rows: list[RowInput] | None = None
) -> LookupTable:
    name = name.strip()
    if not name:
        raise ValidationError('Name the table as mappings will call it, e.g. lookup("Tax", ...) → Tax.')
    kept, default = _checked(rows or [], "row")
    table = LookupTable(
        organization=organization, name=name, used_for=used_for.strip(), note=note.strip(), updated_by=actor
    )
    _save_named(table)
    _replace_rows(table, kept, default)
    audit_record(
        organization=organization,
        actor=actor,
        action="lookup_table.created",
        target=table,
        data={"name": name},
    )
    return table


@transaction.atomic
def lookup_table_update(
    *, table: LookupTable, actor, name: str | None = None, used_for: str | None = None, note: str | None = None,
    rows: list[RowInput] | None = None,
) -> LookupTable:  # fmt: skip
    """Change the table's fields; `rows` (when given) replaces every row, the default row included."""
    table = LookupTable.objects.select_for_update().get(pk=table.pk)
    old_name = table.name
    if name is not None and name.strip() != table.name:
        if lookup_table_users(table):
            raise ValidationError(
                f"Generated or published workflows read {old_name!r}: renaming it would break them."
            )
        table.name = name.strip()
    if used_for is not None:
        table.used_for = used_for.strip()
    if note is not None:
        table.note = note.strip()
    table.updated_by = actor
    _save_named(table)
    if rows is not None:
        kept, default = _checked(rows, "row")
        _replace_rows(table, kept, default)
    audit_record(
        organization=table.organization, actor=actor, action="lookup_table.updated", target=table,
        data={"name": table.name, "rows": table.rows.count(), "hash": table.content_hash},
    )  # fmt: skip
    return table


@transaction.atomic
def lookup_table_delete(*, table: LookupTable, actor) -> None:
    users = lookup_table_users(table)
    if users:
        names = ", ".join(sorted({f"{v.workflow.name} v{v.number}" for v in users}))
        raise ValidationError(
            f"{table.name!r} is read by {names}: change those workflows before deleting it."
        )
    audit_record(
        organization=table.organization,
        actor=actor,
        action="lookup_table.deleted",
        target=table,
        data={"name": table.name},
    )
    table.delete()


@dataclass(frozen=True)
class _CsvRow(RowInput):
    line: int = 0


def _csv_rows(content: bytes | str) -> list[_CsvRow]:
    if isinstance(content, bytes):
        try:
            content = content.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise LookupRowsInvalid(
                [f"the file is not UTF-8 text (byte {exc.start}): save it as CSV UTF-8"]
            ) from None
    rows, errors = [], []
    reader = csv.reader(io.StringIO(content))
    try:
        for cells in reader:
            line = reader.line_num
            if not cells or all(not c.strip() for c in cells):
                continue
            if line == 1 and [c.strip().lower() for c in cells[:2]] == CSV_HEADER[:2]:
                continue
            if len(cells) < 2 or len(cells) > 4:
                errors.append(
                    f"line {line}: expected 2 to 4 columns ({','.join(CSV_HEADER)}), found {len(cells)}"
                )
                continue
            cells += [""] * (4 - len(cells))
            rows.append(_CsvRow(cells[0], cells[1], cells[2], cells[3], line=line))
    except csv.Error as exc:
        errors.append(f"line {reader.line_num}: {exc}")
    if errors:
        raise LookupRowsInvalid(errors)
    return rows


@transaction.atomic
def lookup_table_import_csv(*, table: LookupTable, actor, content: bytes | str) -> LookupTable:
    """Replace the table's rows with a CSV file's. Any bad line refuses the whole file."""
    kept, default = _checked(_csv_rows(content), "line")
    table = LookupTable.objects.select_for_update().get(pk=table.pk)
    table.updated_by = actor
    _replace_rows(table, kept, default)
    audit_record(
        organization=table.organization, actor=actor, action="lookup_table.imported", target=table,
        data={"name": table.name, "rows": len(kept), "default": default is not None, "hash": table.content_hash},
    )  # fmt: skip
    return table


def lookup_tables_ensure_defaults(*, organization, actor, names: list[str] | None = None) -> list[str]:
    """Create the templates' default tables the organization lacks; returns the names created."""
    created = []
    existing = set(LookupTable.objects.for_organization(organization).values_list("name", flat=True))
    for name, spec in DEFAULT_LOOKUP_TABLES.items():
        if (names is not None and name not in names) or name in existing:
            continue
        rows = [RowInput(source, destination) for source, destination in spec["rows"].items()]
        if spec["default"] is not None:
            rows.append(RowInput(DEFAULT_SOURCE, spec["default"]))
        lookup_table_create(
            organization=organization, actor=actor, name=name, used_for="Customer templates", rows=rows
        )
        created.append(name)
    return created
