"""The snapshot page's renderers (web/static/render.js: WebGL2 and Canvas 2D) in a real headless Chromium:
they draw karate, fall back to Canvas 2D without WebGL, give up a lost WebGL context after 3 s, and look
like the server's VTK picture of the same scene."""

from __future__ import annotations

import base64

import networkx as nx
import numpy as np
import pytest
from browser import launch_chromium
from conftest import SHARED_DATA
from test_snapshot_camera import open_page, static_site

from helios_app.config import ViewConfig
from helios_app.io import read_graph
from helios_app.session import build_scene

WIDTH, HEIGHT = 640, 400
# The WebGL picture against VTK's (measured on SwiftShader against Mesa: 0.02-0.04 mean, 0.02-0.03 % of
# pixels off, all on the lines, where the two rasterisers pick the neighbouring pixel of a 1-pixel line):
MEAN_DIFFERENCE_WEBGL = 0.5       # per channel, of 255, over the whole picture
FAR_OFF_PIXELS_WEBGL = 0.001      # the share of pixels off by more than FAR_OFF in a channel
FAR_OFF = 30
# The Canvas 2D fallback antialiases its lines and places node sprites on whole pixels (measured 0.5-0.75).
MEAN_DIFFERENCE_CANVAS = 2.0

RENDER_PAGE = """<script type="module">
import {createRenderer} from "./render.js";
import {Camera} from "./camera.js";

// The canvas's pixels, RGBA rows from the top, as base64; read in the task that drew them.
function pixelsOf(renderer, canvas) {
  const width = canvas.width, height = canvas.height;
  let data;
  if (renderer.kind === "webgl2") {
    const gl = renderer.gl, raw = new Uint8Array(width * height * 4);
    gl.readPixels(0, 0, width, height, gl.RGBA, gl.UNSIGNED_BYTE, raw);
    data = new Uint8Array(width * height * 4);
    for (let row = 0; row < height; row++) {
      data.set(raw.subarray((height - 1 - row) * width * 4, (height - row) * width * 4), row * width * 4);
    }
  } else {
    data = renderer.context.getImageData(0, 0, width, height).data;
  }
  let text = "";
  for (let index = 0; index < data.length; index += 0x8000) {
    text += String.fromCharCode.apply(null, data.subarray(index, index + 0x8000));
  }
  return btoa(text);
}

function rendererFor(spec) {
  const canvas = document.createElement("canvas");
  canvas.width = spec.width;
  canvas.height = spec.height;
  document.body.appendChild(canvas);
  const renderer = createRenderer(canvas, {prefer: spec.prefer});
  // Moving pictures through WebGL itself, as on a GPU (here WebGL runs on the CPU: they are drawn by JS).
  if (spec.gpuPath) renderer.software = false;
  renderer.setScene({dimensions: spec.dimensions, positions: new Float32Array(spec.positions),
                     edges: new Uint32Array(spec.edges), background: spec.background,
                     lodEdges: spec.lodEdges ? new Uint32Array(spec.lodEdges) : null});
  renderer.setNodeColors(new Uint8Array(spec.nodeColors));
  renderer.setRadii(new Float32Array(spec.radii));
  renderer.setEdgeColors(new Uint8Array(spec.edgeColors));
  if (spec.drawnEdges) renderer.setDrawnEdges(new Uint32Array(spec.drawnEdges));
  if (spec.overlay) {
    renderer.setOverlay({points: new Float32Array(spec.overlay.points), colors: new Uint8Array(spec.overlay.colors)});
  }
  return {canvas, renderer};
}

// Draws spec once (or after `changes`, each a renderer call and its arguments) and returns the picture.
window.renderScene = (spec) => {
  const {canvas, renderer} = rendererFor(spec);
  for (const [method, argument] of spec.changes || []) {
    const typed = {setRadii: Float32Array, setNodeColors: Uint8Array, setEdgeColors: Uint8Array,
                   setDrawnEdges: Uint32Array, setOverlay: Object};
    renderer[method](argument === null ? null : new typed[method](argument));
  }
  renderer.draw(new Camera(spec.camera), {moving: Boolean(spec.moving)});
  const result = {kind: renderer.kind, pixels: pixelsOf(renderer, canvas)};
  renderer.dispose();
  canvas.remove();
  return result;
};

// Loses the WebGL context (restoring it after restoreAfterMs, if given) and reports when the renderer gave up.
window.loseContext = async (spec, restoreAfterMs, waitMs) => {
  const {canvas, renderer} = rendererFor(spec);
  const camera = new Camera(spec.camera);
  renderer.draw(camera);
  const started = performance.now();
  let gaveUpAfterMs = null;
  renderer.onContextLost(() => { gaveUpAfterMs = performance.now() - started; });
  const extension = renderer.gl.getExtension("WEBGL_lose_context");
  extension.loseContext();
  if (restoreAfterMs !== null) setTimeout(() => extension.restoreContext(), restoreAfterMs);
  await new Promise((resolve) => setTimeout(resolve, waitMs));
  let drawnAfter = null;
  const lost = renderer.gl.isContextLost();
  if (!lost) {  // restored: the renderer rebuilt its buffers and draws again
    renderer.draw(camera);
    drawnAfter = pixelsOf(renderer, canvas);
  }
  renderer.dispose();
  canvas.remove();
  return {gaveUpAfterMs, drawnAfter, lost};
};
window.harnessReady = true;
</script>"""


