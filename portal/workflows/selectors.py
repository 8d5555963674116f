"""Reads for workflows, versions and lookup tables. Every function takes the organization first
or an object already loaded through it."""

import csv
import io
import json

from django.db.models import OuterRef, Prefetch, Subquery

from agent_client.lookups import lookups_hash
from portal.workflows.models import LookupRow, LookupTable, VersionState, Workflow, WorkflowVersion


def organization_workflows(organization):
    """With each workflow's latest run (`last_run_id`, `last_run_status`, `last_run_at`) and schedule."""
    from portal.runs.models import Run

    latest = Run.objects.filter(organization=organization, workflow=OuterRef("pk")).order_by("-created_at")
    return (
        Workflow.objects.for_organization(organization)
        .select_related("agent", "schedule__periodic_task")
        .annotate(
            last_run_id=Subquery(latest.values("pk")[:1]),
            last_run_status=Subquery(latest.values("status")[:1]),
            last_run_at=Subquery(latest.values("created_at")[:1]),
        )
        .prefetch_related(Prefetch("versions", queryset=WorkflowVersion.objects.order_by("-number")))
        .order_by("name")
    )


def workflow_versions(workflow):
    return (
        WorkflowVersion.objects.filter(workflow=workflow)
        .select_related("created_by", "saved_by", "generated_by", "published_by", "retired_by")
        .order_by("-number")
    )


def workflow_version_by_number(*, workflow, number) -> WorkflowVersion | None:
    return WorkflowVersion.objects.filter(workflow=workflow, number=number).first()


def workflow_state_summary(workflow) -> dict:
    """The versions a list row or a toolbar needs: draft, published, latest (None when absent)."""
    versions = list(workflow.versions.all())
    by_state = {v.state: v for v in versions if v.state in (VersionState.DRAFT, VersionState.PUBLISHED)}
    return {
        "draft": by_state.get(VersionState.DRAFT),
        "published": by_state.get(VersionState.PUBLISHED),
        "latest": max(versions, key=lambda v: v.number, default=None),
    }


def workflow_working_version(workflow) -> WorkflowVersion | None:
    """What the designer opens: the draft, else the newest version."""
    versions = workflow_versions(workflow)
    return versions.filter(state=VersionState.DRAFT).first() or versions.first()


def organization_lookup_tables(organization):
    return (
        LookupTable.objects.for_organization(organization)
        .prefetch_related(Prefetch("rows", queryset=LookupRow.objects.order_by("source_value")))
        .order_by("name")
    )


def organization_lookup_names(organization) -> list[str]:
    return list(LookupTable.objects.for_organization(organization).values_list("name", flat=True))


def lookup_table_payload(table: LookupTable) -> dict:
    """One table exactly as agents read it: `{"rows": {source: destination}, "default": value}`."""
    rows = {row.source_value: row.destination_value for row in table.rows.all()}
    return {"rows": rows, "default": table.default_value}


def lookup_tables_payload(organization) -> tuple[str, dict]:
    """`(hash, tables)`: the organization's lookup tables as the agent pulls them (`lookups.tables`)."""
    tables = {table.name: lookup_table_payload(table) for table in organization_lookup_tables(organization)}
    return lookups_hash(tables), tables


CSV_HEADER = ["source", "destination", "used_for", "note"]


def lookup_table_csv(table: LookupTable) -> str:
    """The table as CSV: header `source,destination,used_for,note`, then rows, then the default row."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_HEADER)
    for row in table.rows.order_by("source_value"):
        writer.writerow([row.source_value, row.destination_value, row.used_for, row.note])
    if table.default_value is not None:
        writer.writerow(["default", table.default_value, "", "used when no row matches"])
    return out.getvalue()


def lookup_table_users(table: LookupTable) -> list[WorkflowVersion]:
    """Generated or published versions whose plans read this table."""
    versions = WorkflowVersion.objects.for_organization(table.organization).filter(
        state__in=[VersionState.GENERATED, VersionState.PUBLISHED]
    )
    return [
        v
        for v in versions.select_related("workflow")
        if table.name in json.loads(v.plan_json).get("lookups", [])
    ]
