from django.db import models

from portal.tenants.scoping import TenantModel


class Agent(TenantModel):
    """An on-premise agent. Registration, tokens and presence arrive with the live agent link."""

    name = models.CharField(max_length=80)
    description = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # Presence, as last reported by the agent (hello and heartbeats).
    online = models.BooleanField(default=False)
    last_seen_at = models.DateTimeField(null=True, blank=True)
    version = models.CharField(max_length=40, blank=True)
    hostname = models.CharField(max_length=120, blank=True)
    platform = models.CharField(max_length=120, blank=True)
    cpu_percent = models.FloatField(null=True, blank=True)
    rss_mb = models.FloatField(null=True, blank=True)
    outbox_depth = models.IntegerField(default=0)
    detached_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "name"], name="agent_name_unique_per_org")
        ]

    def __str__(self) -> str:
        return self.name
