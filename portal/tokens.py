"""Bearer secrets (API tokens, invitation links, agent tokens): made here, stored only as hashes.

They carry 256 bits of randomness, so a plain SHA-256 is enough to store them (no slow KDF needed:
there is nothing to brute-force), and it allows a direct indexed lookup by hash.
"""

import hashlib
import hmac
import secrets


def token_new(kind: str) -> str:
    """A new secret like `ferry_pat_<43 url-safe chars>`; `kind` names what it is for."""
    return f"ferry_{kind}_{secrets.token_urlsafe(32)}"


def token_hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def token_prefix(raw: str, length: int = 14) -> str:
    """The start of a token, shown to people so they can tell tokens apart."""
    return raw[:length]


def token_matches(raw: str, stored_hash: str) -> bool:
    return hmac.compare_digest(token_hash(raw), stored_hash)
