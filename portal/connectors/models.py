from django.conf import settings as django_settings
from django.db import models

from portal.tenants.scoping import TenantModel


class ConnectionKind(models.TextChoices):
    SHOPIFY = "shopify", "Shopify"
    SAGE300 = "sage300", "Sage 300"


class Connection(TenantModel):
    """Where a workflow reads or writes. `name` is how plans and agents refer to it.

    `settings` holds only non-secret values; portal-held secrets (Shopify token, webhook secret)
    are one Fernet-encrypted JSON object in `secrets_encrypted`. The Sage 300 password is never
    stored here: it stays in the agent's ferry-agent.toml.
    """

    kind = models.CharField(max_length=16, choices=ConnectionKind.choices)
    name = models.CharField(max_length=60)
    settings = models.JSONField(default=dict, blank=True)
    secrets_encrypted = models.TextField(blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        django_settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "name"], name="connection_name_unique_per_org")
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_kind_display()})"
