"""HTTP connectors of the agent: Shopify Admin API (source) and Sage 300 Web API (destination).

They raise `agent_client.errors.RetryableError` / `PermanentError` and nothing else from HTTP.
"""
