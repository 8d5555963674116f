"""The base for every organization API: `/api/orgs/<org_slug>/...`.

It resolves the organization from the URL and the user's membership (not a member → 404, the
same answer as "no such organization"), checks the role rule for the action, and scopes every
queryset to the organization. Subclasses cannot override `get_queryset` (refused at class
creation); they narrow it with `filter_scoped_queryset` instead, so scoping cannot be skipped
by accident.
"""

from functools import cached_property

from django.http import Http404
from rest_framework import permissions, viewsets

from portal.tenants.roles import Permission, role_allows
from portal.tenants.selectors import membership_for


class OrganizationRolePermission(permissions.BasePermission):
    message = "Your role in this organization does not allow this."

    def has_permission(self, request, view) -> bool:
        if not request.user or not request.user.is_authenticated:
            return False
        membership = view.membership  # raises 404 for non-members
        return role_allows(membership.role, view.permission_required(request))


class OrganizationScopedMixin:
    permission_classes = [OrganizationRolePermission]
    #: what non-read requests need; a view may refine per action with `action_permissions`
    write_permission: Permission = Permission.ADMINISTER
    action_permissions: dict[str, Permission] = {}

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "get_queryset" in cls.__dict__:
            raise TypeError(
                f"{cls.__name__} overrides get_queryset: override filter_scoped_queryset instead so "
                "the organization scope always applies."
            )

    @cached_property
    def membership(self):
        slug = self.kwargs.get("org_slug")
        if slug is None:
            raise Http404
        return membership_for(user=self.request.user, slug=slug)

    @property
    def organization(self):
        return self.membership.organization

    def permission_required(self, request) -> Permission:
        action = getattr(self, "action", None)
        if action in self.action_permissions:
            return self.action_permissions[action]
        if request.method in permissions.SAFE_METHODS:
            return Permission.READ
        return self.write_permission

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation: no request organization
            return self.queryset.model.objects.none()
        return self.filter_scoped_queryset(self.queryset.model.objects.filter(organization=self.organization))

    def filter_scoped_queryset(self, queryset):
        return queryset

    def get_serializer_context(self):
        context = super().get_serializer_context()
        if not getattr(self, "swagger_fake_view", False) and "org_slug" in self.kwargs:
            context["organization"] = self.organization
        return context


class OrganizationViewSet(OrganizationScopedMixin, viewsets.ModelViewSet):
    pass


class OrganizationReadOnlyViewSet(OrganizationScopedMixin, viewsets.ReadOnlyModelViewSet):
    pass


class OrganizationGenericViewSet(OrganizationScopedMixin, viewsets.GenericViewSet):
    pass
