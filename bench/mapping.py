"""Benchmark: the compiled Customer Add mapping against a hand-written function and three
general expression engines (simpleeval, CEL, jsonata-python) on the same mapping.

    .venv/bin/python bench/mapping.py [--records 20000]

Every engine runs the nine Customer Add rows of MAPPING.md (lookups included) and the same
post-processing (cut to max length with a warning, required check). Outputs are compared on
a sample first. The last line is one JSON object for CI.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import cel  # noqa: E402
import jsonata  # noqa: E402
from simpleeval import SimpleEval  # noqa: E402

from agent_client.mapping import LookupTables, RunContext, compile_mapping  # noqa: E402
from agent_client.mapping.library import base36  # noqa: E402
from agent_client.mapping.templates import CUSTOMER_ADD_ROWS, DEFAULT_LOOKUP_TABLES  # noqa: E402

TARGET_RATIO = 2.0
SAMPLE = 500
# Slow engines stop after this many seconds and report records/s over what they did.
SLOW_ENGINE_BUDGET = 4.0
ROUNDS = 7

FIRST = "Ann Bob Carla Dmitri Émilie François Grace Hiroshi Ingrid José Kofi Léa Mei Noor Olu Priya".split()
LAST = "Lee Smith Tremblay Gagnon Müller O'Brien García Nguyen Kowalski Rossi Dubois Kim Patel".split()
PROVINCES = [("US", "CA"), ("US", "NY"), ("US", "TX"), ("US", "WA"), ("CA", "ON"), ("CA", "QC"), ("CA", "BC")]
PROVINCES += [("GB", None), ("DE", None), ("AU", "NSW"), ("MX", "JAL")]
COUNTRIES = {"US": "United States", "CA": "Canada", "GB": "United Kingdom", "DE": "Germany"}
COUNTRIES |= {"AU": "Australia", "MX": "Mexico"}


def generate_customers(count: int, seed: int = 7) -> list[dict[str, Any]]:
    """Shopify REST customers: every key present (null when empty), like the real API."""
    rng = random.Random(seed)
    customers = []
    for index in range(count):
        customer_id = 7_000_000_000_000 + index * 104_729 + rng.randrange(1000)
        first = rng.choice(FIRST) if rng.random() > 0.05 else None
        last = rng.choice(LAST) if rng.random() > 0.05 else None
        if rng.random() < 0.01:
            last = "Vandenberghe-" + "x" * 60  # an over-long name: cut with a warning
        email = f"{(first or 'user').lower()}.{index}@Example.COM" if rng.random() > 0.08 else None
        phone = f"+1 416 555 {index % 10000:04d}" if rng.random() > 0.5 else None
        country, province = rng.choice(PROVINCES)
        address = {
            "id": customer_id + 1,
            "customer_id": customer_id,
            "first_name": first,
            "last_name": last,
            "company": "Acme Corp" if rng.random() < 0.2 else None,
            "address1": f"{rng.randrange(1, 999)} Main Street",
            "address2": "Suite 4" if rng.random() < 0.3 else None,
            "city": "Toronto",
            "province": province,
            "country": COUNTRIES[country],
            "zip": "M5V 2T6",
            "phone": "+1 416 555 0000" if rng.random() < 0.5 else None,
            "name": f"{first} {last}",
            "province_code": province,
            "country_code": country,
            "country_name": COUNTRIES[country],
            "default": True,
        }
        customer: dict[str, Any] = {
            "id": customer_id,
            "email": email,
            "created_at": "2024-01-05T10:11:12-05:00",
            "updated_at": "2024-03-01T08:00:00-05:00",
            "first_name": first,
            "last_name": last,
            "orders_count": rng.randrange(20),
            "state": rng.choice(["enabled", "enabled", "disabled", "invited", "declined"]),
            "total_spent": f"{rng.randrange(100000) / 100:.2f}",
            "note": None,
            "verified_email": True,
            "tax_exempt": False,
            "tags": "vip, wholesale" if rng.random() < 0.1 else "",
            "currency": "USD",
            "phone": phone,
            "addresses": [address] if rng.random() > 0.1 else [],
            "admin_graphql_api_id": f"gid://shopify/Customer/{customer_id}",
        }
        if customer["addresses"]:
            customer["default_address"] = address
        customers.append(customer)
    return customers


ROWS = [(row.target, row.max_length, row.required) for row in CUSTOMER_ADD_ROWS]


def finish(values: list[object]) -> tuple[dict[str, object], list[str]]:
    """The post-processing every interpreted engine shares: cut, warn, check required."""
    output: dict[str, object] = {}
    warnings = []
    for (target, max_length, required), value in zip(ROWS, values, strict=True):
        if max_length is not None and isinstance(value, str) and len(value) > max_length:
            warnings.append(f"{target} was cut to {max_length} characters (it had {len(value)})")
            value = value[:max_length]
        if required and (value is None or value == ""):
            raise ValueError(f"{target} is required but empty")
        output[target] = value
    return output, warnings


# -- shared helpers with the engine's null semantics, for the interpreted engines ------------


def _text(value: object) -> str:
    return "" if value is None else str(value)


def coalesce(*values: object) -> object:
    return next((value for value in values if value is not None and value != ""), None)


def cat(*values: object) -> str:
    return "".join(_text(value) for value in values)


def trim(value: object) -> object:
    return None if value is None else str(value).strip()


def upper(value: object) -> object:
    return None if value is None else str(value).upper()


def lower(value: object) -> object:
    return None if value is None else str(value).lower()


def left(value: object, count: int) -> object:
    return None if value is None else str(value)[: int(count)]


def field(value: object, key: str) -> object:
    return value.get(key) if isinstance(value, dict) else None


def make_lookup(tables: dict[str, Any]) -> Callable[..., object]:
    def lookup(table: str, value: object, *default: object) -> object:
        rows = tables[table]["rows"]
        if value is not None and str(value) in rows:
            return rows[str(value)]
        if default:
            return default[0]
        if tables[table]["default"] is not None:
            return tables[table]["default"]
        raise LookupError(f"{table}: {value}")

    return lookup


# -- (b) hand-written ----------------------------------------------------------------------


def make_handwritten(
    tables: dict[str, Any],
) -> Callable[[dict[str, Any]], tuple[dict[str, object], list[str]]]:
    group = tables["Customer Group"]["default"]
    tax_rows, tax_default = tables["Tax"]["rows"], tables["Tax"]["default"]
    website = tables["Website"]["default"]

    def cut(target: str, value: object, size: int, warnings: list[str]) -> object:
        if isinstance(value, str) and len(value) > size:
            warnings.append(f"{target} was cut to {size} characters (it had {len(value)})")
            return value[:size]
        return value

    def customer_add(customer: dict[str, Any]) -> tuple[dict[str, object], list[str]]:
        address = customer.get("default_address")
        if not isinstance(address, dict):
            address = {}
        first, last, email = customer.get("first_name"), customer.get("last_name"), customer.get("email")
        warnings: list[str] = []
        number = "SH" + base36(customer["id"]).upper()  # type: ignore[union-attr]
        name = ((first or "") + " " + (last or "")).strip() or address.get("company") or email or None
        short = first or last or email
        province = address.get("province_code")
        output = {
            "CustomerNumber": cut("CustomerNumber", number, 12, warnings),
            "CustomerName": cut("CustomerName", name, 60, warnings),
            "ShortName": short[:10] if short else short,
            "GroupCode": group,
            "TaxGroup": cut("TaxGroup", tax_rows.get(province, tax_default), 12, warnings),
            "Email": cut("Email", email.lower() if email is not None else None, 50, warnings),
            "PhoneNumber": cut(
                "PhoneNumber", customer.get("phone") or address.get("phone") or None, 30, warnings
            ),
            "WebSite": website,
            "Status": "Inactive" if customer.get("state") == "disabled" else "Active",
        }
        if not output["CustomerNumber"] or not output["GroupCode"]:
            raise ValueError("required field empty")
        return output, warnings

    return customer_add


# -- (c) simpleeval, (d) CEL, (e) jsonata --------------------------------------------------

SIMPLEEVAL_ROWS = [
    '"SH" + upper(base36(id))',
    'coalesce(trim(cat(first_name, " ", last_name)), field(default_address, "company"), email)',
    "left(coalesce(first_name, last_name, email), 10)",
    'lookup("Customer Group", "default")',
    'lookup("Tax", field(default_address, "province_code"), lookup("Tax", "default"))',
    "lower(email)",
    'coalesce(phone, field(default_address, "phone"))',
    'lookup("Website", "default")',
    '"Inactive" if state == "disabled" else "Active"',
]

_CEL_ADDRESS = "(has(r.default_address) && r.default_address != null ? r.default_address.{0} : null)"
CEL_ROWS = [
    '"SH" + upper(base36(r.id))',
    'coalesce(trim((r.first_name == null ? "" : r.first_name) + " "'
    ' + (r.last_name == null ? "" : r.last_name)), ' + _CEL_ADDRESS.format("company") + ", r.email)",
    "left(coalesce(r.first_name, r.last_name, r.email), 10)",
    'lookup("Customer Group", "default")',
    'lookup("Tax", ' + _CEL_ADDRESS.format("province_code") + ', lookup("Tax", "default"))',
    "lower(r.email)",
    "coalesce(r.phone, " + _CEL_ADDRESS.format("phone") + ")",
    'lookup("Website", "default")',
    'r.state == "disabled" ? "Inactive" : "Active"',
]

JSONATA_ROWS = [
    '"SH" & $uppercase($base36(id))',
    '$coalesce($trim($cat(first_name, " ", last_name)), default_address.company, email)',
    "$left($coalesce(first_name, last_name, email), 10)",
    '$lk("Customer Group", "default")',
    '$lk("Tax", default_address.province_code, $lk("Tax", "default"))',
    "$lower(email)",
    "$coalesce(phone, default_address.phone)",
    '$lk("Website", "default")',
    'state = "disabled" ? "Inactive" : "Active"',
]


class _Missing(dict):  # type: ignore[type-arg]
    """simpleeval names: a field that is absent reads as None, like in the mapping language."""

    def __missing__(self, key: str) -> None:
        return None


def make_simpleeval(
    tables: dict[str, Any],
) -> Callable[[dict[str, Any]], tuple[dict[str, object], list[str]]]:
    functions = {
        "coalesce": coalesce,
        "cat": cat,
        "trim": trim,
        "upper": upper,
        "lower": lower,
        "left": left,
        "field": field,
        "base36": base36,
        "lookup": make_lookup(tables),
    }
    evaluator = SimpleEval(functions=functions)
    parsed = [(text, evaluator.parse(text)) for text in SIMPLEEVAL_ROWS]

    def run(customer: dict[str, Any]) -> tuple[dict[str, object], list[str]]:
        evaluator.names = _Missing(customer)
        return finish([evaluator.eval(text, previously_parsed=tree) for text, tree in parsed])

    return run


def make_cel(tables: dict[str, Any]) -> Callable[[dict[str, Any]], tuple[dict[str, object], list[str]]]:
    functions = {
        "coalesce": coalesce,
        "trim": trim,
        "upper": upper,
        "lower": lower,
        "left": left,
        "base36": base36,
        "lookup": make_lookup(tables),
    }
    programs = [cel.compile(text) for text in CEL_ROWS]

    def run(customer: dict[str, Any]) -> tuple[dict[str, object], list[str]]:
        context = cel.Context({"r": customer}, functions)
        return finish([program.execute(context) for program in programs])

    return run


def make_jsonata(tables: dict[str, Any]) -> Callable[[dict[str, Any]], tuple[dict[str, object], list[str]]]:
    functions = {
        "coalesce": coalesce,
        "cat": cat,
        "trim": trim,
        "lower": lower,
        "left": left,
        "base36": base36,
        "lk": make_lookup(tables),
    }
    null = jsonata.utils.Utils.NULL_VALUE

    def with_nulls(function: Callable[..., object]) -> Callable[..., object]:
        # jsonata-python hands JSON null to functions as its own NULL_VALUE, not None.
        return lambda *args: function(*(None if arg is null else arg for arg in args))

    expressions = []
    for text in JSONATA_ROWS:
        expression = jsonata.Jsonata(text)
        for name, function in functions.items():
            expression.register_lambda(name, with_nulls(function))
        expressions.append(expression)

    def run(customer: dict[str, Any]) -> tuple[dict[str, object], list[str]]:
        return finish([expression.evaluate(customer) for expression in expressions])

    return run


# -- measurement -----------------------------------------------------------------------------


def records_per_second(function: Callable[[dict[str, Any]], object], records: list[dict[str, Any]]) -> float:
    """One pass, time-boxed (the slow engines would take minutes over 20,000 records)."""
    done = 0
    started = time.perf_counter()
    for record in records:
        function(record)
        done += 1
        if done % 200 == 0 and time.perf_counter() - started > SLOW_ENGINE_BUDGET:
            break
    return done / (time.perf_counter() - started)


def best_rates(
    functions: dict[str, Callable[[dict[str, Any]], object]], records: list[dict[str, Any]]
) -> dict[str, float]:
    """Best of several passes, alternating engines so machine noise hits both alike."""
    best = dict.fromkeys(functions, 0.0)
    for _ in range(ROUNDS):
        for name, function in functions.items():
            started = time.perf_counter()
            for record in records:
                function(record)
            best[name] = max(best[name], len(records) / (time.perf_counter() - started))
    return best


def main() -> None:
    arguments = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    arguments.add_argument("--records", type=int, default=20_000)
    options = arguments.parse_args()

    customers = generate_customers(options.records)
    tables = DEFAULT_LOOKUP_TABLES
    lookups = LookupTables(tables)
    context = RunContext(now=datetime(2025, 3, 1, tzinfo=UTC))
    mapping = compile_mapping(CUSTOMER_ADD_ROWS)

    def compiled(customer: dict[str, Any]) -> tuple[dict[str, object], list[str]]:
        result = mapping.apply(customer, lookups, context)
        return result.output, [str(warning) for warning in result.warnings]

    engines: dict[str, Callable[[dict[str, Any]], tuple[dict[str, object], list[str]]]] = {
        "compiled": compiled,
        "handwritten": make_handwritten(tables),
        "simpleeval": make_simpleeval(tables),
        "cel": make_cel(tables),
        "jsonata": make_jsonata(tables),
    }

    sample = customers[:SAMPLE]
    expected = [compiled(customer) for customer in sample]
    mismatches = {}
    for name, engine in engines.items():
        mismatches[name] = sum(
            engine(customer) != want for customer, want in zip(sample, expected, strict=True)
        )

    # Timed through the public API itself: apply() and the hand-written function.
    rates = best_rates(
        {
            "compiled": lambda customer: mapping.apply(customer, lookups, context),
            "handwritten": engines["handwritten"],
        },
        customers,
    )
    for name in ("simpleeval", "cel", "jsonata"):
        rates[name] = records_per_second(engines[name], customers)

    handwritten = rates["handwritten"]
    print(f"Customer Add mapping, {len(CUSTOMER_ADD_ROWS)} rows, {len(customers)} Shopify customers")
    print(f"{'engine':<12} {'records/s':>12} {'vs hand-written':>16} {'mismatches':>11}")
    for name, rate in rates.items():
        print(f"{name:<12} {rate:>12,.0f} {handwritten / rate:>15.2f}x {mismatches[name]:>7}/{SAMPLE}")
    ratio = handwritten / rates["compiled"]
    verdict = "within" if ratio <= TARGET_RATIO else "NOT within"
    print(f"compiled mapping is {ratio:.2f}x the hand-written time: {verdict} the {TARGET_RATIO}x target")
    summary = {
        "bench": "mapping",
        "records": len(customers),
        "compiled_rps": round(rates["compiled"]),
        "handwritten_rps": round(handwritten),
        "simpleeval_rps": round(rates["simpleeval"]),
        "cel_rps": round(rates["cel"]),
        "jsonata_rps": round(rates["jsonata"]),
        "mismatches": mismatches,
        "target_ratio_vs_handwritten": TARGET_RATIO,
        "ratio": round(ratio, 3),
    }
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
