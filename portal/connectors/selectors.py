"""Reads for connections. Secret values never leave through here: only which ones are set."""

from portal.connectors.kinds import KINDS
from portal.connectors.models import Connection
from portal.connectors.services import connection_secrets


def organization_connections(organization):
    return Connection.objects.for_organization(organization).order_by("name")


def connection_by_name(*, organization, name: str) -> Connection | None:
    return Connection.objects.for_organization(organization).filter(name=name).first()


def connection_secret_flags(connection: Connection) -> dict[str, bool]:
    """`{"token": True, "webhook_secret": False}`: which of the kind's secrets are set."""
    present = connection_secrets(connection)
    return {name: name in present for name in KINDS[connection.kind].secrets}
