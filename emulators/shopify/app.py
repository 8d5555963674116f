"""`create_app(...)`: the Starlette app of one emulated Shopify shop; its state is `app.state.shop`."""

from __future__ import annotations

from contextlib import asynccontextmanager

from starlette.applications import Starlette

from . import control, graphql_api, html_ui, rest_customers, rest_shop
from .state import DEMO_SHOP_DOMAIN, DEMO_TOKEN, DEMO_WEBHOOK_SECRET, ShopConfig, ShopState
from .throttle import PLANS


def create_app(
    *,
    customers: int = 1000,
    seed: int = 7,
    plan: str = "standard",
    token: str = DEMO_TOKEN,
    webhook_secret: str = DEMO_WEBHOOK_SECRET,
    shop_domain: str = DEMO_SHOP_DOMAIN,
    warm_cache: bool = True,
) -> Starlette:
    """`warm_cache` renders every customer's JSON on a background thread at startup, so the first pass
    over a large data set is as fast as later ones."""
    if plan not in PLANS:
        raise ValueError(f"plan must be one of {', '.join(PLANS)}")
    shop = ShopState(
        ShopConfig(
            customers=customers,
            seed=seed,
            plan=plan,
            token=token,
            webhook_secret=webhook_secret,
            shop_domain=shop_domain,
        )
    )

    @asynccontextmanager
    async def lifespan(app: Starlette):
        if warm_cache:
            app.state.shop.start_warming()
        yield
        app.state.shop.webhooks.stop()

    routes = [
        *rest_customers.routes,
        *rest_shop.routes,
        *graphql_api.routes,
        *control.routes,
        *html_ui.routes,
        rest_shop.catch_all,
    ]
    app = Starlette(routes=routes, lifespan=lifespan)
    app.state.shop = shop
    return app
