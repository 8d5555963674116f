"""Responses with the headers a live Sage 300 Web API sends (notes §1.1, §1.6)."""

from __future__ import annotations

import json

from starlette.responses import Response

from .auth import REALM_HEADER, SESSION_COOKIE
from .errors import SageError, error_body

JSON_TYPE = "application/json; odata.metadata=minimal"
_COMMON_HEADERS = {
    "OData-Version": "4.0",
    "api-supported-versions": "1.0",
    "Cache-Control": "no-cache",
    "Pragma": "no-cache",
    "Expires": "-1",
}


def json_dumps(payload: object) -> bytes:
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()


def api_response(
    status: int, body: bytes = b"", *, content_type: str | None = JSON_TYPE, extra: dict | None = None
) -> Response:
    headers = dict(_COMMON_HEADERS)
    if content_type is not None and status != 204:
        headers["Content-Type"] = content_type
    if extra:
        headers.update(extra)
    return Response(content=body, status_code=status, headers=headers)


def error_response(error: SageError, *, as_text_plain: bool) -> Response:
    extra = {"WWW-Authenticate": REALM_HEADER} if error.status == 401 else None
    content_type = "text/plain; charset=utf-8" if as_text_plain else JSON_TYPE
    return api_response(
        error.status, error_body(error.code, error.message), content_type=content_type, extra=extra
    )


def session_cookie_set(response: Response, session: str) -> None:
    response.set_cookie(SESSION_COOKIE, session, path="/", httponly=True, samesite="lax")
