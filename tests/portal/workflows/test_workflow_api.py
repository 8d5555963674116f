"""The workflows REST API: roles, lifecycle actions, conflicts, preview, diff, schema."""

import copy

import pytest

from tests.portal.workflows.helpers import row_of

pytestmark = pytest.mark.django_db


def _url(acme, workflow, action=""):
    return f"/api/orgs/{acme.slug}/workflows/{workflow.pk}/" + (f"{action}/" if action else "")


def test_it_creates_a_workflow_from_a_template_with_its_lookup_tables(acme, alice, api_as, connections):
    api = api_as(alice)
    response = api.post(f"/api/orgs/{acme.slug}/workflows/", {"template": "customer_update"}, format="json")
    assert response.status_code == 201, response.data
    assert (response.data["name"], response.data["draft_version"], response.data["published_version"]) == (
        "Customer Update", 1, None,
    )  # fmt: skip
    tables = api.get(f"/api/orgs/{acme.slug}/lookup-tables/").data["results"]
    assert [t["name"] for t in tables] == ["Country", "Customer Group", "Tax", "Website"]
    templates = api.get(f"/api/orgs/{acme.slug}/templates/").data
    assert [(t["key"], t["needs"]) for t in templates] == [
        ("customer_add", ""), ("customer_update", "Customer Update needs Customer Add"),
    ]  # fmt: skip


@pytest.mark.parametrize("role", ["viewer", "operator"])
def test_it_lets_viewers_and_operators_read_and_preview_but_not_design(
    role, acme, bob, bob_in_acme, api_as, update_workflow, draft
):
    bob_in_acme.role = role
    bob_in_acme.save()
    api = api_as(bob)
    assert api.get(_url(acme, update_workflow)).status_code == 200
    assert api.get(_url(acme, update_workflow, "versions")).status_code == 200
    preview = api.post(
        _url(acme, update_workflow, "preview"),
        {"kind": "customer_update", "rows": [{"target": "Email", "expression": "lower(email)"}]},
        format="json",
    )
    assert preview.status_code == 200
    for action, body in [
        ("design", {"design": draft.design}), ("generate", {}), ("publish", {"version": 1}),
        ("reset-generate", {"version": 1}), ("reset-publish", {}), ("rollback", {"version": 1}),
    ]:  # fmt: skip
        assert api.post(_url(acme, update_workflow, action), body, format="json").status_code == 403, action
    assert api.patch(_url(acme, update_workflow), {"is_active": False}, format="json").status_code == 403
    assert (
        api.post(f"/api/orgs/{acme.slug}/workflows/", {"template": "customer_add"}, format="json").status_code
        == 403
    )
    assert update_workflow.versions.get().state == "draft"


def test_it_runs_the_lifecycle_for_an_admin(acme, bob, bob_in_acme, api_as, update_workflow, draft):
    bob_in_acme.role = "admin"
    bob_in_acme.save()
    api = api_as(bob)
    generated = api.post(_url(acme, update_workflow, "generate"), {}, format="json")
    assert (generated.status_code, generated.data["state"]) == (200, "generated")
    assert generated.data["plan"]["workflow"]["id"] == str(update_workflow.public_id)
    published = api.post(_url(acme, update_workflow, "publish"), {"version": 1}, format="json")
    assert (published.data["state"], published.data["published_by"]) == ("published", "bob@acme.test")
    design = copy.deepcopy(draft.design)
    row_of(design, "customer_update", "Email")["expression"] = "upper(email)"
    saved = api.post(_url(acme, update_workflow, "design"), {"design": design}, format="json")
    assert (saved.data["number"], saved.data["state"]) == (2, "draft")
    diff = api.get(_url(acme, update_workflow, "diff") + "?a=1&b=2").data
    changed = [
        (n["id"], r["target"], r["old"], r["new"])
        for n in diff["nodes"]
        for r in n["mappings"].get("mapping", [])
        if r["status"] != "same"
    ]
    assert changed == [("customer_update", "Email", "lower(email)", "upper(email)")]
    assert api.post(_url(acme, update_workflow, "generate"), {}, format="json").status_code == 200
    assert api.post(_url(acme, update_workflow, "publish"), {"version": 2}, format="json").status_code == 200
    rolled = api.post(_url(acme, update_workflow, "rollback"), {"version": 1}, format="json")
    assert (rolled.status_code, rolled.data["state"]) == (200, "published")
    versions = api.get(_url(acme, update_workflow, "versions")).data
    assert [(v["number"], v["state"]) for v in versions] == [(2, "retired"), (1, "published")]
    unpublished = api.post(_url(acme, update_workflow, "reset-publish"), {}, format="json")
    assert (unpublished.data["number"], unpublished.data["state"]) == (1, "generated")


