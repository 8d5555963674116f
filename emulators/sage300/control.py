"""`/_emulator/*`: the control endpoints tests and people use. No auth, no fault injection.

- `POST /_emulator/reset` `{"sample_customers": bool}`: back to the startup state (empty change
  log, no faults, default settings); sample customers as at startup unless the body says.
- `POST /_emulator/seed` `{"company", "tax_groups", "groups", "customers", "customer_group"}`.
- `GET|POST /_emulator/faults`: latency_ms, error_rate, error_status, max_concurrent, busy_status.
- `GET|POST /_emulator/settings`: content_type_required, errors_as_text_plain, page_size, today.
- `GET /_emulator/changes?company=&entity=&key=&since=&summary=1`: the change log; a composite
  key reads `1200/OFFICE`; `since` is a sequence number; `summary=1` gives per-key counts.
- `GET /_emulator/stats`: requests by status and method, record counts, faults.
"""

from __future__ import annotations

import json

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from .entities import CUSTOMER_GROUPS, TAX_GROUPS
from .errors import SageError
from .seed import customer_group_add, customers_generate, tax_group_add
from .state import SageState
from .store import Company
from .values import value_read


class ControlError(Exception):
    pass


def _state(request: Request) -> SageState:
    return request.app.state.sage


async def _json_object(request: Request) -> dict:
    body = await request.body()
    if not body.strip():
        return {}
    try:
        payload = json.loads(body)
    except ValueError as exc:
        raise ControlError(f"body is not valid JSON: {exc}") from None
    if not isinstance(payload, dict):
        raise ControlError("body must be a JSON object")
    return payload


def _problem(message: str, status: int = 400) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


def _companies(state: SageState, name: object) -> list[Company]:
    if name is None:
        return list(state.store.companies.values())
    company = state.store.company(str(name))
    if company is None:
        raise ControlError(f"unknown company {name}; known: {', '.join(state.store.companies)}")
    return [company]


def _checked_values(entity, values: dict) -> dict:
    checked = {}
    for name, value in values.items():
        spec = entity.fields.get(name)
        if spec is None or spec.read_only:
            raise ControlError(f"{entity.set_name} has no writable property {name}")
        try:
            checked[name] = value_read(spec, value)
        except SageError as error:
            raise ControlError(f"{entity.set_name}.{name}: {error.message}") from None
    return checked


def _seed_company(state: SageState, company: Company, payload: dict) -> dict:
    today = state.store.today()
    added: dict[str, list[str]] = {"tax_groups": [], "groups": []}
    for item in payload.get("tax_groups", []):
        values = _checked_values(TAX_GROUPS, {"TaxGroup": item} if isinstance(item, str) else item)
        if not values.get("TaxGroup"):
            raise ControlError("a tax group needs a TaxGroup code")
        tax_group_add(
            company,
            values["TaxGroup"],
            values.get("Description", ""),
            currency=values.get("TaxCurrency") or "USD",
            transaction_type=values.get("TransactionType", "Sales"),
            today=today,
        )
        added["tax_groups"].append(values["TaxGroup"])
    for item in payload.get("groups", []):
        values = _checked_values(CUSTOMER_GROUPS, {"GroupCode": item} if isinstance(item, str) else item)
        if not values.get("GroupCode"):
            raise ControlError("a customer group needs a GroupCode")
        tax_group = values.setdefault("TaxGroup", "CALIF")
        if (tax_group, "Sales") not in company.table(TAX_GROUPS):
            raise ControlError(f'group {values["GroupCode"]}: tax group "{tax_group}" does not exist')
        values.setdefault("AccountSet", "USA")
        values.setdefault("Description", values["GroupCode"])
        customer_group_add(company, values, today)
        added["groups"].append(values["GroupCode"])
    count = payload.get("customers", 0)
    if isinstance(count, bool) or not isinstance(count, int) or not 0 <= count <= 1_000_000:
        raise ControlError("customers must be a number of customers to generate (0..1000000)")
    group = payload.get("customer_group", "100")
    if count and (group,) not in company.table(CUSTOMER_GROUPS):
        raise ControlError(f"customer_group {group} does not exist")
    numbers = customers_generate(company, count, today=today, group=group)
    return {
        **added,
        "customers": len(numbers),
        "customer_numbers": [numbers[0], numbers[-1]] if numbers else [],
    }


