// Measuring the network in the page: the graph's statistics with its degree distribution as an SVG plot
// (a bar click selects those nodes), per-node measures computed in the background (a progress bar, cancel),
// the shared node selection (shift-drag a box or alt-drag a lasso in 2D, shift-click a node; its summary and
// actions in the info panel; shared through the address like the filter) and the shortest path between two
// picked nodes. The server computes and holds all of it; this module draws it and sends the editors' choices.
// client.js calls startAnalysis() once; it hands over the pointer gestures analysis claims.

const SVG = "http://www.w3.org/2000/svg";
const PLOT = {width: 280, height: 150, left: 34, right: 6, top: 6, bottom: 22};
const EXACT_BARS = 60;                                        // more distinct degrees on log axes: log bins
const LOG_BINS = 36;
const DRAG_PX = 4;                                            // less movement than this is a click
const MAX_LASSO_POINTS = 200;                                 // the protocol's limit (MAX_POINTS)
const MAX_SHARED_NODES = 400;                                 // a selection this small goes in the address
const PICK_WINDOW_MS = 3000;                                  // a selection this soon after our click is our pick
const MEASURE_NAMES = ["degree", "in_degree", "out_degree", "weighted_degree", "pagerank", "betweenness",
                       "closeness", "harmonic", "eigenvector", "clustering", "k_core", "component", "louvain",
                       "leiden"];
const DISTRIBUTION_MEASURES = {total: "degree", in: "in_degree", out: "out_degree"};

