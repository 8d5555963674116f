"""REST API for webhook endpoints: `/api/orgs/<org_slug>/webhook-endpoints/` (admins only).

Creating one returns the full `url` to paste into Shopify as the `customers/update` subscription's
address; deleting one makes Shopify's deliveries to it answer 404.
"""

from rest_framework import mixins, serializers

from portal.api.base import OrganizationGenericViewSet
from portal.connectors.models import Connection
from portal.connectors.services import connection_secrets
from portal.crypto import SecretUnreadable
from portal.tenants.roles import Permission
from portal.webhooks import services
from portal.webhooks.models import TOPIC_CUSTOMERS_UPDATE, WebhookEndpoint


class WebhookEndpointSerializer(serializers.ModelSerializer):
    connection = serializers.IntegerField(source="connection_id", help_text="the Shopify connection's id")
    connection_name = serializers.CharField(source="connection.name", read_only=True)
    url = serializers.SerializerMethodField(help_text="the address to paste into Shopify")
    topic = serializers.SerializerMethodField(help_text="the topic to subscribe it to")
    webhook_secret_set = serializers.SerializerMethodField(
        help_text="false: deliveries are refused until the connection's webhook_secret is set"
    )

    class Meta:
        model = WebhookEndpoint
        fields = [
            "id",
            "public_id",
            "connection",
            "connection_name",
            "url",
            "topic",
            "webhook_secret_set",
            "created_at",
        ]
        read_only_fields = ["id", "public_id", "created_at"]

    def validate_connection(self, value: int) -> Connection:
        found = Connection.objects.for_organization(self.context["organization"]).filter(pk=value).first()
        if found is None:
            raise serializers.ValidationError("no such connection in this organization.")
        return found

    def get_url(self, endpoint) -> str:
        return services.webhook_endpoint_url(endpoint)

    def get_topic(self, endpoint) -> str:
        return TOPIC_CUSTOMERS_UPDATE

    def get_webhook_secret_set(self, endpoint) -> bool:
        try:
            return bool(connection_secrets(endpoint.connection).get("webhook_secret"))
        except SecretUnreadable:
            return False


class WebhookEndpointViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.DestroyModelMixin,
    OrganizationGenericViewSet,
):
    """Where Shopify delivers `customers/update`. Endpoints name a connection, so only admins see them."""

    queryset = WebhookEndpoint.objects.all()
    serializer_class = WebhookEndpointSerializer
    action_permissions = {"list": Permission.ADMINISTER, "retrieve": Permission.ADMINISTER}

    def filter_scoped_queryset(self, queryset):
        return queryset.select_related("connection")

    def perform_create(self, serializer):
        serializer.instance = services.webhook_endpoint_create(
            organization=self.organization,
            actor=self.request.user,
            connection=serializer.validated_data["connection_id"],
        )

    def perform_destroy(self, instance):
        services.webhook_endpoint_delete(endpoint=instance, actor=self.request.user)
