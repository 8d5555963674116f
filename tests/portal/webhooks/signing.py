"""Signing deliveries the way Shopify does, for the webhook tests."""

import base64
import hashlib
import hmac
import json

ACME_SECRET = "whsec_acme_0123456789"
GLOBEX_SECRET = "whsec_globex_9876543210"
BODY = json.dumps(
    {"id": 207119551, "email": "bob.norman@mail.example.com", "updated_at": "2025-07-01T14:34:17-04:00"}
)


def sign(raw_body: bytes, client_secret: str) -> str:
    """Exactly the verification recipe of Shopify's docs (shopify-api-notes.md §5.3)."""
    return base64.b64encode(hmac.new(client_secret.encode(), raw_body, hashlib.sha256).digest()).decode()
