import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q

from portal.tenants.scoping import TenantModel

USER = settings.AUTH_USER_MODEL


class Template(models.TextChoices):
    CUSTOMER_ADD = "customer_add", "Customer Add"
    CUSTOMER_UPDATE = "customer_update", "Customer Update"


class VersionState(models.TextChoices):
    DRAFT = "draft", "Draft"
    GENERATED = "generated", "Generated"
    PUBLISHED = "published", "Published"
    RETIRED = "retired", "Retired"


class Workflow(TenantModel):
    """A named integration. Its versions hold the designs; at most one version is published.

    `revision` grows with every change to the workflow or its versions: a caller that sends the
    revision it loaded learns, with a conflict, that someone else changed things meanwhile.
    `last_change` and `changed_by`/`changed_at` say what that change was.
    """

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(max_length=80)
    template = models.CharField(max_length=32, choices=Template.choices)
    agent = models.ForeignKey(
        "agents.Agent", null=True, blank=True, on_delete=models.SET_NULL, related_name="workflows"
    )
    is_active = models.BooleanField(default=True)
    revision = models.PositiveIntegerField(default=1)
    last_change = models.CharField(max_length=120, blank=True)
    changed_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    changed_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "name"], name="workflow_name_unique_per_org")
        ]

    def __str__(self) -> str:
        return self.name


class WorkflowVersion(TenantModel):
    """One numbered design of a workflow and, once generated, its immutable plan.

    States and their transitions are declared in `portal.workflows.lifecycle`.
    """

    workflow = models.ForeignKey(Workflow, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    state = models.CharField(max_length=16, choices=VersionState.choices, default=VersionState.DRAFT)
    design = models.JSONField(default=dict)
    plan_json = models.TextField(blank=True, default="")
    plan_hash = models.CharField(max_length=64, blank=True, default="")
    created_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    saved_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    saved_at = models.DateTimeField(null=True, blank=True)
    generated_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    generated_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    published_at = models.DateTimeField(null=True, blank=True)
    retired_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    retired_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["workflow", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["workflow", "number"], name="version_number_unique_per_workflow"),
            models.UniqueConstraint(
                fields=["workflow"], condition=Q(state="published"), name="one_published_version_per_workflow"
            ),
            models.UniqueConstraint(
                fields=["workflow"], condition=Q(state="draft"), name="one_draft_version_per_workflow"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.workflow.name} v{self.number} ({self.state})"


class LookupTable(TenantModel):
    """An org-level table `source value → destination value` with an optional default row.

    `content_hash` is the hash of this table's agent payload, to see at a glance what changed.
    """

    name = models.CharField(max_length=80)
    used_for = models.CharField(max_length=120, blank=True)
    note = models.CharField(max_length=300, blank=True)
    # None means "no default row" (the agent payload's null), unlike any text a default could hold.
    default_value = models.CharField(max_length=200, null=True, blank=True)  # noqa: DJ001
    content_hash = models.CharField(max_length=64, blank=True, default="")
    updated_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "name"], name="lookup_table_name_unique_per_org")
        ]

    def __str__(self) -> str:
        return self.name


class LookupRow(TenantModel):
    table = models.ForeignKey(LookupTable, on_delete=models.CASCADE, related_name="rows")
    source_value = models.CharField(max_length=200)
    destination_value = models.CharField(max_length=200)
    used_for = models.CharField(max_length=120, blank=True)
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["table", "source_value"]
        constraints = [
            models.UniqueConstraint(
                fields=["table", "source_value"], name="lookup_row_source_unique_per_table"
            )
        ]

    def __str__(self) -> str:
        return f"{self.source_value} → {self.destination_value}"
