from django.urls import path

from portal.dashboards import views

# The organization dashboard itself is /o/<org_slug>/ (`tenants.urls`, name "dashboard").
urlpatterns = [
    path(
        "o/<slug:org_slug>/dashboard/errors/<int:workflow_pk>/<str:pattern_hash>/",
        views.error_records,
        name="dashboard_error_records",
    ),
    path("platform/", views.platform_dashboard, name="platform_dashboard"),
    path("platform/orgs/<slug:org_slug>/", views.platform_organization, name="platform_organization"),
]
