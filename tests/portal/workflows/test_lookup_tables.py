"""Lookup tables: the agent payload and hash, Save All, CSV import (all or nothing) and export."""

import pytest

from agent_client.lookups import lookups_hash
from agent_client.mapping.templates import DEFAULT_LOOKUP_TABLES
from portal.workflows.lookups_service import (
    LookupRowsInvalid,
    RowInput,
    lookup_table_create,
    lookup_table_import_csv,
    lookup_tables_ensure_defaults,
)
from portal.workflows.models import LookupTable
from portal.workflows.selectors import lookup_table_csv, lookup_tables_payload

pytestmark = pytest.mark.django_db


@pytest.fixture
def tax(acme, alice):
    rows = [
        RowInput("CA", "CALIF", "TaxGroup", "California"),
        RowInput("NY", "NY"),
        RowInput("default", "CALIF"),
    ]
    return lookup_table_create(organization=acme, actor=alice, name="Tax", used_for="TaxGroup", rows=rows)


def _rows(table):
    return list(table.rows.order_by("source_value").values_list("source_value", "destination_value"))


def test_it_gives_agents_the_default_tables_exactly_with_the_agent_hash(acme, alice):
    assert lookup_tables_ensure_defaults(organization=acme, actor=alice) == list(DEFAULT_LOOKUP_TABLES)
    digest, tables = lookup_tables_payload(acme)
    assert tables == DEFAULT_LOOKUP_TABLES
    assert digest == lookups_hash(DEFAULT_LOOKUP_TABLES)
    assert lookup_tables_ensure_defaults(organization=acme, actor=alice) == []


def test_it_keeps_each_organizations_tables_apart(acme, alice, globex, charlie, tax):
    lookup_table_create(organization=globex, actor=charlie, name="Tax", rows=[RowInput("TX", "TEXAS")])
    assert lookup_tables_payload(acme)[1] == {
        "Tax": {"rows": {"CA": "CALIF", "NY": "NY"}, "default": "CALIF"}
    }
    assert lookup_tables_payload(globex)[1] == {"Tax": {"rows": {"TX": "TEXAS"}, "default": None}}


def test_it_exports_csv_with_the_default_row_last(tax):
    assert lookup_table_csv(tax) == (
        "source,destination,used_for,note\nCA,CALIF,TaxGroup,California\nNY,NY,,\ndefault,CALIF,,used when no row matches\n"
    )


def test_it_imports_what_it_exports(tax, alice):
    table = lookup_table_import_csv(table=tax, actor=alice, content=lookup_table_csv(tax).encode())
    assert _rows(table) == [("CA", "CALIF"), ("NY", "NY")]
    assert table.default_value == "CALIF"
    assert table.content_hash == lookups_hash({"rows": {"CA": "CALIF", "NY": "NY"}, "default": "CALIF"})


def test_it_refuses_a_bad_csv_with_line_numbers_and_saves_nothing(tax, alice):
    before = (_rows(tax), tax.default_value, tax.content_hash)
    content = b"source,destination\nON,ONTARIO\nCA,CALIF\n\nQC,\nCA,CALIFORNIA\nBC\n"
    with pytest.raises(LookupRowsInvalid) as caught:
        lookup_table_import_csv(table=tax, actor=alice, content=content)
    assert caught.value.messages == [
        "line 7: expected 2 to 4 columns (source,destination,used_for,note), found 1"
    ]
    content = b"source,destination\nON,ONTARIO\nCA,CALIF\n\nQC,\nCA,CALIFORNIA\n"
    with pytest.raises(LookupRowsInvalid) as caught:
        lookup_table_import_csv(table=tax, actor=alice, content=content)
    assert caught.value.messages == [
        "line 5: destination value is empty",
        "line 6: source value 'CA' appears twice (first at line 3)",
    ]
    tax.refresh_from_db()
    assert (_rows(tax), tax.default_value, tax.content_hash) == before


