/* Live runs. One websocket to /ws/ui/?org=<slug>; every run change updates the elements marked
   data-run="<id>": status chip, counts, per-node counts, timings, error. On the first page of the
   runs list a new run's row is fetched and inserted at the top. Reconnects with capped backoff. */
(() => {
  "use strict";
  const root = document.querySelector("[data-live-org]");
  if (!root) return;
  const FINAL = new Set(["succeeded", "completed_with_errors", "failed", "cancelled"]);
  const STATUSES = ["queued", "dispatched", "running", "lost", ...FINAL];
  const COUNTS = ["read", "succeeded", "warnings", "skipped", "failed"];
  const pendingRows = new Map();
  let delay = 1000;

  function seconds(value) {
    const s = Math.max(value, 0);
    if (s < 60) return `${s.toFixed(1)} s`;
    const m = Math.floor(s / 60);
    if (m < 60) return `${m} min ${String(Math.round(s % 60)).padStart(2, "0")} s`;
    return `${Math.floor(m / 60)} h ${String(m % 60).padStart(2, "0")} min`;
  }
  const utc = (iso) => (iso ? new Date(iso).toISOString().replace("T", " ").slice(0, 19) : "—");

  function each(scope, selector, fn) {
    scope.querySelectorAll(selector).forEach(fn);
  }
  function setText(el, text) {
    if (el.textContent === text) return;
    el.textContent = text;
    el.classList.remove("changed");
    void el.offsetWidth; // restart the highlight animation
    el.classList.add("changed");
  }

  function duration(run) {
    if (run.started_at && run.finished_at) {
      const s = (new Date(run.finished_at) - new Date(run.started_at)) / 1000;
      return `<span data-seconds="${s}">${seconds(s)}</span>`;
    }
    if (run.started_at) return `<span class="muted" data-since="${run.started_at}">running</span>`;
    return '<span class="muted">—</span>';
  }

  // A state read over HTTP may be older than an event already applied: never go back.
  const rank = (status) => (FINAL.has(status) ? 3 : { queued: 0, dispatched: 1 }[status] ?? 2);

  function update(scope, run) {
    const previous = scope.dataset.status;
    if (previous && rank(run.status) < rank(previous)) return;
    scope.dataset.status = run.status;
    each(scope, '[data-field="status"]', (chip) => {
      chip.classList.remove(...STATUSES);
      chip.classList.add(run.status);
      setText(chip, run.status.replaceAll("_", " "));
    });
    COUNTS.forEach((key) => each(scope, `[data-field="${key}"]`, (el) => setText(el, String(run[key] ?? 0))));
    each(scope, '[data-field="failed"]', (el) => el.classList.toggle("bad", run.failed > 0));
    Object.entries(run.counts || {}).forEach(([node, counts]) => {
      COUNTS.forEach((key) => {
        each(scope, `[data-node-count="${CSS.escape(node)}.${key}"]`, (el) => setText(el, String(counts[key] ?? 0)));
      });
    });
    each(scope, '[data-field="started_at"]', (el) => setText(el, utc(run.started_at)));
    each(scope, '[data-field="finished_at"]', (el) => setText(el, utc(run.finished_at)));
    each(scope, '[data-field="duration"]', (el) => { el.innerHTML = duration(run); });
    each(scope, '[data-field="error"]', (el) => { el.textContent = run.error || ""; el.hidden = !run.error; });
    each(scope, "[data-needs-failures]", (el) => { el.hidden = !(run.failed > 0); });
    if (FINAL.has(run.status)) {
      each(scope, "[data-hide-when-final]", (el) => el.remove());
      if (!FINAL.has(previous)) {
        scope.dispatchEvent(new CustomEvent("ferry:run-final", { bubbles: true, detail: run }));
      }
    }
    tick();
  }

  function insertRow(run) {
    const tbody = root.querySelector("#run-rows");
    if (!tbody || !root.hasAttribute("data-insert") || !window.htmx) return;
    if (root.dataset.workflow && root.dataset.workflow !== String(run.workflow)) return;
    const waiting = pendingRows.has(run.id);
    pendingRows.set(run.id, run);
    if (waiting) return;
    const url = root.dataset.rowUrl.replace("__id__", run.id);
    htmx.ajax("GET", url, { target: tbody, swap: "afterbegin" }).then(() => {
      document.getElementById("runs-empty")?.remove();
      const latest = pendingRows.get(run.id);
      pendingRows.delete(run.id);
      const row = tbody.querySelector(`[data-run="${run.id}"]`);
      if (row && latest) update(row, latest);
    });
  }

  function apply(run) {
    const scopes = document.querySelectorAll(`[data-run="${run.id}"]`);
    if (scopes.length) scopes.forEach((scope) => update(scope, run));
    else insertRow(run);
  }

  function tick() {
    each(document, "[data-since]", (el) => {
      el.textContent = `running · ${seconds((Date.now() - new Date(el.dataset.since)) / 1000)}`;
    });
  }
  function formatAll() {
    each(document, "[data-seconds]", (el) => { el.textContent = seconds(parseFloat(el.dataset.seconds)); });
    tick();
  }

  function showState(text) {
    each(document, "[data-live-state]", (el) => { el.textContent = text; el.hidden = false; });
  }

  async function refresh(id) {
    const org = encodeURIComponent(root.dataset.liveOrg);
    const response = await fetch(`/api/orgs/${org}/runs/${id}/`, { headers: { Accept: "application/json" } });
    if (!response.ok) return;
    const r = await response.json();
    apply({
      id: r.id, workflow: r.workflow, status: r.status, counts: r.counts, error: r.error,
      read: r.records_read, succeeded: r.records_succeeded, failed: r.records_failed,
      skipped: r.records_skipped, warnings: r.records_warnings,
      started_at: r.started_at, finished_at: r.finished_at,
    });
  }

  function resync() {
    // Changes made between rendering the page (or losing the socket) and subscribing are not
    // replayed: read the runs still in progress once the socket is open.
    each(document, "[data-run]", (scope) => {
      if (!FINAL.has(scope.dataset.status)) refresh(scope.dataset.run);
    });
  }

  function connect() {
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    const socket = new WebSocket(`${scheme}://${location.host}/ws/ui/?org=${encodeURIComponent(root.dataset.liveOrg)}`);
    socket.addEventListener("open", () => {
      delay = 1000;
      showState("● live");
      resync();
    });
    socket.addEventListener("message", (event) => {
      let message;
      try { message = JSON.parse(event.data); } catch { return; }
      if (message.kind === "run" && message.data) apply(message.data);
    });
    socket.addEventListener("close", (event) => {
      if (event.code === 4404) { showState("not live: sign in again"); return; }
      showState("reconnecting…");
      setTimeout(connect, delay * (0.8 + Math.random() * 0.4));
      delay = Math.min(delay * 2, 30000);
    });
  }

  document.addEventListener("ferry:run-final", () => {
    if (!window.htmx) return;
    const tree = document.querySelector("#node-tree [data-tree-url]");
    if (tree) htmx.ajax("GET", tree.dataset.treeUrl, { target: "#node-tree", swap: "innerHTML" });
    const panel = document.querySelector("#tab-panel[data-refresh-url]");
    if (panel) htmx.ajax("GET", panel.dataset.refreshUrl, { target: "#node-panel", swap: "innerHTML" });
  });
  document.addEventListener("htmx:afterSettle", formatAll);
  formatAll();
  setInterval(tick, 1000);
  connect();
})();
