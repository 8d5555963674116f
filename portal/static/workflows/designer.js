/* Ferry workflow designer: canvas of nodes and edges, node panel with the value mapping grid and
 * its live preview. Talks to the REST API with the page's session; no framework, no CDN. */
(function () {
  "use strict";

  const root = document.getElementById("designer");
  const cfg = JSON.parse(document.getElementById("designer-config").textContent);
  const csrf = root.dataset.csrf;
  const OPTIONS = {
    customer_add: [
      ["cursor_overlap_seconds", "int", "Cursor overlap (seconds)"],
      ["page_size", "int", "Page size"],
    ],
    customer_update: [
      ["create_missing", "bool", "Create customers that were not added yet"],
      ["cursor_overlap_seconds", "int", "Cursor overlap (seconds)"],
      ["page_size", "int", "Page size"],
      ["customer_number_expression", "text", "Customer number expression (for created customers)"],
    ],
    address_update: [["ship_to_key_prefix", "text", "Ship-to location key prefix"]],
  };
  const GROUP_LABELS = { mapping: "Value mapping", ship_to_mapping: "Ship-to locations" };

  const state = {
    workflow: cfg.workflow,
    version: cfg.version,
    published: cfg.published,
    design: JSON.parse(JSON.stringify(cfg.version ? cfg.version.design : { nodes: [], edges: [] })),
    dirty: false,
    selected: null,
    group: "mapping",
    connectFrom: null,
    problems: [],
    sample: cfg.default_sample,
    pasted: null,
    focused: null,
    busy: false,
  };

  // -- small helpers ----------------------------------------------------------------------------
  function h(tag, attrs, ...children) {
    const el = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (key.startsWith("on")) el.addEventListener(key.slice(2), value);
      else if (key === "class") el.className = value;
      else if (key === "text") el.textContent = value;
      else el.setAttribute(key, value === true ? "" : value);
    }
    for (const child of children.flat(Infinity)) {
      if (child !== null && child !== undefined && child !== false) {
        el.append(child instanceof Node ? child : document.createTextNode(String(child)));
      }
    }
    return el;
  }
  const byId = (id) => state.design.nodes.find((n) => n.id === id);
  const kindOf = (node) => cfg.kinds[node.kind] || { label: node.kind, parts: [] };
  const fieldsFor = (kind, group) => cfg.fields[`${kind}.${group}`] || [];
  const debounce = (fn, ms) => {
    let timer = null;
    return (...args) => {
      clearTimeout(timer);
      timer = setTimeout(() => fn(...args), ms);
    };
  };

  async function api(method, path, body) {
    const response = await fetch(cfg.urls.workflow + path, {
      method,
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf, Accept: "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: "same-origin",
    });
    let data = {};
    try {
      data = await response.json();
    } catch (e) {
      data = { detail: `The portal answered ${response.status} without details.` };
    }
    return { ok: response.ok, status: response.status, data };
  }

  function message(text, kind, withReload) {
    const box = document.getElementById("designer-message");
    box.replaceChildren(h("span", { text }));
    if (withReload) box.append(" ", h("button", { type: "button", class: "secondary", onclick: () => location.reload(), text: "Reload" }));
    box.className = `banner ${kind || "info"}`;
    box.hidden = false;
  }

  function markDirty() {
    state.dirty = true;
    renderHeader();
  }

  // -- header and toolbar -----------------------------------------------------------------------
  function renderHeader() {
    const chips = document.getElementById("version-chips");
    const v = state.version;
    chips.replaceChildren(
      v ? h("span", { class: `chip ${v.state}`, id: "version-chip", text: `Version ${v.number} · ${v.state}` }) : "",
      state.published ? h("span", { class: "chip published", id: "published-chip", text: `v${state.published} published` }) : h("span", { class: "chip", text: "nothing published" }),
    );
    const editing = v && v.state !== "draft";
    const flag = document.getElementById("dirty-flag");
    flag.hidden = !state.dirty;
    flag.textContent = state.dirty && editing ? "Unsaved changes: Save makes a new draft version" : "Unsaved changes";
    const can = cfg.can_edit && !state.busy;
    const set = (id, enabled, why) => {
      const button = document.getElementById(id);
      button.disabled = !enabled;
      button.title = enabled ? "" : why;
    };
    const stateIs = (s) => v && v.state === s && !state.dirty;
    set("btn-save", can, "Saving needs the admin role");
    set("btn-generate", can && (state.dirty || stateIs("draft")), "Only a draft can be generated: edit the design first");
    set("btn-publish", can && (stateIs("generated") || stateIs("retired")), "Generate this version first");
    set("btn-reset-generate", can && stateIs("generated"), "Only a generated version can go back to draft");
    set("btn-reset-publish", can && !!state.published, "No version is published");
  }

  // -- canvas -----------------------------------------------------------------------------------
  const canvas = document.getElementById("canvas");
  const svg = document.getElementById("edges");

  function nodeSummary(node) {
    const kind = kindOf(node);
    if (node.kind === "filter") {
      return [["Get", "previous node's records"], ["Process", node.condition || "no condition"], ["Post", "matching records"]];
    }
    if (!kind.parts.length) return [];
    const count = (kind.mappings || []).reduce((n, g) => n + (node[g] || []).length, 0);
    const get = node.source ? `customers (${node.source.connection || "choose…"})` : kind.parts[0].replace(/^Get: /, "");
    const post = node.destination ? `ARCustomers (${node.destination.connection || "choose…"})` : kind.parts[2].replace(/^Post: /, "");
    return [["Get", get], ["Process", `${count} field${count === 1 ? "" : "s"} mapped`], ["Post", post]];
  }

  function renderCanvas() {
    canvas.querySelectorAll(".node").forEach((el) => el.remove());
    let width = 0;
    let height = 0;
    for (const node of state.design.nodes) {
      const kind = kindOf(node);
      const terminal = node.kind === "start" || node.kind === "end";
      const hasProblem = state.problems.some((p) => p.node === node.id);
      const el = h(
        "div",
        {
          class: `node kind-${node.kind}${terminal ? " terminal" : ""}${state.selected === node.id ? " selected" : ""}${hasProblem ? " has-problem" : ""}`,
          "data-node": node.id,
          style: `left:${node.x || 0}px;top:${node.y || 0}px`,
          role: "button",
          tabindex: "0",
          "aria-label": `${kind.label}: ${node.name || node.id}`,
        },
        node.kind !== "start" ? h("span", { class: "port in", title: "Input: click here to finish a connection", "data-port": "in" }) : null,
        node.kind !== "end" ? h("span", { class: "port out", title: "Output: click, then click another node's input", "data-port": "out" }) : null,
        h("div", { class: "node-head" }, h("span", { class: "node-kind", text: terminal ? "" : kind.label }), h("strong", { text: node.name || kind.label })),
        terminal ? null : h("dl", { class: "parts" }, nodeSummary(node).map(([part, text]) => [h("dt", { text: part }), h("dd", { text })])),
      );
      canvas.append(el);
      width = Math.max(width, (node.x || 0) + el.offsetWidth + 40);
      height = Math.max(height, (node.y || 0) + el.offsetHeight + 30);
    }
    canvas.style.minWidth = `${width}px`;
    canvas.style.minHeight = `${Math.max(height, 300)}px`;
    renderEdges();
  }

  function port(id, which) {
    const el = canvas.querySelector(`.node[data-node="${CSS.escape(id)}"]`);
    if (!el) return null;
    const x = el.offsetLeft + (which === "out" ? el.offsetWidth : 0);
    const y = el.offsetTop + (el.classList.contains("terminal") ? el.offsetHeight / 2 : 22);
    return { x, y };
  }

  function renderEdges() {
    svg.setAttribute("width", canvas.scrollWidth);
    svg.setAttribute("height", canvas.scrollHeight);
    svg.replaceChildren();
    const ns = "http://www.w3.org/2000/svg";
    const defs = document.createElementNS(ns, "defs");
    defs.innerHTML = '<marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="#7b8797"/></marker>';
    svg.append(defs);
    state.design.edges.forEach((edge, index) => {
      const a = port(edge.from, "out");
      const b = port(edge.to, "in");
      if (!a || !b) return;
      const bend = Math.max(40, Math.abs(b.x - a.x) / 2);
      const path = document.createElementNS(ns, "path");
      path.setAttribute("d", `M${a.x},${a.y} C${a.x + bend},${a.y} ${b.x - bend},${b.y} ${b.x},${b.y}`);
      path.setAttribute("class", "edge");
      path.setAttribute("marker-end", "url(#arrow)");
      path.dataset.edge = `${edge.from}->${edge.to}`;
      const title = document.createElementNS(ns, "title");
      title.textContent = cfg.can_edit ? "Click to remove this connection" : `${edge.from} → ${edge.to}`;
      path.append(title);
      if (cfg.can_edit) {
        path.addEventListener("click", () => {
          state.design.edges.splice(index, 1);
          markDirty();
          renderCanvas();
        });
      }
      svg.append(path);
    });
  }

  let drag = null;
  canvas.addEventListener("pointerdown", (event) => {
    const el = event.target.closest(".node");
    if (!el) return;
    const node = byId(el.dataset.node);
    const portType = event.target.dataset.port;
    if (portType) {
      event.preventDefault();
      connectClick(node, portType);
      return;
    }
    if (event.target.closest("button")) return;
    select(node.id);
    if (!cfg.can_edit) return;
    drag = { node, el, dx: event.clientX - (node.x || 0), dy: event.clientY - (node.y || 0), moved: false };
    el.setPointerCapture(event.pointerId);
  });
  canvas.addEventListener("pointermove", (event) => {
    if (!drag) return;
    drag.node.x = Math.max(0, Math.round(event.clientX - drag.dx));
    drag.node.y = Math.max(0, Math.round(event.clientY - drag.dy));
    drag.el.style.left = `${drag.node.x}px`;
    drag.el.style.top = `${drag.node.y}px`;
    drag.moved = true;
    renderEdges();
  });
  canvas.addEventListener("pointerup", () => {
    if (drag && drag.moved) {
      markDirty();
      renderCanvas();
    }
    drag = null;
  });
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && state.connectFrom) {
      state.connectFrom = null;
      canvas.classList.remove("connecting");
    }
  });

  function connectClick(node, portType) {
    if (!cfg.can_edit) return;
    if (portType === "out") {
      state.connectFrom = node.id;
      canvas.classList.add("connecting");
      message(`Connecting from ${node.name || node.id}: click the input dot of the next node (Esc cancels).`, "info");
      return;
    }
    if (!state.connectFrom) return;
    const from = state.connectFrom;
    state.connectFrom = null;
    canvas.classList.remove("connecting");
    if (from === node.id || state.design.edges.some((e) => e.from === from && e.to === node.id)) return;
    state.design.edges.push({ from, to: node.id });
    document.getElementById("designer-message").hidden = true;
    markDirty();
    renderCanvas();
  }

  // -- palette ----------------------------------------------------------------------------------
  function newNode(kind) {
    let n = 1;
    while (byId(`${kind}_${n}`)) n += 1;
    const spec = cfg.kinds[kind];
    const shopify = cfg.connections.find((c) => c.kind === "shopify");
    const sage = cfg.connections.find((c) => c.kind === "sage300");
    const count = state.design.nodes.length;
    const node = { id: `${kind}_${n}`, kind, name: n > 1 ? `${spec.label} ${n}` : spec.label, x: 170 + (count % 4) * 60, y: 230 + (count % 3) * 20 };
    if (kind === "customer_add" || kind === "customer_update") {
      node.source = { connection: shopify ? shopify.name : "", entity: "customers" };
      node.destination = { connection: sage ? sage.name : "", entity: "ARCustomers" };
      node.options = { cursor_overlap_seconds: 300 };
    } else {
      node.options = {};
    }
    for (const group of spec.mappings || []) node[group] = JSON.parse(JSON.stringify(cfg.default_rows[`${kind}.${group}`] || []));
    if (kind === "filter") node.condition = 'default_address.country_code == "US"';
    state.design.nodes.push(node);
    markDirty();
    select(node.id);
  }

  function renderPalette() {
    const box = document.getElementById("palette-items");
    const groups = {};
    for (const [kind, spec] of Object.entries(cfg.kinds)) {
      if (spec.palette) (groups[spec.group] = groups[spec.group] || []).push([kind, spec]);
    }
    box.replaceChildren(
      ...Object.entries(groups).map(([group, items]) =>
        h("div", { class: "palette-group" }, h("h4", { text: group }),
          items.map(([kind, spec]) => h("button", {
            type: "button", class: `palette-item kind-${kind}`, "data-kind": kind, disabled: !cfg.can_edit,
            title: spec.parts.join(" → "), onclick: () => newNode(kind), text: `+ ${spec.label}`,
          })),
        ),
      ),
    );
  }

  // -- node panel -------------------------------------------------------------------------------
  const panel = document.getElementById("panel");

  function select(id) {
    state.selected = id;
    const node = id ? byId(id) : null;
    if (node && !(kindOf(node).mappings || []).includes(state.group)) state.group = "mapping";
    renderCanvas();
    renderPanel();
  }

  function field(label, input, hint) {
    return h("label", { class: "field" }, h("span", { text: label }), input, hint ? h("small", { text: hint }) : null);
  }

  function connectionSelect(node, part, kind) {
    const current = (node[part] || {}).connection || "";
    const names = cfg.connections.filter((c) => c.kind === kind).map((c) => c.name);
    if (current && !names.includes(current)) names.push(current);
    return h("select", {
      "data-part": part, disabled: !cfg.can_edit,
      onchange: (e) => { node[part] = { ...(node[part] || {}), connection: e.target.value }; markDirty(); renderCanvas(); },
    }, h("option", { value: "", text: names.length ? "Choose…" : "No connection yet: add one on Connections" }),
    names.map((name) => h("option", { value: name, selected: name === current, text: name })));
  }

  function optionInputs(node) {
    return (OPTIONS[node.kind] || []).map(([name, type, label]) => {
      const value = (node.options || {})[name];
      const update = (v) => {
        node.options = { ...(node.options || {}) };
        if (v === null) delete node.options[name];
        else node.options[name] = v;
        markDirty();
      };
      if (type === "bool") {
        return h("label", { class: "check" }, h("input", { type: "checkbox", checked: !!value, disabled: !cfg.can_edit, "data-option": name,
          onchange: (e) => update(e.target.checked) }), label);
      }
      return field(label, h("input", {
        type: type === "int" ? "number" : "text", value: value ?? "", disabled: !cfg.can_edit, "data-option": name,
        oninput: (e) => update(e.target.value === "" ? null : type === "int" ? parseInt(e.target.value, 10) : e.target.value),
      }));
    });
  }

  function problemsFor(nodeId, group) {
    return state.problems.filter((p) => p.node === nodeId && (group === undefined || p.mapping === group));
  }

  function renderProblems() {
    if (!state.problems.length) return null;
    return h("div", { class: "problems", id: "problems" }, h("strong", { text: "Problems to fix" }),
      h("ul", {}, state.problems.map((p) => h("li", {}, h("a", { href: "#", onclick: (e) => { e.preventDefault(); if (p.node) { state.group = p.mapping || "mapping"; select(p.node); } }, text: p.text })))));
  }

  function renderWorkflowPanel() {
    const wf = state.workflow;
    panel.replaceChildren(
      h("h2", { text: "Workflow settings" }),
      h("p", { class: "muted", text: "Select a node on the canvas to edit its connections and value mapping." }),
      h("div", { class: "settings-grid" },
        field("Name", h("input", { type: "text", id: "wf-name", value: wf.name, disabled: !cfg.can_edit })),
        field("Agent", h("select", { id: "wf-agent", disabled: !cfg.can_edit },
          h("option", { value: "", text: cfg.agents.length ? "Not assigned" : "No agent registered yet" }),
          cfg.agents.map((a) => h("option", { value: a.id, selected: a.id === wf.agent, text: a.name })))),
        h("label", { class: "check" }, h("input", { type: "checkbox", id: "wf-active", checked: wf.is_active, disabled: !cfg.can_edit }), "Active"),
        cfg.can_edit ? h("button", { type: "button", class: "secondary", onclick: saveSettings, text: "Save settings" }) : null,
      ),
      renderProblems(),
    );
  }

  async function saveSettings() {
    const agent = document.getElementById("wf-agent").value;
    const body = { name: document.getElementById("wf-name").value, agent: agent ? parseInt(agent, 10) : null,
      is_active: document.getElementById("wf-active").checked };
    const result = await api("PATCH", "", body);
    if (!result.ok) return message(result.data.detail, "error");
    Object.assign(state.workflow, { name: result.data.name, agent: result.data.agent, is_active: result.data.is_active });
    document.getElementById("workflow-name").textContent = result.data.name;
    message("Workflow settings saved.", "success");
  }

  function renderPanel() {
    const node = state.selected ? byId(state.selected) : null;
    if (!node) return renderWorkflowPanel();
    const kind = kindOf(node);
    const terminal = node.kind === "start" || node.kind === "end";
    const head = h("div", { class: "panel-head" },
      h("h2", {}, h("span", { class: "node-kind", text: kind.label }), " ", node.name || ""),
      h("div", {},
        !terminal && cfg.can_edit ? h("button", { type: "button", class: "danger", id: "remove-node", onclick: () => removeNode(node.id), text: "Remove node" }) : null,
        h("button", { type: "button", class: "secondary", onclick: () => select(null), text: "Close" })));
    if (terminal) {
      panel.replaceChildren(head, h("p", { class: "muted", text: node.kind === "start" ? "Runs begin here: connect Start to the first task." : "Runs end here." }));
      return;
    }
    const settings = h("div", { class: "settings-grid" },
      field("Name", h("input", { type: "text", value: node.name || "", disabled: !cfg.can_edit, "data-setting": "name",
        oninput: (e) => { node.name = e.target.value; markDirty(); renderCanvas(); } })));
    if (node.source) settings.append(field("Get · Shopify connection", connectionSelect(node, "source", "shopify"), "reads customers"));
    if (node.destination) settings.append(field("Post · Sage 300 connection", connectionSelect(node, "destination", "sage300"), "writes AR customers"));
    if (node.kind === "filter") {
      settings.append(field("Condition", h("input", { type: "text", class: "expression", value: node.condition || "", disabled: !cfg.can_edit,
        oninput: (e) => { node.condition = e.target.value; markDirty(); renderCanvas(); } }),
      "Agents cannot run filters yet: Generate refuses this node until they can."));
    }
    settings.append(...optionInputs(node));
    const groups = kind.mappings || [];
    const body = [head, h("p", { class: "parts-line", text: kind.parts.join("  →  ") }), settings, renderProblems()];
    if (groups.length) {
      body.push(h("div", { class: "tabs", role: "tablist" }, groups.map((g) => h("button", {
        type: "button", role: "tab", class: g === state.group ? "tab active" : "tab", "aria-selected": g === state.group ? "true" : "false",
        onclick: () => { state.group = g; renderPanel(); }, text: node.kind === "address_update" && g === "mapping" ? "Address (ARCustomers)" : GROUP_LABELS[g],
      }))));
      body.push(h("div", { class: "mapping-area" }, renderGrid(node, state.group), renderSideTools(state.group)));
    }
    panel.replaceChildren(...body.filter(Boolean));
    if (groups.length) schedulePreview();
  }

  function removeNode(id) {
    state.design.nodes = state.design.nodes.filter((n) => n.id !== id);
    state.design.edges = state.design.edges.filter((e) => e.from !== id && e.to !== id);
    markDirty();
    select(null);
  }

  // -- value mapping grid -----------------------------------------------------------------------
  function renderGrid(node, group) {
    const rows = node[group] || (node[group] = []);
    const fields = fieldsFor(node.kind, group);
    const problems = problemsFor(node.id, group);
    const table = h("table", { class: "mapping-grid", id: "mapping-grid", "data-group": group },
      h("thead", {}, h("tr", {}, ["Target field", "Max", "Req.", "Expression", "Preview value", "Warning / error", ""].map((t) => h("th", { text: t })))));
    const tbody = h("tbody");
    rows.forEach((row, index) => {
      const spec = fields.find((f) => f.name === row.target);
      const names = fields.map((f) => f.name);
      if (row.target && !names.includes(row.target)) names.push(row.target);
      const rowProblems = problems.filter((p) => p.row === index + 1).map((p) => (p.column ? `column ${p.column}: ${p.message}` : p.message));
      const expression = h("input", {
        type: "text", class: "expression", value: row.expression || "", spellcheck: "false", disabled: !cfg.can_edit,
        "aria-label": `Expression for ${row.target}`,
        onfocus: (e) => { state.focused = e.target; },
        oninput: (e) => { row.expression = e.target.value; state.problems = state.problems.filter((p) => !(p.node === node.id && p.mapping === group && p.row === index + 1)); markDirty(); schedulePreview(); },
      });
      tbody.append(h("tr", { "data-target": row.target, "data-row": index + 1, class: rowProblems.length ? "has-error" : "" },
        h("td", {}, h("select", { class: "target", disabled: !cfg.can_edit, "aria-label": `Target field of row ${index + 1}`,
          onchange: (e) => { const f = fields.find((x) => x.name === e.target.value); row.target = e.target.value; row.max_length = f ? f.max_length : null; row.required = f ? f.required : false; markDirty(); renderPanel(); } },
          h("option", { value: "", text: "Choose…" }), names.map((n) => h("option", { value: n, selected: n === row.target, text: n })))),
        h("td", { class: "num", text: spec ? (spec.max_length ?? "—") : (row.max_length ?? "—") }),
        h("td", { class: "req", text: (spec ? spec.required : row.required) ? "✱" : "", title: "Required by Sage 300" }),
        h("td", { class: "expr-cell" }, expression),
        h("td", { class: "preview-value" }),
        h("td", { class: "row-error", text: rowProblems.join("; ") }),
        h("td", {}, cfg.can_edit ? h("button", { type: "button", class: "icon", title: `Remove row ${row.target}`, onclick: () => { rows.splice(index, 1); markDirty(); renderPanel(); }, text: "×" }) : null)));
    });
    table.append(tbody);
    const unmapped = fields.filter((f) => !rows.some((r) => r.target === f.name));
    const add = cfg.can_edit ? h("button", { type: "button", class: "secondary", id: "add-row", disabled: !unmapped.length,
      onclick: () => { const f = unmapped[0]; rows.push({ target: f.name, expression: "null", max_length: f.max_length, required: f.required }); markDirty(); renderPanel(); },
      text: unmapped.length ? `+ Add row (${unmapped.length} field${unmapped.length === 1 ? "" : "s"} not mapped)` : "Every field is mapped" }) : null;
    return h("div", { class: "grid-wrap" }, table, add);
  }

  function renderSideTools(group) {
    const paths = cfg.paths[group] || [];
    const picker = h("div", { class: "picker" }, h("h4", { text: group === "ship_to_mapping" ? "Shopify address fields" : "Shopify customer fields" }),
      h("p", { class: "muted small", text: "Click a field to insert it into the expression you are editing." }),
      h("div", { class: "paths" }, paths.map((p) => h("button", { type: "button", class: "path", "data-path": p, disabled: !cfg.can_edit, onmousedown: (e) => e.preventDefault(), onclick: () => insertPath(p), text: p }))));
    const sample = h("select", { id: "sample-picker", "aria-label": "Sample customer",
      onchange: (e) => { state.sample = e.target.value; document.getElementById("paste-box").hidden = e.target.value !== "__paste"; schedulePreview(); } },
    Object.entries(cfg.samples).map(([key, label]) => h("option", { value: key, selected: key === state.sample, text: label })),
    h("option", { value: "__paste", selected: state.sample === "__paste", text: "Paste a customer's JSON…" }));
    const paste = h("textarea", { id: "paste-box", rows: 6, hidden: state.sample !== "__paste", placeholder: '{"id": 1, "first_name": "Ada", ...}',
      oninput: (e) => { try { state.pasted = JSON.parse(e.target.value); setPreviewNote(""); schedulePreview(); } catch (err) { state.pasted = null; setPreviewNote(`Not JSON yet: ${err.message}`); } } });
    if (state.pasted) paste.value = JSON.stringify(state.pasted, null, 1);
    return h("aside", { class: "side-tools" },
      h("div", { class: "preview-box" }, h("h4", { text: "Preview on" }), sample, paste, h("p", { class: "muted small", id: "preview-note" })),
      picker);
  }

  function setPreviewNote(text) {
    const note = document.getElementById("preview-note");
    if (note) note.textContent = text;
  }

  function insertPath(path) {
    const input = state.focused;
    if (!input || !document.body.contains(input)) {
      message("Click into an expression first, then pick a field to insert.", "info");
      return;
    }
    const start = input.selectionStart ?? input.value.length;
    const end = input.selectionEnd ?? start;
    input.value = input.value.slice(0, start) + path + input.value.slice(end);
    input.focus();
    input.setSelectionRange(start + path.length, start + path.length);
    input.dispatchEvent(new Event("input", { bubbles: true }));
  }

  let previewSeq = 0;
  const schedulePreview = debounce(runPreview, 250);
  async function runPreview() {
    const node = state.selected ? byId(state.selected) : null;
    const table = document.getElementById("mapping-grid");
    if (!node || !table) return;
    const group = state.group;
    const body = { kind: node.kind, group, rows: (node[group] || []).map((r) => ({ target: r.target || "", expression: r.expression || "" })) };
    if (state.sample === "__paste") {
      if (!state.pasted) return;
      body.record = state.pasted;
    } else body.sample = state.sample;
    const seq = ++previewSeq;
    const result = await api("POST", "preview/", body);
    if (seq !== previewSeq || !document.body.contains(table)) return;
    if (!result.ok) return setPreviewNote(result.data.detail || "The preview failed.");
    setPreviewNote("");
    for (const row of result.data.rows) {
      const tr = table.querySelector(`tbody tr[data-row="${row.row}"]`);
      if (!tr) continue;
      const value = tr.querySelector(".preview-value");
      value.textContent = row.value === null || row.value === undefined ? "null" : typeof row.value === "string" ? row.value : JSON.stringify(row.value);
      value.classList.toggle("null", row.value === null || row.value === undefined);
      const saved = problemsFor(node.id, group).filter((p) => p.row === row.row).map((p) => p.message);
      const text = row.error || row.warning || saved.join("; ");
      const cell = tr.querySelector(".row-error");
      cell.textContent = text || "";
      cell.className = `row-error${row.error || saved.length ? " error" : row.warning ? " warning" : ""}`;
      tr.classList.toggle("has-error", !!(row.error || saved.length));
    }
  }

  // -- lifecycle actions ------------------------------------------------------------------------
  async function refreshWorkflow() {
    const result = await api("GET", "");
    if (result.ok) {
      state.workflow.revision = result.data.revision;
      state.published = result.data.published_version;
    }
  }

  function handleFailure(result, doing) {
    if (result.status === 409) {
      message(result.data.detail, "conflict", true);
    } else if (result.status === 400 && Array.isArray(result.data.errors) && typeof result.data.errors[0] === "object") {
      state.problems = result.data.errors;
      message(result.data.detail, "error");
      renderCanvas();
      renderPanel();
    } else {
      message(result.data.detail || `${doing} failed (${result.status}).`, "error");
    }
    return false;
  }

  async function save() {
    const result = await api("POST", "design/", { design: state.design, expected_revision: state.workflow.revision });
    if (!result.ok) return handleFailure(result, "Save");
    const created = !state.version || result.data.number !== state.version.number;
    state.version = result.data;
    state.dirty = false;
    state.problems = [];
    await refreshWorkflow();
    message(created ? `Saved as version ${result.data.number} (a new draft).` : `Version ${result.data.number} saved.`, "success");
    return true;
  }

  async function lifecycle(action) {
    if (action === "save") return save();
    if (action === "generate" && state.dirty && !(await save())) return false;
    const version = state.version ? state.version.number : null;
    const body = { expected_revision: state.workflow.revision };
    if (action === "publish" || action === "reset-generate") body.version = version;
    const result = await api("POST", `${action}/`, body);
    if (!result.ok) return handleFailure(result, action);
    state.version = result.data;
    state.problems = [];
    await refreshWorkflow();
    const done = {
      generate: `Version ${result.data.number} generated · plan ${String(result.data.plan_hash).slice(0, 12)}…`,
      publish: `Version ${result.data.number} is published: agents are told to update.`,
      "reset-generate": `Version ${result.data.number} is a draft again.`,
      "reset-publish": `Version ${result.data.number} is no longer published.`,
    }[action];
    message(done, "success");
    return true;
  }

  root.querySelectorAll("[data-action]").forEach((button) => {
    button.addEventListener("click", async () => {
      state.busy = true;
      renderHeader();
      try {
        await lifecycle(button.dataset.action);
      } catch (err) {
        message(`The portal could not be reached: ${err.message}`, "error");
      } finally {
        state.busy = false;
        renderHeader();
        renderCanvas();
        if (state.selected) renderPanel();
        else renderWorkflowPanel();
      }
    });
  });
  window.addEventListener("beforeunload", (event) => {
    if (state.dirty) event.preventDefault();
  });

  renderPalette();
  renderHeader();
  renderCanvas();
  renderPanel();
})();
