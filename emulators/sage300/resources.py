"""The Web API routes: `/Sage300WebApi/v1.0/-/{company}/{module}/{resource}`.

One Starlette route takes every API path and this module routes it with precompiled regexes:
IIS matches the path without regard to case, which Starlette's router cannot do, and one
regex per request is cheaper than a route table. Order of checks: fault injection, Basic auth,
Content-Type, company, resource.
"""

from __future__ import annotations

import json
import re
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import Response

from .entities import ENTITIES_BY_LOWER_NAME
from .errors import (
    CONTENT_TYPE_MESSAGE,
    SERVER_ERROR_MESSAGE,
    TOO_MANY_REQUESTS_MESSAGE,
    UNAUTHORIZED_MESSAGE,
    SageError,
    invalid_payload,
    method_not_allowed,
    not_found,
    resource_not_found,
)
from .keys import is_template_key, key_parse
from .metadata import metadata_document
from .odata_query import feed_query_parse, records_order
from .records import record_create, record_delete, record_replace, record_template, record_update
from .responses import api_response, error_response, json_dumps, session_cookie_set
from .schema import DATE, DETAILS, Entity
from .state import SageState
from .store import Company
from .values import date_render

API_PREFIX = "/Sage300WebApi/v1.0/-/"
_API_PATH = re.compile(r"^/Sage300WebApi/v1\.0/-/(?P<company>[^/]+)/(?P<module>[^/]+)/(?P<rest>.+)$", re.I)
_RESOURCE = re.compile(r"^(?P<set>[A-Za-z0-9_]+)(?P<key>\(.*\))?(?P<count>/\$count)?$", re.S)
_DATE_FIELDS = {
    entity.set_name: tuple(name for name, spec in entity.fields.items() if spec.kind == DATE)
    for entity in ENTITIES_BY_LOWER_NAME.values()
}
_DETAIL_FIELDS = {
    entity.set_name: tuple(name for name, spec in entity.fields.items() if spec.kind == DETAILS)
    for entity in ENTITIES_BY_LOWER_NAME.values()
}


def record_render(entity: Entity, record: dict, select: tuple[str, ...] | None = None) -> dict:
    """The JSON form of a stored record: dates as `YYYY-MM-DDT00:00:00Z`, details copied."""
    rendered = (
        dict(record) if select is None else {name: record[name] for name in entity.fields if name in select}
    )
    for name in _DATE_FIELDS[entity.set_name]:
        if name in rendered:
            rendered[name] = date_render(rendered[name])
    for name in _DETAIL_FIELDS[entity.set_name]:
        if name in rendered:
            rendered[name] = [dict(row) for row in rendered[name]]
    return rendered


def _service_root(request: Request, company: Company, module: str) -> str:
    # From the scope and Host header: building `request.url` costs more than the rest of a PATCH.
    scope = request.scope
    host = request.headers.get("host")
    if host is None:
        server_host, server_port = scope.get("server") or ("127.0.0.1", 80)
        host = f"{server_host}:{server_port}"
    return f"{scope.get('scheme', 'http')}://{host}{API_PREFIX}{company.name}/{module}/"


def _entity_url(root: str, entity: Entity, record: dict) -> str:
    if len(entity.keys) == 1:
        segment = "('" + record[entity.keys[0]].replace("'", "''") + "')"
    else:
        segment = (
            "(" + ",".join(f"{name}='" + record[name].replace("'", "''") + "'" for name in entity.keys) + ")"
        )
    return root + entity.set_name + quote(segment, safe="'(),=")


def _select_suffix(select: tuple[str, ...] | None) -> str:
    return "" if select is None else "(" + ",".join(select) + ")"


def _next_link(request: Request, root: str, entity: Entity, skip: int, top: int | None) -> str:
    """The client's query with `$skip` (and a reduced `$top`) replaced, in its original order."""
    replacements = {"$skip": str(skip)}
    if top is not None:
        replacements["$top"] = str(top)
    parts = []
    for name, value in request.query_params.multi_items():
        if name.lower() in replacements:
            continue
        parts.append(quote(name, safe="$") + "=" + quote(value, safe="'(),:$"))
    parts.extend(f"{name}={value}" for name, value in replacements.items())
    return f"{root}{entity.set_name}?{'&'.join(parts)}"


def _feed(
    request: Request, state: SageState, company: Company, entity: Entity, root: str, count_only: bool
) -> Response:
    query = feed_query_parse(entity, request.query_params.multi_items())
    table = company.table(entity)
    if query.first_key_equals is not None:
        wanted = query.first_key_equals
        rows = [row for key, row in table.items() if key[0] == wanted]
    else:
        rows = list(table.values())
    if query.predicate is not None:
        predicate = query.predicate
        rows = [row for row in rows if predicate(row)]
    rows.sort(key=entity.key_of)  # after filtering: a one-customer feed sorts a handful of rows
    if query.orderby:
        records_order(entity, rows, query.orderby)
    if count_only:
        return api_response(200, str(len(rows)).encode(), content_type="text/plain; charset=utf-8")
    page_size = state.store.settings.page_size
    limit = page_size if query.top is None else min(query.top, page_size)
    page = rows[query.skip : query.skip + limit]
    body: dict = {"@odata.context": f"{root}$metadata#{entity.set_name}{_select_suffix(query.select)}"}
    if query.count:
        body["@odata.count"] = len(rows)
    body["value"] = [record_render(entity, row, query.select) for row in page]
    next_skip = query.skip + limit
    remaining_top = None if query.top is None else query.top - limit
    if next_skip < len(rows) and (remaining_top is None or remaining_top > 0):
        body["@odata.nextLink"] = _next_link(request, root, entity, next_skip, remaining_top)
    return api_response(200, json_dumps(body))


