import uuid

from django.db import models

from portal.tenants.scoping import TenantModel

# The only topic that starts runs: Customer Update workflows sync changed customers.
TOPIC_CUSTOMERS_UPDATE = "customers/update"


class WebhookEndpoint(TenantModel):
    """An address Shopify posts `customers/update` to: `/hooks/shopify/<public_id>/`.

    The random `public_id` names the endpoint (and through it the organization and connection);
    it is not the credential: every delivery must carry a valid HMAC made with the connection's
    `webhook_secret`.
    """

    connection = models.ForeignKey(
        "connectors.Connection", on_delete=models.CASCADE, related_name="webhook_endpoints"
    )
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"webhook endpoint {self.public_id} ({self.connection_id})"


class WebhookDelivery(TenantModel):
    """One accepted delivery, unique by Shopify's `X-Shopify-Webhook-Id` per endpoint.

    `processed_at` is set once the delivery task has started or joined runs; `outcome` says what it
    did per workflow (`started`, `coalesced` into a run not yet running, or `skipped` and why), and
    `run` is the run this delivery is covered by (the first one started or joined). The payload is
    not kept: the run reads customers from Shopify itself, and a webhook body is personal data.
    """

    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries")
    webhook_id = models.CharField(max_length=128)
    event_id = models.CharField(max_length=128, blank=True)
    topic = models.CharField(max_length=64)
    shop_domain = models.CharField(max_length=255, blank=True)
    received_at = models.DateTimeField(auto_now_add=True)
    processed_at = models.DateTimeField(null=True, blank=True)
    run = models.ForeignKey("runs.Run", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    outcome = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-received_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["endpoint", "webhook_id"], name="one_delivery_per_webhook_id")
        ]
        indexes = [models.Index(fields=["organization", "-received_at"])]

    def __str__(self) -> str:
        return f"{self.topic} delivery {self.webhook_id}"
