"""Pages: the runs list, the run page (Processed Snapshot) and its htmx fragments, and Run ▶.

Fragments of the run page (node tree, Resync Bucket, Log Bucket, File) are the same templates
the full page renders, so a page works without script and htmx only swaps parts of it.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from portal.runs import selectors, services
from portal.runs.models import FINAL_STATUSES
from portal.tenants.access import org_page
from portal.tenants.roles import Permission
from portal.workflows.models import Workflow

TABS = {"records": "Resync Bucket", "logs": "Log Bucket", "file": "File"}


def _run(organization, run_id):
    run = selectors.run_of(organization, run_id)
    if run is None:
        raise Http404("No such run.")
    return run


def _back(request, organization):
    target = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    return redirect("workflow_list", org_slug=organization.slug)


def _to_run(organization, run):
    return redirect("run_detail", org_slug=organization.slug, run_id=run.pk)


@org_page(Permission.READ)
def run_list(request, organization):
    workflow_id = request.GET.get("workflow", "")
    workflow = None
    if workflow_id.isdigit():
        workflow = get_object_or_404(Workflow.objects.for_organization(organization), pk=int(workflow_id))
    runs, next_before = selectors.runs_page(
        organization, workflow_id=workflow.pk if workflow else None, before=request.GET.get("before")
    )
    return render(
        request,
        "runs/list.html",
        {
            "organization": organization,
            "runs": runs,
            "workflow": workflow,
            "next_before": next_before,
            "first_page": not request.GET.get("before"),
        },
    )


@org_page(Permission.READ)
def run_row(request, organization, run_id):
    """One row of the runs list: the live script inserts it when a new run starts."""
    return render(
        request, "runs/_row.html", {"organization": organization, "run": _run(organization, run_id)}
    )


def _panel(run, node_id: str, tab: str, params) -> dict:
    """What one node's tab shows: a Resync Bucket page, its log lines, or one record's File."""
    context = {
        "run": run,
        "node_id": node_id,
        "tab": tab,
        "tab_labels": TABS.items(),
        "record": None,
        "final": run.status in FINAL_STATUSES,
    }
    counts = run.counts.get(node_id, {})
    context["status_counts"] = {s: counts.get(key, 0) for s, key in selectors.RECORD_STATUSES.items()}
    context["total"] = counts.get("read", 0)
    if tab == "records":
        status, search = params.get("status", ""), params.get("search", "")
        after = params.get("after", "")
        rows, next_after = selectors.records_page(
            run, node_id=node_id, status=status, search=search, after=int(after) if after.isdigit() else None
        )
        context.update(rows=rows, next_after=next_after, status=status, search=search, paged=bool(after))
    elif tab == "logs":
        context["logs"] = selectors.run_logs(run, node_id=node_id)
    else:
        record = selectors.record_of(run, params.get("record", ""))
        context["record"] = record
        context["files"] = selectors.record_files(record) if record else []
    return context


@org_page(Permission.READ)
def run_detail(request, organization, run_id):
    run = _run(organization, run_id)
    tree = selectors.run_node_tree(run)
    nodes = selectors.run_node_ids(run)
    node_id = request.GET.get("node", "")
    node_id = node_id if node_id in nodes else (nodes[0] if nodes else "")
    tab = request.GET.get("tab", "records")
    context = {
        "organization": organization,
        "run": run,
        "tree": tree,
        "reprocesses": selectors.run_reprocesses(run),
        **_panel(run, node_id, tab if tab in TABS else "records", request.GET),
    }
    return render(request, "runs/detail.html", context)


@org_page(Permission.READ)
def run_tree(request, organization, run_id):
    run = _run(organization, run_id)
    selected = request.GET.get("node", "")
    return render(
        request,
        "runs/_tree.html",
        {"organization": organization, "run": run, "tree": selectors.run_node_tree(run), "node_id": selected},
    )


@org_page(Permission.READ)
def run_node_tab(request, organization, run_id, node_id, tab):
    if tab not in TABS:
        raise Http404("No such tab.")
    run = _run(organization, run_id)
    if node_id not in selectors.run_node_ids(run):
        raise Http404("No such node in this run.")
    context = {"organization": organization, **_panel(run, node_id, tab, request.GET)}
    return render(request, "runs/_panel.html", context)


@require_POST
@org_page(Permission.OPERATE)
def workflow_run(request, organization, pk):
    """Run ▶: queue a run of the workflow's published plan on its agent."""
    workflow = get_object_or_404(Workflow.objects.for_organization(organization), pk=pk)
    try:
        run = services.run_request(workflow=workflow, actor=request.user)
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
        return _back(request, organization)
    messages.success(request, f"{workflow.name} is queued for agent {run.agent.name}.")
    return _to_run(organization, run)


@require_POST
@org_page(Permission.OPERATE)
def run_cancel(request, organization, run_id):
    run = _run(organization, run_id)
    try:
        services.run_cancel(run=run, actor=request.user)
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
    else:
        messages.success(request, "Cancel requested: the agent stops at the next record.")
    return _to_run(organization, run)


@require_POST
@org_page(Permission.OPERATE)
def run_reprocess(request, organization, run_id):
    """Reprocess one record (`record_key`), the selected ones (`record_keys`), or every failure."""
    run = _run(organization, run_id)
    if request.POST.get("record_key"):
        keys = [request.POST["record_key"]]
    elif request.POST.get("scope") == "selected":
        keys = request.POST.getlist("record_keys")
        if not keys:
            messages.error(request, "Select the records to reprocess first.")
            return _to_run(organization, run)
    else:
        keys = None
    try:
        new_run = services.run_reprocess(run=run, actor=request.user, record_keys=keys)
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
        return _to_run(organization, run)
    count = len(new_run.record_ids or [])
    messages.success(request, f"Reprocessing {count} record{'s' if count != 1 else ''}: this is the new run.")
    return _to_run(organization, new_run)
