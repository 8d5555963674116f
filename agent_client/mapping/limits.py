"""Size limits of the expression language.

Mapping expressions are typed by integration users and run on the customer's server, so every
dimension a hostile or careless expression could blow up is capped here, in one place.
"""

MAX_EXPRESSION_LENGTH = 2_000
# Counts AST levels (a call, an operator, a conditional...). Generated Python nests a few
# parentheses per level and CPython refuses more than 200, so this also keeps codegen safe.
MAX_DEPTH = 32
MAX_NUMBER_DIGITS = 20
MAX_STRING_LITERAL = 1_000
MAX_NAME_LENGTH = 64
MAX_ARGUMENTS = 16
# Any text an expression produces (joins, replace, pad...) beyond this fails the record.
MAX_TEXT_LENGTH = 100_000
# Numbers an expression computes beyond this magnitude fail the record.
MAX_NUMBER = 10**30
MAX_LIST_LENGTH = 10_000
MAX_PAD_WIDTH = 1_000
MAX_REGEX_PATTERN = 200
# Backtracking cost grows with a power of the input length; these two keep the worst accepted
# pattern under about a quarter of a second per call.
MAX_REGEX_INPUT = 1_000
MAX_REGEX_UNBOUNDED_QUANTIFIERS = 2
MAX_DATE_FORMAT = 100
