"""Checks after parsing: known functions, argument counts, literal-only arguments.

`parse` and `validate_expression` are the entry points the portal uses when a row is saved.
"""

from __future__ import annotations

import difflib

from . import dates, regexes
from .errors import ExpressionError
from .functions import FUNCTIONS
from .nodes import Call, Chain, Expr, Literal, Unary, walk
from .parser import parse_syntax
from .regexes import replacement_parts


def parse(text: str) -> Expr:
    """Parse and check an expression; raise ExpressionError (the first problem) if it is bad."""
    tree = parse_syntax(text)
    problems = check_tree(tree)
    if problems:
        raise problems[0]
    return tree


def validate_expression(text: str) -> list[ExpressionError]:
    """Every problem of an expression (empty when it is fine), in the order they appear."""
    try:
        tree = parse_syntax(text)
    except ExpressionError as error:
        return [error]
    return check_tree(tree)


def check_tree(tree: Expr) -> list[ExpressionError]:
    problems: list[ExpressionError] = []
    for node in walk(tree):
        if isinstance(node, Call):
            problems.extend(_check_call(node))
        elif isinstance(node, Chain):
            problems.extend(_check_chain(node))
        elif isinstance(node, Unary) and node.operator == "-":
            if isinstance(node.operand, Literal) and node.operand.value is not None:
                problems.append(ExpressionError('"-" needs a number', node.position))
    problems.sort(key=lambda problem: problem.position)
    return problems


def _check_chain(node: Chain) -> list[ExpressionError]:
    # Only literals are known before run time: "a" * 2 is refused now, name * 2 when it runs.
    problems = []
    for index, operand in enumerate(node.operands):
        if not (isinstance(operand, Literal) and isinstance(operand.value, str | bool)):
            continue
        numeric = [op for op in node.operators[max(index - 1, 0) : index + 1] if op != "+"]
        if numeric:
            kind = "text" if isinstance(operand.value, str) else "true/false"
            problems.append(ExpressionError(f'"{numeric[0]}" needs numbers, not {kind}', operand.position))
    return problems


def _check_call(node: Call) -> list[ExpressionError]:
    spec = FUNCTIONS.get(node.name)
    if spec is None:
        message = f'unknown function "{node.name}"'
        close = difflib.get_close_matches(node.name, list(FUNCTIONS), n=1)
        if close:
            message += f' (did you mean "{close[0]}"?)'
        return [ExpressionError(message, node.position)]
    count = len(node.args)
    if count < spec.min_args or (spec.max_args is not None and count > spec.max_args):
        plural = "" if spec.arity() in ("1", "at least 1") else "s"
        return [
            ExpressionError(
                f"{node.name}() takes {spec.arity()} argument{plural}, got {count}: {spec.signature}",
                node.position,
            )
        ]
    problems = []
    for index in spec.literal_args:
        argument = node.args[index]
        if not (isinstance(argument, Literal) and isinstance(argument.value, str)):
            name = spec.signature[spec.signature.index("(") + 1 :].replace("[", "").split(",")[index].strip()
            problems.append(
                ExpressionError(f"the {name} of {node.name}() must be quoted text", argument.position)
            )
    if problems:
        return problems
    if node.name == "regex_replace":
        problems.extend(_check_regex(node))
    elif node.name == "format_date":
        fmt = node.args[1]
        assert isinstance(fmt, Literal) and isinstance(fmt.value, str)
        problem = dates.format_problem(fmt.value)
        if problem is not None:
            problems.append(ExpressionError(problem, fmt.position))
    return problems


def _check_regex(node: Call) -> list[ExpressionError]:
    pattern = node.args[1]
    assert isinstance(pattern, Literal) and isinstance(pattern.value, str)
    problem = regexes.pattern_problem(pattern.value)
    if problem is not None:
        return [ExpressionError(problem, pattern.position)]
    replacement = node.args[2]
    if isinstance(replacement, Literal) and isinstance(replacement.value, str):
        groups = regexes.compile_pattern(pattern.value).groups
        for part in replacement_parts(replacement.value):
            if isinstance(part, int) and part > groups:
                return [
                    ExpressionError(
                        f"${part} refers to a group the pattern does not have", replacement.position
                    )
                ]
    return []
