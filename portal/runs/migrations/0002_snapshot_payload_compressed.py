"""Snapshot records keep their File (input, output, Sage response) as one compressed document and
the source email in its own column (see portal.runs.payloads). Existing records are converted."""

import json
import zlib

from django.db import migrations, models

BATCH = 2000


def pack_existing(apps, schema_editor):
    SnapshotRecord = apps.get_model("runs", "SnapshotRecord")
    last = 0
    while True:
        rows = list(
            SnapshotRecord.objects.filter(pk__gt=last)
            .order_by("pk")
            .only("pk", "input", "output", "response")[:BATCH]
        )
        if not rows:
            return
        for row in rows:
            document = {"input": row.input, "output": row.output, "response": row.response}
            # Written out here, not imported: a migration must not change when the app's code does.
            row.payload = zlib.compress(json.dumps(document, separators=(",", ":"), ensure_ascii=False).encode(), 1)
            email = row.input.get("email") if isinstance(row.input, dict) else None
            row.email = email[:254] if isinstance(email, str) else ""
        SnapshotRecord.objects.bulk_update(rows, ["payload", "email"])
        last = rows[-1].pk


def _decompress(blob: bytes) -> bytes:
    # Records stored after this migration may be Zstandard frames (portal.runs.payloads).
    if blob[:4] == b"\x28\xb5\x2f\xfd":
        import zstandard

        return zstandard.ZstdDecompressor().decompress(blob)
    return zlib.decompress(blob)


def unpack_existing(apps, schema_editor):
    SnapshotRecord = apps.get_model("runs", "SnapshotRecord")
    last = 0
    while True:
        rows = list(SnapshotRecord.objects.filter(pk__gt=last).order_by("pk").only("pk", "payload")[:BATCH])
        if not rows:
            return
        for row in rows:
            document = json.loads(_decompress(bytes(row.payload))) if row.payload else {}
            row.input, row.output, row.response = (document.get(k) for k in ("input", "output", "response"))
        SnapshotRecord.objects.bulk_update(rows, ["input", "output", "response"])
        last = rows[-1].pk


class Migration(migrations.Migration):
    dependencies = [
        ("runs", "0001_initial"),
        ("tenants", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="snapshotrecord",
            name="email",
            field=models.CharField(blank=True, max_length=254),
        ),
        migrations.AddField(
            model_name="snapshotrecord",
            name="payload",
            field=models.BinaryField(blank=True, null=True),
        ),
        migrations.RunPython(pack_existing, unpack_existing),
        migrations.RemoveField(model_name="snapshotrecord", name="input"),
        migrations.RemoveField(model_name="snapshotrecord", name="output"),
        migrations.RemoveField(model_name="snapshotrecord", name="response"),
        migrations.AddIndex(
            model_name="snapshotrecord",
            index=models.Index(fields=["run", "email"], name="runs_snapsh_run_id_8664c7_idx"),
        ),
    ]
