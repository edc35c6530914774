"""Drawing speed of the self-contained snapshot page's renderers (web/static/render.js) in headless Chromium.

For each size, a graph whose edges join near neighbours (as in a settled layout; about 10 edges per node,
so 1M edges at 100k nodes) is drawn by the WebGL2 renderer (SwiftShader on a machine without a GPU) and by
the Canvas 2D one:

- first draw: from creating the renderer through uploading every array to the first full picture read back
  (a one-pixel read waits for the drawing to finish);
- rest draw: another full picture, arrays already uploaded;
- moving: FRAMES frames of a panning camera drawn as in motion (the level-of-detail edges: a fixed random
  sample of 30,000 when there are more; square points beyond 50,000 nodes), one per requestAnimationFrame,
  each read back before the next, as frames per second.

The data reach the page as binary typed arrays (as the snapshot page has them), outside the timings.

Usage: python bench/snapshot_render.py [--sizes 1000,10000,100000] [--size 1280x720] [--frames 60]
       [--dimensions 2] [--renderers webgl,canvas]
Prints a Markdown table (and the machine's load before and after, which the figures depend on).
"""

from __future__ import annotations

import argparse
import functools
import http.server
import os
import sys
import threading
import time
from pathlib import Path

import numpy as np
from scipy.spatial import cKDTree

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from browser import launch_chromium

STATIC = Path(__file__).resolve().parents[1] / "web" / "static"
LOD_EDGES = 30_000  # as helios_app.render.scene.LOD_EDGES: what the page passes as lodEdges

PAGE = """<!doctype html><html><body style="margin:0">
<script type="module">
import {createRenderer} from "./render.js";
import {framing} from "./camera.js";

async function array(name, Type) {
  const response = await fetch(`./__data/${name}`);
  return new Type(await response.arrayBuffer());
}

// Waits for everything drawn so far: a one-pixel read.
function finish(renderer, canvas) {
  if (renderer.kind === "webgl2") {
    renderer.gl.readPixels(0, 0, 1, 1, renderer.gl.RGBA, renderer.gl.UNSIGNED_BYTE, new Uint8Array(4));
  } else {
    renderer.context.getImageData(0, 0, 1, 1);
  }
}

window.runBench = async ({prefer, dimensions, width, height, frames}) => {
  const positions = await array("positions", Float32Array), edges = await array("edges", Uint32Array);
  const nodeColours = await array("node_colours", Uint8Array), radii = await array("radii", Float32Array);
  const edgeColours = await array("edge_colours", Uint8Array), lod = await array("lod", Uint32Array);
  const canvas = document.createElement("canvas");
  canvas.width = width;
  canvas.height = height;
  document.body.appendChild(canvas);
  const started = performance.now();
  const renderer = createRenderer(canvas, {prefer});
  renderer.setScene({dimensions, positions, edges, background: [18, 18, 23], lodEdges: lod.length ? lod : null});
  renderer.setNodeColors(nodeColours);
  renderer.setRadii(radii);
  renderer.setEdgeColors(edgeColours);
  let camera = framing(dimensions);
  renderer.draw(camera);
  finish(renderer, canvas);
  const firstDrawMs = performance.now() - started;
  const restStarted = performance.now();
  renderer.draw(camera);
  finish(renderer, canvas);
  const restDrawMs = performance.now() - restStarted;
  const movingMs = await new Promise((resolve) => {
    let drawn = 0, movingStarted = 0;
    function frame() {
      if (drawn === 0) movingStarted = performance.now();
      camera = camera.panned(0.002, 0.001, width / height);
      renderer.draw(camera, {moving: true});
      finish(renderer, canvas);
      drawn += 1;
      if (drawn < frames) requestAnimationFrame(frame);
      else resolve(performance.now() - movingStarted);
    }
    requestAnimationFrame(frame);
  });
  const kind = renderer.kind;
  renderer.dispose();
  canvas.remove();
  return {kind, firstDrawMs, restDrawMs, movingFps: (frames - 1) * 1000 / movingMs};
};
window.benchReady = true;
</script></body></html>"""


def layout_like_graph(node_count: int, edges_per_node: int, dimensions: int, seed: int = 0):
    """Points in a ball, each joined to some of its nearest neighbours: edges as short as a real layout's;
    positions scaled into [-1, 1]."""
    rng = np.random.default_rng(seed)
    positions = rng.normal(size=(node_count, dimensions))
    _, nearest = cKDTree(positions).query(positions, k=2 * edges_per_node + 1)
    sources = np.repeat(np.arange(node_count), 2 * edges_per_node)
    edges = np.unique(np.sort(np.c_[sources, nearest[:, 1:].ravel()], axis=1), axis=0)
    edges = edges[rng.permutation(len(edges))[: edges_per_node * node_count]]
    view = np.zeros((node_count, 3), dtype=np.float32)
    view[:, :dimensions] = positions / np.abs(positions).max()
    return edges.astype(np.uint32), view


