"""Set-up's warm-up (``python -m layouts.warmup``) compiles every kernel a live view uses, so the
first ``helios view`` compiles nothing: a kernel compiling in the worker could not be stopped."""

import subprocess
import sys
from pathlib import Path

from conftest import SHARED_DATA

VIEW_AFTER_WARMUP = """
import importlib, sys, time, numba
from layouts.warmup import compile_kernels
from helios_app.io import read_graph
from helios_app.session import ViewConfig, ViewSession

MODULES = ("barnes_hut", "base", "buffer", "force_directed", "force_atlas2", "graph", "multilevel", "packing")

def signatures():
    found = {}
    for module in MODULES:
        for name, value in vars(importlib.import_module("layouts." + module)).items():
            if isinstance(value, numba.core.registry.CPUDispatcher):
                found[module + "." + name] = set(map(str, value.signatures))
    return found

compile_kernels()
before = signatures()
for layout in ("fr", "fa2"):
    for dimensions in (2, 3):
        graph = read_graph(sys.argv[1])
        session = ViewSession(graph, ViewConfig(port=0, layout=layout, dimensions=dimensions)).start()
        deadline = time.monotonic() + 20
        while session.status()["layout"]["iteration"] < 5 and time.monotonic() < deadline:
            time.sleep(0.1)
        session.stop()
after = signatures()
for name, found in after.items():
    for signature in found - before.get(name, set()):
        print("compiled by the view:", name, signature)
print("done")
"""


def test_the_first_view_compiles_nothing_after_warmup():
    root = Path(__file__).resolve().parents[1]
    result = subprocess.run(
        [sys.executable, "-c", VIEW_AFTER_WARMUP, str(SHARED_DATA / "power.gml")],
        cwd=root, check=False, capture_output=True, text=True, timeout=600,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().endswith("done"), result.stdout + result.stderr
    assert "compiled by the view" not in result.stdout, result.stdout
