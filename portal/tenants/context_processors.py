from portal.tenants.roles import permissions_of
from portal.tenants.selectors import memberships_of_user


def current_organization(request):
    """Navigation needs the organization of the page (if any) and the user's other organizations."""
    membership = getattr(request, "membership", None)
    context = {"current_membership": membership}
    if membership is not None:
        context["current_organization"] = membership.organization
        context["can"] = {p.value: True for p in permissions_of(membership.role)}
    if request.user.is_authenticated:
        context["my_memberships"] = list(memberships_of_user(request.user))
    return context
