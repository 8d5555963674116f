"""An in-memory Shopify Admin API (REST + GraphQL + webhooks) that Ferry's tests, demos and benchmarks talk to.

`create_app(...)` in `emulators.shopify.app` builds the ASGI app; `python -m emulators.shopify` serves it.
"""
