"""Shopify `customers/update` deliveries: signature, dedupe, burst coalescing, tenancy, idempotent processing."""

import pytest
from django.utils import timezone

from portal.agents.models import Agent
from portal.connectors.services import connection_update
from portal.runs.lifecycle import run_transition
from portal.runs.models import Run, RunStatus
from portal.webhooks.models import WebhookDelivery
from portal.webhooks.tasks import delivery_process_task
from tests.portal.webhooks.signing import ACME_SECRET, BODY, GLOBEX_SECRET, sign

pytestmark = pytest.mark.django_db


def _hook(client, endpoint, raw: bytes, **headers):
    return client.post(
        f"/hooks/shopify/{endpoint.public_id}/", data=raw, content_type="application/json", headers=headers
    )


def test_it_accepts_a_signed_delivery_and_starts_a_webhook_run(acme, acme_shop, acme_endpoint, deliver):
    _, workflow = acme_shop
    response = deliver(acme_endpoint, webhook_id="wh-1")
    assert response.status_code == 200
    assert response.json() == {
        "detail": "Delivery accepted: matching workflows will run.",
        "result": "accepted",
    }
    run = Run.objects.get()
    assert (run.organization, run.workflow, run.trigger, run.status) == (acme, workflow, "webhook", "queued")
    delivery = WebhookDelivery.objects.get()
    assert delivery.processed_at is not None and delivery.run == run
    assert (delivery.organization, delivery.topic, delivery.event_id, delivery.shop_domain) == (
        acme,
        "customers/update",
        "event-wh-1",
        "shop.myshopify.com",
    )
    assert delivery.outcome == {
        "started": [{"workflow": workflow.pk, "name": workflow.name, "run": str(run.pk)}],
        "coalesced": [],
        "skipped": [],
    }


def test_it_verifies_the_hmac_of_the_raw_body(client, acme_endpoint, deliver):
    raw = BODY.encode()
    # Signed over other bytes than the ones sent (one re-serialisation is enough to break it).
    tampered = _hook(
        client,
        acme_endpoint,
        raw.replace(b'", "', b'","'),
        **{
            "X-Shopify-Topic": "customers/update",
            "X-Shopify-Hmac-Sha256": sign(raw, ACME_SECRET),
            "X-Shopify-Webhook-Id": "wh-tampered",
        },
    )
    assert tampered.status_code == 401
    assert tampered.json() == {
        "detail": "X-Shopify-Hmac-Sha256 does not match the body signed with the webhook secret of "
        "connection shopify: check that secret."
    }
    assert deliver(acme_endpoint, secret="whsec_wrong").status_code == 401
    missing = deliver(acme_endpoint, **{"X-Shopify-Hmac-Sha256": ""})
    assert missing.status_code == 401
    assert missing.json() == {
        "detail": "X-Shopify-Hmac-Sha256 is missing: only signed Shopify deliveries are accepted."
    }
    assert not WebhookDelivery.objects.exists() and not Run.objects.exists()
    # The same bytes signed by hand with the notes' recipe pass.
    good = _hook(
        client,
        acme_endpoint,
        raw,
        **{
            "X-Shopify-Topic": "customers/update",
            "X-Shopify-Hmac-Sha256": sign(raw, ACME_SECRET),
            "X-Shopify-Webhook-Id": "wh-good",
        },
    )
    assert good.status_code == 200 and WebhookDelivery.objects.get().webhook_id == "wh-good"


def test_it_refuses_deliveries_until_the_connection_has_a_webhook_secret(
    alice, acme_shop, acme_endpoint, deliver
):
    connection_update(connection=acme_shop[0], actor=alice, secrets={"webhook_secret": ""})
    response = deliver(acme_endpoint)
    assert response.status_code == 401
    assert response.json() == {
        "detail": "Connection shopify has no webhook secret: set its webhook_secret to the Shopify app's "
        "client secret, then Shopify's deliveries are accepted."
    }
    assert not WebhookDelivery.objects.exists()


def test_it_answers_200_to_other_topics_and_ignores_them(acme_endpoint, deliver):
    response = deliver(acme_endpoint, topic="customers/create")
    assert response.status_code == 200
    assert response.json() == {
        "detail": "Topic customers/create is ignored: only customers/update starts runs.",
        "result": "ignored",
    }
    assert not WebhookDelivery.objects.exists() and not Run.objects.exists()


def test_it_answers_404_to_an_unknown_address_and_405_to_get(client, acme_endpoint, deliver):
    response = deliver("7d7cf5c6-2c43-4c2c-9d7e-3a1b1f0c0a11")
    assert response.status_code == 404
    assert response.json() == {
        "detail": "No webhook endpoint has this address: copy it again from the portal."
    }
    assert client.get(f"/hooks/shopify/{acme_endpoint.public_id}/").status_code == 405


