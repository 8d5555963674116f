"""Python source from checked syntax trees.

A mapping becomes one Python function (all rows) so that applying it to a record costs about
what a hand-written function costs. Safety rests on three rules:

- the only user text that reaches the source is `repr()` of literal strings and integers (and
  of target and field names), never raw text; other values (decimals, compiled regexes) are
  passed as named constants;
- function calls go only to the fixed table of `functions.FUNCTIONS` (names already checked);
- the code is run in a namespace whose `__builtins__` is empty, holding only the helpers below.

Field paths are computed once per record at the top of the function, as `.get` chains that
yield None for anything missing (an absent key, an index out of range, a step through null or
through a value of the wrong kind).
"""

from __future__ import annotations

from typing import Any

from . import values
from .context import context_now
from .errors import RecordError
from .functions import FUNCTIONS
from .limits import MAX_TEXT_LENGTH
from .lookups import MISSING
from .nodes import Call, Chain, Compare, Expr, Index, Literal, Logical, Path, PathStep, Unary
from .regexes import compile_pattern


def base_namespace() -> dict[str, Any]:
    """Everything generated code can reach: no builtins, only these helpers and the library."""
    namespace: dict[str, Any] = {
        "__builtins__": {},
        "_dict": dict,
        "_list": list,
        "_str": str,
        "_len": len,
        "_MISSING": MISSING,
        "_RecordError": RecordError,
        "_to_text": values.to_text,
        "_too_long": values.text_too_long,
        "_add_all": values.add_all,
        "_arith": values.arithmetic,
        "_neg": values.negate,
        "_eq": values.equals,
        "_cmp": values.compare,
        "_index": values.index_value,
        "_now": context_now,
    }
    for name, spec in FUNCTIONS.items():
        if spec.impl is not None:
            namespace[f"_f_{name}"] = spec.impl
    return namespace


