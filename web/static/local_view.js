// A snapshot's own view of its data: what the server does for a live page, done in the page. It answers
// the same questions with the same rules, so explore.js and panels.js work unchanged:
//   search (helios_app/session.py `search`), node details (`node_info`), the filter
//   (helios_app/graph/filters.py `shown_nodes`, `shown_edges`, `k_core`, `neighbourhood`; time from
//   helios_app/graph/timeline.py), the legends (`_legend_step`), what is dimmed, faded and hidden
//   (helios_app/render/scene.py `set_emphasis`, `_restyle`), picking (`pick`) and the label candidates
//   (`_queue_page_labels`, helios_app/render/labels.py `label_candidates`).

import { specialRecords } from "./edge_shapes.js";

export const DIMMED_MIX = 0.78;          // a node or edge outside the selection or the highlight fades this far
export const FILTERED_MIX = 0.9;         // ... and one the filter leaves out this far (its "fade" mode)
export const EDGE_ENDPOINT_TINT = 0.35;  // an edge takes this much of its ends' colours (the rest: the theme's grey)
export const PICK_RADIUS_PX = 6;         // a click this near a node's centre still hits it
export const MAX_LABEL_CANDIDATES = 600; // the highest-priority nodes in the picture offered a label
export const SEARCH_RESULTS = 10;
export const MAX_EDGE_LABELS = 300;      // edge label candidates offered (helios_app/render/edges.py)
export const LABEL_PX_PER_CHARACTER = 7;
export const EDGE_LABEL_MARGIN_PX = 12;
export const LOD_EDGES = 30000;          // edges drawn while the picture moves (a fixed random sample)
export const THEMES = {                  // helios_app/render/scene.py THEMES, as 0-255
  dark: {background: [0.07, 0.07, 0.09], edge: [0.36, 0.38, 0.45], text: [0.93, 0.93, 0.93]},
  light: {background: [0.98, 0.98, 0.97], edge: [0.70, 0.71, 0.75], text: [0.08, 0.08, 0.10]},
};
const MAX_HOPS = 3;

export function themeColours(name) {
  const theme = THEMES[name] || THEMES.dark;
  const bytes = (floats) => floats.map((value) => value * 255);
  return {background: bytes(theme.background), edge: bytes(theme.edge), text: bytes(theme.text)};
}

function present(count, owner, start, end, window) {
  // timeline.py `_present`: an element with intervals is present when one overlaps the closed window.
  const flags = new Uint8Array(count).fill(1);
  if (!window || !owner) return flags;
  const [first, last] = window;
  for (let row = 0; row < owner.length; row++) flags[owner[row]] = 0;
  for (let row = 0; row < owner.length; row++) {
    if (start[row] <= last && (end[row] > first || start[row] >= first)) flags[owner[row]] = 1;
  }
  return flags;
}

// Compressed adjacency (both directions) of the given node pairs.
function adjacency(count, first, second) {
  const offsets = new Uint32Array(count + 1);
  for (let index = 0; index < first.length; index++) { offsets[first[index] + 1]++; offsets[second[index] + 1]++; }
  for (let node = 0; node < count; node++) offsets[node + 1] += offsets[node];
  const fill = offsets.slice(0, count), neighbours = new Uint32Array(offsets[count]);
  for (let index = 0; index < first.length; index++) {
    neighbours[fill[first[index]]++] = second[index];
    neighbours[fill[second[index]]++] = first[index];
  }
  return {offsets, neighbours};
}

