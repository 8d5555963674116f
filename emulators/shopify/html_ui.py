"""A small admin page: customers list (latest changes first) and an edit form, so a person can change a
customer and watch the change flow through Ferry. Plain HTML, no external assets."""

from __future__ import annotations

from html import escape
from itertools import islice
from urllib.parse import parse_qsl, urlencode

from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from . import customer_edits
from .clock import shop_time
from .models import Address, Customer
from .search_syntax import compile_query
from .state import ShopState

PAGE_SIZE = 50
ADDRESS_INPUTS = ("first_name", "last_name", "company", "address1", "address2", "city", "province_code",
                  "country_code", "zip", "phone")  # fmt: skip
STYLE = """body{font:14px system-ui,sans-serif;margin:1.5rem;color:#222}table{border-collapse:collapse;width:100%}
td,th{border-bottom:1px solid #ddd;padding:.3rem .5rem;text-align:start}fieldset{margin:.8rem 0}
label{display:inline-block;margin:.2rem .6rem .2rem 0}input[type=text]{width:14rem}.error{color:#a00}
nav a{margin-right:1rem}"""


def _page(title: str, body: str, status: int = 200) -> HTMLResponse:
    document = (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{escape(title)}</title>'
        f"<style>{STYLE}</style></head><body><h1>{escape(title)}</h1>{body}</body></html>"
    )
    return HTMLResponse(document, status_code=status)


def _text(value) -> str:
    return escape("" if value is None else str(value))


def _row(customer: Customer) -> str:
    address = customer.default_address()
    name = " ".join(p for p in (customer.first_name, customer.last_name) if p)
    cells = [
        f'<a href="/_emulator/ui/customers/{customer.id}">{customer.id}</a>',
        f'<bdi dir="auto">{_text(name)}</bdi>',
        _text(customer.email),
        _text(customer.phone),
        _text(address.city if address else ""),
        str(len(customer.addresses)),
        _text(customer.state),
        _text(shop_time(customer.updated_us)),
    ]
    return "<tr>" + "".join(f"<td>{cell}</td>" for cell in cells) + "</tr>"


async def customers_page(request: Request) -> Response:
    shop: ShopState = request.app.state.shop
    page_text = request.query_params.get("page", "1")
    page = max(int(page_text), 1) if page_text.isdigit() else 1
    query = request.query_params.get("q", "")
    found = shop.store.scan("updated_at", descending=True, predicate=compile_query(query))
    customers = list(islice(found, (page - 1) * PAGE_SIZE, page * PAGE_SIZE + 1))
    rows = "".join(_row(c) for c in customers[:PAGE_SIZE])
    nav = []
    if page > 1:
        nav.append(f'<a href="?{urlencode({"page": page - 1, "q": query})}">&larr; Newer</a>')
    if len(customers) > PAGE_SIZE:
        nav.append(f'<a href="?{urlencode({"page": page + 1, "q": query})}">Older &rarr;</a>')
    body = (
        f"<p>{len(shop.store)} customers · {escape(shop.config.shop_domain)} · plan {shop.throttle.plan.name}</p>"
        f'<form method="get"><input type="text" name="q" value="{escape(query)}" '
        f'placeholder="search, e.g. last_name:Norman"> <button>Search</button></form>'
        "<table><thead><tr><th>Id</th><th>Name</th><th>Email</th><th>Phone</th><th>City</th>"
        f"<th>Addresses</th><th>State</th><th>Updated</th></tr></thead><tbody>{rows}</tbody></table>"
        f"<nav>{''.join(nav)}</nav>"
    )
    return _page("Customers", body)


def _input(name: str, label: str, value) -> str:
    return (
        f'<label>{escape(label)} <input type="text" name="{name}" value="{_text(value)}" dir="auto"></label>'
    )


