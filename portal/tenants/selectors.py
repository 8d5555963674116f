"""Reads for organizations and members. Every function takes the organization or the user first."""

from django.http import Http404

from portal.rows import row_or_none
from portal.tenants.models import AuditEvent, Invitation, Membership, Organization, PersonalApiToken


def memberships_of_user(user):
    return Membership.objects.filter(user=user).select_related("organization").order_by("organization__name")


def membership_for(*, user, slug: str) -> Membership:
    """The user's membership in the organization with this slug; 404 when there is none.

    Not being a member looks exactly like the organization not existing.
    """
    if not user.is_authenticated:
        raise Http404
    membership = row_or_none(
        Membership.objects.select_related("organization").filter(user=user, organization__slug=slug)
    )
    if membership is None:
        raise Http404
    return membership


def organization_members(organization):
    return Membership.objects.for_organization(organization).select_related("user").order_by("user__email")


def organization_invitations_open(organization):
    return Invitation.objects.for_organization(organization).filter(accepted_at=None, revoked_at=None)


def organization_audit_events(organization):
    return AuditEvent.objects.for_organization(organization).select_related("actor")


def user_api_tokens(user):
    return PersonalApiToken.objects.filter(user=user)


def organization_by_slug_for_user(*, user, slug: str) -> Organization:
    return membership_for(user=user, slug=slug).organization
