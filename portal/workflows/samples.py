"""Sample Shopify customers for the mapping preview, shaped like Shopify's REST customer JSON.

They cover the cases a mapping must survive: a usual customer with two addresses, a name longer
than Sage allows, no address at all, and a disabled customer with accented text.
"""


def _address(id_, customer_id, default, **fields):
    base = {
        "id": id_, "customer_id": customer_id, "first_name": None, "last_name": None, "company": None,
        "address1": None, "address2": None, "city": None, "province": None, "country": None, "zip": None,
        "phone": None, "name": "", "province_code": None, "country_code": None, "country_name": None,
        "default": default,
    }  # fmt: skip
    base.update(fields)
    base["country_name"] = base["country"]
    base["name"] = " ".join(p for p in (base["first_name"], base["last_name"]) if p)
    return base


def _customer(id_, *, addresses, **fields):
    customer = {
        "id": id_, "email": None, "first_name": None, "last_name": None, "phone": None, "state": "enabled",
        "note": None, "tags": "", "verified_email": True, "tax_exempt": False, "orders_count": 0,
        "total_spent": "0.00", "currency": "USD",
        "created_at": "2024-03-02T09:15:00-05:00", "updated_at": "2024-06-11T16:40:12-04:00",
    }  # fmt: skip
    customer.update(fields)
    customer["addresses"] = addresses
    customer["default_address"] = next((a for a in addresses if a["default"]), None)
    return customer


SAMPLES: dict[str, dict] = {
    "jane-cooper": {
        "label": "Jane Cooper · Sacramento, CA · 2 addresses",
        "record": _customer(
            7039514132712,
            email="Jane.Cooper@example.com",
            first_name="Jane",
            last_name="Cooper",
            phone="+19165550142",
            orders_count=4,
            total_spent="412.80",
            tags="wholesale, newsletter",
            addresses=[
                _address(
                    9120473284840,
                    7039514132712,
                    True,
                    first_name="Jane",
                    last_name="Cooper",
                    company="Cooper Garden Supply",
                    address1="1420 J Street",
                    address2="Suite 300",
                    city="Sacramento",
                    province="California",
                    province_code="CA",
                    country="United States",
                    country_code="US",
                    zip="95814",
                    phone="+19165550142",
                ),  # fmt: skip
                _address(
                    9120473317608,
                    7039514132712,
                    False,
                    first_name="Jane",
                    last_name="Cooper",
                    address1="88 Harbor Road",
                    city="Monterey",
                    province="California",
                    province_code="CA",
                    country="United States",
                    country_code="US",
                    zip="93940",
                ),  # fmt: skip
            ],
        ),
    },
    "long-name": {
        "label": "Long name (over Sage's 60 characters) · Toronto, ON",
        "record": _customer(
            7039514165480,
            email="maximiliana.featherstonehaugh@example.ca",
            first_name="Maximiliana Alexandrina Josephine",
            last_name="Featherstonehaugh-Wolfeschlegel",
            phone=None,
            addresses=[
                _address(
                    9120473350376,
                    7039514165480,
                    True,
                    first_name="Maximiliana",
                    last_name="Featherstonehaugh",
                    address1="250 Front Street West",
                    city="Toronto",
                    province="Ontario",
                    province_code="ON",
                    country="Canada",
                    country_code="CA",
                    zip="M5V 3G5",
                    phone="+14165550199",
                ),  # fmt: skip
            ],
        ),
    },
    "no-address": {
        "label": "No address, no phone",
        "record": _customer(
            7039514198248, email="sam.patel@example.com", first_name="Sam", last_name="Patel", addresses=[]
        ),
    },
    "disabled-quebec": {
        "label": "Disabled customer · Montréal, QC",
        "record": _customer(
            7039514231016,
            email="Helene.Lefevre@Example.fr",
            first_name="Hélène",
            last_name="Lefèvre",
            phone="+15145550123",
            state="disabled",
            addresses=[
                _address(
                    9120473383144,
                    7039514231016,
                    True,
                    first_name="Hélène",
                    last_name="Lefèvre",
                    company="Boulangerie Lefèvre",
                    address1="4521 rue Saint-Denis",
                    city="Montréal",
                    province="Quebec",
                    province_code="QC",
                    country="Canada",
                    country_code="CA",
                    zip="H2J 2L4",
                ),  # fmt: skip
            ],
        ),
    },
}

DEFAULT_SAMPLE = "jane-cooper"
