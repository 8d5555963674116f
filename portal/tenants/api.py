"""REST API for organizations, members, invitations, the audit log and personal API tokens."""

from drf_spectacular.utils import extend_schema
from rest_framework import generics, mixins, serializers, status, viewsets
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from portal.api.base import OrganizationGenericViewSet, OrganizationReadOnlyViewSet, OrganizationScopedMixin
from portal.tenants import services
from portal.tenants.models import AuditEvent, Invitation, Membership, Organization, PersonalApiToken
from portal.tenants.roles import Permission, Role, permissions_of
from portal.tenants.selectors import memberships_of_user, user_api_tokens


class OrganizationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Organization
        fields = ["slug", "name", "created_at"]
        read_only_fields = ["slug", "created_at"]


class MyOrganizationSerializer(serializers.Serializer):
    slug = serializers.CharField(source="organization.slug")
    name = serializers.CharField(source="organization.name")
    role = serializers.CharField()
    permissions = serializers.SerializerMethodField()

    def get_permissions(self, membership) -> list[str]:
        return sorted(permissions_of(membership.role))


class MyOrganizationsView(generics.ListAPIView):
    """The organizations the caller belongs to, with the caller's role in each."""

    permission_classes = [IsAuthenticated]
    serializer_class = MyOrganizationSerializer
    pagination_class = None

    def get_queryset(self):
        return memberships_of_user(self.request.user)


class OrganizationDetailView(OrganizationScopedMixin, generics.GenericAPIView):
    serializer_class = OrganizationSerializer

    def get(self, request, org_slug):
        return Response(OrganizationSerializer(self.organization).data)

    def patch(self, request, org_slug):
        serializer = OrganizationSerializer(self.organization, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        serializer.save()
        services.audit_record(
            organization=self.organization,
            actor=request.user,
            action="organization.renamed",
            target=self.organization,
            data={"name": serializer.instance.name},
        )
        return Response(serializer.data)


class MemberSerializer(serializers.ModelSerializer):
    email = serializers.EmailField(source="user.email", read_only=True)
    name = serializers.CharField(source="user.get_full_name", read_only=True)
    role = serializers.ChoiceField(choices=Role.choices)

    class Meta:
        model = Membership
        fields = ["id", "email", "name", "role", "created_at"]
        read_only_fields = ["id", "email", "name", "created_at"]


class MemberViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    OrganizationGenericViewSet,
):
    """Members of the organization. Changing roles and removing members is for owners."""

    queryset = Membership.objects.all()
    serializer_class = MemberSerializer
    write_permission = Permission.MANAGE_MEMBERS
    http_method_names = ["get", "patch", "delete", "head", "options"]

    def filter_scoped_queryset(self, queryset):
        return queryset.select_related("user").order_by("user__email")

    def perform_update(self, serializer):
        serializer.instance = services.membership_role_change(
            membership=serializer.instance, role=serializer.validated_data["role"], actor=self.request.user
        )

    def perform_destroy(self, instance):
        services.membership_remove(membership=instance, actor=self.request.user)


class InvitationSerializer(serializers.ModelSerializer):
    link = serializers.SerializerMethodField()

    class Meta:
        model = Invitation
        fields = ["id", "email", "role", "created_at", "expires_at", "accepted_at", "link"]
        read_only_fields = ["id", "created_at", "expires_at", "accepted_at", "link"]

    def get_link(self, invitation) -> str | None:
        raw = self.context.get("raw_token")
        return services.invitation_link(raw) if raw else None


class InvitationViewSet(
    mixins.ListModelMixin, mixins.CreateModelMixin, mixins.DestroyModelMixin, OrganizationGenericViewSet
):
    """Invite-by-link. The link is returned once, when the invitation is created."""

    queryset = Invitation.objects.all()
    serializer_class = InvitationSerializer
    write_permission = Permission.MANAGE_MEMBERS
    action_permissions = {"list": Permission.MANAGE_MEMBERS}

    def filter_scoped_queryset(self, queryset):
        return queryset.filter(accepted_at=None, revoked_at=None)

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        invitation, raw = services.invitation_create(
            organization=self.organization,
            role=serializer.validated_data["role"],
            email=serializer.validated_data.get("email", ""),
            actor=request.user,
        )
        data = InvitationSerializer(invitation, context={"raw_token": raw}).data
        return Response(data, status=status.HTTP_201_CREATED)

    def perform_destroy(self, instance):
        services.invitation_revoke(invitation=instance, actor=self.request.user)


class AuditEventSerializer(serializers.ModelSerializer):
    actor = serializers.EmailField(source="actor.email", default=None, read_only=True)

    class Meta:
        model = AuditEvent
        fields = ["id", "created_at", "actor", "action", "target_type", "target_id", "data"]


class AuditEventViewSet(OrganizationReadOnlyViewSet):
    queryset = AuditEvent.objects.all()
    serializer_class = AuditEventSerializer
    action_permissions = {"list": Permission.ADMINISTER, "retrieve": Permission.ADMINISTER}

    def filter_scoped_queryset(self, queryset):
        return queryset.select_related("actor")


class ApiTokenSerializer(serializers.ModelSerializer):
    token = serializers.SerializerMethodField()

    class Meta:
        model = PersonalApiToken
        fields = ["id", "name", "prefix", "created_at", "last_used_at", "revoked_at", "token"]
        read_only_fields = ["id", "prefix", "created_at", "last_used_at", "revoked_at", "token"]

    def get_token(self, obj) -> str | None:
        return self.context.get("raw_token")


class ApiTokenViewSet(
    mixins.ListModelMixin, mixins.CreateModelMixin, mixins.DestroyModelMixin, viewsets.GenericViewSet
):
    """The caller's personal API tokens. The token itself is shown once, at creation."""

    permission_classes = [IsAuthenticated]
    serializer_class = ApiTokenSerializer
    pagination_class = None

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return PersonalApiToken.objects.none()
        return user_api_tokens(self.request.user)

    @extend_schema(responses={201: ApiTokenSerializer})
    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        token, raw = services.api_token_create(user=request.user, name=serializer.validated_data["name"])
        return Response(
            ApiTokenSerializer(token, context={"raw_token": raw}).data, status=status.HTTP_201_CREATED
        )

    def perform_destroy(self, instance):
        services.api_token_revoke(token=instance)