export class LocalView {
  constructor({header, arrays, strings, positions}) {
    this.header = header;
    this.arrays = arrays;
    this.strings = strings;
    this.positions = positions;
    this.nodeCount = header.nodes;
    this.edgeCount = header.edges;
    this.edges = arrays.edges;
    this.radii = arrays.radii;
    this.degree = arrays.degree;
    // Layout edges (what the filter's degree, k-core and hops count): the first record of each.
    const layoutCount = header.layout_edges, layoutIndex = arrays.layout_index;
    this.layoutFirst = new Uint32Array(layoutCount);
    this.layoutSecond = new Uint32Array(layoutCount);
    const seen = new Uint8Array(layoutCount);
    for (let record = 0; record < this.edgeCount; record++) {
      const row = layoutIndex[record];
      if (row < 0 || seen[row]) continue;
      seen[row] = 1;
      this.layoutFirst[row] = this.edges[2 * record];
      this.layoutSecond[row] = this.edges[2 * record + 1];
    }
    this.layoutSeen = seen;
    const first = new Uint32Array(this.edgeCount), second = new Uint32Array(this.edgeCount);
    for (let record = 0; record < this.edgeCount; record++) {
      first[record] = this.edges[2 * record];
      second[record] = this.edges[2 * record + 1];
    }
    this.recordFirst = first;
    this.recordSecond = second;
    this.recordNeighbours = adjacency(this.nodeCount, first, second);
    this.lowerLabels = strings.labels.map((text) => text.toLowerCase());
    this.lowerIds = strings.ids.map((text) => text.toLowerCase());
    this.lodEdges = this.edgeCount > LOD_EDGES ? sample(this.edgeCount, LOD_EDGES) : null;
    // Records drawn as shapes at rest (bent, loops, arrows, widths: edge_shapes.js), not as plain lines.
    this.special = specialRecords({edges: this.edges, bends: arrays.edge_bends, arrows: arrays.arrows,
                                   widths: arrays.edge_widths});
    this.anySpecial = this.special.includes(1);
    // What is shown: the header's state at first.
    this.filter = header.filter || {mode: "fade"};
    this.highlighted = new Set(header.legend.highlighted);
    this.edgeHighlighted = new Set(header.edge_legend.highlighted);
    this.selected = header.selected;
    this.nodeSelection = new Set(header.node_selection);
    this.hovered = null;
    this.theme = header.theme;
    this.baseEdgeColors = arrays.edge_colors;
    this.refresh();
  }

  // ---- node details and search ----------------------------------------------------------------------
  nodeInfo(node) {
    const attributes = {};
    for (const [name, column] of Object.entries(this.strings.attributes)) {
      attributes[name] = column.values[this.arrays[`attribute_codes:${name}`][node]];
    }
    return {index: node, id: this.strings.ids[node], label: this.strings.labels[node], degree: this.degree[node],
            attributes};
  }
  search(query) {
    const needle = query.trim().toLowerCase();
    if (!needle) return [];
    const ranked = [];
    for (let node = 0; node < this.nodeCount; node++) {
      const text = this.lowerLabels[node], id = this.lowerIds[node];
      if (!text.includes(needle) && !id.includes(needle)) continue;
      const rank = needle === text || needle === id ? 0 : text.startsWith(needle) ? 1 : 2;
      ranked.push([rank, -this.degree[node], node]);
    }
    ranked.sort((a, b) => a[0] - b[0] || a[1] - b[1] || a[2] - b[2]);
    return ranked.slice(0, SEARCH_RESULTS).map(([, negativeDegree, node]) => (
      {node, id: this.strings.ids[node], label: this.strings.labels[node], degree: -negativeDegree}));
  }

  // ---- filter and legends -----------------------------------------------------------------------------
  // A filter as the page's form and the address send it; an unknown attribute is refused naming it.
  setFilter(filter) {
    const check = (name, known, what) => {
      if (name && !known.includes(name)) {
        throw new Error(`filter.${what}: no ${what === "attribute" ? "node" : "edge"} attribute ${JSON.stringify(name)}; ` +
                        `choose from ${known.join(", ") || "none"}`);
      }
    };
    check(filter.attribute, this.header.view.attributes, "attribute");
    check(filter.edge_attribute, this.header.view.edge_attributes, "edge_attribute");
    if (filter.hops && !(filter.hops >= 1 && filter.hops <= MAX_HOPS)) throw new Error(`filter.hops must be 1 to ${MAX_HOPS}`);
    this.filter = {mode: filter.mode === "hide" ? "hide" : "fade", ...filter};
    this.refresh();
  }
  legendAction(kind, category, action) {
    const legend = kind === "legend" ? this.header.legend : this.header.edge_legend;
    const entries = legend.entries.length ? Math.max(...legend.entries.map((entry) => entry.category)) + 1 : 0;
    const hiddenKey = kind === "legend" ? "hidden" : "edge_hidden";
    let hidden = new Set(this.filter[hiddenKey] || []);
    let highlighted = kind === "legend" ? this.highlighted : this.edgeHighlighted;
    if (action === "highlight") {
      highlighted = new Set(highlighted);
      if (highlighted.has(category)) highlighted.delete(category); else highlighted.add(category);
    } else if (action === "hide") {
      if (hidden.has(category)) hidden.delete(category); else hidden.add(category);
      highlighted = new Set([...highlighted].filter((entry) => entry !== category));
    } else if (action === "isolate") {
      hidden = new Set(Array.from({length: entries}, (_, entry) => entry).filter((entry) => entry !== category));
      highlighted = new Set();
    } else {
      hidden = new Set();
      highlighted = new Set();
    }
    if (kind === "legend") this.highlighted = highlighted; else this.edgeHighlighted = highlighted;
    this.filter = {...this.filter, [hiddenKey]: [...hidden].sort((a, b) => a - b)};
    if (!this.filter[hiddenKey].length) delete this.filter[hiddenKey];
    this.refresh();
  }
  select(node) {
    this.selected = node;
    this.nodeSelection = new Set(node === null ? [] : [node]);   // a click selects that node alone
    this.refresh();
  }

