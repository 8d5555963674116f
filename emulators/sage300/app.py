"""`create_app()`: the Starlette application of one emulated Sage 300 Web API server."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.routing import Route

from .auth import BasicAuth
from .control import CONTROL_ROUTES
from .html import HTML_ROUTES
from .resources import api_endpoint
from .state import SageState
from .store import Store

DEFAULT_USER = "WEBAPI"
DEFAULT_PASSWORD = "webapi"  # a test double's well-known default, like Sage's sample WEBAPI user
API_METHODS = ["GET", "POST", "PATCH", "PUT", "DELETE", "HEAD", "OPTIONS"]


def create_app(
    *,
    companies: tuple[str, ...] | list[str] = ("SAMINC",),
    user: str = DEFAULT_USER,
    password: str = DEFAULT_PASSWORD,
    page_size: int = 100,
    sample_customers: bool = True,
) -> Starlette:
    names = tuple(dict.fromkeys(name.strip().upper() for name in companies if name.strip()))
    if not names:
        raise ValueError("at least one company is needed")
    state = SageState(
        store=Store(company_names=names, page_size=page_size),
        auth=BasicAuth(user, password),
        sample_customers=sample_customers,
    )
    state.reset()
    routes = [
        # The API path as Sage spells it goes first: the router then tries one pattern per call.
        Route("/Sage300WebApi/v1.0/-/{path:path}", api_endpoint, methods=API_METHODS),
        *CONTROL_ROUTES,
        *HTML_ROUTES,
        # Every API path, matched without regard to case inside resources.py, as IIS does.
        Route("/{path:path}", api_endpoint, methods=API_METHODS),
    ]
    app = Starlette(routes=routes)
    app.state.sage = state
    return app
