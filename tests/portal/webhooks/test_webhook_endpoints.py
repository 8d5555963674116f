"""`/api/orgs/<org>/webhook-endpoints/`: admins create the address to paste into Shopify."""

import pytest
from django.conf import settings

from portal.connectors.models import Connection
from portal.webhooks.models import WebhookEndpoint

pytestmark = pytest.mark.django_db


def _url(organization, suffix=""):
    return f"/api/orgs/{organization.slug}/webhook-endpoints/{suffix}"


def test_it_creates_an_endpoint_with_the_address_to_paste_into_shopify(acme, alice, acme_shop, api_as):
    shopify, _ = acme_shop
    response = api_as(alice).post(_url(acme), {"connection": shopify.pk}, format="json")
    assert response.status_code == 201, response.data
    endpoint = WebhookEndpoint.objects.get()
    assert response.data == {
        "id": endpoint.pk,
        "public_id": str(endpoint.public_id),
        "connection": shopify.pk,
        "connection_name": "shopify",
        "url": f"{settings.FERRY_PUBLIC_URL}/hooks/shopify/{endpoint.public_id}/",
        "topic": "customers/update",
        "webhook_secret_set": True,
        "created_at": response.data["created_at"],
    }
    assert endpoint.organization == acme
    listed = api_as(alice).get(_url(acme))
    assert [row["public_id"] for row in listed.data["results"]] == [str(endpoint.public_id)]


def test_it_refuses_sage_and_foreign_connections(acme, alice, acme_shop, globex_shop, api_as):
    sage = Connection.objects.get(organization=acme, name="sage300")
    response = api_as(alice).post(_url(acme), {"connection": sage.pk}, format="json")
    assert response.status_code == 400
    assert response.data["detail"] == (
        "connection: sage300 is a Sage 300 connection; webhooks come from a Shopify connection."
    )
    foreign = api_as(alice).post(_url(acme), {"connection": globex_shop[0].pk}, format="json")
    assert foreign.status_code == 400
    assert foreign.data["detail"] == "connection: no such connection in this organization."
    assert not WebhookEndpoint.objects.exists()


def test_it_lets_only_admins_see_and_change_endpoints(acme, bob_in_acme, acme_endpoint, acme_shop, api_as):
    api = api_as(bob_in_acme.user)
    for role in ("viewer", "operator"):
        bob_in_acme.role = role
        bob_in_acme.save()
        assert api.get(_url(acme)).status_code == 403
        assert api.post(_url(acme), {"connection": acme_shop[0].pk}, format="json").status_code == 403
        assert api.delete(_url(acme, f"{acme_endpoint.pk}/")).status_code == 403
    bob_in_acme.role = "admin"
    bob_in_acme.save()
    assert api.get(_url(acme)).status_code == 200


def test_it_hides_endpoints_from_another_organization(acme, acme_endpoint, globex, charlie, api_as):
    api = api_as(charlie)
    assert api.get(_url(acme)).status_code == 404
    assert api.get(_url(globex)).data["results"] == []
    assert api.delete(_url(globex, f"{acme_endpoint.pk}/")).status_code == 404
    assert WebhookEndpoint.objects.filter(pk=acme_endpoint.pk).exists()


def test_it_deletes_an_endpoint_and_its_address_stops_answering(acme, alice, acme_endpoint, api_as, deliver):
    assert api_as(alice).delete(_url(acme, f"{acme_endpoint.pk}/")).status_code == 204
    assert not WebhookEndpoint.objects.exists()
    assert deliver(acme_endpoint).status_code == 404