class Generator:
    """Writes the code of one function: path prelude lines plus expressions.

    Create one per generated function; `constants` collects the values the code refers to
    by name and must be added to the namespace.
    """

    def __init__(self, constants: dict[str, Any], prefix: str = "") -> None:
        self.constants = constants
        self.prefix = prefix
        self.prelude: list[str] = []
        self.path_variables: dict[tuple[PathStep, ...], str] = {}
        self.temporaries = 0

    def temporary(self) -> str:
        self.temporaries += 1
        return f"_t{self.prefix}{self.temporaries}"

    def constant(self, value: object) -> str:
        name = f"_k{len(self.constants)}"
        self.constants[name] = value
        return name

    def path(self, steps: tuple[PathStep, ...]) -> str:
        variable = self.path_variables.get(steps)
        if variable is not None:
            return variable
        step = steps[-1]
        parent = self.path(steps[:-1]) if len(steps) > 1 else "r"
        variable = f"_p{self.prefix}{len(self.path_variables)}"
        if len(steps) == 1:
            line = f"{variable} = r.get({step!r})"
        else:
            if isinstance(step, str):
                line = f"{variable} = {parent}.get({step!r}) if {parent}.__class__ is _dict else None"
            else:
                size = f"_len({parent}) > {step}" if step >= 0 else f"_len({parent}) >= {-step}"
                line = f"{variable} = {parent}[{step}] if {parent}.__class__ is _list and {size} else None"
        self.path_variables[steps] = variable
        self.prelude.append(line)
        return variable

    def expression(self, node: Expr) -> str:
        if isinstance(node, Literal):
            return self.literal(node.value)
        if isinstance(node, Path):
            return self.path(node.steps)
        if isinstance(node, Index):
            return f"_index({self.expression(node.base)}, {node.key!r})"
        if isinstance(node, Call):
            return self.call(node)
        if isinstance(node, Unary):
            operand = self.expression(node.operand)
            return f"(not {operand})" if node.operator == "not" else f"_neg({operand})"
        if isinstance(node, Chain):
            return self.chain(node)
        if isinstance(node, Compare):
            return self.compare(node)
        if isinstance(node, Logical):
            joined = f" {node.operator} ".join(f"({self.expression(operand)})" for operand in node.operands)
            return f"(True if {joined} else False)"
        then, condition = self.expression(node.then), self.expression(node.condition)
        return f"({then} if {condition} else {self.expression(node.otherwise)})"

    def literal(self, value: object) -> str:
        if value is None or isinstance(value, bool | str):
            return repr(value)
        if isinstance(value, int):
            return f"({value!r})"
        return self.constant(value)

    def as_text(self, node: Expr) -> str:
        """Code giving the text of `node` as `+` sees it (null → "")."""
        if is_text(node):
            return self.expression(node)
        return self.text_of(self.expression(node))

    def text_of(self, code: str) -> str:
        temporary = self.temporary()
        return f"({temporary} if ({temporary} := {code}).__class__ is _str else _to_text({temporary}))"

    def chain(self, node: Chain) -> str:
        operands = node.operands
        if any(operator != "+" for operator in node.operators):
            codes = ", ".join(self.expression(operand) for operand in operands)
            return f"_arith(({codes},), {node.operators!r})"
        first_text = next((index for index, operand in enumerate(operands) if is_text(operand)), None)
        if first_text is None:
            # No side is known to be text: it may be a numeric sum, decided at run time.
            return f"_add_all({', '.join(self.expression(operand) for operand in operands)})"
        # From the first text operand on, `+` is a plain join; what comes before it is added
        # as the language says (so 1 + 2 + "x" is "3x") and then read as text.
        if first_text == 0:
            parts = []
        elif first_text == 1:
            parts = [self.as_text(operands[0])]
        else:
            head = ", ".join(self.expression(operand) for operand in operands[:first_text])
            parts = [self.text_of(f"_add_all({head})")]
        parts.extend(self.as_text(operand) for operand in operands[first_text:])
        joined, code = self.temporary(), " + ".join(parts)
        return f"({joined} if _len({joined} := {code}) <= {MAX_TEXT_LENGTH} else _too_long({joined}))"

    def compare(self, node: Compare) -> str:
        left, right = self.expression(node.left), self.expression(node.right)
        if node.operator in ("==", "!="):
            for side, other in ((node.left, right), (node.right, left)):
                if isinstance(side, Literal) and side.value is None:
                    return f"({other} is {'' if node.operator == '==' else 'not '}None)"
            if is_text(node.left) or is_text(node.right):
                # Python's == between text and anything else is already the language's ==.
                return f"({left} {node.operator} {right})"
            equal = f"_eq({left}, {right})"
            return equal if node.operator == "==" else f"(not {equal})"
        return f"_cmp({node.operator!r}, {left}, {right})"

    def call(self, node: Call) -> str:
        name, args = node.name, node.args
        if name == "coalesce":
            branches = []
            for argument in args:
                temporary = self.temporary()
                code = self.expression(argument)
                branches.append(
                    f"{temporary} if ({temporary} := {code}) is not None and {temporary} != '' else"
                )
            return "(" + " ".join(branches) + " None)"
        if name == "default":
            temporary = self.temporary()
            value, fallback = self.expression(args[0]), self.expression(args[1])
            return f"({temporary} if ({temporary} := {value}) is not None else {fallback})"
        if name == "now":
            return "_now(C)"
        if name == "lookup":
            table = _literal_text(args[0])
            value = self.expression(args[1])
            if len(args) == 2:
                return f"L.lookup({table!r}, {value})"
            # The explicit default is evaluated only when needed: it may be a lookup that fails.
            temporary = self.temporary()
            fallback = self.expression(args[2])
            return (
                f"({temporary} if ({temporary} := L.row({table!r}, {value})) is not _MISSING else {fallback})"
            )
        codes = [self.expression(argument) for argument in args]
        if name == "regex_replace":
            codes[1] = self.constant(compile_pattern(_literal_text(args[1])))
        return f"_f_{name}({', '.join(codes)})"


def is_text(node: Expr) -> bool:
    """Whether `node` certainly evaluates to text (never null, never a number)."""
    if isinstance(node, Literal):
        return isinstance(node.value, str)
    if isinstance(node, Call):
        spec = FUNCTIONS.get(node.name)
        return spec is not None and spec.always_text
    if isinstance(node, Chain):
        return all(operator == "+" for operator in node.operators) and any(is_text(o) for o in node.operands)
    return False


def _literal_text(node: Expr) -> str:
    assert isinstance(node, Literal) and isinstance(node.value, str), "checker ensures literal text"
    return node.value
