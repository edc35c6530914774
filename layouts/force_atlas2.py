"""ForceAtlas2 (Jacomy, Venturini, Heymann & Bastian 2014), with Barnes-Hut repulsion, in 2D and 3D.

As published and as in Gephi's ``ForceAtlas2.java`` (and fa2, which follows Gephi):

- node mass ``m = degree + 1`` (on coarse levels of the multilevel scheme: the sum of the members');
- repulsion ``scaling_ratio * m_i * m_j / d`` (Barnes-Hut, :mod:`layouts.barnes_hut`); with
  ``prevent_overlap`` a node pair uses the gap ``d - size_i - size_j`` instead of ``d`` and overlapping
  nodes push apart with ``100 * scaling_ratio * m_i * m_j``;
- attraction along every edge ``w**edge_weight_influence * d`` (or ``* log(1 + d)`` in LinLog mode),
  divided by the source's mass when ``dissuade_hubs`` (Gephi's "outbound attraction distribution",
  the coefficient then being the mean mass); with ``prevent_overlap``, no attraction between nodes
  that overlap;
- gravity ``gravity * m`` toward the centre (constant magnitude), or ``gravity * m * d`` with
  ``strong_gravity``; the centre is the origin, or the component's centroid when components are packed;
- adaptive speed: a global speed from the ratio of "swinging" (force direction changes) to
  "traction" (consistent forces) with the published jitter-tolerance heuristics, and a per-node speed
  ``speed / (1 + sqrt(speed * swinging_i))``; with ``prevent_overlap`` a node moves at most 10 per
  step and at a tenth of the speed.

Pinned nodes feel forces but never move, and take no part in the speed estimate.
"""

from __future__ import annotations

import dataclasses
import logging
import math
from dataclasses import dataclass

import numba
import numpy as np
from numba import prange

from .barnes_hut import PARALLEL_LAUNCH_LOCK, repulsive_forces
from .base import ForceLayout, _Level, ordered_total, reduction_block_count, reduction_block_nodes
from .graph import GraphStructure

__all__ = ["ForceAtlas2", "ForceAtlas2Parameters"]

logger = logging.getLogger(__name__)

COARSEST_ITERATIONS = 200
"""Iterations on the coarsest level of a multilevel hierarchy."""

REFINEMENT_ITERATIONS = 30
"""Iterations per intermediate level, and on the graph itself before it may settle."""

MINIMUM_SPEED_EFFICIENCY = 0.05
MAXIMUM_JITTER_TOLERANCE = 10.0
MAXIMUM_SPEED_RISE = 0.5

@dataclass(frozen=True, eq=False)
class ForceAtlas2Parameters:
    """Parameters of :class:`ForceAtlas2` (Gephi's names in brackets; all can change while it runs).

    Attributes
    ----------
    scaling_ratio : float or None
        Repulsion strength [Scaling]; None: 2 from 100 nodes, 10 below (Gephi's default).
    gravity : float
        Pull toward the centre [Gravity].
    strong_gravity : bool
        Gravity grows with the distance [Stronger Gravity].
    lin_log : bool
        Logarithmic attraction: tighter clusters [LinLog mode].
    dissuade_hubs : bool
        Divide attraction by the source's mass: hubs go to the periphery [Dissuade Hubs].
    edge_weight_influence : float
        Attraction uses ``weight ** edge_weight_influence`` [Edge Weight Influence].
    jitter_tolerance : float
        How much swinging is tolerated before the speed drops [Tolerance (speed)].
    theta : float
        Barnes-Hut opening angle [Approximation]; 0 is exact.
    prevent_overlap : bool
        Use node sizes: no overlap at the end [Prevent Overlap].
    node_size : float or numpy.ndarray
        Radius of every node (scalar or ``(n,)``), used by ``prevent_overlap``.
    multilevel : bool or None
        Coarsen-layout-refine; None turns it on from 1,000 nodes.
    pack_components : bool
        Lay out components apart and pack the small ones around the big ones (the default). The
        published algorithm (``False``) lets all nodes repel each other and relies on gravity, which
        leaves small components and isolated nodes at ``scaling_ratio * total_mass / gravity`` from
        the centre: far away on large graphs.
    """

    scaling_ratio: float | None = None
    gravity: float = 1.0
    strong_gravity: bool = False
    lin_log: bool = False
    dissuade_hubs: bool = False
    edge_weight_influence: float = 1.0
    jitter_tolerance: float = 1.0
    theta: float = 1.2
    prevent_overlap: bool = False
    node_size: float | np.ndarray = 1.0
    multilevel: bool | None = None
    pack_components: bool = True

    def __post_init__(self) -> None:
        scaling = 1.0 if self.scaling_ratio is None else self.scaling_ratio
        sizes = np.asarray(self.node_size, dtype=np.float64)
        checks = {
            "scaling_ratio": scaling > 0.0 and math.isfinite(scaling),
            "gravity": self.gravity >= 0.0 and math.isfinite(self.gravity),
            "edge_weight_influence": math.isfinite(self.edge_weight_influence),
            "jitter_tolerance": self.jitter_tolerance > 0.0 and math.isfinite(self.jitter_tolerance),
            "theta": 0.0 <= self.theta <= 2.0,
            "node_size": bool(np.all(np.isfinite(sizes)) and np.all(sizes >= 0.0)) and sizes.ndim <= 1,
        }
        for name, valid in checks.items():
            if not valid:
                raise ValueError(
                    f"ForceAtlas2Parameters: {name}={getattr(self, name)!r} is out of range (scaling_ratio "
                    "and jitter_tolerance > 0, gravity >= 0, theta in [0, 2], node_size >= 0)"
                )


