from django.urls import path

from portal.workflows import views, views_lookups

urlpatterns = [
    path("o/<slug:org_slug>/workflows/", views.workflow_list, name="workflow_list"),
    path("o/<slug:org_slug>/workflows/new/", views.workflow_new, name="workflow_new"),
    path("o/<slug:org_slug>/workflows/<int:pk>/design/", views.workflow_design, name="workflow_design"),
    path(
        "o/<slug:org_slug>/workflows/<int:pk>/versions/",
        views.workflow_versions_page,
        name="workflow_versions",
    ),
    path(
        "o/<slug:org_slug>/workflows/<int:pk>/versions/action/",
        views.workflow_version_action,
        name="workflow_version_action",
    ),
    path("o/<slug:org_slug>/workflows/<int:pk>/active/", views.workflow_active, name="workflow_active"),
    path("o/<slug:org_slug>/lookups/", views_lookups.lookup_tables, name="lookup_tables"),
    path("o/<slug:org_slug>/lookups/new/", views_lookups.lookup_table_create, name="lookup_table_create"),
    path(
        "o/<slug:org_slug>/lookups/<int:pk>/save/", views_lookups.lookup_table_save, name="lookup_table_save"
    ),
    path(
        "o/<slug:org_slug>/lookups/<int:pk>/import/",
        views_lookups.lookup_table_import,
        name="lookup_table_import",
    ),
    path(
        "o/<slug:org_slug>/lookups/<int:pk>/export.csv",
        views_lookups.lookup_table_export,
        name="lookup_table_export",
    ),
    path(
        "o/<slug:org_slug>/lookups/<int:pk>/delete/",
        views_lookups.lookup_table_delete,
        name="lookup_table_delete",
    ),
]
