"""REST API for workflows: `/api/orgs/<org_slug>/workflows/`, `workflow-versions/`, `templates/`.

Lifecycle actions are POSTs on a workflow (`generate`, `reset-generate`, `publish`,
`reset-publish`, `rollback`, `design`). Each accepts `expected_revision`: the workflow's revision
the caller loaded. If someone changed the workflow since, the answer is 409 with a sentence
saying who did what and when.
"""

from django.core.exceptions import ValidationError
from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.exceptions import APIException
from rest_framework.response import Response

from portal.api.base import OrganizationGenericViewSet, OrganizationReadOnlyViewSet
from portal.schedules import services as schedules
from portal.schedules.serializers import ScheduleSerializer
from portal.tenants.roles import Permission
from portal.workflows import design as design_service
from portal.workflows import lifecycle
from portal.workflows.catalog import TEMPLATES
from portal.workflows.diff import version_diff
from portal.workflows.errors import DesignProblems, WorkflowConflict
from portal.workflows.models import Workflow, WorkflowVersion
from portal.workflows.preview import mapping_preview, preview_record
from portal.workflows.samples import DEFAULT_SAMPLE
from portal.workflows.selectors import workflow_version_by_number, workflow_versions
from portal.workflows.serializers import (
    DesignSaveSerializer,
    DiffSerializer,
    PreviewRequestSerializer,
    PreviewResponseSerializer,
    ProblemsSerializer,
    RevisionSerializer,
    TemplateSerializer,
    VersionActionSerializer,
    VersionSerializer,
    VersionSummarySerializer,
    WorkflowSerializer,
)


