"""Writes for webhooks: endpoints (admins create them to paste into Shopify) and receiving deliveries."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse

from portal.connectors.models import Connection, ConnectionKind
from portal.connectors.services import connection_secrets
from portal.crypto import SecretUnreadable
from portal.tenants.services import audit_record
from portal.webhooks.models import TOPIC_CUSTOMERS_UPDATE, WebhookDelivery, WebhookEndpoint
from portal.webhooks.signatures import shopify_signature_valid
from portal.webhooks.tasks import delivery_process_task


def webhook_endpoint_url(endpoint: WebhookEndpoint) -> str:
    """The full address to paste into Shopify (Settings → Notifications → Webhooks, or the API)."""
    path = reverse("webhook-shopify", kwargs={"public_id": endpoint.public_id})
    return f"{settings.FERRY_PUBLIC_URL}{path}"


@transaction.atomic
def webhook_endpoint_create(*, organization, actor, connection: Connection) -> WebhookEndpoint:
    if connection.organization_id != organization.pk:
        raise ValidationError("connection: no such connection in this organization.")
    if connection.kind != ConnectionKind.SHOPIFY:
        raise ValidationError(
            f"connection: {connection.name} is a {connection.get_kind_display()} connection; "
            "webhooks come from a Shopify connection."
        )
    endpoint = WebhookEndpoint.objects.create(organization=organization, connection=connection)
    audit_record(
        organization=organization,
        actor=actor,
        action="webhook_endpoint.created",
        target=endpoint,
        data={"connection": connection.name},
    )
    return endpoint


@transaction.atomic
def webhook_endpoint_delete(*, endpoint: WebhookEndpoint, actor) -> None:
    audit_record(
        organization=endpoint.organization,
        actor=actor,
        action="webhook_endpoint.deleted",
        target=endpoint,
        data={"connection": endpoint.connection.name, "public_id": str(endpoint.public_id)},
    )
    endpoint.delete()


@dataclass(frozen=True)
class WebhookAnswer:
    """What the endpoint answers Shopify: any 2xx stops its retries, anything else is retried."""

    status: int
    detail: str
    result: str = ""

    def as_json(self) -> dict:
        return {"detail": self.detail, **({"result": self.result} if self.result else {})}


def delivery_receive(*, endpoint: WebhookEndpoint, body: bytes, headers: Mapping[str, str]) -> WebhookAnswer:
    """Check the signature, store the delivery once per `X-Shopify-Webhook-Id`, and queue its processing.

    Shopify wants an answer within 5 seconds, so nothing here waits on runs or agents: the work
    happens in the `webhooks.delivery_process` task, queued once this transaction commits.
    `headers` must look names up case-insensitively (Django's `request.headers` does).
    """
    connection = endpoint.connection
    try:
        secret = connection_secrets(connection).get("webhook_secret", "")
    except SecretUnreadable:
        # 503, not 401: Shopify retries, and the deliveries land once an operator restores the key.
        return WebhookAnswer(
            503,
            "The portal cannot decrypt this connection's webhook secret: FERRY_ENCRYPTION_KEYS lost a key.",
        )
    if not secret:
        return WebhookAnswer(
            401,
            f"Connection {connection.name} has no webhook secret: set its webhook_secret to the Shopify "
            "app's client secret, then Shopify's deliveries are accepted.",
        )
    signature = headers.get("X-Shopify-Hmac-Sha256", "")
    if not signature:
        return WebhookAnswer(
            401, "X-Shopify-Hmac-Sha256 is missing: only signed Shopify deliveries are accepted."
        )
    if not shopify_signature_valid(body=body, signature=signature, secret=secret):
        return WebhookAnswer(
            401,
            f"X-Shopify-Hmac-Sha256 does not match the body signed with the webhook secret of "
            f"connection {connection.name}: check that secret.",
        )
    topic = headers.get("X-Shopify-Topic", "")
    if topic != TOPIC_CUSTOMERS_UPDATE:
        # 200: a 4xx would make Shopify retry a delivery that will never be wanted.
        return WebhookAnswer(
            200, f"Topic {topic or '(none)'} is ignored: only customers/update starts runs.", "ignored"
        )
    webhook_id = headers.get("X-Shopify-Webhook-Id", "").strip()
    if not webhook_id or len(webhook_id) > 128:
        return WebhookAnswer(400, "X-Shopify-Webhook-Id is missing or longer than 128 characters.")
    with transaction.atomic():
        delivery, created = WebhookDelivery.objects.get_or_create(
            organization=endpoint.organization,
            endpoint=endpoint,
            webhook_id=webhook_id,
            defaults={
                "topic": topic,
                "event_id": headers.get("X-Shopify-Event-Id", "")[:128],
                "shop_domain": headers.get("X-Shopify-Shop-Domain", "")[:255],
            },
        )
        # A redelivery of a delivery not processed yet queues it again: if the first queueing was
        # lost (broker down right after the commit), this is how it still happens. Processing is
        # idempotent, so queueing twice costs one no-op task.
        if created or delivery.processed_at is None:
            delivery_process_task.delay_on_commit(delivery.pk)
    if created:
        return WebhookAnswer(200, "Delivery accepted: matching workflows will run.", "accepted")
    return WebhookAnswer(200, "Delivery already received (same X-Shopify-Webhook-Id).", "duplicate")
