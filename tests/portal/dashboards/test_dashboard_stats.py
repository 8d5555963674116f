"""The aggregates follow the runs through `run_completed`: idempotent, recounted when a lost run reports."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from portal.dashboards.models import DailyWorkflowStats, ErrorPattern, RunErrorPattern, RunStats
from portal.dashboards.patterns import pattern_hash
from portal.dashboards.services import stats_run_record
from portal.runs.models import Run, SnapshotBatch, SnapshotRecord
from tests.portal.dashboards.seed import NODE, run_complete, run_make, workflow_make

pytestmark = pytest.mark.django_db
TAX = 'Tax Group "…" does not exist.'


@pytest.fixture
def finish(django_capture_on_commit_callbacks):
    """Complete a run and run what its commit triggers (the signal, then the UI event)."""

    def complete(run, status):
        with django_capture_on_commit_callbacks(execute=True):
            return run_complete(run, status)

    return complete


@pytest.fixture
def workflow(acme, alice):
    return workflow_make(organization=acme, owner=alice)


def _daily(workflow):
    return DailyWorkflowStats.objects.get(workflow=workflow)


def _patterns(workflow):
    return {p.pattern: p.count for p in ErrorPattern.objects.filter(workflow=workflow)}


def test_it_counts_a_run_when_it_completes(workflow, finish):
    created = timezone.now() - timedelta(hours=1)
    run = run_make(
        workflow=workflow, created_at=created, succeeded=5, skipped=2, warnings=1, duration_s=16,
        failed=['Tax Group "ZZ" does not exist.', 'Tax Group "QC" does not exist.', "Customer 1001 is locked."],
    )  # fmt: skip
    finish(run, "completed_with_errors")

    daily = _daily(workflow)
    assert daily.day == created.date()
    assert daily.counts() == {
        "runs_succeeded": 0, "runs_completed_with_errors": 1, "runs_failed": 0, "runs_cancelled": 0,
        "runs_lost": 0, "records_read": 11, "records_succeeded": 5, "records_failed": 3, "records_skipped": 2,
        "records_warnings": 1, "records_read_timed": 11, "duration_seconds_total": 16.0,
    }  # fmt: skip
    assert _patterns(workflow) == {TAX: 2, "Customer # is locked.": 1}
    tax = ErrorPattern.objects.get(workflow=workflow, pattern=TAX)
    assert (tax.example_run_id, tax.pattern_hash) == (run.pk, pattern_hash(TAX))
    assert tax.example_message in ('Tax Group "ZZ" does not exist.', 'Tax Group "QC" does not exist.')
    stats = RunStats.objects.get(run=run)
    assert (stats.status, stats.successful, stats.records_per_second) == (
        "completed_with_errors",
        True,
        11 / 16,
    )


def test_it_counts_a_run_once_however_often_it_is_reported(workflow, finish):
    run = finish(
        run_make(workflow=workflow, created_at=timezone.now(), succeeded=3, failed=["Boom 1"]), "succeeded"
    )

    assert stats_run_record(run_id=run.pk) is False
    assert stats_run_record(run_id=run.pk) is False
    call_command("dashboards_recount", stdout=open("/dev/null", "w"))  # noqa: SIM115

    daily = _daily(workflow)
    assert (daily.runs_succeeded, daily.records_read, daily.records_failed) == (1, 4, 1)
    assert _patterns(workflow) == {"Boom #": 1}
    assert RunErrorPattern.objects.filter(run=run).count() == 1


def test_it_recounts_a_lost_run_that_reports_its_true_status(workflow, finish):
    run = run_make(workflow=workflow, created_at=timezone.now(), succeeded=2, failed=["Timeout after 30 s"],
                   duration_s=None)  # fmt: skip
    finish(run, "lost")
    daily = _daily(workflow)
    assert (daily.runs_lost, daily.runs_succeeded, daily.records_read, daily.duration_seconds_total) == (
        1,
        0,
        3,
        0,
    )
    assert _patterns(workflow) == {"Timeout after # s": 1}

    # The agent comes back: the rest of its records and its true final status land.
    Run.objects.filter(pk=run.pk).update(
        records_read=10,
        records_succeeded=8,
        records_failed=2,
        finished_at=run.started_at + timedelta(seconds=20),
    )
    SnapshotRecord.objects.create(
        organization=run.organization, run=run, node_id=NODE, seq=2, record_key="late", status="failed",
        message="Timeout after 31 s",
    )  # fmt: skip
    finish(run, "running")  # a late report reopens it, which counts nothing
    finish(Run.objects.get(pk=run.pk), "completed_with_errors")

    daily = _daily(workflow)
    assert (daily.runs_lost, daily.runs_completed_with_errors) == (0, 1)
    assert (daily.records_read, daily.records_succeeded, daily.records_failed) == (10, 8, 2)
    assert daily.duration_seconds_total == 20
    assert _patterns(workflow) == {"Timeout after # s": 2}
    assert RunStats.objects.get(run=run).status == "completed_with_errors"


def test_it_removes_a_pattern_that_no_run_has_any_more(workflow, finish):
    run = finish(
        run_make(workflow=workflow, created_at=timezone.now(), failed=["Only once"], duration_s=None), "lost"
    )
    assert _patterns(workflow) == {"Only once": 1}
    run.records.update(status="success", message="fixed")
    Run.objects.filter(pk=run.pk).update(records_failed=0, records_succeeded=1)
    finish(Run.objects.get(pk=run.pk), "succeeded")

    assert _patterns(workflow) == {}
    assert _daily(workflow).records_failed == 0


def test_it_finds_the_failures_of_every_node_that_sent_batches(workflow, finish):
    """Patterns are read node by node (the batches name them), post-tasks' failures included."""
    run = run_make(
        workflow=workflow, created_at=timezone.now(), failed=["Timeout after 30 s"], duration_s=None
    )
    for seq, node in enumerate([NODE, "address_update"], start=1):
        SnapshotBatch.objects.create(organization=run.organization, run=run, node_id=node, seq=seq, records=1)
    SnapshotRecord.objects.create(
        organization=run.organization, run=run, node_id="address_update", seq=2, record_key="a1",
        status="failed", message="Timeout after 45 s",
    )  # fmt: skip
    finish(run, "completed_with_errors")
    assert _patterns(workflow) == {"Timeout after # s": 2}


