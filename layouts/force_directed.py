"""Fruchterman-Reingold (spring-electrical) layout with Barnes-Hut repulsion, in 2D and 3D.

Model (lengths in units of the ideal edge length ``k``):

- every pair of nodes repels with magnitude ``k**2 * m_i * m_j / d`` (masses are 1 on the graph
  itself and group sizes on coarse levels), evaluated by Barnes-Hut in O(n log n)
  (:mod:`layouts.barnes_hut`; ``theta = 0`` is the exact sum); distances are clipped to
  ``MINIMUM_DISTANCE * k`` so nearly coincident nodes get a large but finite push;
- every edge pulls its ends together with magnitude ``weight * d**2 / k``; a lone edge relaxes to ``k``;
- gravity ``-gravity * m_i * (x_i - c)`` pulls every node toward ``c``: the centroid of its own
  component when components are packed (the default), the origin otherwise. By default its strength
  follows the graph (:func:`automatic_gravity`): strong for small worlds, whose diameter grows like
  ``log n`` and whose periphery ``1/d`` repulsion would fling outward; weak for large worlds (roads,
  power grids, meshes), whose long paths it would only crumple;
- each iteration moves a node along its net force by at most the *temperature*, which then cools by
  ``cooling_factor``; pinned nodes never move.

Schedule: a fresh layout starts at ``initial_temperature_ratio`` times the side of its box and cools by
``cooling_factor`` (0.99: 1 % of the start after 460 iterations, whatever the size). After a multilevel
hand-down the positions are already right at large scale, so refinement starts at
``REFINEMENT_TEMPERATURE`` (in ``k``) and cools by ``REFINEMENT_COOLING_FACTOR``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numba
import numpy as np
from numba import prange

from .barnes_hut import PARALLEL_LAUNCH_LOCK, repulsive_forces
from .base import ForceLayout, _Level, ordered_total, reduction_block_count, reduction_block_nodes
from .graph import GraphStructure

__all__ = [
    "ForceDirectedLayout",
    "FruchtermanReingoldParameters",
    "attractive_forces",
    "automatic_gravity",
    "compute_forces",
    "move_nodes",
    "world_shape",
]

MINIMUM_DISTANCE = 0.01
"""Distances are clipped to ``MINIMUM_DISTANCE * k`` in the repulsion (networkx uses 0.01)."""

MINIMUM_TEMPERATURE = 1e-4
"""Temperature floor, in units of ``k``: a cooled layout can still follow a small change."""

REHEAT_RATIO = 0.1
""":meth:`ForceDirectedLayout.reheat` raises the temperature to this fraction of the level's starting
temperature: enough to settle a local change, not enough to scramble the layout."""

REFINEMENT_TEMPERATURE = 2.0
"""Starting temperature (in ``k``) of a level after a multilevel hand-down."""

REFINEMENT_COOLING_FACTOR = 0.86
"""Cooling per iteration while refining a handed-down level (to 10 % after 15 iterations)."""

REFINEMENT_ITERATIONS = 15
"""Iterations per intermediate level, and on the graph itself before it may settle. Against the
former 30 iterations cooling by 0.93 (and a coarsest level of 150 instead of 55), measured on the
1k-37k-node graphs of ../shared/data: 25-50 % less time to settle, stress within 0-4 %."""

SMALL_WORLD_GRAVITY = 2.0
"""Gravity of a small-world graph (largest component's diameter at most ``SMALL_WORLD_RATIO * ln n``)."""

LARGE_WORLD_GRAVITY = 0.1
"""Gravity of a large-world graph (diameter at least ``LARGE_WORLD_RATIO * ln n``); geometric in between."""

SMALL_WORLD_RATIO = 2.5
LARGE_WORLD_RATIO = 4.0

TIGHT_WORLD_GRAVITY = 6.0
"""Gravity of a tight small world (diameter at most ``TIGHT_WORLD_RATIO * ln n``) of at least
``TIGHT_WORLD_NODE_COUNT`` nodes: the more nodes, and the shorter the paths, the farther ``1/d``
repulsion flings the periphery out of proportion with its hop distances."""

TIGHT_WORLD_RATIO = 1.25
TIGHT_WORLD_START_RATIO = 2.0
"""From ``TIGHT_WORLD_START_RATIO * ln n`` down to ``TIGHT_WORLD_RATIO * ln n`` the gravity rises
geometrically from ``SMALL_WORLD_GRAVITY`` to ``TIGHT_WORLD_GRAVITY`` (in full from
``TIGHT_WORLD_NODE_COUNT`` nodes, not at all below ``TIGHT_WORLD_NODE_COUNT / 10``: geometric in n)."""

TIGHT_WORLD_NODE_COUNT = 1000

COARSEST_SMALL_WORLD_ITERATIONS = 55
COARSEST_LARGE_WORLD_ITERATIONS = 150
"""The coarsest level of a hierarchy cools to 1 % of its start in this many iterations: 55 for a small
world, 150 for a large one (geometric in ``D / ln n`` between, as the gravity). A mesh's long paths need
the longer schedule to unfold (the 1M-node mesh: stress 0.066 after 55, 0.006 after 150); a small
world's coarsest level is settled long before (polblogs, Facebook: the same stress, 10-20 % less time)."""

@dataclass(frozen=True)
class FruchtermanReingoldParameters:
    """Parameters of :class:`ForceDirectedLayout` (all can change while it runs).

    Attributes
    ----------
    theta : float
        Barnes-Hut opening angle; 0 computes the exact O(n^2) repulsion. 1.2 (ForceAtlas2's and
        Gephi's default; the bucket test of :mod:`layouts.barnes_hut` is stricter than the per-point
        one) gave the stress and neighbourhood preservation of 1.0 on the graphs of ../shared/data in
        5-10 % less time.
    ideal_edge_length : float
        ``k``, the rest length of an edge and the unit of every other length.
    gravity : float or None
        Strength of the linear pull toward the component's centre (or the origin). At the rim of a
        layout of n nodes the outward repulsion is about ``k * sqrt(pi * n)`` and the gravity about
        ``gravity * k * sqrt(n / pi)``: with 0.1 the ratio is about 3 %, so it barely compresses a
        connected graph; with 2 the periphery is drawn in. None (the default) chooses it from the
        graph with :func:`automatic_gravity`.
    cooling_factor : float
        Temperature multiplier per iteration, in (0, 1).
    initial_temperature_ratio : float
        Starting temperature as a fraction of the initial box side (networkx uses 0.1).
    multilevel : bool or None
        Coarsen-layout-refine; None turns it on from 1,000 nodes.
    pack_components : bool
        Lay out components apart and pack the small ones around the big ones.
    repulsion_exponent : int
        ``p`` of Hu's spring-electrical model: repulsion ``k**(1 + p) / d**p``. 1 is
        Fruchterman-Reingold; 2 is shorter-ranged, which spreads the periphery less.
    """

    theta: float = 1.2
    ideal_edge_length: float = 1.0
    gravity: float | None = None
    cooling_factor: float = 0.99
    initial_temperature_ratio: float = 0.1
    multilevel: bool | None = None
    pack_components: bool = True
    repulsion_exponent: int = 1

    def __post_init__(self) -> None:
        checks = {
            "repulsion_exponent": self.repulsion_exponent in (1, 2),
            "theta": 0.0 <= self.theta <= 2.0,
            "ideal_edge_length": self.ideal_edge_length > 0.0 and math.isfinite(self.ideal_edge_length),
            "gravity": self.gravity is None or (self.gravity >= 0.0 and math.isfinite(self.gravity)),
            "cooling_factor": 0.0 < self.cooling_factor < 1.0,
            "initial_temperature_ratio": self.initial_temperature_ratio > 0.0
            and math.isfinite(self.initial_temperature_ratio),
        }
        for name, valid in checks.items():
            if not valid:
                raise ValueError(
                    f"FruchtermanReingoldParameters: {name}={getattr(self, name)!r} is out of range "
                    "(theta in [0, 2], cooling_factor in (0, 1), the others finite and > 0; "
                    "gravity >= 0 or None)"
                )


# --------------------------------------------------------------------------------- kernels
@numba.njit(nogil=True, cache=True, parallel=True, error_model="numpy")
def attractive_forces(
    positions: np.ndarray,
    neighbour_start: np.ndarray,
    neighbours: np.ndarray,
    neighbour_weights: np.ndarray,
    ideal_edge_length: float,
    forces: np.ndarray,
) -> None:
    """Add the spring pull of every edge, ``weight * d**2 / k`` toward the neighbour, to ``forces``.

    Parallel over nodes: each node sums its own edge ends (adjacency lists), in a fixed order.

    Parameters
    ----------
    positions : numpy.ndarray
        ``(n, d)`` float64.
    neighbour_start, neighbours, neighbour_weights : numpy.ndarray
        Adjacency lists (see :class:`~layouts.graph.GraphStructure`).
    ideal_edge_length : float
        ``k``.
    forces : numpy.ndarray
        ``(n, d)`` float64, added to.
    """
    node_count, dimensions = positions.shape
    inverse_length = 1.0 / ideal_edge_length
    for node in prange(node_count):
        for slot in range(neighbour_start[node], neighbour_start[node + 1]):
            other = neighbours[slot]
            squared_distance = 0.0
            for dimension in range(dimensions):
                difference = positions[other, dimension] - positions[node, dimension]
                squared_distance += difference * difference
            factor = neighbour_weights[slot] * math.sqrt(squared_distance) * inverse_length
            for dimension in range(dimensions):
                forces[node, dimension] += factor * (positions[other, dimension] - positions[node, dimension])


@numba.njit(nogil=True, cache=True, parallel=True, error_model="numpy")
def move_nodes(
    positions: np.ndarray,
    forces: np.ndarray,
    masses: np.ndarray,
    labels: np.ndarray,
    centers: np.ndarray,
    gravity: float,
    temperature: float,
    pinned: np.ndarray,
) -> tuple[float, float]:
    """Add gravity to ``forces``, then move every free node by ``min(|force|, temperature)`` along it.

    Parameters
    ----------
    positions : numpy.ndarray
        ``(n, d)`` float64, updated in place (pinned nodes excepted).
    forces : numpy.ndarray
        ``(n, d)`` float64 repulsion + attraction; gravity is added in place.
    masses : numpy.ndarray
        ``(n,)`` node masses (gravity is proportional to them).
    labels : numpy.ndarray
        ``(n,)`` index into ``centers`` of each node's centre of gravity.
    centers : numpy.ndarray
        ``(c, d)`` centres of gravity.
    gravity : float
        Gravity constant.
    temperature : float
        Largest distance a node may move.
    pinned : numpy.ndarray
        ``(n,)`` bool, or empty for no pins.

    Returns
    -------
    tuple of float
        Mean distance moved over all nodes, and the energy (sum of squared net forces on free nodes).
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
            label = labels[node]
            squared_magnitude = 0.0
            for dimension in range(dimensions):
                force = forces[node, dimension] - gravity * masses[node] * (
                    positions[node, dimension] - centers[label, dimension]
                )
                forces[node, dimension] = force
                squared_magnitude += force * force
            if has_pins and pinned[node]:
                continue
            energy_sum += squared_magnitude
            magnitude = math.sqrt(squared_magnitude)
            if magnitude == 0.0:
                continue
            length = min(magnitude, temperature)
            scale = length / magnitude
            for dimension in range(dimensions):
                positions[node, dimension] += forces[node, dimension] * scale
            displacement_sum += length
        displacement_sums[block] = displacement_sum
        energy_sums[block] = energy_sum
    if node_count == 0:
        return 0.0, 0.0
    return ordered_total(displacement_sums) / node_count, ordered_total(energy_sums)


def compute_forces(
    positions: np.ndarray,
    edges_or_graph,
    weights: np.ndarray | None = None,
    ideal_edge_length: float = 1.0,
    gravity: float = 0.0,
    forces: np.ndarray | None = None,
    theta: float = 0.0,
    masses: np.ndarray | None = None,
) -> np.ndarray:
    """Net Fruchterman-Reingold force on every node (gravity toward the origin), for tests and tools.

    Parameters
    ----------
    positions : numpy.ndarray
        ``(n, d)`` float64.
    edges_or_graph : numpy.ndarray or GraphStructure
        ``(m, 2)`` edges, or a built graph.
    weights : numpy.ndarray, optional
        ``(m,)`` weights (with an edge array).
    ideal_edge_length : float, optional
        ``k``.
    gravity : float, optional
        Linear pull toward the origin.
    forces : numpy.ndarray, optional
        Output array.
    theta : float, optional
        Barnes-Hut opening angle (0: exact).
    masses : numpy.ndarray, optional
        ``(n,)`` masses (all 1 if omitted).

    Returns
    -------
    numpy.ndarray
        ``(n, d)`` forces.
    """
    from .graph import GraphStructure, validate_edges, validate_weights

    positions = np.ascontiguousarray(positions, dtype=np.float64)
    node_count = positions.shape[0]
    if isinstance(edges_or_graph, GraphStructure):
        graph = edges_or_graph
    else:
        edges = validate_edges(edges_or_graph, node_count, "compute_forces")
        graph = GraphStructure(edges, validate_weights(weights, len(edges), "compute_forces"), node_count)
    if forces is None:
        forces = np.empty_like(positions)
    if masses is None:
        masses = np.ones(node_count)
    length = float(ideal_edge_length)
    repulsive_forces(positions, masses, theta, length * length, forces, (MINIMUM_DISTANCE * length) ** 2)
    with PARALLEL_LAUNCH_LOCK:
        attractive_forces(
            positions, graph.neighbour_start, graph.neighbours, graph.neighbour_weights, length, forces
        )
    forces -= gravity * masses[:, None] * positions
    return forces


# ---------------------------------------------------------------------------------- layout
def world_shape(graph: GraphStructure) -> tuple[float, float]:
    """``(gravity, largeness)``: the gravity :class:`ForceDirectedLayout` uses when none is given, from the largest component.

    A small world (diameter ``D <= SMALL_WORLD_RATIO * ln n``: social, citation, internet graphs)
    gets ``SMALL_WORLD_GRAVITY``: its layout should span a few edge lengths per hop of its short
    diameter, but ``1/d`` repulsion spreads it to ``sqrt(n)`` and flings its low-degree periphery
    out; a tight one of many nodes (``D <= TIGHT_WORLD_RATIO * ln n``, ``n >= TIGHT_WORLD_NODE_COUNT``:
    blogs, Facebook, e-mail, the internet's AS graph) gets ``TIGHT_WORLD_GRAVITY``, geometric in both
    between. A large world (``D >= LARGE_WORLD_RATIO * ln n``: roads, power grids, meshes) already
    spans ``sqrt(n)`` and gets ``LARGE_WORLD_GRAVITY``; in between the gravity is geometric in ``D / ln n``.
    Against a fixed 0.1 the small-world gravity lowered the stress of 13 of the 14 small worlds of
    ../shared/data in 2D and all 14 in 3D; the tight-world one that of polblogs from 0.152 to 0.141
    (below igraph FR's 0.145), measured with ``bench/layout.py`` (README, *Layouts*).
    ``largeness`` is 0 for a small world, 1 for a large one, linear in ``D / ln n`` between.
    """
    size, diameter = graph.largest_component_diameter()
    ratio = diameter / max(math.log(max(size, 1)), 1.0)
    if ratio <= SMALL_WORLD_RATIO:
        tightness = _fraction(TIGHT_WORLD_START_RATIO - ratio, TIGHT_WORLD_START_RATIO - TIGHT_WORLD_RATIO)
        bigness = _fraction(math.log10(max(size, 1) * 10 / TIGHT_WORLD_NODE_COUNT), 1.0)
        return SMALL_WORLD_GRAVITY * (TIGHT_WORLD_GRAVITY / SMALL_WORLD_GRAVITY) ** (tightness * bigness), 0.0
    largeness = _fraction(ratio - SMALL_WORLD_RATIO, LARGE_WORLD_RATIO - SMALL_WORLD_RATIO)
    return SMALL_WORLD_GRAVITY * (LARGE_WORLD_GRAVITY / SMALL_WORLD_GRAVITY) ** largeness, largeness


def automatic_gravity(graph: GraphStructure) -> float:
    """The gravity :class:`ForceDirectedLayout` uses when none is given (see :func:`world_shape`)."""
    return world_shape(graph)[0]


def _fraction(value: float, full: float) -> float:
    """``value / full`` clipped to [0, 1]."""
    return min(max(value / full, 0.0), 1.0)


class ForceDirectedLayout(ForceLayout):
    """Fruchterman-Reingold layout with Barnes-Hut repulsion; one iteration per :meth:`step`.

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
        ``(m,)`` positive edge weights (spring strengths); all 1 if omitted.
    initial_positions : numpy.ndarray, optional
        ``(n, dimensions)`` start positions instead of random ones.
    **parameters
        Fields of :class:`FruchtermanReingoldParameters`.

    Examples
    --------
    >>> layout = ForceDirectedLayout(np.array([[0, 1], [1, 2]]), node_count=3, seed=1)
    >>> for _ in range(100):
    ...     _ = layout.step()
    >>> layout.positions.shape
    (3, 2)
    """

    name = "fr"
    parameters_type = FruchtermanReingoldParameters

    # The gravity cache; the schedule state (_temperature, _level_start_temperature, _cooling_factor) is
    # set by _start_level.
    _world_graph: GraphStructure | None = None  # the graph _world was computed for
    _world = (LARGE_WORLD_GRAVITY, 1.0)  # its world_shape

    # ------------------------------------------------------------------------ properties
    @property
    def temperature(self) -> float:
        """Largest distance a node may move in the next step."""
        return self._temperature

    @property
    def gravity(self) -> float:
        """Strength of the pull toward the centre: the parameter, or the graph's automatic gravity."""
        if self._parameters.gravity is not None:
            return float(self._parameters.gravity)
        return self._world_shape()[0]

    def _world_shape(self) -> tuple[float, float]:
        if self._world_graph is not self._graph:
            self._world = world_shape(self._graph)
            self._world_graph = self._graph
        return self._world

    # ----------------------------------------------------------------------------- hooks
    def _length_unit(self) -> float:
        return float(self._parameters.ideal_edge_length)

    def _coarse_masses(self, masses: np.ndarray) -> np.ndarray:
        # Coarse levels are plain spring-electrical graphs (unit masses and springs, as in sfdp): their
        # layout has the shape of the graph, and its scale is fixed at hand-down.
        return np.ones_like(masses)

    def _hand_down_scale(self, coarse_node_count: int, fine_node_count: int) -> float:
        # A spring-electrical layout of n nodes spans about k * n**(1/d).
        return (fine_node_count / max(coarse_node_count, 1)) ** (1.0 / self._dimensions)

    def _start_level(self, level: _Level, fresh: bool) -> None:
        parameters = self._parameters
        length = parameters.ideal_edge_length
        node_count = level.graph.node_count
        if fresh:
            box_side = length * max(node_count, 1) ** (1.0 / self._dimensions)
            self._temperature = parameters.initial_temperature_ratio * box_side
            self._cooling_factor = parameters.cooling_factor
            if level is not self._finest:  # the coarsest level: to 1 % of the start, then hand down
                largeness = self._world_shape()[1]
                level.iteration_budget = round(COARSEST_SMALL_WORLD_ITERATIONS + largeness * (
                    COARSEST_LARGE_WORLD_ITERATIONS - COARSEST_SMALL_WORLD_ITERATIONS))
                self._cooling_factor = 0.01 ** (1.0 / level.iteration_budget)
        else:
            self._temperature = REFINEMENT_TEMPERATURE * length
            self._cooling_factor = REFINEMENT_COOLING_FACTOR
            level.iteration_budget = REFINEMENT_ITERATIONS
        self._level_start_temperature = self._temperature
        level.iterations_done = 0

    def _compute_forces(self, level: _Level) -> np.ndarray:
        parameters = self._parameters
        length = parameters.ideal_edge_length
        groups, group_count = self._component_groups(level)
        exponent = parameters.repulsion_exponent
        repulsive_forces(
            level.positions, level.masses, parameters.theta, length ** (1 + exponent), level.forces,
            (MINIMUM_DISTANCE * length) ** 2, groups, group_count, None, exponent,
        )  # fmt: skip
        graph = level.graph
        # Coarse levels use unit springs (see _coarse_masses); the graph itself its edge weights.
        weights = graph.neighbour_weights if level is self._finest else np.ones_like(graph.neighbour_weights)
        with PARALLEL_LAUNCH_LOCK:
            attractive_forces(
                level.positions, graph.neighbour_start, graph.neighbours, weights, length, level.forces
            )
        return level.forces

    def _move(self, level: _Level) -> tuple[float, float]:
        labels, centers = self._gravity_centres(level)
        pinned = self._pin_mask(level)
        with PARALLEL_LAUNCH_LOCK:
            displacement, energy = move_nodes(
                level.positions, level.forces, level.masses, labels, centers, self.gravity,
                self._temperature, pinned,
            )  # fmt: skip
        self._temperature = max(
            self._temperature * self._cooling_factor, MINIMUM_TEMPERATURE * self._parameters.ideal_edge_length
        )
        return displacement, energy

    def _parameters_changed(self, names: set[str]) -> None:
        if "cooling_factor" in names and self._current is self._finest:
            self._cooling_factor = self._parameters.cooling_factor

    def reheat(self, temperature: float | None = None) -> None:
        """Raise the temperature so a cooled layout can adapt to a change again.

        Parameters
        ----------
        temperature : float, optional
            New temperature; by default ``REHEAT_RATIO`` of the current level's starting temperature
            (never lowers the current one).
        """
        if temperature is None:
            temperature = max(self._temperature, REHEAT_RATIO * self._level_start_temperature)
        if not math.isfinite(temperature) or temperature < 0:
            raise ValueError(
                f"ForceDirectedLayout.reheat: temperature must be finite and >= 0, got {temperature!r}"
            )
        self._temperature = float(temperature)