  legendMessage(kind) {
    const legend = kind === "legend" ? this.header.legend : this.header.edge_legend;
    const highlighted = kind === "legend" ? this.highlighted : this.edgeHighlighted;
    const hidden = this.filter[kind === "legend" ? "hidden" : "edge_hidden"] || [];
    return {type: kind, title: legend.title, entries: legend.entries, highlighted: [...highlighted].sort((a, b) => a - b),
            hidden: [...hidden]};
  }
  filterMessage() {
    return {type: "filter", filter: this.filter, shown: this.shownCount, nodes: this.nodeCount, shown_only: false};
  }

  // The nodes that pass every criterion (filters.py shown_nodes), and the edge records that pass the
  // edge criteria (shown_edges) or null, for the time window's present nodes and records.
  shownNodes(nodePresent, recordPresent) {
    const filter = this.filter, count = this.nodeCount;
    const shown = new Uint8Array(count).fill(1);
    const layoutPresent = new Uint8Array(this.layoutFirst.length);
    for (let record = 0; record < this.edgeCount; record++) {
      const row = this.arrays.layout_index[record];
      if (row >= 0 && recordPresent[record]) layoutPresent[row] = 1;
    }
    if (filter.degree) {
      const degree = filter.time ? this.degreesOf(layoutPresent) : this.degree;
      for (let node = 0; node < count; node++) {
        if (degree[node] < filter.degree[0] || degree[node] > filter.degree[1]) shown[node] = 0;
      }
    }
    if (filter.attribute && ((filter.values && filter.values.length) || filter.value_range)) {
      const column = filter.attribute === "label" ? null : this.strings.attributes[filter.attribute];
      const codes = column ? this.arrays[`attribute_codes:${filter.attribute}`] : null;
      const wanted = new Set(filter.values || []);
      for (let node = 0; node < count; node++) {
        const text = column ? column.texts[codes[node]] : this.strings.labels[node];
        if (wanted.size && !wanted.has(text)) shown[node] = 0;
        if (filter.value_range) {
          const number = column ? column.numbers[codes[node]] : null;
          if (number === null || !(number >= filter.value_range[0] && number <= filter.value_range[1])) shown[node] = 0;
        }
      }
    }
    if (filter.hidden && filter.hidden.length && this.arrays.categories) {
      const hidden = new Set(filter.hidden), categories = this.arrays.categories;
      for (let node = 0; node < count; node++) if (hidden.has(categories[node])) shown[node] = 0;
    }
    for (const [names, keep] of [[filter.only_nodes, true], [filter.hidden_nodes, false]]) {
      if (!names || !names.length) continue;
      const wanted = new Set(names);
      for (let node = 0; node < count; node++) if (wanted.has(this.strings.ids[node]) !== keep) shown[node] = 0;
    }
    if (filter.k_core) {
      const core = this.kCore(layoutPresent, filter.k_core);
      for (let node = 0; node < count; node++) if (!core[node]) shown[node] = 0;
    }
    if (filter.hops) {
      const near = this.neighbourhood(layoutPresent, this.selected, filter.hops);
      for (let node = 0; node < count; node++) if (!near[node]) shown[node] = 0;
    }
    return shown;
  }
  shownEdges() {
    const filter = this.filter;
    const tested = filter.edge_attribute && ((filter.edge_values && filter.edge_values.length) || filter.edge_range);
    if (!(filter.edge_hidden && filter.edge_hidden.length) && !tested) return null;
    const shown = new Uint8Array(this.edgeCount).fill(1);
    if (tested) {
      const column = this.strings.edge_attributes[filter.edge_attribute];
      const codes = this.arrays[`edge_attribute_codes:${filter.edge_attribute}`];
      const wanted = new Set(filter.edge_values || []);
      for (let record = 0; record < this.edgeCount; record++) {
        if (wanted.size && !wanted.has(column.texts[codes[record]])) shown[record] = 0;
        if (filter.edge_range) {
          const number = column.numbers[codes[record]];
          if (number === null || !(number >= filter.edge_range[0] && number <= filter.edge_range[1])) shown[record] = 0;
        }
      }
    }
    if (filter.edge_hidden && filter.edge_hidden.length && this.arrays.edge_categories) {
      const hidden = new Set(filter.edge_hidden), categories = this.arrays.edge_categories;
      for (let record = 0; record < this.edgeCount; record++) if (hidden.has(categories[record])) shown[record] = 0;
    }
    return shown;
  }
  degreesOf(layoutPresent) {
    const degree = new Uint32Array(this.nodeCount);
    for (let row = 0; row < layoutPresent.length; row++) {
      if (layoutPresent[row]) { degree[this.layoutFirst[row]]++; degree[this.layoutSecond[row]]++; }
    }
    return degree;
  }
  // filters.py k_core: nodes with fewer than k remaining neighbours leave until none does (a queue
  // instead of rounds: the same fixed point).
  kCore(layoutPresent, k) {
    const count = this.nodeCount, {offsets, neighbours} = this.presentAdjacency(layoutPresent);
    const degree = new Int32Array(count), inside = new Uint8Array(count).fill(1), queue = [];
    for (let node = 0; node < count; node++) {
      degree[node] = offsets[node + 1] - offsets[node];
      if (degree[node] < k) { inside[node] = 0; queue.push(node); }
    }
    while (queue.length) {
      const node = queue.pop();
      for (let slot = offsets[node]; slot < offsets[node + 1]; slot++) {
        const other = neighbours[slot];
        if (inside[other] && --degree[other] < k) { inside[other] = 0; queue.push(other); }
      }
    }
    return inside;
  }
  // The adjacency of the layout edges present (what the k-core and the hops count).
  presentAdjacency(layoutPresent) {
    const first = [], second = [];
    for (let row = 0; row < layoutPresent.length; row++) {
      if (layoutPresent[row]) { first.push(this.layoutFirst[row]); second.push(this.layoutSecond[row]); }
    }
    return adjacency(this.nodeCount, first, second);
  }
  neighbourhood(layoutPresent, node, hops) {
    const reached = new Uint8Array(this.nodeCount);
    if (node === null || node === undefined || node < 0 || node >= this.nodeCount) return reached;
    const {offsets, neighbours} = this.presentAdjacency(layoutPresent);
    let frontier = [node];
    reached[node] = 1;
    for (let hop = 0; hop < hops && frontier.length; hop++) {
      const next = [];
      for (const current of frontier) {
        for (let slot = offsets[current]; slot < offsets[current + 1]; slot++) {
          const other = neighbours[slot];
          if (!reached[other]) { reached[other] = 1; next.push(other); }
        }
      }
      frontier = next;
    }
    return reached;
  }