def decode(pixels: str) -> np.ndarray:
    return np.frombuffer(base64.b64decode(pixels), dtype=np.uint8).reshape(HEIGHT, WIDTH, 4)[:, :, :3]


def render(page, spec: dict, **changes) -> tuple[str, np.ndarray]:
    result = page.evaluate("(spec) => window.renderScene(spec)", {**spec, **changes})
    return result["kind"], decode(result["pixels"])


def drawn_mask(picture: np.ndarray, background) -> np.ndarray:
    return np.abs(picture.astype(int) - np.array(background)).sum(axis=2) > 12


@pytest.fixture(scope="module")
def karate_graph():
    return read_graph(SHARED_DATA / "karate.gml")


@pytest.fixture(scope="module")
def playwright():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as started:
        yield started


@pytest.fixture(scope="module")
def browser(playwright):
    launched = launch_chromium(playwright)
    yield launched
    launched.close()


@pytest.fixture(scope="module")
def page(browser):
    with static_site() as base:
        opened = open_page(browser, base, RENDER_PAGE)
        webgl = opened.evaluate("""() => { const gl = document.createElement('canvas').getContext('webgl2');
            const info = gl && gl.getExtension('WEBGL_debug_renderer_info');
            const name = gl ? gl.getParameter(info ? info.UNMASKED_RENDERER_WEBGL : gl.RENDERER) : null;
            if (gl) gl.getExtension('WEBGL_lose_context').loseContext();
            return name; }""")
        assert webgl, "this Chromium has no WebGL2: the WebGL renderer cannot be tested"
        yield opened
        assert not opened.errors, opened.errors


def karate_spec(graph) -> dict:
    """Karate laid out by networkx (seed 1), normalised into [-1, 1], framed from the front: positions, edges,
    a colour per node by its degree's rank, and radii large enough to find each node's centre."""
    layout_graph = nx.Graph(graph.edges.tolist())
    layout_graph.add_nodes_from(range(graph.node_count))
    layout = nx.spring_layout(layout_graph, seed=1)
    positions = np.array([layout[node] for node in range(graph.node_count)])
    positions = (positions - (positions.min(axis=0) + positions.max(axis=0)) / 2)
    positions = positions / np.abs(positions).max()
    view = np.c_[positions, np.zeros(graph.node_count)].astype(np.float32)
    palette = np.array([[217, 55, 41], [241, 120, 58], [238, 200, 80], [130, 190, 120], [60, 170, 170]])
    colors = palette[np.arange(graph.node_count) % len(palette)]
    edge_colors = np.full((graph.edge_count, 3), [110, 115, 130])
    return {"width": WIDTH, "height": HEIGHT, "dimensions": 2, "positions": view.ravel().tolist(),
            "edges": graph.edges.ravel().tolist(), "background": [18, 18, 23],
            "nodeColors": colors.ravel().tolist(), "radii": [0.03] * graph.node_count,
            "edgeColors": edge_colors.ravel().tolist(),
            "camera": {"position": [0, 0, 5], "focal_point": [0, 0, 0], "view_up": [0, 1, 0], "parallel_scale": 1.1,
                       "view_angle": 30, "parallel_projection": True}}


