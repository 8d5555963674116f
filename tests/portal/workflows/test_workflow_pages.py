"""The HTML pages: Workflows list, Choose your Workflow, designer, versions, lookup tables."""

import copy
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from portal.workflows.design import version_design_save
from portal.workflows.lifecycle import version_generate, version_publish
from portal.workflows.models import LookupTable, Workflow
from tests.portal.workflows.helpers import row_of

pytestmark = pytest.mark.django_db


def test_it_creates_a_workflow_from_the_gallery(acme, alice, client_as, connections):
    client = client_as(alice)
    gallery = client.get(f"/o/{acme.slug}/workflows/new/")
    assert b"Customer Update needs Customer Add" in gallery.content
    response = client.post(
        f"/o/{acme.slug}/workflows/new/", {"template": "customer_update", "name": "Customers to Sage"}
    )
    workflow = Workflow.objects.get(name="Customers to Sage")
    assert response["Location"] == f"/o/{acme.slug}/workflows/{workflow.pk}/design/"
    listing = client.get(f"/o/{acme.slug}/workflows/").content.decode()
    assert 'data-workflow="Customers to Sage"' in listing and "v1 draft" in listing
    assert 'disabled title="Publish a version first">▶ Run</button>' in listing


def test_it_renders_the_designer_with_its_design_and_catalog(acme, alice, client_as, update_workflow):
    html = client_as(alice).get(f"/o/{acme.slug}/workflows/{update_workflow.pk}/design/").content.decode()
    config = json.loads(
        html.split('<script id="designer-config" type="application/json">')[1].split("</script>")[0]
    )
    assert config["version"]["number"] == 1 and config["can_edit"] is True
    assert [n["id"] for n in config["version"]["design"]["nodes"]] == [
        "start",
        "customer_update",
        "address_update",
        "end",
    ]
    assert {"name": "GroupCode", "max_length": 6, "required": True} in config["fields"][
        "customer_update.mapping"
    ]
    assert "default_address.province_code" in config["paths"]["mapping"]
    assert len(config["samples"]) == 4


def test_it_shows_viewers_a_read_only_designer_and_no_gallery(
    acme, bob, bob_in_acme, client_as, update_workflow
):
    client = client_as(bob)
    html = client.get(f"/o/{acme.slug}/workflows/{update_workflow.pk}/design/").content.decode()
    assert '"can_edit": false' in html
    assert client.get(f"/o/{acme.slug}/workflows/new/").status_code == 403
    assert client.post(f"/o/{acme.slug}/workflows/{update_workflow.pk}/active/", {}).status_code == 403


def test_it_hides_every_page_from_another_organization(acme, charlie, globex, client_as, update_workflow):
    client = client_as(charlie)
    table = LookupTable.objects.get(organization=acme, name="Tax")
    for url in [
        f"/o/{acme.slug}/workflows/", f"/o/{acme.slug}/lookups/", f"/o/{acme.slug}/connections/",
        f"/o/{acme.slug}/workflows/{update_workflow.pk}/design/",
    ]:  # fmt: skip
        assert client.get(url).status_code == 404, url
    for url in [
        f"/o/{globex.slug}/workflows/{update_workflow.pk}/design/",
        f"/o/{globex.slug}/workflows/{update_workflow.pk}/versions/",
        f"/o/{globex.slug}/lookups/{table.pk}/export.csv",
    ]:  # fmt: skip
        assert client.get(url).status_code == 404, url


def test_it_diffs_versions_and_rolls_back_from_the_versions_page(
    acme, alice, client_as, update_workflow, draft
):
    version_publish(
        workflow=update_workflow, version=version_generate(workflow=update_workflow, actor=alice), actor=alice
    )
    design = copy.deepcopy(draft.design)
    row_of(design, "address_update", "City")["expression"] = "upper(default_address.city)"
    version_design_save(workflow=update_workflow, actor=alice, design=design)
    version_publish(
        workflow=update_workflow, version=version_generate(workflow=update_workflow, actor=alice), actor=alice
    )
    client = client_as(alice)
    page = client.get(f"/o/{acme.slug}/workflows/{update_workflow.pk}/versions/?a=1&b=2").content.decode()
    assert 'class="changed" data-target="City"' in page and "upper(default_address.city)" in page
    update_workflow.refresh_from_db()
    stale = update_workflow.revision - 1
    url = f"/o/{acme.slug}/workflows/{update_workflow.pk}/versions/action/"
    conflict = client.post(
        url, {"action": "rollback", "version": "1", "expected_revision": stale}, follow=True
    )
    assert "while you were working: reload to see it." in conflict.content.decode()
    done = client.post(
        url,
        {"action": "rollback", "version": "1", "expected_revision": update_workflow.revision},
        follow=True,
    )
    assert "Rolled back: version 1 is published again." in done.content.decode()
    assert dict(update_workflow.versions.values_list("number", "state")) == {1: "published", 2: "retired"}


def test_it_saves_the_lookup_grid_and_reports_csv_lines(acme, alice, client_as, update_workflow):
    client = client_as(alice)
    table = LookupTable.objects.get(organization=acme, name="Tax")
    page = client.get(f"/o/{acme.slug}/lookups/?table={table.pk}").content.decode()
    assert (
        "Lookup Type" in page
        and "Used For" in page
        and "Source Value" in page
        and "Destination Value" in page
    )
    save = f"/o/{acme.slug}/lookups/{table.pk}/save/"
    client.post(save, {"source": ["default", "CA", "NY"], "destination": ["ONTARIO", "CALIF", "NY"],
                       "used_for": ["", "", ""], "note": ["", "", ""], "delete": ["2"]})  # fmt: skip
    table.refresh_from_db()
    assert (table.default_value, list(table.rows.values_list("source_value", flat=True))) == (
        "ONTARIO",
        ["CA"],
    )
    bad = SimpleUploadedFile("tax.csv", b"source,destination\nQC,\n")
    response = client.post(f"/o/{acme.slug}/lookups/{table.pk}/import/", {"file": bad}, follow=True)
    assert "Nothing was saved: 1 problem(s). line 2: destination value is empty" in response.content.decode()
    export = client.get(f"/o/{acme.slug}/lookups/{table.pk}/export.csv")
    assert (
        export.content.decode()
        == "source,destination,used_for,note\nCA,CALIF,,\ndefault,ONTARIO,,used when no row matches\n"
    )