  // ---- what is drawn (scene.py set_emphasis and _restyle) -----------------------------------------------
  refresh() {
    const n = this.nodeCount, m = this.edgeCount, arrays = this.arrays, filter = this.filter;
    const window = this.header.view.time_range && filter.time ? filter.time : null;
    const nodePresent = present(n, arrays.node_times_owner, arrays.node_times_start, arrays.node_times_end, window);
    const recordPresent = present(m, arrays.edge_times_owner, arrays.edge_times_start, arrays.edge_times_end, window);
    for (let record = 0; record < m; record++) {
      if (!nodePresent[this.recordFirst[record]] || !nodePresent[this.recordSecond[record]]) recordPresent[record] = 0;
    }
    const shown = this.shownNodes(nodePresent, recordPresent);
    for (let node = 0; node < n; node++) if (!nodePresent[node]) shown[node] = 0;
    const edgesShown = this.shownEdges();
    const hideMode = filter.mode === "hide";
    const hidden = new Uint8Array(n);
    let shownCount = 0;
    for (let node = 0; node < n; node++) {
      shownCount += shown[node];
      hidden[node] = hideMode ? !shown[node] : !nodePresent[node];
    }
    this.shown = shown;
    this.hidden = hidden;
    this.shownCount = shownCount;
    // Bright: the legend's highlight and the selection (when any), within the picked node's neighbourhood.
    let bright = null;
    if (this.highlighted.size && arrays.categories) {
      bright = new Uint8Array(n);
      for (let node = 0; node < n; node++) bright[node] = this.highlighted.has(arrays.categories[node]) ? 1 : 0;
    }
    if (this.nodeSelection.size) {
      bright = bright || new Uint8Array(n);
      for (const node of this.nodeSelection) if (node < n) bright[node] = 1;
    }
    this.stressed = bright;                                      // the highlight and selection (null: none)
    bright = bright ? new Uint8Array(bright) : new Uint8Array(n).fill(1);
    if (this.selected !== null && this.selected !== undefined) {
      const near = new Uint8Array(n), {offsets, neighbours} = this.recordNeighbours;
      near[this.selected] = 1;
      for (let slot = offsets[this.selected]; slot < offsets[this.selected + 1]; slot++) near[neighbours[slot]] = 1;
      for (let node = 0; node < n; node++) bright[node] &= near[node];
    }
    const {background, text} = themeColours(this.theme);
    const mix = (target, offset, source, amount) => {
      for (let channel = 0; channel < 3; channel++) {
        target[offset + channel] = Math.round(source[offset + channel] * (1 - amount) + background[channel] * amount);
      }
    };
    const base = arrays.node_colors, nodeColors = new Uint8Array(base);
    const radii = new Float32Array(this.radii);
    for (let node = 0; node < n; node++) {
      if (!shown[node]) mix(nodeColors, 3 * node, base, FILTERED_MIX);
      else if (!bright[node]) mix(nodeColors, 3 * node, base, DIMMED_MIX);
      if (hidden[node]) radii[node] = 0;
    }
    let stressedEdges = null;
    if (this.edgeHighlighted.size && arrays.edge_categories) {
      stressedEdges = new Uint8Array(m);
      for (let record = 0; record < m; record++) stressedEdges[record] = this.edgeHighlighted.has(arrays.edge_categories[record]);
    }
    this.stressedEdges = stressedEdges;
    const edgeBase = this.baseEdgeColors, edgeColors = new Uint8Array(edgeBase);
    const stressedColour = text.map((value) => Math.round(value * 0.8));
    const drawn = [];
    for (let record = 0; record < m; record++) {
      const a = this.recordFirst[record], b = this.recordSecond[record];
      if (!shown[a] || !shown[b]) mix(edgeColors, 3 * record, edgeBase, FILTERED_MIX);
      else if (!(bright[a] && bright[b]) || (stressedEdges && !stressedEdges[record])) {
        mix(edgeColors, 3 * record, edgeBase, DIMMED_MIX);
      }
      if (this.selected !== null && this.selected !== undefined && !this.header.edge_colors_encoded &&
          (a === this.selected || b === this.selected) && shown[a] && shown[b]) {
        edgeColors.set(stressedColour, 3 * record);
      }
      if (recordPresent[record] && (!edgesShown || edgesShown[record]) && !hidden[a] && !hidden[b]) drawn.push(record);
    }
    this.nodeColors = nodeColors;
    this.drawnRadii = radii;
    this.edgeColors = edgeColors;
    this.drawnEdges = drawn.length === m ? null : Uint32Array.from(drawn);
    this.plainEdges = this.anySpecial ? Uint32Array.from(drawn.filter((record) => !this.special[record])) : this.drawnEdges;
    this.shapedEdges = this.anySpecial ? drawn.filter((record) => this.special[record]) : [];
    this.bright = bright;
  }

