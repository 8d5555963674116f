"""URL map. Every organization API lives under /api/orgs/<org_slug>/; pages under /o/<org_slug>/."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from portal.agents import api_urls as agent_api
from portal.connectors import api_urls as connector_api
from portal.tenants import api_urls as tenant_api
from portal.webhooks import api_urls as webhook_api
from portal.workflows import api_urls as workflow_api

org_api = [
    *tenant_api.org_urlpatterns,
    *connector_api.org_urlpatterns,
    *workflow_api.org_urlpatterns,
    *agent_api.org_urlpatterns,
    *webhook_api.org_urlpatterns,
]

urlpatterns = [
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("api/", include(tenant_api.user_urlpatterns)),
    path("api/", include(agent_api.public_urlpatterns)),
    path("api/orgs/<slug:org_slug>/", include(org_api)),
    # Shopify posts here; outside api/ because the caller is Shopify (HMAC-signed), not a member.
    path("hooks/", include("portal.webhooks.urls")),
    path("", include("portal.tenants.urls")),
    path("", include("portal.workflows.urls")),
    path("", include("portal.connectors.urls")),
    path("", include("portal.agents.urls")),
    path("", include("portal.runs.urls")),
    path("", include("portal.dashboards.urls")),
    path("", include("portal.schedules.urls")),
]
