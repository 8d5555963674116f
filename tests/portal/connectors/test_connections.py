"""Connections: secrets encrypted at rest and never returned, the Sage password refused, rotation."""

import io
import json

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command

from portal.connectors.models import Connection
from portal.connectors.services import connection_secrets
from portal.crypto import _fernet

pytestmark = pytest.mark.django_db
TOKEN = "shpat_0123456789abcdef"


def _create(api, acme, **extra):
    body = {"kind": "shopify", "name": "shopify", "settings": {"shop_url": "https://acme.myshopify.com"}}
    return api.post(f"/api/orgs/{acme.slug}/connections/", {**body, **extra}, format="json")


def test_it_encrypts_secrets_and_never_returns_them(acme, alice, api_as):
    api = api_as(alice)
    response = _create(api, acme, secrets={"token": TOKEN, "webhook_secret": "whsec_1"})
    assert response.status_code == 201, response.data
    assert response.data["secrets_set"] == {"token": True, "webhook_secret": True}
    assert response.data["settings"] == {"shop_url": "https://acme.myshopify.com", "api_version": "2024-10"}
    listed = api.get(f"/api/orgs/{acme.slug}/connections/")
    assert TOKEN not in json.dumps(listed.data) and "whsec_1" not in json.dumps(listed.data)
    stored = Connection.objects.get()
    assert TOKEN not in stored.secrets_encrypted and stored.secrets_encrypted
    assert connection_secrets(stored) == {"token": TOKEN, "webhook_secret": "whsec_1"}


def test_it_keeps_secrets_not_named_and_removes_emptied_ones(acme, alice, api_as):
    api = api_as(alice)
    pk = _create(api, acme, secrets={"token": TOKEN, "webhook_secret": "whsec_1"}).data["id"]
    url = f"/api/orgs/{acme.slug}/connections/{pk}/"
    response = api.patch(
        url, {"secrets": {"webhook_secret": ""}, "settings": {"api_version": "2025-01"}}, format="json"
    )
    assert response.data["secrets_set"] == {"token": True, "webhook_secret": False}
    assert response.data["settings"]["api_version"] == "2025-01"
    assert connection_secrets(Connection.objects.get()) == {"token": TOKEN}


def test_it_refuses_the_sage_password(acme, alice, api_as):
    api = api_as(alice)
    body = {
        "kind": "sage300",
        "name": "sage300",
        "settings": {"base_url": "http://sage/api", "company": "SAMINC"},
    }
    for extra in (
        {"secrets": {"password": "hunter2"}},
        {"settings": {**body["settings"], "password": "hunter2"}},
    ):
        response = api.post(f"/api/orgs/{acme.slug}/connections/", {**body, **extra}, format="json")
        assert response.status_code == 400
        assert response.data["detail"].startswith(
            "The Sage 300 password stays on the agent: set it in ferry-agent.toml"
        )
    assert not Connection.objects.exists()


def test_it_refuses_duplicate_names_and_missing_settings(acme, alice, api_as):
    api = api_as(alice)
    _create(api, acme)
    assert (
        _create(api, acme).data["detail"]
        == "A connection named 'shopify' already exists: choose another name."
    )
    response = _create(api, acme, name="shop2", settings={})
    assert response.data["detail"] == "Shopify connections need shop_url."


@pytest.mark.parametrize("role", ["viewer", "operator"])
def test_it_lets_only_admins_change_connections(role, acme, alice, bob, bob_in_acme, api_as):
    pk = _create(api_as(alice), acme).data["id"]
    bob_in_acme.role = role
    bob_in_acme.save()
    api = api_as(bob)
    assert api.get(f"/api/orgs/{acme.slug}/connections/{pk}/").status_code == 200
    assert _create(api, acme, name="other").status_code == 403
    assert api.delete(f"/api/orgs/{acme.slug}/connections/{pk}/").status_code == 403


def test_it_rotates_every_secret_to_the_newest_key(acme, alice, api_as, settings):
    _create(api_as(alice), acme, secrets={"token": TOKEN})
    old_key = settings.FERRY_ENCRYPTION_KEYS[0]
    new_key = Fernet.generate_key().decode()
    settings.FERRY_ENCRYPTION_KEYS = [new_key, old_key]
    before = Connection.objects.get().secrets_encrypted
    out = io.StringIO()
    call_command("rotate_secrets", stdout=out)
    assert out.getvalue() == "Re-encrypted the secrets of 1 connection(s) with the newest key.\n"
    after = Connection.objects.get().secrets_encrypted
    assert after != before
    settings.FERRY_ENCRYPTION_KEYS = [new_key]  # the old key can go: everything reads with the new one
    assert _fernet((new_key,)).decrypt(after.encode())
    assert connection_secrets(Connection.objects.get()) == {"token": TOKEN}


def test_it_shows_connections_without_secret_values(acme, alice, client_as, api_as):
    _create(api_as(alice), acme, secrets={"token": TOKEN})
    page = client_as(alice).get(f"/o/{acme.slug}/connections/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-connection="shopify"' in html and TOKEN not in html
