"""Shopify's webhook signature: base64 of HMAC-SHA256 over the raw request body, keyed with the
app's client secret (the connection's `webhook_secret`)."""

import base64
import hashlib
import hmac


def shopify_signature(body: bytes, secret: str) -> str:
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def shopify_signature_valid(*, body: bytes, signature: str, secret: str) -> bool:
    """Constant-time comparison, so response timing tells an attacker nothing about the digest."""
    expected = shopify_signature(body, secret).encode()
    return hmac.compare_digest(expected, signature.strip().encode("utf-8", "replace"))
