"""Writes: insert (POST), merge (PATCH), replace (PUT), delete, and the `$template` entry.

A payload is applied to a copy of the record property by property in payload order, because
Sage puts view fields in that order (DEVREF §2.3): putting `GroupCode` defaults the account set,
terms, tax group… and later properties override those defaults. The copy replaces the stored
record only when every check passed, so a refused request changes nothing.
"""

from __future__ import annotations

from .entities import (
    CUSTOMER_GROUPS,
    CUSTOMERS,
    GROUP_DEFAULTED_FIELDS,
    SHIP_TO_DEFAULTED_FIELDS,
    SHIP_TO_LOCATIONS,
    TAX_GROUPS,
)
from .errors import SageError, duplicate, field_invalid, general, invalid_payload, not_found, record_invalid
from .schema import DETAILS, Details, Entity
from .seed import ACCOUNT_SET_CURRENCIES
from .store import CREATE, DELETE, REPLACE, UPDATE, Company, Store
from .values import value_read

_IGNORED_IN_DETAIL_ROWS = {"UpdateOperation"}
_DETAIL_FIELDS = {
    entity.set_name: [name for name, spec in entity.fields.items() if spec.kind == DETAILS]
    for entity in (CUSTOMERS, SHIP_TO_LOCATIONS, CUSTOMER_GROUPS, TAX_GROUPS)
}


def _unknown_property(entity_type: str, name: str) -> SageError:
    # ODataLib's wording for a property the model does not have.
    return invalid_payload(
        f"The property '{name}' does not exist on type '{entity_type}'. "
        "Make sure to only use property names that are defined by the type."
    )


def _payload_object(payload: object) -> dict:
    if not isinstance(payload, dict):
        raise invalid_payload("The request payload must be a JSON object describing one record.")
    return payload


def _details_apply(
    details: Details, parent: dict, current: list[dict], rows: object, type_name: str
) -> list[dict]:
    """Apply detail rows by `UpdateOperation` (DEVREF §9): Unspecified upserts, the others must match."""
    if not isinstance(rows, list):
        raise invalid_payload(f"The property of type 'Collection({type_name})' must be a JSON array.")
    result = [dict(row) for row in current]
    for raw in rows:
        if not isinstance(raw, dict):
            raise invalid_payload(f"Each item of a 'Collection({type_name})' must be a JSON object.")
        operation = raw.get("UpdateOperation", "Unspecified")
        values = {}
        for name, value in raw.items():
            if name.startswith("@"):
                continue
            spec = details.fields.get(name)
            if spec is None:
                raise _unknown_property(type_name, name)
            if spec.read_only or name in _IGNORED_IN_DETAIL_ROWS:
                continue
            values[name] = value_read(spec, value)
        if operation not in ("Unspecified", "Insert", "Update", "Delete"):
            raise invalid_payload(f"The value '{operation}' is not a valid UpdateOperationEnum member.")
        row_key = values.get(details.row_key, "")
        if not row_key:
            raise record_invalid(f"{details.fields[details.row_key].caption} cannot be blank.")
        position = next((i for i, row in enumerate(result) if row[details.row_key] == row_key), None)
        if operation == "Insert" and position is not None:
            raise general(f'Optional field "{row_key}" already exists.')
        if operation in ("Update", "Delete") and position is None:
            raise general(f'Optional field "{row_key}" does not exist.')
        if operation == "Delete":
            del result[position]
            continue
        row = (
            result[position]
            if position is not None
            else {name: spec.default for name, spec in details.fields.items()}
        )
        row.update(values)
        for detail_name, parent_name in details.parent_keys.items():
            row[detail_name] = parent[parent_name]
        row["UpdateOperation"] = "Unspecified"
        if position is None:
            result.append(row)
    return result


def _group_defaults_apply(company: Company, record: dict, group_code: str) -> None:
    group = company.table(CUSTOMER_GROUPS).get((group_code,))
    if group is None:
        raise field_invalid(f'Customer Group "{group_code}" does not exist.')
    for name in GROUP_DEFAULTED_FIELDS:
        record[name] = group[name]
    currency = ACCOUNT_SET_CURRENCIES.get(group["AccountSet"])
    if currency:
        record["CurrencyCode"] = currency


