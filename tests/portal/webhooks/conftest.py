import pytest

from tests.portal.webhooks.signing import ACME_SECRET, BODY, GLOBEX_SECRET, sign


@pytest.fixture(autouse=True)
def tasks_in_process():
    """Queued tasks run when the test's transaction "commits", even when REDIS_URL is set (CI)."""
    from portal.celery import app

    before = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = before


def _shop(organization, owner, secret):
    """A Shopify connection with a webhook secret and a published Customer Update with an agent."""
    from portal.agents.services import agent_create
    from portal.connectors.services import connection_create
    from portal.workflows.design import workflow_create
    from portal.workflows.lifecycle import version_generate, version_publish

    shopify = connection_create(
        organization=organization, actor=owner, kind="shopify", name="shopify",
        settings={"shop_url": "https://shop.myshopify.com"},
        secrets={"token": "shpat_x", **({"webhook_secret": secret} if secret else {})},
    )  # fmt: skip
    connection_create(
        organization=organization, actor=owner, kind="sage300", name="sage300",
        settings={"base_url": "http://sage/Sage300WebApi/v1.0", "company": "SAMINC"},
    )  # fmt: skip
    agent, _ = agent_create(organization=organization, name="sage-server", actor=owner)
    workflow = workflow_create(
        organization=organization, actor=owner, template="customer_update", agent=agent
    )
    version_publish(workflow=workflow, version=version_generate(workflow=workflow, actor=owner), actor=owner)
    return shopify, workflow


@pytest.fixture
def acme_shop(acme, alice):
    return _shop(acme, alice, ACME_SECRET)


@pytest.fixture
def globex_shop(globex, charlie):
    return _shop(globex, charlie, GLOBEX_SECRET)


@pytest.fixture
def acme_endpoint(acme, alice, acme_shop):
    from portal.webhooks.services import webhook_endpoint_create

    return webhook_endpoint_create(organization=acme, actor=alice, connection=acme_shop[0])


@pytest.fixture
def deliver(client, django_capture_on_commit_callbacks):
    """POST a delivery as Shopify does; queued tasks run once the request's transaction commits."""

    def post(
        endpoint, *, webhook_id="wh-1", secret=ACME_SECRET, body=BODY, topic="customers/update", **headers
    ):
        raw = body.encode()
        signed = {
            "X-Shopify-Topic": topic,
            "X-Shopify-Hmac-Sha256": sign(raw, secret),
            "X-Shopify-Shop-Domain": "shop.myshopify.com",
            "X-Shopify-API-Version": "2025-07",
            "X-Shopify-Webhook-Id": webhook_id,
            "X-Shopify-Event-Id": f"event-{webhook_id}",
            "X-Shopify-Triggered-At": "2025-07-01T18:34:17.000Z",
            **headers,
        }
        public_id = getattr(endpoint, "public_id", endpoint)
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(
                f"/hooks/shopify/{public_id}/", data=raw, content_type="application/json", headers=signed
            )

    return post
