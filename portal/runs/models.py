import uuid

from django.conf import settings
from django.db import models

from portal.runs.payloads import email_of, payload_pack, payload_unpack
from portal.tenants.scoping import TenantModel


class RunStatus(models.TextChoices):
    QUEUED = "queued"
    DISPATCHED = "dispatched"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    COMPLETED_WITH_ERRORS = "completed_with_errors"
    FAILED = "failed"
    CANCELLED = "cancelled"
    LOST = "lost"


FINAL_STATUSES = {RunStatus.SUCCEEDED, RunStatus.COMPLETED_WITH_ERRORS, RunStatus.FAILED, RunStatus.CANCELLED}


class Trigger(models.TextChoices):
    MANUAL = "manual"
    API = "api"
    SCHEDULE = "schedule"
    WEBHOOK = "webhook"
    REPROCESS = "reprocess"
    AGENT = "agent"
    AGENT_SCHEDULE = "agent_schedule"


class Run(TenantModel):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    workflow = models.ForeignKey("workflows.Workflow", on_delete=models.CASCADE, related_name="runs")
    version = models.ForeignKey("workflows.WorkflowVersion", on_delete=models.PROTECT, related_name="runs")
    plan_hash = models.CharField(max_length=64)
    agent = models.ForeignKey(
        "agents.Agent", null=True, blank=True, on_delete=models.SET_NULL, related_name="runs"
    )
    trigger = models.CharField(max_length=20, choices=Trigger.choices, default=Trigger.MANUAL)
    status = models.CharField(
        max_length=24, choices=RunStatus.choices, default=RunStatus.QUEUED, db_index=True
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reprocess_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="reprocesses"
    )
    record_ids = models.JSONField(null=True, blank=True)  # reprocess: only these source ids
    local_id = models.CharField(max_length=64, blank=True)  # the agent's id for a run it opened itself
    counts = models.JSONField(
        default=dict, blank=True
    )  # {node_id: {read, succeeded, failed, skipped, warnings}}
    records_read = models.IntegerField(default=0)
    records_succeeded = models.IntegerField(default=0)
    records_failed = models.IntegerField(default=0)
    records_skipped = models.IntegerField(default=0)
    records_warnings = models.IntegerField(default=0)
    cursor_before = models.CharField(max_length=64, blank=True)
    cursor_after = models.CharField(max_length=64, blank=True)
    error = models.TextField(blank=True)
    transitions = models.JSONField(default=list, blank=True)  # [{"status", "at"}]
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    dispatched_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    last_activity_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["organization", "-created_at"]),
            models.Index(fields=["agent", "status"]),
            # The queue's questions ("is a run of this workflow under way?", "which queued run is
            # next?") read only this handful of rows, however long the workflow's history.
            models.Index(
                fields=["workflow", "created_at"],
                condition=models.Q(status__in=["queued", "dispatched", "running"]),
                name="run_under_way_by_workflow",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["agent", "local_id"],
                condition=~models.Q(local_id=""),
                name="one_run_per_agent_local_id",
            ),
        ]

    def __str__(self) -> str:
        return f"run {self.pk} of {self.workflow_id} ({self.status})"

    @property
    def duration_s(self) -> float | None:
        if self.started_at and self.finished_at:
            return (self.finished_at - self.started_at).total_seconds()
        return None


class SnapshotBatch(TenantModel):
    """One `snapshot.batch` frame, unique by (run, node, seq): a resent batch is accepted exactly once."""

    run = models.ForeignKey(Run, on_delete=models.CASCADE, related_name="batches")
    node_id = models.CharField(max_length=64)
    seq = models.PositiveIntegerField()
    records = models.PositiveIntegerField(default=0)
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["run", "node_id", "seq"], name="one_batch_per_run_node_seq")
        ]


class SnapshotRecord(TenantModel):
    """What happened to one record at one node of a run (the Resync Bucket row and its File).

    No database foreign keys and no single-column indexes on `organization` and `run`: the
    deferred FK checks were a third of PostgreSQL's work per ingested record, and the indexes
    below start with `run` anyway. Integrity holds without them: records are only written in
    the transaction that inserts their SnapshotBatch, whose own foreign keys fail the whole
    batch if the run is gone, and Django's collector still deletes records with their run or
    organization (on_delete is applied by Django, not by the database).
    """

    organization = models.ForeignKey(
        "tenants.Organization",
        on_delete=models.CASCADE,
        related_name="runs_snapshotrecord_set",
        db_constraint=False,
        db_index=False,
    )
    run = models.ForeignKey(
        Run, on_delete=models.CASCADE, related_name="records", db_constraint=False, db_index=False
    )
    node_id = models.CharField(max_length=64)
    seq = models.PositiveIntegerField()
    record_key = models.CharField(max_length=128)
    source_id = models.CharField(max_length=128, blank=True)
    destination_id = models.CharField(max_length=128, blank=True)
    status = models.CharField(max_length=10)
    message = models.TextField(blank=True)
    tries = models.PositiveIntegerField(default=1)
    # The File (input, output, Sage response), compressed: see portal.runs.payloads. Read and
    # written through the `input`, `output` and `response` properties below.
    payload = models.BinaryField(null=True, blank=True)
    email = models.CharField(max_length=254, blank=True)  # the source customer's, for search
    duration_ms = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(fields=["run", "node_id", "id"]),
            models.Index(fields=["run", "node_id", "status", "id"]),
            models.Index(fields=["run", "source_id"]),
            models.Index(fields=["run", "destination_id"]),
            models.Index(fields=["run", "email"]),
        ]

    def _payloads(self) -> dict:
        parts = self.__dict__.get("_payload_parts")
        if parts is None:
            parts = self.__dict__["_payload_parts"] = payload_unpack(self.payload)
        return parts

    def _payload_set(self, part: str, value) -> None:
        parts = {**self._payloads(), part: value}
        self.__dict__["_payload_parts"] = parts
        self.payload = payload_pack(**parts)

    @property
    def input(self) -> dict | None:
        return self._payloads()["input"]

    @input.setter
    def input(self, value) -> None:
        self._payload_set("input", value)
        self.email = email_of(value)

    @property
    def output(self) -> dict | None:
        return self._payloads()["output"]

    @output.setter
    def output(self, value) -> None:
        self._payload_set("output", value)

    @property
    def response(self) -> dict | None:
        return self._payloads()["response"]

    @response.setter
    def response(self, value) -> None:
        self._payload_set("response", value)


class RunLog(TenantModel):
    run = models.ForeignKey(Run, on_delete=models.CASCADE, related_name="logs")
    node_id = models.CharField(max_length=64)
    ts = models.DateTimeField()
    level = models.CharField(max_length=10)
    message = models.TextField()

    class Meta:
        ordering = ["ts", "id"]
        indexes = [models.Index(fields=["run", "node_id", "ts"])]
