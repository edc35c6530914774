"""Benchmark: loading real graph files into our Graph model, against the peer readers, in the same run.

Run from the repository root (``.venv/bin/python bench/io.py``). Prints a Markdown table and writes it to
``bench/results/io.md``. Each reader is timed on the same file in the same process: ours (``read_graph``,
which builds the Graph with validated, read-only arrays) against the reader a user would otherwise call
(networkx, scipy). A time is the best of several runs after one warm-up run, so that page-cache and import
costs do not count for either side. The 1M-edge edge list is generated into a temporary file at run time
(seeded, not committed).

Targets from the issue: >= 3x networkx.read_gml on as-22july06.gml, >= 5x networkx.read_edgelist on
Email-Enron.txt.gz, and a 1M-edge edge list in <= 2 s.

``--memory`` measures peak memory instead (``bench/results/io_memory.md``): generated edge lists of 10, 100
and 500 MB (``--sizes``), with integer ids and with URL-like ids, each read once in a fresh process by
ours, ``pandas.read_csv(sep=" ", header=None)`` and ``igraph.Graph.Read_Ncol``. A process reports its wall
time for the read alone and its peak resident memory (``VmHWM``), before and after the read; the table
gives the peak, the growth during the read as a multiple of the file size, and ours / peer ratios. Target
from issue 20: our growth at most 3x the file + 300 MB.
"""

from __future__ import annotations

import argparse
import gc
import os
import platform
import subprocess
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
MEMORY_RESULTS = ROOT / "bench" / "results" / "io_memory.md"
MEMORY_READERS = ("helios", "pandas", "igraph")
MEMORY_TARGET_FACTOR, MEMORY_TARGET_MB = 3.0, 300.0
# One read in a fresh process: prints the read's wall time and the peak resident bytes before and after it.
MEMORY_CHILD = """
import sys, time
reader, path, root = sys.argv[1:4]
def peak():
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
if reader == "helios":
    sys.path.insert(0, root)
    from helios_app.io import read_graph
    read = lambda: read_graph(path)
elif reader == "pandas":
    import pandas
    read = lambda: pandas.read_csv(path, sep=" ", header=None)
else:
    import igraph
    read = lambda: igraph.Graph.Read_Ncol(path, directed=False)
before = peak()
started = time.perf_counter()
result = read()
print(time.perf_counter() - started, before, peak())
"""


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