def test_it_answers_409_to_the_second_of_two_admins_publishing(
    acme, alice, bob, bob_in_acme, api_as, update_workflow
):
    bob_in_acme.role = "admin"
    bob_in_acme.save()
    revision = api_as(alice).post(_url(acme, update_workflow, "generate"), {}, format="json")
    loaded = api_as(alice).get(_url(acme, update_workflow)).data["revision"]
    body = {"version": 1, "expected_revision": loaded}
    assert api_as(bob).post(_url(acme, update_workflow, "publish"), body, format="json").status_code == 200
    second = api_as(alice).post(_url(acme, update_workflow, "publish"), body, format="json")
    assert second.status_code == 409
    assert second.data["detail"].startswith("Version 1 was published by bob@acme.test at ")
    assert second.data["detail"].endswith(" while you were working: reload to see it.")
    assert revision.status_code == 200


def test_it_lists_generate_problems_by_node_and_row(acme, alice, api_as, update_workflow, draft):
    api = api_as(alice)
    design = copy.deepcopy(draft.design)
    row_of(design, "customer_update", "GroupCode")["expression"] = 'lookup("Groups", "default")'
    api.post(_url(acme, update_workflow, "design"), {"design": design}, format="json")
    response = api.post(_url(acme, update_workflow, "generate"), {}, format="json")
    assert response.status_code == 400
    assert response.data["detail"] == "Generate found 1 problem: fix it and try again."
    [error] = response.data["errors"]
    assert (error["node"], error["mapping"], error["row"], error["target"]) == (
        "customer_update",
        "mapping",
        3,
        "GroupCode",
    )
    assert (
        error["text"]
        == 'Customer Update, row 3 (GroupCode): lookup table "Groups" does not exist: create it on the Lookup tables page'
    )


def test_it_refuses_to_save_a_bad_expression_with_its_row_and_column(
    acme, alice, api_as, update_workflow, draft
):
    design = copy.deepcopy(draft.design)
    row_of(design, "address_update", "City", "ship_to_mapping")["expression"] = "upper(city"
    response = api_as(alice).post(_url(acme, update_workflow, "design"), {"design": design}, format="json")
    assert response.status_code == 400
    [error] = response.data["errors"]
    assert (error["node"], error["mapping"], error["row"], error["target"]) == (
        "address_update",
        "ship_to_mapping",
        4,
        "City",
    )
    assert error["column"] is not None
    assert update_workflow.versions.get().design == draft.design


def test_it_previews_rows_with_values_warnings_and_errors(acme, alice, api_as, update_workflow):
    rows = [
        {"target": "CustomerName", "expression": 'trim(first_name + " " + last_name)'},
        {"target": "TaxGroup", "expression": 'lookup("Tax", default_address.province_code)'},
        {"target": "Email", "expression": 'lookp("Tax", x)'},
        {"target": "PhoneNumber", "expression": "coalesce(phone, default_address.phone)"},
    ]
    response = api_as(alice).post(
        _url(acme, update_workflow, "preview"),
        {"kind": "customer_update", "rows": rows, "sample": "long-name"},
        format="json",
    )
    assert response.status_code == 200
    got = {r["target"]: (r["value"], r["warning"], r["error"]) for r in response.data["rows"]}
    assert got["CustomerName"] == (
        "Maximiliana Alexandrina Josephine Featherstonehaugh-Wolfesch",
        "CustomerName was cut to 60 characters (it had 65)",
        None,
    )
    assert got["TaxGroup"] == ("ONTARIO", None, None)
    assert got["Email"] == (None, None, 'column 1: unknown function "lookp" (did you mean "lookup"?)')
    assert got["PhoneNumber"] == ("+14165550199", None, None)