# --------------------------------------------------------------------------------- kernels
@numba.njit(nogil=True, cache=True, parallel=True, error_model="numpy")
def attractive_forces(
    positions: np.ndarray,
    neighbour_start: np.ndarray,
    neighbours: np.ndarray,
    neighbour_weights: np.ndarray,
    edge_source_mass: np.ndarray,
    sizes: np.ndarray,
    coefficient: float,
    lin_log: bool,
    dissuade_hubs: bool,
    prevent_overlap: bool,
    forces: np.ndarray,
) -> None:
    """Add ForceAtlas2's attraction to ``forces`` (parallel over nodes, each summing its own edges).

    ``neighbour_weights`` already hold ``w ** edge_weight_influence``; ``edge_source_mass`` is, per
    edge end, the mass of the edge's source (for dissuade hubs).
    """
    node_count, dimensions = positions.shape
    for node in prange(node_count):
        for slot in range(neighbour_start[node], neighbour_start[node + 1]):
            other = neighbours[slot]
            factor = coefficient * neighbour_weights[slot]
            if lin_log or prevent_overlap:
                squared_distance = 0.0
                for dimension in range(dimensions):
                    difference = positions[other, dimension] - positions[node, dimension]
                    squared_distance += difference * difference
                distance = math.sqrt(squared_distance)
                if prevent_overlap:
                    distance -= sizes[node] + sizes[other]
                    if distance <= 0.0:
                        continue
                if lin_log:
                    if distance <= 0.0:
                        continue
                    factor *= math.log(1.0 + distance) / distance
            if dissuade_hubs:
                factor /= edge_source_mass[slot]
            for dimension in range(dimensions):
                forces[node, dimension] += factor * (positions[other, dimension] - positions[node, dimension])


@numba.njit(nogil=True, cache=True, parallel=True, error_model="numpy")
def add_gravity(
    positions: np.ndarray,
    masses: np.ndarray,
    labels: np.ndarray,
    centers: np.ndarray,
    gravity: float,
    strong: bool,
    forces: np.ndarray,
) -> None:
    """Add ``gravity * m`` toward the node's centre (``gravity * m * d`` if ``strong``) to ``forces``."""
    node_count, dimensions = positions.shape
    for node in prange(node_count):
        label = labels[node]
        squared_distance = 0.0
        for dimension in range(dimensions):
            difference = positions[node, dimension] - centers[label, dimension]
            squared_distance += difference * difference
        if squared_distance == 0.0:
            continue
        factor = gravity * masses[node]
        if not strong:
            factor /= math.sqrt(squared_distance)
        for dimension in range(dimensions):
            forces[node, dimension] -= factor * (positions[node, dimension] - centers[label, dimension])


