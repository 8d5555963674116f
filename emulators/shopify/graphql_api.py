"""`POST /admin/api/{version}/graphql.json`: parse, validate, price, throttle, execute, report the cost.

Throttling and cost errors come back as HTTP 200 with `errors[].extensions.code` (`THROTTLED`,
`MAX_COST_EXCEEDED`), like Shopify; `graphql_throttled_status` (a fault setting) can make THROTTLED a 429.
"""

from __future__ import annotations

from graphql import GraphQLError, execute_sync, parse, validate
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from .admin_http import admin_endpoint, errors, json_response, read_json, served_version
from .graphql_cost import MAX_QUERY_COST, query_cost
from .graphql_resolvers import SCHEMA
from .state import ShopState
from .throttle import CostVerdict

RATE_LIMIT_DOCS = "https://shopify.dev/api/usage/rate-limits"


def _cost_extension(requested: int, actual: int | None, verdict: CostVerdict) -> dict:
    return {
        "cost": {
            "requestedQueryCost": requested,
            "actualQueryCost": actual,
            "throttleStatus": {
                "maximumAvailable": float(verdict.maximum),
                "currentlyAvailable": int(verdict.available),
                "restoreRate": float(verdict.restore),
            },
        }
    }


async def _read_request(request: Request) -> tuple[str, dict, str | None] | Response:
    if request.headers.get("content-type", "").startswith("application/graphql"):
        return (await request.body()).decode("utf-8", "replace"), {}, None
    body = await read_json(request)
    if not isinstance(body, dict) or not isinstance(body.get("query"), str):
        return errors(400, {"query": "Required parameter missing or invalid"})
    variables = body.get("variables") or {}
    if not isinstance(variables, dict):
        return errors(400, {"variables": "Required parameter missing or invalid"})
    return body["query"], variables, body.get("operationName")


@admin_endpoint("POST graphql.json", scope=None, rest=False)
async def graphql_endpoint(request: Request, shop: ShopState) -> Response:
    read = await _read_request(request)
    if isinstance(read, Response):
        return read
    query, variables, operation_name = read
    try:
        document = parse(query)
    except GraphQLError as exc:
        return json_response({"errors": [exc.formatted]})
    problems = validate(SCHEMA, document)
    if problems:
        return json_response({"errors": [problem.formatted for problem in problems]})
    token = request.headers["x-shopify-access-token"]
    cost = query_cost(SCHEMA, document, operation_name, variables)
    if cost.requested > MAX_QUERY_COST:
        message = f"Query cost is {cost.requested}, which exceeds the single query max cost limit ({MAX_QUERY_COST})."
        extensions = {"code": "MAX_COST_EXCEEDED", "cost": cost.requested, "maxCost": MAX_QUERY_COST}
        verdict = shop.throttle.graphql_refund(token, 0)
        body = {"errors": [{"message": message, "extensions": extensions}]}
        return json_response({**body, "extensions": _cost_extension(cost.requested, None, verdict)})
    verdict = shop.throttle.graphql_take(token, cost.requested)
    if not verdict.allowed:
        shop.stats.throttled += 1
        throttled = {"code": "THROTTLED", "documentation": RATE_LIMIT_DOCS}
        body = {
            "errors": [{"message": "Throttled", "extensions": throttled}],
            "extensions": _cost_extension(cost.requested, None, verdict),
        }
        return json_response(body, status=shop.graphql_throttled_status)
    scheme_host = f"{request.url.scheme}://{request.headers.get('host', request.url.netloc)}"
    context = {
        "shop": shop,
        "returned": {},
        "bulk": None,
        "version": served_version(request),
        "base_url": scheme_host,
    }
    result = execute_sync(
        SCHEMA, document, variable_values=variables, operation_name=operation_name, context_value=context
    )
    actual = cost.actual(context["returned"])
    verdict = shop.throttle.graphql_refund(token, cost.requested - actual)
    body = {}
    if result.errors:
        body["errors"] = [error.formatted for error in result.errors]
    body["data"] = result.data
    body["extensions"] = _cost_extension(cost.requested, actual, verdict)
    return json_response(body)


routes = [Route("/admin/api/{version}/graphql.json", graphql_endpoint, methods=["POST"])]
