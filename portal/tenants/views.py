"""Pages for accounts and organizations. Thin: forms in, services called, templates out."""

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from portal.dashboards.views import organization_dashboard
from portal.tenants import selectors, services
from portal.tenants.access import org_page
from portal.tenants.forms import ApiTokenForm, InvitationForm, RoleForm, SignupForm
from portal.tenants.models import Invitation, Membership, PersonalApiToken
from portal.tenants.roles import Permission


def home(request):
    if not request.user.is_authenticated:
        return redirect("login")
    memberships = selectors.memberships_of_user(request.user)
    remembered = request.session.get("current_org")
    chosen = next((m for m in memberships if m.organization.slug == remembered), None) or memberships.first()
    if chosen is None:
        return render(request, "tenants/no_organization.html")
    return redirect("dashboard", org_slug=chosen.organization.slug)


def signup(request):
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user, organization = services.user_signup(
                email=data["email"],
                password=data["password"],
                organization_name=data["organization_name"],
                full_name=data["full_name"],
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, f"Welcome to Ferry. {organization.name} is ready.")
            return redirect("dashboard", org_slug=organization.slug)
    return render(request, "tenants/signup.html", {"form": form})


def invitation_open(request, raw):
    try:
        invitation = services.invitation_find_usable(raw)
    except ValidationError as exc:
        return render(request, "tenants/invitation_invalid.html", {"reason": exc.messages[0]}, status=410)
    if request.user.is_authenticated:
        if request.method == "POST":
            membership = services.invitation_accept(raw=raw, user=request.user)
            messages.success(request, f"You joined {membership.organization.name} as {membership.role}.")
            return redirect("dashboard", org_slug=membership.organization.slug)
        return render(request, "tenants/invitation_accept.html", {"invitation": invitation})
    form = SignupForm(request.POST or None, with_organization=False, initial={"email": invitation.email})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        user = services.User.objects.create_user(
            username=data["email"],
            email=data["email"],
            password=data["password"],
            first_name=data["full_name"].partition(" ")[0],
            last_name=data["full_name"].partition(" ")[2],
        )
        membership = services.invitation_accept(raw=raw, user=user)
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(request, f"Welcome to Ferry. You joined {membership.organization.name}.")
        return redirect("dashboard", org_slug=membership.organization.slug)
    login_url = f"{reverse('login')}?next={request.path}"
    return render(
        request,
        "tenants/invitation_signup.html",
        {"invitation": invitation, "form": form, "login_url": login_url},
    )


@org_page()
def dashboard(request, organization):
    return organization_dashboard(request, organization)


@org_page()
def members(request, organization):
    context = {
        "organization": organization,
        "members": selectors.organization_members(organization),
        "invitations": selectors.organization_invitations_open(organization),
        "invitation_form": InvitationForm(),
        "roles": RoleForm.base_fields["role"].choices,
        "new_link": request.session.pop("new_invitation_link", None),
    }
    return render(request, "tenants/members.html", context)


@require_POST
@org_page(Permission.MANAGE_MEMBERS)
def invitation_create(request, organization):
    form = InvitationForm(request.POST)
    if form.is_valid():
        _, raw = services.invitation_create(
            organization=organization,
            role=form.cleaned_data["role"],
            email=form.cleaned_data["email"],
            actor=request.user,
        )
        request.session["new_invitation_link"] = services.invitation_link(raw)
        messages.success(request, "Invitation link created: copy it now, it is shown only once.")
    else:
        messages.error(request, "Choose a role for the invitation.")
    return redirect("members", org_slug=organization.slug)


@require_POST
@org_page(Permission.MANAGE_MEMBERS)
def invitation_revoke(request, organization, pk):
    invitation = get_object_or_404(Invitation.objects.for_organization(organization), pk=pk)
    services.invitation_revoke(invitation=invitation, actor=request.user)
    messages.success(request, "Invitation revoked.")
    return redirect("members", org_slug=organization.slug)


@require_POST
@org_page(Permission.MANAGE_MEMBERS)
def member_role_change(request, organization, pk):
    membership = get_object_or_404(Membership.objects.for_organization(organization), pk=pk)
    form = RoleForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError("Choose one of the roles.")
        services.membership_role_change(
            membership=membership, role=form.cleaned_data["role"], actor=request.user
        )
        messages.success(request, f"{membership.user.email} is now {form.cleaned_data['role']}.")
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
    return redirect("members", org_slug=organization.slug)


@require_POST
@org_page(Permission.MANAGE_MEMBERS)
def member_remove(request, organization, pk):
    membership = get_object_or_404(Membership.objects.for_organization(organization), pk=pk)
    try:
        services.membership_remove(membership=membership, actor=request.user)
        messages.success(request, f"{membership.user.email} was removed.")
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
    return redirect("members", org_slug=organization.slug)


@org_page(Permission.ADMINISTER)
def audit_log(request, organization):
    events = selectors.organization_audit_events(organization)[:200]
    return render(request, "tenants/audit_log.html", {"organization": organization, "events": events})


@login_required
def api_tokens(request):
    form = ApiTokenForm(request.POST or None)
    new_token = None
    if request.method == "POST" and form.is_valid():
        _, new_token = services.api_token_create(user=request.user, name=form.cleaned_data["name"])
        messages.success(request, "Token created: copy it now, it is shown only once.")
        form = ApiTokenForm()
    tokens = selectors.user_api_tokens(request.user)
    return render(
        request, "tenants/api_tokens.html", {"form": form, "tokens": tokens, "new_token": new_token}
    )


@require_POST
@login_required
def api_token_revoke(request, pk):
    token = get_object_or_404(PersonalApiToken.objects.filter(user=request.user), pk=pk)
    services.api_token_revoke(token=token)
    messages.success(request, f"Token {token.name} revoked.")
    return redirect("api_tokens")
