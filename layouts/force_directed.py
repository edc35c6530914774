"""Fruchterman-Reingold (spring-electrical) force-directed layout with numba kernels.

Model (all lengths in units of the ideal edge length ``k``; here ``k = 1``):

- every pair of nodes repels with a force of magnitude ``k**2 / d``
  (:func:`repulsive_forces`, exact O(n^2) for now; a Barnes-Hut kernel with the
  same signature can replace it);
- every edge attracts its two ends with magnitude ``weight * d**2 / k``
  (:func:`attractive_forces`); the two balance at ``d = k`` for a lone edge;
- a weak linear gravity ``-gravity * x`` pulls every node toward the origin
  (:func:`gravity_forces`) so disconnected components and isolated nodes stay at
  a bounded distance instead of drifting away;
- each iteration moves a node along its net force by at most the current
  *temperature* (:func:`displace_nodes`), and the temperature then cools slowly,
  so the layout keeps improving for a few hundred iterations and then freezes.

All kernels are plain functions of arrays, compiled with ``nogil=True, cache=True``
so a layout thread never holds the GIL while it computes.
"""

from __future__ import annotations

import logging
import math
import threading

import numba
import numpy as np
from numba import prange

__all__ = [
    "ForceDirectedLayout",
    "attractive_forces",
    "compute_forces",
    "displace_nodes",
    "gravity_forces",
    "repulsive_forces",
]

logger = logging.getLogger(__name__)

IDEAL_EDGE_LENGTH = 1.0
"""``k``: the length an edge relaxes to; every other length below is a multiple of it."""

GRAVITY = 0.1
"""Strength of the linear pull ``-GRAVITY * x`` toward the origin (dimensionless).

At the rim of a layout of n nodes the outward repulsion is about ``k * sqrt(pi * n)``
and the gravity about ``GRAVITY * k * sqrt(n / pi)``: a ratio of ``GRAVITY / pi``,
about 3 %, so it barely compresses a connected graph, while an isolated node
settles at roughly ``k * sqrt(n / GRAVITY)`` from the centre instead of flying off.
"""

MINIMUM_DISTANCE = 0.01
"""Distances are clipped to ``MINIMUM_DISTANCE * k`` (networkx uses 0.01) so
nearly coincident nodes get a large but finite push."""

INITIAL_TEMPERATURE_RATIO = 0.1
"""Initial temperature = this times the side of the initial box (networkx uses 0.1
of the domain width): early iterations can move a node a tenth of the layout."""

COOLING_FACTOR = 0.99
"""Temperature is multiplied by this every iteration: after 300 iterations it is
5 % of the start, after 460 iterations 1 %, so the layout keeps improving for a
few hundred iterations whatever the graph size (start and size both scale with
the box side)."""

MINIMUM_TEMPERATURE = 1e-4
"""Temperature floor, in units of ``k``: a cooled layout can still follow a small
change (a dragged node), but never visibly jitters."""

REHEAT_RATIO = 0.1
""":meth:`ForceDirectedLayout.reheat` raises the temperature to this fraction of
the initial one: enough to settle a local change, not enough to scramble the layout."""

_ROW_BLOCK = 64  # rows of the repulsion matrix per parallel task: amortises the scratch row
_FASTMATH = {"nsz", "arcp", "contract", "reassoc"}  # lets LLVM vectorise the sums; no nnan/ninf

# numba's "workqueue" threading layer (used when neither TBB nor OpenMP is available) aborts
# the process if two threads launch parallel kernels at once; serialise our launches. The
# kernel uses every core anyway, so two layouts gain nothing from running it concurrently.
_PARALLEL_LAUNCH_LOCK = threading.Lock()


