"""The "A/R Customers" screens where a person checks what Ferry wrote, as in Sage's own UI.

`/ui/{company}/customers` lists customers (search, paging); a customer page shows its main
fields and its ship-to locations. Self-contained HTML, no external assets, no auth.
"""

from __future__ import annotations

from datetime import date
from html import escape
from urllib.parse import quote, urlencode

from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse
from starlette.routing import Route

from .entities import CUSTOMERS, SHIP_TO_LOCATIONS
from .state import SageState

PAGE_ROWS = 50
_STYLE = """
body{font-family:Segoe UI,Arial,sans-serif;margin:0;color:#1d2b36;background:#f4f6f8}
header{background:#00823b;color:#fff;padding:10px 20px;font-size:18px}
header a{color:#fff;text-decoration:none}
main{padding:16px 20px}
table{border-collapse:collapse;background:#fff;width:100%;font-size:13px}
th,td{border:1px solid #d6dde3;padding:5px 8px;text-align:left;vertical-align:top}
th{background:#e9eef2}
.inactive{color:#8a959e}
form{margin:0 0 12px}
dl{display:grid;grid-template-columns:max-content 1fr;gap:4px 16px;background:#fff;padding:12px;
  border:1px solid #d6dde3;font-size:13px}
dt{font-weight:600}
nav{margin:10px 0;font-size:13px}
"""


def _page(title: str, body: str) -> HTMLResponse:
    return HTMLResponse(
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>{escape(title)}</title><style>{_STYLE}</style></head><body>"
        f"<header><a href='/'>Sage 300</a> &rsaquo; {escape(title)}</header><main>{body}</main></body></html>"
    )


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    return escape(str(value))


async def home(request: Request) -> HTMLResponse:
    state: SageState = request.app.state.sage
    items = "".join(
        f"<li><a href='/ui/{quote(name)}/customers'>{escape(name)} &mdash; A/R Customers</a> "
        f"({len(company.table(CUSTOMERS))} customers)</li>"
        for name, company in state.store.companies.items()
    )
    body = (
        "<p>Sage 300 Web API emulator. API root: <code>/Sage300WebApi/v1.0/-/{company}/AR/</code></p>"
        f"<ul>{items}</ul><p>Control: <code>/_emulator/stats</code>, <code>/_emulator/changes</code></p>"
    )
    return _page("Sage 300 Web API", body)


def _matches(customer: dict, needle: str) -> bool:
    haystack = " ".join(
        str(customer[name]) for name in ("CustomerNumber", "CustomerName", "ShortName", "Email", "City")
    )
    return needle.lower() in haystack.lower()


