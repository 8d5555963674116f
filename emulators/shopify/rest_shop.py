"""The other REST endpoints a sync client touches: shop, access scopes, token exchange, webhooks."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlsplit

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from .admin_http import admin_endpoint, errors, json_response, not_found, read_json, served_version
from .shop_info import shop_document
from .state import ShopState
from .webhooks import TOPICS

PREFIX = "/admin/api/{version}"


@admin_endpoint("GET shop.json", scope=None)
async def shop_get(request: Request, shop: ShopState) -> Response:
    return json_response({"shop": shop_document(shop)})


@admin_endpoint("GET oauth/access_scopes.json", scope=None)
async def access_scopes(request: Request, shop: ShopState) -> Response:
    return json_response({"access_scopes": [{"handle": handle} for handle in shop.scopes]})


async def access_token(request: Request) -> Response:
    """Client-credentials exchange: the app's client secret is the webhook secret, as on Shopify."""
    shop: ShopState = request.app.state.shop
    shop.stats.count("POST oauth/access_token")
    body = await read_json(request)
    if not isinstance(body, dict):
        body = dict(parse_qsl((await request.body()).decode("utf-8", "replace")))
    if body.get("client_secret") != shop.config.webhook_secret:
        return json_response(
            {"error": "invalid_client", "error_description": "Client authentication failed."}, status=400
        )
    return json_response(
        {"access_token": shop.config.token, "scope": ",".join(shop.scopes), "expires_in": 86399}
    )


@admin_endpoint("GET webhooks.json", scope=None)
async def webhooks_list(request: Request, shop: ShopState) -> Response:
    topic = request.query_params.get("topic")
    subscriptions = [s for s in shop.webhooks.subscriptions.values() if not topic or s["topic"] == topic]
    return json_response({"webhooks": subscriptions})


@admin_endpoint("GET webhooks/count.json", scope=None)
async def webhooks_count(request: Request, shop: ShopState) -> Response:
    return json_response({"count": len(shop.webhooks.subscriptions)})


@admin_endpoint("POST webhooks.json", scope=None)
async def webhooks_create(request: Request, shop: ShopState) -> Response:
    body = await read_json(request)
    data = body.get("webhook") if isinstance(body, dict) else None
    if not isinstance(data, dict):
        return errors(400, {"webhook": "Required parameter missing or invalid"})
    topic, address = str(data.get("topic", "")), str(data.get("address", ""))
    problems: dict[str, list[str]] = {}
    if topic not in TOPICS:
        problems["topic"] = [f"Invalid topic specified: {topic}. Topics allowed: {', '.join(TOPICS)}"]
    elif "read_customers" not in shop.scopes:
        return errors(403, "This action requires merchant approval for read_customers scope.")
    url = urlsplit(address)
    # Shopify requires https; the emulator also takes http so that a local receiver needs no certificate.
    if url.scheme not in ("http", "https") or not url.hostname:
        problems["address"] = ["is invalid"]
    elif any(s["topic"] == topic and s["address"] == address for s in shop.webhooks.subscriptions.values()):
        problems["address"] = ["for this topic has already been taken"]
    if problems:
        return errors(422, problems)
    fields = [str(f) for f in data.get("fields") or []]
    subscription = shop.webhooks.subscribe(topic, address, served_version(request), fields, data.get("name"))
    return json_response({"webhook": subscription}, status=201)


@admin_endpoint("GET webhooks/{id}.json", scope=None)
async def webhook_get(request: Request, shop: ShopState) -> Response:
    subscription = shop.webhooks.subscriptions.get(request.path_params["webhook_id"])
    return json_response({"webhook": subscription}) if subscription else not_found()


@admin_endpoint("DELETE webhooks/{id}.json", scope=None)
async def webhook_delete(request: Request, shop: ShopState) -> Response:
    removed = shop.webhooks.subscriptions.pop(request.path_params["webhook_id"], None)
    return json_response({}) if removed else not_found()


@admin_endpoint("unknown admin path", scope=None)
async def unknown(request: Request, shop: ShopState) -> Response:
    return not_found()


routes = [
    Route(PREFIX + "/shop.json", shop_get, methods=["GET"]),
    Route("/admin/oauth/access_scopes.json", access_scopes, methods=["GET"]),
    Route("/admin/oauth/access_token", access_token, methods=["POST"]),
    Route(PREFIX + "/webhooks.json", webhooks_list, methods=["GET"]),
    Route(PREFIX + "/webhooks.json", webhooks_create, methods=["POST"]),
    Route(PREFIX + "/webhooks/count.json", webhooks_count, methods=["GET"]),
    Route(PREFIX + "/webhooks/{webhook_id:int}.json", webhook_get, methods=["GET"]),
    Route(PREFIX + "/webhooks/{webhook_id:int}.json", webhook_delete, methods=["DELETE"]),
]
catch_all = Route("/admin/{path:path}", unknown, methods=["GET", "POST", "PUT", "DELETE"])