def test_it_keeps_workflows_and_days_apart(acme, alice, workflow, finish):
    other = workflow_make(organization=acme, owner=alice, template="customer_add")
    today = timezone.now()
    for created, wf, ok in [(today, workflow, 1), (today, workflow, 2), (today - timedelta(days=1), workflow, 4),
                            (today, other, 8)]:  # fmt: skip
        finish(run_make(workflow=wf, created_at=created, succeeded=ok), "succeeded")

    sums = {
        (d.workflow_id, d.day): (d.runs_succeeded, d.records_succeeded)
        for d in DailyWorkflowStats.objects.filter(organization=acme)
    }
    assert sums == {
        (workflow.pk, today.date()): (2, 3),
        (workflow.pk, (today - timedelta(days=1)).date()): (1, 4),
        (other.pk, today.date()): (1, 8),
    }


def test_it_counts_cancelled_and_failed_runs_without_records(workflow, finish):
    finish(run_make(workflow=workflow, created_at=timezone.now(), duration_s=None), "cancelled")
    finish(run_make(workflow=workflow, created_at=timezone.now(), duration_s=None), "failed")

    daily = _daily(workflow)
    assert (daily.runs_cancelled, daily.runs_failed, daily.records_read) == (1, 1, 0)


def test_it_sends_a_stats_event_to_the_organizations_browsers(workflow, finish, acme, monkeypatch):
    sent = []
    monkeypatch.setattr(
        "portal.dashboards.services.ui_event_on_commit",
        lambda org, kind, data: sent.append((org, kind, data)),
    )
    run = finish(run_make(workflow=workflow, created_at=timezone.now(), succeeded=1), "succeeded")

    assert sent == [(acme.pk, "stats", {"run": str(run.pk), "workflow": workflow.pk, "status": "succeeded"})]


def test_a_post_task_failure_is_found_when_only_its_node_counts_it(workflow, finish):
    """Runs whose counts name no failure skip reading their records; a post-task's count is enough."""
    run = run_make(workflow=workflow, created_at=timezone.now(), succeeded=1, duration_s=None)
    SnapshotBatch.objects.create(
        organization=run.organization, run=run, node_id="address_update", seq=2, records=1
    )
    SnapshotRecord.objects.create(
        organization=run.organization, run=run, node_id="address_update", seq=2, record_key="a1",
        status="failed", message="Timeout after 45 s",
    )  # fmt: skip
    Run.objects.filter(pk=run.pk).update(counts={**run.counts, "address_update": {"read": 1, "failed": 1}})
    run.refresh_from_db()
    finish(run, "completed_with_errors")
    assert _patterns(workflow) == {"Timeout after # s": 1}

    clean = run_make(workflow=workflow, created_at=timezone.now(), succeeded=2, duration_s=None)
    finish(clean, "succeeded")
    assert _patterns(workflow) == {"Timeout after # s": 1}
    assert _daily(workflow).runs_succeeded == 1
