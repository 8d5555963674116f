"""REST API for runs: Run, cancel, reprocess, and the Processed Snapshot (records, logs, payloads)."""

import functools

from django.db.models import Q
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from portal.api.base import OrganizationGenericViewSet
from portal.runs import services
from portal.runs.models import Run, RunLog, SnapshotRecord
from portal.tenants.roles import Permission
from portal.workflows.models import Workflow


class RunSerializer(serializers.ModelSerializer):
    workflow_name = serializers.CharField(source="workflow.name", read_only=True)
    version_number = serializers.IntegerField(source="version.number", read_only=True)
    duration_s = serializers.FloatField(read_only=True)

    class Meta:
        model = Run
        fields = [
            "id",
            "workflow",
            "workflow_name",
            "version_number",
            "plan_hash",
            "agent",
            "trigger",
            "status",
            "counts",
            "records_read",
            "records_succeeded",
            "records_failed",
            "records_skipped",
            "records_warnings",
            "cursor_before",
            "cursor_after",
            "error",
            "reprocess_of",
            "record_ids",
            "transitions",
            "created_at",
            "dispatched_at",
            "started_at",
            "finished_at",
            "duration_s",
        ]
        read_only_fields = fields


@functools.cache
def _run_serializer() -> RunSerializer:
    # Fields built once, at first use: a ModelSerializer builds its ~25 fields from the model for
    # every instance, 450 of the 480 µs a Run answer took to serialize (6.5% of the portal's CPU at
    # 20 Run requests a second, bench/dispatch.py). Representing a run only reads the fields, so
    # request threads can share them.
    serializer = RunSerializer()
    serializer.fields  # noqa: B018 - builds them
    return serializer


def run_representation(run: Run) -> dict:
    """What RunSerializer(run).data gives, without building its fields again."""
    return _run_serializer().to_representation(run)


class RunRequestSerializer(serializers.Serializer):
    workflow = serializers.IntegerField(help_text="the workflow to run (its published version)")


class SnapshotRecordSerializer(serializers.ModelSerializer):
    input = serializers.JSONField(read_only=True, help_text="The record as read from the source (Shopify).")
    output = serializers.JSONField(
        read_only=True, help_text="What the node sent to the destination (Sage 300)."
    )
    response = serializers.JSONField(read_only=True, help_text="The destination's answer.")

    class Meta:
        model = SnapshotRecord
        fields = [
            "id",
            "node_id",
            "seq",
            "record_key",
            "source_id",
            "destination_id",
            "status",
            "message",
            "tries",
            "duration_ms",
            "input",
            "output",
            "response",
        ]


class SnapshotRecordRowSerializer(serializers.ModelSerializer):
    class Meta:
        model = SnapshotRecord
        fields = [
            "id",
            "node_id",
            "record_key",
            "source_id",
            "destination_id",
            "status",
            "message",
            "tries",
            "duration_ms",
        ]


class RunLogSerializer(serializers.ModelSerializer):
    class Meta:
        model = RunLog
        fields = ["ts", "level", "node_id", "message"]


def records_filtered(run: Run, *, node_id=None, status_filter=None, search=None):
    records = SnapshotRecord.objects.for_organization(run.organization).filter(run=run)
    if node_id:
        records = records.filter(node_id=node_id)
    if status_filter:
        records = records.filter(status=status_filter)
    if search:
        records = records.filter(
            Q(source_id=search) | Q(destination_id=search) | Q(record_key=search) | Q(email=search)
        )
    return records


class RunViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, OrganizationGenericViewSet
):
    """Runs of the organization, newest first. POST runs a workflow's published plan on its agent."""

    queryset = Run.objects.all()
    serializer_class = RunSerializer
    write_permission = Permission.OPERATE

    def filter_scoped_queryset(self, queryset):
        queryset = queryset.select_related("workflow", "version")
        workflow = self.request.query_params.get("workflow")
        return queryset.filter(workflow_id=workflow) if workflow and workflow.isdigit() else queryset

    @extend_schema(
        request=RunRequestSerializer,
        responses={201: RunSerializer},
        parameters=[OpenApiParameter("workflow", int, description="only this workflow's runs")],
    )
    def create(self, request, *args, **kwargs):
        body = RunRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            run = services.run_request_by_id(
                organization=self.organization,
                workflow_id=body.validated_data["workflow"],
                actor=request.user,
                trigger="api" if request.auth else "manual",
            )
        except Workflow.DoesNotExist:
            return Response({"detail": "workflow: no such workflow in this organization."}, status=400)
        return Response(run_representation(run), status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={200: RunSerializer})
    @action(detail=True, methods=["post"])
    def cancel(self, request, org_slug, pk):
        run = services.run_cancel(run=self.get_object(), actor=request.user)
        run.refresh_from_db()
        return Response(run_representation(run))

    @extend_schema(
        request=inline_serializer(
            "ReprocessRequest",
            {"record_keys": serializers.ListField(child=serializers.CharField(), required=False)},
        ),
        responses={201: RunSerializer},
    )
    @action(detail=True, methods=["post"])
    def reprocess(self, request, org_slug, pk):
        """Reprocess the given records (record keys), or every failure of the run."""
        keys = request.data.get("record_keys") or None
        if keys is not None and (not isinstance(keys, list) or not all(isinstance(k, str) for k in keys)):
            return Response({"detail": "record_keys: give a list of record keys."}, status=400)
        run = services.run_reprocess(run=self.get_object(), actor=request.user, record_keys=keys)
        return Response(run_representation(run), status=status.HTTP_201_CREATED)

    @extend_schema(
        responses={200: SnapshotRecordRowSerializer(many=True)},
        parameters=[
            OpenApiParameter("node", str),
            OpenApiParameter("status", str),
            OpenApiParameter("search", str),
            OpenApiParameter("after", int, description="keyset cursor: the last id of the previous page"),
            OpenApiParameter("limit", int),
        ],
    )
    @action(detail=True, methods=["get"], pagination_class=None)
    def records(self, request, org_slug, pk):
        """The Resync Bucket: keyset-paginated (`after` = last id), fast on runs of millions of records."""
        run = self.get_object()
        params = request.query_params
        records = records_filtered(
            run, node_id=params.get("node"), status_filter=params.get("status"), search=params.get("search")
        )
        after = params.get("after")
        if after and after.isdigit():
            records = records.filter(id__gt=int(after))
        limit = min(int(params["limit"]) if params.get("limit", "").isdigit() else 100, 500)
        rows = list(records.order_by("id").only(*SnapshotRecordRowSerializer.Meta.fields)[:limit])
        data = SnapshotRecordRowSerializer(rows, many=True).data
        next_after = rows[-1].id if len(rows) == limit else None
        return Response({"results": data, "next_after": next_after})

    @extend_schema(responses={200: RunLogSerializer(many=True)}, parameters=[OpenApiParameter("node", str)])
    @action(detail=True, methods=["get"], pagination_class=None)
    def logs(self, request, org_slug, pk):
        run = self.get_object()
        logs = RunLog.objects.for_organization(run.organization).filter(run=run)
        if request.query_params.get("node"):
            logs = logs.filter(node_id=request.query_params["node"])
        return Response(RunLogSerializer(logs[:2000], many=True).data)


class SnapshotRecordViewSet(mixins.RetrieveModelMixin, OrganizationGenericViewSet):
    """One record of a Processed Snapshot with its File: input, output and the Sage response.
    Lists of records are under /runs/{id}/records/."""

    queryset = SnapshotRecord.objects.all()
    serializer_class = SnapshotRecordSerializer
