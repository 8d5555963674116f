"""ShopifyClient against a scriptable fake: prefetch, retries, Retry-After, error messages."""

from __future__ import annotations

import threading
import time

import pytest
import requests

from agent_client.connectors.http import ServerMessage
from agent_client.connectors.shopify import ShopifyClient, shopify_message
from agent_client.errors import AuthenticationError, PermanentError, RetryableError
from emulators.common.server import free_port

from .conftest import SHOPIFY_TOKEN, Scripted

SERVICE_UNAVAILABLE = Scripted(503, {"errors": "Service Unavailable"})


def wait_until(condition, timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.005)
    return False


def prefetch_threads() -> list[threading.Thread]:
    return [thread for thread in threading.enumerate() if thread.name.startswith("shopify-prefetch")]


def test_it_fetches_the_next_page_before_the_caller_asks_for_it(fake_shopify):
    fake, url = fake_shopify(count=30)
    shopify = ShopifyClient(shop_url=url, token=SHOPIFY_TOKEN, page_size=10, prefetch_pages=1)
    pages = shopify.customers_updated_since("2025-01-01T00:00:00Z")

    first = next(pages)

    # The caller is still holding page 1; page 2 is requested on its own.
    assert wait_until(lambda: len(fake.requests_for("customers.json")) == 2)
    rest = list(pages)
    assert [row["id"] for row in first] == list(range(1, 11))
    assert [[row["id"] for row in page] for page in rest] == [list(range(11, 21)), list(range(21, 31))]
    assert [target for _, _, target, _ in fake.log] == [
        "/admin/api/2025-07/customers.json?limit=10&order=updated_at+asc&updated_at_min=2025-01-01T00%3A00%3A00Z",
        "/admin/api/2025-07/customers.json?limit=10&page_info=10",
        "/admin/api/2025-07/customers.json?limit=10&page_info=20",
    ]
    assert prefetch_threads() == []


def test_it_reads_up_to_prefetch_pages_ahead_of_the_caller_and_no_further(fake_shopify):
    fake, url = fake_shopify(count=100)
    pages = ShopifyClient(shop_url=url, token=SHOPIFY_TOKEN, page_size=10, prefetch_pages=3)
    pages = pages.customers_updated_since(None)

    assert len(next(pages)) == 10
    # Page 1 is with the caller; pages 2-4 are read ahead, and no more until the caller takes one.
    assert wait_until(lambda: len(fake.log) == 4)
    time.sleep(0.2)
    assert len(fake.log) == 4
    assert [len(page) for page in pages] == [10] * 9
    assert len(fake.log) == 10 and prefetch_threads() == []


def test_it_raises_a_prefetch_error_when_the_caller_reaches_that_page(fake_shopify):
    fake, url = fake_shopify(count=30)
    fake.fail_when = ("page_info=10", 400)
    pages = ShopifyClient(shop_url=url, token=SHOPIFY_TOKEN, page_size=10).customers_updated_since(None)

    assert len(next(pages)) == 10
    with pytest.raises(PermanentError) as caught:
        next(pages)

    assert str(caught.value) == (
        "Shopify refused GET /admin/api/2025-07/customers.json with 400: failing page_info=10"
    )
    assert prefetch_threads() == []


def test_closing_the_pages_early_stops_the_prefetch_thread(fake_shopify):
    fake, url = fake_shopify(count=50)
    shopify = ShopifyClient(shop_url=url, token=SHOPIFY_TOKEN, page_size=10, prefetch_pages=1)
    pages = shopify.customers_updated_since(None)
    next(pages)
    assert wait_until(lambda: len(fake.log) == 2)

    pages.close()

    assert prefetch_threads() == []
    time.sleep(0.05)
    assert len(fake.log) == 2


def test_closing_the_pages_interrupts_a_prefetch_waiting_to_retry(fake_shopify):
    fake, url = fake_shopify(count=50)
    fake.fail_when = ("page_info=10", 503)
    pages = ShopifyClient(shop_url=url, token=SHOPIFY_TOKEN, page_size=10).customers_updated_since(None)
    next(pages)
    assert wait_until(lambda: len(fake.requests_for("page_info=10")) >= 3)

    started = time.monotonic()
    pages.close()

    assert time.monotonic() - started < 1.0
    assert prefetch_threads() == []