def node_centres(spec: dict) -> np.ndarray:
    """Where each node's centre lands in pixels (the 2D framing: parallel, centred)."""
    positions = np.array(spec["positions"]).reshape(-1, 3)
    scale = spec["camera"]["parallel_scale"]
    x = (positions[:, 0] / (scale * WIDTH / HEIGHT) + 1) / 2 * WIDTH
    y = (1 - positions[:, 1] / scale) / 2 * HEIGHT
    return np.c_[x, y]


def uncovered_nodes(spec: dict) -> list[int]:
    """Nodes whose centre no later node covers (in 2D a later node is drawn over an earlier one)."""
    centres = node_centres(spec)
    radius_px = spec["radii"][0] * HEIGHT / (2 * spec["camera"]["parallel_scale"])
    return [node for node in range(len(centres))
            if not any(np.hypot(*(centres[node] - centres[later])) < radius_px + 1 for later in range(node + 1, len(centres)))]


@pytest.mark.parametrize("prefer, kind", [("webgl", "webgl2"), ("canvas", "canvas2d")])
def test_both_renderers_draw_karate(page, karate_graph, prefer, kind):
    spec = karate_spec(karate_graph)
    drawn_kind, picture = render(page, spec, prefer=prefer)
    assert drawn_kind == kind
    drawn = drawn_mask(picture, spec["background"])
    assert 0.005 < drawn.mean() < 0.3
    assert not drawn[:4, :4].any() and not drawn[-4:, -4:].any(), "the corners are background"
    colors = np.array(spec["nodeColors"]).reshape(-1, 3)
    nodes = uncovered_nodes(spec)
    assert len(nodes) > 20
    for node in nodes:
        x, y = np.floor(node_centres(spec)[node]).astype(int)
        # The centre is shaded by 0.55 + 0.45 * sqrt(1 - r^2): the node's own colour (r ~ 0).
        assert np.abs(picture[y, x].astype(int) - colors[node]).max() <= 4, (node, picture[y, x], colors[node])


@pytest.mark.parametrize("prefer, gpu_path", [("webgl", False), ("webgl", True), ("canvas", False)],
                         ids=["webgl", "webgl-gpu-path", "canvas"])
def test_hidden_nodes_filtered_edges_and_level_of_detail(page, karate_graph, prefer, gpu_path):
    spec = {**karate_spec(karate_graph), "gpuPath": gpu_path}
    background = spec["background"]
    count, edge_count = karate_graph.node_count, karate_graph.edge_count
    _, everything = render(page, spec, prefer=prefer)
    _, nothing = render(page, spec, prefer=prefer, changes=[["setRadii", [0.0] * count], ["setDrawnEdges", []]])
    assert not drawn_mask(nothing, background).any(), "radius 0 hides a node, no drawn edges hides every edge"
    _, edges_only = render(page, spec, prefer=prefer, changes=[["setRadii", [0.0] * count]])
    _, nodes_only = render(page, spec, prefer=prefer, changes=[["setDrawnEdges", []]])
    for part in (edges_only, nodes_only):
        assert 0 < drawn_mask(part, background).sum() < drawn_mask(everything, background).sum()
    # A filter keeps some edges; the moving picture draws the level-of-detail sample less what the filter hides.
    kept = list(range(0, edge_count, 2))
    _, filtered = render(page, spec, prefer=prefer, changes=[["setRadii", [0.0] * count], ["setDrawnEdges", kept]])
    assert 0 < drawn_mask(filtered, background).sum() < drawn_mask(edges_only, background).sum()
    sample = {**spec, "lodEdges": [0, 1, 2, 3]}
    hidden = [["setRadii", [0.0] * count]]
    _, moving = render(page, sample, prefer=prefer, moving=True, changes=hidden)
    _, moving_filtered = render(page, sample, prefer=prefer, moving=True, changes=[*hidden, ["setDrawnEdges", [0, 2]]])
    _, four_moving = render(page, spec, prefer=prefer, moving=True, changes=[*hidden, ["setDrawnEdges", [0, 1, 2, 3]]])
    _, two_moving = render(page, spec, prefer=prefer, moving=True, changes=[*hidden, ["setDrawnEdges", [0, 2]]])
    assert np.array_equal(moving, four_moving)
    assert np.array_equal(moving_filtered, two_moving)
    _, four_at_rest = render(page, spec, prefer=prefer, changes=[*hidden, ["setDrawnEdges", [0, 1, 2, 3]]])
    lines_moving, lines_at_rest = drawn_mask(moving, background).sum(), drawn_mask(four_at_rest, background).sum()
    # The same four lines, however drawn (a 2D canvas antialiases them at rest: two pixels wide where they slant).
    low = 0.9 if prefer == "webgl" else 0.4
    assert low * lines_at_rest <= lines_moving <= 1.1 * lines_at_rest, (lines_moving, lines_at_rest)
    _, at_rest = render(page, sample, prefer=prefer, changes=hidden)
    assert np.array_equal(at_rest, edges_only), "at rest every edge is drawn"


