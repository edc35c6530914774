// Edges as page text: the tooltip of the edge under this page's pointer and the selected edge in the
// info panel. The server picks the edge (under any viewer's pointer, clicked by any viewer) and says so
// to every page ("edge_hover", "edge_selection": {index, source, target, source_label, target_label,
// directed, weight, attributes} or null; a hover names the viewer whose pointer it is under); a page shows
// the tooltip only for its own pointer, while it rests on the picture, beside it. Edge labels and the edge legend
// live with the node ones in explore.js. client.js calls startEdges() once with what it shares.

const TOOLTIP_OFFSET_PX = 14;                                 // from the pointer to the tooltip's corner
const POINTER_FRESH_MS = 3000;                                // a hover answers a pointer this recent

export function startEdges({state, stage, showLabels}) {
  const tooltip = document.getElementById("edge-tooltip");
  const info = document.getElementById("info");
  let pointer = null;                                         // {x, y} in the stage's CSS px, and when
  let pressed = false;
  Object.assign(state, {edge_hover: null, edge_selection: null});

  // "alpha → beta" for a directed edge, "alpha — beta" for an undirected one.
  function ends(edge) {
    return `${edge.source_label} ${edge.directed ? "→" : "—"} ${edge.target_label}`;
  }
  function shown(value) {
    if (value === null || value === undefined) return "—";
    return typeof value === "number" ? Number(value.toPrecision(6)).toLocaleString() : String(value);
  }
  // Weight, then the attributes, as [name, text] rows.
  function rows(edge) {
    const result = edge.weight === null || edge.weight === undefined ? [] : [["weight", shown(edge.weight)]];
    for (const [name, value] of Object.entries(edge.attributes || {})) {
      if (name !== "weight" || !result.length) result.push([name, shown(value)]);
    }
    return result;
  }

  // ---- the tooltip --------------------------------------------------------------------------------
  for (const media of stage.querySelectorAll("video, img, canvas")) {
    media.addEventListener("pointermove", (event) => {
      const origin = stage.getBoundingClientRect();
      pointer = {x: event.clientX - origin.left, y: event.clientY - origin.top, atMs: performance.now()};
      if (!pressed && state.edge_hover) placeTooltip();
    });
    media.addEventListener("pointerleave", () => { pointer = null; hideTooltip(); });
    media.addEventListener("pointerdown", () => { pressed = true; hideTooltip(); });
    media.addEventListener("pointerup", () => { pressed = false; });
    media.addEventListener("wheel", hideTooltip, {passive: true});
  }
  function hideTooltip() { tooltip.hidden = true; }
  function placeTooltip() {
    const bounds = stage.getBoundingClientRect();
    const width = tooltip.offsetWidth, height = tooltip.offsetHeight;
    let x = pointer.x + TOOLTIP_OFFSET_PX, y = pointer.y + TOOLTIP_OFFSET_PX;
    if (x + width > bounds.width) x = Math.max(0, pointer.x - TOOLTIP_OFFSET_PX - width);
    if (y + height > bounds.height) y = Math.max(0, pointer.y - TOOLTIP_OFFSET_PX - height);
    tooltip.style.left = `${x}px`;
    tooltip.style.top = `${y}px`;
  }
  function onEdgeHover(message) {
    state.edge_hover = message.edge;
    const edge = message.edge;
    const mine = pointer !== null && !pressed && performance.now() - pointer.atMs < POINTER_FRESH_MS &&
      (!message.viewer_id || !state.hello || message.viewer_id === state.hello.viewer_id);  // this page's pointer
    if (!edge || !mine) { hideTooltip(); return; }
    const title = document.createElement("strong");
    title.textContent = ends(edge);
    tooltip.replaceChildren(title, ...rows(edge).map(([name, text]) => {
      const line = document.createElement("span");
      line.textContent = `${name}: ${text}`;
      return line;
    }));
    tooltip.hidden = false;
    placeTooltip();
  }

  // ---- the info panel -----------------------------------------------------------------------------
  // The panel shows the selected node (client.js) or the selected edge; the server clears one when the
  // other is chosen, in either order, so a node selection cleared after an edge's leaves the edge shown.
  function showEdgeInfo(edge) {
    info.hidden = false;
    info.dataset.edge = edge.index;
    document.getElementById("info-title").textContent = ends(edge);
    const fields = document.getElementById("info-fields");
    fields.replaceChildren();
    const end = (label, id) => (String(label) === String(id) ? String(id) : `${label} (id ${id})`);
    const idRows = [["source", end(edge.source_label, edge.source)], ["target", end(edge.target_label, edge.target)],
                    ["direction", edge.directed ? "directed" : "undirected"]];
    for (const [name, value] of [...idRows, ...rows(edge)]) {
      const term = document.createElement("dt"), detail = document.createElement("dd");
      term.textContent = name;
      detail.textContent = value === null ? "—" : String(value);
      fields.append(term, detail);
    }
  }
  function onEdgeSelection(message) {
    const before = state.edge_selection;
    state.edge_selection = message.edge;
    if (message.edge) showEdgeInfo(message.edge);
    else if (before && info.dataset.edge === String(before.index)) {   // the panel still shows that edge
      delete info.dataset.edge;
      if (!state.selection) info.hidden = true;
    }
    showLabels();                                             // the selected edge's label stands out
  }
  // After client.js showed a node selection (or cleared it).
  function onNodeSelection(node) {
    if (node) delete info.dataset.edge;
    else if (state.edge_selection) showEdgeInfo(state.edge_selection);
  }

  return {onEdgeHover, onEdgeSelection, onNodeSelection};
}
