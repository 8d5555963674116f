"""REST API for lookup tables: `/api/orgs/<org_slug>/lookup-tables/` with CSV import and export."""

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from portal.api.base import OrganizationViewSet
from portal.workflows import lookups_service
from portal.workflows.lookups_service import LookupRowsInvalid, RowInput
from portal.workflows.models import LookupTable
from portal.workflows.selectors import lookup_table_csv, lookup_tables_payload
from portal.workflows.serializers import (
    LookupImportSerializer,
    LookupPayloadSerializer,
    LookupTableSerializer,
)

ERRORS = {
    "type": "object",
    "properties": {"detail": {"type": "string"}, "errors": {"type": "array", "items": {"type": "string"}}},
}


def rows_invalid_response(exc: LookupRowsInvalid) -> Response:
    count = len(exc.messages)
    return Response(
        {
            "detail": f"{count} problem{'s' if count != 1 else ''}, nothing was saved: {exc.messages[0]}",
            "errors": exc.messages,
        },
        status=status.HTTP_400_BAD_REQUEST,
    )


def _rows(data) -> list[RowInput] | None:
    if "rows" not in data:
        return None
    return [
        RowInput(r["source_value"], r["destination_value"], r.get("used_for", ""), r.get("note", ""))
        for r in data["rows"]
    ]


class LookupTableViewSet(OrganizationViewSet):
    """Lookup tables. Rows are written all at once (Save All); `"default"` as a source is the default row."""

    queryset = LookupTable.objects.all()
    serializer_class = LookupTableSerializer
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    def filter_scoped_queryset(self, queryset):
        return queryset.prefetch_related("rows").order_by("name")

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            table = lookups_service.lookup_table_create(
                organization=self.organization, actor=request.user, name=data["name"],
                used_for=data.get("used_for", ""), note=data.get("note", ""), rows=_rows(data),
            )  # fmt: skip
        except LookupRowsInvalid as exc:
            return rows_invalid_response(exc)
        return Response(self.get_serializer(table).data, status=status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        table = self.get_object()
        serializer = self.get_serializer(table, data=request.data, partial=kwargs.get("partial", False))
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            table = lookups_service.lookup_table_update(
                table=table, actor=request.user, name=data.get("name"), used_for=data.get("used_for"),
                note=data.get("note"), rows=_rows(data),
            )  # fmt: skip
        except LookupRowsInvalid as exc:
            return rows_invalid_response(exc)
        return Response(self.get_serializer(LookupTable.objects.get(pk=table.pk)).data)

    def perform_destroy(self, instance):
        lookups_service.lookup_table_delete(table=instance, actor=self.request.user)

    @extend_schema(
        request={"multipart/form-data": LookupImportSerializer, "application/json": LookupImportSerializer},
        responses={200: LookupTableSerializer, 400: OpenApiResponse(ERRORS)},
    )
    @action(detail=True, methods=["post"], url_path="import")
    def import_csv(self, request, org_slug, pk):
        """Replace every row with a CSV file's (source,destination,used_for,note). A bad line saves nothing."""
        table = self.get_object()
        body = LookupImportSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        upload = body.validated_data.get("file")
        content = upload.read() if upload is not None else body.validated_data.get("csv")
        if content is None:
            return Response(
                {"detail": "Send the CSV as a file (multipart 'file') or as text ('csv')."}, status=400
            )
        try:
            table = lookups_service.lookup_table_import_csv(table=table, actor=request.user, content=content)
        except LookupRowsInvalid as exc:
            return rows_invalid_response(exc)
        return Response(self.get_serializer(LookupTable.objects.get(pk=table.pk)).data)

    @extend_schema(responses={(200, "text/csv"): OpenApiTypes.STR})
    @action(detail=True, methods=["get"])
    def export(self, request, org_slug, pk):
        """The table as CSV, header `source,destination,used_for,note`, default row last."""
        table = self.get_object()
        response = HttpResponse(lookup_table_csv(table), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{table.name.replace(chr(34), "")}.csv"'
        return response

    @extend_schema(responses=LookupPayloadSerializer)
    @action(detail=False, methods=["get"], pagination_class=None)
    def payload(self, request, org_slug):
        """Every table exactly as agents pull it, with its content hash."""
        digest, tables = lookup_tables_payload(self.organization)
        return Response({"hash": digest, "tables": tables})
