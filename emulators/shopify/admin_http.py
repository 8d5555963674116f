"""What every Admin API request goes through: faults, auth, shop state, scopes, rate limit, headers.

Error bodies are Shopify's (`{"errors": ...}`). Header names keep Shopify's capitalisation because
the official Python client reads `X-Shopify-Shop-Api-Call-Limit` from a case-sensitive dict.
"""

from __future__ import annotations

import functools
import logging
import re
import uuid
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import Response

from .models import dump

if TYPE_CHECKING:
    from .state import ShopState

logger = logging.getLogger(__name__)
INVALID_TOKEN = "[API] Invalid API key or access token (unrecognized login or wrong password)"
SERVER_ERRORS = {
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}
SHOP_STATES = {"active": None, "frozen": (402, "Unavailable Shop"), "locked": (423, "Locked")}
SUPPORTED_VERSION = re.compile(r"^(20\d\d-(01|04|07|10)|unstable)$")
# Unknown or malformed versions are served by the oldest supported stable one, as Shopify does.
FALLBACK_VERSION = "2025-01"
JSON = "application/json; charset=utf-8"

Handler = Callable[[Request, "ShopState"], Awaitable[Response]]


def served_version(request: Request) -> str:
    version = request.path_params.get("version", "")
    return version if SUPPORTED_VERSION.match(version) else FALLBACK_VERSION


def json_response(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    content = body if isinstance(body, bytes) else dump(body)
    response = Response(content, status_code=status, media_type=JSON)
    for name, value in (headers or {}).items():
        response.raw_headers.append((name.encode(), value.encode("latin-1")))
    return response


def errors(status: int, errors: Any, headers: dict[str, str] | None = None) -> Response:
    return json_response({"errors": errors}, status, headers)


def not_found() -> Response:
    return errors(404, "Not Found")


def admin_endpoint(name: str, *, scope: str | None = "read_customers", rest: bool = True):
    """Wrap `handler(request, shop)` with the Admin API's checks, in the order Shopify's edge applies them."""

    def decorate(handler: Handler):
        @functools.wraps(handler)
        async def endpoint(request: Request) -> Response:
            shop: ShopState = request.app.state.shop
            shop.stats.count(name)
            await shop.faults.delay()
            refused = shop.faults.enter()
            if refused is not None:
                # Shopify's answer carries the call-limit header whatever its status.
                token = request.headers.get("x-shopify-access-token", "")
                limit = {"X-Shopify-Shop-Api-Call-Limit": shop.throttle.rest_level(token)} if rest else {}
                if refused == 429:
                    return errors(429, exceeded_message(shop), {"Retry-After": "2.0", **limit})
                return errors(refused, SERVER_ERRORS.get(refused, "Service Unavailable"), limit or None)
            try:
                response = await _guarded(handler, request, shop, scope, rest)
            except Exception:
                # an emulator bug still answers like Shopify, so the client under test sees a 500, not a hang
                logger.exception("Shopify emulator failed on %s %s", request.method, request.url.path)
                response = errors(500, SERVER_ERRORS[500])
            finally:
                shop.faults.leave()
            response.raw_headers.append((b"X-Shopify-API-Version", served_version(request).encode()))
            response.raw_headers.append((b"X-Request-Id", str(uuid.uuid4()).encode()))
            return response

        return endpoint

    return decorate


def exceeded_message(shop: ShopState) -> str:
    leak = shop.throttle.plan.rest_leak
    return f"Exceeded {leak:g} calls per second for api client. Reduce request rates to resume uninterrupted service."


async def _guarded(
    handler: Handler, request: Request, shop: ShopState, scope: str | None, rest: bool
) -> Response:
    token = request.headers.get("x-shopify-access-token")
    if token != shop.config.token:
        return errors(401, INVALID_TOKEN)
    blocked = SHOP_STATES.get(shop.shop_status)
    if blocked:
        return errors(*blocked)
    if scope and scope not in shop.scopes:
        return errors(403, f"This action requires merchant approval for {scope} scope.")
    if not rest:
        return await handler(request, shop)
    verdict = shop.throttle.rest(token)
    limit_header = (b"X-Shopify-Shop-Api-Call-Limit", verdict.call_limit.encode())
    if not verdict.allowed:
        shop.stats.throttled += 1
        response = errors(429, exceeded_message(shop), {"Retry-After": verdict.retry_after or "2.0"})
    else:
        response = await handler(request, shop)
    response.raw_headers.append(limit_header)
    return response


async def read_json(request: Request) -> Any:
    """The request's JSON body, or None when it is missing or malformed."""
    try:
        return await request.json()
    except ValueError:
        return None
