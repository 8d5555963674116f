"""Recursive-descent parser: tokens → syntax tree (`nodes`).

Precedence, lowest first: `A if C else B`, `or`, `and`, `not`, comparisons, `+ -`, `* /`,
unary `-`, then `.field`, `[index]` and calls. This only checks syntax; `checker` checks names
and arguments of functions.
"""

from __future__ import annotations

from decimal import Decimal
from typing import cast

from .errors import ExpressionError
from .limits import MAX_ARGUMENTS, MAX_DEPTH
from .nodes import (
    Call,
    Chain,
    Compare,
    Conditional,
    Expr,
    Index,
    Literal,
    LiteralValue,
    Logical,
    Path,
    PathStep,
    Unary,
    children,
)
from .tokens import Kind, Token, tokenize

COMPARISONS = frozenset({"==", "!=", "<", "<=", ">", ">="})
TOO_DEEP = f"expression is nested too deeply (limit {MAX_DEPTH} levels)"


def parse_syntax(text: str) -> Expr:
    """Parse `text` into a tree, or raise ExpressionError at the first syntax error."""
    tree = _Parser(tokenize(text)).parse()
    _check_depth(tree)
    return tree


class _Parser:
    def __init__(self, tokens: list[Token]) -> None:
        self.tokens = tokens
        self.index = 0
        # Recursion guard: "((((((x" must fail cleanly long before Python's own limit.
        self.nesting = 0

    @property
    def token(self) -> Token:
        return self.tokens[self.index]

    def advance(self) -> Token:
        token = self.tokens[self.index]
        if token.kind is not Kind.END:
            self.index += 1
        return token

    def at(self, kind: Kind, text: str | None = None) -> bool:
        token = self.token
        return token.kind is kind and (text is None or token.text == text)

    def at_op(self, text: str) -> bool:
        return self.at(Kind.OP, text)

    def at_keyword(self, text: str) -> bool:
        return self.at(Kind.KEYWORD, text)

    def expect_op(self, text: str, message: str) -> Token:
        if not self.at_op(text):
            raise self.error(message)
        return self.advance()

    def error(self, message: str | None = None) -> ExpressionError:
        token = self.token
        if message is None:
            if token.kind is Kind.END:
                message = "expression is empty" if self.index == 0 else "expression is incomplete"
            else:
                message = f'unexpected "{token.text}"' if token.kind is not Kind.STRING else "unexpected text"
        return ExpressionError(message, token.position)

    def enter(self) -> None:
        self.nesting += 1
        if self.nesting > MAX_DEPTH:
            raise ExpressionError(TOO_DEEP, self.token.position)

    def parse(self) -> Expr:
        tree = self.expression()
        if not self.at(Kind.END):
            raise self.error()
        return tree

    def expression(self) -> Expr:
        self.enter()
        try:
            return self.conditional()
        finally:
            self.nesting -= 1

    def conditional(self) -> Expr:
        then = self.logical("or")
        if not self.at_keyword("if"):
            return then
        self.advance()
        condition = self.logical("or")
        if not self.at_keyword("else"):
            raise self.error('a conditional needs "else": A if CONDITION else B')
        self.advance()
        otherwise = self.expression()
        return Conditional(then, condition, otherwise, then.position)

    def logical(self, operator: str) -> Expr:
        operand = self.logical("and") if operator == "or" else self.negation()
        operands = [operand]
        while self.at_keyword(operator):
            self.advance()
            operands.append(self.logical("and") if operator == "or" else self.negation())
        if len(operands) == 1:
            return operand
        return Logical(operator, tuple(operands), operand.position)

    def negation(self) -> Expr:
        if not self.at_keyword("not"):
            return self.comparison()
        position = self.advance().position
        self.enter()
        try:
            return Unary("not", self.negation(), position)
        finally:
            self.nesting -= 1

    def comparison(self) -> Expr:
        left = self.chain(("+", "-"))
        if not (self.token.kind is Kind.OP and self.token.text in COMPARISONS):
            return left
        operator = self.advance().text
        right = self.chain(("+", "-"))
        if self.token.kind is Kind.OP and self.token.text in COMPARISONS:
            raise self.error('comparisons cannot be chained; combine them with "and"')
        return Compare(operator, left, right, left.position)

    def chain(self, operators: tuple[str, str]) -> Expr:
        def operand() -> Expr:
            return self.chain(("*", "/")) if operators[0] == "+" else self.unary()

        first = operand()
        operands = [first]
        found: list[str] = []
        while self.token.kind is Kind.OP and self.token.text in operators:
            found.append(self.advance().text)
            operands.append(operand())
        if not found:
            return first
        return Chain(tuple(operands), tuple(found), first.position)

    def unary(self) -> Expr:
        if not self.at_op("-"):
            return self.postfix()
        position = self.advance().position
        self.enter()
        try:
            operand = self.unary()
        finally:
            self.nesting -= 1
        # Fold "-5" into a literal so it reads as a number (and works as an index).
        value = operand.value if isinstance(operand, Literal) else None
        if isinstance(value, int | Decimal) and not isinstance(value, bool):
            return Literal(-value, position)
        return Unary("-", operand, position)

    def postfix(self) -> Expr:
        node = self.primary()
        while True:
            if self.at_op("."):
                dot = self.advance()
                if not self.at(Kind.NAME) and not self.at(Kind.KEYWORD):
                    raise self.error('expected a field name after "."')
                name = self.advance()
                if self.at_op("("):
                    raise ExpressionError(
                        f"functions are called as {name.text}(x), not x.{name.text}()", dot.position
                    )
                if not isinstance(node, Path):
                    raise ExpressionError('"." can only follow a field name', dot.position)
                node = Path((*node.steps, name.text), node.position)
            elif self.at_op("["):
                bracket = self.advance()
                key = self.index_key()
                self.expect_op("]", 'expected "]"')
                if isinstance(node, Path):
                    node = Path((*node.steps, key), node.position)
                else:
                    node = Index(node, key, bracket.position)
            else:
                return node

    def index_key(self) -> PathStep:
        negative = self.at_op("-")
        if negative:
            self.advance()
        token = self.token
        if token.kind is Kind.NUMBER and isinstance(token.value, int):
            self.advance()
            return -token.value if negative else token.value
        if token.kind is Kind.STRING and not negative:
            self.advance()
            return token.text
        raise self.error('an index is a whole number or a quoted field name, e.g. [0], [-1], ["name"]')

    def primary(self) -> Expr:
        token = self.token
        if token.kind is Kind.STRING or token.kind is Kind.NUMBER:
            self.advance()
            return Literal(cast(LiteralValue, token.value), token.position)
        if token.kind is Kind.KEYWORD and token.text in ("true", "false", "null"):
            self.advance()
            return Literal({"true": True, "false": False, "null": None}[token.text], token.position)
        if token.kind is Kind.NAME:
            self.advance()
            if self.at_op("("):
                return self.call(token)
            return Path((token.text,), token.position)
        if self.at_op("("):
            self.advance()
            inner = self.expression()
            self.expect_op(")", 'expected ")"')
            return inner
        raise self.error()

    def call(self, name: Token) -> Call:
        self.advance()  # "("
        args: list[Expr] = []
        if not self.at_op(")"):
            while True:
                if len(args) == MAX_ARGUMENTS:
                    raise self.error(f"too many arguments (limit {MAX_ARGUMENTS})")
                args.append(self.expression())
                if not self.at_op(","):
                    break
                self.advance()
        self.expect_op(")", f'expected "," or ")" in the arguments of {name.text}()')
        return Call(name.text, tuple(args), name.position)


def _check_depth(tree: Expr) -> None:
    stack: list[tuple[Expr, int]] = [(tree, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise ExpressionError(TOO_DEEP, node.position)
        stack.extend((child, depth + 1) for child in children(node))