def scene_arrays(node_count: int, dimensions: int) -> dict[str, bytes]:
    """The typed arrays the page gets: positions, edges, colours as the server makes them, radii, LOD sample."""
    edges, positions = layout_like_graph(node_count, 10, dimensions)
    rng = np.random.default_rng(1)
    palette = np.array([[217, 55, 41], [241, 120, 58], [238, 200, 80], [130, 190, 120], [60, 170, 170]], np.uint8)
    node_colours = palette[rng.integers(0, len(palette), node_count)]
    spacing = 2.0 / node_count ** (1.0 / dimensions)
    radius = min(max(spacing * 0.12, 0.003), 0.025)  # helios_app.render.scene.base_radius
    radii = (radius * rng.uniform(0.7, 1.8, node_count)).astype(np.float32)
    grey = np.array([0.36, 0.38, 0.45]) * 255
    edge_colours = np.round(grey * 0.65 + (node_colours[edges[:, 0]].astype(float)
                                           + node_colours[edges[:, 1]]) / 2 * 0.35).astype(np.uint8)
    lod = np.sort(np.random.default_rng(0).permutation(len(edges))[:LOD_EDGES]).astype(np.uint32) \
        if len(edges) > LOD_EDGES else np.zeros(0, np.uint32)
    return {"positions": positions.tobytes(), "edges": edges.tobytes(), "node_colours": node_colours.tobytes(),
            "radii": radii.tobytes(), "edge_colours": edge_colours.tobytes(), "lod": lod.tobytes(),
            "edge_count": len(edges)}


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *arguments) -> None:
        pass


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--size", default="1280x720")
    parser.add_argument("--frames", type=int, default=60)
    parser.add_argument("--dimensions", type=int, default=2, choices=(2, 3))
    parser.add_argument("--renderers", default="webgl,canvas")
    arguments = parser.parse_args()
    width, height = (int(number) for number in arguments.size.split("x"))

    from playwright.sync_api import sync_playwright

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_QuietHandler, directory=str(STATIC)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    print(f"load before: {os.getloadavg()[0]:.2f} (1 min), {os.cpu_count()} cores", flush=True)
    rows = []
    try:
        with sync_playwright() as playwright:
            browser = launch_chromium(playwright)
            for node_count in (int(size) for size in arguments.sizes.split(",")):
                data = scene_arrays(node_count, arguments.dimensions)
                for prefer in arguments.renderers.split(","):
                    page = browser.new_page()
                    page.route(base + "/__bench.html", lambda route: route.fulfill(body=PAGE, content_type="text/html"))
                    page.route(base + "/__data/*", lambda route, request, data=data: route.fulfill(
                        body=data[request.url.rsplit("/", 1)[1]], content_type="application/octet-stream"))
                    page.goto(base + "/__bench.html")
                    page.wait_for_function("window.benchReady === true")
                    started = time.perf_counter()
                    result = page.evaluate("(options) => window.runBench(options)", {
                        "prefer": prefer, "dimensions": arguments.dimensions, "width": width, "height": height,
                        "frames": arguments.frames})
                    wall = time.perf_counter() - started
                    page.close()
                    rows.append((node_count, data["edge_count"], result["kind"], result["firstDrawMs"],
                                 result["restDrawMs"], result["movingFps"], wall))
                    print(f"{node_count} nodes, {result['kind']}: first {result['firstDrawMs']:.0f} ms, "
                          f"rest {result['restDrawMs']:.0f} ms, moving {result['movingFps']:.1f} fps", flush=True)
            browser.close()
    finally:
        server.shutdown()
    print(f"load after: {os.getloadavg()[0]:.2f} (1 min)\n")
    print(f"Snapshot renderers, {arguments.dimensions}D, {width}x{height}, {arguments.frames} moving frames\n")
    print("| nodes | edges | renderer | first draw (ms) | rest draw (ms) | moving (fps) |")
    print("|---:|---:|---|---:|---:|---:|")
    for node_count, edge_count, kind, first, rest, fps, _ in rows:
        print(f"| {node_count:,} | {edge_count:,} | {kind} | {first:.0f} | {rest:.0f} | {fps:.1f} |")


if __name__ == "__main__":
    main()
