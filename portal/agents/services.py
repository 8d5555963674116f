"""Agent registration, tokens, attach/detach and presence. Pushes to a connected agent go
through the channel layer after the transaction commits, so any portal process can reach it."""

from __future__ import annotations

from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from portal.agents.codes import registration_code_new, registration_code_normalize
from portal.agents.models import Agent, AgentToken, RegistrationCode
from portal.channel_sends import group_send_sync
from portal.tenants.services import audit_record
from portal.tokens import token_hash, token_new, token_prefix

CODE_LIFETIME = timedelta(minutes=15)
ROTATION_GRACE = timedelta(hours=1)
OFFLINE_AFTER = timedelta(seconds=90)  # three missed heartbeats


def agent_push(agent_pk: int, message: dict) -> None:
    """Send a channel-layer message to the agent's socket, whichever portal process holds it."""
    group_send_sync(f"agent-{agent_pk}", message)


def agent_push_on_commit(agent_pk: int, message: dict) -> None:
    transaction.on_commit(lambda: agent_push(agent_pk, message))


def _code_issue(agent: Agent) -> str:
    code = registration_code_new()
    RegistrationCode.objects.create(
        organization=agent.organization,
        agent=agent,
        code_hash=token_hash(registration_code_normalize(code)),
        expires_at=timezone.now() + CODE_LIFETIME,
    )
    return code


@transaction.atomic
def agent_create(*, organization, name: str, actor, description: str = "") -> tuple[Agent, str]:
    name = name.strip()
    if not name:
        raise ValidationError("Name the agent after the server it runs on, e.g. 'sage-server-1'.")
    if Agent.objects.for_organization(organization).filter(name=name).exists():
        raise ValidationError(f"An agent named {name!r} exists already: choose another name.")
    agent = Agent.objects.create(organization=organization, name=name, description=description)
    code = _code_issue(agent)
    audit_record(
        organization=organization, actor=actor, action="agent.created", target=agent, data={"name": name}
    )
    return agent, code


@transaction.atomic
def agent_update(*, agent: Agent, actor, name: str | None = None, description: str | None = None) -> Agent:
    """Rename or describe an agent; names stay unique within the organization."""
    changed = {}
    if name is not None:
        name = name.strip()
        if not name:
            raise ValidationError("Name the agent after the server it runs on, e.g. 'sage-server-1'.")
        taken = Agent.objects.for_organization(agent.organization).filter(name=name).exclude(pk=agent.pk)
        if taken.exists():
            raise ValidationError(f"An agent named {name!r} exists already: choose another name.")
        changed["name"] = name
    if description is not None:
        changed["description"] = description
    for field, value in changed.items():
        setattr(agent, field, value)
    if changed:
        agent.save(update_fields=list(changed))
        audit_record(
            organization=agent.organization, actor=actor, action="agent.updated", target=agent, data=changed
        )
    return agent


@transaction.atomic
def agent_rotate(*, agent: Agent, actor) -> str:
    """A new registration code; when the agent registers with it, its old tokens expire after a grace period."""
    code = _code_issue(agent)
    audit_record(organization=agent.organization, actor=actor, action="agent.rotation_started", target=agent)
    return code


