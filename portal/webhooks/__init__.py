"""Shopify webhooks as a run trigger: signed deliveries start (or join) a Customer Update run."""