export function startAnalysis({state, send, stage, activeMedia, editing, params, endpoint, bridged}) {
  const $ = (id) => document.getElementById(id);
  const info = $("info");
  const plot = $("degree-plot"), readout = $("degree-readout"), kindChoice = $("degree-kind"), logBox = $("degree-log");
  const overlay = $("selection-overlay");
  const selectionPanel = $("node-selection");
  const measureChoice = $("measure-choice"), progress = $("measure-progress");
  const pathButton = $("path-pick"), pathResult = $("path-result");
  Object.assign(state, {statistics: null, measures: [], measureRunning: null, nodeSelection: null, path: null,
                        pathPick: null, degreeBars: []});
  let urlSelectionSent = false;
  let lastPointerUpMs = -Infinity;

  // ---- statistics --------------------------------------------------------------------------------
  const fixed = (value, digits) => (value === null || value === undefined || !Number.isFinite(value)) ? "—"
    : Number(value).toFixed(digits);
  const count = (value) => (value === null || value === undefined) ? "—" : Number(value).toLocaleString("en");
  function statisticRows(s) {
    const records = s.edge_records !== null && s.edge_records !== undefined && s.edge_records !== s.edges
      ? ` (${count(s.edge_records)} records)` : "";
    const kind = [s.directed ? "directed" : "undirected", s.weighted ? "weighted" : "unweighted",
                  s.self_loops ? `${count(s.self_loops)} self-loops` : ""].filter(Boolean).join(", ");
    return [
      ["nodes", "nodes", count(s.nodes), s.nodes],
      ["edges", s.directed ? "arcs" : "edges", count(s.edges) + records, s.edges],
      ["directed", "graph", kind, s.directed],
      ["density", "density", Number(s.density).toPrecision(3), s.density],
      ["components", "components", `${count(s.components)} (largest ${count(s.largest_component)})`, s.components],
      ["average_degree", "avg. degree", fixed(s.average_degree, 2) +
        (s.directed ? ` (in = out ${fixed(s.average_in_degree, 2)})` : ""), s.average_degree],
      ["max_degree", "max degree", count(s.max_degree) +
        (s.directed ? ` (in ${count(s.max_in_degree)}, out ${count(s.max_out_degree)})` : ""), s.max_degree],
      ["average_clustering", "avg. clustering", fixed(s.average_clustering, 3), s.average_clustering],
      ["diameter", s.diameter_exact ? "diameter" : "diameter (est.)", `${s.diameter_exact ? "" : "~"}${count(s.diameter)}`,
       s.diameter],
      ["assortativity", "assortativity", fixed(s.assortativity, 3), s.assortativity],
    ];
  }
  function onStatistics(message) {
    const s = message.statistics;
    state.statistics = s;
    const fields = $("statistics-fields");
    fields.replaceChildren();
    $("statistics-note").textContent = s ? "" : "computing…";
    $("degree-box").hidden = !s;
    if (!s) return;
    for (const [key, name, text, value] of statisticRows(s)) {
      const term = document.createElement("dt"), detail = document.createElement("dd");
      term.textContent = name;
      detail.textContent = text;
      detail.dataset.statistic = key;
      detail.dataset.value = value === null || value === undefined ? "" : String(value);
      fields.append(term, detail);
    }
    const kinds = Object.keys(s.degree_distribution || {});
    kindChoice.hidden = kinds.length < 2;
    if (!kinds.includes(kindChoice.value)) kindChoice.value = "total";
    drawDistribution();
  }

  // ---- the degree distribution -------------------------------------------------------------------
  // Bars of node count per degree; on log axes x is log10(1 + degree) (so degree 0 has a place) and y
  // log10(count) from just under 1; more than EXACT_BARS distinct degrees are gathered in log bins there.
  function bars(distribution, log) {
    const {degrees, counts} = distribution;
    if (!log || degrees.length <= EXACT_BARS) {
      return degrees.map((degree, index) => ({low: degree, high: degree, count: counts[index]}));
    }
    const top = Math.log10(degrees[degrees.length - 1] + 1);
    const result = [];
    let low = degrees[0], index = 0;
    for (let bin = 1; bin <= LOG_BINS && index < degrees.length; bin++) {
      // The bin holds the degrees d with 1 + d under its upper edge: exact at the low end, wide at the top.
      const high = bin === LOG_BINS ? degrees[degrees.length - 1] : Math.ceil(10 ** (top * bin / LOG_BINS)) - 2;
      if (high < low) continue;
      let total = 0;
      while (index < degrees.length && degrees[index] <= high) total += counts[index++];
      if (total) result.push({low, high, count: total});
      low = high + 1;
    }
    return result;
  }
  function element(name, attributes, parent) {
    const made = document.createElementNS(SVG, name);
    for (const [key, value] of Object.entries(attributes)) made.setAttribute(key, value);
    if (parent) parent.append(made);
    return made;
  }
  function ticks(low, high, log) {
    if (log) {
      const result = [];
      for (let value = 1; value <= high * 1.0001; value *= 10) if (value >= low) result.push(value);
      return result;
    }
    const step = 10 ** Math.floor(Math.log10(Math.max(high - low, 1)));
    const chosen = (high - low) / step > 5 ? step * 2 : step;
    const result = [];
    for (let value = Math.ceil(low / chosen) * chosen; value <= high; value += chosen) result.push(value);
    return result;
  }
  function drawDistribution() {
    const s = state.statistics;
    plot.replaceChildren();
    state.degreeBars = [];
    if (!s || !s.degree_distribution) return;
    const kind = s.degree_distribution[kindChoice.value] ? kindChoice.value : "total";
    const distribution = s.degree_distribution[kind];
    const log = logBox.checked;
    const shown = bars(distribution, log);
    const {width, height, left, right, top, bottom} = PLOT;
    plot.setAttribute("viewBox", `0 0 ${width} ${height}`);
    plot.dataset.kind = kind;
    plot.dataset.scale = log ? "log" : "linear";
    if (!shown.length) return;
    const maxDegree = shown[shown.length - 1].high, maxCount = Math.max(...shown.map((bar) => bar.count));
    const xOf = log ? (degree) => Math.log10(degree + 1) : (degree) => degree;
    const [x0, x1] = [xOf(shown[0].low), xOf(maxDegree + 1)];
    const yLow = log ? Math.log10(0.7) : 0, yHigh = log ? Math.log10(maxCount) : maxCount;
    const px = (degree) => left + (width - left - right) * (xOf(degree) - x0) / ((x1 - x0) || 1);
    const py = (value) => top + (height - top - bottom) * (1 - ((log ? Math.log10(value) : value) - yLow) / ((yHigh - yLow) || 1));
    const base = height - bottom;
    const axes = element("g", {class: "axes", "shape-rendering": "crispEdges"}, plot);
    element("line", {x1: left - 0.5, y1: top, x2: left - 0.5, y2: base + 0.5}, axes);
    element("line", {x1: left - 0.5, y1: base + 0.5, x2: width - right, y2: base + 0.5}, axes);
    for (const value of ticks(log ? 1 : 0, maxCount, log)) {
      const y = Math.round(py(value)) + 0.5;
      element("line", {x1: left - 3, y1: y, x2: left - 0.5, y2: y}, axes);
      element("text", {x: left - 5, y: y + 3, "text-anchor": "end"}, axes).textContent = compact(value);
    }
    const degreeTicks = log ? [0, ...ticks(1, maxDegree, true)].filter((value) => value >= shown[0].low)
      : ticks(shown[0].low, maxDegree, false);
    for (const value of degreeTicks) {
      const x = Math.round(px(value)) + 0.5;
      element("line", {x1: x, y1: base + 0.5, x2: x, y2: base + 4}, axes);
      element("text", {x, y: base + 13, "text-anchor": "middle"}, axes).textContent = compact(value);
    }
    element("text", {x: width - right, y: height - 1, "text-anchor": "end", class: "axis-title"}, axes).textContent =
      kind === "total" ? "degree" : `${kind}-degree`;
    const group = element("g", {class: "bars", "shape-rendering": "crispEdges"}, plot);
    for (const bar of shown) {
      const xStart = px(bar.low), xEnd = px(bar.high + 1);
      const barWidth = Math.max(1, xEnd - xStart - (xEnd - xStart > 3 ? 1 : 0));
      const y = py(bar.count);
      const rect = element("rect", {x: xStart.toFixed(2), y: y.toFixed(2), width: barWidth.toFixed(2),
                                    height: Math.max(1, base - y).toFixed(2), "data-low": bar.low,
                                    "data-high": bar.high, "data-count": bar.count}, group);
      element("title", {}, rect).textContent = barText(bar, kind);
      state.degreeBars.push({...bar, x: xStart, width: barWidth});
    }
    readout.textContent = "";
  }
  function compact(value) {
    return value >= 10000 ? `${Math.round(value / 1000)}k` : String(Math.round(value * 100) / 100);
  }
  function barText(bar, kind) {
    const noun = kind === "total" ? "degree" : `${kind}-degree`;
    const range = bar.low === bar.high ? `${bar.low}` : `${bar.low}–${bar.high}`;
    return `${noun} ${range}: ${bar.count.toLocaleString("en")} node${bar.count === 1 ? "" : "s"}`;
  }
  // The bar under the pointer: the one whose column holds its x (a thin bar is hard to hit exactly).
  function barAt(event) {
    const box = plot.getBoundingClientRect();
    if (!box.width) return null;
    const x = (event.clientX - box.left) * PLOT.width / box.width;
    let best = null, distance = Infinity;
    for (const bar of state.degreeBars) {
      const away = x < bar.x ? bar.x - x : x > bar.x + bar.width ? x - bar.x - bar.width : 0;
      if (away < distance) { best = bar; distance = away; }
    }
    return distance <= 3 ? best : null;
  }
  plot.addEventListener("mousemove", (event) => {
    const bar = barAt(event);
    for (const rect of plot.querySelectorAll("rect.pointed")) rect.classList.remove("pointed");
    if (!bar) { readout.textContent = ""; return; }
    const rect = plot.querySelector(`rect[data-low="${bar.low}"][data-high="${bar.high}"]`);
    if (rect) rect.classList.add("pointed");
    readout.textContent = barText(bar, plot.dataset.kind);
  });
  plot.addEventListener("mouseleave", () => {
    readout.textContent = "";
    for (const rect of plot.querySelectorAll("rect.pointed")) rect.classList.remove("pointed");
  });
  plot.addEventListener("click", (event) => {
    const bar = barAt(event);
    if (!bar || !editing()) return;
    send("select_range", {measure: DISTRIBUTION_MEASURES[plot.dataset.kind] || "degree", low: bar.low, high: bar.high,
                          mode: event.shiftKey ? "add" : "replace"});
  });
  kindChoice.addEventListener("change", drawDistribution);
  logBox.addEventListener("change", drawDistribution);

  // ---- measures ----------------------------------------------------------------------------------
  function showChoices(view) {
    const choices = (view && view.measure_choices) || MEASURE_NAMES.map((name) => ({name, title: name.replace(/_/g, " ")}));
    const chosen = measureChoice.value;
    measureChoice.replaceChildren(...choices.map((choice) => new Option(choice.title, choice.name)));
    if (choices.some((choice) => choice.name === chosen)) measureChoice.value = chosen;
  }
  function detailText(details) {
    if (!details) return "";
    const parts = [];
    if (details.modularity !== undefined && details.modularity !== null) parts.push(`modularity ${fixed(details.modularity, 3)}`);
    if (details.communities !== undefined) parts.push(`${count(details.communities)} communities`);
    if (details.exact === true) parts.push("exact");
    else if (details.exact === false) {
      parts.push(`sampled: ${count(details.samples)} sources` +
                 (details.expected_error !== undefined && details.expected_error !== null
                   ? `, ± ${Number(details.expected_error).toPrecision(2)}` : ""));
    }
    if (details.weighted === true) parts.push("weighted");
    if (typeof details.seconds === "number") parts.push(`${details.seconds < 10 ? details.seconds.toPrecision(2) : Math.round(details.seconds)} s`);
    for (const [name, value] of Object.entries(details)) {
      if (["modularity", "communities", "exact", "samples", "expected_error", "weighted", "seconds"].includes(name)) continue;
      if (value === null || typeof value === "object" || typeof value === "boolean") continue;
      parts.push(`${name.replace(/_/g, " ")} ${typeof value === "number" && !Number.isInteger(value) ? value.toPrecision(3) : value}`);
    }
    return parts.join(" · ");
  }
  function onMeasures(message) {
    state.measures = message.measures;
    state.measureRunning = message.running;
    const list = $("measure-list");
    list.replaceChildren(...message.measures.map((measure) => {
      const item = document.createElement("li");
      item.dataset.measure = measure.name;
      const name = document.createElement("span"), detail = document.createElement("small");
      name.textContent = measure.title || measure.name;
      detail.textContent = detailText(measure.details);
      item.append(name, detail);
      return item;
    }));
    const running = message.running;
    $("measure-running").hidden = !running;
    if (running) {
      progress.value = Math.max(0, Math.min(1, Number(running.fraction) || 0));
      const choice = [...measureChoice.options].find((option) => option.value === running.name);
      const waiting = (running.waiting || []).length;
      $("measure-running-name").textContent = `${choice ? choice.text : running.name} ${Math.round(progress.value * 100)} %` +
        (waiting ? ` (${waiting} waiting)` : "");
    }
    enableControls();
  }
  $("measure-compute").addEventListener("click", () => {
    if (editing() && measureChoice.value) send("measure", {name: measureChoice.value, action: "compute"});
  });
  $("measure-cancel").addEventListener("click", () => {
    if (editing() && state.measureRunning) send("measure", {name: state.measureRunning.name, action: "cancel"});
  });

  // ---- the node selection ------------------------------------------------------------------------
  function selectionShown() { return !selectionPanel.hidden; }
  function onNodeSelection(message) {
    state.nodeSelection = {count: message.count, nodes: message.nodes, summary: message.summary};
    const any = message.count > 0;
    selectionPanel.hidden = !any;
    if (any) {
      info.hidden = false;
      $("selection-count").textContent = `${message.count.toLocaleString("en")} node${message.count === 1 ? "" : "s"} selected`;
      const summary = message.summary || {top: [], measures: {}};
      $("selection-top").replaceChildren(...(summary.top || []).map((node) => {
        const item = document.createElement("li");
        item.dataset.node = node.node;
        item.textContent = node.label || node.id;
        const degree = document.createElement("small");
        degree.textContent = `degree ${node.degree}`;
        item.append(" ", degree);
        return item;
      }));
      const ranges = $("selection-measures");
      ranges.replaceChildren();
      for (const [name, range] of Object.entries(summary.measures || {})) {
        const term = document.createElement("dt"), detail = document.createElement("dd");
        term.textContent = name.replace(/_/g, " ");
        const categorical = state.measures.some((measure) => measure.name === name && measure.categorical);
        detail.textContent = `${short(range.min)} – ${short(range.max)}` + (categorical ? "" : ` (mean ${short(range.mean)})`);
        detail.dataset.measure = name;
        ranges.append(term, detail);
      }
    } else if (!state.selection) {
      info.hidden = true;
    }
    showSingle();
    // The address shares the selection when it is small enough to name: whoever opens it selects the same.
    const address = new URL(location.href);
    if (any && message.count <= MAX_SHARED_NODES && message.nodes.length === message.count) {
      address.searchParams.set("selection", message.nodes.join(","));
    } else {
      address.searchParams.delete("selection");
    }
    if (!location.href.startsWith("about:") && address.href !== location.href) history.replaceState(null, "", address);
    enableControls();
  }
  // One node clicked: the panel above shows it already; only the actions are added (either message may come first).
  function showSingle() {
    const chosen = state.nodeSelection;
    const single = Boolean(chosen && chosen.count === 1 && state.selection && state.selection.index === chosen.nodes[0]);
    $("selection-top").hidden = single;
    $("selection-measures").hidden = single;
  }
  function short(value) {
    if (value === null || value === undefined || !Number.isFinite(value)) return "—";
    return Number.isInteger(value) ? value.toLocaleString("en") : Number(value.toPrecision(4)).toString();
  }
  for (const button of document.querySelectorAll("#selection-actions button[data-action]")) {
    button.addEventListener("click", () => {
      if (editing()) send("selection_action", {action: button.dataset.action});
    });
  }
  const exportLink = $("selection-export");
  exportLink.hidden = Boolean(bridged);
  exportLink.addEventListener("click", () => {
    const format = $("selection-format").value;
    exportLink.href = endpoint(`selection.${format}`);
    exportLink.download = `selection.${format}`;
  });

  // ---- gestures on the picture: box (shift-drag), lasso (alt-drag), toggle (shift-click) -----------
  // The page claims these before client.js makes pointer messages of them; a 3D shift-drag (a pan) and an
  // alt-click are handed back, with the pointer-down that started them.
  let gesture = null;
  function normalised(event) {
    const box = activeMedia().getBoundingClientRect();
    const clamp = (value) => Number.isFinite(value) ? Math.min(1, Math.max(0, value)) : 0.5;
    return [clamp((event.clientX - box.left) / box.width), clamp((event.clientY - box.top) / box.height)];
  }
  function twoDimensional() { return Boolean(state.hello && state.hello.view && state.hello.view.dimensions === 2); }
  function claimPointer(event) {
    if (!editing() || event.button !== 0 || !(event.shiftKey || event.altKey)) return false;
    gesture = {kind: event.shiftKey && !event.altKey ? "box" : "lasso",
               start: [event.clientX, event.clientY], points: [[event.clientX, event.clientY]],
               mode: event.ctrlKey || event.metaKey ? "add" : "replace", dragging: false, down: event};
    return true;
  }
  function claimed() { return gesture !== null; }
  // Returns the pointer-down event to hand back to client.js when the gesture is not ours after all.
  function pointerMove(event) {
    if (!gesture || gesture.cancelled) return null;
    const moved = Math.hypot(event.clientX - gesture.start[0], event.clientY - gesture.start[1]) >= DRAG_PX;
    if (!gesture.dragging && moved) {
      if (!twoDimensional()) { const down = gesture.down; gesture = null; return down; }
      gesture.dragging = true;
    }
    if (!gesture.dragging) return null;
    const last = gesture.points[gesture.points.length - 1];
    if (gesture.kind === "box") gesture.points = [gesture.start, [event.clientX, event.clientY]];
    else if (Math.hypot(event.clientX - last[0], event.clientY - last[1]) >= 2) gesture.points.push([event.clientX, event.clientY]);
    drawGesture();
    return null;
  }
  // Returns the pointer-down event to hand back (an alt-click: a plain click for the server).
  function pointerUp(event) {
    if (!gesture) return null;
    const finished = gesture;
    gesture = null;
    overlay.replaceChildren();
    overlay.toggleAttribute("hidden", true);                    // an <svg> has no .hidden property
    if (finished.cancelled) return null;
    if (!finished.dragging) {
      if (!event.shiftKey && finished.kind === "lasso" && !finished.down.shiftKey) return finished.down;
      const [x, y] = normalised(event);
      send("select_toggle", {x, y});
      return null;
    }
    if (finished.kind === "box") finished.points = [finished.start, [event.clientX, event.clientY]];
    else finished.points.push([event.clientX, event.clientY]);
    const polygon = polygonOf(finished);
    if (polygon) send("select_area", {points: polygon, mode: finished.mode});
    return null;
  }
  function cancelGesture() { gesture = null; overlay.replaceChildren(); overlay.toggleAttribute("hidden", true); }
  // The gesture as picture points: a box's four corners, or the lasso thinned to MAX_LASSO_POINTS, each
  // rounded to 4 decimals (a message holds 4096 bytes); null when it has no area.
  function polygonOf(finished) {
    const media = activeMedia().getBoundingClientRect();
    const at = ([clientX, clientY]) => normalised({clientX, clientY});
    let points;
    if (finished.kind === "box") {
      const [[ax, ay], [bx, by]] = finished.points.map(at);
      if (Math.abs(ax - bx) * media.width < 1 || Math.abs(ay - by) * media.height < 1) return null;
      points = [[ax, ay], [bx, ay], [bx, by], [ax, by]];
    } else {
      points = finished.points.map(at);
      if (points.length > MAX_LASSO_POINTS) {
        const step = points.length / MAX_LASSO_POINTS;
        points = Array.from({length: MAX_LASSO_POINTS}, (_, index) => points[Math.floor(index * step)]);
      }
    }
    points = points.map(([x, y]) => [Math.round(x * 1e4) / 1e4, Math.round(y * 1e4) / 1e4]);
    return points.length >= 3 ? points : null;
  }
  function drawGesture() {
    const origin = stage.getBoundingClientRect();
    overlay.toggleAttribute("hidden", false);
    const local = gesture.points.map(([x, y]) => [x - origin.left, y - origin.top]);
    let shape;
    if (gesture.kind === "box") {
      const [[ax, ay], [bx, by]] = local;
      shape = element("rect", {x: Math.min(ax, bx), y: Math.min(ay, by), width: Math.abs(bx - ax), height: Math.abs(by - ay)});
    } else {
      shape = element("polygon", {points: local.map((point) => point.join(",")).join(" ")});
    }
    shape.setAttribute("class", gesture.mode === "add" ? "add" : "");
    overlay.replaceChildren(shape);
  }

  // ---- the shortest path -------------------------------------------------------------------------
  // "path": the next two nodes this page clicks are its ends (the single-node selection they bring).
  function showPathPick() {
    const pick = state.pathPick;
    pathButton.classList.toggle("active", pick !== null);
    pathButton.textContent = pick === null ? "path…" : pick.source === null ? "click node A…" : "click node B…";
  }
  pathButton.addEventListener("click", () => {
    if (!editing()) return;
    state.pathPick = state.pathPick === null ? {source: null, sourceLabel: null} : null;
    showPathPick();
  });
  // Escape ends a path pick or a gesture under way.
  document.addEventListener("keydown", (event) => {
    if (event.key !== "Escape") return;
    if (gesture) { gesture.cancelled = true; overlay.replaceChildren(); overlay.toggleAttribute("hidden", true); }
    if (state.pathPick !== null) { state.pathPick = null; pathResult.textContent = ""; onPath({path: state.path}); showPathPick(); }
  });
  function notePointerUp() { lastPointerUpMs = performance.now(); }
  // A single-node selection: while picking a path, ours (just after this page's click) is an end.
  function onSelection(node) {
    showSingle();
    const pick = state.pathPick;
    if (pick === null || !node || performance.now() - lastPointerUpMs > PICK_WINDOW_MS) return;
    if (pick.source === null) {
      pick.source = node.index;
      pick.sourceLabel = node.label;
      pathResult.textContent = `from ${node.label}…`;
    } else if (node.index !== pick.source) {
      send("path", {source: pick.source, target: node.index, all: $("path-all").checked});
      state.pathPick = null;
    }
    showPathPick();
  }
  function onPath(message) {
    const path = message.path;
    state.path = path;
    $("path-clear").hidden = !path;
    if (!path) { if (state.pathPick === null) pathResult.textContent = ""; return; }
    $("path").open = true;                                      // a path is shown on every page
    const ends = `${path.source_label} → ${path.target_label}`;
    if (path.length === null || path.length === undefined) {
      pathResult.textContent = `${ends}: no path`;
    } else {
      const length = Number.isInteger(path.length) ? path.length : Number(path.length.toPrecision(6));
      const many = path.all && path.paths && path.paths.length > 1 ? ` · ${path.paths.length} shortest paths` : "";
      pathResult.textContent = `${ends}: length ${length} (${path.hops} hop${path.hops === 1 ? "" : "s"})${many}`;
    }
    pathResult.dataset.length = path.length === null || path.length === undefined ? "" : String(path.length);
  }
  $("path-clear").addEventListener("click", () => { if (editing()) send("path_clear", {}); });

  // ---- roles, hello ------------------------------------------------------------------------------
  function enableControls() {
    const editor = editing();
    for (const control of document.querySelectorAll("#analysis button, #analysis select:not(#degree-kind), " +
                                                    "#analysis input:not(#degree-log), #node-selection button, #node-selection select")) {
      control.disabled = !editor;
    }
    $("measure-cancel").disabled = !editor || !state.measureRunning;
    plot.classList.toggle("inert", !editor);
  }
  function onHello(hello) {
    showChoices(hello.view);
    enableControls();
    const shared = params.get("selection");
    if (shared && !urlSelectionSent && hello.role === "editor") {
      urlSelectionSent = true;
      const nodes = shared.split(",").map((part) => Number(part.trim()))
        .filter((value) => Number.isInteger(value) && value >= 0).slice(0, MAX_SHARED_NODES);
      if (nodes.length) send("select_nodes", {nodes, mode: "replace"});
    }
  }
  function onView(view) { showChoices(view); }
  showPathPick();

  return {onHello, onView, onStatistics, onMeasures, onNodeSelection, onPath, onSelection, selectionShown,
          claimPointer, claimed, pointerMove, pointerUp, cancelGesture, notePointerUp};
}
