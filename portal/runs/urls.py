from django.urls import path

from portal.runs import views

urlpatterns = [
    path("o/<slug:org_slug>/runs/", views.run_list, name="run_list"),
    path("o/<slug:org_slug>/runs/<uuid:run_id>/", views.run_detail, name="run_detail"),
    path("o/<slug:org_slug>/runs/<uuid:run_id>/row/", views.run_row, name="run_row"),
    path("o/<slug:org_slug>/runs/<uuid:run_id>/tree/", views.run_tree, name="run_tree"),
    path(
        "o/<slug:org_slug>/runs/<uuid:run_id>/nodes/<str:node_id>/<str:tab>/",
        views.run_node_tab,
        name="run_node_tab",
    ),
    path("o/<slug:org_slug>/runs/<uuid:run_id>/cancel/", views.run_cancel, name="run_cancel"),
    path("o/<slug:org_slug>/runs/<uuid:run_id>/reprocess/", views.run_reprocess, name="run_reprocess"),
    path("o/<slug:org_slug>/workflows/<int:pk>/run/", views.workflow_run, name="workflow_run"),
]