def test_it_waits_as_long_as_retry_after_says(fake_shopify, sleeps):
    fake, url = fake_shopify()
    fake.script = [
        Scripted(
            429,
            {"errors": "Exceeded 2 calls per second for api client. Reduce request rates to resume service."},
            {"Retry-After": "2.0"},
        )
    ]
    shopify = ShopifyClient(shop_url=url, token=SHOPIFY_TOKEN, sleep=sleeps)

    assert shopify.shop() == {"id": 1, "name": "Fake"}
    assert sleeps.calls == [2.0]
    assert (shopify.stats.throttled, shopify.stats.retries, shopify.stats.backoff_seconds) == (1, 1, 2.0)


def test_it_retries_5xx_with_growing_jittered_backoff(fake_shopify, sleeps):
    fake, url = fake_shopify()
    fake.script = [SERVICE_UNAVAILABLE, Scripted(500, {"errors": "Internal"}), Scripted(502, "Bad gateway")]
    shopify = ShopifyClient(shop_url=url, token=SHOPIFY_TOKEN, sleep=sleeps)

    assert shopify.shop()["name"] == "Fake"
    assert len(sleeps.calls) == 3
    assert all(0 <= seconds <= 0.5 * 2**attempt for attempt, seconds in enumerate(sleeps.calls))
    assert shopify.stats.as_dict()["by_status"] == {503: 1, 500: 1, 502: 1, 200: 1}


def test_it_gives_up_on_5xx_with_a_retryable_error(fake_shopify, sleeps):
    fake, url = fake_shopify()
    fake.script = [SERVICE_UNAVAILABLE] * 4
    shopify = ShopifyClient(shop_url=url, token=SHOPIFY_TOKEN, max_retries=3, sleep=sleeps)

    with pytest.raises(RetryableError) as caught:
        shopify.shop()

    assert str(caught.value) == (
        "Shopify answered 503 4 times in a row for GET /admin/api/2025-07/shop.json; "
        "last answer: 503 Service Unavailable"
    )
    assert caught.value.status == 503
    assert len(sleeps.calls) == 3


def test_it_times_out_and_retries_a_slow_answer(fake_shopify, sleeps):
    fake, url = fake_shopify()
    fake.delay = 0.5
    shopify = ShopifyClient(
        shop_url=url, token=SHOPIFY_TOKEN, timeout=(1.0, 0.1), max_retries=1, sleep=sleeps
    )

    with pytest.raises(RetryableError) as caught:
        shopify.shop()

    assert str(caught.value).startswith(
        "Shopify did not answer twice in a row for GET /admin/api/2025-07/shop.json; last error: ReadTimeout"
    )
    assert caught.value.status is None


def test_it_explains_a_refused_token(fake_shopify):
    _, url = fake_shopify()

    with pytest.raises(AuthenticationError) as caught:
        ShopifyClient(shop_url=url, token="shpat_wrong").shop()

    assert str(caught.value) == (
        f"Shopify refused the access token for {url} ([API] Invalid API key or access token): "
        "check the access token of the Shopify connection"
    )
    assert caught.value.status == 401


def test_it_explains_an_unreachable_shop(sleeps):
    shopify = ShopifyClient(
        shop_url=f"http://127.0.0.1:{free_port()}", token=SHOPIFY_TOKEN, max_retries=2, sleep=sleeps
    )

    with pytest.raises(RetryableError) as caught:
        shopify.customer_count()

    assert "did not answer 3 times in a row for GET /admin/api/2025-07/customers/count.json" in str(
        caught.value
    )


def response_of(status: int, body: bytes) -> requests.Response:
    response = requests.Response()
    response.status_code, response._content, response.reason = status, body, "Unprocessable Entity"
    return response


@pytest.mark.parametrize(
    ("body", "text"),
    [
        (b'{"errors":"Not Found"}', "Not Found"),
        (
            b'{"errors":["The fulfillment order is not in an open state."]}',
            "The fulfillment order is not in an open state.",
        ),
        (
            b'{"errors":{"email":["has already been taken"],"phone":["is invalid","is short"]}}',
            "email has already been taken; phone is invalid; phone is short",
        ),
        (
            b'{"errors":{"updated_at_min":"updated_at_min cannot be passed when page_info is present."}}',
            "updated_at_min cannot be passed when page_info is present.",
        ),
        (b"<h1>oops</h1>", "<h1>oops</h1>"),
        (b"", "Unprocessable Entity"),
    ],
)
def test_it_reads_every_shape_of_shopify_errors(body, text):
    assert shopify_message(response_of(422, body)) == ServerMessage(None, text)
