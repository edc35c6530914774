"""Headless layout runs: the registry of algorithms and :func:`run_layout`."""

from __future__ import annotations

import logging
import time
from typing import Any

import numpy as np

from .base import ForceLayout
from .force_atlas2 import ForceAtlas2
from .force_directed import ForceDirectedLayout
from .worker import DEFAULT_SETTLE_ITERATIONS, DEFAULT_SETTLE_TOLERANCE, SettleDetector

__all__ = ["DEFAULT_MAXIMUM_ITERATIONS", "LAYOUT_ALGORITHMS", "run_layout"]

logger = logging.getLogger(__name__)

LAYOUT_ALGORITHMS: dict[str, type[ForceLayout]] = {
    "fr": ForceDirectedLayout,
    "fa2": ForceAtlas2,
}
"""Layout classes by name. All share the constructor
``(edges, node_count, dimensions=2, seed=0, weights=None, initial_positions=None, **parameters)``
and the methods ``step``, ``reheat``, ``pin``/``unpin``/``set_pins``, ``set_parameters`` and the graph
edits, so a worker or a command line can take any of them."""

DEFAULT_MAXIMUM_ITERATIONS = 3000
"""Safety stop of :func:`run_layout` when it waits for the layout to settle."""


def run_layout(
    edges: np.ndarray,
    node_count: int,
    algorithm: str = "fr",
    dimensions: int = 2,
    seed: int = 0,
    iterations: int | None = None,
    *,
    weights: np.ndarray | None = None,
    initial_positions: np.ndarray | None = None,
    settle_tolerance: float = DEFAULT_SETTLE_TOLERANCE,
    settle_iterations: int = DEFAULT_SETTLE_ITERATIONS,
    maximum_iterations: int = DEFAULT_MAXIMUM_ITERATIONS,
    **parameters: Any,
) -> tuple[np.ndarray, int, float]:
    """Lay a graph out on the calling thread until it settles (or for a fixed number of iterations).

    "Settled" is decided exactly as :class:`~layouts.worker.LayoutWorker` decides it
    (:class:`~layouts.worker.SettleDetector`): the mean displacement stays below ``settle_tolerance``
    of the layout's size for ``settle_iterations`` consecutive steps.

    Parameters
    ----------
    edges : numpy.ndarray
        ``(m, 2)`` integer node indices, undirected, without self-loops.
    node_count : int
        Number of nodes.
    algorithm : str, optional
        A key of :data:`LAYOUT_ALGORITHMS` (``"fr"`` or ``"fa2"``).
    dimensions : int, optional
        2 or 3.
    seed : int, optional
        Seed: the same seed (and thread count) gives the same positions.
    iterations : int, optional
        Run exactly this many iterations; by default run until settled (at most
        ``maximum_iterations``).
    weights, initial_positions : numpy.ndarray, optional
        Passed to the layout class.
    settle_tolerance, settle_iterations : optional
        Settle criterion (see above).
    maximum_iterations : int, optional
        Safety stop when waiting to settle.
    **parameters
        Algorithm parameters (see the class's parameter dataclass).

    Returns
    -------
    tuple
        ``(positions, iterations_done, seconds)``: ``(n, dimensions)`` float64 positions, the number of
        iterations run, and the wall time in seconds including setup.

    Raises
    ------
    ValueError
        If the algorithm is unknown or an argument is invalid.

    Examples
    --------
    >>> positions, iterations_done, seconds = run_layout(np.array([[0, 1], [1, 2]]), 3, seed=1)
    >>> positions.shape
    (3, 2)
    """
    try:
        layout_type = LAYOUT_ALGORITHMS[algorithm]
    except KeyError:
        raise ValueError(
            f"run_layout: unknown algorithm {algorithm!r}; choose one of {', '.join(LAYOUT_ALGORITHMS)}"
        ) from None
    if iterations is not None and iterations < 0:
        raise ValueError(f"run_layout: iterations must be >= 0, got {iterations}")
    started_s = time.perf_counter()
    layout = layout_type(
        edges, node_count, dimensions=dimensions, seed=seed, weights=weights,
        initial_positions=initial_positions, **parameters,
    )  # fmt: skip
    done = settle_layout(layout, iterations, settle_tolerance, settle_iterations, maximum_iterations)
    positions = layout.positions.copy()
    seconds = time.perf_counter() - started_s
    logger.debug("run_layout %s: %d nodes, %d iterations, %.3f s", algorithm, node_count, done, seconds)
    return positions, done, seconds


def settle_layout(
    layout: Any,
    iterations: int | None = None,
    settle_tolerance: float = DEFAULT_SETTLE_TOLERANCE,
    settle_iterations: int = DEFAULT_SETTLE_ITERATIONS,
    maximum_iterations: int = DEFAULT_MAXIMUM_ITERATIONS,
) -> int:
    """Step ``layout`` on the calling thread until it settles (as :class:`~layouts.worker.LayoutWorker`
    decides it) or for exactly ``iterations`` steps; return the number of steps."""
    if iterations is not None and iterations < 0:
        raise ValueError(f"settle_layout: iterations must be >= 0, got {iterations}")
    detector = SettleDetector(settle_tolerance, settle_iterations, layout.ideal_edge_length)
    limit = maximum_iterations if iterations is None else iterations
    done = 0
    while done < limit:
        displacement = layout.step()
        done += 1
        if iterations is None and layout.can_settle and detector.update(displacement, layout.positions):
            break
    return done
