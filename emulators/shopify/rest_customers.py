"""REST customer endpoints under `/admin/api/{version}/`.

Default order of `customers.json` without `order=` is id ascending (Shopify's docs do not say; since_id
paging needs ascending ids, and Airbyte asks for `order=updated_at asc` explicitly). `search.json`
defaults to `updated_at desc` because this shop has no order dates to sort by `last_order_date`.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from . import customer_edits
from .admin_http import admin_endpoint, errors, json_response, not_found, read_json
from .filters import LIST_FILTERS, SEARCH_FILTERS, ListFilters, Order, parse_order
from .models import Address, Customer, dump
from .pagination import Cursor, decode_page_info, link_header, misused_params, parse_limit, take_page
from .search_syntax import compile_query
from .state import ShopState
from .store import Bounds

PREFIX = "/admin/api/{version}"


def base_url(request: Request) -> str:
    """Absolute URL of this endpoint on the host the client used, so `Link` URLs lead back here."""
    host = request.headers.get("host") or f"{request.url.hostname}:{request.url.port}"
    return f"{request.url.scheme}://{host}{request.url.path}"


def _fields(text: str | None) -> list[str] | None:
    names = [name.strip() for name in (text or "").split(",") if name.strip()]
    return names or None


def render_customer(customer: Customer, fields: list[str] | None) -> bytes:
    if not fields:
        return customer.rest_json()
    wanted = set(fields)
    return dump({name: value for name, value in customer.to_rest().items() if name in wanted})


def render_list(root: str, customers: list[Customer], fields: list[str] | None) -> bytes:
    return b'{"%s":[' % root.encode() + b",".join(render_customer(c, fields) for c in customers) + b"]}"


def _cursor(params: dict[str, str], filter_names: tuple[str, ...]) -> Cursor | Response:
    if "page_info" not in params:
        return Cursor("next", None, {name: params[name] for name in filter_names if name in params})
    misused = misused_params(params, filter_names)
    if misused:
        return errors(400, misused)
    cursor = decode_page_info(params["page_info"])
    return cursor if cursor is not None else errors(400, {"page_info": "Invalid value."})


def _paged_customers(request: Request, shop: ShopState, root: str, filter_names, default_order: Order, where):
    params = dict(request.query_params)
    cursor = _cursor(params, filter_names)
    if isinstance(cursor, Response):
        return cursor
    limit, fields = parse_limit(params.get("limit")), params.get("fields")
    order = parse_order(cursor.filters.get("order"), default_order)
    bounds, predicate = where(cursor.filters)
    store = shop.store

    def scan(backwards: bool, after):
        return store.scan(order.field, order.descending != backwards, after, bounds, predicate)

    def key(customer: Customer):
        return store.key(customer, order.field)

    page = take_page(scan, key, limit, cursor)
    link = link_header(base_url(request), page, key, limit, fields, cursor.filters)
    return json_response(
        render_list(root, page.items, _fields(fields)), headers={"Link": link} if link else None
    )


@admin_endpoint("GET customers.json")
async def customers_list(request: Request, shop: ShopState) -> Response:
    def where(values):
        filters = ListFilters.parse(values)
        order = parse_order(values.get("order"), Order())
        return filters.bounds_for(order.field), filters.predicate()

    return _paged_customers(request, shop, "customers", LIST_FILTERS, Order(), where)


@admin_endpoint("GET customers/search.json")
async def customers_search(request: Request, shop: ShopState) -> Response:
    def where(values):
        return Bounds(), compile_query(values.get("query"))

    return _paged_customers(request, shop, "customers", SEARCH_FILTERS, Order("updated_at", True), where)


@admin_endpoint("GET customers/count.json")
async def customers_count(request: Request, shop: ShopState) -> Response:
    filters = ListFilters.parse(dict(request.query_params))
    return json_response({"count": shop.store.count(filters.updated, filters.predicate(), "updated_at")})


def _customer_or_404(request: Request, shop: ShopState) -> Customer | None:
    return shop.store.get(request.path_params["customer_id"])


@admin_endpoint("GET customers/{id}.json")
async def customer_get(request: Request, shop: ShopState) -> Response:
    customer = _customer_or_404(request, shop)
    if customer is None:
        return not_found()
    fields = _fields(request.query_params.get("fields"))
    return json_response(b'{"customer":' + render_customer(customer, fields) + b"}")


async def _root(request: Request, name: str) -> dict | Response:
    body = await read_json(request)
    if not isinstance(body, dict) or not isinstance(body.get(name), dict):
        return errors(400, {name: "Required parameter missing or invalid"})
    return body[name]


@admin_endpoint("PUT customers/{id}.json", scope="write_customers")
async def customer_put(request: Request, shop: ShopState) -> Response:
    customer = _customer_or_404(request, shop)
    if customer is None:
        return not_found()
    data = await _root(request, "customer")
    if isinstance(data, Response):
        return data
    problems = customer_edits.customer_update(shop, customer, data)
    if problems:
        return errors(422, problems)
    return json_response(b'{"customer":' + customer.rest_json() + b"}")


@admin_endpoint("POST customers.json", scope="write_customers")
async def customer_post(request: Request, shop: ShopState) -> Response:
    data = await _root(request, "customer")
    if isinstance(data, Response):
        return data
    customer, problems = customer_edits.customer_create(shop, data)
    if customer is None:
        return errors(422, problems)
    return json_response(b'{"customer":' + customer.rest_json() + b"}", status=201)


def _address_or_404(request: Request, shop: ShopState) -> tuple[Customer, Address] | None:
    customer = _customer_or_404(request, shop)
    address = customer.address(request.path_params["address_id"]) if customer else None
    return (customer, address) if customer and address else None


@admin_endpoint("GET customers/{id}/addresses.json")
async def addresses_list(request: Request, shop: ShopState) -> Response:
    customer = _customer_or_404(request, shop)
    if customer is None:
        return not_found()
    params = dict(request.query_params)
    cursor = _cursor(params, ())
    if isinstance(cursor, Response):
        return cursor
    limit = parse_limit(params.get("limit"))
    addresses = customer.addresses  # kept in id order

    def scan(backwards: bool, after):
        items = reversed(addresses) if backwards else addresses
        return (a for a in items if after is None or (a.id < after[1] if backwards else a.id > after[1]))

    page = take_page(scan, lambda a: (a.id, a.id), limit, cursor)
    link = link_header(base_url(request), page, lambda a: (a.id, a.id), limit, None, {})
    body = {"addresses": [customer.address_to_rest(a) for a in page.items]}
    return json_response(body, headers={"Link": link} if link else None)


@admin_endpoint("POST customers/{id}/addresses.json", scope="write_customers")
async def address_post(request: Request, shop: ShopState) -> Response:
    customer = _customer_or_404(request, shop)
    if customer is None:
        return not_found()
    data = await _root(request, "address")
    if isinstance(data, Response):
        return data
    address, problems = customer_edits.address_create(shop, customer, data)
    if address is None:
        return errors(422, problems)
    return json_response({"customer_address": customer.address_to_rest(address)}, status=201)


@admin_endpoint("GET customers/{id}/addresses/{address_id}.json")
async def address_get(request: Request, shop: ShopState) -> Response:
    found = _address_or_404(request, shop)
    if found is None:
        return not_found()
    customer, address = found
    return json_response({"customer_address": customer.address_to_rest(address)})


@admin_endpoint("PUT customers/{id}/addresses/{address_id}.json", scope="write_customers")
async def address_put(request: Request, shop: ShopState) -> Response:
    found = _address_or_404(request, shop)
    if found is None:
        return not_found()
    customer, address = found
    data = await _root(request, "address")
    if isinstance(data, Response):
        return data
    problems = customer_edits.address_update(shop, customer, address, data)
    if problems:
        return errors(422, problems)
    return json_response({"customer_address": customer.address_to_rest(address)})


@admin_endpoint("DELETE customers/{id}/addresses/{address_id}.json", scope="write_customers")
async def address_delete(request: Request, shop: ShopState) -> Response:
    found = _address_or_404(request, shop)
    if found is None:
        return not_found()
    problems = customer_edits.address_delete(shop, *found)
    return errors(422, problems) if problems else json_response({})


@admin_endpoint("PUT customers/{id}/addresses/{address_id}/default.json", scope="write_customers")
async def address_default(request: Request, shop: ShopState) -> Response:
    found = _address_or_404(request, shop)
    if found is None:
        return not_found()
    customer, address = found
    customer_edits.address_make_default(shop, customer, address)
    return json_response({"customer_address": customer.address_to_rest(address)})


ADDRESS = PREFIX + "/customers/{customer_id:int}/addresses/{address_id:int}"
routes = [
    Route(PREFIX + "/customers.json", customers_list, methods=["GET"]),
    Route(PREFIX + "/customers.json", customer_post, methods=["POST"]),
    Route(PREFIX + "/customers/search.json", customers_search, methods=["GET"]),
    Route(PREFIX + "/customers/count.json", customers_count, methods=["GET"]),
    Route(PREFIX + "/customers/{customer_id:int}.json", customer_get, methods=["GET"]),
    Route(PREFIX + "/customers/{customer_id:int}.json", customer_put, methods=["PUT"]),
    Route(PREFIX + "/customers/{customer_id:int}/addresses.json", addresses_list, methods=["GET"]),
    Route(PREFIX + "/customers/{customer_id:int}/addresses.json", address_post, methods=["POST"]),
    Route(ADDRESS + ".json", address_get, methods=["GET"]),
    Route(ADDRESS + ".json", address_put, methods=["PUT"]),
    Route(ADDRESS + ".json", address_delete, methods=["DELETE"]),
    Route(ADDRESS + "/default.json", address_default, methods=["PUT"]),
]