def test_it_previews_a_pasted_record_and_ship_to_addresses(acme, alice, api_as, update_workflow):
    api = api_as(alice)
    pasted = {"id": 5, "first_name": "Ada", "default_address": None, "addresses": []}
    response = api.post(
        _url(acme, update_workflow, "preview"),
        {"kind": "customer_update", "rows": [{"target": "ShortName", "expression": "upper(first_name)"},
                                              {"target": "GroupCode", "expression": "default_address.city"}],
         "record": pasted},
        format="json",
    )  # fmt: skip
    assert [(r["value"], r["error"]) for r in response.data["rows"]] == [
        ("ADA", None),
        (None, "GroupCode is required but empty"),
    ]
    ship_to = api.post(
        _url(acme, update_workflow, "preview"),
        {
            "kind": "address_update",
            "group": "ship_to_mapping",
            "rows": [{"target": "City", "expression": "city"}],
        },
        format="json",
    )
    assert ship_to.data["rows"][0]["value"] == "Monterey"  # Jane Cooper's second address


def test_it_refuses_another_organizations_agent(acme, alice, api_as, update_workflow, globex):
    from portal.agents.models import Agent

    theirs = Agent.objects.create(organization=globex, name="globex-agent")
    response = api_as(alice).patch(_url(acme, update_workflow), {"agent": theirs.pk}, format="json")
    assert response.status_code == 400
    mine = Agent.objects.create(organization=acme, name="sage-box")
    response = api_as(alice).patch(
        _url(acme, update_workflow), {"agent": mine.pk, "is_active": False}, format="json"
    )
    assert (response.status_code, response.data["agent"], response.data["is_active"]) == (200, mine.pk, False)


def test_it_refuses_to_delete_a_published_workflow(acme, alice, api_as, update_workflow):
    api = api_as(alice)
    api.post(_url(acme, update_workflow, "generate"), {}, format="json")
    api.post(_url(acme, update_workflow, "publish"), {"version": 1}, format="json")
    response = api.delete(_url(acme, update_workflow))
    assert response.status_code == 409
    assert (
        response.data["detail"]
        == "This workflow is published: Reset Publish first so agents stop running it."
    )
    api.post(_url(acme, update_workflow, "reset-publish"), {}, format="json")
    assert api.delete(_url(acme, update_workflow)).status_code == 204


def test_it_describes_every_workflow_endpoint_in_the_schema(alice, api_as):
    paths = api_as(alice).get("/api/schema/?format=json").json()["paths"]
    base = "/api/orgs/{org_slug}/"
    expected = ["connections/", "connections/{id}/", "workflows/", "workflows/{id}/", "workflow-versions/",
                "workflow-versions/{id}/", "templates/", "lookup-tables/", "lookup-tables/{id}/",
                "lookup-tables/{id}/import/", "lookup-tables/{id}/export/", "lookup-tables/payload/"]  # fmt: skip
    actions = [
        "versions",
        "design",
        "generate",
        "reset-generate",
        "publish",
        "reset-publish",
        "rollback",
        "diff",
    ]
    expected += [f"workflows/{{id}}/{action}/" for action in [*actions, "preview"]]
    missing = [path for path in expected if base + path not in paths]
    assert missing == []
    assert "post" in paths[base + "workflows/{id}/publish/"]