@pytest.mark.parametrize("dimensions", [2, 3])
@pytest.mark.parametrize("prefer", ["webgl", "canvas"])
def test_the_moving_picture_looks_like_the_picture_at_rest(page, karate_graph, prefer, dimensions):
    """The level-of-detail picture (drawn by JS where WebGL runs on the CPU) differs from the one at rest only
    in how single pixels of lines and rims fall."""
    _, spec, _ = server_picture(karate_graph, dimensions, "all")
    _, at_rest = render(page, spec, prefer=prefer)
    _, moving = render(page, spec, prefer=prefer, moving=True)
    difference = np.abs(moving.astype(int) - at_rest.astype(int))
    assert difference.mean(axis=(0, 1)).max() < 3.0, difference.mean(axis=(0, 1))
    assert shifted_difference(moving, at_rest, 0, 0) < 0.5 * min(
        shifted_difference(moving, at_rest, dx, dy) for dx, dy in ((1, 0), (-1, 0), (0, 1), (0, -1)))


@pytest.mark.parametrize("prefer", ["webgl", "canvas"])
def test_the_overlay_lies_over_lines_and_under_nodes(page, karate_graph, prefer):
    """The page's shaped edges (edge_shapes.js triangles in pixels) cover the lines and not the nodes."""
    spec = karate_spec(karate_graph)
    node = uncovered_nodes(spec)[0]
    x, y = node_centres(spec)[node]
    size = 40.0
    triangles = [x - size, y - size, x + size, y - size, x - size, y + size,  # a square around the node, two triangles
                 x + size, y - size, x + size, y + size, x - size, y + size]
    colour = [250, 0, 250]
    _, picture = render(page, {**spec, "overlay": {"points": triangles, "colors": colour * 2}}, prefer=prefer)
    column, row = int(x), int(y)
    assert np.abs(picture[row, column].astype(int) - spec["nodeColors"][3 * node: 3 * node + 3]).max() <= 4
    square = picture[int(y - size) + 2: int(y + size) - 2, int(x - size) + 2: int(x + size) - 2].reshape(-1, 3)
    is_overlay = (np.abs(square.astype(int) - colour).max(axis=1) <= 2).mean()
    assert 0.5 < is_overlay < 1.0, "the overlay's colour where no node is, over every line"
    _, cleared = render(page, {**spec, "overlay": {"points": triangles, "colors": colour * 2}}, prefer=prefer,
                        changes=[["setOverlay", None]])
    _, plain = render(page, spec, prefer=prefer)
    assert np.array_equal(cleared, plain)


