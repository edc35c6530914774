// Exploring the view: node and edge labels as page text placed without overlap, the node and edge
// legends as controls, filters. The server says which labels may be drawn (candidates in priority order,
// at rest) and what the legends and the filter are; this module draws them over the video and sends the
// editors' clicks. client.js calls startExplore() once with what it shares (state, send, the stage, the media).

const LABEL_GAP_PX = 3;                                       // between a node's rim and its label
const LABEL_SPACING_PX = 6;                                   // between two labels side by side ("116 539", not "116539")
const LABEL_RETURN_MS = 1000;                                 // labels hidden by local input come back

export function startExplore({state, send, stage, activeMedia, editing, params}) {
  const labelLayer = document.getElementById("labels");
  const edgeLabelLayer = document.getElementById("edge-labels");
  const legend = document.getElementById("legend");
  const filterForm = document.getElementById("filters");
  const filterCount = document.getElementById("filter-count");
  const attributeChoice = document.getElementById("filter-attribute");
  const edgeAttributeChoice = document.getElementById("filter-edge-attribute");
  const received = {labels: [], hover: null, selection: null, edgeLabels: []};
  let hiddenUntilMs = 0;
  let urlFilterSent = false;
  Object.assign(state, {labels: [], edge_labels: [], legend: null, edge_legend: null, filter: null});

  // ---- labels ------------------------------------------------------------------------------------
  // Each candidate becomes a span; one layout pass measures them all; then the greedy placement keeps,
  // in priority order, each box that lies inside the picture and meets none already kept (nor comes
  // within LABEL_SPACING_PX of one beside it, where two numbers would read as one). Node labels go
  // first (to the right of their node); then edge labels, centred on their curve's middle, each kept
  // only where it meets no node label and no edge label kept before it.
  function showLabels() {
    labelLayer.replaceChildren();
    edgeLabelLayer.replaceChildren();
    state.labels = [];
    state.edge_labels = [];
    if (performance.now() < hiddenUntilMs) return;
    const box = activeMedia().getBoundingClientRect(), origin = stage.getBoundingClientRect();
    if (!box.width || !box.height) return;
    const nodeCandidates = [[received.selection, "label selected"], [received.hover, "label hovered"],
                            ...received.labels.map((label) => [label, "label"])].filter(([label]) => label);
    const selectedEdge = state.edge_selection ? state.edge_selection.index : null;
    const edgeCandidates = received.edgeLabels.map((label) =>
      [label, label.edge === selectedEdge ? "edge-label selected" : "edge-label"]);
    const span = (layer, label, className, key) => {
      const element = document.createElement("span");
      element.className = className;
      element.textContent = label.text;
      element.dataset[key] = label[key];
      layer.append(element);
      return element;
    };
    const nodeSpans = nodeCandidates.map(([label, className]) => span(labelLayer, label, className, "node"));
    const edgeSpans = edgeCandidates.map(([label, className]) => span(edgeLabelLayer, label, className, "edge"));
    const sizes = [...nodeSpans, ...edgeSpans].map((element) => [element.offsetWidth, element.offsetHeight]);
    const left0 = box.left - origin.left, top0 = box.top - origin.top;
    const placed = [];
    // Keep the box at (x, y) if it lies inside the picture and meets none already placed.
    function place(element, x, y, width, height, entry) {
      const inside = x >= left0 && y >= top0 && x + width <= left0 + box.width && y + height <= top0 + box.height;
      const overlaps = placed.some((other) => x < other.x + other.width + LABEL_SPACING_PX &&
                                              other.x < x + width + LABEL_SPACING_PX &&
                                              y < other.y + other.height && other.y < y + height);
      if (!inside || overlaps || !entry.text) { element.remove(); return null; }
      element.style.left = `${x}px`;
      element.style.top = `${y}px`;
      const kept = {...entry, x, y, width, height};
      placed.push(kept);
      return kept;
    }
    nodeCandidates.forEach(([label], index) => {
      const [width, height] = sizes[index];
      const kept = place(nodeSpans[index], left0 + label.x * box.width + label.r * box.height + LABEL_GAP_PX,
                         top0 + label.y * box.height - height / 2, width, height, {node: label.node, text: label.text});
      if (kept) state.labels.push(kept);
    });
    edgeCandidates.forEach(([label], index) => {
      const [width, height] = sizes[nodeSpans.length + index];
      const kept = place(edgeSpans[index], left0 + label.x * box.width - width / 2,
                         top0 + label.y * box.height - height / 2, width, height, {edge: label.edge, text: label.text});
      if (kept) state.edge_labels.push(kept);
    });
  }
  // The page's own input moves the picture before the server's next word: hide the labels at once.
  function hideLabelsForInput() {
    hiddenUntilMs = performance.now() + LABEL_RETURN_MS;
    labelLayer.replaceChildren();
    edgeLabelLayer.replaceChildren();
    state.labels = [];
    state.edge_labels = [];
    setTimeout(showLabels, LABEL_RETURN_MS + 20);
  }
  function onLabels(message) {
    received.labels = message.labels;
    hiddenUntilMs = 0;                                          // the server's word is the newer
    showLabels();
  }
  function onEdgeLabels(message) {
    received.edgeLabels = message.labels;
    hiddenUntilMs = 0;
    showLabels();
  }
  function onPointedLabels(message) {
    received.hover = message.hover;
    received.selection = message.selection;
    showLabels();
  }

  // ---- legends ----------------------------------------------------------------------------------
  // Two sections, one control: the nodes' legend ("legend" messages) and the edges' ("edge_legend").
  // Click: highlight (for everyone) or clear; shift-click: hide or show; alt- or ctrl-click: isolate.
  const sections = {
    legend: {section: document.getElementById("node-legend"), title: document.getElementById("legend-title"),
             entries: document.getElementById("legend-entries"), reset: document.getElementById("legend-reset"),
             noun: "nodes"},
    edge_legend: {section: document.getElementById("edge-legend"), title: document.getElementById("edge-legend-title"),
                  entries: document.getElementById("edge-legend-entries"),
                  reset: document.getElementById("edge-legend-reset"), noun: "edges"},
  };
  function showLegend(type, message) {   // type: "legend" or "edge_legend", the state key and the message to send
    const {section, title, entries, reset, noun} = sections[type];
    state[type] = message;
    section.hidden = message.entries.length === 0;
    legend.hidden = Object.values(sections).every((other) => other.section.hidden);
    title.textContent = message.title;
    entries.replaceChildren();
    for (const entry of message.entries) {
      const item = document.createElement("li");
      item.dataset.category = entry.category;
      item.style.setProperty("--colour", entry.colour);
      item.classList.toggle("highlighted", message.highlighted.includes(entry.category));
      item.classList.toggle("hidden", message.hidden.includes(entry.category));
      const swatch = document.createElement("span"), name = document.createElement("span");
      const count = document.createElement("small");
      swatch.className = "swatch";
      name.textContent = entry.name;
      count.textContent = entry.count.toLocaleString();
      item.append(swatch, name, count);
      item.title = `click: highlight these ${noun} · shift-click: hide them · alt-click: only these`;
      item.addEventListener("click", (event) => {
        if (!editing()) return;
        const action = event.shiftKey ? "hide" : event.altKey || event.ctrlKey || event.metaKey ? "isolate" : "highlight";
        send(type, {category: entry.category, action});
      });
      entries.append(item);
    }
    reset.hidden = !message.highlighted.length && !message.hidden.length;
  }
  const onLegend = (message) => showLegend("legend", message);
  const onEdgeLegend = (message) => showLegend("edge_legend", message);
  for (const type of Object.keys(sections)) {
    sections[type].reset.addEventListener("click", () => {
      if (editing()) send(type, {category: 0, action: "reset"});
    });
  }

  // ---- filters -----------------------------------------------------------------------------------
  function number(id) {
    const text = document.getElementById(id).value.trim();
    return text === "" ? null : Number(text);
  }
  // "a, b" are values; "low..high" (or "low – high") a range.
  function valuesOrRange(text) {
    const range = text.match(/^(-?[\d.e+]+)\s*(?:\.\.|–|-)\s*(-?[\d.e+]+)$/);
    return range ? {range: [Number(range[1]), Number(range[2])]}
      : {values: text.split(",").map((part) => part.trim()).filter(Boolean)};
  }
  function formFilter() {
    const current = state.filter ? state.filter.filter : {};
    const filter = {mode: document.getElementById("filter-mode").value, hidden: current.hidden || [],
                    edge_hidden: current.edge_hidden || []};
    if (current.time) filter.time = current.time;               // the time slider's window stays
    const low = number("filter-degree-min"), high = number("filter-degree-max");
    if (low !== null || high !== null) filter.degree = [low ?? 0, high ?? 1e15];
    const core = number("filter-k-core"), hops = number("filter-hops");
    if (core) filter.k_core = core;
    if (hops) filter.hops = hops;
    const attribute = attributeChoice.value, value = document.getElementById("filter-value").value.trim();
    if (attribute && value) {
      filter.attribute = attribute;
      const {range, values} = valuesOrRange(value);
      if (range) filter.value_range = range;
      else filter.values = values;
    }
    const edgeAttribute = edgeAttributeChoice.value, edgeValue = document.getElementById("filter-edge-value").value.trim();
    if (edgeAttribute && edgeValue) {
      filter.edge_attribute = edgeAttribute;
      const {range, values} = valuesOrRange(edgeValue);
      if (range) filter.edge_range = range;
      else filter.edge_values = values;
    }
    return filter;
  }
  filterForm.addEventListener("submit", (event) => {
    event.preventDefault();
    if (editing()) send("filter", {filter: formFilter()});
  });
  document.getElementById("filter-clear").addEventListener("click", () => {
    if (editing()) send("filter", {filter: {mode: document.getElementById("filter-mode").value}});
  });
  document.getElementById("filter-relayout").addEventListener("change", (event) => {
    if (editing()) send("relayout", {shown_only: event.target.checked});
  });
  function onFilter(message) {
    state.filter = message;
    const filter = message.filter;
    const edgesFiltered = filter.edge_attribute || (filter.edge_hidden && filter.edge_hidden.length);
    filterCount.textContent = `${message.shown.toLocaleString()} of ${message.nodes.toLocaleString()} nodes shown` +
      (edgesFiltered ? " · edges filtered" : "");
    const set = (id, value) => { document.getElementById(id).value = value ?? ""; };
    set("filter-degree-min", filter.degree ? filter.degree[0] : null);
    set("filter-degree-max", filter.degree && filter.degree[1] < 1e15 ? filter.degree[1] : null);
    set("filter-k-core", filter.k_core || null);
    set("filter-hops", filter.hops || null);
    set("filter-mode", filter.mode);
    if (filter.attribute) attributeChoice.value = filter.attribute;
    set("filter-value", filter.value_range ? filter.value_range.join("..") : (filter.values || []).join(", "));
    if (filter.edge_attribute) edgeAttributeChoice.value = filter.edge_attribute;
    set("filter-edge-value", filter.edge_range ? filter.edge_range.join("..") : (filter.edge_values || []).join(", "));
    document.getElementById("filter-relayout").checked = message.shown_only;
    showTimeOf(filter);
    // The address shares the filter: whoever opens it (an editor) applies it.
    const address = new URL(location.href);
    const active = Object.keys(filter).some((name) => name !== "mode");
    if (active) address.searchParams.set("filter", JSON.stringify(filter));
    else address.searchParams.delete("filter");
    try {
      if (!location.href.startsWith("about:")) history.replaceState(null, "", address);
    } catch { /* a file:// page may not change its address: the filter is not shared by it then */ }
  }
  // The attributes a filter may test (a measure computed later becomes one): the choice made stays.
  function showAttributes(view) {
    const attributes = (view && view.attributes) || [];
    const chosen = attributeChoice.value, edgeChosen = edgeAttributeChoice.value;
    attributeChoice.replaceChildren(new Option("attribute…", ""), ...attributes.map((name) => new Option(name, name)));
    if (attributes.includes(chosen)) attributeChoice.value = chosen;
    const edgeAttributes = (view && view.edge_attributes) || [];
    edgeAttributeChoice.replaceChildren(new Option("edge attribute…", ""),
                                        ...edgeAttributes.map((name) => new Option(name, name)));
    if (edgeAttributes.includes(edgeChosen)) edgeAttributeChoice.value = edgeChosen;
    edgeAttributeChoice.closest("label").hidden = edgeAttributes.length === 0;
  }
  function onHello(hello) {
    showTimeline(hello.view);
    showAttributes(hello.view);
    for (const element of filterForm.elements) element.disabled = hello.role !== "editor";
    const shared = params.get("filter");
    if (shared && !urlFilterSent && hello.role === "editor") {
      urlFilterSent = true;
      try { send("filter", {filter: JSON.parse(shared)}); } catch (error) { state.errors.push(`filter in the address: ${error.message}`); }
    }
  }
  // ---- time (a dynamic graph) ---------------------------------------------------------------------
  // The slider picks a time t in the graph's range; the window is "at t", "up to t" or a span ending at
  // t. Each change asks the server for the filter with that window (at most ten a second); play moves t
  // across the range in about 20 s.
  const timeline = document.getElementById("timeline");
  const slider = document.getElementById("time-slider");
  const windowChoice = document.getElementById("time-window");
  const playButton = document.getElementById("time-play");
  let range = null, timeFormat = "number", timeTimer = null, player = null;
  state.time = null;
  function timeText(value) {
    if (timeFormat !== "date") return Number(value.toPrecision(6)).toString();
    const text = new Date(value * 1000).toISOString();         // a date alone when it is midnight, UTC
    return text.endsWith("T00:00:00.000Z") ? text.slice(0, 10) : text.slice(0, 16).replace("T", " ");
  }
  function chosenWindow() {
    const [first, last] = range;
    const at = first + (last - first) * Number(slider.value) / Number(slider.max);
    const kind = windowChoice.value;
    if (kind === "at") return [at, at];
    if (kind === "upto") return [first, at];
    return [Math.max(first, at - Number(kind) * (last - first)), at];
  }
  function sendTime() {
    timeTimer = null;
    const span = chosenWindow();
    state.time = {at: span[1], window: span};
    document.getElementById("time-label").textContent = span[0] === span[1] ? timeText(span[1])
      : `${timeText(span[0])} – ${timeText(span[1])}`;
    if (editing()) send("filter", {filter: {...(state.filter ? state.filter.filter : {}), time: span}});
  }
  function timeChanged() { if (timeTimer === null) timeTimer = setTimeout(sendTime, 100); }
  slider.addEventListener("input", timeChanged);
  windowChoice.addEventListener("change", timeChanged);
  playButton.addEventListener("click", () => {
    if (player) { clearInterval(player); player = null; playButton.textContent = "▶"; return; }
    if (Number(slider.value) >= Number(slider.max)) slider.value = 0;
    playButton.textContent = "❚❚";
    player = setInterval(() => {
      slider.value = Math.min(Number(slider.max), Number(slider.value) + 5);
      timeChanged();
      if (Number(slider.value) >= Number(slider.max)) playButton.click();
    }, 100);
  });
  document.getElementById("time-off").addEventListener("click", () => {
    if (player) playButton.click();
    const {time, ...rest} = state.filter ? state.filter.filter : {};
    state.time = null;
    document.getElementById("time-label").textContent = "all times";
    if (editing()) send("filter", {filter: rest});
  });
  function showTimeline(view) {
    range = view && view.time_range;
    timeFormat = (view && view.time_format) || "number";
    timeline.hidden = !range;
    for (const element of timeline.querySelectorAll("button, input, select")) element.disabled = !editing();
  }
  function showTimeOf(filter) {   // another viewer moved the time: follow
    if (!range || !filter.time || timeTimer !== null || player) return;
    const [first, last] = range;
    slider.value = Math.round(Number(slider.max) * (filter.time[1] - first) / ((last - first) || 1));
    state.time = {at: filter.time[1], window: filter.time};
    document.getElementById("time-label").textContent = filter.time[0] === filter.time[1] ? timeText(filter.time[1])
      : `${timeText(filter.time[0])} – ${timeText(filter.time[1])}`;
  }

  return {onLabels, onEdgeLabels, onPointedLabels, onLegend, onEdgeLegend, onFilter, onHello, showLabels,
          hideLabelsForInput, showTimeline, showAttributes};
}
