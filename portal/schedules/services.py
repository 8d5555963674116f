"""Workflow schedules: saved with a Celery beat entry kept in step, and fired by it.

The beat entry is a django-celery-beat PeriodicTask calling `schedules.fire` with the schedule's
id; beat (DatabaseScheduler) notices every change to it without a restart.
"""

from __future__ import annotations

import functools
import json
import zoneinfo
from datetime import datetime, timedelta

from celery.schedules import crontab
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django_celery_beat.models import CrontabSchedule, IntervalSchedule, PeriodicTask
from django_celery_beat.validators import crontab_validator

from portal.runs.models import Trigger
from portal.runs.services import run_not_started, run_request
from portal.schedules.cron import cron_next
from portal.schedules.models import Schedule, ScheduleMode
from portal.tenants.services import audit_record
from portal.workflows.models import Workflow

TASK = "schedules.fire"
MAX_EVERY_MINUTES = 7 * 24 * 60  # a week; longer than that is a cron expression's job
CRON_FIELDS = ("minute", "hour", "day_of_month", "month_of_year", "day_of_week")


@functools.cache
def time_zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())  # read from disk: once


def schedule_problems(*, mode: str, every_minutes, cron: str, timezone_name: str) -> dict[str, str]:
    """What is wrong with a schedule, by field (empty when it can be saved)."""
    problems: dict[str, str] = {}
    if mode == ScheduleMode.INTERVAL:
        if not isinstance(every_minutes, int) or isinstance(every_minutes, bool):
            problems["every_minutes"] = "Say how many minutes apart the runs start (a whole number)."
        elif not 1 <= every_minutes <= MAX_EVERY_MINUTES:
            problems["every_minutes"] = (
                f"Runs can start every 1 to {MAX_EVERY_MINUTES:,} minutes; use a cron expression beyond a week."
            )
    elif mode == ScheduleMode.CRON:
        fields = cron.split()
        if len(fields) != len(CRON_FIELDS):
            problems["cron"] = (
                "A cron expression has five fields: minute hour day-of-month month day-of-week "
                "(for example `0 6 * * 1-5`, 06:00 on weekdays)."
            )
        else:
            try:
                crontab_validator(" ".join(fields))
                crontab(
                    **dict(zip(CRON_FIELDS, fields, strict=True))
                )  # celery also refuses days that never occur
            except ValidationError as exc:
                problems["cron"] = f"This cron expression is not valid: {exc.messages[0]}."
            except ValueError as exc:
                problems["cron"] = f"This cron expression is not valid: {exc}"
    else:
        problems["mode"] = "Choose `interval` (every N minutes) or `cron` (a cron expression)."
    if timezone_name not in time_zones():
        problems["timezone"] = f"{timezone_name!r} is not a time zone; use a name like Europe/Paris or UTC."
    return problems


@transaction.atomic
def schedule_save(
    *,
    workflow: Workflow,
    actor,
    mode: str,
    every_minutes: int | None = None,
    cron: str = "",
    timezone_name: str = "UTC",
    enabled: bool = True,
) -> Schedule:
    cron = " ".join((cron or "").split())
    problems = schedule_problems(
        mode=mode, every_minutes=every_minutes, cron=cron, timezone_name=timezone_name
    )
    if problems:
        raise ValidationError(problems)
    schedule = (
        Schedule.objects.for_organization(workflow.organization)
        .select_for_update()
        .filter(workflow=workflow)
        .first()
    ) or Schedule(organization=workflow.organization, workflow=workflow)
    schedule.mode = mode
    schedule.every_minutes = every_minutes if mode == ScheduleMode.INTERVAL else None
    schedule.cron = cron if mode == ScheduleMode.CRON else ""
    schedule.timezone = timezone_name
    schedule.enabled = enabled
    schedule.updated_by = actor if actor is not None and actor.is_authenticated else None
    schedule.save()
    schedule.periodic_task = _beat_entry_sync(schedule)
    schedule.save(update_fields=["periodic_task"])
    audit_record(
        organization=workflow.organization,
        actor=actor,
        action="schedule.saved",
        target=workflow,
        data={"schedule": schedule.describe()},
    )
    return schedule