def _payload_apply(
    company: Company, entity: Entity, record: dict, payload: dict, *, creating: bool
) -> list[str]:
    """Put the payload's properties in order; returns the names that may have changed."""
    type_name = f"{entity.namespace}.{entity.type_name}"
    touched: list[str] = []
    for name, value in payload.items():
        if name.startswith("@"):
            continue  # annotations such as an echoed "@odata.context"
        spec = entity.fields.get(name)
        if spec is None:
            raise _unknown_property(type_name, name)
        if spec.read_only:
            continue
        if spec.kind == DETAILS:
            assert spec.details is not None
            record[name] = _details_apply(spec.details, record, record[name], value, spec.details.type_name)
            touched.extend((name, "NumberOfOptionalFields"))
            continue
        stored = value_read(spec, value)
        if name in entity.keys and not creating and stored != record[name]:
            raise invalid_payload(
                f"The key property '{name}' cannot be changed: the payload has '{stored}' "
                f"but the URL addresses '{record[name]}'."
            )
        if entity is CUSTOMERS and name == "GroupCode" and stored and (creating or stored != record[name]):
            _group_defaults_apply(company, record, stored)
            touched.extend(GROUP_DEFAULTED_FIELDS)
            touched.append("CurrencyCode")
        record[name] = stored
        touched.append(name)
        if name == "Status":
            touched.append("InactiveDate")
    return touched


def _references_check(company: Company, entity: Entity, record: dict, before: dict | None) -> None:
    for name in entity.required:
        if not record[name]:
            raise record_invalid(f"{entity.fields[name].caption} cannot be blank.")
    tax_group = record.get("TaxGroup")
    if tax_group and (before is None or before["TaxGroup"] != tax_group):
        if (tax_group, "Sales") not in company.table(TAX_GROUPS):
            raise field_invalid(f'Tax Group "{tax_group}" does not exist.')
    if entity is CUSTOMERS and before is not None and record["GroupCode"] != before["GroupCode"]:
        if (record["GroupCode"],) not in company.table(CUSTOMER_GROUPS):
            raise field_invalid(f'Customer Group "{record["GroupCode"]}" does not exist.')
    if entity is CUSTOMERS and record["PrimaryShipToLocation"]:
        if (record["CustomerNumber"], record["PrimaryShipToLocation"]) not in company.table(
            SHIP_TO_LOCATIONS
        ):
            raise field_invalid(f'Ship-To Location "{record["PrimaryShipToLocation"]}" does not exist.')


def _calculated_fields_set(store: Store, entity: Entity, record: dict, before: dict | None) -> None:
    today = store.today()
    record["DateLastMaintained"] = today
    if "Status" in record and (before is None or before["Status"] != record["Status"]):
        record["InactiveDate"] = today if record["Status"] == "Inactive" else None
    for name in _DETAIL_FIELDS[entity.set_name]:
        record["NumberOfOptionalFields"] = len(record[name])


def _primary_ship_to_sync(company: Company, ship_to: dict, before: dict | None) -> None:
    """Keep the customer's PrimaryShipToLocation and the ship-tos' indicators pointing the same way."""
    customer = company.table(CUSTOMERS)[(ship_to["CustomerNumber"],)]
    key = ship_to["ShipToLocationKey"]
    if ship_to["PrimaryShipToIndicator"] == "Yes":
        previous = customer["PrimaryShipToLocation"]
        if previous and previous != key:
            other = company.table(SHIP_TO_LOCATIONS).get((ship_to["CustomerNumber"], previous))
            if other is not None:
                other["PrimaryShipToIndicator"] = "No"
        customer["PrimaryShipToLocation"] = key
    elif customer["PrimaryShipToLocation"] == key and before is not None:
        customer["PrimaryShipToLocation"] = ""


def _customer_primary_sync(company: Company, customer: dict) -> None:
    for (number, key), ship_to in company.table(SHIP_TO_LOCATIONS).items():
        if number == customer["CustomerNumber"]:
            ship_to["PrimaryShipToIndicator"] = "Yes" if key == customer["PrimaryShipToLocation"] else "No"


def _changed_fields(
    entity: Entity, before: dict | None, after: dict, payload: dict, candidates: list[str] | None
) -> list[str]:
    """Property names whose value differs; `candidates` narrows the comparison (PATCH) or None (PUT)."""
    if before is None:
        return [name for name in payload if name in entity.fields]
    names = entity.fields if candidates is None else dict.fromkeys(candidates)
    return [name for name in names if name != "DateLastMaintained" and before[name] != after[name]]


