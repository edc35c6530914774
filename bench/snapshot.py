"""Self-contained HTML snapshots: file size, time to the first picture and frames a second while panning, in
headless Chromium on this machine (software WebGL: SwiftShader), against pyvis (vis.js inlined) on the same
graphs and positions, run in the same run.

Graphs (edges: about 1k, 10k, 100k and 1M):

- ``power.gml`` (4,941 nodes, 6,594 edges) cut to its first 1,000 edges' nodes: 1k; ``power.gml`` whole
  adds nothing new, so the next is ``ca-GrQc`` (5,242 nodes, 14,496 edges): 10k;
- ``Email-Enron`` (36,692 nodes, 183,831 edges): 100k+;
- a random geometric graph of 100,000 nodes and about 1,000,000 edges (seeded) whose own coordinates are the
  positions: 1M. The real graphs are laid out by Helios's ForceAtlas2 (fa2) for 300 iterations first (the same
  positions go to both tools).

Measured per tool and graph: the file's size; ``first picture``: milliseconds from navigation to the first
frame drawn (Helios: ``__helios.firstPictureAt``; pyvis: vis.js's first ``afterDrawing``), the file read from
``file://`` with every other request refused; ``pan fps``: frames drawn a second during a 3-second mouse drag
across the picture (Helios draws a fixed sample of 30,000 edges while moving, as the live view does; vis.js
hides edges while dragging when ``hideEdgesOnDrag`` is set, which is set here to be fair). pyvis is skipped
where writing or opening its page takes over ``PEER_TIMEOUT_S``.

Run with nothing else busy on the machine::

    python bench/snapshot.py [--quick] [--graphs 1k,10k,100k,1M]

Writes bench/results/snapshot.json and .md.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPOSITORY = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPOSITORY))

from helios_app.graph import Graph
from helios_app.io import read_graph
from helios_app.output import snapshot_page
from helios_app.session import ViewConfig
from tests.browser import CHROMIUM, CHROMIUM_FLAGS

SHARED = REPOSITORY.parent / "shared" / "data"
RESULTS = REPOSITORY / "bench" / "results"
PAN_SECONDS = 3.0
PEER_TIMEOUT_S = 120.0
PYVIS_MOST_EDGES = 50_000  # pyvis writes 13k edges in about 8 s here, growing with the square of the count


def laid_out(graph: Graph, iterations: int = 300) -> np.ndarray:
    from helios_app.session import build_layout
    from layouts import LayoutWorker, PositionBuffer

    config = ViewConfig(layout="fa2", seed=1)
    with PositionBuffer(graph.node_count, 2) as buffer:
        with LayoutWorker(build_layout(graph, config), buffer, background_nice=0) as worker:
            while worker.state.iteration < iterations and not worker.state.settled:
                time.sleep(0.05)
        _, positions = buffer.read_latest()
    return np.array(positions)


def geometric(nodes: int, mean_degree: float, seed: int = 1) -> tuple[Graph, np.ndarray]:
    """A random geometric graph in the unit square: nodes closer than r are joined (grid hashing)."""
    from scipy.spatial import cKDTree

    rng = np.random.default_rng(seed)
    points = rng.random((nodes, 2))
    radius = np.sqrt(mean_degree / (np.pi * nodes))
    pairs = cKDTree(points).query_pairs(radius, output_type="ndarray")
    return Graph.from_edges(pairs, node_count=nodes), points


def graphs(chosen: set[str]) -> dict[str, tuple[Graph, np.ndarray]]:
    made = {}
    if "1k" in chosen:
        power = read_graph(SHARED / "power.gml")
        keep = np.unique(power.edges[:1000])
        remap = np.full(power.node_count, -1)
        remap[keep] = np.arange(len(keep))
        graph = Graph.from_edges(remap[power.edges[:1000]], node_count=len(keep))
        made["1k"] = (graph, laid_out(graph))
    if "10k" in chosen:
        graph = read_graph(SHARED / "ca-GrQc.txt")
        made["10k"] = (graph, laid_out(graph))
    if "100k" in chosen:
        graph = read_graph(SHARED / "Email-Enron.txt.gz")
        made["100k"] = (graph, laid_out(graph, 150))
    if "1M" in chosen:
        made["1M"] = geometric(100_000, 20.0)
    return made


def measure_page(playwright, path: Path, ready: str, first: str, frames: str, flags=()) -> dict:
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=[*CHROMIUM_FLAGS, *flags])
    try:
        page = browser.new_page(viewport={"width": 1280, "height": 800})
        refused = []
        page.route("**/*", lambda route: route.continue_() if route.request.url.startswith("file://")
                   else (refused.append(route.request.url), route.abort()))
        page.goto(path.as_uri(), timeout=PEER_TIMEOUT_S * 1000)
        page.wait_for_function(ready, timeout=PEER_TIMEOUT_S * 1000)
        first_ms = page.evaluate(first)
        page.wait_for_timeout(500)
        box = page.locator("canvas").first.bounding_box()
        x0, y0 = box["x"] + box["width"] * 0.3, box["y"] + box["height"] * 0.5
        page.mouse.move(x0, y0)
        page.mouse.down()
        before, started, step = page.evaluate(frames), time.perf_counter(), 0
        while time.perf_counter() - started < PAN_SECONDS:
            step += 1
            page.mouse.move(x0 + 200 * np.sin(step / 20), y0 + 100 * np.cos(step / 20))
        elapsed = time.perf_counter() - started
        drawn = page.evaluate(frames) - before
        page.mouse.up()
        return {"first_picture_ms": round(first_ms), "pan_fps": round(drawn / elapsed, 1), "refused": len(refused)}
    finally:
        browser.close()


def pyvis_page(graph: Graph, positions: np.ndarray, path: Path) -> None:
    from pyvis.network import Network

    network = Network(height="760px", width="100%", cdn_resources="in_line")
    scaled = (positions - positions.mean(axis=0)) / (np.abs(positions).max() or 1) * 1000
    for node in range(graph.node_count):
        network.add_node(node, label=str(graph.node_ids[node]), x=float(scaled[node, 0]), y=float(scaled[node, 1]),
                         size=4)
    for first, second in graph.edges.tolist():
        network.add_edge(first, second)
    network.toggle_physics(False)
    network.set_options(json.dumps({"physics": {"enabled": False}, "interaction": {"hideEdgesOnDrag": True},
                                    "layout": {"improvedLayout": False}}))
    html = network.generate_html()
    # Count frames and the first one: vis.js's own afterDrawing event.
    html = html.replace("return network;", "window.__frames = 0; network.on('afterDrawing', () => {"
                        " if (!window.__firstAt) window.__firstAt = performance.now(); window.__frames++; });"
                        " return network;", 1)
    path.write_text(html, encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--graphs", default="1k,10k,100k,1M")
    parser.add_argument("--quick", action="store_true", help="only 1k and 10k")
    arguments = parser.parse_args()
    chosen = {"1k", "10k"} if arguments.quick else set(arguments.graphs.split(","))
    from playwright.sync_api import sync_playwright

    rows = []
    with tempfile.TemporaryDirectory(prefix="helios-bench-snapshot-") as directory, sync_playwright() as playwright:
        for name, (graph, positions) in graphs(chosen).items():
            row = {"graph": name, "nodes": graph.node_count, "edges": graph.edge_count}
            page_path = Path(directory) / f"{name}.html"
            started = time.perf_counter()
            page_path.write_text(snapshot_page(graph, ViewConfig(), positions), encoding="utf-8")
            row["helios"] = {"write_s": round(time.perf_counter() - started, 2),
                             "megabytes": round(page_path.stat().st_size / 1e6, 2)}
            for label, flags in (("webgl", ()), ("canvas", ("--disable-3d-apis",))):
                row["helios"][label] = measure_page(playwright, page_path, "window.__helios && window.__helios.ready"
                                                    " && window.__helios.framesDrawn > 0", "__helios.firstPictureAt",
                                                    "__helios.framesDrawn", flags)
            peer_path = Path(directory) / f"{name}-pyvis.html"
            try:
                if graph.edge_count > PYVIS_MOST_EDGES:
                    raise TimeoutError(f"not run past {PYVIS_MOST_EDGES:,} edges: pyvis adds edges in quadratic time")
                started = time.perf_counter()
                pyvis_page(graph, positions, peer_path)
                row["pyvis"] = {"write_s": round(time.perf_counter() - started, 2),
                                "megabytes": round(peer_path.stat().st_size / 1e6, 2),
                                **measure_page(playwright, peer_path, "window.__firstAt", "window.__firstAt",
                                               "window.__frames")}
            except Exception as error:  # noqa: BLE001 - the peer's limit is a result, reported
                row["pyvis"] = {"skipped": str(error).splitlines()[0][:120]}
            rows.append(row)
            print(json.dumps(row), flush=True)
    RESULTS.mkdir(exist_ok=True)
    machine = {"python": platform.python_version(), "machine": platform.machine(), "cpus": __import__("os").cpu_count()}
    (RESULTS / "snapshot.json").write_text(json.dumps({"machine": machine, "rows": rows}, indent=1))
    lines = [("| graph | nodes | edges | Helios MB | pyvis MB | Helios first picture ms (WebGL / Canvas) | "
             "pyvis first picture ms | Helios pan fps (WebGL / Canvas) | pyvis pan fps |"),
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for row in rows:
        helios, peer = row["helios"], row["pyvis"]
        canvas = helios.get("canvas", {})
        lines.append(f"| {row['graph']} | {row['nodes']:,} | {row['edges']:,} | {helios['megabytes']} | "
                     f"{peer.get('megabytes', '—')} | {helios['webgl']['first_picture_ms']} / "
                     f"{canvas.get('first_picture_ms', '—')} | {peer.get('first_picture_ms', '—')} | "
                     f"{helios['webgl']['pan_fps']} / {canvas.get('pan_fps', '—')} | {peer.get('pan_fps', '—')} |")
    (RESULTS / "snapshot.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