# --------------------------------------------------------------------------- kernels
@numba.njit(nogil=True, cache=True, parallel=True, fastmath=_FASTMATH)
def repulsive_forces(positions: np.ndarray, ideal_edge_length: float, forces: np.ndarray) -> None:
    """Overwrite ``forces`` with the exact pairwise repulsion, ``k**2 / d`` per pair.

    ``forces[i] = sum_j k**2 * (x_i - x_j) / max(|x_i - x_j|, MINIMUM_DISTANCE * k)**2``.

    Parameters
    ----------
    positions : numpy.ndarray
        ``(n, d)`` float64 node positions.
    ideal_edge_length : float
        ``k``.
    forces : numpy.ndarray
        ``(n, d)`` float64 output, overwritten.
    """
    node_count, dimensions = positions.shape
    # Structure-of-arrays copy: the inner loops then run over contiguous memory and vectorise.
    coordinates = np.empty((dimensions, node_count))
    for node in range(node_count):
        for dimension in range(dimensions):
            coordinates[dimension, node] = positions[node, dimension]
    squared_length = ideal_edge_length * ideal_edge_length
    minimum_squared_distance = (MINIMUM_DISTANCE * ideal_edge_length) ** 2
    block_count = (node_count + _ROW_BLOCK - 1) // _ROW_BLOCK
    for block in prange(block_count):
        factors = np.empty(node_count)  # one scratch row per task
        for node in range(block * _ROW_BLOCK, min(node_count, (block + 1) * _ROW_BLOCK)):
            for other in range(node_count):
                factors[other] = 0.0
            for dimension in range(dimensions):
                row = coordinates[dimension]
                own = row[node]
                for other in range(node_count):
                    difference = own - row[other]
                    factors[other] += difference * difference
            for other in range(node_count):
                factors[other] = squared_length / max(factors[other], minimum_squared_distance)
            # The node's own term has difference 0 and adds nothing: no branch needed.
            for dimension in range(dimensions):
                row = coordinates[dimension]
                own = row[node]
                total = 0.0
                for other in range(node_count):
                    total += (own - row[other]) * factors[other]
                forces[node, dimension] = total


@numba.njit(nogil=True, cache=True)
def attractive_forces(
    positions: np.ndarray,
    edges: np.ndarray,
    weights: np.ndarray,
    ideal_edge_length: float,
    forces: np.ndarray,
) -> None:
    """Add the spring attraction of every edge, ``weight * d**2 / k``, to ``forces``.

    Parameters
    ----------
    positions : numpy.ndarray
        ``(n, d)`` float64 node positions.
    edges : numpy.ndarray
        ``(m, 2)`` int32 node indices.
    weights : numpy.ndarray
        ``(m,)`` float64 edge weights.
    ideal_edge_length : float
        ``k``.
    forces : numpy.ndarray
        ``(n, d)`` float64, added to.
    """
    dimensions = positions.shape[1]
    difference = np.empty(dimensions)
    for edge in range(edges.shape[0]):
        source = edges[edge, 0]
        target = edges[edge, 1]
        squared_distance = 0.0
        for dimension in range(dimensions):
            difference[dimension] = positions[source, dimension] - positions[target, dimension]
            squared_distance += difference[dimension] * difference[dimension]
        factor = weights[edge] * math.sqrt(squared_distance) / ideal_edge_length
        for dimension in range(dimensions):
            forces[source, dimension] -= factor * difference[dimension]
            forces[target, dimension] += factor * difference[dimension]


@numba.njit(nogil=True, cache=True)
def gravity_forces(positions: np.ndarray, gravity: float, forces: np.ndarray) -> None:
    """Add the linear pull toward the origin, ``-gravity * x``, to ``forces``."""
    node_count, dimensions = positions.shape
    for node in range(node_count):
        for dimension in range(dimensions):
            forces[node, dimension] -= gravity * positions[node, dimension]


@numba.njit(nogil=True, cache=True)
def displace_nodes(positions: np.ndarray, forces: np.ndarray, temperature: float) -> float:
    """Move every node along its force by ``min(|force|, temperature)``.

    Parameters
    ----------
    positions : numpy.ndarray
        ``(n, d)`` float64, updated in place.
    forces : numpy.ndarray
        ``(n, d)`` float64 net forces.
    temperature : float
        Largest distance a node may move.

    Returns
    -------
    float
        Mean distance the nodes moved (0 for no nodes).
    """
    node_count, dimensions = positions.shape
    total_displacement = 0.0
    for node in range(node_count):
        squared_magnitude = 0.0
        for dimension in range(dimensions):
            squared_magnitude += forces[node, dimension] * forces[node, dimension]
        magnitude = math.sqrt(squared_magnitude)
        if magnitude == 0.0:
            continue
        length = min(magnitude, temperature)
        scale = length / magnitude
        for dimension in range(dimensions):
            positions[node, dimension] += forces[node, dimension] * scale
        total_displacement += length
    if node_count == 0:
        return 0.0
    return total_displacement / node_count


