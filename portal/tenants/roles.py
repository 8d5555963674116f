"""Who may do what: the one place where role rules live.

viewer reads; operator also runs and reprocesses; admin also designs, publishes, manages
agents and connections; owner also manages members.
"""

from enum import StrEnum

from django.db import models


class Role(models.TextChoices):
    OWNER = "owner", "Owner"
    ADMIN = "admin", "Admin"
    OPERATOR = "operator", "Operator"
    VIEWER = "viewer", "Viewer"


class Permission(StrEnum):
    READ = "read"
    OPERATE = "operate"  # run workflows, reprocess records, cancel runs
    ADMINISTER = "administer"  # design, generate, publish; manage agents, connections, lookup tables
    MANAGE_MEMBERS = "manage_members"


_GRANTS: dict[str, frozenset[Permission]] = {
    Role.VIEWER: frozenset({Permission.READ}),
    Role.OPERATOR: frozenset({Permission.READ, Permission.OPERATE}),
    Role.ADMIN: frozenset({Permission.READ, Permission.OPERATE, Permission.ADMINISTER}),
    Role.OWNER: frozenset(Permission),
}


def role_allows(role: str, permission: Permission) -> bool:
    return permission in _GRANTS.get(role, frozenset())


def permissions_of(role: str) -> frozenset[Permission]:
    return _GRANTS.get(role, frozenset())
