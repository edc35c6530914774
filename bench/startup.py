"""Start-up: how long a user waits before anything happens, median of ``--runs`` fresh processes.

- ``helios layout data/karate.gml -o x.csv`` against the equivalent python-igraph one-liner (read the
  GML, Fruchterman-Reingold, write a CSV), both as fresh ``python`` processes.
- numba's floor: a fresh ``python`` that imports numba and calls one cached kernel of ours (the least
  any layout with numba kernels costs before it does anything).
- ``helios view data/power.gml``: to the printed URL, and to its first frame (``/frame.jpg`` answers).

Numba's disk cache is warm (``python -m layouts.warmup`` ran at set-up), as it is for a user.

    .venv/bin/python bench/startup.py [--runs 5]
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
DATA = HERE.parent / "data"

IGRAPH_ONE_LINER = (
    "import igraph, sys; g = igraph.Graph.Read_GML(sys.argv[1]); layout = g.layout_fruchterman_reingold(); "
    "open(sys.argv[2], 'w').write('id,x,y\\n' + ''.join(f'{i},{x},{y}\\n' for i, (x, y) in enumerate(layout)))"
)


NUMBA_FLOOR = (
    "import sys, numba; sys.path.insert(0, sys.argv[1]); from layouts.graph import _farthest; import numpy as np; "
    "_farthest(np.zeros(2, dtype=np.int64), np.zeros(0, dtype=np.int32), 0)"
)  # what any numba kernel costs a fresh process: numba's import and its first cached function


def timed(command: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True)
    return time.perf_counter() - started


def view_start(graph: Path) -> tuple[float, float]:
    """Seconds to the printed URL and to the first frame of ``helios view``."""
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "helios_app", "view", str(graph), "--port", "0", "--no-window"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    try:
        url = None
        for line in process.stdout:
            match = re.search(r"open (http://\S+)", line)
            if match:
                url = match.group(1)
                break
        url_s = time.perf_counter() - started
        if url is None:
            raise RuntimeError("helios view printed no URL")
        while True:
            try:
                urllib.request.urlopen(url.replace("/?", "/frame.jpg?"), timeout=10).read()
                break
            except OSError:
                time.sleep(0.01)
        return url_s, time.perf_counter() - started
    finally:
        process.terminate()
        process.wait(10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--output", type=Path, default=HERE / "results" / "startup.json")
    arguments = parser.parse_args()
    karate = DATA / "karate.gml"
    with tempfile.TemporaryDirectory() as directory:
        output = str(Path(directory) / "x.csv")
        helios = [timed([sys.executable, "-m", "helios_app", "layout", str(karate), "-o", output])
                  for _ in range(arguments.runs)]
        igraph = [timed([sys.executable, "-c", IGRAPH_ONE_LINER, str(karate), output]) for _ in range(arguments.runs)]
    floor = [timed([sys.executable, "-c", NUMBA_FLOOR, str(HERE.parent)]) for _ in range(arguments.runs)]
    views = [view_start(DATA / "power.gml") for _ in range(arguments.runs)]
    result = {
        "helios_layout_karate_s": round(statistics.median(helios), 3),
        "igraph_one_liner_karate_s": round(statistics.median(igraph), 3),
        "ratio": round(statistics.median(helios) / statistics.median(igraph), 2),
        "numba_floor_s": round(statistics.median(floor), 3),
        "helios_view_power_url_s": round(statistics.median(url for url, _ in views), 3),
        "helios_view_power_first_frame_s": round(statistics.median(frame for _, frame in views), 3),
        "runs": arguments.runs,
    }
    arguments.output.parent.mkdir(parents=True, exist_ok=True)
    arguments.output.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