def _address_fieldset(customer: Customer, address: Address | None) -> str:
    key = str(address.id) if address else "new"
    legend = f"Address {address.id}" if address else "New address (filled in = added)"
    inputs = "".join(
        _input(f"address-{key}-{n}", n, getattr(address, n) if address else "") for n in ADDRESS_INPUTS
    )
    extra = ""
    if address:
        checked = " checked" if address.id == customer.default_address_id else ""
        extra = (
            f'<label><input type="radio" name="default" value="{address.id}"{checked}> default</label>'
            f'<label><input type="checkbox" name="delete" value="{address.id}"> delete</label>'
        )
    return f"<fieldset><legend>{legend}</legend>{inputs}{extra}</fieldset>"


def _edit_form(customer: Customer, problems: dict | None = None, saved: bool = False) -> str:
    notice = '<p class="saved">Saved.</p>' if saved else ""
    if problems:
        items = "".join(
            f"<li>{escape(field)}: {escape('; '.join(msgs))}</li>" for field, msgs in problems.items()
        )
        notice = f'<ul class="error">{items}</ul>'
    person = "".join(
        _input(n, n, getattr(customer, n)) for n in ("first_name", "last_name", "email", "phone")
    )
    addresses = "".join(_address_fieldset(customer, a) for a in customer.addresses)
    return (
        f'{notice}<nav><a href="/_emulator/ui">&larr; Customers</a></nav>'
        f"<p>Updated {escape(shop_time(customer.updated_us))}</p>"
        f'<form method="post"><fieldset><legend>Customer</legend>{person}</fieldset>'
        f"{addresses}{_address_fieldset(customer, None)}<button>Save</button></form>"
    )


async def customer_page(request: Request) -> Response:
    shop: ShopState = request.app.state.shop
    customer = shop.store.get(request.path_params["customer_id"])
    if customer is None:
        return _page("Not found", "<p>No such customer.</p>", 404)
    saved = request.query_params.get("saved") == "1"
    return _page(f"Customer {customer.id}", _edit_form(customer, saved=saved))


def _form_to_update(customer: Customer, form: dict[str, str]) -> tuple[dict, list[int]]:
    data: dict = {n: form.get(n, "").strip() or None for n in ("first_name", "last_name", "email", "phone")}
    addresses = []
    deletions = [int(v) for k, v in form.items() if k.startswith("delete") and v.isdigit()]
    default = form.get("default", "")
    for address in customer.addresses:
        if address.id in deletions:
            continue
        fields = {n: form.get(f"address-{address.id}-{n}", "").strip() or None for n in ADDRESS_INPUTS}
        addresses.append({"id": address.id, **fields, "default": default == str(address.id)})
    new = {n: form.get(f"address-new-{n}", "").strip() or None for n in ADDRESS_INPUTS}
    if new["address1"]:
        addresses.append(new)
    data["addresses"] = addresses
    return data, deletions


async def customer_save(request: Request) -> Response:
    shop: ShopState = request.app.state.shop
    customer = shop.store.get(request.path_params["customer_id"])
    if customer is None:
        return _page("Not found", "<p>No such customer.</p>", 404)
    pairs = parse_qsl((await request.body()).decode("utf-8", "replace"), keep_blank_values=True)
    form: dict[str, str] = {}
    for key, value in pairs:
        form[f"delete-{value}" if key == "delete" else key] = value
    data, deletions = _form_to_update(customer, form)
    problems = customer_edits.customer_update(shop, customer, data)
    if not problems:
        for address_id in deletions:
            address = customer.address(address_id)
            if address is not None:
                problems.update(customer_edits.address_delete(shop, customer, address))
    if problems:
        return _page(f"Customer {customer.id}", _edit_form(customer, problems), 422)
    return RedirectResponse(f"/_emulator/ui/customers/{customer.id}?saved=1", status_code=303)


async def home(request: Request) -> Response:
    return RedirectResponse("/_emulator/ui", status_code=307)


routes = [
    Route("/", home, methods=["GET"]),
    Route("/_emulator/ui", customers_page, methods=["GET"]),
    Route("/_emulator/ui/customers/{customer_id:int}", customer_page, methods=["GET"]),
    Route("/_emulator/ui/customers/{customer_id:int}", customer_save, methods=["POST"]),
]