async def reset(request: Request) -> JSONResponse:
    try:
        payload = await _json_object(request)
    except ControlError as error:
        return _problem(str(error))
    sample_customers = payload.get("sample_customers")
    if sample_customers is not None and not isinstance(sample_customers, bool):
        return _problem("sample_customers must be true or false")
    _state(request).reset(sample_customers=sample_customers)
    return JSONResponse({"ok": True, "records": _state(request).store.record_count()})


async def seed(request: Request) -> JSONResponse:
    state = _state(request)
    try:
        payload = await _json_object(request)
        unknown = set(payload) - {"company", "tax_groups", "groups", "customers", "customer_group"}
        if unknown:
            raise ControlError(f"unknown seed option(s): {', '.join(sorted(unknown))}")
        result = {
            company.name: _seed_company(state, company, payload)
            for company in _companies(state, payload.get("company"))
        }
    except ControlError as error:
        return _problem(str(error))
    return JSONResponse({"ok": True, "seeded": result, "records": state.store.record_count()})


async def faults(request: Request) -> JSONResponse:
    state = _state(request)
    if request.method == "POST":
        try:
            payload = await _json_object(request)
        except ControlError as error:
            return _problem(str(error))
        problems = state.faults.configure(payload)
        if problems:
            return _problem("; ".join(problems))
    return JSONResponse(state.faults.as_dict())


async def settings(request: Request) -> JSONResponse:
    state = _state(request)
    if request.method == "POST":
        try:
            payload = await _json_object(request)
        except ControlError as error:
            return _problem(str(error))
        problems = state.store.settings.update(payload)
        if problems:
            return _problem("; ".join(problems))
    return JSONResponse(state.store.settings.as_dict())


async def changes(request: Request) -> JSONResponse:
    state = _state(request)
    params = request.query_params
    company = params.get("company")
    filters = {
        "company": company.upper() if company else None,
        "entity": params.get("entity"),
        "key": params.get("key"),
    }
    if params.get("summary") in ("1", "true"):
        return JSONResponse({"summary": state.store.changes.summary(**filters)})
    since = params.get("since", "0")
    if not since.isdigit():
        return _problem("since must be a change sequence number")
    entries = [
        state.store.changes.entry_render(e) for e in state.store.changes.select(**filters, since=int(since))
    ]
    return JSONResponse(
        {"changes": entries, "count": len(entries), "last_seq": len(state.store.changes.entries)}
    )


async def stats(request: Request) -> JSONResponse:
    state = _state(request)
    return JSONResponse(
        {
            "requests": {
                "total": sum(state.requests_by_method.values()),
                "by_status": {str(status): n for status, n in sorted(state.requests_by_status.items())},
                "by_method": dict(state.requests_by_method),
            },
            "records": state.store.record_count(),
            "changes": len(state.store.changes.entries),
            "sessions": len(state.auth.sessions),
            "faults": state.faults.as_dict(),
            "settings": state.store.settings.as_dict(),
        }
    )


CONTROL_ROUTES = [
    Route("/_emulator/reset", reset, methods=["POST"]),
    Route("/_emulator/seed", seed, methods=["POST"]),
    Route("/_emulator/faults", faults, methods=["GET", "POST"]),
    Route("/_emulator/settings", settings, methods=["GET", "POST"]),
    Route("/_emulator/changes", changes, methods=["GET"]),
    Route("/_emulator/stats", stats, methods=["GET"]),
]
