"""Access for HTML pages under /o/<org_slug>/: membership (else 404) and the role rule (else 403)."""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied

from portal.tenants.roles import Permission, role_allows
from portal.tenants.selectors import membership_for


def org_page(permission: Permission = Permission.READ):
    """Decorate a view `view(request, organization, ...)` reached as `/o/<org_slug>/...`."""

    def decorator(view):
        @login_required
        @wraps(view)
        def wrapped(request, org_slug, *args, **kwargs):
            membership = membership_for(user=request.user, slug=org_slug)
            if not role_allows(membership.role, permission):
                raise PermissionDenied("Your role in this organization does not allow this.")
            request.membership = membership
            request.session["current_org"] = org_slug  # "switch organization" remembers the choice
            return view(request, membership.organization, *args, **kwargs)

        return wrapped

    return decorator
