// Exploring the view: labels as page text placed without overlap, the legend as a control, filters.
// The server says which labels may be drawn (candidates in priority order, at rest) and what the
// legend and the filter are; this module draws them over the video and sends the editors' clicks.
// client.js calls startExplore() once with what it shares (state, send, the stage, the media).

const LABEL_GAP_PX = 3;                                       // between a node's rim and its label
const LABEL_SPACING_PX = 6;                                   // between two labels side by side ("116 539", not "116539")
const LABEL_RETURN_MS = 1000;                                 // labels hidden by local input come back

export function startExplore({state, send, stage, activeMedia, editing, params}) {
  const labelLayer = document.getElementById("labels");
  const legend = document.getElementById("legend");
  const legendEntries = document.getElementById("legend-entries");
  const filterForm = document.getElementById("filters");
  const filterCount = document.getElementById("filter-count");
  const attributeChoice = document.getElementById("filter-attribute");
  const received = {labels: [], hover: null, selection: null};
  let hiddenUntilMs = 0;
  let urlFilterSent = false;
  Object.assign(state, {labels: [], legend: null, filter: null});

  // ---- labels ------------------------------------------------------------------------------------
  // Each candidate becomes a span; one layout pass measures them all; then the greedy placement keeps,
  // in priority order, each box that lies inside the picture and meets none already kept (nor comes
  // within LABEL_SPACING_PX of one beside it, where two numbers would read as one).
  function showLabels() {
    labelLayer.replaceChildren();
    state.labels = [];
    if (performance.now() < hiddenUntilMs) return;
    const box = activeMedia().getBoundingClientRect(), origin = stage.getBoundingClientRect();
    if (!box.width || !box.height) return;
    const candidates = [[received.selection, "label selected"], [received.hover, "label hovered"],
                        ...received.labels.map((label) => [label, "label"])].filter(([label]) => label);
    const spans = candidates.map(([label, className]) => {
      const span = document.createElement("span");
      span.className = className;
      span.textContent = label.text;
      span.dataset.node = label.node;
      labelLayer.append(span);
      return span;
    });
    const sizes = spans.map((span) => [span.offsetWidth, span.offsetHeight]);
    const left0 = box.left - origin.left, top0 = box.top - origin.top;
    const placed = [];
    candidates.forEach(([label], index) => {
      const [width, height] = sizes[index];
      const x = left0 + label.x * box.width + label.r * box.height + LABEL_GAP_PX;
      const y = top0 + label.y * box.height - height / 2;
      const inside = x >= left0 && y >= top0 && x + width <= left0 + box.width && y + height <= top0 + box.height;
      const overlaps = placed.some((other) => x < other.x + other.width + LABEL_SPACING_PX &&
                                              other.x < x + width + LABEL_SPACING_PX &&
                                              y < other.y + other.height && other.y < y + height);
      if (!inside || overlaps || !label.text) { spans[index].remove(); return; }
      spans[index].style.left = `${x}px`;
      spans[index].style.top = `${y}px`;
      placed.push({node: label.node, text: label.text, x, y, width, height});
    });
    state.labels = placed;
  }
  // The page's own input moves the picture before the server's next word: hide the labels at once.
  function hideLabelsForInput() {
    hiddenUntilMs = performance.now() + LABEL_RETURN_MS;
    labelLayer.replaceChildren();
    state.labels = [];
    setTimeout(showLabels, LABEL_RETURN_MS + 20);
  }
  function onLabels(message) {
    received.labels = message.labels;
    hiddenUntilMs = 0;                                          // the server's word is the newer
    showLabels();
  }
  function onPointedLabels(message) {
    received.hover = message.hover;
    received.selection = message.selection;
    showLabels();
  }

  // ---- legend ------------------------------------------------------------------------------------
  // Click: highlight (for everyone) or clear; shift-click: hide or show; alt- or ctrl-click: isolate.
  function onLegend(message) {
    state.legend = message;
    legend.hidden = message.entries.length === 0;
    document.getElementById("legend-title").textContent = message.title;
    legendEntries.replaceChildren();
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
      item.title = "click: highlight · shift-click: hide · alt-click: only this";
      item.addEventListener("click", (event) => {
        if (!editing()) return;
        const action = event.shiftKey ? "hide" : event.altKey || event.ctrlKey || event.metaKey ? "isolate" : "highlight";
        send("legend", {category: entry.category, action});
      });
      legendEntries.append(item);
    }
    const reset = document.getElementById("legend-reset");
    reset.hidden = !message.highlighted.length && !message.hidden.length;
  }
  document.getElementById("legend-reset").addEventListener("click", () => {
    if (editing()) send("legend", {category: 0, action: "reset"});
  });

  // ---- filters -----------------------------------------------------------------------------------
  function number(id) {
    const text = document.getElementById(id).value.trim();
    return text === "" ? null : Number(text);
  }
  function formFilter() {
    const current = state.filter ? state.filter.filter : {};
    const filter = {mode: document.getElementById("filter-mode").value, hidden: current.hidden || []};
    if (current.time) filter.time = current.time;               // the time slider's window stays
    const low = number("filter-degree-min"), high = number("filter-degree-max");
    if (low !== null || high !== null) filter.degree = [low ?? 0, high ?? 1e15];
    const core = number("filter-k-core"), hops = number("filter-hops");
    if (core) filter.k_core = core;
    if (hops) filter.hops = hops;
    const attribute = attributeChoice.value, value = document.getElementById("filter-value").value.trim();
    if (attribute && value) {
      filter.attribute = attribute;
      const range = value.match(/^(-?[\d.e+]+)\s*(?:\.\.|–|-)\s*(-?[\d.e+]+)$/);
      if (range) filter.value_range = [Number(range[1]), Number(range[2])];
      else filter.values = value.split(",").map((part) => part.trim()).filter(Boolean);
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
    filterCount.textContent = `${message.shown.toLocaleString()} of ${message.nodes.toLocaleString()} nodes shown`;
    const set = (id, value) => { document.getElementById(id).value = value ?? ""; };
    set("filter-degree-min", filter.degree ? filter.degree[0] : null);
    set("filter-degree-max", filter.degree && filter.degree[1] < 1e15 ? filter.degree[1] : null);
    set("filter-k-core", filter.k_core || null);
    set("filter-hops", filter.hops || null);
    set("filter-mode", filter.mode);
    if (filter.attribute) attributeChoice.value = filter.attribute;
    set("filter-value", filter.value_range ? filter.value_range.join("..") : (filter.values || []).join(", "));
    document.getElementById("filter-relayout").checked = message.shown_only;
    showTimeOf(filter);
    // The address shares the filter: whoever opens it (an editor) applies it.
    const address = new URL(location.href);
    const active = Object.keys(filter).some((name) => name !== "mode");
    if (active) address.searchParams.set("filter", JSON.stringify(filter));
    else address.searchParams.delete("filter");
    if (!location.href.startsWith("about:")) history.replaceState(null, "", address);
  }
  function onHello(hello) {
    showTimeline(hello.view);
    const attributes = (hello.view && hello.view.attributes) || [];
    attributeChoice.replaceChildren(new Option("attribute…", ""), ...attributes.map((name) => new Option(name, name)));
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

  return {onLabels, onPointedLabels, onLegend, onFilter, onHello, showLabels, hideLabelsForInput, showTimeline};
}
