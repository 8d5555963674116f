from django.urls import path

from portal.schedules import views

urlpatterns = [
    path("o/<slug:org_slug>/workflows/<int:pk>/schedule/", views.workflow_schedule, name="workflow_schedule"),
]
