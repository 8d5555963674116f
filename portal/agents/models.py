from django.db import models

from portal.tenants.scoping import TenantModel


class Agent(TenantModel):
    """An on-premise agent: registered with a one-time code, then connected with its token."""

    name = models.CharField(max_length=80)
    description = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    registered_at = models.DateTimeField(null=True, blank=True)
    # Presence, as last reported by the agent (hello and heartbeats).
    online = models.BooleanField(default=False)
    channel_name = models.CharField(max_length=200, blank=True)  # the socket that currently speaks for it
    last_seen_at = models.DateTimeField(null=True, blank=True)
    version = models.CharField(max_length=40, blank=True)
    hostname = models.CharField(max_length=120, blank=True)
    platform = models.CharField(max_length=120, blank=True)
    cpu_percent = models.FloatField(null=True, blank=True)
    rss_mb = models.FloatField(null=True, blank=True)
    outbox_depth = models.IntegerField(default=0)
    plans = models.JSONField(default=dict, blank=True)  # {workflow public id: plan hash} it holds
    lookups_hash = models.CharField(max_length=64, blank=True)
    detached_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "name"], name="agent_name_unique_per_org")
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def group(self) -> str:
        """The channel-layer group every portal process sends this agent's frames to."""
        return f"agent-{self.pk}"


class AgentToken(TenantModel):
    """The agent's bearer token: only its hash and a prefix are kept. Rotation gives old tokens a grace period."""

    agent = models.ForeignKey(Agent, on_delete=models.CASCADE, related_name="tokens")
    prefix = models.CharField(max_length=16)
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]


class RegistrationCode(TenantModel):
    """A one-time code (valid 15 minutes) that `ferry-agent register` exchanges for a token."""

    agent = models.ForeignKey(Agent, on_delete=models.CASCADE, related_name="codes")
    code_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
