"""An operator presses Run ▶, watches the run finish live, finds the failed record in the
Processed Snapshot, reads its File and reprocesses it — in real Chromium.

The portal is a real ASGI server (`python -m portal.serve`, websockets included) on a database
of its own; the agent is a small fake speaking protocol v1 over the real agent websocket, so the
browser's live updates travel the production path: agent frame → ingest → /ws/ui/.
"""

import re
import threading
import time
from datetime import UTC, datetime

import pytest
import requests
from playwright.sync_api import expect

from agent_client.protocol import PORTAL_TO_AGENT, dump_frame, make_frame, parse_frame
from tests.e2e.stack import Stack

pytestmark = [pytest.mark.browser]
NODE = "customer_add"
TAX_ERROR = 'Tax Group "ZZ" does not exist.'


def _record(n: int, status: str) -> dict:
    source = f"328240745684{n}"
    pushed = status == "success"
    return {
        "record_key": source,
        "source_id": source,
        "destination_id": f"SH15VX0NF4{n}" if pushed else None,
        "status": status,
        "message": f"{source} is pushed as SH15VX0NF4{n}" if pushed else TAX_ERROR,
        "tries": 1 if pushed else 3,
        "input": {"id": int(source), "email": f"customer{n}@shop.test", "province_code": "ZZ"},
        "output": {"CustomerNumber": f"SH15VX0NF4{n}", "TaxGroup": "CALIF" if pushed else "ZZ"},
        "response": {"CustomerNumber": f"SH15VX0NF4{n}"} if pushed else {"error": {"message": TAX_ERROR}},
        "duration_ms": 120 + n,
    }


class FakeAgent(threading.Thread):
    """Speaks protocol v1 like `ferry-agent`: hello, then plays each run.start it receives.

    The first run waits for `go` (so the browser is watching before anything changes) and ends
    completed with errors; later runs are only accepted. Like the real agent it reconnects when
    the portal drops the socket and replays what the portal has not acknowledged (the portal
    applies every frame idempotently)."""

    def __init__(self, url: str, token: str):
        super().__init__(daemon=True)
        self.url, self.token = url, token
        self.welcomed, self.go, self.stop = threading.Event(), threading.Event(), threading.Event()
        self.starts: list[tuple[str, dict]] = []
        self.seen: list[str] = []
        self.unfinished: dict[str, dict] = {}
        self.reconnects = 0
        self.failure: BaseException | None = None

    def run(self):
        from websockets.exceptions import ConnectionClosed

        while not self.stop.is_set():
            try:
                self._session()
            except (ConnectionClosed, OSError):
                self.reconnects += 1
                time.sleep(0.3)
            except BaseException as exc:  # reported by the test
                self.failure = exc
                return

    def _session(self):
        from websockets.sync.client import connect

        with connect(self.url, additional_headers={"Authorization": f"Bearer {self.token}"}) as socket:
            hello = make_frame("hello", protocol=1, agent_version="1.0.0", hostname="SAGE-FAKE",
                               platform="Windows-2022", plans={}, lookups_hash=None, running=[])  # fmt: skip
            socket.send(dump_frame(hello))
            while not self.stop.is_set():
                try:
                    frame = parse_frame(socket.recv(timeout=0.2), direction=PORTAL_TO_AGENT)
                except TimeoutError:
                    continue
                if frame.type == "welcome":
                    self.welcomed.set()
                    # Pending run.starts were never accepted; unfinished reports were never acked.
                    for start in [*frame.pending, *self.unfinished.values()]:
                        self._play(socket, start)
                elif frame.type == "run.start":
                    self._play(socket, frame.to_dict())
                elif frame.type == "run.finished.ack":
                    self.unfinished.pop(frame.run_id, None)

    def _play(self, socket, start: dict):
        run_id = start["run_id"]
        if run_id not in self.seen:
            self.seen.append(run_id)
            self.starts.append((start["trigger"], start["options"]))
        first = run_id == self.seen[0]
        if first:
            assert self.go.wait(30), "the test never let the run proceed"
            self.unfinished[run_id] = start
        socket.send(dump_frame(make_frame("run.accepted", re=start["id"], run_id=run_id)))
        if first:
            self._report(socket, run_id)

    def _report(self, socket, run_id: str):
        began = datetime.now(UTC).isoformat()
        time.sleep(0.4)  # long enough to see it running
        records = [_record(1, "success"), _record(2, "failed"), _record(3, "success")]
        logs = [
            {"ts": time.time(), "level": "info", "node_id": NODE, "message": "reading Shopify customers"},
            {"ts": time.time(), "level": "error", "node_id": NODE, "message": f"3282407456842: {TAX_ERROR}"},
        ]
        batch = make_frame("snapshot.batch", run_id=run_id, seq=1, node_id=NODE, records=records, logs=logs)
        socket.send(dump_frame(batch))
        counts = {NODE: {"read": 3, "succeeded": 2, "failed": 1, "skipped": 0, "warnings": 0}}
        finished = make_frame("run.finished", run_id=run_id, status="completed_with_errors", counts=counts,
                              cursor_before=None, cursor_after=None, started_at=began,
                              finished_at=datetime.now(UTC).isoformat(), error=None)  # fmt: skip
        socket.send(dump_frame(finished))


