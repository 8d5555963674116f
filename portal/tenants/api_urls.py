from django.urls import path
from rest_framework.routers import SimpleRouter

from portal.tenants import api

org_router = SimpleRouter()
org_router.register("members", api.MemberViewSet, basename="member")
org_router.register("invitations", api.InvitationViewSet, basename="invitation")
org_router.register("audit-events", api.AuditEventViewSet, basename="audit-event")

user_router = SimpleRouter()
user_router.register("tokens", api.ApiTokenViewSet, basename="api-token")

org_urlpatterns = [
    path("", api.OrganizationDetailView.as_view(), name="organization-detail"),
    *org_router.urls,
]
user_urlpatterns = [
    path("orgs/", api.MyOrganizationsView.as_view(), name="my-organizations"),
    *user_router.urls,
]