def _entity_body(root: str, entity: Entity, record: dict, select: tuple[str, ...] | None = None) -> bytes:
    context = f"{root}$metadata#{entity.set_name}{_select_suffix(select)}/$entity"
    return json_dumps({"@odata.context": context, **record_render(entity, record, select)})


async def _payload(request: Request) -> object:
    body = await request.body()
    if not body.strip():
        raise invalid_payload("The request payload is empty; send the record as a JSON object.")
    try:
        return json.loads(body)
    except ValueError as exc:
        raise invalid_payload(f"The request payload is not valid JSON: {exc}.") from None


def _representation_wanted(request: Request) -> bool:
    return "return=representation" in request.headers.get("prefer", "")


async def _collection(
    request: Request, state: SageState, company: Company, entity: Entity, root: str
) -> Response:
    method = request.method
    if method == "GET":
        return _feed(request, state, company, entity, root, count_only=False)
    if method == "POST" and not entity.read_only:
        record = record_create(state.store, company, entity, await _payload(request))
        location = _entity_url(root, entity, record)
        return api_response(201, _entity_body(root, entity, record), extra={"Location": location})
    raise method_not_allowed(method)


async def _single(
    request: Request, state: SageState, company: Company, entity: Entity, root: str, key_text: str
) -> Response:
    method = request.method
    if method == "POST":
        if entity.read_only:
            raise method_not_allowed(method)
        if not is_template_key(key_text):
            raise SageError(400, "InvalidAction", "POST with an entity key is only supported for $template.")
        return api_response(200, _entity_body(root, entity, record_template(state.store, company, entity)))
    key = key_parse(entity, key_text)
    if method == "GET":
        record = company.table(entity).get(key)
        if record is None:
            raise not_found()
        select = feed_query_parse(entity, request.query_params.multi_items()).select
        return api_response(200, _entity_body(root, entity, record, select))
    if entity.read_only or method not in ("PATCH", "PUT", "DELETE"):
        raise method_not_allowed(method)
    if method == "DELETE":
        record_delete(state.store, company, entity, key)
        return api_response(204)
    write = record_update if method == "PATCH" else record_replace
    record = write(state.store, company, entity, key, await _payload(request))
    if _representation_wanted(request):
        return api_response(200, _entity_body(root, entity, record))
    return api_response(204)


def _content_type_ok(request: Request) -> bool:
    content_type = request.headers.get("content-type", "")
    return content_type.split(";", 1)[0].strip().lower() == "application/json"


async def _api_serve(request: Request, state: SageState) -> Response:
    allowed, new_session = state.auth.check(
        request.headers.get("authorization"), request.cookies.get("ASP.NET_SessionId")
    )
    if not allowed:
        raise SageError(401, "Unauthorized", UNAUTHORIZED_MESSAGE)
    response = await _api_route(request, state)
    if new_session is not None:
        session_cookie_set(response, new_session)
    return response


async def _api_route(request: Request, state: SageState) -> Response:
    if state.store.settings.content_type_required and not _content_type_ok(request):
        raise SageError(500, "InternalServerError", CONTENT_TYPE_MESSAGE)
    # The decoded path: a key may hold characters (space, '#', '?') a rebuilt URL would misread.
    path = request.scope["path"]
    match = _API_PATH.match(path)
    if match is None:
        raise resource_not_found(path)
    company = state.store.company(match["company"])
    if company is None:
        # Sage signs on to a company with the user's credentials; an unknown company fails the sign-on.
        raise SageError(
            401, "Unauthorized", f"Company {match['company']} does not exist or cannot be opened."
        )
    module, rest = match["module"].upper(), match["rest"]
    root = _service_root(request, company, module)
    if rest == "$metadata":
        document = metadata_document(module)
        if document is None:
            raise resource_not_found(f"{module}/$metadata")
        if request.method != "GET":
            raise method_not_allowed(request.method)
        return api_response(200, document, content_type="application/xml")
    resource = _RESOURCE.match(rest)
    entity = ENTITIES_BY_LOWER_NAME.get(resource["set"].lower()) if resource else None
    if resource is None or entity is None or entity.module != module:
        raise resource_not_found(rest)
    if resource["count"]:
        if resource["key"] or request.method != "GET":
            raise resource_not_found(rest)
        return _feed(request, state, company, entity, root, count_only=True)
    if resource["key"] is None:
        return await _collection(request, state, company, entity, root)
    return await _single(request, state, company, entity, root, resource["key"])


def _refusal(status: int) -> SageError:
    if status == 429:
        return SageError(429, "TooManyRequests", TOO_MANY_REQUESTS_MESSAGE)
    return SageError(status, "InternalServerError", SERVER_ERROR_MESSAGE)


async def api_endpoint(request: Request) -> Response:
    state: SageState = request.app.state.sage
    state.requests_by_method[request.method] += 1
    refused = state.faults.enter()
    if refused is not None:
        response = error_response(_refusal(refused), as_text_plain=state.store.settings.errors_as_text_plain)
    else:
        try:
            await state.faults.delay()
            response = await _api_serve(request, state)
        except SageError as error:
            response = error_response(error, as_text_plain=state.store.settings.errors_as_text_plain)
        finally:
            state.faults.leave()
    state.requests_by_status[response.status_code] += 1
    return response
