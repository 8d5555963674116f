"""Calculated query cost, close enough to Shopify's to exercise a client's throttle handling.

Shopify's estimator is not public. This model keeps its documented shape — a connection costs
2 + (first|last) × (per-node cost), a root object 1, a mutation 10, scalars and enums 0 — and, like
the real estimator, does not multiply plain objects nested inside nodes (otherwise tap-shopify's
customers query with `first: 250` would exceed the 1,000 single-query limit, which real Shopify
accepts). The actual cost replaces `first` with the number of nodes returned, for connections at the
root and inside root objects (`customer(id:) { addressesV2(first: 250) }` costs what it returned, as on
Shopify; a connection nested in another connection's nodes stays charged as requested).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    OperationType,
    VariableNode,
    get_named_type,
    get_nullable_type,
    get_operation_ast,
    is_list_type,
)

MAX_QUERY_COST = 1000
MUTATION_COST = 10


@dataclass
class QueryCost:
    requested: int = 0
    # response path of a connection charged once (at the root or in root objects) -> (cost per node,
    # nodes requested); resolvers report the nodes they returned by path, in `context["returned"]`
    connections: dict[tuple, tuple[int, int]] = field(default_factory=dict)

    def actual(self, returned: dict[tuple, int]) -> int:
        # a connection never resolved (its parent was null) returned nothing
        unused = sum(
            per_node * (asked - min(returned.get(path, 0), asked))
            for path, (per_node, asked) in self.connections.items()
        )
        return self.requested - unused


class _Walker:
    def __init__(self, schema: GraphQLSchema, document: DocumentNode, variables: dict) -> None:
        self.schema = schema
        self.variables = variables
        self.fragments = {
            d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
        }
        self.connections: dict[tuple, tuple[int, int]] = {}

    def fields(self, selection_set, parent):
        """(field node, its parent type) pairs with fragments flattened."""
        for selection in selection_set.selections if selection_set else ():
            if isinstance(selection, FieldNode):
                yield selection, parent
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                yield from self.fields(selection.selection_set, self._type(condition, parent))
            elif isinstance(selection, FragmentSpreadNode):
                fragment = self.fragments.get(selection.name.value)
                if fragment:
                    yield from self.fields(
                        fragment.selection_set, self._type(fragment.type_condition, parent)
                    )

    def _type(self, condition, fallback):
        return self.schema.get_type(condition.name.value) if condition else fallback

    def int_argument(self, node: FieldNode, name: str) -> int | None:
        for argument in node.arguments or ():
            if argument.name.value != name:
                continue
            value = argument.value
            if isinstance(value, IntValueNode):
                return int(value.value)
            if isinstance(value, VariableNode):
                found = self.variables.get(value.name.value)
                return found if isinstance(found, int) else None
        return None

    def field_cost(self, node: FieldNode, parent, path: tuple | None) -> int:
        """`path`: the field's response path when it is resolved at most once (root fields and
        fields of root objects), None inside a connection's nodes or a list."""
        if not isinstance(parent, GraphQLObjectType | GraphQLInterfaceType):
            return 0
        definition = parent.fields.get(node.name.value)
        if definition is None:
            return 0
        kind = get_named_type(definition.type)
        if not isinstance(kind, GraphQLObjectType | GraphQLInterfaceType):
            return 0
        if kind.name.endswith("Connection"):
            asked = self.int_argument(node, "first") or self.int_argument(node, "last") or 0
            node_type = get_named_type(kind.fields["nodes"].type)
            per_node = 1 + sum(
                self.nested(selection, node_type) for selection in self._node_selections(node, kind)
            )
            if path is not None:
                self.connections[path] = (per_node, asked)
            return 2 + asked * per_node
        own = 1 if path is not None and len(path) == 1 else 0
        once = path is not None and not is_list_type(get_nullable_type(definition.type))
        return own + sum(
            self.field_cost(child, t, path + (_key(child),) if once else None)
            for child, t in self.fields(node.selection_set, kind)
        )

    def nested(self, selection_set, node_type) -> int:
        return sum(self.field_cost(child, t, None) for child, t in self.fields(selection_set, node_type))

    def _node_selections(self, node: FieldNode, connection):
        for child, _ in self.fields(node.selection_set, connection):
            if child.name.value == "nodes":
                yield child.selection_set
            elif child.name.value == "edges":
                edge_type = get_named_type(connection.fields["edges"].type)
                for grandchild, _ in self.fields(child.selection_set, edge_type):
                    if grandchild.name.value == "node":
                        yield grandchild.selection_set


def query_cost(
    schema: GraphQLSchema, document: DocumentNode, operation_name: str | None, variables: dict
) -> QueryCost:
    operation = get_operation_ast(document, operation_name)
    cost = QueryCost()
    if operation is None:
        return cost
    defaults = {
        d.variable.name.value: int(d.default_value.value)
        for d in operation.variable_definitions or ()
        if isinstance(d.default_value, IntValueNode)
    }
    walker = _Walker(schema, document, {**defaults, **variables})
    if operation.operation == OperationType.MUTATION:
        cost.requested = MUTATION_COST * sum(
            1 for _ in walker.fields(operation.selection_set, schema.mutation_type)
        )
        return cost
    for node, parent in walker.fields(operation.selection_set, schema.query_type):
        cost.requested += walker.field_cost(node, parent, (_key(node),))
    cost.connections = walker.connections
    return cost


def _key(node: FieldNode) -> str:
    """The field's key in the response (graphql-core's `info.path` uses the same)."""
    return node.alias.value if node.alias else node.name.value
