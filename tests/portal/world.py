"""One object of every tenant-owned model, in a given organization.

The cross-tenant test needs an object behind every detail route. When a new tenant model
appears, add it here: the test fails (naming the model) until you do.
"""

from portal.agents.models import Agent
from portal.tenants.models import AuditEvent, Invitation, Membership
from portal.tenants.services import audit_record, invitation_create


def build_world(*, organization, owner, member) -> dict[type, object]:
    invitation, _ = invitation_create(organization=organization, role="operator", actor=owner)
    world: dict[type, object] = {
        Membership: Membership.objects.get(organization=organization, user=member),
        Invitation: invitation,
        AuditEvent: audit_record(organization=organization, actor=owner, action="test.world_built"),
        Agent: Agent.objects.create(organization=organization, name="sage-server"),
    }
    return world
