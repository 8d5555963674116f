"""REST API for agents: register (with a one-time code), rotate, revoke, detach/attach, delete,
Update Configuration."""

from django.conf import settings
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from portal.agents import services
from portal.agents.models import Agent
from portal.api.base import OrganizationGenericViewSet


class AgentSerializer(serializers.ModelSerializer):
    online = serializers.SerializerMethodField()
    detached = serializers.SerializerMethodField()

    class Meta:
        model = Agent
        # Everything but the name and description is reported by the agent, not edited.
        read_only_fields = [
            "id",
            "online",
            "detached",
            "last_seen_at",
            "version",
            "hostname",
            "platform",
            "cpu_percent",
            "rss_mb",
            "outbox_depth",
            "registered_at",
            "created_at",
        ]
        fields = ["id", "name", "description", *read_only_fields[1:]]

    def get_online(self, agent) -> bool:
        return services.agent_is_online(agent)

    def get_detached(self, agent) -> bool:
        return agent.detached_at is not None


class RegistrationCodeSerializer(serializers.Serializer):
    code = serializers.CharField()
    expires_in_minutes = serializers.IntegerField()
    command = serializers.CharField()


def registration_code_response(code: str) -> dict:
    return {
        "code": code,
        "expires_in_minutes": 15,
        "command": f"ferry-agent register --portal {settings.FERRY_PUBLIC_URL} --code {code}",
    }


class AgentViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    OrganizationGenericViewSet,
):
    """Agents of the organization. Creating one returns its one-time registration code and command."""

    queryset = Agent.objects.all()
    serializer_class = AgentSerializer
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    @extend_schema(
        responses={
            201: inline_serializer(
                "AgentCreated", {"agent": AgentSerializer(), "registration": RegistrationCodeSerializer()}
            )
        }
    )
    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        agent, code = services.agent_create(
            organization=self.organization,
            actor=request.user,
            name=serializer.validated_data["name"],
            description=serializer.validated_data.get("description", ""),
        )
        return Response(
            {"agent": AgentSerializer(agent).data, "registration": registration_code_response(code)},
            status=status.HTTP_201_CREATED,
        )

    def perform_update(self, serializer):
        # Through the service: the (organization, name) constraint answers 400, not 500, and is audited.
        services.agent_update(
            agent=serializer.instance,
            actor=self.request.user,
            name=serializer.validated_data.get("name"),
            description=serializer.validated_data.get("description"),
        )

    def perform_destroy(self, instance):
        services.agent_delete(agent=instance, actor=self.request.user)

    @extend_schema(request=None, responses={200: RegistrationCodeSerializer})
    @action(detail=True, methods=["post"])
    def rotate(self, request, org_slug, pk):
        """A new one-time code; old tokens stay valid for an hour after the agent registers with it."""
        return Response(
            registration_code_response(services.agent_rotate(agent=self.get_object(), actor=request.user))
        )

    @extend_schema(request=None, responses={200: AgentSerializer})
    @action(detail=True, methods=["post"])
    def revoke(self, request, org_slug, pk):
        agent = self.get_object()
        services.agent_revoke(agent=agent, actor=request.user)
        return Response(AgentSerializer(agent).data)

    @extend_schema(request=None, responses={200: AgentSerializer})
    @action(detail=True, methods=["post"])
    def detach(self, request, org_slug, pk):
        agent = self.get_object()
        services.agent_detach(agent=agent, actor=request.user)
        agent.refresh_from_db()
        return Response(AgentSerializer(agent).data)

    @extend_schema(request=None, responses={200: AgentSerializer})
    @action(detail=True, methods=["post"])
    def attach(self, request, org_slug, pk):
        agent = self.get_object()
        services.agent_attach(agent=agent, actor=request.user)
        agent.refresh_from_db()
        return Response(AgentSerializer(agent).data)

    @extend_schema(
        request=None,
        responses={200: inline_serializer("ConfigurationSent", {"frames": serializers.IntegerField()})},
    )
    @action(detail=True, methods=["post"], url_path="update-configuration")
    def update_configuration(self, request, org_slug, pk):
        """Tell the agent its published plans and lookup tables are available (it pulls them)."""
        return Response(
            {"frames": services.agent_update_configuration(agent=self.get_object(), actor=request.user)}
        )


class RegisterView(APIView):
    """`ferry-agent register`: exchange a one-time code for the agent's token (shown once)."""

    authentication_classes: list = []
    permission_classes = [AllowAny]

    @extend_schema(
        request=inline_serializer(
            "AgentRegistration",
            {
                "code": serializers.CharField(),
                "hostname": serializers.CharField(required=False),
                "platform": serializers.CharField(required=False),
                "agent_version": serializers.CharField(required=False),
                "name": serializers.CharField(required=False),
            },
        ),
        responses={
            201: inline_serializer(
                "AgentRegistered",
                {
                    "agent_id": serializers.CharField(),
                    "token": serializers.CharField(),
                    "organization": serializers.CharField(),
                    "name": serializers.CharField(),
                },
            )
        },
    )
    def post(self, request):
        code = request.data.get("code")
        if not isinstance(code, str) or not code.strip():
            return Response({"detail": "Give the registration code shown in the portal."}, status=400)
        agent, token = services.agent_register(
            code=code,
            hostname=str(request.data.get("hostname", "")),
            platform=str(request.data.get("platform", "")),
            agent_version=str(request.data.get("agent_version", "")),
        )
        return Response(
            {
                "agent_id": str(agent.pk),
                "token": token,
                "organization": agent.organization.slug,
                "name": agent.name,
            },
            status=201,
        )