@numba.njit(nogil=True, cache=True, parallel=True, error_model="numpy")
def swinging_and_traction(
    forces: np.ndarray, previous_forces: np.ndarray, masses: np.ndarray, pinned: np.ndarray
) -> tuple[float, float]:
    """Total ``m * |F - F_previous|`` (swinging) and ``m * |F + F_previous| / 2`` (traction) of free nodes."""
    node_count, dimensions = forces.shape
    block_count = reduction_block_count(node_count)
    swinging_sums = np.zeros(block_count)
    traction_sums = np.zeros(block_count)
    has_pins = pinned.shape[0] > 0
    for block in prange(block_count):
        swinging_sum = 0.0
        traction_sum = 0.0
        first, stop = reduction_block_nodes(block, node_count)
        for node in range(first, stop):
            if has_pins and pinned[node]:
                continue
            swing = 0.0
            traction = 0.0
            for dimension in range(dimensions):
                difference = previous_forces[node, dimension] - forces[node, dimension]
                total = previous_forces[node, dimension] + forces[node, dimension]
                swing += difference * difference
                traction += total * total
            swinging_sum += masses[node] * math.sqrt(swing)
            traction_sum += 0.5 * masses[node] * math.sqrt(traction)
        swinging_sums[block] = swinging_sum
        traction_sums[block] = traction_sum
    return ordered_total(swinging_sums), ordered_total(traction_sums)


@numba.njit(nogil=True, cache=True, parallel=True, error_model="numpy")
def apply_forces(
    positions: np.ndarray,
    forces: np.ndarray,
    previous_forces: np.ndarray,
    masses: np.ndarray,
    pinned: np.ndarray,
    speed: float,
    prevent_overlap: bool,
) -> tuple[float, float]:
    """Move free nodes by ``F * speed / (1 + sqrt(speed * swinging))``; keep ``F`` as the previous force.

    Returns
    -------
    tuple of float
        Mean distance moved over all nodes, and the energy (sum of squared forces on free nodes).
    """
    node_count, dimensions = positions.shape
    block_count = reduction_block_count(node_count)
    displacement_sums = np.zeros(block_count)
    energy_sums = np.zeros(block_count)
    has_pins = pinned.shape[0] > 0
    for block in prange(block_count):
        displacement_sum = 0.0
        energy_sum = 0.0
        first, stop = reduction_block_nodes(block, node_count)
        for node in range(first, stop):
            swing = 0.0
            squared_force = 0.0
            for dimension in range(dimensions):
                difference = previous_forces[node, dimension] - forces[node, dimension]
                swing += difference * difference
                squared_force += forces[node, dimension] * forces[node, dimension]
                previous_forces[node, dimension] = forces[node, dimension]
            if has_pins and pinned[node]:
                continue
            energy_sum += squared_force
            swinging = masses[node] * math.sqrt(swing)
            if prevent_overlap:
                factor = 0.1 * speed / (1.0 + math.sqrt(speed * swinging))
                force = math.sqrt(squared_force)
                if force == 0.0:
                    continue
                factor = min(factor * force, 10.0) / force
            else:
                factor = speed / (1.0 + math.sqrt(speed * swinging))
            for dimension in range(dimensions):
                positions[node, dimension] += forces[node, dimension] * factor
            displacement_sum += factor * math.sqrt(squared_force)
        displacement_sums[block] = displacement_sum
        energy_sums[block] = energy_sum
    if node_count == 0:
        return 0.0, 0.0
    return ordered_total(displacement_sums) / node_count, ordered_total(energy_sums)


