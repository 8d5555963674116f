"""A snapshot record's File is stored compressed, read back exactly, and older records are
converted by the migration (and back)."""

from __future__ import annotations

import json
import math
import zlib

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from portal.runs import ingest
from portal.runs.models import Run, SnapshotRecord
from portal.runs.payloads import frame_loads, payload_pack, payload_pack_from_frame, payload_unpack
from tests.portal.agents.helpers import org_ready, snapshot_record

CUSTOMER = {
    "id": 7001,
    "email": "zoë@例え.jp",
    "first_name": "Zoë",
    "note": "שלום 👋",
    "addresses": [{"zip": None}],
}
SAGE = {"IDCUST": "SH7001", "NAMECUST": "Zoë"}


def test_it_reads_back_exactly_what_was_packed():
    packed = payload_pack(input=CUSTOMER, output=SAGE, response={"status": 201})
    assert payload_unpack(packed) == {"input": CUSTOMER, "output": SAGE, "response": {"status": 201}}
    assert payload_unpack(None) == {"input": None, "output": None, "response": None}


def test_files_packed_with_zlib_before_still_read_back():
    document = {"input": CUSTOMER, "output": SAGE, "response": {"status": 201}}
    legacy = zlib.compress(json.dumps(document, separators=(",", ":"), ensure_ascii=False).encode(), 1)
    assert payload_unpack(legacy) == document
    assert payload_pack(**document)[:4] == b"\x28\xb5\x2f\xfd"  # new Files are Zstandard frames


def test_what_strict_json_refuses_is_kept_all_the_same():
    # Python's JSON reads all of these from an agent's frame; the File gives them back unchanged.
    strange = {"id": 2**70, "note": "half a pair: \ud800", "nested": [{"n": -(2**65)}]}
    unpacked = payload_unpack(payload_pack(input=strange, output={"x": float("nan")}))
    assert unpacked["input"] == strange and math.isnan(unpacked["output"]["x"])


def test_a_frame_record_file_is_exact_whatever_the_frame_holds():
    # What orjson alone would get wrong (NaN, Infinity and 1e400 written as null, integers beyond
    # 64 bits read as floats), a lone surrogate and nesting deeper than orjson goes: all exact.
    deep = "[" * 300 + "1" + "]" * 300
    numbers = "NaN, Infinity, -Infinity, 1e400, 1180591620717411303424, -36893488147419103232, "
    numbers += "18446744073709551616, 0.1, -0.0, 1E5"
    text = '{"input": {"n": [' + numbers + '], "s": "half \\ud800", "deep": ' + deep + "}, "
    text += '"output": {"ok": true}, "response": null}'
    record = frame_loads(text)
    exact = json.loads(text)

    unpacked = payload_unpack(payload_pack_from_frame(record))

    assert json.dumps(unpacked) == json.dumps(exact)
    assert unpacked["input"]["n"][4] == 2**70 and isinstance(unpacked["input"]["n"][4], int)


def test_a_plain_frame_record_file_reads_back_as_the_exact_encoder_writes_it():
    record = {"input": CUSTOMER, "output": SAGE, "response": {"status": 201, "amount": 12.5}}
    fast = payload_pack_from_frame(frame_loads(json.dumps(record)))
    assert fast[:4] == b"\x28\xb5\x2f\xfd"
    assert payload_unpack(fast) == payload_unpack(payload_pack(**record)) == record


def test_a_realistic_file_takes_less_than_half_its_json():
    address = {
        "address1": "1 Main Street",
        "city": "Vancouver",
        "province": "British Columbia",
        "zip": "V6B 1A1",
        "country": "Canada",
        "country_code": "CA",
        "province_code": "BC",
        "phone": "+1-604-555-0100",
    }
    customer = {
        **CUSTOMER,
        "addresses": [address] * 2,
        "default_address": address,
        "tags": "wholesale, vip",
        "email_marketing_consent": {"state": "subscribed", "opt_in_level": "single_opt_in"},
    }
    as_json = json.dumps({"input": customer, "output": SAGE, "response": {"status": 201}}).encode()
    assert len(payload_pack(input=customer, output=SAGE, response={"status": 201})) < len(as_json) / 2


@pytest.mark.django_db
def test_a_record_keeps_its_file_and_the_email_is_searchable(acme, alice):
    ready = org_ready(organization=acme, owner=alice)
    run = Run.objects.create(
        organization=acme, workflow=ready.workflow, version=ready.version, plan_hash=ready.version.plan_hash
    )
    record = SnapshotRecord.objects.create(
        organization=acme, run=run, node_id="customer_add", seq=1, record_key="7001", status="failed",
        input=CUSTOMER, output=SAGE, response=None,
    )  # fmt: skip
    record.response = {"error": {"code": "RecordNotFound"}}
    record.save()

    stored = SnapshotRecord.objects.get(pk=record.pk)
    assert (stored.input, stored.output, stored.response) == (
        CUSTOMER,
        SAGE,
        {"error": {"code": "RecordNotFound"}},
    )
    assert SnapshotRecord.objects.get(run=run, email="zoë@例え.jp").pk == record.pk


