"""Compile every layout kernel into numba's disk cache ahead of the first view.

numba compiles on first use, which takes tens of seconds for all kernels; a layout step that is
compiling cannot be interrupted. Set-up runs this once (``python -m layouts.warmup``), so that
the first ``helios view`` starts at once and stops within its time limit.
"""

from __future__ import annotations

import time

import numpy as np

from .buffer import PositionBuffer
from .run import LAYOUT_ALGORITHMS

WARMUP_NODES = 1_200  # above the multilevel threshold, so the coarsening kernels compile too


def compile_kernels() -> float:
    """Run every algorithm briefly in 2D and 3D, publishing through a PositionBuffer as the view
    does; return the seconds it took."""
    started = time.perf_counter()
    rng = np.random.default_rng(0)
    edges = np.unique(np.sort(rng.integers(0, WARMUP_NODES, size=(3 * WARMUP_NODES, 2)), axis=1), axis=0)
    edges = edges[edges[:, 0] != edges[:, 1]].astype(np.int32)
    for algorithm in LAYOUT_ALGORITHMS.values():
        for dimensions in (2, 3):
            layout = algorithm(edges, WARMUP_NODES, dimensions=dimensions, seed=0)
            for _ in range(30):
                layout.step()
            layout.pin([0], layout.positions[:1])
            layout.step()
            with PositionBuffer(WARMUP_NODES, dimensions) as buffer:
                buffer.publish(layout.positions)
                buffer.read_latest()
    return time.perf_counter() - started


if __name__ == "__main__":
    print(f"layouts: kernels compiled and cached in {compile_kernels():.1f} s")