@pytest.fixture
def portal(tmp_path, browser):
    """A seeded portal server (Customer Add published, agent `sage-server`) and a connected fake agent."""
    stack = Stack(tmp_path)
    seeded = stack.seed("http://127.0.0.1:9/shopify", "http://127.0.0.1:9/sage")
    _, url = stack.portal()
    registered = requests.post(f"{url}/api/agents/register/", json={"code": seeded["registration_code"],
                               "hostname": "SAGE-FAKE", "agent_version": "1.0.0"}, timeout=30)  # fmt: skip
    registered.raise_for_status()
    agent = FakeAgent(url.replace("http://", "ws://") + "/ws/agent/v1/", registered.json()["token"])
    agent.start()
    assert agent.welcomed.wait(30), f"the fake agent was not welcomed: {agent.failure!r}"
    yield url, seeded, agent
    agent.stop.set()
    agent.join(10)
    stack.close()


def test_it_runs_watches_live_and_reprocesses_a_failed_record(portal, page, artifacts):
    url, seeded, agent = portal
    page.goto(f"{url}/login/")
    page.fill("#id_username", seeded["email"])
    page.fill("#id_password", seeded["password"])
    page.click("button[type=submit]")
    page.get_by_role("link", name="Workflows", exact=True).click()
    page.screenshot(path=str(artifacts / "workflows.png"), full_page=True)
    page.click(f"#run-{seeded['workflows']['customer_add']['id']}")

    # The run page opens queued; everything after this happens without a reload.
    expect(page).to_have_url(re.compile(r"/runs/[0-9a-f-]{36}/$"))
    expect(page.locator(".flash")).to_contain_text("Customer Add is queued for agent sage-server.")
    expect(page.locator("[data-live-state]")).to_have_text("● live")
    run_url = page.url
    page.evaluate("window.__sameDocument = true")
    agent.go.set()
    expect(page.locator("#run-status")).to_have_text("completed with errors")
    expect(page.locator('.run-facts [data-field="read"]')).to_have_text("3")
    expect(page.locator('.run-facts [data-field="failed"]')).to_have_text("1")
    expect(page.locator('[data-node-count="customer_add.succeeded"]')).to_have_text("2")
    expect(page.locator("#tab-panel tr[data-record]")).to_have_count(3)
    expect(page.locator("#reprocess-failures")).to_be_visible()
    assert page.evaluate("window.__sameDocument") is True and page.url == run_url
    expect(page.locator('tr[data-record="3282407456841"] .message')).to_have_text(
        "3282407456841 is pushed as SH15VX0NF41"
    )
    page.screenshot(path=str(artifacts / "run.png"), full_page=True)

    # Resync Bucket, failed only: the record and its message.
    page.locator(".segmented label.failed").click()
    expect(page.locator("#tab-panel tr[data-record]")).to_have_count(1)
    failed = page.locator('tr[data-record="3282407456842"]')
    expect(failed.locator(".message")).to_have_text(TAX_ERROR)

    # Its File: input, output and the Sage response.
    failed.get_by_role("link", name="File").click()
    expect(page.locator("#tab-file")).to_have_attribute("aria-selected", "true")
    expect(page.locator("#payload-input")).to_contain_text('"id": 3282407456842')
    expect(page.locator("#payload-response")).to_contain_text(TAX_ERROR.replace('"', '\\"'))
    page.screenshot(path=str(artifacts / "run-file.png"), full_page=True)

    page.click("#tab-logs")
    expect(page.locator("table.logs tbody tr")).to_have_count(2)

    # Select it and reprocess: a new run, trigger reprocess, for exactly that record.
    page.click("#tab-records")
    page.locator(".segmented label.failed").click()
    expect(page.locator("#tab-panel tr[data-record]")).to_have_count(1)
    page.get_by_label("Select 3282407456842").check()
    page.click("#reprocess-selected")
    expect(page.locator(".flash")).to_contain_text("Reprocessing 1 record: this is the new run.")
    expect(page.locator("#run-trigger")).to_have_text("reprocess")
    assert page.url != run_url
    expect(page.locator("#reprocess-of")).to_be_visible()
    deadline = time.monotonic() + 15
    while len(agent.starts) < 2 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert agent.failure is None, agent.failure
    # A portal on SQLite may drop the socket under write contention; the agent reconnects.
    print(f"fake agent reconnected {agent.reconnects} time(s)")
    assert agent.starts == [
        ("manual", {}),
        ("reprocess", {"record_ids": ["3282407456842"]}),
    ]
    expect(page.locator("#run-status")).to_have_text("running")

    page.get_by_role("link", name="Runs", exact=True).click()
    expect(page.locator("#run-rows tr[data-run]")).to_have_count(2)
    expect(page.locator("#run-rows tr[data-run]").first.locator("td").nth(3)).to_have_text("reprocess")
    page.screenshot(path=str(artifacts / "runs.png"), full_page=True)
    page.get_by_role("link", name="Agents", exact=True).click()
    expect(page.locator('tr[data-agent="sage-server"] [data-field="presence"]')).to_have_text("online")
    page.screenshot(path=str(artifacts / "agents.png"), full_page=True)
