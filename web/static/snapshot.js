// A snapshot page: the live page's look and controls over a picture drawn here, from data carried in the
// file (helios_app/io/snapshot.py writes it; web/bundle.py inlines this module and its imports). No
// server, no network: local_view.js answers what the server would (search, filter, legend, picking,
// labels) and explore.js and panels.js, the live page's own modules, show the answers.

import { Camera, Flight, framing, ZOOM_PER_WHEEL_UNIT, CLICK_TOLERANCE, ROTATE_DEGREES_PER_FRAME_WIDTH,
  ROTATE_DEGREES_PER_FRAME_HEIGHT } from "./camera.js";
import { createRenderer } from "./render.js";
import { readSnapshot } from "./snapshot_data.js";
import { LocalView, themeColours } from "./local_view.js";
import { edgeTriangles } from "./edge_shapes.js";
import { startExplore } from "./explore.js";
import { startPanels } from "./panels.js";

const REST_MS = 250;                                 // the full picture and the labels follow this long after motion
const KEY_PAN_FRACTION = 0.1;                        // an arrow key pans this much of the picture
const KEY_ZOOM_FACTOR = 1.25;
const MAX_SHAPED_EDGES = {webgl2: 20000, canvas2d: 5000};  // arrowheads, curves and loops drawn at most (showShapes)
const params = new URLSearchParams(location.search);
const stage = document.getElementById("stage");
let canvas = document.getElementById("frames");         // replaced by a fresh one if WebGL is lost for good
const state = window.__helios = {snapshot: true, ready: false, errors: [], renderer: null, selection: null,
                                 searchResults: null, framesDrawn: 0, firstPictureMs: null, moving: false};
const messageLine = document.getElementById("message");

function fail(error) {
  state.errors.push(String(error && error.message || error));
  messageLine.textContent = `this snapshot cannot be shown: ${error && error.message || error}`;
  console.error("helios:", error);
}