def adjust_speed(
    total_swinging: float,
    total_traction: float,
    node_count: int,
    speed: float,
    speed_efficiency: float,
    jitter_tolerance: float,
) -> tuple[float, float]:
    """Gephi's global speed rule; return the new ``(speed, speed_efficiency)``.

    The "right" jitter tolerance grows with the graph (``0.05 * sqrt(n)``, empirical, from Gephi);
    a swinging/traction ratio above 2 halves the efficiency; the speed moves toward
    ``jitter * efficiency * traction / swinging`` but rises by at most 50 % per step.
    """
    if node_count == 0:
        return speed, speed_efficiency
    estimated_optimal_jitter = 0.05 * math.sqrt(node_count)
    minimum_jitter = math.sqrt(estimated_optimal_jitter)
    jitter = jitter_tolerance * max(
        minimum_jitter,
        min(MAXIMUM_JITTER_TOLERANCE, estimated_optimal_jitter * total_traction / (node_count * node_count)),
    )
    if total_traction > 0.0 and total_swinging / total_traction > 2.0:
        if speed_efficiency > MINIMUM_SPEED_EFFICIENCY:
            speed_efficiency *= 0.5
        jitter = max(jitter, jitter_tolerance)
    if total_swinging == 0.0:
        target_speed = math.inf
    else:
        target_speed = jitter * speed_efficiency * total_traction / total_swinging
    if total_swinging > jitter * total_traction:
        if speed_efficiency > MINIMUM_SPEED_EFFICIENCY:
            speed_efficiency *= 0.7
    elif speed < 1000.0:
        speed_efficiency *= 1.3
    speed = speed + min(target_speed - speed, MAXIMUM_SPEED_RISE * speed)
    return speed, speed_efficiency


