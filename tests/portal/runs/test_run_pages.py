"""The Runs pages: runs list, Run ▶, the run page (Processed Snapshot) and its fragments."""

import re
import time
from urllib.parse import unquote

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from portal.agents.services import agent_create
from portal.runs.ingest import run_accepted, run_finished, snapshot_batch_ingest
from portal.runs.models import Run
from portal.runs.services import run_request
from portal.workflows.design import workflow_create
from portal.workflows.lifecycle import version_generate, version_publish

pytestmark = pytest.mark.django_db
NODE = "customer_add"
TAX_ERROR = 'Tax Group "ZZ" does not exist.'


@pytest.fixture
def agent(acme, alice):
    from portal.connectors.services import connection_create

    connection_create(organization=acme, actor=alice, kind="shopify", name="shopify",
                      settings={"shop_url": "https://acme.myshopify.com"}, secrets={"token": "shpat_acme"})  # fmt: skip
    connection_create(organization=acme, actor=alice, kind="sage300", name="sage300",
                      settings={"base_url": "http://sage.acme.local/Sage300WebApi/v1.0", "company": "SAMINC"})  # fmt: skip
    created, _ = agent_create(organization=acme, name="sage-server", actor=alice)
    return created


@pytest.fixture
def workflow(acme, alice, agent):
    """Customer Add, published and assigned to Acme's agent: ready to run."""
    created = workflow_create(organization=acme, actor=alice, template="customer_add", agent=agent)
    version_publish(workflow=created, version=version_generate(workflow=created, actor=alice), actor=alice)
    return created


def _record(n: int, status: str = "success") -> dict:
    failed = status == "failed"
    return {
        "record_key": f"k{n}",
        "source_id": f"{3282407456800 + n}",
        "destination_id": "" if failed else f"SH{n:04d}",
        "status": status,
        "message": TAX_ERROR if failed else f"{3282407456800 + n} is pushed as SH{n:04d}",
        "tries": 2 if failed else 1,
        "input": {"id": 3282407456800 + n, "email": f"c{n}@shop.test"},
        "output": {"CustomerNumber": f"SH{n:04d}", "TaxGroup": "ZZ" if failed else "CALIF"},
        "response": {"error": TAX_ERROR} if failed else {"CustomerNumber": f"SH{n:04d}"},
        "duration_ms": 40,
    }


def _finish(run, agent, records: list[dict]) -> Run:
    """What the agent reports: accepted, one snapshot batch with a log line, finished."""
    run_accepted(agent=agent, run_id=str(run.pk))
    logs = [{"ts": time.time(), "level": "info", "node_id": NODE, "message": "reading Shopify customers"}]
    snapshot_batch_ingest(agent=agent, run_id=str(run.pk), node_id=NODE, seq=1, records=records, logs=logs)
    failed = sum(r["status"] == "failed" for r in records)
    counts = {
        NODE: {
            "read": len(records),
            "succeeded": len(records) - failed,
            "failed": failed,
            "skipped": 0,
            "warnings": 0,
        }
    }
    status = "completed_with_errors" if failed else "succeeded"
    run_finished(agent=agent, run_id=str(run.pk), status=status, counts=counts, cursor_before=None,
                 cursor_after=None, started_at="", finished_at="", error=None)  # fmt: skip
    run.refresh_from_db()
    return run


@pytest.fixture
def finished_run(workflow, alice, agent):
    """105 records: 101 pushed, 4 failed (k3, k50, k101, k104)."""
    failed = {3, 50, 101, 104}
    records = [_record(n, "failed" if n in failed else "success") for n in range(1, 106)]
    return _finish(run_request(workflow=workflow, actor=alice), agent, records)


def _keys(html: str) -> list[str]:
    return re.findall(r'<tr data-record="([^"]+)"', html)


def _tab(client, run, tab: str, **params):
    return client.get(
        f"/o/{run.organization.slug}/runs/{run.pk}/nodes/{NODE}/{tab}/", params
    ).content.decode()