async function main() {
  const started = performance.now();
  document.getElementById("status").textContent = "opening…";
  const snapshot = await readSnapshot();
  const header = snapshot.header;
  const view = new LocalView(snapshot);
  state.view = view;
  let camera = new Camera(header.camera);
  let flight = null;
  let renderer = null;
  let movingUntil = 0, drawPending = false, labelsDue = true;
  const places = new Float32Array(2 * view.nodeCount);
  const depths = header.dimensions === 3 ? new Float32Array(view.nodeCount) : null;
  // The nodes' world positions: 2D nodes sit a little in front of their edges, as in the scene.
  const world = new Float32Array(view.positions);
  if (header.dimensions === 2) for (let node = 0; node < view.nodeCount; node++) world[3 * node + 2] += 0.01;

  // ---- the page around the picture ---------------------------------------------------------------------
  canvas.hidden = false;
  canvas.setAttribute("aria-label", `picture of the graph ${header.title}`);
  const made = new Date(header.made);
  const sampled = header.edges_sampled ? ` (a sample of ${header.edges_sampled.kept.toLocaleString()} of ` +
    `${header.edges_sampled.total.toLocaleString()} edges: more would not draw smoothly in a browser)` : "";
  document.getElementById("title").textContent = `${header.title} · ${header.nodes.toLocaleString()} nodes · ` +
    `${header.layout_edges.toLocaleString()} edges`;
  document.getElementById("hud").textContent = `a Helios snapshot, made ${made.toISOString().slice(0, 16).replace("T", " ")} UTC` +
    `${header.layout ? " · layout " + header.layout : ""} · Helios ${header.helios_version}${sampled}`;
  document.querySelector("footer").textContent = "drag: " + (header.dimensions === 3 ? "rotate" : "pan") +
    " · right- or shift-drag: pan · wheel: zoom · click a node: details · double-click: reset view · " +
    "keys on the picture: arrows pan, + and − zoom, 0 resets · the legend: click highlights, shift-click hides, alt-click isolates";
  const themeButton = document.getElementById("theme");
  themeButton.hidden = false;

  const explore = startExplore({state, send, stage, activeMedia: () => canvas, editing: () => true, params});
  const panels = startPanels({state, send, editing: () => true, selectionShown: () => false});

  // ---- the renderer: WebGL2, or Canvas 2D where WebGL is missing or its context is lost for good ------
  function useRenderer(prefer) {
    if (renderer) {
      renderer.dispose();
      // A canvas that had a WebGL context cannot give a 2D one: draw on a fresh canvas in its place.
      const fresh = canvas.cloneNode(false);
      canvas.replaceWith(fresh);
      canvas = fresh;
      canvas.width = Math.max(1, Math.round(stage.clientWidth * (window.devicePixelRatio || 1)));
      canvas.height = Math.max(1, Math.round(stage.clientHeight * (window.devicePixelRatio || 1)));
    }
    renderer = createRenderer(canvas, {prefer});
    state.renderer = renderer.kind;
    renderer.setScene({dimensions: header.dimensions, positions: world, edges: view.edges,
                       background: themeColours(view.theme).background, lodEdges: view.lodEdges});
    renderer.onContextLost(() => { state.errors.push("the WebGL context was lost: drawing with Canvas 2D"); useRenderer("canvas"); });
    restyled();
  }
  let shapesShown = false;                           // at rest: special edges as shapes; moving: as plain lines
  function restyled() {
    renderer.setNodeColors(view.nodeColors);
    renderer.setRadii(view.drawnRadii);
    renderer.setEdgeColors(view.edgeColors);
    renderer.setDrawnEdges(view.drawnEdges);
    if (view.anySpecial) renderer.setOverlay(null);
    shapesShown = false;
    labelsDue = true;
    requestDraw();
  }
  // Bent edges, loops, arrowheads and widths (edge_shapes.js), in the picture's pixels, for the camera now.
  function showShapes(show) {
    if (!view.anySpecial || show === shapesShown) return;
    shapesShown = show;
    renderer.setDrawnEdges(show ? view.plainEdges : view.drawnEdges);
    if (!show) { renderer.setOverlay(null); state.overlayTriangles = 0; return; }
    project();
    // Only the shaped edges with both ends in the picture; beyond MAX_SHAPED_EDGES of them (a big directed
    // graph seen whole) they stay plain lines: at that density an arrowhead is a pixel or two, and shaping
    // them would hold the page for seconds.
    const inside = (node) => places[2 * node] >= 0 && places[2 * node] <= 1 && places[2 * node + 1] >= 0 &&
      places[2 * node + 1] <= 1;
    const records = view.shapedEdges.filter((record) => inside(view.edges[2 * record]) && inside(view.edges[2 * record + 1]));
    state.shapesLeftOut = records.length > MAX_SHAPED_EDGES[renderer.kind];
    if (state.shapesLeftOut) {
      renderer.setDrawnEdges(view.drawnEdges);
      renderer.setOverlay(null);
      state.overlayTriangles = 0;
      return;
    }
    const pixels = placesInPixels(), radii = new Float32Array(view.nodeCount);
    const tangent = Math.tan(camera.view_angle * Math.PI / 360);
    for (let node = 0; node < view.nodeCount; node++) {
      const halfHeight = camera.parallel_projection ? camera.parallel_scale : depths[node] * tangent;
      radii[node] = view.drawnRadii[node] * canvas.height / (2 * halfHeight);
    }
    const arrays = view.arrays;
    state.overlayTriangles = 0;
    const overlay = edgeTriangles({edges: view.edges, records, pixels, radii,
                                       bends: arrays.edge_bends, loopRanks: arrays.loop_ranks, arrows: arrays.arrows,
                                       widths: arrays.edge_widths, colors: view.edgeColors});
    state.overlayTriangles = overlay.points.length / 6;
    renderer.setOverlay(overlay);
  }

  // ---- drawing: on demand, with level of detail while the picture moves --------------------------------
  function fitCanvas() {
    const ratio = window.devicePixelRatio || 1;
    const width = Math.max(1, Math.round(stage.clientWidth * ratio)), height = Math.max(1, Math.round(stage.clientHeight * ratio));
    if (canvas.width !== width || canvas.height !== height) {
      canvas.width = width;
      canvas.height = height;
      labelsDue = true;
      requestDraw();
    }
  }
  function requestDraw() {
    if (drawPending) return;
    drawPending = true;
    requestAnimationFrame(draw);
  }
  function moved() {
    movingUntil = performance.now() + REST_MS;
    labelsDue = true;
    explore.hideLabelsForInput();
    requestDraw();
  }
  function draw() {
    drawPending = false;
    const now = performance.now();
    if (flight) {
      camera = flight.cameraAt(camera, now / 1000);
      if (flight.finished(now / 1000)) flight = null;
      movingUntil = now + REST_MS;
    }
    const moving = now < movingUntil;
    state.moving = moving;
    showShapes(!moving);
    renderer.draw(camera, {moving});
    state.framesDrawn++;
    if (state.firstPictureMs === null) { state.firstPictureMs = now - started; state.firstPictureAt = now; }
    state.camera = {...camera.state(), view_angle: camera.view_angle, parallel_projection: camera.parallel_projection};
    if (moving || flight) { requestDraw(); return; }
    if (labelsDue) { labelsDue = false; showLabels(); }
  }
  function project() {
    camera.project(world, canvas.width / canvas.height, places);
    if (depths) camera.depths(world, depths);
  }
  // The nodes' places (projected last) in the canvas's pixels.
  function placesInPixels() {
    const pixels = new Float32Array(places.length);
    for (let index = 0; index < places.length; index += 2) {
      pixels[index] = places[index] * canvas.width;
      pixels[index + 1] = places[index + 1] * canvas.height;
    }
    return pixels;
  }
  function showLabels() {
    project();
    const {labels, hover, selection} = view.labels(places, depths, camera.visibleHalfHeight());
    explore.onLabels({labels});
    explore.onPointedLabels({hover, selection});
    if (view.strings.edge_labels) {
      state.edgeLabelCandidates = view.edgeLabels(placesInPixels(), canvas.width, canvas.height);
      explore.onEdgeLabels({labels: state.edgeLabelCandidates});
    }
  }
  // The node under (x, y), fractions of the picture.
  function pick(x, y) {
    project();
    return view.pick(places, x, y, canvas.clientWidth, canvas.clientHeight,
                     canvas.clientHeight / (2 * camera.visibleHalfHeight()));
  }
  state.project = (node) => { project(); return [places[2 * node], places[2 * node + 1]]; };
  state.pick = pick;

  // ---- what the server would answer ----------------------------------------------------------------------
  function publishEmphasis() {
    explore.onLegend(view.legendMessage("legend"));
    explore.onEdgeLegend(view.legendMessage("edge_legend"));
    explore.onFilter(view.filterMessage());
    restyled();
  }
  function select(node) {
    view.select(node);
    state.selection = node === null ? null : view.nodeInfo(node);
    panels.showInfo(state.selection);
    if (view.filter.hops) publishEmphasis(); else restyled();
  }
  function send(type, fields) {
    try {
      if (type === "search") panels.onSearchResults({query: fields.query, matches: view.search(fields.query)});
      else if (type === "focus") {
        select(fields.node);
        const target = [world[3 * fields.node], world[3 * fields.node + 1], world[3 * fields.node + 2]];
        flight = Flight.toward(camera, target, performance.now() / 1000);
        moved();
      } else if (type === "filter") { view.setFilter(fields.filter); publishEmphasis(); }
      else if (type === "legend" || type === "edge_legend") {
        view.legendAction(type, fields.category, fields.action);
        publishEmphasis();
      }
    } catch (error) {
      state.errors.push(error.message);
      messageLine.textContent = error.message;
    }
  }

  // ---- input: the live view's gestures, applied to this page's own camera -----------------------------
  // Input on the picture (whichever canvas draws it now).
  const onCanvas = (type, listener, options) => stage.addEventListener(type, (event) => {
    if (event.target === canvas) listener(event);
  }, options);
  let drag = null;
  const fraction = (event) => {
    const box = canvas.getBoundingClientRect();
    return [(event.clientX - box.left) / box.width, (event.clientY - box.top) / box.height];
  };
  onCanvas("contextmenu", (event) => event.preventDefault());
  onCanvas("pointerdown", (event) => {
    const [x, y] = fraction(event);
    drag = {button: event.button, shift: event.shiftKey, startX: x, startY: y, lastX: x, lastY: y, moved: false};
    flight = null;
    canvas.setPointerCapture(event.pointerId);
  });
  onCanvas("pointermove", (event) => {
    const [x, y] = fraction(event);
    if (!drag) {
      const node = pick(x, y);
      if (node !== view.hovered) { view.hovered = node; showLabels(); }
      return;
    }
    if (!drag.moved && Math.max(Math.abs(x - drag.startX), Math.abs(y - drag.startY)) < CLICK_TOLERANCE) return;
    drag.moved = true;
    const dx = x - drag.lastX, dy = y - drag.lastY;
    drag.lastX = x;
    drag.lastY = y;
    if (header.dimensions === 3 && drag.button === 0 && !drag.shift) {
      camera = camera.rotated(-dx * ROTATE_DEGREES_PER_FRAME_WIDTH, dy * ROTATE_DEGREES_PER_FRAME_HEIGHT);
    } else {
      camera = camera.panned(-dx, -dy, canvas.width / canvas.height);
    }
    moved();
  });
  onCanvas("pointerup", (event) => {
    if (drag && !drag.moved && drag.button === 0) {
      const [x, y] = fraction(event);
      select(pick(x, y));
    }
    drag = null;
  });
  onCanvas("pointercancel", () => { drag = null; });
  onCanvas("wheel", (event) => {
    event.preventDefault();
    const [x, y] = fraction(event);
    const delta = event.deltaMode === 1 ? event.deltaY * 40 : event.deltaY;
    camera = camera.zoomed(ZOOM_PER_WHEEL_UNIT ** (-Math.max(-2400, Math.min(2400, delta))), x, y, canvas.width / canvas.height);
    moved();
  }, {passive: false});
  onCanvas("dblclick", (event) => {
    const [x, y] = fraction(event);
    if (pick(x, y) !== null) return;
    camera = framing(header.dimensions);
    flight = null;
    moved();
  });
  stage.addEventListener("keydown", (event) => {
    if (event.target !== stage && event.target !== canvas) return;   // keys typed in a field stay there
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    const aspect = canvas.width / canvas.height;
    const pans = {ArrowLeft: [-KEY_PAN_FRACTION, 0], ArrowRight: [KEY_PAN_FRACTION, 0],
                  ArrowUp: [0, -KEY_PAN_FRACTION], ArrowDown: [0, KEY_PAN_FRACTION]};
    if (event.key in pans) camera = camera.panned(...pans[event.key], aspect);
    else if (event.key === "+" || event.key === "=") camera = camera.zoomed(KEY_ZOOM_FACTOR, 0.5, 0.5, aspect);
    else if (event.key === "-") camera = camera.zoomed(1 / KEY_ZOOM_FACTOR, 0.5, 0.5, aspect);
    else if (event.key === "0") camera = framing(header.dimensions);
    else if (event.key === "Escape") { select(null); return; }
    else return;
    event.preventDefault();
    moved();
  });
  themeButton.addEventListener("click", () => {
    const next = view.theme === "dark" ? "light" : "dark";
    view.setTheme(next);
    document.body.classList.toggle("light", next === "light");
    themeButton.textContent = next === "dark" ? "light theme" : "dark theme";
    renderer.setScene({dimensions: header.dimensions, positions: world, edges: view.edges,
                       background: themeColours(next).background, lodEdges: view.lodEdges});
    restyled();
  });

  // ---- start: the header's state, then the first picture -------------------------------------------------
  document.body.classList.toggle("light", view.theme === "light");
  themeButton.textContent = view.theme === "dark" ? "light theme" : "dark theme";
  explore.onHello({role: "editor", view: header.view});
  new ResizeObserver(fitCanvas).observe(stage);
  fitCanvas();
  useRenderer(params.get("renderer") === "canvas" ? "canvas" : "webgl");
  publishEmphasis();
  if (view.selected !== null && view.selected !== undefined) {
    state.selection = view.nodeInfo(view.selected);
    panels.showInfo(state.selection);
  }
  document.getElementById("status").textContent = "";
  state.ready = true;
}

main().catch(fail);