def test_it_ignores_a_duplicate_delivery(acme_endpoint, deliver):
    assert deliver(acme_endpoint, webhook_id="wh-1").json()["result"] == "accepted"
    run = Run.objects.get()
    run_transition(run, RunStatus.RUNNING)  # even once the first run is running, a redelivery starts nothing
    again = deliver(acme_endpoint, webhook_id="wh-1")
    assert again.status_code == 200
    assert again.json() == {
        "detail": "Delivery already received (same X-Shopify-Webhook-Id).",
        "result": "duplicate",
    }
    assert WebhookDelivery.objects.count() == 1 and Run.objects.count() == 1


def test_it_coalesces_a_burst_into_the_run_not_started_yet(acme_shop, acme_endpoint, deliver):
    _, workflow = acme_shop
    for n in range(5):
        assert deliver(acme_endpoint, webhook_id=f"wh-{n}").json()["result"] == "accepted"
    run = Run.objects.get()
    deliveries = list(WebhookDelivery.objects.order_by("webhook_id"))
    assert [d.run_id for d in deliveries] == [run.pk] * 5
    assert all(d.processed_at for d in deliveries)
    assert [d.outcome["coalesced"] for d in deliveries[1:]] == [
        [{"workflow": workflow.pk, "name": workflow.name, "run": str(run.pk)}]
    ] * 4
    # Dispatched is still "not reading yet": joined too.
    run_transition(run, RunStatus.DISPATCHED)
    deliver(acme_endpoint, webhook_id="wh-dispatched")
    assert Run.objects.count() == 1
    # Once it reads, a later change may be past its cursor: the next delivery starts a second run.
    run_transition(run, RunStatus.RUNNING)
    deliver(acme_endpoint, webhook_id="wh-after-start")
    second = Run.objects.exclude(pk=run.pk).get()
    assert (second.trigger, second.status) == ("webhook", "queued")
    assert WebhookDelivery.objects.get(webhook_id="wh-after-start").run == second
    # The second waits, queued, until the first ends; deliveries meanwhile join it.
    deliver(acme_endpoint, webhook_id="wh-while-waiting")
    assert Run.objects.count() == 2
    assert WebhookDelivery.objects.get(webhook_id="wh-while-waiting").run == second


def test_it_does_not_join_a_reprocess_of_a_few_records(acme_shop, acme_endpoint, deliver):
    _, workflow = acme_shop
    reprocess = Run.objects.create(
        organization=workflow.organization, workflow=workflow, version=workflow.versions.get(state="published"),
        plan_hash="0" * 64, agent=workflow.agent, trigger="reprocess", record_ids=["7"],
    )  # fmt: skip

    deliver(acme_endpoint, webhook_id="wh-1")

    delivery = WebhookDelivery.objects.get()
    assert delivery.run != reprocess and (delivery.run.trigger, delivery.run.status) == ("webhook", "queued")


def test_it_starts_runs_only_in_the_organization_of_the_endpoint(
    acme, globex, acme_endpoint, globex_shop, deliver
):
    # Globex has a connection with the same name and its own secret: neither opens Acme's endpoint
    # to Globex nor lets Acme's endpoint start Globex's workflow.
    assert deliver(acme_endpoint, webhook_id="wh-globex", secret=GLOBEX_SECRET).status_code == 401
    assert not WebhookDelivery.objects.exists()
    assert deliver(acme_endpoint, webhook_id="wh-acme").status_code == 200
    assert list(Run.objects.values_list("organization", flat=True)) == [acme.pk]
    assert not Run.objects.filter(organization=globex).exists()
    assert WebhookDelivery.objects.get().organization == acme


def test_it_processes_a_delivery_once(acme_endpoint, deliver):
    deliver(acme_endpoint, webhook_id="wh-1")
    delivery = WebhookDelivery.objects.get()
    first = (delivery.processed_at, delivery.outcome, delivery.run_id)
    # Nothing left to join: processing the delivery again would start a second run.
    Run.objects.update(status=RunStatus.SUCCEEDED)
    delivery_process_task(delivery.pk)
    delivery_process_task.apply(args=[delivery.pk]).get()
    delivery.refresh_from_db()
    assert (delivery.processed_at, delivery.outcome, delivery.run_id) == first
    assert Run.objects.count() == 1
    delivery_process_task(987654321)  # a delivery deleted meanwhile (endpoint removed): nothing to do


def test_it_records_why_a_workflow_did_not_run(acme_shop, acme_endpoint, deliver):
    _, workflow = acme_shop
    Agent.objects.filter(pk=workflow.agent_id).update(detached_at=timezone.now())
    deliver(acme_endpoint, webhook_id="wh-detached")
    delivery = WebhookDelivery.objects.get()
    assert delivery.outcome["skipped"] == [
        {
            "workflow": workflow.pk,
            "name": workflow.name,
            "reason": "Agent sage-server is detached: attach it first.",
        }
    ]
    assert delivery.run is None and delivery.processed_at is not None and not Run.objects.exists()
    workflow.is_active = False
    workflow.save(update_fields=["is_active"])
    deliver(acme_endpoint, webhook_id="wh-inactive")
    assert WebhookDelivery.objects.get(webhook_id="wh-inactive").outcome["skipped"] == [
        {"reason": "no active Customer Update workflow with an agent reads from shopify"}
    ]