def test_it_refuses_a_file_that_is_not_utf8(tax, alice):
    with pytest.raises(LookupRowsInvalid, match="not UTF-8"):
        lookup_table_import_csv(table=tax, actor=alice, content="QC,Québec".encode("latin-1"))


def test_it_imports_and_exports_through_the_api(acme, alice, api_as, tax):
    api = api_as(alice)
    url = f"/api/orgs/{acme.slug}/lookup-tables/{tax.pk}/"
    response = api.post(url + "import/", {"csv": "QC,QUEBEC,TaxGroup,\ndefault,ONTARIO\n"}, format="json")
    assert response.status_code == 200, response.data
    assert response.data["rows"] == [
        {"source": "QC", "destination": "QUEBEC", "used_for": "TaxGroup", "note": ""}
    ]
    assert response.data["default"] == "ONTARIO"
    bad = api.post(url + "import/", {"csv": "QC,\n"}, format="json")
    assert bad.status_code == 400
    assert bad.data == {"detail": "1 problem, nothing was saved: line 1: destination value is empty",
                        "errors": ["line 1: destination value is empty"]}  # fmt: skip
    export = api.get(url + "export/")
    assert export["Content-Type"] == "text/csv; charset=utf-8"
    assert (
        export.content.decode()
        == "source,destination,used_for,note\nQC,QUEBEC,TaxGroup,\ndefault,ONTARIO,,used when no row matches\n"
    )
    payload = api.get(f"/api/orgs/{acme.slug}/lookup-tables/payload/").data
    assert payload["tables"] == {"Tax": {"rows": {"QC": "QUEBEC"}, "default": "ONTARIO"}}
    assert payload["hash"] == lookups_hash(payload["tables"])


def test_it_saves_all_rows_at_once_through_the_api(acme, alice, api_as, tax):
    api = api_as(alice)
    url = f"/api/orgs/{acme.slug}/lookup-tables/{tax.pk}/"
    rows = [{"source": "TX", "destination": "TX"}, {"source": "default", "destination": "NY"}]
    response = api.patch(url, {"rows": rows, "note": "provinces and states"}, format="json")
    assert (response.status_code, response.data["default"], response.data["note"]) == (
        200,
        "NY",
        "provinces and states",
    )
    assert _rows(LookupTable.objects.get(pk=tax.pk)) == [("TX", "TX")]
    duplicate = api.patch(
        url,
        {"rows": [{"source": "TX", "destination": "A"}, {"source": "TX", "destination": "B"}]},
        format="json",
    )
    assert duplicate.status_code == 400
    assert duplicate.data["errors"] == ["row 2: source value 'TX' appears twice (first at row 1)"]
    created = api.post(
        f"/api/orgs/{acme.slug}/lookup-tables/",
        {"name": "Terms", "rows": [{"source": "net30", "destination": "N30"}]},
        format="json",
    )
    assert (created.status_code, created.data["rows"][0]["destination"]) == (201, "N30")


def test_it_lets_viewers_read_but_not_write_tables(acme, bob, bob_in_acme, api_as, tax):
    api = api_as(bob)
    url = f"/api/orgs/{acme.slug}/lookup-tables/{tax.pk}/"
    assert api.get(url).status_code == 200
    assert api.get(url + "export/").status_code == 200
    assert api.post(url + "import/", {"csv": "A,B\n"}, format="json").status_code == 403
    assert api.patch(url, {"rows": []}, format="json").status_code == 403
    assert api.delete(url).status_code == 403


def test_it_refuses_to_delete_a_table_a_generated_plan_reads(acme, alice, api_as, update_workflow):
    from portal.workflows.lifecycle import version_generate

    version_generate(workflow=update_workflow, actor=alice)
    table = LookupTable.objects.get(organization=acme, name="Country")
    response = api_as(alice).delete(f"/api/orgs/{acme.slug}/lookup-tables/{table.pk}/")
    assert response.status_code == 400
    assert (
        response.data["detail"]
        == "'Country' is read by Customer Update v1: change those workflows before deleting it."
    )
