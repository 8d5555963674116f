"""Writes for the dashboards: keep the aggregates equal to what the runs say.

`stats_run_record` is called for every `run_completed` event. It is idempotent: a run counted
before is recounted only when it changed (a `lost` run that later reports its true status),
and then its old contribution is subtracted before the new one is added.
"""

from django.db import connection, transaction
from django.db.models import Count, F, Min

from portal.dashboards.models import (
    COUNT_FIELDS,
    DailyWorkflowStats,
    ErrorPattern,
    RunErrorPattern,
    RunStats,
)
from portal.dashboards.patterns import message_pattern, pattern_hash
from portal.realtime import ui_event_on_commit
from portal.rows import row_or_none
from portal.runs.models import FINAL_STATUSES, Run, RunStatus, SnapshotBatch, SnapshotRecord
from portal.tenants.services import audit_record

COUNTED_STATUSES = {*FINAL_STATUSES, RunStatus.LOST}
SUCCESSFUL_STATUSES = {RunStatus.SUCCEEDED, RunStatus.COMPLETED_WITH_ERRORS}


def run_contribution(run: Run) -> dict:
    """The additive counts one run brings to its workflow's day (all zero when it is not final)."""
    counts = dict.fromkeys(COUNT_FIELDS, 0)
    if run.status not in COUNTED_STATUSES:
        return counts
    counts[f"runs_{run.status}"] = 1
    for name in ("read", "succeeded", "failed", "skipped", "warnings"):
        counts[f"records_{name}"] = getattr(run, f"records_{name}")
    duration = run.duration_s
    if duration is not None and duration > 0:
        counts["duration_seconds_total"] = duration
        counts["records_read_timed"] = run.records_read
    return counts


def run_error_patterns(run: Run) -> dict[str, dict]:
    """The run's failed records by message pattern; grouped by message in SQL, so bounded by messages."""
    if run.status not in COUNTED_STATUSES:
        return {}
    if (
        run.status != RunStatus.LOST
        and run.counts
        and not any(isinstance(node, dict) and node.get("failed") for node in run.counts.values())
    ):
        # The agent's final counts, node by node, name no failure: no record of the run failed.
        # (Most runs; a lost run's counts may be partial, and records written without counts, as
        # seeds are, have none, so those are still read.)
        return {}
    # By node as well: the (run, node_id, status) index then reads only the failed records, where
    # (run, status) alone scanned the whole run (325 → 173 ms for a 400,000-record run; this runs
    # in the agent's socket thread as its run.finished lands). The batches name the run's nodes.
    nodes = list(SnapshotBatch.objects.filter(run=run).values_list("node_id", flat=True).distinct())
    by_node = {"node_id__in": nodes} if nodes else {}  # records written without batches: seeds
    rows = (
        SnapshotRecord.objects.for_organization(run.organization_id)
        .filter(run=run, status="failed", **by_node)
        .values("message")
        .annotate(n=Count("id"), example=Min("record_key"))
        .order_by()
    )
    patterns: dict[str, dict] = {}
    for row in rows:
        pattern = message_pattern(row["message"])
        key = pattern_hash(pattern)
        entry = patterns.setdefault(
            key, {"pattern": pattern, "count": 0, "example_record_key": row["example"], "example_message": ""}
        )
        entry["count"] += row["n"]
        entry["example_message"] = entry["example_message"] or row["message"][:1000]
    return patterns


def stats_run_record(*, run_id) -> bool:
    """Count the run as it is now in the dashboards' aggregates; True when anything changed."""
    with transaction.atomic():
        # Locking the run serialises two recounts of the same run (a lost one and its late report).
        run = row_or_none(Run.objects.select_for_update().filter(pk=run_id))
        if run is None:
            return False
        old = row_or_none(RunStats.objects.filter(run=run))
        counts = run_contribution(run)
        if old is not None and _unchanged(old, run, counts):
            return False
        if old is not None:
            _daily_add(old, old.counts(), sign=-1)
            _patterns_remove(old)
        stats = _run_stats_save(old, run, counts)
        _daily_add(stats, counts, sign=1)
        _patterns_add(stats, run_error_patterns(run))
        ui_event_on_commit(
            run.organization_id,
            "stats",
            {"run": str(run.pk), "workflow": run.workflow_id, "status": run.status},
        )
    return True


