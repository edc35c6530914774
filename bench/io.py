"""Benchmark: loading real graph files into our Graph model, against the peer readers, in the same run.

Run from the repository root (``.venv/bin/python bench/io.py``). Prints a Markdown table and writes it to
``bench/results/io.md``. Each reader is timed on the same file in the same process: ours (``read_graph``,
which builds the Graph with validated, read-only arrays) against the reader a user would otherwise call
(networkx, scipy). A time is the best of several runs after one warm-up run, so that page-cache and import
costs do not count for either side. The 1M-edge edge list is generated into a temporary file at run time
(seeded, not committed).

Targets from the issue: >= 3x networkx.read_gml on as-22july06.gml, >= 5x networkx.read_edgelist on
Email-Enron.txt.gz, and a 1M-edge edge list in <= 2 s.
"""

from __future__ import annotations

import argparse
import gc
import os
import platform
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import networkx as nx
import numpy as np
import scipy
import scipy.io

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from helios_app.io import read_graph

DATA = ROOT.parent / "shared" / "data"
RESULTS = ROOT / "bench" / "results" / "io.md"


def best_time(function: Callable[[], object], repeats: int) -> tuple[float, object]:
    """Best wall time of ``repeats`` runs after a warm-up run, and the warm-up's result."""
    result = function()
    best = float("inf")
    for _ in range(repeats):
        gc.collect()
        started = time.perf_counter()
        function()
        best = min(best, time.perf_counter() - started)
    return best, result


def attempt(function: Callable[[], object], repeats: int) -> tuple[float | None, str]:
    """Time a peer reader; a reader that fails gives None and the reason."""
    try:
        elapsed, _ = best_time(function, repeats)
    except Exception as error:  # noqa: BLE001 - a peer that refuses the file is a finding, not a crash
        return None, f"fails: {type(error).__name__}: {str(error).splitlines()[0][:60]}"
    return elapsed, ""


def make_million_edge_list(directory: Path) -> Path:
    """A seeded 1M-edge edge list (tab-separated, 0-based ids, a '#' header like SNAP's)."""
    rng = np.random.default_rng(20240521)
    node_count = 250_000
    # Heavy-tailed degrees: endpoints drawn with a Zipf-like weight, as in real social and web graphs.
    weights = 1.0 / np.arange(1, node_count + 1) ** 0.8
    weights /= weights.sum()
    sources = rng.choice(node_count, size=1_000_000, p=weights)
    targets = rng.integers(0, node_count, size=1_000_000)
    permutation = rng.permutation(node_count)
    pairs = zip(permutation[sources].tolist(), permutation[targets].tolist())
    lines = "\n".join(f"{u}\t{v}" for u, v in pairs)
    path = directory / "million.txt"
    path.write_text(f"# synthetic 1M-edge edge list, seed 20240521\n# FromNodeId\tToNodeId\n{lines}\n")
    return path


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=DATA, help="the real files (default: ../shared/data)")
    parser.add_argument("--repeats", type=int, default=5, help="timed runs of our reader per file")
    parser.add_argument("--peer-repeats", type=int, default=2, help="timed runs of a peer reader per file")
    parser.add_argument("--output", type=Path, default=RESULTS, help="where to write the Markdown table")
    arguments = parser.parse_args()
    data = arguments.data

    with tempfile.TemporaryDirectory(prefix="helios-bench-") as scratch:
        million = make_million_edge_list(Path(scratch))
        edgelist = ("networkx.read_edgelist", nx.read_edgelist)
        mmread = ("scipy.io.mmread", scipy.io.mmread)
        cases = [
            # (file, shown name, (peer name, peer reader), target ratio, target seconds)
            (data / "as-22july06.gml", "as-22july06.gml", ("networkx.read_gml", nx.read_gml), 3.0, None),
            (data / "Email-Enron.txt.gz", "Email-Enron.txt.gz", edgelist, 5.0, None),
            (million, "1M-edge edge list (generated)", edgelist, None, 2.0),
            (data / "facebook_combined.txt.gz", "facebook_combined.txt.gz", edgelist, None, None),
            (data / "polblogs.gml", "polblogs.gml", ("networkx.read_gml", nx.read_gml), None, None),
            (data / "wiki.graphml", "wiki.graphml", ("networkx.read_graphml", nx.read_graphml), None, None),
            (data / "diseasome.gexf", "diseasome.gexf", ("networkx.read_gexf", nx.read_gexf), None, None),
            (data / "jazz.net", "jazz.net", ("networkx.read_pajek", nx.read_pajek), None, None),
            (data / "luxembourg_osm.mtx.gz", "luxembourg_osm.mtx.gz", mmread, None, None),
        ]
        rows = []
        all_met = True
        for path, shown, (peer_name, peer), target_ratio, target_s in cases:
            ours_s, graph = best_time(lambda path=path: read_graph(path), arguments.repeats)
            peer_s, peer_note = attempt(lambda peer=peer, path=path: peer(path), arguments.peer_repeats)
            ratio = f"{peer_s / ours_s:.1f}x" if peer_s else "-"
            target = ""
            if target_ratio is not None:
                met = peer_s is not None and peer_s / ours_s >= target_ratio
                target = f">= {target_ratio:g}x: {'met' if met else 'MISSED'}"
                all_met &= met
            if target_s is not None:
                met = ours_s <= target_s
                target = f"<= {target_s:g} s: {'met' if met else 'MISSED'}"
                all_met &= met
            peer_text = f"{peer_s:.3f} s" if peer_s is not None else peer_note
            rows.append(
                f"| {shown} | {graph.node_count:,} / {graph.edge_count:,} | {ours_s:.3f} s | {peer_name} | "
                f"{peer_text} | {ratio} | {target} |"
            )
            print(rows[-1], flush=True)

    header = [
        "# Loading graph files: Helios `read_graph` vs the peer readers",
        "",
        (f"{platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}, "
        f"numpy {np.__version__}, networkx {nx.__version__}, scipy {scipy.__version__}. "
        f"Best of {arguments.repeats} runs (ours) and {arguments.peer_repeats} runs (peer) after a warm-up, "
        "same process, same file."),
        "",
        "| file | nodes / edge records | ours | peer | peer time | speed-up | target |",
        "|---|---:|---:|---|---:|---:|---|",
    ]
    table = "\n".join(header + rows) + "\n"
    arguments.output.parent.mkdir(parents=True, exist_ok=True)
    arguments.output.write_text(table)
    print(f"\nwritten to {arguments.output}")
    return 0 if all_met else 1


if __name__ == "__main__":
    sys.exit(main())
