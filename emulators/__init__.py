"""Faithful emulators of the Shopify Admin API and the Sage 300 Web API.

They import nothing from `portal` or `agent_client`, so they can be run as a sandbox by anyone.
"""
