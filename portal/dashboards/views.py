"""Dashboard pages. Thin: the window from the query, the overview from the selectors, a template out."""

from django.shortcuts import get_object_or_404, render
from django.utils import timezone

from portal.dashboards import selectors
from portal.dashboards.access import staff_page
from portal.dashboards.overview import organization_overview, platform_overview
from portal.dashboards.ranges import window_from_query
from portal.dashboards.services import platform_drilldown_record
from portal.tenants.access import org_page
from portal.tenants.models import Organization
from portal.workflows.models import Workflow


def organization_dashboard(request, organization):
    """The page at /o/<org_slug>/ (reached through `tenants.views.dashboard`, which checks membership).

    An htmx request (the live refresh) gets only the panels.
    """
    window, form = window_from_query(request.GET)
    context = {
        "organization": organization,
        "form": form,
        "live": True,
        **organization_overview(organization, window),
    }
    template = "dashboards/_panels.html" if request.htmx else "dashboards/organization.html"
    return render(request, template, context)


@org_page()
def error_records(request, organization, workflow_pk, pattern_hash):
    workflow = get_object_or_404(Workflow.objects.for_organization(organization), pk=workflow_pk)
    window, _ = window_from_query(request.GET)
    runs = selectors.error_pattern_runs(organization, workflow=workflow, key=pattern_hash, window=window)
    records = selectors.error_pattern_records(organization, runs=runs, key=pattern_hash)
    context = {
        "organization": organization,
        "workflow": workflow,
        "window": window,
        "pattern": runs[0].pattern if runs else "",
        "affected": sum(r.count for r in runs),
        "runs": runs,
        "records": records,
    }
    return render(request, "dashboards/error_records.html", context)


@staff_page
def platform_dashboard(request):
    window, form = window_from_query(request.GET)
    context = {"form": form, **platform_overview(timezone.now(), window)}
    return render(request, "dashboards/platform.html", context)


@staff_page
def platform_organization(request, org_slug):
    organization = get_object_or_404(Organization, slug=org_slug)
    window, form = window_from_query(request.GET)
    platform_drilldown_record(organization=organization, actor=request.user, window=window)
    context = {
        "organization": organization,
        "form": form,
        "read_only": True,
        **organization_overview(organization, window),
    }
    return render(request, "dashboards/organization.html", context)
