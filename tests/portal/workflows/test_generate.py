"""Generate: the plan of a design, its stability, and every problem listed by node and row."""

import copy
import json

import pytest

from agent_client.plan import plan_from_dict, template_path
from portal.workflows.design import version_design_save
from portal.workflows.errors import DesignProblems
from portal.workflows.lifecycle import version_generate, version_reset_generate
from portal.workflows.models import LookupTable
from tests.portal.workflows.helpers import row_of

pytestmark = pytest.mark.django_db


def _problems(workflow, alice, design):
    version_design_save(workflow=workflow, actor=alice, design=design)
    with pytest.raises(DesignProblems) as caught:
        version_generate(workflow=workflow, actor=alice)
    return [p.as_dict() for p in caught.value.problems]


def test_it_generates_the_agent_template_plan_from_the_customer_update_template(update_workflow, alice):
    version = version_generate(workflow=update_workflow, actor=alice)
    plan = json.loads(version.plan_json)
    shipped = json.loads(template_path("customer_update").read_text())
    assert plan["nodes"] == shipped["nodes"]
    assert {k: plan[k] for k in ("format", "connections", "lookups", "schedule")} == {
        k: shipped[k] for k in ("format", "connections", "lookups", "schedule")
    }
    assert plan["workflow"] == {
        "id": str(update_workflow.public_id),
        "name": "Customer Update",
        "template": "customer_update",
    }
    assert plan["version"] == 1
    assert plan_from_dict(plan).hash == version.plan_hash == plan["hash"]


def test_it_generates_the_same_hash_for_the_same_design(update_workflow, alice):
    first = version_generate(workflow=update_workflow, actor=alice)
    plan_json, plan_hash = first.plan_json, first.plan_hash
    version_reset_generate(workflow=update_workflow, version=first, actor=alice)
    second = version_generate(workflow=update_workflow, actor=alice)
    assert (second.plan_json, second.plan_hash) == (plan_json, plan_hash)


def test_it_generates_the_customer_add_template_plan(acme, alice, connections):
    from portal.workflows.design import workflow_create

    workflow = workflow_create(organization=acme, actor=alice, template="customer_add")
    plan = json.loads(version_generate(workflow=workflow, actor=alice).plan_json)
    shipped = json.loads(template_path("customer_add").read_text())
    assert plan["nodes"] == shipped["nodes"]
    assert plan["lookups"] == shipped["lookups"]


def test_it_lists_a_bad_expression_at_its_node_and_row(update_workflow, draft, alice):
    design = copy.deepcopy(draft.design)
    row_of(design, "customer_update", "TaxGroup")["expression"] = 'lookp("Tax", x)'
    with pytest.raises(DesignProblems) as caught:
        version_design_save(workflow=update_workflow, actor=alice, design=design)
    [problem] = caught.value.problems
    assert (problem.node, problem.row, problem.target, problem.column) == (
        "customer_update",
        4,
        "TaxGroup",
        1,
    )
    assert problem.message == 'unknown function "lookp" (did you mean "lookup"?)'
    assert str(problem).startswith("Customer Update, row 4 (TaxGroup), column 1: unknown function")


def test_it_refuses_an_unknown_lookup_table_at_its_row(update_workflow, draft, alice):
    design = copy.deepcopy(draft.design)
    row_of(design, "address_update", "Country")["expression"] = (
        'lookup("Countries", default_address.country_code)'
    )
    [problem] = _problems(update_workflow, alice, design)
    assert problem["node"] == "address_update"
    assert problem["row"] == 7
    assert (
        problem["message"] == 'lookup table "Countries" does not exist: create it on the Lookup tables page'
    )


def test_it_refuses_when_a_lookup_table_was_deleted(update_workflow, acme, alice):
    LookupTable.objects.filter(organization=acme, name="Website").delete()
    with pytest.raises(DesignProblems) as caught:
        version_generate(workflow=update_workflow, actor=alice)
    assert [(p.target, p.message) for p in caught.value.problems] == [
        ("WebSite", 'lookup table "Website" does not exist: create it on the Lookup tables page')
    ]


def test_it_requires_customer_number_and_group_code_for_customer_add(acme, alice, connections):
    from portal.workflows.design import workflow_create

    workflow = workflow_create(organization=acme, actor=alice, template="customer_add")
    design = copy.deepcopy(workflow.versions.get().design)
    node = design["nodes"][1]
    node["mapping"] = [r for r in node["mapping"] if r["target"] not in ("CustomerNumber", "GroupCode")]
    problems = _problems(workflow, alice, design)
    assert [(p["node"], p["target"], p["message"]) for p in problems] == [
        ("customer_add", "CustomerNumber", "CustomerNumber is required by Sage 300: add a row for it"),
        ("customer_add", "GroupCode", "GroupCode is required by Sage 300: add a row for it"),
    ]


def test_it_requires_chosen_connections_of_the_right_kind(update_workflow, draft, alice):
    design = copy.deepcopy(draft.design)
    design["nodes"][1]["source"]["connection"] = ""
    design["nodes"][1]["destination"]["connection"] = "shopify"
    problems = _problems(update_workflow, alice, design)
    assert [p["message"] for p in problems] == [
        "Get: choose a Shopify connection",
        "Post: 'shopify' is a Shopify connection, not Sage 300",
    ]


def test_it_refuses_a_missing_connection(acme, alice):
    from portal.workflows.design import workflow_create

    workflow = workflow_create(organization=acme, actor=alice, template="customer_update")
    with pytest.raises(DesignProblems) as caught:
        version_generate(workflow=workflow, actor=alice)
    assert [p.message for p in caught.value.problems] == [
        "Get: there is no connection named 'shopify': add it on the Connections page",
        "Post: there is no connection named 'sage300': add it on the Connections page",
    ]


def test_it_refuses_filter_nodes_and_unconnected_nodes(update_workflow, draft, alice):
    design = copy.deepcopy(draft.design)
    design["nodes"].append(
        {
            "id": "only_us",
            "kind": "filter",
            "name": "Only US",
            "x": 0,
            "y": 0,
            "condition": 'default_address.country_code == "US"',
        }
    )
    design["nodes"].append(
        {"id": "add2", "kind": "customer_add", "name": "Second add", "x": 0, "y": 0, "mapping": []}
    )
    problems = _problems(update_workflow, alice, design)
    assert [str(p["text"]) for p in problems] == [
        "Filter 'Only US': filter nodes are not supported by agents yet: remove it before Generate",
        "Customer Add 'Second add': is not connected to Start: connect it or remove it",
    ]


def test_it_refuses_a_post_task_without_its_customer_update(update_workflow, draft, alice):
    design = copy.deepcopy(draft.design)
    design["edges"] = [e for e in design["edges"] if e["to"] != "address_update"]
    design["edges"].append({"from": "start", "to": "address_update"})
    problems = _problems(update_workflow, alice, design)
    assert [p["node"] for p in problems] == ["address_update"]
    assert "follows exactly one Customer Update node" in problems[0]["message"]


def test_it_refuses_unknown_targets_and_options(update_workflow, draft, alice):
    design = copy.deepcopy(draft.design)
    design["nodes"][1]["mapping"].append({"target": "Colour", "expression": '"blue"'})
    design["nodes"][1]["options"]["page_size"] = "big"
    problems = _problems(update_workflow, alice, design)
    assert problems[0]["row"] == 9
    assert problems[0]["message"].startswith(
        "Sage 300 has no field Colour here (fields: CustomerName, ShortName"
    )
    assert problems[1]["message"] == "option page_size must be a whole number"
