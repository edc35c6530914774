"""Edges inserted into a running view: sustained rate, the caller's cost, and whether layout and picture follow.

A view of ``data/power.gml`` (4,941 nodes) gets ``--rate`` random new edges a second, in batches of
``--batch``, for ``--seconds`` through ``View.add_edges`` while its layout runs. Measured: the rate
reached, the caller's time per batch, the layout's iterations meanwhile (a restart would reset them),
the frames rendered, and how long after the last batch the scene shows every edge. The peer, in the
same process: python-igraph's ``Graph.add_edges`` for the same batches (a graph update only: no
layout, no picture), as the scale of what one insertion costs in a C library.

    .venv/bin/python bench/live_edits.py [--rate 10000] [--batch 100] [--seconds 5]
"""

from __future__ import annotations

import argparse
import itertools
import json
import queue
import statistics
import time
from pathlib import Path

import numpy as np

import helios_app

HERE = Path(__file__).resolve().parent
GRAPH = HERE.parent / "data" / "power.gml"


def scene_edge_count(view) -> int:
    answer: queue.Queue = queue.Queue()
    view.session.render_loop.edit(lambda scene: answer.put(len(scene._edges)))
    return answer.get(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=int, default=10_000, help="edges per second asked for")
    parser.add_argument("--batch", type=int, default=100, help="edges per add_edges call")
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--output", type=Path, default=HERE / "results" / "live-edits.json")
    arguments = parser.parse_args()

    rng = np.random.default_rng(0)
    view = helios_app.show(str(GRAPH))
    try:
        deadline = time.monotonic() + 60
        while view.layout.state != "settled" and time.monotonic() < deadline:
            time.sleep(0.2)
        ids = view.node_ids
        batches = []
        for _ in range(int(arguments.rate * arguments.seconds / arguments.batch)):
            pairs = rng.integers(0, len(ids), (arguments.batch, 2))
            batches.append([(ids[a], ids[b]) for a, b in pairs if a != b])
        view.layout.restart(seed=1)  # the layout runs while the edges arrive
        time.sleep(0.5)
        iteration_before = view.layout.iteration
        frames_before = view.session.render_loop.frames_rendered
        interval_s = arguments.batch / arguments.rate
        call_times, iterations = [], []
        started = time.perf_counter()
        for index, batch in enumerate(batches):
            wait = started + index * interval_s - time.perf_counter()
            if wait > 0:
                time.sleep(wait)
            call_started = time.perf_counter()
            view.add_edges(batch)
            call_times.append(time.perf_counter() - call_started)
            iterations.append(view.layout.iteration)
        elapsed = time.perf_counter() - started
        inserted = sum(len(batch) for batch in batches)
        expected_edges = len(view.session.graph.layout_edges())
        caught_up_started = time.perf_counter()
        while scene_edge_count(view) != expected_edges and time.perf_counter() - caught_up_started < 30:
            time.sleep(0.02)
        caught_up_s = time.perf_counter() - caught_up_started
        frames = view.session.render_loop.frames_rendered - frames_before
        restarted = any(later < earlier for earlier, later in itertools.pairwise(iterations))
        layout_iterations = view.layout.iteration - iteration_before
    finally:
        view.stop()

    import igraph

    index_of = {node_id: index for index, node_id in enumerate(ids)}
    peer = igraph.Graph()
    peer.add_vertices(len(ids))
    peer_started = time.perf_counter()
    for batch in batches:
        peer.add_edges([(index_of[u], index_of[v]) for u, v in batch])
    peer_s = time.perf_counter() - peer_started

    result = {
        "graph": GRAPH.name, "asked_rate": arguments.rate, "batch": arguments.batch,
        "inserted": inserted, "seconds": round(elapsed, 2), "rate": round(inserted / elapsed),
        "call_ms_median": round(statistics.median(call_times) * 1000, 2),
        "call_ms_p95": round(sorted(call_times)[int(0.95 * len(call_times))] * 1000, 2),
        "layout_iterations_meanwhile": layout_iterations, "layout_restarted": restarted,
        "frames_rendered_meanwhile": frames, "picture_caught_up_s": round(caught_up_s, 2),
        "igraph_add_edges_ms_per_batch": round(peer_s / len(batches) * 1000, 3),
        "ratio_call_to_igraph": round(statistics.median(call_times) / (peer_s / len(batches)), 1),
    }
    arguments.output.parent.mkdir(parents=True, exist_ok=True)
    arguments.output.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
