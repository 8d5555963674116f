"""What the designer offers: templates, node kinds, Sage 300 fields per mapping, Shopify paths.

The templates' default designs are built from the agent's own template plans
(`agent_client/templates/*.plan.json`), so a design made from a template generates exactly the
plan the agent ships with (apart from the workflow's id, name and version).
"""

import copy
import json
from dataclasses import dataclass

from agent_client.mapping.templates import CUSTOMER_FIELDS, SHIPTO_FIELDS
from agent_client.plan import template_path


@dataclass(frozen=True)
class TemplateCard:
    key: str
    title: str
    source: str
    destination: str
    entity: str
    action: str
    summary: str
    needs: str = ""
    post_tasks: tuple[str, ...] = ()


TEMPLATES: dict[str, TemplateCard] = {
    card.key: card
    for card in (
        TemplateCard(
            key="customer_add",
            title="Customer Add",
            source="Shopify",
            destination="Sage 300",
            entity="Customer",
            action="Add",
            summary="Creates a Sage 300 A/R customer for every new Shopify customer; never twice.",
        ),
        TemplateCard(
            key="customer_update",
            title="Customer Update",
            source="Shopify",
            destination="Sage 300",
            entity="Customer",
            action="Update",
            summary="Sends Shopify customer changes to Sage 300, then their addresses and ship-to locations.",
            needs="Customer Update needs Customer Add",
            post_tasks=("Address Update",),
        ),
    )
}


@dataclass(frozen=True)
class FieldSpec:
    name: str
    max_length: int | None
    required: bool


def _fields(source, names) -> list[FieldSpec]:
    by_name = {field.name: field for field in source}
    return [FieldSpec(n, by_name[n].max_length, by_name[n].required) for n in names]


_CUSTOMER = ["CustomerNumber", "CustomerName", "ShortName", "GroupCode", "TaxGroup", "Email", "PhoneNumber"]
_CUSTOMER += ["WebSite", "Status"]
_ADDRESS = [
    "AddressLine1",
    "AddressLine2",
    "AddressLine3",
    "City",
    "StateProvince",
    "ZipPostalCode",
    "Country",
]

# Sage 300 fields each mapping may write. Ship-to rows leave out ShipToLocationKey, Description
# and Status: the runner allocates and keeps those itself.
FIELDS: dict[tuple[str, str], list[FieldSpec]] = {
    ("customer_add", "mapping"): _fields(CUSTOMER_FIELDS, _CUSTOMER),
    ("customer_update", "mapping"): _fields(CUSTOMER_FIELDS, _CUSTOMER[1:]),
    ("address_update", "mapping"): _fields(CUSTOMER_FIELDS, _ADDRESS),
    ("address_update", "ship_to_mapping"): [
        *_fields(SHIPTO_FIELDS, ["AddressLine1", "AddressLine2"]),
        FieldSpec("AddressLine3", 60, False),
        *_fields(SHIPTO_FIELDS, ["City", "StateProvince", "ZipPostalCode", "Country"]),
        FieldSpec("ContactName", 60, False),
        *_fields(SHIPTO_FIELDS, ["PhoneNumber"]),
    ],
}


def field_spec(kind: str, group: str, target: str) -> FieldSpec | None:
    return next((f for f in FIELDS.get((kind, group), []) if f.name == target), None)


# Node kinds of the designer. `plan` kinds become plan nodes or post-tasks; start/end frame the
# canvas; filter is drawn and validated but agents cannot run it yet (Generate says so).
NODE_KINDS: dict[str, dict] = {
    "start": {"label": "Start", "palette": False, "parts": []},
    "end": {"label": "End", "palette": False, "parts": []},
    "customer_add": {
        "label": "Customer Add",
        "palette": True,
        "group": "Tasks",
        "parts": ["Get: Shopify customers", "Process: value mapping", "Post: Sage 300 ARCustomers (add)"],
        "mappings": ["mapping"],
    },
    "customer_update": {
        "label": "Customer Update",
        "palette": True,
        "group": "Tasks",
        "parts": ["Get: Shopify customers", "Process: value mapping", "Post: Sage 300 ARCustomers (update)"],
        "mappings": ["mapping"],
    },
    "address_update": {
        "label": "Address Update",
        "palette": True,
        "group": "Post-tasks",
        "parts": [
            "Get: the parent's customer",
            "Process: address mapping",
            "Post: address + ship-to locations",
        ],
        "mappings": ["mapping", "ship_to_mapping"],
    },
    "filter": {
        "label": "Filter",
        "palette": True,
        "group": "Flow",
        "parts": ["Get: records of the previous node", "Process: condition", "Post: matching records"],
        "mappings": [],
    },
}

SHOPIFY_ADDRESS_PATHS = [
    "id", "first_name", "last_name", "name", "company", "address1", "address2", "city", "province",
    "province_code", "country", "country_code", "country_name", "zip", "phone", "default",
]  # fmt: skip
SHOPIFY_CUSTOMER_PATHS = [
    "id", "email", "first_name", "last_name", "phone", "state", "note", "tags", "verified_email",
    "tax_exempt", "orders_count", "total_spent", "currency", "created_at", "updated_at",
    *(f"default_address.{p}" for p in SHOPIFY_ADDRESS_PATHS),
    "addresses[0].address1", "addresses[0].city", "addresses[-1].zip",
]  # fmt: skip


def _plan_template(name: str) -> dict:
    return json.loads(template_path(name).read_text(encoding="utf-8"))


def template_design(template: str, *, shopify: str = "shopify", sage300: str = "sage300") -> dict:
    """The default design of a template, on a canvas: Start → task → post-tasks → End."""
    plan = _plan_template(template)
    nodes = [{"id": "start", "kind": "start", "name": "Start", "x": 30, "y": 150}]
    edges = []
    previous, x = "start", 170
    for raw in plan["nodes"]:
        node = {
            "id": raw["id"],
            "kind": raw["kind"],
            "name": raw["name"],
            "x": x,
            "y": 110,
            "source": {"connection": shopify, "entity": raw["source"]["entity"]},
            "destination": {"connection": sage300, "entity": raw["destination"]["entity"]},
            "options": copy.deepcopy(raw.get("options", {})),
            "mapping": copy.deepcopy(raw["mapping"]),
        }
        nodes.append(node)
        edges.append({"from": previous, "to": node["id"]})
        previous, x = node["id"], x + 290
        for task in raw.get("post_tasks", []):
            nodes.append(
                {
                    "id": task["id"],
                    "kind": task["kind"],
                    "name": task["name"],
                    "x": x,
                    "y": 110,
                    "options": copy.deepcopy(task.get("options", {})),
                    "mapping": copy.deepcopy(task.get("mapping", [])),
                    "ship_to_mapping": copy.deepcopy(task.get("ship_to_mapping", [])),
                }
            )
            edges.append({"from": previous, "to": task["id"]})
            previous, x = task["id"], x + 290
    nodes.append({"id": "end", "kind": "end", "name": "End", "x": x, "y": 150})
    edges.append({"from": previous, "to": "end"})
    return {
        "schedule": copy.deepcopy(plan.get("schedule", {"mode": "manual"})),
        "nodes": nodes,
        "edges": edges,
    }


def template_lookup_names(template: str) -> list[str]:
    return list(_plan_template(template).get("lookups", []))