@pytest.mark.django_db(transaction=True)
def test_the_migration_converts_existing_records_and_back(acme, alice):
    ready = org_ready(organization=acme, owner=alice)
    before, after = [("runs", "0001_initial")], [("runs", "0002_snapshot_payload_compressed")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    old = executor.loader.project_state(before).apps
    OldRun, OldRecord = old.get_model("runs", "Run"), old.get_model("runs", "SnapshotRecord")
    run = OldRun.objects.create(
        organization_id=acme.pk,
        workflow_id=ready.workflow.pk,
        version_id=ready.version.pk,
        plan_hash="0" * 64,
    )
    OldRecord.objects.create(
        organization_id=acme.pk, run=run, node_id="customer_add", seq=1, record_key="7001", status="success",
        input=CUSTOMER, output=SAGE, response={"status": 201},
    )  # fmt: skip
    OldRecord.objects.create(
        organization_id=acme.pk, run=run, node_id="customer_add", seq=1, record_key="7002", status="skipped"
    )

    executor = MigrationExecutor(connection)
    executor.migrate(after)
    new = executor.loader.project_state(after).apps.get_model("runs", "SnapshotRecord")
    rows = {row.record_key: row for row in new.objects.filter(run_id=run.pk)}
    assert payload_unpack(rows["7001"].payload) == {
        "input": CUSTOMER,
        "output": SAGE,
        "response": {"status": 201},
    }
    assert (rows["7001"].email, rows["7002"].email) == ("zoë@例え.jp", "")
    assert payload_unpack(rows["7002"].payload) == {"input": None, "output": None, "response": None}

    executor = MigrationExecutor(connection)
    executor.migrate(before)
    back = OldRecord.objects.get(run_id=run.pk, record_key="7001")
    assert (back.input, back.output, back.response) == (CUSTOMER, SAGE, {"status": 201})

    MigrationExecutor(connection).migrate(executor.loader.graph.leaf_nodes())


@pytest.mark.django_db
def test_ingest_stores_awkward_text_exactly(acme, alice):
    from portal.runs import ingest
    from tests.portal.agents.helpers import snapshot_record

    ready = org_ready(organization=acme, owner=alice)
    run = ingest.run_open(
        agent=ready.agent, local_id="awkward", workflow_id=str(ready.workflow.public_id),
        version=ready.version.number, plan_hash=ready.version.plan_hash, trigger="agent",
    )  # fmt: skip
    awkward = "tab\there\nnew line\\back\\\\slash\r\\N \\x41 NUL\x00 שלום 👋"
    record = {
        **snapshot_record(1, status="failed"),
        "message": awkward,
        "source_id": "a\tb",
        "input": CUSTOMER,
    }

    assert ingest.snapshot_batch_ingest(
        agent=ready.agent, run_id=str(run.pk), node_id="customer_add", seq=1, records=[record], logs=[]
    )

    stored = SnapshotRecord.objects.get(run=run)
    assert stored.message == awkward.replace("\x00", "\ufffd")
    assert (stored.source_id, stored.email, stored.input, stored.output) == (
        "a\tb",
        "zoë@例え.jp",
        CUSTOMER,
        record["output"],
    )


@pytest.mark.django_db(transaction=True)
def test_a_batch_with_characters_postgresql_cannot_store_is_stored_all_the_same(acme, alice):
    """JSON allows NUL and lone surrogates in strings; PostgreSQL text and UTF-8 do not. Such a
    record must not make its batch fail (the agent would send it again forever)."""
    ready = org_ready(organization=acme, owner=alice)
    run = Run.objects.create(
        organization=acme, workflow=ready.workflow, version=ready.version, plan_hash=ready.version.plan_hash,
        agent=ready.agent,
    )  # fmt: skip
    odd = json.loads('"bad \\ud800 pair \\u0000 end"')
    record = snapshot_record(1, status="failed", email=f"x{odd}@example.com")
    record["message"] = odd
    record["input"]["note"] = odd

    ingest.snapshot_batch_ingest(
        agent=ready.agent, run_id=str(run.pk), node_id="customer_add", seq=1, records=[record],
        logs=[{"node_id": "customer_add", "level": "warning", "message": odd, "ts": 1_700_000_000.0}],
    )  # fmt: skip

    stored = SnapshotRecord.objects.get(run=run)
    assert stored.message == "bad \ufffd pair \ufffd end"
    assert stored.email == "xbad \ufffd pair \ufffd end@example.com"
    assert stored.input["note"] == odd  # the File keeps exactly what the agent sent
    assert run.logs.get().message == "bad \ufffd pair \ufffd end"


@pytest.mark.django_db(transaction=True)
def test_run_reports_with_such_characters_are_stored_all_the_same(acme, alice):
    ready = org_ready(organization=acme, owner=alice)
    make_run = lambda: Run.objects.create(  # noqa: E731
        organization=acme, workflow=ready.workflow, version=ready.version, plan_hash=ready.version.plan_hash,
        agent=ready.agent, status="dispatched",
    )  # fmt: skip
    odd = json.loads('"bad \\ud800 pair \\u0000 end"')
    numbers = {"read": 1, "succeeded": 0, "failed": 1, "skipped": 0, "warnings": 0}

    finished, rejected = make_run(), make_run()
    ingest.run_progress(agent=ready.agent, run_id=str(finished.pk), node_id=odd, counts=numbers)
    ingest.run_finished(
        agent=ready.agent, run_id=str(finished.pk), status="completed_with_errors", counts={odd: numbers},
        cursor_before=odd, cursor_after=odd * 10, started_at="", finished_at="", error=odd,
    )  # fmt: skip
    ingest.run_rejected(agent=ready.agent, run_id=str(rejected.pk), reason=odd)

    clean = "bad \ufffd pair \ufffd end"
    finished.refresh_from_db()
    rejected.refresh_from_db()
    assert (finished.status, finished.error, finished.cursor_before) == (
        "completed_with_errors",
        clean,
        clean,
    )
    assert len(finished.cursor_after) == 64 and list(finished.counts) == [clean]
    assert finished.records_failed == 1
    assert (rejected.status, rejected.error) == ("failed", f"the agent refused the run: {clean}")
