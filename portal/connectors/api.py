"""REST API for connections: `/api/orgs/<org_slug>/connections/`. Secrets go in, never out."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from portal.api.base import OrganizationViewSet
from portal.connectors import services
from portal.connectors.kinds import KINDS
from portal.connectors.models import Connection
from portal.connectors.selectors import connection_secret_flags


class ConnectionSerializer(serializers.ModelSerializer):
    settings = serializers.DictField(child=serializers.CharField(allow_blank=True), required=False)
    secrets = serializers.DictField(
        child=serializers.CharField(allow_blank=True),
        required=False,
        write_only=True,
        help_text="Secrets to set (an empty value removes one). Never returned: see secrets_set.",
    )
    secrets_set = serializers.SerializerMethodField()

    class Meta:
        model = Connection
        fields = ["id", "kind", "name", "settings", "secrets", "secrets_set", "created_at", "updated_at"]
        read_only_fields = ["id", "created_at", "updated_at"]

    @extend_schema_field({"type": "object", "additionalProperties": {"type": "boolean"}})
    def get_secrets_set(self, connection) -> dict[str, bool]:
        return connection_secret_flags(connection)

    def validate_kind(self, kind):
        if self.instance is not None and kind != self.instance.kind:
            raise serializers.ValidationError("A connection's kind cannot change: create a new connection.")
        if kind not in KINDS:
            raise serializers.ValidationError(f"Choose one of {', '.join(KINDS)}.")
        return kind


class ConnectionViewSet(OrganizationViewSet):
    """Shopify and Sage 300 connections. Reading needs membership; writing needs admin."""

    queryset = Connection.objects.all()
    serializer_class = ConnectionSerializer

    def perform_create(self, serializer):
        data = serializer.validated_data
        serializer.instance = services.connection_create(
            organization=self.organization,
            actor=self.request.user,
            kind=data["kind"],
            name=data["name"],
            settings=data.get("settings"),
            secrets=data.get("secrets"),
        )

    def perform_update(self, serializer):
        data = serializer.validated_data
        serializer.instance = services.connection_update(
            connection=serializer.instance,
            actor=self.request.user,
            name=data.get("name"),
            settings=data.get("settings"),
            secrets=data.get("secrets"),
        )

    def perform_destroy(self, instance):
        services.connection_delete(connection=instance, actor=self.request.user)