def test_many_nodes_move_as_points_on_the_gpu_as_in_the_js_picture(page):
    """Beyond 50,000 nodes a moving picture draws square points: WebGL's gl.POINTS (the GPU path) and the JS
    picture (where WebGL runs on the CPU) put them on the same pixels in the nodes' colours."""
    rng = np.random.default_rng(5)
    side = 250
    grid = np.stack(np.meshgrid(np.linspace(-0.95, 0.95, side), np.linspace(-0.95, 0.95, side)), axis=-1).reshape(-1, 2)
    count = len(grid)
    spec = {"width": WIDTH, "height": HEIGHT, "dimensions": 2, "prefer": "webgl",
            "positions": np.c_[grid, np.zeros(count)].ravel().tolist(), "edges": [0, 1, 2, 3],
            "background": [18, 18, 23], "nodeColors": rng.integers(60, 255, 3 * count).tolist(),
            "radii": np.where(np.arange(count) % 7 == 0, 0.0, 0.004).tolist(), "edgeColors": [200, 200, 200] * 2,
            "camera": {"position": [0, 0, 5], "focal_point": [0, 0, 0], "view_up": [0, 1, 0], "parallel_scale": 1.1,
                       "view_angle": 30, "parallel_projection": True}}
    assert count > 50_000
    _, gpu = render(page, {**spec, "gpuPath": True}, moving=True)
    _, software = render(page, spec, moving=True)
    drawn_gpu, drawn_software = drawn_mask(gpu, spec["background"]), drawn_mask(software, spec["background"])
    assert drawn_gpu.sum() > 0.5 * count * 6 / 7
    assert (drawn_gpu == drawn_software).mean() > 0.97
    same_colour = np.abs(gpu.astype(int) - software.astype(int)).max(axis=2) <= 1
    assert same_colour[drawn_gpu & drawn_software].mean() > 0.95


def test_without_webgl_the_renderer_is_canvas_2d(playwright, karate_graph):
    spec = karate_spec(karate_graph)
    with static_site() as base:
        browser = launch_chromium(playwright, ["--disable-3d-apis"])
        try:
            page = open_page(browser, base, RENDER_PAGE)
            assert page.evaluate("() => document.createElement('canvas').getContext('webgl2')") is None
            kind, picture = render(page, spec, prefer="webgl")
            assert kind == "canvas2d"
            assert drawn_mask(picture, spec["background"]).mean() > 0.005
            assert not page.errors, page.errors
        finally:
            browser.close()


def test_a_lost_context_not_restored_is_given_up_after_three_seconds(page, karate_graph):
    spec = {**karate_spec(karate_graph), "prefer": "webgl"}
    result = page.evaluate("(spec) => window.loseContext(spec, null, 4500)", spec)
    assert result["lost"] and result["drawnAfter"] is None
    assert result["gaveUpAfterMs"] is not None, "the callback fired"
    assert 2900 <= result["gaveUpAfterMs"] <= 4000, result


def test_a_context_restored_in_time_is_kept_and_draws_again(page, karate_graph):
    spec = {**karate_spec(karate_graph), "prefer": "webgl"}
    result = page.evaluate("(spec) => window.loseContext(spec, 500, 3800)", spec)
    assert result["gaveUpAfterMs"] is None, "restored within 3 s: no callback"
    assert not result["lost"] and result["drawnAfter"] is not None
    _, before = render(page, spec)
    assert np.array_equal(decode(result["drawnAfter"]), before), "the rebuilt buffers draw the same picture"


# ---- the same look as the server ------------------------------------------------------------------------
def server_scene(graph, dimensions: int):
    """The server's VTK scene of karate (laid out by networkx, seed 1), no labels, no legend, at rest."""
    layout_graph = nx.Graph(graph.edges.tolist())
    layout_graph.add_nodes_from(range(graph.node_count))
    layout = nx.spring_layout(layout_graph, seed=1, dim=dimensions)
    positions = np.array([layout[node] for node in range(graph.node_count)], dtype=np.float32)
    config = ViewConfig(labels=False, width=WIDTH, height=HEIGHT, dimensions=dimensions, autosave=False)
    scene = build_scene(graph, config, text_in_picture=False)  # no text: labels and legend are page HTML
    scene.set_positions(positions, moving=False)
    return scene


