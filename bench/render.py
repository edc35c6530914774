"""Rendering speed of the live view on this machine (llvmpipe when there is no GPU).

For each size, a graph whose edges join near neighbours (as in a settled layout) is rendered
while the camera rotates (3D) and pans (2D), with and without level of detail, and the time for
the full-quality picture after the camera stops is measured. Each case runs twice: as a desktop
window's picture (always the asked size), and as a served picture, whose size in motion the render
budget bounds (``GraphScene(scale_in_motion=True)``, what ``helios view`` serves).

With ``--arrows`` every edge is directed (a random way) and drawn with an arrowhead at its target's rim
(``--widths`` adds widths from a heavy-tailed weight), the heaviest case of issue 21's edges.

Usage: python bench/render.py [--sizes 10000:50000,100000:1000000] [--frames 30] [--size 1280x720] [--arrows]
Writes a Markdown table to stdout and to bench/results/render[-arrows]-WxH.md.
"""

from __future__ import annotations

import argparse
import platform
import time
from pathlib import Path

import numpy as np
from scipy.spatial import cKDTree

from helios_app.graph.edge_encodings import EdgeEncoding
from helios_app.render.scene import GraphScene


def layout_like_graph(node_count: int, edge_count: int, dimensions: int, seed: int = 0):
    """Points in a ball, each joined to some of its nearest neighbours: edges as short as a real layout's."""
    rng = np.random.default_rng(seed)
    positions = rng.normal(size=(node_count, dimensions)).astype(np.float32)
    neighbours = max(2, round(2 * edge_count / node_count) + 1)
    _, nearest = cKDTree(positions).query(positions, k=neighbours)
    sources = np.repeat(np.arange(node_count), neighbours - 1)
    edges = np.c_[sources, nearest[:, 1:].ravel()]
    edges = np.unique(np.sort(edges, axis=1), axis=0)
    edges = edges[rng.permutation(len(edges))[:edge_count]].astype(np.int32)
    return edges, positions


def measure(edges, positions, dimensions: int, frames: int, size: tuple[int, int], scale_in_motion: bool,
            edge_encoding: EdgeEncoding | None = None) -> dict:
    node_count = len(positions)
    scene = GraphScene(edges, node_count, dimensions, *size, labels=[str(i) for i in range(node_count)],
                       scale_in_motion=scale_in_motion, edge_encoding=edge_encoding)
    try:
        scene.set_positions(positions)
        scene.render()
        drag = {"type": "pointer", "button": "left", "shift": False, "ctrl": False, "viewer_id": "bench"}
        scene.apply_event({**drag, "action": "down", "x": 0.01, "y": 0.01})
        started = time.perf_counter()
        moving_sizes = []
        for index in range(frames):
            scene.apply_event({**drag, "action": "move", "x": 0.01 + 0.004 * (index + 1), "y": 0.01})
            scene.needs_render()
            moving_sizes.append(scene.render().shape[1::-1])
        moving_fps = frames / (time.perf_counter() - started)
        used_level_of_detail = scene.showing_level_of_detail
        scene.apply_event({**drag, "action": "up", "x": 0.01 + 0.004 * frames, "y": 0.01})
        started = time.perf_counter()
        while not scene.picture_is_final:  # poll as the render loop does, at its frame interval
            if scene.needs_render():
                scene.render()
            else:
                time.sleep(1 / 30)
        full_quality_s = time.perf_counter() - started
        idle_started = time.perf_counter()
        for _ in range(3):
            scene.render()
        full_frame_s = (time.perf_counter() - idle_started) / 3
        still_size = scene.render().shape[1::-1]
        return {"moving_fps": moving_fps, "full_quality_s": full_quality_s, "full_frame_ms": full_frame_s * 1000,
                "level_of_detail": used_level_of_detail, "moving_size": moving_sizes[-1], "still_size": still_size}
    finally:
        scene.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="10000:50000,100000:1000000")
    parser.add_argument("--frames", type=int, default=30)
    parser.add_argument("--size", default="1280x720", help="the asked picture size, WIDTHxHEIGHT")
    parser.add_argument("--arrows", action="store_true", help="directed edges with arrowheads")
    parser.add_argument("--widths", action="store_true", help="with --arrows: widths from heavy-tailed weights")
    arguments = parser.parse_args()
    size = tuple(int(part) for part in arguments.size.lower().split("x"))
    rows = []
    for graph_size in arguments.sizes.split(","):
        node_count, edge_count = (int(part) for part in graph_size.split(":"))
        for dimensions in (3, 2):
            edges, positions = layout_like_graph(node_count, edge_count, dimensions)
            encoding = None
            if arguments.arrows:
                rng = np.random.default_rng(1)
                flip = rng.random(len(edges)) < 0.5
                edges[flip] = edges[flip, ::-1]
                widths = None
                if arguments.widths:
                    widths = (0.5 + 5.5 * np.log1p(rng.pareto(1.5, len(edges))) / 6.0).clip(0.5, 6.0).astype(np.float32)
                encoding = EdgeEncoding(arrows=np.ones(len(edges), dtype=bool), widths_px=widths)
            window, served = (measure(edges, positions, dimensions, arguments.frames, size, scaled, encoding)
                              for scaled in (False, True))
            action = "rotating" if dimensions == 3 else "panning"
            rows.append(
                f"| {node_count:,} / {edge_count:,} | {dimensions}D, {action} | {window['moving_fps']:.1f} | "
                f"{served['moving_fps']:.1f} at {'x'.join(map(str, served['moving_size']))} | "
                f"{'yes' if window['level_of_detail'] else 'no'} | "
                f"{window['full_frame_ms']:.0f} | {served['full_quality_s']:.2f} at "
                f"{'x'.join(map(str, served['still_size']))} |"
            )
            print(rows[-1], flush=True)
    table = "\n".join(
        [
            (f"Rendering at {size[0]}x{size[1]} on {platform.processor() or platform.machine()}, "
            "off-screen (EGL, Mesa llvmpipe when there is no GPU)"
            + (", every edge directed with an arrowhead" + (" and a width" if arguments.widths else "")
               if arguments.arrows else "") + "."),
            "",
            ("| nodes / edges | camera | frames/s while moving, window | served (size in motion) | level of detail "
             "| full-quality frame (ms) | served: full quality after stop (s, size) |"),
            "|---|---|---:|---:|---|---:|---:|",
            *rows,
        ]
    )
    print(table)
    kind = "-arrows" if arguments.arrows else ""
    output = Path(__file__).parent / "results" / f"render{kind}-{size[0]}x{size[1]}.md"
    output.parent.mkdir(exist_ok=True)
    output.write_text(table + "\n")


if __name__ == "__main__":
    main()
