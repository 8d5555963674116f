"""The shop resource (`shop.json`, GraphQL `shop`)."""

from __future__ import annotations

from typing import Any

from .clock import shop_time
from .datagen import GENERATED_FROM_US

SHOP_ID = 63_012_345_678
PLAN_NAMES = {
    "standard": ("professional", "Shopify"),
    "advanced": ("unlimited", "Advanced"),
    "plus": ("shopify_plus", "Shopify Plus"),
    "unlimited": ("partner_test", "Developer Preview"),
}


def shop_document(shop: Any) -> dict:
    plan_name, plan_display = PLAN_NAMES[shop.throttle.plan.name]
    domain = shop.config.shop_domain
    created = shop_time(GENERATED_FROM_US - 86_400 * 30 * 1_000_000)
    return {
        "id": SHOP_ID, "name": shop.config.shop_name, "email": f"owner@{domain}", "domain": domain,
        "province": "New York", "country": "US", "address1": "1 Harbour Street", "zip": "10001",
        "city": "New York", "source": None, "phone": "+12125550100", "latitude": 40.7506, "longitude": -73.9971,
        "primary_locale": "en", "address2": "", "created_at": created, "updated_at": created,
        "country_code": "US", "country_name": "United States", "currency": "USD",
        "customer_email": f"support@{domain}", "timezone": "(GMT-05:00) America/Panama",
        "iana_timezone": "America/Panama", "shop_owner": "Ferry Demo Owner", "money_format": "${{amount}}",
        "money_with_currency_format": "${{amount}} USD", "weight_unit": "lb", "province_code": "NY",
        "taxes_included": False, "auto_configure_tax_inclusivity": None, "tax_shipping": None,
        "county_taxes": True, "plan_display_name": plan_display, "plan_name": plan_name, "has_discounts": False,
        "has_gift_cards": False, "myshopify_domain": domain, "google_apps_domain": None,
        "google_apps_login_enabled": None, "money_in_emails_format": "${{amount}}",
        "money_with_currency_in_emails_format": "${{amount}} USD", "eligible_for_payments": True,
        "requires_extra_payments_agreement": False, "password_enabled": False, "has_storefront": True,
        "finances": True, "primary_location_id": 71_234_567_890, "checkout_api_supported": True,
        "multi_location_enabled": True, "setup_required": False, "pre_launch_enabled": False,
        "enabled_presentment_currencies": ["USD"], "transactional_sms_disabled": False,
        "marketing_sms_consent_enabled_at_checkout": False,
    }  # fmt: skip
