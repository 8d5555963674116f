"""`/_emulator/…`: JSON endpoints a test or a person uses to drive the shop (no access token needed)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from .admin_http import SHOP_STATES, json_response, read_json
from .models import dump
from .state import ShopState
from .throttle import PLANS
from .touch import touch_customers

MAX_CUSTOMERS = 1_000_000


def _shop(request: Request) -> ShopState:
    return request.app.state.shop


def _problem(*messages: str) -> Response:
    return json_response({"errors": list(messages)}, status=400)


async def _body(request: Request) -> dict:
    body = await read_json(request)
    return body if isinstance(body, dict) else {}


def _int(body: dict, name: str, default: int, low: int, high: int) -> int | None:
    value = body.get(name, default)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        return None
    return value


async def reset(request: Request) -> Response:
    shop = _shop(request)
    shop.reset()
    return json_response({"ok": True, "customers": len(shop.store), "seed": shop.initial[1]})


async def seed(request: Request) -> Response:
    shop, body = _shop(request), await _body(request)
    customers = _int(body, "customers", shop.config.customers, 0, MAX_CUSTOMERS)
    seed_value = _int(body, "seed", shop.config.seed, 0, 2**63)
    if customers is None or seed_value is None:
        return _problem(f"customers must be an integer 0..{MAX_CUSTOMERS} and seed a non-negative integer")
    shop.reseed(customers, seed_value)
    return json_response({"ok": True, "customers": customers, "seed": seed_value})


async def touch(request: Request) -> Response:
    shop, body = _shop(request), await _body(request)
    count = _int(body, "count", 1, 0, MAX_CUSTOMERS)
    seed_value = _int(body, "seed", 0, 0, 2**63)
    if count is None or seed_value is None:
        return _problem("count must be a non-negative integer and seed a non-negative integer")
    return json_response({"touched": touch_customers(shop, count, seed_value)})


def _faults_view(shop: ShopState) -> dict:
    return {
        **shop.faults.as_dict(),
        "throttle_burst": shop.throttle.burst_remaining,
        "shop_state": shop.shop_status,
        "graphql_throttled_status": shop.graphql_throttled_status,
    }


async def faults(request: Request) -> Response:
    """Common knobs (latency_ms, error_rate, error_status, max_concurrent) plus this emulator's own:
    `throttle_burst` (the next K Admin API requests are answered 429 / THROTTLED whatever the bucket),
    `shop_state` (active | frozen → 402 | locked → 423), `graphql_throttled_status` (200 or 429)."""
    shop = _shop(request)
    if request.method == "POST":
        body = await _body(request)
        burst = body.pop("throttle_burst", None)
        state = body.pop("shop_state", None)
        throttled_status = body.pop("graphql_throttled_status", None)
        problems = shop.faults.configure(body) if body else []
        if burst is not None and (not isinstance(burst, int) or burst < 0):
            problems.append("throttle_burst must be a non-negative integer")
        if state is not None and state not in SHOP_STATES:
            problems.append(f"shop_state must be one of {', '.join(SHOP_STATES)}")
        if throttled_status not in (None, 200, 429):
            problems.append("graphql_throttled_status must be 200 or 429")
        if problems:
            return _problem(*problems)
        if burst is not None:
            shop.throttle.set_burst(burst)
        if state is not None:
            shop.shop_status = state
        if throttled_status is not None:
            shop.graphql_throttled_status = throttled_status
    return json_response(_faults_view(shop))


async def stats(request: Request) -> Response:
    shop = _shop(request)
    hooks = shop.webhooks.as_dict()
    return json_response(
        {
            "requests": shop.stats.requests,
            "throttled": shop.stats.throttled,
            "per_endpoint": dict(shop.stats.per_endpoint),
            "faults_injected": shop.faults.injected,
            "customers": len(shop.store),
            "json_cache_warm": shop.store.warmed,
            "webhooks": {
                k: hooks[k] for k in ("delivered", "failed_attempts", "gave_up", "duplicates_sent", "pending")
            },
        }
    )


def _plan_view(shop: ShopState) -> dict:
    plan = shop.throttle.plan
    return {
        "plan": plan.name,
        "enforced": plan.enforced,
        "rest": {"bucket_size": plan.rest_size, "leak_per_second": plan.rest_leak},
        "graphql": {"maximum_available": plan.graphql_size, "restore_rate": plan.graphql_restore},
    }


async def plan(request: Request) -> Response:
    shop = _shop(request)
    if request.method == "POST":
        name = (await _body(request)).get("plan")
        if name not in PLANS:
            return _problem(f"plan must be one of {', '.join(PLANS)}")
        shop.throttle.set_plan(name)
    return json_response(_plan_view(shop))


async def raw_customer(request: Request) -> Response:
    """The stored customer with every address and the exact sort key, for tests and debugging."""
    customer = _shop(request).store.get(request.path_params["customer_id"])
    if customer is None:
        return json_response({"errors": "Not Found"}, status=404)
    document = customer.to_rest()
    document["all_addresses"] = [customer.address_to_rest(a) for a in customer.addresses]
    document["updated_at_us"] = customer.updated_us
    return json_response(document)


async def webhooks(request: Request) -> Response:
    """Delivery settings (retry_base_s, max_attempts, timeout_s, duplicate_rate, reorder_window,
    reorder_hold_s), subscriptions, counters and the last 500 delivery attempts."""
    shop = _shop(request)
    if request.method == "POST":
        problems = shop.webhooks.configure(await _body(request))
        if problems:
            return _problem(*problems)
    return json_response(shop.webhooks.as_dict())


async def scopes(request: Request) -> Response:
    """The access scopes the token has; remove `read_customers` to get Shopify's 403s."""
    shop = _shop(request)
    if request.method == "POST":
        values = (await _body(request)).get("scopes")
        if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
            return _problem("scopes must be a list of strings")
        shop.scopes = values
    return json_response({"scopes": shop.scopes})


async def bulk_result(request: Request) -> Response:
    """A bulk operation's JSONL (stands in for the signed storage URL Shopify hands out)."""
    data = _shop(request).bulk.result(request.path_params["operation_id"])
    if data is None:
        return json_response({"errors": "Not Found"}, status=404)
    return Response(data, media_type="application/jsonl")


async def index(request: Request) -> Response:
    return Response(dump({"endpoints": [r.path for r in routes]}), media_type="application/json")


routes = [
    Route("/_emulator", index, methods=["GET"]),
    Route("/_emulator/reset", reset, methods=["POST"]),
    Route("/_emulator/seed", seed, methods=["POST"]),
    Route("/_emulator/touch", touch, methods=["POST"]),
    Route("/_emulator/faults", faults, methods=["GET", "POST"]),
    Route("/_emulator/stats", stats, methods=["GET"]),
    Route("/_emulator/plan", plan, methods=["GET", "POST"]),
    Route("/_emulator/customers/{customer_id:int}", raw_customer, methods=["GET"]),
    Route("/_emulator/webhooks", webhooks, methods=["GET", "POST"]),
    Route("/_emulator/scopes", scopes, methods=["GET", "POST"]),
    Route("/_emulator/bulk/{operation_id:int}.jsonl", bulk_result, methods=["GET"]),
]
