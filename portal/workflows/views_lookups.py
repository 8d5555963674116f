"""The Lookup tables page: one grid per table, Save All, Add New, Delete, Import / Export CSV."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from portal.tenants.access import org_page
from portal.tenants.roles import Permission
from portal.workflows import lookups_service
from portal.workflows.lookups_service import DEFAULT_SOURCE, LookupRowsInvalid, RowInput
from portal.workflows.models import LookupTable
from portal.workflows.selectors import lookup_table_csv, lookup_tables_payload, organization_lookup_tables


def _table(organization, pk) -> LookupTable:
    return get_object_or_404(LookupTable.objects.for_organization(organization), pk=pk)


def _back(organization, table=None):
    response = redirect("lookup_tables", org_slug=organization.slug)
    if table is not None:
        response["Location"] += f"?table={table.pk}"
    return response


@org_page(Permission.READ)
def lookup_tables(request, organization):
    tables = list(organization_lookup_tables(organization))
    chosen = request.GET.get("table", "")
    selected = next((t for t in tables if str(t.pk) == chosen), tables[0] if tables else None)
    digest, _ = lookup_tables_payload(organization)
    return render(
        request,
        "workflows/lookups.html",
        {
            "organization": organization,
            "tables": tables,
            "selected": selected,
            "payload_hash": digest,
            "default_source": DEFAULT_SOURCE,
        },  # fmt: skip
    )


@require_POST
@org_page(Permission.ADMINISTER)
def lookup_table_create(request, organization):
    try:
        table = lookups_service.lookup_table_create(
            organization=organization, actor=request.user, name=request.POST.get("name", ""),
            used_for=request.POST.get("used_for", ""),
        )  # fmt: skip
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
        return _back(organization)
    messages.success(request, f"Lookup table {table.name} created: add its rows, then Save All.")
    return _back(organization, table)


def _report(request, exc: LookupRowsInvalid):
    messages.error(
        request, f"Nothing was saved: {len(exc.messages)} problem(s). " + " · ".join(exc.messages[:8])
    )


@require_POST
@org_page(Permission.ADMINISTER)
def lookup_table_save(request, organization, pk):
    """Save All: the grid's rows replace the table's rows; ticked rows are deleted."""
    table = _table(organization, pk)
    post = request.POST
    deleted = set(post.getlist("delete"))
    columns = [post.getlist(name) for name in ("source", "destination", "used_for", "note")]
    rows = [
        RowInput(source, destination, used_for, note)
        for index, (source, destination, used_for, note) in enumerate(zip(*columns, strict=False))
        if str(index) not in deleted and (source.strip() or destination.strip())
    ]
    try:
        lookups_service.lookup_table_update(
            table=table, actor=request.user, used_for=post.get("used_for"), note=post.get("note"), rows=rows
        )
    except LookupRowsInvalid as exc:
        _report(request, exc)
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
    else:
        messages.success(request, f"{table.name} saved: {len(rows)} row(s).")
    return _back(organization, table)


@require_POST
@org_page(Permission.ADMINISTER)
def lookup_table_import(request, organization, pk):
    table = _table(organization, pk)
    upload = request.FILES.get("file")
    if upload is None:
        messages.error(request, "Choose a CSV file to import.")
        return _back(organization, table)
    try:
        table = lookups_service.lookup_table_import_csv(
            table=table, actor=request.user, content=upload.read()
        )
    except LookupRowsInvalid as exc:
        _report(request, exc)
    else:
        messages.success(request, f"{table.name}: imported {table.rows.count()} row(s) from {upload.name}.")
    return _back(organization, table)


@org_page(Permission.READ)
def lookup_table_export(request, organization, pk):
    table = _table(organization, pk)
    response = HttpResponse(lookup_table_csv(table), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{table.name.replace(chr(34), "")}.csv"'
    return response


@require_POST
@org_page(Permission.ADMINISTER)
def lookup_table_delete(request, organization, pk):
    table = _table(organization, pk)
    try:
        lookups_service.lookup_table_delete(table=table, actor=request.user)
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
        return _back(organization, table)
    messages.success(request, f"Lookup table {table.name} deleted.")
    return _back(organization)