  // The theme changes the background the dimming mixes toward, and the grey of edges tinted by their ends.
  setTheme(name) {
    this.theme = name;
    if (!this.header.edge_colors_encoded) {
      const grey = themeColours(name).edge, colors = new Uint8Array(3 * this.edgeCount), base = this.arrays.node_colors;
      for (let record = 0; record < this.edgeCount; record++) {
        const a = 3 * this.recordFirst[record], b = 3 * this.recordSecond[record];
        for (let channel = 0; channel < 3; channel++) {
          const ends = (base[a + channel] + base[b + channel]) / 2;
          colors[3 * record + channel] = Math.round(grey[channel] * (1 - EDGE_ENDPOINT_TINT) + ends * EDGE_ENDPOINT_TINT);
        }
      }
      this.baseEdgeColors = colors;
    }
    this.refresh();
  }

  // ---- picking and labels ---------------------------------------------------------------------------------
  // places: Float32Array n*2 of the nodes' centres as fractions of the picture (camera.project).
  pick(places, x, y, width, height, pixelsPerUnit) {
    let best = null, bestDistance = Infinity;
    for (let node = 0; node < this.nodeCount; node++) {
      if (this.hidden[node]) continue;
      const distance = Math.hypot((places[2 * node] - x) * width, (places[2 * node + 1] - y) * height);
      if (distance <= Math.max(this.radii[node] * pixelsPerUnit, PICK_RADIUS_PX) && distance < bestDistance) {
        best = node;
        bestDistance = distance;
      }
    }
    return best;
  }
  // {labels: [{node, text, x, y, r}], hover, selection} as the server's labels and pointed_labels messages.
  labels(places, depths, halfHeight) {
    const order = this.arrays.label_order, entry = (node) => ({
      node, text: this.strings.labels[node], x: places[2 * node], y: places[2 * node + 1],
      r: this.radii[node] / (2 * halfHeight),
    });
    const inside = (node) => {
      const x = places[2 * node], y = places[2 * node + 1];
      return x >= 0 && x < 1 && y >= 0 && y < 1 && Number.isFinite(x) && Number.isFinite(y) && (!depths || depths[node] > 0);
    };
    const pointed = new Set([this.hovered, this.selected].filter((node) => node !== null && node !== undefined));
    const eligible = (node) => this.shown[node] && (!this.stressed || this.stressed[node]);
    const labels = [];
    for (let index = 0; index < order.length && labels.length < MAX_LABEL_CANDIDATES; index++) {
      const node = order[index];
      if (eligible(node) && inside(node) && !pointed.has(node)) labels.push(entry(node));
    }
    const hover = this.hovered !== null && this.hovered !== this.selected && inside(this.hovered) ? entry(this.hovered) : null;
    const selection = this.selected !== null && this.selected !== undefined && inside(this.selected) ? entry(this.selected) : null;
    return {labels, hover, selection};
  }
  // Edge labels at rest (EdgeLayer.label_candidates): the picked node's edges first, then every drawn edge
  // long enough on screen for its text, longest first; each {edge, text, x, y} at its curve's middle.
  // pixels: Float32Array n*2 node centres in pixels of a width x height picture.
  edgeLabels(pixels, width, height) {
    const texts = this.strings.edge_labels;
    if (!texts) return [];
    let drawn = this.drawnEdges || Array.from({length: this.edgeCount}, (_, record) => record);
    if (this.stressedEdges) drawn = Array.from(drawn).filter((record) => this.stressedEdges[record]);
    const bends = this.arrays.edge_bends, candidates = [];
    for (const record of drawn) {
      const a = this.recordFirst[record], b = this.recordSecond[record];
      if (a === b || !texts[record]) continue;
      const sx = pixels[2 * a], sy = pixels[2 * a + 1], tx = pixels[2 * b], ty = pixels[2 * b + 1];
      const dx = tx - sx, dy = ty - sy, length = Math.hypot(dx, dy);
      const bend = bends ? -bends[record] : 0;         // pixels run downwards: the bend flips
      const normalX = length > 0 ? -dy / length : 0, normalY = length > 0 ? dx / length : 0;
      // midpoints(): a quadratic Bézier at t = 1/2, its control point 2 * bend lengths off the chord's middle.
      const x = (sx + tx) / 2 + normalX * bend * length, y = (sy + ty) / 2 + normalY * bend * length;
      if (!(x >= 0 && x < width && y >= 0 && y < height)) continue;
      const first = this.selected !== null && this.selected !== undefined && (a === this.selected || b === this.selected);
      if (!first && length < LABEL_PX_PER_CHARACTER * texts[record].length + 2 * EDGE_LABEL_MARGIN_PX) continue;
      candidates.push({first, length, edge: record, text: texts[record], x: x / width, y: y / height});
    }
    candidates.sort((one, other) => (other.first - one.first) || (other.length - one.length));
    return candidates.slice(0, MAX_EDGE_LABELS).map(({edge, text, x, y}) => ({edge, text, x, y}));
  }
}

// A fixed random sample of `size` indices below `count`, in order (a seeded generator: the same each time).
function sample(count, size) {
  let seed = 0x9e3779b9;
  const random = () => {
    seed ^= seed << 13; seed >>>= 0; seed ^= seed >>> 17; seed ^= seed << 5; seed >>>= 0;
    return seed / 4294967296;
  };
  const chosen = new Uint8Array(count);
  let picked = 0;
  while (picked < size) {
    const index = Math.floor(random() * count);
    if (!chosen[index]) { chosen[index] = 1; picked++; }
  }
  const result = new Uint32Array(size);
  for (let index = 0, slot = 0; index < count; index++) if (chosen[index]) result[slot++] = index;
  return result;
}
