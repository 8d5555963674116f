from django.conf import settings
from django.db import models

from portal.tenants.scoping import TenantModel


class ScheduleMode(models.TextChoices):
    INTERVAL = "interval", "Every N minutes"
    CRON = "cron", "Cron expression"


class Schedule(TenantModel):
    """When a workflow runs by itself (trigger `schedule`). A workflow without one is Manual.

    Celery beat fires it through a django-celery-beat PeriodicTask kept in step by
    portal.schedules.services; the PeriodicTask is an implementation detail users never edit.
    `last_fired_at` and `last_outcome` say what the latest tick did (started, joined or skipped).
    """

    workflow = models.OneToOneField("workflows.Workflow", on_delete=models.CASCADE, related_name="schedule")
    mode = models.CharField(max_length=10, choices=ScheduleMode.choices)
    every_minutes = models.PositiveIntegerField(null=True, blank=True)
    cron = models.CharField(max_length=120, blank=True)  # minute hour day-of-month month day-of-week
    timezone = models.CharField(max_length=64, default="UTC")
    enabled = models.BooleanField(default=True)
    periodic_task = models.OneToOneField(
        "django_celery_beat.PeriodicTask", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    last_fired_at = models.DateTimeField(null=True, blank=True)
    last_outcome = models.CharField(max_length=300, blank=True)
    last_run = models.ForeignKey(
        "runs.Run", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"schedule of workflow {self.workflow_id}: {self.describe()}"

    def describe(self) -> str:
        if self.mode == ScheduleMode.INTERVAL:
            every = self.every_minutes or 0
            text = "every minute" if every == 1 else f"every {every} minutes"
        else:
            text = f"cron {self.cron} ({self.timezone})"
        return text if self.enabled else f"{text}, paused"