def test_it_runs_a_workflow_from_the_run_button(acme, alice, client_as, workflow):
    response = client_as(alice).post(f"/o/{acme.slug}/workflows/{workflow.pk}/run/", follow=True)
    run = Run.objects.get(workflow=workflow)
    assert response.redirect_chain == [(f"/o/{acme.slug}/runs/{run.pk}/", 302)]
    html = response.content.decode()
    assert "Customer Add is queued for agent sage-server." in html
    assert '<span class="chip big queued" data-field="status" id="run-status">queued</span>' in html
    assert (run.trigger, run.status, run.requested_by) == ("manual", "queued", alice)


def test_it_flashes_why_a_workflow_cannot_run(acme, alice, client_as, workflow):
    workflow.is_active = False
    workflow.save(update_fields=["is_active"])
    next_url = f"/o/{acme.slug}/workflows/{workflow.pk}/design/"
    response = client_as(alice).post(
        f"/o/{acme.slug}/workflows/{workflow.pk}/run/", {"next": next_url}, follow=True
    )
    assert response.redirect_chain == [(next_url, 302)]
    assert "Customer Add is not active: switch it on first." in response.content.decode()
    assert not Run.objects.exists()


def test_it_offers_run_and_snapshot_on_the_workflow_pages(acme, alice, client_as, workflow):
    client = client_as(alice)
    listing = client.get(f"/o/{acme.slug}/workflows/").content.decode()
    assert f'action="/o/{acme.slug}/workflows/{workflow.pk}/run/"' in listing
    assert f'id="run-{workflow.pk}" aria-label="Run Customer Add" >▶ Run</button>' in listing
    designer = client.get(f"/o/{acme.slug}/workflows/{workflow.pk}/design/").content.decode()
    assert 'id="btn-run"' in designer
    assert f'id="btn-snapshot" href="/o/{acme.slug}/runs/?workflow={workflow.pk}"' in designer


def test_it_lists_runs_with_counts_and_filters_by_workflow(acme, alice, client_as, finished_run, agent):
    other = workflow_create(organization=acme, actor=alice, template="customer_update", agent=agent)
    client = client_as(alice)
    html = client.get(f"/o/{acme.slug}/runs/").content.decode()
    row = html.split(f'<tr data-run="{finished_run.pk}"')[1].split("</tr>")[0]
    assert '<span class="chip completed_with_errors" data-field="status">completed with errors</span>' in row
    assert re.findall(r'data-field="(\w+)">(\d+)<', row) == [
        ("read", "105"), ("succeeded", "101"), ("warnings", "0"), ("skipped", "0"), ("failed", "4"),
    ]  # fmt: skip
    assert "Customer Add <small>v1</small>" in row and "<td>manual</td>" in row
    assert (
        f'data-run="{finished_run.pk}"'
        in client.get(f"/o/{acme.slug}/runs/?workflow={finished_run.workflow_id}").content.decode()
    )
    assert "data-run=" not in client.get(f"/o/{acme.slug}/runs/?workflow={other.pk}").content.decode()


def test_it_pages_the_runs_list_fifty_at_a_time(acme, alice, client_as, workflow):
    runs = [run_request(workflow=workflow, actor=alice) for _ in range(52)]
    client = client_as(alice)
    first = client.get(f"/o/{acme.slug}/runs/").content.decode()
    shown = re.findall(r'<tr data-run="([^"]+)"', first)
    assert shown == [str(r.pk) for r in reversed(runs)][:50]
    older = re.search(r'id="older-runs" href="\?before=([^"]+)"', first).group(1)
    second = client.get(f"/o/{acme.slug}/runs/", {"before": unquote(older)}).content.decode()
    assert re.findall(r'<tr data-run="([^"]+)"', second) == [str(runs[1].pk), str(runs[0].pk)]
    assert "older-runs" not in second and "← Newest runs" in second


