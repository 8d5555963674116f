"""Reads for the platform-admin dashboard, across every organization.

Unscoped on purpose: only staff reach these (see `access.staff_page`), and each function is
named `unscoped_*` so no tenant page picks one up by accident.
"""

from collections import Counter
from datetime import UTC, datetime

from django.db.models import Count
from django.db.models.functions import TruncHour

from portal.agents.models import Agent
from portal.dashboards.models import DailyWorkflowStats, RunStats
from portal.dashboards.ranges import Window, window_hours
from portal.dashboards.selectors import agent_presence
from portal.dashboards.totals import SUMS, Totals
from portal.runs.models import Run, RunStatus
from portal.tenants.models import Membership, Organization
from portal.workflows.models import Workflow

SLOWEST = 10

# Runs per hour are stacked by these groups of statuses (a run still going counts as in progress).
STATUS_GROUPS = {
    RunStatus.SUCCEEDED: "succeeded",
    RunStatus.COMPLETED_WITH_ERRORS: "completed_with_errors",
    RunStatus.FAILED: "failed",
    RunStatus.LOST: "lost",
    RunStatus.CANCELLED: "cancelled",
    RunStatus.QUEUED: "in_progress",
    RunStatus.DISPATCHED: "in_progress",
    RunStatus.RUNNING: "in_progress",
}


def unscoped_stats(window: Window):
    if window.grain == "hour":
        return RunStats.objects.filter(created_at__gte=window.since, created_at__lt=window.until)
    return DailyWorkflowStats.objects.filter(day__gte=window.first_day, day__lte=window.last_day)


def unscoped_organizations(window: Window) -> list[dict]:
    """Every organization with its members, agents (online), workflows and run totals in the window."""
    members = _count_by_organization(Membership.objects.all())
    workflows = _count_by_organization(Workflow.objects.all())
    agents, online = Counter(), Counter()
    for agent in Agent.objects.only("organization_id", "online", "last_seen_at", "detached_at"):
        agents[agent.organization_id] += 1
        online[agent.organization_id] += agent_presence(agent) == "online"
    stats = {
        row["organization_id"]: Totals.of(row)
        for row in unscoped_stats(window).values("organization_id").annotate(**SUMS).order_by()
    }
    return [
        {
            "organization": organization,
            "members": members[organization.pk],
            "workflows": workflows[organization.pk],
            "agents": agents[organization.pk],
            "agents_online": online[organization.pk],
            "totals": stats.get(organization.pk, Totals.of(None)),
        }
        for organization in Organization.objects.order_by("name")
    ]


def _count_by_organization(queryset) -> Counter:
    rows = queryset.values("organization_id").annotate(n=Count("id")).order_by()
    return Counter({row["organization_id"]: row["n"] for row in rows})


def unscoped_runs_per_hour(now: datetime) -> list[tuple[datetime, Counter]]:
    """Runs created in each of the last 24 hours, by status group (from the runs table: 24 h is small)."""
    window = window_hours(now)
    rows = (
        Run.objects.filter(created_at__gte=window.since, created_at__lt=window.until)
        .annotate(hour=TruncHour("created_at", tzinfo=UTC))
        .values("hour", "status")
        .annotate(n=Count("id"))
        .order_by()
    )
    by_hour: dict[datetime, Counter] = {}
    for row in rows:
        by_hour.setdefault(row["hour"], Counter())[STATUS_GROUPS.get(row["status"], "in_progress")] += row[
            "n"
        ]
    return [(hour, by_hour.get(hour, Counter())) for hour in window.buckets()]


def unscoped_slowest_runs(window: Window, *, limit: int = SLOWEST):
    return (
        RunStats.objects.filter(finished_at__gte=window.since, finished_at__lt=window.until)
        .filter(duration_seconds_total__gt=0)
        .select_related("organization", "workflow")
        .order_by("-duration_seconds_total")[:limit]
    )
