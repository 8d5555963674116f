"""Shared fixtures. Three actors, as everywhere in Ferry's tests:

- Alice owns organization "Acme";
- Bob is a member of Acme (his role varies by test);
- Charlie owns organization "Globex" and must see nothing of Acme.
"""

import os

import pytest
from django.conf import settings


def pytest_configure(config):
    # In CI a green run must mean the real database: refuse anything but PostgreSQL.
    if os.environ.get("CI", "").lower() == "true":
        engine = settings.DATABASES["default"]["ENGINE"]
        if engine != "django.db.backends.postgresql":
            raise pytest.UsageError(
                f"CI=true but the database engine is {engine}: set DATABASE_URL to PostgreSQL."
            )


@pytest.fixture
def make_user(db, django_user_model):
    def make(email: str, password: str = "correct-horse-battery"):
        return django_user_model.objects.create_user(username=email, email=email, password=password)

    return make


@pytest.fixture
def staff(make_user):
    """Platform staff: sees the platform dashboard, belongs to no organization."""
    user = make_user("ops@ferry.test")
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    return user


@pytest.fixture
def alice(make_user):
    return make_user("alice@acme.test")


@pytest.fixture
def bob(make_user):
    return make_user("bob@acme.test")


@pytest.fixture
def charlie(make_user):
    return make_user("charlie@globex.test")


@pytest.fixture
def acme(alice):
    from portal.tenants.services import organization_create

    return organization_create(name="Acme", owner=alice)


@pytest.fixture
def globex(charlie):
    from portal.tenants.services import organization_create

    return organization_create(name="Globex", owner=charlie)


@pytest.fixture
def bob_in_acme(acme, bob):
    """Bob as a viewer of Acme; tests change his role as they need."""
    from portal.tenants.models import Membership

    return Membership.objects.create(organization=acme, user=bob, role="viewer")


@pytest.fixture
def api_client():
    from rest_framework.test import APIClient

    return APIClient()


@pytest.fixture
def client_as(client):
    def login(user):
        client.force_login(user)
        return client

    return login


@pytest.fixture
def api_as():
    from rest_framework.test import APIClient

    def login(user):
        api = APIClient()
        api.force_authenticate(user)
        return api

    return login