def _store_and_log(
    store: Store,
    company: Company,
    entity: Entity,
    record: dict,
    before: dict | None,
    operation: str,
    payload: dict,
    candidates: list[str] | None = None,
) -> dict:
    key = entity.key_of(record)
    company.table(entity)[key] = record
    if entity is SHIP_TO_LOCATIONS:
        _primary_ship_to_sync(company, record, before)
    elif entity is CUSTOMERS and (
        before is None or before["PrimaryShipToLocation"] != record["PrimaryShipToLocation"]
    ):
        _customer_primary_sync(company, record)
    store.changes.add(
        company=company.name,
        entity=entity.set_name,
        key=entity.key_text(key),
        operation=operation,
        fields=_changed_fields(entity, before, record, payload, candidates),
    )
    return record


def record_template(store: Store, company: Company, entity: Entity) -> dict:
    record = entity.template()
    if "StartDate" in record:
        record["StartDate"] = store.today()
    if "Database" in record:
        record["Database"] = company.name
    return record


def _fresh_record(store: Store, company: Company, entity: Entity, key: tuple[str, ...]) -> dict:
    """A new record with its key put, and what the view defaults from the key (ship-to ← customer)."""
    record = record_template(store, company, entity)
    record.update(zip(entity.keys, key, strict=True))
    if entity is SHIP_TO_LOCATIONS:
        customer = company.table(CUSTOMERS).get((key[0],))
        if customer is None:
            raise general(f'Customer "{key[0]}" does not exist.')
        for name in SHIP_TO_DEFAULTED_FIELDS:
            record[name] = customer[name]
    return record


def record_create(store: Store, company: Company, entity: Entity, payload: object) -> dict:
    payload = _payload_object(payload)
    key_values = []
    for name in entity.keys:
        spec = entity.fields[name]
        value = value_read(spec, payload.get(name))
        if not value:
            raise record_invalid(f"{spec.caption} cannot be blank.")
        key_values.append(value)
    key = tuple(key_values)
    if key in company.table(entity):
        raise duplicate()
    record = _fresh_record(store, company, entity, key)
    _payload_apply(company, entity, record, payload, creating=True)
    _references_check(company, entity, record, None)
    _calculated_fields_set(store, entity, record, None)
    return _store_and_log(store, company, entity, record, None, CREATE, payload)


def record_update(
    store: Store, company: Company, entity: Entity, key: tuple[str, ...], payload: object
) -> dict:
    payload = _payload_object(payload)
    before = company.table(entity).get(key)
    if before is None:
        raise not_found()
    record = dict(before)
    touched = _payload_apply(company, entity, record, payload, creating=False)
    _references_check(company, entity, record, before)
    _calculated_fields_set(store, entity, record, before)
    return _store_and_log(store, company, entity, record, before, UPDATE, payload, touched)


def record_replace(
    store: Store, company: Company, entity: Entity, key: tuple[str, ...], payload: object
) -> dict:
    """PUT: "a deletion followed by an insertion" (DEVREF §8): omitted properties and details
    go back to their defaults; the view's calculated statistics stay."""
    payload = _payload_object(payload)
    before = company.table(entity).get(key)
    if before is None:
        raise not_found()
    record = _fresh_record(store, company, entity, key)
    for name, spec in entity.fields.items():
        if spec.read_only:
            record[name] = before[name]
    _payload_apply(company, entity, record, payload, creating=False)
    _references_check(company, entity, record, before)
    _calculated_fields_set(store, entity, record, before)
    return _store_and_log(store, company, entity, record, before, REPLACE, payload)


def record_delete(store: Store, company: Company, entity: Entity, key: tuple[str, ...]) -> None:
    table = company.table(entity)
    record = table.get(key)
    if record is None:
        raise not_found()
    if entity is CUSTOMER_GROUPS:
        in_use = next((c for c in company.table(CUSTOMERS).values() if c["GroupCode"] == key[0]), None)
        if in_use is not None:
            raise general(f'Customer Group "{key[0]}" is assigned to customer "{in_use["CustomerNumber"]}".')
    del table[key]
    store.changes.add(
        company=company.name, entity=entity.set_name, key=entity.key_text(key), operation=DELETE, fields=[]
    )
    if entity is CUSTOMERS:
        # The customer view deletes its ship-to locations with it.
        ship_tos = company.table(SHIP_TO_LOCATIONS)
        for ship_to_key in [k for k in ship_tos if k[0] == key[0]]:
            record_delete(store, company, SHIP_TO_LOCATIONS, ship_to_key)
    elif entity is SHIP_TO_LOCATIONS:
        customer = company.table(CUSTOMERS).get((key[0],))
        if customer is not None and customer["PrimaryShipToLocation"] == key[1]:
            customer["PrimaryShipToLocation"] = ""
