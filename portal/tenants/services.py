"""Writes for organizations, members, invitations, personal API tokens and the audit log."""

from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from portal.tenants.models import AuditEvent, Invitation, Membership, Organization, PersonalApiToken
from portal.tenants.roles import Role
from portal.tokens import token_hash, token_new, token_prefix

User = get_user_model()


def audit_record(*, organization, actor, action: str, target=None, data: dict | None = None) -> AuditEvent:
    return AuditEvent.objects.create(
        organization=organization,
        actor=actor if actor is not None and actor.is_authenticated else None,
        action=action,
        target_type=target.__class__.__name__.lower() if target is not None else "",
        target_id=str(target.pk) if target is not None else "",
        data=data or {},
    )


def _unique_slug(name: str) -> str:
    base = slugify(name)[:50] or "org"
    slug, n = base, 1
    while Organization.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug


@transaction.atomic
def organization_create(*, name: str, owner) -> Organization:
    name = name.strip()
    if not name:
        raise ValidationError("Give the organization a name.")
    organization = Organization.objects.create(name=name, slug=_unique_slug(name))
    Membership.objects.create(organization=organization, user=owner, role=Role.OWNER)
    audit_record(organization=organization, actor=owner, action="organization.created", target=organization)
    return organization


@transaction.atomic
def user_signup(*, email: str, password: str, organization_name: str, full_name: str = "") -> tuple:
    email = User.objects.normalize_email(email).lower()
    if User.objects.filter(username=email).exists():
        raise ValidationError("An account with this email already exists: log in instead.")
    first, _, last = full_name.strip().partition(" ")
    user = User.objects.create_user(
        username=email, email=email, password=password, first_name=first, last_name=last
    )
    organization = organization_create(name=organization_name, owner=user)
    return user, organization


def _owners_left(organization, excluding: Membership) -> int:
    return (
        Membership.objects.for_organization(organization)
        .filter(role=Role.OWNER)
        .exclude(pk=excluding.pk)
        .count()
    )


@transaction.atomic
def membership_role_change(*, membership: Membership, role: str, actor) -> Membership:
    if role not in Role.values:
        raise ValidationError(f"{role!r} is not a role: choose one of {', '.join(Role.values)}.")
    membership = Membership.objects.select_for_update().get(pk=membership.pk)
    if (
        membership.role == Role.OWNER
        and role != Role.OWNER
        and _owners_left(membership.organization, membership) == 0
    ):
        raise ValidationError("An organization needs at least one owner: make someone else owner first.")
    old = membership.role
    membership.role = role
    membership.save(update_fields=["role"])
    audit_record(
        organization=membership.organization,
        actor=actor,
        action="member.role_changed",
        target=membership,
        data={"user": membership.user.email, "from": old, "to": role},
    )
    return membership


@transaction.atomic
def membership_remove(*, membership: Membership, actor) -> None:
    membership = Membership.objects.select_for_update().get(pk=membership.pk)
    if membership.role == Role.OWNER and _owners_left(membership.organization, membership) == 0:
        raise ValidationError("The last owner cannot be removed: make someone else owner first.")
    audit_record(
        organization=membership.organization,
        actor=actor,
        action="member.removed",
        target=membership,
        data={"user": membership.user.email, "role": membership.role},
    )
    membership.delete()


def invitation_create(*, organization, role: str, actor, email: str = "") -> tuple[Invitation, str]:
    """Returns the invitation and the secret for its link (shown once, never stored)."""
    if role not in Role.values:
        raise ValidationError(f"{role!r} is not a role: choose one of {', '.join(Role.values)}.")
    raw = token_new("inv")
    invitation = Invitation.objects.create(
        organization=organization,
        email=email.strip().lower(),
        role=role,
        token_hash=token_hash(raw),
        created_by=actor,
        expires_at=timezone.now() + timedelta(days=settings.FERRY_INVITATION_DAYS),
    )
    audit_record(
        organization=organization,
        actor=actor,
        action="invitation.created",
        target=invitation,
        data={"role": role},
    )
    return invitation, raw


def invitation_link(raw: str) -> str:
    return f"{settings.FERRY_PUBLIC_URL}/invite/{raw}/"


def invitation_revoke(*, invitation: Invitation, actor) -> None:
    invitation.revoked_at = timezone.now()
    invitation.save(update_fields=["revoked_at"])
    audit_record(
        organization=invitation.organization, actor=actor, action="invitation.revoked", target=invitation
    )


def invitation_find_usable(raw: str) -> Invitation:
    """The open invitation behind a link, or ValidationError saying why it cannot be used."""
    # Unscoped on purpose: the link's secret is what identifies the organization here.
    invitation = Invitation.objects.select_related("organization").filter(token_hash=token_hash(raw)).first()
    if invitation is None or invitation.revoked_at:
        raise ValidationError("This invitation link is not valid. Ask for a new one.")
    if invitation.accepted_at:
        raise ValidationError("This invitation link was already used. Ask for a new one.")
    if invitation.expires_at < timezone.now():
        raise ValidationError("This invitation link has expired. Ask for a new one.")
    return invitation


@transaction.atomic
def invitation_accept(*, raw: str, user) -> Membership:
    invitation = invitation_find_usable(raw)
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.accepted_at:
        raise ValidationError("This invitation link was already used. Ask for a new one.")
    membership, created = Membership.objects.get_or_create(
        organization=invitation.organization, user=user, defaults={"role": invitation.role}
    )
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = user
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    audit_record(
        organization=invitation.organization,
        actor=user,
        action="invitation.accepted",
        target=invitation,
        data={"user": user.email, "role": membership.role, "already_member": not created},
    )
    return membership


def api_token_create(*, user, name: str) -> tuple[PersonalApiToken, str]:
    name = name.strip()
    if not name:
        raise ValidationError("Name the token after what will use it, e.g. 'deploy script'.")
    raw = token_new("pat")
    token = PersonalApiToken.objects.create(
        user=user, name=name[:80], prefix=token_prefix(raw), token_hash=token_hash(raw)
    )
    return token, raw


def api_token_revoke(*, token: PersonalApiToken) -> None:
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