def compute_forces(
    positions: np.ndarray,
    edges: np.ndarray,
    weights: np.ndarray,
    ideal_edge_length: float,
    gravity: float,
    forces: np.ndarray,
) -> np.ndarray:
    """Overwrite ``forces`` with the net force on every node and return it.

    Parameters
    ----------
    positions : numpy.ndarray
        ``(n, d)`` float64 node positions.
    edges : numpy.ndarray
        ``(m, 2)`` int32 node indices.
    weights : numpy.ndarray
        ``(m,)`` float64 edge weights.
    ideal_edge_length : float
        ``k``.
    gravity : float
        Strength of the pull toward the origin.
    forces : numpy.ndarray
        ``(n, d)`` float64 output.

    Returns
    -------
    numpy.ndarray
        ``forces``.
    """
    with _PARALLEL_LAUNCH_LOCK:
        repulsive_forces(positions, ideal_edge_length, forces)
    attractive_forces(positions, edges, weights, ideal_edge_length, forces)
    gravity_forces(positions, gravity, forces)
    return forces


# ---------------------------------------------------------------------------- layout
class ForceDirectedLayout:
    """Fruchterman-Reingold layout of an undirected graph, one iteration per :meth:`step`.

    Not thread-safe: one thread (the layout worker) calls :meth:`step`; others read
    positions through a :class:`~layouts.buffer.PositionBuffer`.

    Parameters
    ----------
    edges : numpy.ndarray
        ``(m, 2)`` integer node indices, undirected, unique, without self-loops.
    node_count : int
        Number of nodes, ``>= 0``.
    dimensions : int, optional
        2 or 3 (any ``>= 1`` works).
    seed : int, optional
        Seed of the random initial positions: the same seed gives the same layout.
    weights : numpy.ndarray, optional
        ``(m,)`` positive edge weights (spring strengths); all 1 if omitted.
    initial_positions : numpy.ndarray, optional
        ``(n, dimensions)`` start positions instead of random ones; coincident
        nodes get a tiny seeded jitter so they can separate.

    Raises
    ------
    ValueError
        If an argument has the wrong shape or an edge names a missing node.
    """

    def __init__(
        self,
        edges: np.ndarray,
        node_count: int,
        dimensions: int = 2,
        seed: int = 0,
        weights: np.ndarray | None = None,
        initial_positions: np.ndarray | None = None,
    ) -> None:
        node_count = int(node_count)
        dimensions = int(dimensions)
        if node_count < 0:
            raise ValueError(f"ForceDirectedLayout: node_count must be >= 0, got {node_count}")
        if dimensions < 1:
            raise ValueError(f"ForceDirectedLayout: dimensions must be >= 1, got {dimensions}")
        edges = np.asarray(edges)
        if edges.size == 0:
            edges = np.empty((0, 2), dtype=np.int32)
        if edges.ndim != 2 or edges.shape[1] != 2 or not np.issubdtype(edges.dtype, np.integer):
            raise ValueError(
                f"ForceDirectedLayout: edges must be an (m, 2) integer array, got {edges.dtype} {edges.shape}"
            )
        if edges.size and (edges.min() < 0 or edges.max() >= node_count):
            raise ValueError(
                f"ForceDirectedLayout: edge node indices must lie in [0, {node_count}), "
                f"got [{edges.min()}, {edges.max()}]"
            )
        self._edges = np.ascontiguousarray(edges, dtype=np.int32)
        if weights is None:
            self._weights = np.ones(len(self._edges), dtype=np.float64)
        else:
            self._weights = np.ascontiguousarray(weights, dtype=np.float64).reshape(-1)
            if self._weights.shape != (len(self._edges),):
                raise ValueError(
                    f"ForceDirectedLayout: weights must have one value per edge ({len(self._edges)}), "
                    f"got shape {np.shape(weights)}"
                )
            if not np.all(np.isfinite(self._weights)) or np.any(self._weights <= 0):
                raise ValueError("ForceDirectedLayout: weights must be finite and > 0")
        self._node_count = node_count
        self._dimensions = dimensions
        self._seed = seed
        self._ideal_edge_length = IDEAL_EDGE_LENGTH
        self._gravity = GRAVITY
        # Each node gets about k**d of room: a box of side k * n**(1/d) (sqrt(n) in 2D).
        box_side = self._ideal_edge_length * max(node_count, 1) ** (1.0 / dimensions)
        random = np.random.default_rng(seed)
        if initial_positions is None:
            positions = (random.random((node_count, dimensions)) - 0.5) * box_side
        else:
            positions = np.array(initial_positions, dtype=np.float64, order="C", copy=True)
            if positions.shape != (node_count, dimensions):
                raise ValueError(
                    f"ForceDirectedLayout: initial_positions must have shape ({node_count}, {dimensions}), "
                    f"got {positions.shape}"
                )
            if not np.all(np.isfinite(positions)):
                raise ValueError("ForceDirectedLayout: initial_positions must be finite")
            if node_count > 1 and len(np.unique(positions, axis=0)) < node_count:
                # Coincident nodes feel no force between them and would stay stuck together.
                jitter_scale = MINIMUM_DISTANCE * self._ideal_edge_length
                positions += (random.random(positions.shape) - 0.5) * jitter_scale
        self._positions = positions
        self._forces = np.zeros_like(positions)
        self._initial_temperature = INITIAL_TEMPERATURE_RATIO * box_side
        self._temperature = self._initial_temperature
        self._iteration = 0

    # ------------------------------------------------------------------ properties
    @property
    def positions(self) -> np.ndarray:
        """``(n, d)`` float64 positions, owned and updated in place by :meth:`step`."""
        return self._positions

    @property
    def edges(self) -> np.ndarray:
        """``(m, 2)`` int32 edges."""
        return self._edges

    @property
    def weights(self) -> np.ndarray:
        """``(m,)`` float64 edge weights."""
        return self._weights

    @property
    def node_count(self) -> int:
        """Number of nodes."""
        return self._node_count

    @property
    def dimensions(self) -> int:
        """Coordinates per node."""
        return self._dimensions

    @property
    def seed(self) -> int:
        """Seed of the initial positions."""
        return self._seed

    @property
    def iteration(self) -> int:
        """Number of :meth:`step` calls so far."""
        return self._iteration

    @property
    def temperature(self) -> float:
        """Largest distance a node may move in the next step."""
        return self._temperature

    @property
    def ideal_edge_length(self) -> float:
        """``k``, the layout's unit of length."""
        return self._ideal_edge_length

    @property
    def gravity(self) -> float:
        """Strength of the pull toward the origin."""
        return self._gravity

    # --------------------------------------------------------------------- methods
    def step(self) -> float:
        """Run one iteration: compute forces, move the nodes, cool down.

        Returns
        -------
        float
            Mean distance the nodes moved in this iteration.
        """
        compute_forces(
            self._positions, self._edges, self._weights, self._ideal_edge_length, self._gravity, self._forces
        )
        mean_displacement = float(displace_nodes(self._positions, self._forces, self._temperature))
        self._temperature = max(
            self._temperature * COOLING_FACTOR, MINIMUM_TEMPERATURE * self._ideal_edge_length
        )
        self._iteration += 1
        return mean_displacement

    def reheat(self, temperature: float | None = None) -> None:
        """Raise the temperature so a cooled layout can adapt to a change again.

        Parameters
        ----------
        temperature : float, optional
            New temperature; by default ``REHEAT_RATIO`` of the initial one (never
            lowers the current temperature).
        """
        if temperature is None:
            temperature = max(self._temperature, REHEAT_RATIO * self._initial_temperature)
        if not math.isfinite(temperature) or temperature < 0:
            raise ValueError(
                f"ForceDirectedLayout.reheat: temperature must be finite and >= 0, got {temperature!r}"
            )
        self._temperature = float(temperature)

    def __repr__(self) -> str:
        return (
            f"ForceDirectedLayout(node_count={self._node_count}, edge_count={len(self._edges)}, "
            f"dimensions={self._dimensions}, iteration={self._iteration}, "
            f"temperature={self._temperature:.3g})"
        )
