// Live dashboard: listen on /ws/ui/ and, when a run finishes, the aggregates are recounted or an
// agent changes, fetch the panels again with htmx (debounced: a burst of events makes one request).
// Progress of a running run changes nothing the dashboard shows, so it is not worth a request.
(function () {
  "use strict";
  var panels = document.getElementById("dashboard-panels");
  var status = document.getElementById("live-status");
  if (!panels || !panels.dataset.liveOrg || !window.WebSocket) return;
  var KINDS = { stats: true, agent: true };
  var FINISHED = { succeeded: true, completed_with_errors: true, failed: true, cancelled: true, lost: true };
  var DEBOUNCE_MS = 800;
  var timer = null;
  var retry = 1000;

  function refresh() {
    timer = null;
    htmx.ajax("GET", panels.dataset.refreshUrl, { target: panels, swap: "innerHTML" });
  }

  function schedule() {
    if (timer === null) timer = window.setTimeout(refresh, DEBOUNCE_MS);
  }

  function connect() {
    var scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
    var socket = new WebSocket(scheme + window.location.host + "/ws/ui/?org=" + encodeURIComponent(panels.dataset.liveOrg));
    socket.onopen = function () {
      retry = 1000;
      if (status) { status.dataset.state = "open"; status.title = "Live: updates as runs finish"; }
    };
    socket.onmessage = function (message) {
      var event;
      try { event = JSON.parse(message.data); } catch (e) { return; }
      if (!event) return;
      if (KINDS[event.kind] || (event.kind === "run" && event.data && FINISHED[event.data.status])) schedule();
    };
    socket.onclose = function (closed) {
      if (status) { status.dataset.state = "closed"; status.title = "Not live: reconnecting"; }
      if (closed.code === 4404) return; // not a member: nothing to wait for
      window.setTimeout(connect, retry);
      retry = Math.min(retry * 2, 30000);
    };
  }

  connect();
})();