def _unchanged(old: RunStats, run: Run, counts: dict) -> bool:
    return (
        old.status == run.status
        and old.counts() == counts
        and old.finished_at == run.finished_at
        and old.cursor_after == run.cursor_after
    )


def _run_stats_save(old: RunStats | None, run: Run, counts: dict) -> RunStats:
    stats = old or RunStats(organization_id=run.organization_id, run=run)
    stats.workflow_id = run.workflow_id
    stats.status = run.status
    stats.successful = run.status in SUCCESSFUL_STATUSES
    stats.created_at = run.created_at
    stats.day = run.created_at.date()  # portal time is UTC
    stats.finished_at = run.finished_at
    stats.cursor_after = run.cursor_after
    for name, value in counts.items():
        setattr(stats, name, value)
    stats.save()
    return stats


def _daily_add(stats: RunStats, counts: dict, *, sign: int) -> None:
    """Add (or take away) a run's counts to its workflow's day: one upsert, so two runs of the
    same day ending at once both land without a read first."""
    changes = {name: sign * value for name, value in counts.items() if value}
    if not changes:
        return
    quote = connection.ops.quote_name
    table = quote(DailyWorkflowStats._meta.db_table)
    columns = ", ".join(map(quote, ["organization_id", "workflow_id", "day", *COUNT_FIELDS]))
    values = [stats.organization_id, stats.workflow_id, stats.day, *[changes.get(n, 0) for n in COUNT_FIELDS]]
    additions = ", ".join(f"{q} = {table}.{q} + EXCLUDED.{q}" for q in map(quote, changes))
    placeholders = ", ".join(["%s"] * len(values))
    with connection.cursor() as cursor:
        # PostgreSQL and SQLite (the embedded default) both speak ON CONFLICT … DO UPDATE.
        cursor.execute(
            f"INSERT INTO {table} ({columns}) VALUES ({placeholders}) "  # noqa: S608 - names from the model
            f'ON CONFLICT ("workflow_id", "day") DO UPDATE SET {additions}',
            values,
        )


def _patterns_remove(stats: RunStats) -> None:
    for old in RunErrorPattern.objects.filter(run_id=stats.run_id):
        ErrorPattern.objects.filter(
            workflow_id=old.workflow_id, day=old.day, pattern_hash=old.pattern_hash
        ).update(count=F("count") - old.count)
    ErrorPattern.objects.filter(organization_id=stats.organization_id, day=stats.day, count__lte=0).delete()
    RunErrorPattern.objects.filter(run_id=stats.run_id).delete()


def _patterns_add(stats: RunStats, patterns: dict[str, dict]) -> None:
    RunErrorPattern.objects.bulk_create(
        [
            RunErrorPattern(
                organization_id=stats.organization_id,
                run_id=stats.run_id,
                workflow_id=stats.workflow_id,
                created_at=stats.created_at,
                day=stats.day,
                pattern_hash=key,
                **entry,
            )
            for key, entry in patterns.items()
        ]
    )
    for key, entry in patterns.items():
        _pattern_count_add(stats, key, entry)


def _pattern_count_add(stats: RunStats, key: str, entry: dict) -> None:
    # A concurrent recount may delete the day's row once it reaches zero between our get and our
    # update: then the update finds nothing and the row is made again.
    while True:
        daily, _ = ErrorPattern.objects.get_or_create(
            workflow_id=stats.workflow_id,
            day=stats.day,
            pattern_hash=key,
            defaults={"organization_id": stats.organization_id, "pattern": entry["pattern"]},
        )
        updated = ErrorPattern.objects.filter(pk=daily.pk).update(
            count=F("count") + entry["count"],
            example_run_id=stats.run_id,
            example_record_key=entry["example_record_key"],
            example_message=entry["example_message"],
        )
        if updated:
            return


def platform_drilldown_record(*, organization, actor, window) -> None:
    """A staff member looked into this organization's dashboard: its members can see that they did."""
    audit_record(
        organization=organization,
        actor=actor,
        action="platform.drilldown",
        target=organization,
        data={"page": "dashboard", "range": window.query()},
    )
