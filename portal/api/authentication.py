"""Personal API tokens: `Authorization: Bearer ferry_pat_…` besides the browser session."""

from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from portal.rows import row_or_none
from portal.tenants.models import PersonalApiToken
from portal.tokens import token_hash


class PersonalTokenAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).decode("latin-1")
        scheme, _, raw = header.partition(" ")
        if scheme != self.keyword or not raw.startswith("ferry_pat_"):
            return None  # not ours: session auth (or another scheme) may still apply
        token = row_or_none(
            PersonalApiToken.objects.select_related("user").filter(
                token_hash=token_hash(raw.strip()), revoked_at=None
            )
        )
        if token is None or not token.user.is_active:
            raise exceptions.AuthenticationFailed("This API token is unknown or revoked: create a new one.")
        now = timezone.now()
        # Writing on every request would turn reads into writes; once a minute is plenty.
        if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
            PersonalApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        return token.user, token

    def authenticate_header(self, request):
        return self.keyword


class PersonalTokenScheme(OpenApiAuthenticationExtension):
    target_class = "portal.api.authentication.PersonalTokenAuthentication"
    name = "personalToken"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer", "description": "A personal API token (ferry_pat_…)."}
