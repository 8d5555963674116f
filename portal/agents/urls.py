from django.urls import path

from portal.agents import views

urlpatterns = [
    path("o/<slug:org_slug>/agents/", views.agent_list, name="agent_list"),
    path("o/<slug:org_slug>/agents/rows/", views.agent_table, name="agent_table"),
    path("o/<slug:org_slug>/agents/register/", views.agent_register, name="agent_register"),
    path("o/<slug:org_slug>/agents/<int:pk>/rotate/", views.agent_rotate, name="agent_rotate"),
    path("o/<slug:org_slug>/agents/<int:pk>/detach/", views.agent_detach, name="agent_detach"),
    path("o/<slug:org_slug>/agents/<int:pk>/attach/", views.agent_attach, name="agent_attach"),
    path("o/<slug:org_slug>/agents/<int:pk>/delete/", views.agent_delete, name="agent_delete"),
    path(
        "o/<slug:org_slug>/agents/<int:pk>/update-configuration/",
        views.agent_update_configuration,
        name="agent_update_configuration",
    ),
]
