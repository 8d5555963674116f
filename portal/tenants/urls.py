from django.contrib.auth import views as auth_views
from django.urls import path

from portal.tenants import views

urlpatterns = [
    path("", views.home, name="home"),
    path("signup/", views.signup, name="signup"),
    path("login/", auth_views.LoginView.as_view(template_name="tenants/login.html"), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("invite/<str:raw>/", views.invitation_open, name="invitation_open"),
    path("account/tokens/", views.api_tokens, name="api_tokens"),
    path("account/tokens/<int:pk>/revoke/", views.api_token_revoke, name="api_token_revoke"),
    path("o/<slug:org_slug>/", views.dashboard, name="dashboard"),
    path("o/<slug:org_slug>/members/", views.members, name="members"),
    path("o/<slug:org_slug>/members/invite/", views.invitation_create, name="invitation_create"),
    path(
        "o/<slug:org_slug>/members/invite/<int:pk>/revoke/", views.invitation_revoke, name="invitation_revoke"
    ),
    path("o/<slug:org_slug>/members/<int:pk>/role/", views.member_role_change, name="member_role_change"),
    path("o/<slug:org_slug>/members/<int:pk>/remove/", views.member_remove, name="member_remove"),
    path("o/<slug:org_slug>/audit/", views.audit_log, name="audit_log"),
]
