"""API shapes for workflows, versions, templates, previews and lookup tables."""

import json

from rest_framework import serializers

from portal.agents.models import Agent
from portal.workflows.catalog import TEMPLATES
from portal.workflows.models import LookupTable, Workflow, WorkflowVersion
from portal.workflows.samples import SAMPLES
from portal.workflows.selectors import workflow_state_summary


class OrganizationAgentField(serializers.PrimaryKeyRelatedField):
    """An agent of the request's organization (another organization's id reads as unknown)."""

    def get_queryset(self):
        organization = self.context.get("organization")
        return Agent.objects.for_organization(organization) if organization else Agent.objects.none()


def _email(user):
    return user.email if user else None


class VersionSummarySerializer(serializers.ModelSerializer):
    saved_by = serializers.SerializerMethodField()
    generated_by = serializers.SerializerMethodField()
    published_by = serializers.SerializerMethodField()
    retired_by = serializers.SerializerMethodField()

    class Meta:
        model = WorkflowVersion
        fields = ["id", "workflow", "number", "state", "plan_hash", "created_at", "saved_at", "saved_by",
                  "generated_at", "generated_by", "published_at", "published_by", "retired_at", "retired_by"]  # fmt: skip
        read_only_fields = fields

    def get_saved_by(self, v) -> str | None:
        return _email(v.saved_by or v.created_by)

    def get_generated_by(self, v) -> str | None:
        return _email(v.generated_by)

    def get_published_by(self, v) -> str | None:
        return _email(v.published_by)

    def get_retired_by(self, v) -> str | None:
        return _email(v.retired_by)


class VersionSerializer(VersionSummarySerializer):
    plan = serializers.SerializerMethodField()

    class Meta(VersionSummarySerializer.Meta):
        fields = [*VersionSummarySerializer.Meta.fields, "design", "plan"]
        read_only_fields = fields

    def get_plan(self, v) -> dict | None:
        return json.loads(v.plan_json) if v.plan_json else None


class WorkflowSerializer(serializers.ModelSerializer):
    agent = OrganizationAgentField(allow_null=True, required=False)
    template = serializers.ChoiceField(choices=list(TEMPLATES))
    name = serializers.CharField(max_length=80, required=False)
    draft_version = serializers.SerializerMethodField()
    published_version = serializers.SerializerMethodField()
    latest_version = serializers.SerializerMethodField()
    changed_by = serializers.SerializerMethodField()

    class Meta:
        model = Workflow
        fields = ["id", "public_id", "name", "template", "agent", "is_active", "revision", "last_change", "changed_by",
                  "changed_at", "created_at", "draft_version", "published_version", "latest_version"]  # fmt: skip
        read_only_fields = [
            "id",
            "public_id",
            "revision",
            "last_change",
            "changed_by",
            "changed_at",
            "created_at",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if (
            self.instance is not None
            and not isinstance(self.instance, list | tuple)
            and "template" in self.fields
        ):
            self.fields["template"].read_only = True

    def _summary(self, workflow, key):
        version = workflow_state_summary(workflow)[key]
        return version.number if version else None

    def get_draft_version(self, w) -> int | None:
        return self._summary(w, "draft")

    def get_published_version(self, w) -> int | None:
        return self._summary(w, "published")

    def get_latest_version(self, w) -> int | None:
        return self._summary(w, "latest")

    def get_changed_by(self, w) -> str | None:
        return _email(w.changed_by)


class RevisionSerializer(serializers.Serializer):
    expected_revision = serializers.IntegerField(
        required=False,
        allow_null=True,
        help_text="The workflow revision you loaded: if someone changed the workflow since, you get 409.",
    )


class VersionActionSerializer(RevisionSerializer):
    version = serializers.IntegerField(help_text="The version number.")


class DesignSaveSerializer(RevisionSerializer):
    design = serializers.JSONField(
        help_text="nodes (id, kind, name, x, y, source, destination, options, mapping, ship_to_mapping) and edges (from, to)"
    )


class ProblemSerializer(serializers.Serializer):
    text = serializers.CharField()
    message = serializers.CharField()
    node = serializers.CharField(allow_null=True)
    node_name = serializers.CharField(allow_null=True)
    mapping = serializers.CharField(allow_null=True)
    row = serializers.IntegerField(allow_null=True)
    target = serializers.CharField(allow_null=True)
    column = serializers.IntegerField(allow_null=True)


class ProblemsSerializer(serializers.Serializer):
    detail = serializers.CharField()
    errors = ProblemSerializer(many=True)


class MappingRowSerializer(serializers.Serializer):
    target = serializers.CharField(allow_blank=True)
    expression = serializers.CharField(allow_blank=True, trim_whitespace=False)
    max_length = serializers.IntegerField(required=False, allow_null=True)
    required = serializers.BooleanField(required=False)


class PreviewRequestSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=["customer_add", "customer_update", "address_update"])
    group = serializers.ChoiceField(choices=["mapping", "ship_to_mapping"], default="mapping")
    rows = MappingRowSerializer(many=True)
    sample = serializers.ChoiceField(
        choices=list(SAMPLES), required=False, help_text="A built-in sample customer."
    )
    record = serializers.DictField(
        required=False, help_text="A Shopify customer JSON object (instead of a sample)."
    )


class RowPreviewSerializer(serializers.Serializer):
    row = serializers.IntegerField()
    target = serializers.CharField()
    value = serializers.JSONField(allow_null=True)
    warning = serializers.CharField(allow_null=True)
    error = serializers.CharField(allow_null=True)
    max_length = serializers.IntegerField(allow_null=True)
    required = serializers.BooleanField()


class PreviewResponseSerializer(serializers.Serializer):
    record = serializers.DictField()
    rows = RowPreviewSerializer(many=True)


class TemplateSerializer(serializers.Serializer):
    key = serializers.CharField()
    title = serializers.CharField()
    source = serializers.CharField()
    destination = serializers.CharField()
    entity = serializers.CharField()
    action = serializers.CharField()
    summary = serializers.CharField()
    needs = serializers.CharField()
    post_tasks = serializers.ListField(child=serializers.CharField())


class LookupRowSerializer(serializers.Serializer):
    source = serializers.CharField(
        source="source_value", allow_blank=True, help_text='"default" marks the default row'
    )
    destination = serializers.CharField(source="destination_value", allow_blank=True)
    used_for = serializers.CharField(allow_blank=True, required=False, default="")
    note = serializers.CharField(allow_blank=True, required=False, default="")


class LookupTableSerializer(serializers.ModelSerializer):
    rows = LookupRowSerializer(
        many=True, required=False, help_text="Writing rows replaces every row (Save All)."
    )
    default = serializers.CharField(source="default_value", read_only=True, allow_null=True)

    class Meta:
        model = LookupTable
        fields = ["id", "name", "used_for", "note", "default", "content_hash", "updated_at", "rows"]
        read_only_fields = ["id", "default", "content_hash", "updated_at"]


class LookupImportSerializer(serializers.Serializer):
    file = serializers.FileField(required=False, help_text="CSV: source,destination,used_for,note")
    csv = serializers.CharField(
        required=False, trim_whitespace=False, help_text="The CSV text, instead of a file."
    )


class LookupPayloadSerializer(serializers.Serializer):
    hash = serializers.CharField()
    tables = serializers.DictField()


class DiffSerializer(serializers.Serializer):
    a = serializers.DictField()
    b = serializers.DictField()
    nodes = serializers.ListField(child=serializers.DictField())
    edges = serializers.DictField()
    changed = serializers.BooleanField()