def test_it_shows_the_run_page_with_its_node_tree(acme, alice, client_as, finished_run):
    html = client_as(alice).get(f"/o/{acme.slug}/runs/{finished_run.pk}/").content.decode()
    assert f'plan <code title="{finished_run.plan_hash}">{finished_run.plan_hash[:12]}</code>' in html
    assert '<strong id="run-trigger">manual</strong>' in html
    tree = html.split('id="node-tree"')[1].split("</nav>")[0]
    assert re.findall(r'data-node-count="customer_add\.(\w+)">(\d+)<', tree) == [
        ("read", "105"), ("succeeded", "101"), ("warnings", "0"), ("skipped", "0"), ("failed", "4"),
    ]  # fmt: skip
    assert re.search(r'class="node-time"[^>]*><span data-seconds="[\d.]+">[\d.]+ s</span>', tree)
    assert 'id="reprocess-failures"' in html and 'id="cancel-run"' not in html
    assert '<a role="tab" id="tab-records" class="tab" aria-selected="true"' in html
    assert len(_keys(html)) == 100


def test_it_filters_searches_and_pages_the_resync_bucket_without_counting(
    acme, alice, client_as, finished_run
):
    client = client_as(alice)
    with CaptureQueriesContext(connection) as queries:
        first = _tab(client, finished_run, "records")
    assert not [q["sql"] for q in queries if "COUNT(" in q["sql"].upper() or "OFFSET" in q["sql"].upper()]
    assert _keys(first) == [f"k{n}" for n in range(1, 101)]
    assert "<span>All <b>105</b></span>" in first and "<span>Failed <b>4</b></span>" in first
    after = re.search(r'id="bucket-next"[^>]*hx-get="[^"]*after=(\d+)"', first) or re.search(
        r'hx-get="[^"]*after=(\d+)"[^>]*id="bucket-next"', first
    )
    second = _tab(client, finished_run, "records", after=after.group(1))
    assert _keys(second) == ["k101", "k102", "k103", "k104", "k105"] and "bucket-next" not in second
    assert _keys(_tab(client, finished_run, "records", status="failed")) == ["k3", "k50", "k101", "k104"]
    failed_page = _tab(client, finished_run, "records", status="failed")
    assert failed_page.count(TAX_ERROR.replace('"', "&quot;")) == 4
    assert _keys(_tab(client, finished_run, "records", search="3282407456850")) == ["k50"]
    assert _keys(_tab(client, finished_run, "records", search="SH0007")) == ["k7"]
    assert _keys(_tab(client, finished_run, "records", search="c9@shop.test")) == ["k9"]
    assert _keys(_tab(client, finished_run, "records", status="failed", search="SH0007")) == []


def test_it_shows_a_records_file_and_the_node_log(acme, alice, client_as, finished_run):
    record = finished_run.records.get(record_key="k3")
    client = client_as(alice)
    html = _tab(client, finished_run, "file", record=record.pk)
    assert '<a role="tab" id="tab-file" class="tab" aria-selected="true"' in html
    pretty = "{\n  &quot;id&quot;: 3282407456803,\n  &quot;email&quot;: &quot;c3@shop.test&quot;\n}"
    assert f'<pre id="payload-input" tabindex="0">{pretty}</pre>' in html
    assert "&quot;TaxGroup&quot;: &quot;ZZ&quot;" in html.split('id="payload-output"')[1]
    assert "Tax Group \\&quot;ZZ\\&quot; does not exist." in html.split('id="payload-response"')[1]
    assert "Open a record's File" in _tab(client, finished_run, "file")
    logs = _tab(client, finished_run, "logs")
    assert '<td class="message">reading Shopify customers</td>' in logs


def test_it_reprocesses_selected_records(acme, alice, client_as, finished_run):
    client = client_as(alice)
    url = f"/o/{acme.slug}/runs/{finished_run.pk}/reprocess/"
    response = client.post(url, {"scope": "selected", "record_keys": ["k50", "k3", "k7"]}, follow=True)
    new = Run.objects.get(reprocess_of=finished_run)
    assert response.redirect_chain == [(f"/o/{acme.slug}/runs/{new.pk}/", 302)]
    assert (new.trigger, new.record_ids) == ("reprocess", ["3282407456803", "3282407456807", "3282407456850"])
    html = response.content.decode()
    assert "Reprocessing 3 records: this is the new run." in html
    assert f'href="/o/{acme.slug}/runs/{finished_run.pk}/" id="reprocess-of"' in html
    assert (
        "Select the records to reprocess first."
        in client.post(url, {"scope": "selected"}, follow=True).content.decode()
    )
    one = client.post(url, {"scope": "selected", "record_keys": ["k7"], "record_key": "k104"})
    assert Run.objects.get(pk=one["Location"].split("/")[-2]).record_ids == ["3282407456904"]
    assert Run.objects.filter(reprocess_of=finished_run).count() == 2


