"""The executable schema: Shopify's SDL subset plus resolvers for the root fields."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterator
from itertools import islice
from pathlib import Path
from typing import Any

from graphql import GraphQLError, build_schema

from .graphql_connections import connection, page_request
from .graphql_views import CustomerView
from .models import Customer
from .pagination import Page, take_page
from .search_syntax import compile_query, updated_bounds
from .shop_info import SHOP_ID, shop_document
from .store import Bounds, CustomerStore

SCHEMA = build_schema(Path(__file__).with_name("graphql_schema.sdl").read_text(encoding="utf-8"))
INDEXED_SORTS = {"ID": "id", "RELEVANCE": "id", "UPDATED_AT": "updated_at", "CREATED_AT": "created_at"}
COMPUTED_SORTS: dict[str, Callable[[Customer], str]] = {
    "NAME": lambda c: " ".join(p for p in (c.first_name, c.last_name) if p).lower(),
    "LOCATION": lambda c: " ".join(
        x or "" for a in c.addresses[:1] for x in (a.country_code, a.province_code, a.city)
    ).lower(),
}
SCOPE_DESCRIPTIONS = {"read_customers": "Read customers", "write_customers": "Modify customers"}


def _require_scope(info: Any, field: str) -> None:
    if "read_customers" not in info.context["shop"].scopes:
        raise GraphQLError(
            f"Access denied for {field} field. Required access: `read_customers` access scope.",
            extensions={"code": "ACCESS_DENIED", "requiredAccess": "`read_customers` access scope."},
        )


def customer_scan(store: CustomerStore, sort_key: str, reverse: bool, query: str | None):
    """`(scan(backwards, after), key)` for a sort key, as `pagination.take_page` wants them."""
    predicate = compile_query(query)
    field = INDEXED_SORTS.get(sort_key)
    if field:
        bounds = updated_bounds(query) if field == "updated_at" else Bounds()

        def scan(backwards: bool, after) -> Iterator[Customer]:
            return store.scan(field, reverse != backwards, after, bounds, predicate)

        return scan, lambda c: store.key(c, field), int
    value = COMPUTED_SORTS[sort_key]
    keys = sorted((value(c), c.id) for c in store.by_id.values())

    def scan_computed(backwards: bool, after) -> Iterator[Customer]:
        if reverse == backwards:
            positions = range(bisect_right(keys, after) if after else 0, len(keys))
        else:
            positions = range((bisect_left(keys, after) if after else len(keys)) - 1, -1, -1)
        for position in positions:
            customer = store.by_id[keys[position][1]]
            if predicate is None or predicate(customer):
                yield customer

    return scan_computed, lambda c: (value(c), c.id), str


def resolve_customers(
    _root,
    info,
    first=None,
    after=None,
    last=None,
    before=None,
    query=None,
    sortKey="ID",
    reverse=False,  # noqa: N803
) -> dict:
    _require_scope(info, "customers")
    store: CustomerStore = info.context["shop"].store
    scan, key, value_type = customer_scan(store, sortKey, reverse, query)
    bulk = info.context.get("bulk")
    if bulk is not None:  # a bulk query: the runner pages through everything in chunks
        items = list(islice(scan(False, bulk.after), bulk.chunk))
        bulk.advance([key(c) for c in items[-1:]], len(items))
        return connection(Page(items, False, False), key, CustomerView)
    size, cursor = page_request(first, after, last, before)
    if cursor.last is not None and not isinstance(cursor.last[0], value_type):
        raise GraphQLError(f"Invalid cursor for current pagination sort: {after or before}")
    page = take_page(scan, key, size, cursor)
    info.context["returned"][tuple(info.path.as_list())] = len(page.items)
    return connection(page, key, CustomerView)


def parse_gid(gid: str, kind: str) -> int | None:
    prefix = f"gid://shopify/{kind}/"
    if not gid.startswith(prefix):
        return None
    number = gid[len(prefix) :].split("?")[0]
    return int(number) if number.isdigit() else None


def resolve_customer(_root, info, id: str) -> CustomerView | None:
    _require_scope(info, "customer")
    customer_id = parse_gid(id, "Customer")
    customer = info.context["shop"].store.get(customer_id) if customer_id else None
    return CustomerView(customer) if customer else None


def resolve_node(_root, info, id: str):
    if id.startswith("gid://shopify/Customer/"):
        return resolve_customer(_root, info, id)
    operation_id = parse_gid(id, "BulkOperation")
    return info.context["shop"].bulk.view(operation_id) if operation_id else None


def resolve_customers_count(_root, info, query=None, limit=10000) -> dict:
    _require_scope(info, "customersCount")
    shop = info.context["shop"]
    count = shop.store.count(updated_bounds(query), compile_query(query), "updated_at")
    if limit is not None and count > limit:
        return {"count": limit, "precision": "AT_LEAST"}
    return {"count": count, "precision": "EXACT"}


def resolve_app_installation(_root, info) -> dict:
    scopes = info.context["shop"].scopes
    return {
        "id": "gid://shopify/AppInstallation/40123456789",
        "accessScopes": [{"handle": s, "description": SCOPE_DESCRIPTIONS.get(s, s)} for s in scopes],
    }


def resolve_shop(_root, info) -> dict:
    shop = info.context["shop"]
    document = shop_document(shop)
    return {
        "id": f"gid://shopify/Shop/{SHOP_ID}",
        "name": document["name"],
        "email": document["email"],
        "myshopifyDomain": document["myshopify_domain"],
        "currencyCode": document["currency"],
        "ianaTimezone": document["iana_timezone"],
        "plan": {
            "displayName": document["plan_display_name"],
            "partnerDevelopment": shop.throttle.plan.name == "unlimited",
            "shopifyPlus": shop.throttle.plan.name == "plus",
        },
    }


def _type_of(value: Any, *_: Any) -> str:
    return value.typename


def _install() -> None:
    query, mutation = SCHEMA.query_type.fields, SCHEMA.mutation_type.fields
    query["customers"].resolve = resolve_customers
    query["customer"].resolve = resolve_customer
    query["customersCount"].resolve = resolve_customers_count
    query["node"].resolve = resolve_node
    query["nodes"].resolve = lambda root, info, ids: [resolve_node(root, info, i) for i in ids]
    query["currentBulkOperation"].resolve = lambda root, info, type="QUERY": (
        info.context["shop"].bulk.current_view() if type == "QUERY" else None
    )
    query["currentAppInstallation"].resolve = resolve_app_installation
    query["shop"].resolve = resolve_shop
    mutation["bulkOperationRunQuery"].resolve = lambda root, info, query, groupObjects=False: info.context[
        "shop"
    ].bulk.run(query, info.context)
    mutation["bulkOperationCancel"].resolve = lambda root, info, id: info.context["shop"].bulk.cancel(id)
    SCHEMA.get_type("Node").resolve_type = _type_of


_install()