def _beat_entry_sync(schedule: Schedule) -> PeriodicTask:
    task = schedule.periodic_task or PeriodicTask(name=f"ferry-schedule-{schedule.pk}", task=TASK)
    task.kwargs = json.dumps({"schedule_id": schedule.pk})
    task.enabled = schedule.enabled
    task.description = f"{schedule.workflow.name} ({schedule.organization.slug}): {schedule.describe()}"
    if schedule.mode == ScheduleMode.INTERVAL:
        task.interval, task.crontab = (
            _first_or_create(IntervalSchedule, every=schedule.every_minutes, period=IntervalSchedule.MINUTES),
            None,
        )
    else:
        fields = dict(zip(CRON_FIELDS, schedule.cron.split(), strict=True))
        task.crontab = _first_or_create(CrontabSchedule, **fields, timezone=schedule.timezone)
        task.interval = None
    task.save()
    return task


def _first_or_create(model, **fields):
    # Not get_or_create: django-celery-beat has no unique constraint on these rows, so duplicates
    # (two saves at once, the admin) exist and get_or_create would raise on them.
    return model.objects.filter(**fields).first() or model.objects.create(**fields)


@transaction.atomic
def schedule_delete(*, workflow: Workflow, actor) -> bool:
    """The workflow goes back to Manual; False when it had no schedule."""
    schedule = Schedule.objects.for_organization(workflow.organization).filter(workflow=workflow).first()
    if schedule is None:
        return False
    described = schedule.describe()
    schedule.delete()  # its beat entry goes with it (portal.schedules.receivers)
    audit_record(
        organization=workflow.organization,
        actor=actor,
        action="schedule.deleted",
        target=workflow,
        data={"schedule": described},
    )
    return True


@transaction.atomic
def schedule_fire(*, schedule_id: int) -> Schedule | None:
    """One tick: start a `schedule` run, or join the run not started yet, or say why not."""
    # Unscoped on purpose: beat carries only the id; the organization comes from the row itself.
    found = Schedule.objects.filter(pk=schedule_id).values_list("workflow_id", flat=True).first()
    if found is None:
        return None
    # The workflow first, then the schedule: the order workflow_delete takes them in.
    workflow = Workflow.objects.select_for_update(of=("self",)).filter(pk=found).first()
    schedule = (
        Schedule.objects.select_for_update(of=("self",))
        .select_related("organization")
        .filter(pk=schedule_id)
        .first()
    )
    if workflow is None or schedule is None or not schedule.enabled:
        return schedule
    pending = run_not_started(organization=schedule.organization, workflow=workflow)
    if pending is not None:
        schedule.last_run, schedule.last_outcome = pending, "joined the run not started yet"
    else:
        try:
            schedule.last_run = run_request(workflow=workflow, actor=None, trigger=Trigger.SCHEDULE)
            schedule.last_outcome = "started a run"
        except ValidationError as exc:  # inactive, unpublished, no agent: said on the schedule, not retried
            schedule.last_run, schedule.last_outcome = None, f"skipped: {exc.messages[0]}"
    schedule.last_fired_at = timezone.now()
    schedule.save(update_fields=["last_run", "last_outcome", "last_fired_at"])
    return schedule


def schedule_next_at(schedule: Schedule | None, now: datetime | None = None) -> datetime | None:
    """When beat will fire next (None for a paused schedule or none at all)."""
    if schedule is None or not schedule.enabled:
        return None
    now = now or timezone.now()
    if schedule.mode == ScheduleMode.INTERVAL:
        task = schedule.periodic_task
        # beat writes last_run_at back only every few minutes; the tick itself records last_fired_at
        last = max(
            t for t in (task.last_run_at if task else None, schedule.last_fired_at, schedule.updated_at) if t
        )
        return max(now, last + timedelta(minutes=schedule.every_minutes or 0))
    return cron_next(schedule.cron.split(), schedule.timezone, now)