def test_it_reprocesses_all_failures(acme, alice, client_as, finished_run):
    client_as(alice).post(f"/o/{acme.slug}/runs/{finished_run.pk}/reprocess/")
    new = Run.objects.get(reprocess_of=finished_run)
    assert new.record_ids == ["3282407456803", "3282407456850", "3282407456901", "3282407456904"]
    original = client_as(alice).get(f"/o/{acme.slug}/runs/{finished_run.pk}/").content.decode()
    assert f'href="/o/{acme.slug}/runs/{new.pk}/" class="reprocess-link"' in original


def test_it_cancels_a_queued_run(acme, alice, client_as, workflow):
    run = run_request(workflow=workflow, actor=alice)
    response = client_as(alice).post(f"/o/{acme.slug}/runs/{run.pk}/cancel/", follow=True)
    assert "Cancel requested: the agent stops at the next record." in response.content.decode()
    run.refresh_from_db()
    assert run.status == "cancelled"
    again = client_as(alice).post(f"/o/{acme.slug}/runs/{run.pk}/cancel/", follow=True)
    assert "This run is cancelled already." in again.content.decode()


def test_it_shows_viewers_everything_but_no_actions(
    acme, bob, bob_in_acme, client_as, finished_run, workflow
):
    client = client_as(bob)
    html = client.get(f"/o/{acme.slug}/runs/{finished_run.pk}/").content.decode()
    assert len(_keys(html)) == 100
    for absent in ('id="reprocess-failures"', 'name="record_keys"', "Reprocess selected", 'id="reprocess-'):
        assert absent not in html
    assert 'id="run-' not in client.get(f"/o/{acme.slug}/workflows/").content.decode()
    assert client.post(f"/o/{acme.slug}/workflows/{workflow.pk}/run/").status_code == 403
    assert client.post(f"/o/{acme.slug}/runs/{finished_run.pk}/reprocess/").status_code == 403
    assert client.post(f"/o/{acme.slug}/runs/{finished_run.pk}/cancel/").status_code == 403
    assert Run.objects.count() == 1


def test_it_hides_runs_from_another_organization(acme, charlie, globex, client_as, finished_run, workflow):
    client = client_as(charlie)
    record = finished_run.records.first()
    for slug in (acme.slug, globex.slug):
        base = f"/o/{slug}/runs/{finished_run.pk}"
        for url in (f"{base}/", f"{base}/row/", f"{base}/tree/", f"{base}/nodes/{NODE}/records/",
                    f"{base}/nodes/{NODE}/logs/", f"{base}/nodes/{NODE}/file/?record={record.pk}"):  # fmt: skip
            assert client.get(url).status_code == 404, url
        assert client.post(f"{base}/reprocess/").status_code == 404
        assert client.post(f"{base}/cancel/").status_code == 404
        assert client.post(f"/o/{slug}/workflows/{workflow.pk}/run/").status_code == 404
    assert client.get(f"/o/{acme.slug}/runs/").status_code == 404
    assert "data-run=" not in client.get(f"/o/{globex.slug}/runs/").content.decode()
    assert Run.objects.count() == 1


def test_it_refuses_unknown_nodes_tabs_and_records(acme, alice, client_as, finished_run):
    client = client_as(alice)
    base = f"/o/{acme.slug}/runs/{finished_run.pk}/nodes"
    assert client.get(f"{base}/nope/records/").status_code == 404
    assert client.get(f"{base}/{NODE}/secrets/").status_code == 404
    assert "Open a record's File" in client.get(f"{base}/{NODE}/file/?record=999999").content.decode()