async def customer_list(request: Request) -> HTMLResponse:
    state: SageState = request.app.state.sage
    company = state.store.company(request.path_params["company"])
    if company is None:
        return _page("A/R Customers", "<p>No such company.</p>")
    needle = request.query_params.get("q", "").strip()
    page_text = request.query_params.get("page", "1")
    page = max(int(page_text), 1) if page_text.isdigit() else 1
    customers = sorted(company.table(CUSTOMERS).values(), key=lambda c: c["CustomerNumber"])
    if needle:
        customers = [c for c in customers if _matches(c, needle)]
    ship_to_counts: dict[str, int] = {}
    for number, _ in company.table(SHIP_TO_LOCATIONS):
        ship_to_counts[number] = ship_to_counts.get(number, 0) + 1
    shown = customers[(page - 1) * PAGE_ROWS : page * PAGE_ROWS]
    base = f"/ui/{quote(company.name)}/customers"
    rows = "".join(
        f"<tr class='{'inactive' if c['Status'] == 'Inactive' else ''}'>"
        f"<td><a href='{base}/{quote(c['CustomerNumber'], safe='')}'>{_text(c['CustomerNumber'])}</a></td>"
        f"<td>{_text(c['CustomerName'])}</td><td>{_text(c['GroupCode'])}</td><td>{_text(c['Status'])}</td>"
        f"<td>{_text(c['City'])}</td><td>{_text(c['Email'])}</td><td>{_text(c['TaxGroup'])}</td>"
        f"<td>{ship_to_counts.get(c['CustomerNumber'], 0)}</td><td>{_text(c['DateLastMaintained'])}</td></tr>"
        for c in shown
    )
    pages = max((len(customers) + PAGE_ROWS - 1) // PAGE_ROWS, 1)
    links = []
    if page > 1:
        links.append(f"<a href='{base}?{urlencode({'q': needle, 'page': page - 1})}'>&laquo; Previous</a>")
    if page < pages:
        links.append(f"<a href='{base}?{urlencode({'q': needle, 'page': page + 1})}'>Next &raquo;</a>")
    body = (
        f"<form method='get' action='{base}'><input name='q' value='{escape(needle)}' "
        "placeholder='Customer number, name, e-mail, city'> <button>Find</button></form>"
        f"<nav>{len(customers)} customers &middot; page {page} of {pages} {' '.join(links)}</nav>"
        "<table><thead><tr><th>Customer No.</th><th>Customer Name</th><th>Group</th><th>Status</th>"
        "<th>City</th><th>E-mail</th><th>Tax Group</th><th>Ship-To Locations</th>"
        f"<th>Last Maintained</th></tr></thead><tbody>{rows}</tbody></table>"
    )
    return _page(f"A/R Customers — {company.name}", body)


_CUSTOMER_FIELDS = (
    "CustomerNumber", "CustomerName", "ShortName", "GroupCode", "Status", "InactiveDate", "OnHold",
    "AddressLine1", "AddressLine2", "AddressLine3", "AddressLine4", "City", "StateProvince",
    "ZipPostalCode", "Country", "PhoneNumber", "Email", "WebSite", "TaxGroup", "AccountSet", "Terms",
    "CurrencyCode", "PrimaryShipToLocation", "StartDate", "DateLastMaintained",
)  # fmt: skip


async def customer_detail(request: Request) -> HTMLResponse:
    state: SageState = request.app.state.sage
    company = state.store.company(request.path_params["company"])
    number = request.path_params["number"]
    customer = company.table(CUSTOMERS).get((number,)) if company else None
    if company is None or customer is None:
        response = _page("A/R Customers", f"<p>Customer {escape(number)} does not exist.</p>")
        response.status_code = 404
        return response
    fields = "".join(
        f"<dt>{escape(CUSTOMERS.fields[name].caption)}</dt><dd>{_text(customer[name])}</dd>"
        for name in _CUSTOMER_FIELDS
    )
    ship_tos = sorted(
        (row for (owner, _), row in company.table(SHIP_TO_LOCATIONS).items() if owner == number),
        key=lambda row: row["ShipToLocationKey"],
    )
    rows = "".join(
        f"<tr class='{'inactive' if s['Status'] == 'Inactive' else ''}'>"
        f"<td>{_text(s['ShipToLocationKey'])}</td><td>{_text(s['Description'])}</td><td>{_text(s['Status'])}</td>"
        f"<td>{_text(s['AddressLine1'])} {_text(s['AddressLine2'])}</td><td>{_text(s['City'])}</td>"
        f"<td>{_text(s['StateProvince'])}</td><td>{_text(s['ZipPostalCode'])}</td><td>{_text(s['Country'])}</td>"
        f"<td>{_text(s['PrimaryShipToIndicator'])}</td><td>{_text(s['TaxGroup'])}</td>"
        f"<td>{_text(s['DateLastMaintained'])}</td></tr>"
        for s in ship_tos
    )
    body = (
        f"<nav><a href='/ui/{quote(company.name)}/customers'>&laquo; A/R Customers</a></nav>"
        f"<dl>{fields}</dl><h3>Ship-To Locations ({len(ship_tos)})</h3>"
        "<table><thead><tr><th>Ship-To Location</th><th>Description</th><th>Status</th><th>Address</th>"
        "<th>City</th><th>State/Prov.</th><th>Zip/Postal Code</th><th>Country</th><th>Primary</th>"
        f"<th>Tax Group</th><th>Last Maintained</th></tr></thead><tbody>{rows}</tbody></table>"
    )
    return _page(f"A/R Customers — {number}", body)


async def sage_landing(request: Request) -> RedirectResponse:
    return RedirectResponse("/", status_code=302)


HTML_ROUTES = [
    Route("/", home, methods=["GET"]),
    Route("/Sage300WebApi", sage_landing, methods=["GET"]),
    Route("/ui/{company}/customers", customer_list, methods=["GET"]),
    Route("/ui/{company}/customers/{number:path}", customer_detail, methods=["GET"]),
]