def scene_spec(scene) -> dict:
    """What the snapshot page would pass its renderer for ``scene``: the scene's own arrays and camera."""
    camera = scene._interaction.camera
    count = scene.node_count
    drawn = scene._drawn_edges
    return {"width": WIDTH, "height": HEIGHT, "dimensions": scene.dimensions,
            "positions": scene._view_positions[:count].ravel().tolist(), "edges": scene._edges.ravel().tolist(),
            "background": [round(channel * 255) for channel in scene.theme.background],
            "nodeColors": scene._node_colors[:count].ravel().tolist(), "radii": scene._radii[:count].tolist(),
            "edgeColors": scene._edge_colors.ravel().tolist(),
            "drawnEdges": None if len(drawn) == len(scene._edges) else drawn.tolist(),
            "camera": {**scene.camera_state(), "view_angle": camera.view_angle,
                       "parallel_projection": camera.parallel_projection}}


def server_picture(graph, dimensions: int, case: str) -> tuple[np.ndarray, dict, np.ndarray]:
    """The server's picture of karate, the renderer's spec of the same scene, and the node centres in pixels.

    ``case``: ``all``; ``nodes``: no edge drawn (an edge filter that keeps none), so every node's centre shows;
    ``filtered``: a filter hides a third of the nodes with their edges and an edge filter half the rest,
    the selection dims what is not its neighbourhood (the colours and radii the scene then uses).
    """
    scene = server_scene(graph, dimensions)
    try:
        if case == "nodes":
            scene.set_emphasis(edges_shown=np.zeros(graph.edge_count, dtype=bool))
        elif case == "filtered":
            shown = np.arange(graph.node_count) % 3 != 1
            scene.set_emphasis(shown=shown, hide=True, edges_shown=np.arange(graph.edge_count) % 2 == 0)
            scene.select(0)
        picture = scene.render()
        return picture, scene_spec(scene), np.floor(scene.node_pixels()).astype(int)
    finally:
        scene.close()


def shifted_difference(first: np.ndarray, second: np.ndarray, dx: int, dy: int) -> float:
    """Mean absolute difference with ``second`` moved by (dx, dy) pixels (the frame's border left out)."""
    inner = (slice(2 + dy, HEIGHT - 2 + dy), slice(2 + dx, WIDTH - 2 + dx))
    return float(np.abs(first[2:-2, 2:-2].astype(int) - second[inner].astype(int)).mean())


@pytest.mark.parametrize("case", ["all", "nodes", "filtered"])
@pytest.mark.parametrize("dimensions", [2, 3])
def test_webgl_looks_like_the_server(page, karate_graph, dimensions, case):
    server, spec, centres = server_picture(karate_graph, dimensions, case)
    kind, picture = render(page, spec, prefer="webgl")
    assert kind == "webgl2"
    difference = np.abs(picture.astype(int) - server.astype(int))
    assert difference.mean(axis=(0, 1)).max() < MEAN_DIFFERENCE_WEBGL, difference.mean(axis=(0, 1))
    assert (difference.max(axis=2) > FAR_OFF).mean() < FAR_OFF_PIXELS_WEBGL
    # The same pixels: any shift by one pixel makes the pictures differ several times more.
    aligned = shifted_difference(picture, server, 0, 0)
    for dx, dy in ((1, 0), (-1, 0), (0, 1), (0, -1)):
        assert shifted_difference(picture, server, dx, dy) > 3 * aligned
    if case == "nodes":  # every node's centre pixel is the server's (an edge's end may cover it otherwise)
        at_centres = np.abs(picture[centres[:, 1], centres[:, 0]].astype(int) - server[centres[:, 1], centres[:, 0]])
        assert at_centres.max() <= 2, at_centres.max(axis=1)


@pytest.mark.parametrize("dimensions", [2, 3])
def test_canvas_looks_nearly_like_the_server(page, karate_graph, dimensions):
    server, spec, _ = server_picture(karate_graph, dimensions, "all")
    kind, picture = render(page, spec, prefer="canvas")
    assert kind == "canvas2d"
    difference = np.abs(picture.astype(int) - server.astype(int))
    assert difference.mean(axis=(0, 1)).max() < MEAN_DIFFERENCE_CANVAS, difference.mean(axis=(0, 1))
    aligned = shifted_difference(picture, server, 0, 0)
    for dx, dy in ((1, 0), (-1, 0), (0, 1), (0, -1)):
        assert shifted_difference(picture, server, dx, dy) > 1.5 * aligned
