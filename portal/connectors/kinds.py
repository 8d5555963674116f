"""What each connection kind holds: its non-secret settings and the secrets the portal may keep.

Setting names follow the agent's `[connections.<name>]` sections in ferry-agent.toml, so a person
can copy values from one to the other.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class KindSpec:
    label: str
    settings: dict[str, str]  # name → help text
    required_settings: tuple[str, ...]
    secrets: dict[str, str]  # name → help text
    defaults: dict[str, str]


KINDS: dict[str, KindSpec] = {
    "shopify": KindSpec(
        label="Shopify",
        settings={
            "shop_url": "Shop address, e.g. https://acme.myshopify.com",
            "api_version": "Admin API version, e.g. 2024-10",
        },
        required_settings=("shop_url",),
        secrets={
            "token": "Admin API access token (shpat_…)",
            "webhook_secret": "Secret Shopify signs webhooks with",
        },
        defaults={"api_version": "2024-10"},
    ),
    "sage300": KindSpec(
        label="Sage 300",
        settings={
            "base_url": "Sage 300 Web API address as the agent reaches it, e.g. http://sage/Sage300WebApi/v1.0",
            "company": "Sage 300 company database, e.g. SAMINC",
            "user": "Sage 300 user the agent logs in as, e.g. WEBAPI",
        },
        required_settings=("base_url", "company"),
        secrets={},
        defaults={},
    ),
}

# A message about the password, not a password.
SAGE_PASSWORD_REFUSED = (
    "The Sage 300 password stays on the agent: set it in ferry-agent.toml, never in the portal."  # noqa: S105
)