@transaction.atomic
def agent_register(
    *, code: str, hostname: str = "", platform: str = "", agent_version: str = ""
) -> tuple[Agent, str]:
    # Unscoped on purpose: the one-time code is what identifies the organization and the agent.
    found = (
        RegistrationCode.objects.select_for_update()
        .select_related("agent", "organization")
        .filter(code_hash=token_hash(registration_code_normalize(code)))
        .first()
    )
    if found is None:
        raise ValidationError(
            "This registration code is not known: copy it again from the portal's Agents page."
        )
    if found.used_at is not None:
        raise ValidationError("This registration code was used already: create a new one in the portal.")
    if found.expires_at < timezone.now():
        raise ValidationError("This registration code has expired (codes last 15 minutes): create a new one.")
    now = timezone.now()
    found.used_at = now
    found.save(update_fields=["used_at"])
    agent = found.agent
    AgentToken.objects.filter(agent=agent, revoked_at=None, expires_at=None).update(
        expires_at=now + ROTATION_GRACE
    )
    raw = token_new("agt")
    AgentToken.objects.create(
        organization=agent.organization, agent=agent, prefix=token_prefix(raw), token_hash=token_hash(raw)
    )
    agent.registered_at = now
    agent.hostname = hostname[:120] or agent.hostname
    agent.platform = platform[:120] or agent.platform
    agent.version = agent_version[:40] or agent.version
    agent.save(update_fields=["registered_at", "hostname", "platform", "version"])
    audit_record(
        organization=agent.organization,
        actor=None,
        action="agent.registered",
        target=agent,
        data={"hostname": agent.hostname},
    )
    return agent, raw


def agent_authenticate(raw: str) -> Agent | None:
    """The agent a bearer token belongs to, or None (unknown, revoked or past its grace period)."""
    if not raw.startswith("ferry_agt_"):
        return None
    # Unscoped on purpose: the token is the credential that names the organization.
    token = (
        AgentToken.objects.select_related("agent", "agent__organization")
        .filter(token_hash=token_hash(raw), revoked_at=None)
        .first()
    )
    if token is None or (token.expires_at is not None and token.expires_at < timezone.now()):
        return None
    return token.agent


@transaction.atomic
def agent_revoke(*, agent: Agent, actor) -> None:
    AgentToken.objects.filter(agent=agent, revoked_at=None).update(revoked_at=timezone.now())
    audit_record(organization=agent.organization, actor=actor, action="agent.revoked", target=agent)
    agent_push_on_commit(agent.pk, {"type": "agent.close", "code": 4401})


@transaction.atomic
def agent_detach(*, agent: Agent, actor, reason: str = "detached in the portal") -> None:
    Agent.objects.filter(pk=agent.pk).update(detached_at=timezone.now())
    audit_record(organization=agent.organization, actor=actor, action="agent.detached", target=agent)
    agent_push_on_commit(agent.pk, {"type": "agent.detach", "reason": reason})


@transaction.atomic
def agent_attach(*, agent: Agent, actor) -> None:
    Agent.objects.filter(pk=agent.pk).update(detached_at=None)
    audit_record(organization=agent.organization, actor=actor, action="agent.attached", target=agent)


@transaction.atomic
def agent_delete(*, agent: Agent, actor) -> None:
    audit_record(
        organization=agent.organization,
        actor=actor,
        action="agent.deleted",
        target=agent,
        data={"name": agent.name},
    )
    agent_push_on_commit(agent.pk, {"type": "agent.close", "code": 4401})
    agent.delete()


def agent_update_configuration(*, agent: Agent, actor) -> int:
    """Tell the agent that plans and lookup tables are available (the portal's Update Configuration button)."""
    from portal.agents.frames import config_available_frames, lookups_available_frame

    frames = [*config_available_frames(agent), lookups_available_frame(agent.organization)]
    for frame in frames:
        agent_push(agent.pk, {"type": "agent.frame", "frame": frame})
    audit_record(
        organization=agent.organization, actor=actor, action="agent.update_configuration", target=agent
    )
    return len(frames)


def agent_seen(*, agent_pk: int, **fields) -> bool:
    """Note that the agent was heard from now; False when there is no such agent (deleted)."""
    return bool(Agent.objects.filter(pk=agent_pk).update(last_seen_at=timezone.now(), online=True, **fields))


def agent_went_offline(*, agent_pk: int, channel_name: str) -> None:
    # Only the socket that still speaks for the agent may mark it offline (a superseded one may not).
    Agent.objects.filter(pk=agent_pk, channel_name=channel_name).update(online=False, channel_name="")


def agent_is_online(agent: Agent) -> bool:
    return (
        agent.online
        and agent.last_seen_at is not None
        and timezone.now() - agent.last_seen_at < OFFLINE_AFTER
    )
