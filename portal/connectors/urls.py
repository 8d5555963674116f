from django.urls import path

from portal.connectors import views

urlpatterns = [
    path("o/<slug:org_slug>/connections/", views.connection_list, name="connection_list"),
    path("o/<slug:org_slug>/connections/new/", views.connection_create, name="connection_create"),
    path("o/<slug:org_slug>/connections/<int:pk>/edit/", views.connection_edit, name="connection_edit"),
    path("o/<slug:org_slug>/connections/<int:pk>/delete/", views.connection_delete, name="connection_delete"),
]