class Conflict(APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "The workflow changed while you were working: reload to see it."
    default_code = "conflict"


def problems_response(exc: DesignProblems) -> Response:
    return Response(
        {"detail": exc.summary, "errors": [p.as_dict() for p in exc.problems]},
        status=status.HTTP_400_BAD_REQUEST,
    )


LIFECYCLE_RESPONSES = {200: VersionSerializer, 400: ProblemsSerializer, 409: None}


class WorkflowViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    OrganizationGenericViewSet,
):
    """Workflows of the organization. Creating one needs a template; designing needs admin."""

    queryset = Workflow.objects.all()
    serializer_class = WorkflowSerializer
    # PUT only for the schedule (a workflow itself is changed with PATCH)
    http_method_names = ["get", "post", "put", "patch", "delete", "head", "options"]
    action_permissions = {"preview": Permission.READ}

    @extend_schema(exclude=True)
    def update(self, request, *args, **kwargs):
        if not kwargs.get("partial"):
            return Response({"detail": 'Method "PUT" not allowed: change a workflow with PATCH.'}, status=405)
        return super().update(request, *args, **kwargs)

    def filter_scoped_queryset(self, queryset):
        return queryset.select_related("agent", "changed_by").prefetch_related("versions").order_by("name")

    def perform_create(self, serializer):
        data = serializer.validated_data
        serializer.instance = design_service.workflow_create(
            organization=self.organization,
            actor=self.request.user,
            template=data["template"],
            name=data.get("name", ""),
            agent=data.get("agent"),
        )

    def perform_update(self, serializer):
        changes = {k: v for k, v in serializer.validated_data.items() if k in ("name", "agent", "is_active")}
        serializer.instance = design_service.workflow_update(
            workflow=serializer.instance, actor=self.request.user, **changes
        )

    def perform_destroy(self, instance):
        try:
            design_service.workflow_delete(workflow=instance, actor=self.request.user)
        except WorkflowConflict as exc:
            raise Conflict(exc.message) from None

    # -- versions and designs -------------------------------------------------------------------
    def _version(self, workflow, number) -> WorkflowVersion:
        version = workflow_version_by_number(workflow=workflow, number=number)
        if version is None:
            raise Http404(f"Version {number} of this workflow does not exist.")
        return version

    def _run(self, operation, serializer_class=RevisionSerializer):
        """Load the workflow (404 first), read the body, run one lifecycle operation."""
        workflow = self.get_object()
        body = serializer_class(data=self.request.data)
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        try:
            version = operation(workflow, data)
        except DesignProblems as exc:
            return problems_response(exc)
        except WorkflowConflict as exc:
            raise Conflict(exc.message) from None
        return Response(VersionSerializer(version).data)

    # -- schedule ---------------------------------------------------------------------------------
    @extend_schema(methods=["GET"], responses={200: ScheduleSerializer, 404: None})
    @extend_schema(
        methods=["PUT"], request=ScheduleSerializer, responses={200: ScheduleSerializer, 400: None}
    )
    @extend_schema(methods=["DELETE"], responses={204: None})
    @action(detail=True, methods=["get", "put", "delete"])
    def schedule(self, request, org_slug, pk):
        """When the workflow runs by itself. 404 while it has none (it runs when started: Manual)."""
        workflow = self.get_object()
        if request.method == "DELETE":
            schedules.schedule_delete(workflow=workflow, actor=request.user)
            return Response(status=status.HTTP_204_NO_CONTENT)
        if request.method == "PUT":
            body = ScheduleSerializer(data=request.data)
            body.is_valid(raise_exception=True)
            data = body.validated_data
            try:
                saved = schedules.schedule_save(
                    workflow=workflow, actor=request.user, mode=data["mode"],
                    every_minutes=data.get("every_minutes"), cron=data.get("cron", ""),
                    timezone_name=data.get("timezone", "UTC"), enabled=data.get("enabled", True),
                )  # fmt: skip
            except ValidationError as exc:
                return Response(exc.message_dict, status=status.HTTP_400_BAD_REQUEST)
            return Response(ScheduleSerializer(saved).data)
        found = getattr(workflow, "schedule", None)
        if found is None:
            raise Http404(f"{workflow.name} has no schedule: it runs when someone presses Run.")
        return Response(ScheduleSerializer(found).data)

    @extend_schema(responses=VersionSummarySerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None)
    def versions(self, request, org_slug, pk):
        """Every version of the workflow, newest first."""
        return Response(VersionSummarySerializer(workflow_versions(self.get_object()), many=True).data)

    @extend_schema(request=DesignSaveSerializer, responses=LIFECYCLE_RESPONSES)
    @action(detail=True, methods=["post"])
    def design(self, request, org_slug, pk):
        """Save a design into the draft (creating the draft when the workflow has none)."""
        return self._run(
            lambda w, d: design_service.version_design_save(
                workflow=w,
                actor=request.user,
                design=d["design"],
                expected_revision=d.get("expected_revision"),
            ),
            DesignSaveSerializer,
        )

    @extend_schema(request=RevisionSerializer, responses=LIFECYCLE_RESPONSES)
    @action(detail=True, methods=["post"])
    def generate(self, request, org_slug, pk):
        """Validate the draft and turn it into an immutable, hashed plan (400 lists every problem)."""
        return self._run(
            lambda w, d: lifecycle.version_generate(
                workflow=w, actor=request.user, expected_revision=d.get("expected_revision")
            )
        )

    @extend_schema(request=VersionActionSerializer, responses=LIFECYCLE_RESPONSES)
    @action(detail=True, methods=["post"], url_path="reset-generate")
    def reset_generate(self, request, org_slug, pk):
        """Discard a generated version's plan: it becomes the draft again."""
        return self._run(
            lambda w, d: lifecycle.version_reset_generate(
                workflow=w, version=self._version(w, d["version"]), actor=request.user,
                expected_revision=d.get("expected_revision"),
            ),
            VersionActionSerializer,
        )  # fmt: skip

    @extend_schema(request=VersionActionSerializer, responses=LIFECYCLE_RESPONSES)
    @action(detail=True, methods=["post"])
    def publish(self, request, org_slug, pk):
        """Make a generated version the live one; agents are told after the change commits."""
        return self._run(
            lambda w, d: lifecycle.version_publish(
                workflow=w, version=self._version(w, d["version"]), actor=request.user,
                expected_revision=d.get("expected_revision"),
            ),
            VersionActionSerializer,
        )  # fmt: skip

    @extend_schema(request=RevisionSerializer, responses=LIFECYCLE_RESPONSES)
    @action(detail=True, methods=["post"], url_path="reset-publish")
    def reset_publish(self, request, org_slug, pk):
        """Withdraw the published version (it goes back to generated)."""
        return self._run(
            lambda w, d: lifecycle.version_reset_publish(
                workflow=w, actor=request.user, expected_revision=d.get("expected_revision")
            )
        )

    @extend_schema(request=VersionActionSerializer, responses=LIFECYCLE_RESPONSES)
    @action(detail=True, methods=["post"])
    def rollback(self, request, org_slug, pk):
        """Publish an older version again, with its original plan."""
        return self._run(
            lambda w, d: lifecycle.version_rollback(
                workflow=w, version=self._version(w, d["version"]), actor=request.user,
                expected_revision=d.get("expected_revision"),
            ),
            VersionActionSerializer,
        )  # fmt: skip

    @extend_schema(
        parameters=[
            OpenApiParameter("a", int, required=True, description="version number to compare from"),
            OpenApiParameter("b", int, required=True, description="version number to compare to"),
        ],
        responses=DiffSerializer,
    )
    @action(detail=True, methods=["get"])
    def diff(self, request, org_slug, pk):
        """What changed from version a to version b: nodes, options, connections, mapping rows."""
        workflow = self.get_object()
        try:
            a, b = int(request.query_params["a"]), int(request.query_params["b"])
        except (KeyError, ValueError):
            return Response(
                {"detail": "Name two version numbers: ?a=1&b=2."}, status=status.HTTP_400_BAD_REQUEST
            )
        return Response(version_diff(self._version(workflow, a), self._version(workflow, b)))

    @extend_schema(request=PreviewRequestSerializer, responses=PreviewResponseSerializer)
    @action(detail=True, methods=["post"])
    def preview(self, request, org_slug, pk):
        """Evaluate mapping rows on a sample customer: value, warning or error for every row."""
        self.get_object()
        body = PreviewRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        record = preview_record(
            group=data["group"], sample=data.get("sample", DEFAULT_SAMPLE), record=data.get("record")
        )
        rows = mapping_preview(
            organization=self.organization,
            kind=data["kind"],
            group=data["group"],
            rows=data["rows"],
            record=record,
        )
        return Response({"record": record, "rows": rows})


class WorkflowVersionViewSet(OrganizationReadOnlyViewSet):
    """Versions with their design and plan. Filter with `?workflow=<id>`."""

    queryset = WorkflowVersion.objects.all()
    serializer_class = VersionSerializer

    def filter_scoped_queryset(self, queryset):
        workflow = self.request.query_params.get("workflow")
        if workflow and workflow.isdigit():
            queryset = queryset.filter(workflow_id=int(workflow))
        return queryset.select_related(
            "saved_by", "created_by", "generated_by", "published_by", "retired_by"
        ).order_by("workflow_id", "-number")


class TemplateViewSet(OrganizationGenericViewSet):
    """Choose your Workflow: the templates a workflow can start from (POST workflows/ with one)."""

    serializer_class = TemplateSerializer
    pagination_class = None

    @extend_schema(responses=TemplateSerializer(many=True))
    def list(self, request, org_slug):
        return Response(TemplateSerializer([vars(card) for card in TEMPLATES.values()], many=True).data)
