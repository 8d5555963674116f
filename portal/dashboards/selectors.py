"""Reads for the organization dashboard. Every function takes the organization first.

Only aggregates are read (`portal.dashboards.models`), plus agents and workflows: a page view
never counts snapshot records. A 24-hour window reads the per-run rows by hour; day windows
read the per-day rows.
"""

from datetime import UTC

from django.db.models import F, Max, OuterRef, Subquery, Sum
from django.db.models.functions import TruncHour

from portal.agents.models import Agent
from portal.agents.services import agent_is_online
from portal.dashboards.models import DailyWorkflowStats, ErrorPattern, RunErrorPattern, RunStats
from portal.dashboards.patterns import message_pattern, pattern_hash
from portal.dashboards.ranges import Window
from portal.dashboards.totals import SUMS, Totals
from portal.runs.models import SnapshotRecord
from portal.workflows.models import Workflow

TOP_ERRORS = 10
RECENT_RUNS = 8


def _stats(organization, window: Window):
    if window.grain == "hour":
        return RunStats.objects.for_organization(organization).filter(
            created_at__gte=window.since, created_at__lt=window.until
        )
    return DailyWorkflowStats.objects.for_organization(organization).filter(
        day__gte=window.first_day, day__lte=window.last_day
    )


def _patterns(organization, window: Window):
    if window.grain == "hour":
        return RunErrorPattern.objects.for_organization(organization).filter(
            created_at__gte=window.since, created_at__lt=window.until
        )
    return ErrorPattern.objects.for_organization(organization).filter(
        day__gte=window.first_day, day__lte=window.last_day
    )


def dashboard_totals(organization, window: Window) -> Totals:
    return Totals.of(_stats(organization, window).aggregate(**SUMS))


def dashboard_series(organization, window: Window) -> list[tuple]:
    """(bucket, Totals) for every hour or day of the window, empty ones included."""
    stats = _stats(organization, window)
    if window.grain == "hour":
        grouped = stats.annotate(bucket=TruncHour("created_at", tzinfo=UTC)).values("bucket")
    else:
        grouped = stats.annotate(bucket=F("day")).values("bucket")
    rows = {row["bucket"]: Totals.of(row) for row in grouped.annotate(**SUMS).order_by()}
    return [(bucket, rows.get(bucket, Totals.of(None))) for bucket in window.buckets()]


def dashboard_workflows(organization, window: Window) -> list[dict]:
    """Every workflow with its totals in the window and its last successful sync (ever)."""
    grouped = _stats(organization, window).values("workflow_id").annotate(**SUMS).order_by()
    sums = {row["workflow_id"]: Totals.of(row) for row in grouped}
    last_sync = RunStats.objects.filter(
        workflow=OuterRef("pk"), successful=True, finished_at__isnull=False
    ).order_by("-finished_at")
    workflows = Workflow.objects.for_organization(organization).annotate(
        last_sync_at=Subquery(last_sync.values("finished_at")[:1]),
        last_cursor=Subquery(last_sync.values("cursor_after")[:1]),
    )
    return [{"workflow": w, "totals": sums.get(w.pk, Totals.of(None))} for w in workflows]


def dashboard_top_errors(organization, window: Window, *, limit: int = TOP_ERRORS) -> list[dict]:
    rows = (
        _patterns(organization, window)
        .values("workflow_id", "workflow__name", "pattern_hash")
        .annotate(
            total=Sum("count"),
            pattern=Max("pattern"),
            example_message=Max("example_message"),
            last_day=Max("day"),
        )
        .order_by("-total", "pattern_hash")[:limit]
    )
    return list(rows)


def dashboard_agents(organization) -> list[dict]:
    return [
        {"agent": agent, "presence": agent_presence(agent)}
        for agent in Agent.objects.for_organization(organization)
    ]


def agent_presence(agent) -> str:
    if agent.detached_at is not None:
        return "detached"
    return "online" if agent_is_online(agent) else "offline"


def dashboard_recent_runs(organization, *, limit: int = RECENT_RUNS):
    """The latest finished runs with a duration: their records per second."""
    return (
        RunStats.objects.for_organization(organization)
        .filter(finished_at__isnull=False, duration_seconds_total__gt=0)
        .select_related("workflow")
        .order_by("-finished_at")[:limit]
    )


def error_pattern_runs(organization, *, workflow, key: str, window: Window, limit: int = 50):
    """The latest runs of the window whose failed records carry this pattern, newest first."""
    return list(
        RunErrorPattern.objects.for_organization(organization)
        .filter(
            workflow=workflow, pattern_hash=key, created_at__gte=window.since, created_at__lt=window.until
        )
        .select_related("run")
        .order_by("-created_at")[:limit]
    )


def error_pattern_records(organization, *, runs: list, key: str, limit: int = 100) -> list:
    """Failed records of these runs whose message has this pattern (messages matched once each)."""
    records = SnapshotRecord.objects.for_organization(organization).filter(
        run_id__in=[r.run_id for r in runs], status="failed"
    )
    messages = [
        message
        for message in records.values_list("message", flat=True).distinct().order_by()
        if _pattern_hash(message) == key
    ]
    return list(
        records.filter(message__in=messages)
        .select_related("run")
        .defer("payload")
        .order_by("-run__created_at", "id")[:limit]
    )


def _pattern_hash(message: str) -> str:
    return pattern_hash(message_pattern(message))
