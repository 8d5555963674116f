"""Pages: the Workflows list, Choose your Workflow, the designer and the versions page.

The designer is one page whose script talks to the REST API (same session), so the browser and
API clients share every rule. Pages here only load, call a service and render.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from portal.agents.models import Agent
from portal.connectors.selectors import organization_connections
from portal.runs.queue import run_blocker
from portal.schedules.services import schedule_next_at
from portal.tenants.access import org_page
from portal.tenants.roles import Permission, role_allows
from portal.workflows import design as design_service
from portal.workflows import lifecycle
from portal.workflows.catalog import (
    FIELDS,
    NODE_KINDS,
    SHOPIFY_ADDRESS_PATHS,
    SHOPIFY_CUSTOMER_PATHS,
    TEMPLATES,
    template_design,
)
from portal.workflows.diff import version_diff
from portal.workflows.errors import WorkflowConflict
from portal.workflows.models import Workflow
from portal.workflows.samples import DEFAULT_SAMPLE, SAMPLES
from portal.workflows.selectors import (
    organization_workflows,
    workflow_state_summary,
    workflow_version_by_number,
    workflow_versions,
    workflow_working_version,
)


def _workflow(organization, pk) -> Workflow:
    return get_object_or_404(Workflow.objects.for_organization(organization), pk=pk)


@org_page(Permission.READ)
def workflow_list(request, organization):
    rows = []
    for workflow in organization_workflows(organization):
        schedule = getattr(workflow, "schedule", None)
        when = {"schedule": schedule, "next_run_at": schedule_next_at(schedule)}
        if schedule is not None:
            when["blocker"] = run_blocker(workflow)
        rows.append((workflow, {**workflow_state_summary(workflow), **when}))
    return render(request, "workflows/list.html", {"organization": organization, "rows": rows})


@org_page(Permission.ADMINISTER)
def workflow_new(request, organization):
    if request.method == "POST":
        try:
            workflow = design_service.workflow_create(
                organization=organization,
                actor=request.user,
                template=request.POST.get("template", ""),
                name=request.POST.get("name", ""),
            )
        except ValidationError as exc:
            messages.error(request, exc.messages[0])
        else:
            messages.success(
                request, f"{workflow.name} is ready as a draft: check its mapping, then Generate."
            )
            return redirect("workflow_design", org_slug=organization.slug, pk=workflow.pk)
    existing = set(Workflow.objects.for_organization(organization).values_list("template", flat=True))
    return render(
        request,
        "workflows/new.html",
        {"organization": organization, "templates": TEMPLATES.values(), "existing": existing},
    )


@require_POST
@org_page(Permission.ADMINISTER)
def workflow_active(request, organization, pk):
    workflow = _workflow(organization, pk)
    active = request.POST.get("is_active") == "on"
    design_service.workflow_update(workflow=workflow, actor=request.user, is_active=active)
    messages.success(request, f"{workflow.name} is now {'active' if active else 'inactive'}.")
    return redirect("workflow_list", org_slug=organization.slug)


def _default_rows() -> dict:
    """Rows a node added from the palette starts with: its template's mapping."""
    rows = {}
    for template in TEMPLATES:
        for node in template_design(template)["nodes"]:
            for group in NODE_KINDS[node["kind"]].get("mappings", []):
                rows[f"{node['kind']}.{group}"] = node[group]
    return rows


def _designer_config(request, organization, workflow) -> dict:
    api = f"/api/orgs/{organization.slug}"
    version = workflow_working_version(workflow)
    published = workflow_state_summary(workflow)["published"]
    return {
        "workflow": {
            "id": workflow.pk,
            "name": workflow.name,
            "template": workflow.template,
            "revision": workflow.revision,
            "is_active": workflow.is_active,
            "agent": workflow.agent_id,
        },  # fmt: skip
        "version": {
            "number": version.number,
            "state": version.state,
            "design": version.design,
            "plan_hash": version.plan_hash,
        }
        if version
        else None,  # fmt: skip
        "published": published.number if published else None,
        "can_edit": role_allows(request.membership.role, Permission.ADMINISTER),
        "urls": {
            "workflow": f"{api}/workflows/{workflow.pk}/",
            "versions_page": reverse("workflow_versions", args=[organization.slug, workflow.pk]),
        },
        "kinds": NODE_KINDS,
        "fields": {f"{kind}.{group}": [vars(f) for f in specs] for (kind, group), specs in FIELDS.items()},
        "paths": {"mapping": SHOPIFY_CUSTOMER_PATHS, "ship_to_mapping": SHOPIFY_ADDRESS_PATHS},
        "samples": {key: s["label"] for key, s in SAMPLES.items()},
        "default_rows": _default_rows(),
        "default_sample": DEFAULT_SAMPLE,
        "connections": [{"name": c.name, "kind": c.kind} for c in organization_connections(organization)],
        "agents": [{"id": a.pk, "name": a.name} for a in Agent.objects.for_organization(organization)],
    }


@org_page(Permission.READ)
def workflow_design(request, organization, pk):
    workflow = _workflow(organization, pk)
    return render(
        request,
        "workflows/design.html",
        {
            "organization": organization,
            "workflow": workflow,
            "config": _designer_config(request, organization, workflow),
        },
    )


@org_page(Permission.READ)
def workflow_versions_page(request, organization, pk):
    workflow = _workflow(organization, pk)
    versions = list(workflow_versions(workflow))
    diff = None
    a, b = request.GET.get("a"), request.GET.get("b")
    if a and b and a.isdigit() and b.isdigit():
        old, new = (
            workflow_version_by_number(workflow=workflow, number=int(a)),
            workflow_version_by_number(workflow=workflow, number=int(b)),
        )
        if old and new:
            diff = version_diff(old, new)
    elif len(versions) >= 2:
        diff = version_diff(versions[1], versions[0])
    return render(
        request,
        "workflows/versions.html",
        {"organization": organization, "workflow": workflow, "versions": versions, "diff": diff},
    )


LIFECYCLE_ACTIONS = {
    "publish": (lifecycle.version_publish, "Version {n} is published."),
    "rollback": (lifecycle.version_rollback, "Rolled back: version {n} is published again."),
    "reset-generate": (lifecycle.version_reset_generate, "Version {n} is a draft again."),
}


@require_POST
@org_page(Permission.ADMINISTER)
def workflow_version_action(request, organization, pk):
    """The versions page's buttons: publish, rollback and reset-generate of one version."""
    workflow = _workflow(organization, pk)
    operation, done = LIFECYCLE_ACTIONS.get(request.POST.get("action"), (None, ""))
    number = request.POST.get("version", "")
    version = workflow_version_by_number(workflow=workflow, number=int(number)) if number.isdigit() else None
    revision = request.POST.get("expected_revision", "")
    if operation is None or version is None:
        messages.error(request, "Choose a version and an action.")
    else:
        try:
            operation(workflow=workflow, version=version, actor=request.user,
                      expected_revision=int(revision) if revision.isdigit() else None)  # fmt: skip
        except WorkflowConflict as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, done.format(n=version.number))
    return redirect("workflow_versions", org_slug=organization.slug, pk=workflow.pk)
