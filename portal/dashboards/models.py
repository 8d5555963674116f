"""Aggregates the dashboards read instead of counting snapshot records on every page view.

`RunStats` is one run's contribution as it was counted; `DailyWorkflowStats` is the sum of the
contributions of one workflow's runs created that day (UTC). `RunErrorPattern` / `ErrorPattern`
do the same for failed records grouped by their normalised message. Recounting a run subtracts
its old contribution before adding the new one, so the daily sums always equal the per-run rows.
"""

from django.db import models

from portal.tenants.scoping import TenantModel

COUNT_FIELDS = (
    "runs_succeeded",
    "runs_completed_with_errors",
    "runs_failed",
    "runs_cancelled",
    "runs_lost",
    "records_read",
    "records_succeeded",
    "records_failed",
    "records_skipped",
    "records_warnings",
    "records_read_timed",
    "duration_seconds_total",
)


class Counts(models.Model):
    """Additive columns shared by one run's contribution and a day's sum."""

    runs_succeeded = models.IntegerField(default=0)
    runs_completed_with_errors = models.IntegerField(default=0)
    runs_failed = models.IntegerField(default=0)
    runs_cancelled = models.IntegerField(default=0)
    runs_lost = models.IntegerField(default=0)
    records_read = models.BigIntegerField(default=0)
    records_succeeded = models.BigIntegerField(default=0)
    records_failed = models.BigIntegerField(default=0)
    records_skipped = models.BigIntegerField(default=0)
    records_warnings = models.BigIntegerField(default=0)
    # Throughput divides the records of runs that have a duration by that duration (lost runs have none).
    records_read_timed = models.BigIntegerField(default=0)
    duration_seconds_total = models.FloatField(default=0)

    class Meta:
        abstract = True

    def counts(self) -> dict:
        return {name: getattr(self, name) for name in COUNT_FIELDS}

    @property
    def records_per_second(self) -> float | None:
        return self.records_read_timed / self.duration_seconds_total if self.duration_seconds_total else None


class RunStats(TenantModel, Counts):
    """The contribution of one run, recorded when it reached a final status (or `lost`)."""

    run = models.OneToOneField("runs.Run", on_delete=models.CASCADE, related_name="stats")
    workflow = models.ForeignKey("workflows.Workflow", on_delete=models.CASCADE, related_name="+")
    status = models.CharField(max_length=24)
    successful = models.BooleanField(default=False)  # succeeded or completed_with_errors: a sync happened
    created_at = models.DateTimeField()  # the run's, which places it on the time axis
    day = models.DateField()
    finished_at = models.DateTimeField(null=True, blank=True)
    cursor_after = models.CharField(max_length=64, blank=True)
    counted_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [
            models.Index(fields=["organization", "created_at"]),
            models.Index(fields=["organization", "-finished_at"]),
            models.Index(fields=["workflow", "successful", "-finished_at"]),
            models.Index(fields=["-duration_seconds_total"]),
            models.Index(fields=["finished_at"]),
        ]

    def __str__(self) -> str:
        return f"stats of run {self.run_id} ({self.status})"


class DailyWorkflowStats(TenantModel, Counts):
    workflow = models.ForeignKey("workflows.Workflow", on_delete=models.CASCADE, related_name="+")
    day = models.DateField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["workflow", "day"], name="one_daily_stats_per_workflow_day")
        ]
        indexes = [models.Index(fields=["organization", "day"]), models.Index(fields=["day"])]

    def __str__(self) -> str:
        return f"stats of workflow {self.workflow_id} on {self.day}"


class PatternFields(models.Model):
    pattern_hash = models.CharField(max_length=32)
    pattern = models.CharField(max_length=300)
    count = models.IntegerField(default=0)
    example_record_key = models.CharField(max_length=128, blank=True)
    example_message = models.TextField(blank=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.pattern} ×{self.count}"


class RunErrorPattern(TenantModel, PatternFields):
    """How many of one run's failed records carry this message pattern."""

    run = models.ForeignKey("runs.Run", on_delete=models.CASCADE, related_name="+")
    workflow = models.ForeignKey("workflows.Workflow", on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField()  # the run's
    day = models.DateField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["run", "pattern_hash"], name="one_error_pattern_per_run")
        ]
        indexes = [
            models.Index(fields=["organization", "created_at"]),
            models.Index(fields=["workflow", "pattern_hash", "-created_at"]),
        ]


class ErrorPattern(TenantModel, PatternFields):
    """Failed records of one workflow on one day with this message pattern."""

    workflow = models.ForeignKey("workflows.Workflow", on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    example_run = models.ForeignKey(
        "runs.Run", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["workflow", "day", "pattern_hash"], name="one_error_pattern_per_workflow_day"
            )
        ]
        indexes = [models.Index(fields=["organization", "day"])]