# ---------------------------------------------------------------------------------- layout
class ForceAtlas2(ForceLayout):
    """ForceAtlas2 with Barnes-Hut repulsion; one iteration per :meth:`step`.

    See the module docstring for the model and :class:`~layouts.base.ForceLayout` for the shared
    behaviour (multilevel, components, pins, live edits).

    Parameters
    ----------
    edges : numpy.ndarray
        ``(m, 2)`` integer node indices, undirected, without self-loops.
    node_count : int
        Number of nodes, ``>= 0``.
    dimensions : int, optional
        1, 2 or 3.
    seed : int, optional
        Seed of every random choice: the same seed (and thread count) gives the same layout.
    weights : numpy.ndarray, optional
        ``(m,)`` positive edge weights; all 1 if omitted.
    initial_positions : numpy.ndarray, optional
        ``(n, dimensions)`` start positions instead of random ones.
    **parameters
        Fields of :class:`ForceAtlas2Parameters`.
    """

    name = "fa2"
    parameters_type = ForceAtlas2Parameters

    # ------------------------------------------------------------------------ properties
    @property
    def speed(self) -> float:
        """Global speed of the last step."""
        return self._speed

    @property
    def scaling_ratio(self) -> float:
        """The scaling ratio in use (resolves the automatic default)."""
        ratio = self._parameters.scaling_ratio
        if ratio is None:
            return 2.0 if self.node_count >= 100 else 10.0
        return float(ratio)

    # ----------------------------------------------------------------------------- hooks
    def _node_masses(self, graph: GraphStructure) -> np.ndarray:
        return graph.degrees.astype(np.float64) + 1.0

    def _packing_unit(self, level: _Level) -> float:
        return 2.0 * math.sqrt(self.scaling_ratio)

    def _check_parameters_for_graph(self, parameters: ForceAtlas2Parameters, node_count: int) -> None:
        sizes = np.asarray(parameters.node_size, dtype=np.float64)
        if sizes.ndim == 1 and sizes.shape != (node_count,):
            raise ValueError(
                f"ForceAtlas2: node_size must be a number or have one value per node ({node_count}), "
                f"got shape {sizes.shape}"
            )

    def _level_sizes(self, level: _Level) -> np.ndarray:
        """Node radii on ``level``: coarse nodes cover the area (2D) or volume (3D) of their members."""
        sizes = np.asarray(self._parameters.node_size, dtype=np.float64)
        sizes = np.broadcast_to(sizes, (self.node_count,)) if sizes.ndim == 0 else sizes
        if level is self._finest:
            return np.ascontiguousarray(sizes, dtype=np.float64)
        power = float(self._dimensions)
        mapping = level.finest_map
        total = np.bincount(mapping, weights=sizes**power, minlength=level.graph.node_count)
        return total ** (1.0 / power)

    def _start_level(self, level: _Level, fresh: bool) -> None:
        self._speed = 1.0
        self._speed_efficiency = 1.0
        level.previous_forces = np.zeros((level.graph.node_count, self._dimensions))
        if level is self._finest:
            level.iteration_budget = 0 if fresh else REFINEMENT_ITERATIONS
        else:
            level.iteration_budget = COARSEST_ITERATIONS if fresh else REFINEMENT_ITERATIONS
        level.iterations_done = 0
        self._prepare_level(level)

    def _prepare_level(self, level: _Level) -> None:
        """Per-edge-end weights ``w ** influence`` and source masses (recomputed on parameter changes)."""
        graph = level.graph
        influence = self._parameters.edge_weight_influence
        if influence == 0.0:
            level.attraction_weights = np.ones_like(graph.neighbour_weights)
        elif influence == 1.0:
            level.attraction_weights = graph.neighbour_weights
        else:
            level.attraction_weights = graph.neighbour_weights**influence
        if graph.edge_count:
            level.edge_source_mass = level.masses[graph.edges[graph.neighbour_edges, 0]]
        else:
            level.edge_source_mass = np.ones(0)

    def _graph_changed(self) -> None:
        sizes = np.asarray(self._parameters.node_size, dtype=np.float64)
        if sizes.ndim == 1 and sizes.shape != (self.node_count,):
            # Per-node sizes of the old graph: use their mean until the caller sets new ones.
            logger.warning(
                "ForceAtlas2: the graph now has %d nodes but node_size has %d values; using their mean "
                "(set node_size again with set_parameters)", self.node_count, len(sizes),
            )  # fmt: skip
            self._parameters = dataclasses.replace(
                self._parameters, node_size=float(sizes.mean()) if len(sizes) else 1.0
            )
        level = self._finest
        level.previous_forces = np.zeros((level.graph.node_count, self._dimensions))
        self._prepare_level(level)

    def _parameters_changed(self, names: set[str]) -> None:
        if "edge_weight_influence" in names:
            self._prepare_level(self._current)

    def _compute_forces(self, level: _Level) -> np.ndarray:
        parameters = self._parameters
        groups, group_count = self._component_groups(level)
        sizes = self._level_sizes(level) if parameters.prevent_overlap else None
        repulsive_forces(
            level.positions, level.masses, parameters.theta, self.scaling_ratio, level.forces, 0.0,
            groups, group_count, sizes,
        )  # fmt: skip
        graph = level.graph
        coefficient = float(np.mean(level.masses)) if parameters.dissuade_hubs and graph.node_count else 1.0
        attraction_sizes = sizes if sizes is not None else np.zeros(0)
        labels, centers = self._gravity_centres(level)
        with PARALLEL_LAUNCH_LOCK:
            attractive_forces(
                level.positions, graph.neighbour_start, graph.neighbours, level.attraction_weights,
                level.edge_source_mass, attraction_sizes, coefficient, parameters.lin_log,
                parameters.dissuade_hubs, parameters.prevent_overlap, level.forces,
            )  # fmt: skip
            add_gravity(
                level.positions, level.masses, labels, centers, parameters.gravity, parameters.strong_gravity,
                level.forces,
            )  # fmt: skip
        return level.forces

    def _move(self, level: _Level) -> tuple[float, float]:
        pinned = self._pin_mask(level)
        with PARALLEL_LAUNCH_LOCK:
            total_swinging, total_traction = swinging_and_traction(
                level.forces, level.previous_forces, level.masses, pinned
            )
        free_count = level.graph.node_count - (int(pinned.sum()) if len(pinned) else 0)
        self._speed, self._speed_efficiency = adjust_speed(
            total_swinging, total_traction, free_count, self._speed, self._speed_efficiency,
            self._parameters.jitter_tolerance,
        )  # fmt: skip
        with PARALLEL_LAUNCH_LOCK:
            return apply_forces(
                level.positions, level.forces, level.previous_forces, level.masses, pinned, self._speed,
                self._parameters.prevent_overlap,
            )  # fmt: skip

    def reheat(self) -> None:
        """ForceAtlas2 has no temperature: its adaptive speed follows changes by itself."""
