"""Writes for connections. Secrets are encrypted before they touch the database."""

import json

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from portal.connectors.kinds import KINDS, SAGE_PASSWORD_REFUSED
from portal.connectors.models import Connection
from portal.crypto import secret_decrypt, secret_encrypt, secret_rotate
from portal.tenants.services import audit_record


def _clean_settings(kind: str, settings: dict) -> dict:
    spec = KINDS[kind]
    unknown = sorted(set(settings) - set(spec.settings))
    if "password" in unknown:
        raise ValidationError(SAGE_PASSWORD_REFUSED)
    if unknown:
        raise ValidationError(
            f"{spec.label} connections have no setting {', '.join(unknown)} "
            f"(known: {', '.join(spec.settings)})."
        )
    cleaned = {**spec.defaults, **{k: str(v).strip() for k, v in settings.items() if v is not None}}
    missing = [name for name in spec.required_settings if not cleaned.get(name)]
    if missing:
        raise ValidationError(f"{spec.label} connections need {', '.join(missing)}.")
    return cleaned


def _merged_secrets(kind: str, current: dict, changes: dict) -> dict:
    """`changes` sets secrets; an empty value removes one. Unnamed secrets stay as they are."""
    spec = KINDS[kind]
    if "password" in changes:
        raise ValidationError(SAGE_PASSWORD_REFUSED)
    unknown = sorted(set(changes) - set(spec.secrets))
    if unknown:
        known = ", ".join(spec.secrets) or "none"
        raise ValidationError(
            f"{spec.label} connections keep no secret {', '.join(unknown)} (known: {known})."
        )
    merged = dict(current)
    for name, value in changes.items():
        if value in (None, ""):
            merged.pop(name, None)
        else:
            merged[name] = str(value)
    return merged


def connection_secrets(connection: Connection) -> dict[str, str]:
    """The decrypted secrets. For code that must use them (webhooks); never for API output."""
    if not connection.secrets_encrypted:
        return {}
    return json.loads(secret_decrypt(connection.secrets_encrypted))


def _encrypt(secrets: dict) -> str:
    return secret_encrypt(json.dumps(secrets, sort_keys=True)) if secrets else ""


def _save(connection: Connection) -> Connection:
    try:
        with transaction.atomic():
            connection.save()
    except IntegrityError:
        raise ValidationError(
            f"A connection named {connection.name!r} already exists: choose another name."
        ) from None
    return connection


@transaction.atomic
def connection_create(
    *, organization, actor, kind: str, name: str, settings: dict | None = None, secrets: dict | None = None
) -> Connection:
    if kind not in KINDS:
        raise ValidationError(f"{kind!r} is not a connection kind: choose one of {', '.join(KINDS)}.")
    name = name.strip()
    if not name:
        raise ValidationError(
            "Name the connection the way the agent's ferry-agent.toml names it, e.g. shopify."
        )
    connection = Connection(
        organization=organization,
        kind=kind,
        name=name,
        settings=_clean_settings(kind, settings or {}),
        secrets_encrypted=_encrypt(_merged_secrets(kind, {}, secrets or {})),
        updated_by=actor,
    )
    _save(connection)
    audit_record(
        organization=organization,
        actor=actor,
        action="connection.created",
        target=connection,
        data={"name": name},
    )
    return connection


@transaction.atomic
def connection_update(
    *,
    connection: Connection,
    actor,
    name: str | None = None,
    settings: dict | None = None,
    secrets: dict | None = None,
) -> Connection:
    connection = Connection.objects.select_for_update().get(pk=connection.pk)
    changed = []
    if name is not None and name.strip() != connection.name:
        connection.name = name.strip()
        changed.append("name")
    if settings is not None:
        connection.settings = _clean_settings(connection.kind, {**connection.settings, **settings})
        changed.append("settings")
    if secrets:
        current = connection_secrets(connection)
        connection.secrets_encrypted = _encrypt(_merged_secrets(connection.kind, current, secrets))
        changed.append("secrets")  # which ones changed is not recorded: even names can hint
    connection.updated_by = actor
    _save(connection)
    audit_record(
        organization=connection.organization,
        actor=actor,
        action="connection.updated",
        target=connection,
        data={"name": connection.name, "changed": changed},
    )
    return connection


@transaction.atomic
def connection_delete(*, connection: Connection, actor) -> None:
    audit_record(
        organization=connection.organization,
        actor=actor,
        action="connection.deleted",
        target=connection,
        data={"name": connection.name},
    )
    connection.delete()


def connection_secrets_rotate() -> int:
    """Re-encrypt every connection's secrets with the newest key; returns how many changed.

    Runs across all organizations on purpose: key rotation is an operator task, not a tenant one.
    """
    rotated = 0
    for pk in Connection.objects.exclude(secrets_encrypted="").values_list("pk", flat=True):
        with transaction.atomic():
            connection = Connection.objects.select_for_update().get(pk=pk)
            if connection.secrets_encrypted:
                connection.secrets_encrypted = secret_rotate(connection.secrets_encrypted)
                connection.save(update_fields=["secrets_encrypted"])
                rotated += 1
    return rotated