def make_sized_edge_list(directory: Path, size_mb: float, ids: str) -> Path:
    """A seeded edge list of about ``size_mb`` MB: ``integer`` ids (dense, as SNAP's) or ``url`` ids.

    Each node has about ten edges, drawn uniformly; lines are ``source target``, space-separated.
    """
    rng = np.random.default_rng(20240521)
    line_bytes = 14 if ids == "integer" else 80
    line_count = int(size_mb * 1e6 / line_bytes)
    node_count = max(line_count // 5, 10)
    path = directory / f"{ids}-{size_mb:g}MB.txt"
    with path.open("w") as stream:
        written = 0
        while written < size_mb * 1e6:
            sources = rng.integers(0, node_count, 200_000).tolist()
            targets = rng.integers(0, node_count, 200_000).tolist()
            if ids == "integer":
                text = "".join(f"{u} {v}\n" for u, v in zip(sources, targets))
            else:
                text = "".join(
                    f"https://example.org/people/{u}/profile https://example.org/people/{v}/profile\n"
                    for u, v in zip(sources, targets)
                )
            stream.write(text)
            written += len(text)
    return path


def measure_read(reader: str, path: Path) -> dict:
    """Run one reader on ``path`` in a fresh process; its read time, peak bytes before and after the read."""
    environment = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1")
    done = subprocess.run(
        [sys.executable, "-c", MEMORY_CHILD, reader, str(path), str(ROOT)],
        capture_output=True, text=True, env=environment, check=False,
    )  # fmt: skip
    if done.returncode != 0:
        return {"failed": (done.stderr.strip().splitlines() or [f"exit code {done.returncode}"])[-1][:80]}
    seconds, before, after = done.stdout.split()
    return {"seconds": float(seconds), "before": int(before), "peak": int(after)}


def run_memory(arguments: argparse.Namespace) -> int:
    """The ``--memory`` benchmark: peak memory and time of ours and the peers on generated edge lists."""
    rows = []
    met = True
    with tempfile.TemporaryDirectory(prefix="helios-bench-memory-") as scratch:
        for size_mb in arguments.sizes:
            for ids in ("integer", "url"):
                path = make_sized_edge_list(Path(scratch), size_mb, ids)
                file_mb = path.stat().st_size / 1e6
                results = {reader: measure_read(reader, path) for reader in MEMORY_READERS}
                path.unlink()
                ours = results["helios"]
                for reader, result in results.items():
                    if "failed" in result:
                        failure = f"fails: {result['failed']}"
                        rows.append(f"| {ids} ids | {file_mb:.0f} | {reader} | {failure} |||||")
                        print(rows[-1], flush=True)
                        continue
                    growth_mb = (result["peak"] - result["before"]) / 1e6
                    ratios = "| | |"
                    if reader != "helios" and "failed" not in ours:
                        ratios = (f"| {ours['seconds'] / result['seconds']:.2f} | "
                                  f"{ours['peak'] / result['peak']:.2f} |")  # fmt: skip
                    target = ""
                    if reader == "helios":
                        within = growth_mb <= MEMORY_TARGET_FACTOR * file_mb + MEMORY_TARGET_MB
                        target = " (target met)" if within else " (target MISSED)"
                        met &= within
                    rows.append(
                        f"| {ids} ids | {file_mb:.0f} | {reader} | {result['seconds']:.2f} s | "
                        f"{result['peak'] / 1e6:.0f} MB | {growth_mb / file_mb:.2f}x{target} {ratios}"
                    )
                    print(rows[-1], flush=True)
    header = [
        "# Reading generated edge lists: time and peak memory, Helios `read_graph` vs pandas and igraph",
        "",
        (f"{platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}, "
         f"numpy {np.__version__}. Each read in a fresh process; time of the read alone; peak = VmHWM after "
         "the read, growth = peak minus the peak before the read (interpreter and imports), as a multiple of "
         "the file size. Ratios are ours / peer (below 1: ours is faster or smaller). Target: growth <= "
         f"{MEMORY_TARGET_FACTOR:g}x the file + {MEMORY_TARGET_MB:g} MB."),
        "",
        "| file | MB | reader | time | peak | growth / file | time ours/peer | peak ours/peer |",
        "|---|---:|---|---:|---:|---:|---:|---:|",
    ]  # fmt: skip
    table = "\n".join(header + rows) + "\n"
    arguments.output.parent.mkdir(parents=True, exist_ok=True)
    arguments.output.write_text(table)
    print(f"\nwritten to {arguments.output}")
    return 0 if met else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=DATA, help="the real files (default: ../shared/data)")
    parser.add_argument("--repeats", type=int, default=5, help="timed runs of our reader per file")
    parser.add_argument("--peer-repeats", type=int, default=2, help="timed runs of a peer reader per file")
    parser.add_argument("--output", type=Path, default=None, help="where to write the Markdown table")
    parser.add_argument("--memory", action="store_true",
                        help="measure peak memory on generated edge lists against pandas and igraph instead")
    parser.add_argument("--sizes", type=float, nargs="+", default=[10, 100, 500], metavar="MB",
                        help="with --memory: the sizes of the generated edge lists (default: 10 100 500)")
    arguments = parser.parse_args()
    if arguments.memory:
        arguments.output = arguments.output or MEMORY_RESULTS
        return run_memory(arguments)
    arguments.output = arguments.output or RESULTS
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
