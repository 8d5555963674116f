"""Shopify's search syntax (`customers/search.json?query=`, GraphQL `customers(query:)`), compiled to a predicate.

Supported: `field:value`, comparators `:>` `:>=` `:<` `:<=`, single or double quotes, implicit AND,
`AND`, `OR`, `NOT`/`-`, parentheses, `value*` prefix matches and bare words (matched against name,
e-mail, phone and company). As documented, a term on a field Shopify does not support matches every
customer instead of failing.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from .clock import US, parse_time
from .geography import COUNTRIES
from .models import Customer
from .store import Bounds, Predicate

COMPARATORS = (">=", "<=", ">", "<")


@dataclass(frozen=True)
class Term:
    field: str | None  # None for a bare word
    op: str  # ":" (match) or a comparator
    value: str
    negated: bool = False


def tokenize(text: str) -> list[str]:
    tokens, i = [], 0
    while i < len(text):
        ch = text[i]
        if ch.isspace():
            i += 1
        elif ch in "()":
            tokens.append(ch)
            i += 1
        else:
            start = i
            while i < len(text) and not text[i].isspace() and text[i] not in "()":
                if text[i] in "'\"":
                    closing = text.find(text[i], i + 1)
                    i = len(text) if closing < 0 else closing + 1
                else:
                    i += 1
            tokens.append(text[start:i])
    return tokens


def _term(token: str) -> Term:
    negated = token.startswith("-") and len(token) > 1
    if negated:
        token = token[1:]
    field, sep, rest = token.partition(":")
    if not sep or not field.replace("_", "").isalnum():
        return Term(None, ":", token.strip("'\""), negated)
    op = next((c for c in COMPARATORS if rest.startswith(c)), ":")
    value = rest[len(op) :] if op != ":" else rest
    return Term(field.lower(), op, value.strip("'\""), negated)


class _Parser:
    def __init__(self, tokens: list[str]) -> None:
        self.tokens = tokens
        self.i = 0

    def peek(self) -> str | None:
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def parse_or(self):
        parts = [self.parse_and()]
        while self.peek() == "OR":
            self.i += 1
            parts.append(self.parse_and())
        return parts[0] if len(parts) == 1 else ("or", parts)

    def parse_and(self):
        parts = []
        while (token := self.peek()) is not None and token not in ("OR", ")"):
            if token == "AND":
                self.i += 1
                continue
            parts.append(self.parse_unary())
        return parts[0] if len(parts) == 1 else ("and", parts)

    def parse_unary(self):
        token = self.tokens[self.i]
        self.i += 1
        if token == "NOT":
            return ("not", self.parse_unary()) if self.peek() is not None else ("and", [])
        if token == "(":
            inner = self.parse_or()
            if self.peek() == ")":
                self.i += 1
            return inner
        return _term(token)


def parse(text: str | None):
    return _Parser(tokenize(text or "")).parse_or()


def compile_query(text: str | None) -> Predicate | None:
    """A predicate for the query, or None when it matches everything."""
    if not text or not text.strip():
        return None
    return _compile(parse(text))


def _compile(node) -> Predicate:
    if isinstance(node, Term):
        check = _term_check(node)
        return (lambda c: not check(c)) if node.negated else check
    kind, inner = node
    if kind == "not":
        check = _compile(inner)
        return lambda c: not check(c)
    checks = [_compile(part) for part in inner]
    if kind == "and":
        return lambda c: all(check(c) for check in checks)
    return lambda c: any(check(c) for check in checks)


def updated_bounds(text: str | None) -> Bounds:
    """The `updated_at` range of a query whose top level is an AND, so an index can skip to it."""
    if not text:
        return Bounds()
    node = parse(text)
    terms = [node] if isinstance(node, Term) else node[1] if node[0] == "and" else []
    low, high = None, None
    for term in terms:
        if not isinstance(term, Term) or term.field != "updated_at" or term.negated or term.op == ":":
            continue
        try:
            moment = parse_time(term.value)
        except ValueError:
            continue
        if moment is None:
            continue
        if term.op in (">=", ">"):
            bound = math.ceil(moment) if term.op == ">=" else math.floor(moment) + 1
            low = bound * US if low is None else max(low, bound * US)
        else:
            bound = math.floor(moment) + 1 if term.op == "<=" else math.ceil(moment)
            high = bound * US if high is None else min(high, bound * US)
    return Bounds(low, high)


def _compare(op: str, left, right) -> bool:
    if op in (":", "="):
        return left == right
    if op == ">":
        return left > right
    if op == ">=":
        return left >= right
    if op == "<":
        return left < right
    return left <= right


def _text_matcher(value: str):
    wanted = value.lower()
    if wanted.endswith("*"):
        prefix = wanted[:-1]
        return lambda text: text is not None and text.lower().startswith(prefix)
    return lambda text: text is not None and text.lower() == wanted


STRING_FIELDS = {
    "email": lambda c: [c.email],
    "first_name": lambda c: [c.first_name],
    "customer_first_name": lambda c: [c.first_name],
    "last_name": lambda c: [c.last_name],
    "customer_last_name": lambda c: [c.last_name],
    "phone": lambda c: [c.phone],
    "state": lambda c: [c.state],
    "multipass_identifier": lambda c: [c.multipass_identifier],
    "tag": lambda c: [t.strip() for t in (c.tags or "").split(",")],
    "customer_tag": lambda c: [t.strip() for t in (c.tags or "").split(",")],
    "country": lambda c: [x for a in c.addresses for x in (a.country_code, _country_name(a.country_code))],
    "province": lambda c: [a.province_code for a in c.addresses],
    "city": lambda c: [a.city for a in c.addresses],
    "company": lambda c: [a.company for a in c.addresses],
    "address1": lambda c: [a.address1 for a in c.addresses],
    "address2": lambda c: [a.address2 for a in c.addresses],
}
NUMBER_FIELDS = {
    "id": lambda c: c.id,
    "customer_id": lambda c: c.id,
    "orders_count": lambda c: c.orders_count,
    "total_spent": lambda c: float(c.total_spent),
}
TIME_FIELDS = {"updated_at": "updated_us", "created_at": "created_us", "customer_date": "created_us"}


def _country_name(code: str | None) -> str | None:
    country = COUNTRIES.get(code or "")
    return country.name if country else None


def _term_check(term: Term) -> Predicate:
    field, op, value = term.field, term.op, term.value
    if field is None:
        return _free_text(value)
    if field in TIME_FIELDS:
        try:
            moment = parse_time(value)
        except ValueError:
            moment = None
        if moment is None:
            return lambda c: True
        attribute = TIME_FIELDS[field]
        # whole seconds, as the client sees them
        return lambda c: _compare(op, getattr(c, attribute) // US, moment)
    if field in NUMBER_FIELDS:
        try:
            number = float(value)
        except ValueError:
            return lambda c: False
        read = NUMBER_FIELDS[field]
        return lambda c: _compare(op, read(c), number)
    if field == "verified_email":
        flag = value.lower() == "true"
        return lambda c: bool(c.verified_email) == flag
    if field in STRING_FIELDS:
        read_many, match = STRING_FIELDS[field], _text_matcher(value)
        return lambda c: any(match(text) for text in read_many(c))
    return lambda c: True


def _free_text(value: str) -> Predicate:
    wanted = value.lower().rstrip("*")
    if not wanted:
        return lambda c: True

    def check(c: Customer) -> bool:
        haystack = [c.first_name, c.last_name, c.email, c.phone, *(a.company for a in c.addresses)]
        return any(text and wanted in text.lower() for text in haystack)

    return check
