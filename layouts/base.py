"""What every force-directed layout here shares: graph, positions, pins, edits, multilevel, packing.

:class:`ForceLayout` owns the graph (:class:`~layouts.graph.GraphStructure`) and the positions and
drives one iteration per :meth:`ForceLayout.step`. A subclass supplies the physics: node masses, the
net force on every node, and how nodes move along it (:class:`~layouts.force_directed.ForceDirectedLayout`
cools a temperature, :class:`~layouts.force_atlas2.ForceAtlas2` adapts a speed).

Levels
------
A layout of at least ``MULTILEVEL_MINIMUM_NODE_COUNT`` nodes (or with ``multilevel=True``) builds a
hierarchy of coarse graphs (:mod:`layouts.multilevel`) at its first step, lays out the coarsest from
random positions for its full schedule, then hands the positions down one level at a time (each node
starts at its group's position, slightly spread), refining each for a short schedule. While a coarse
level runs, :attr:`ForceLayout.positions` shows every node at its group's position, and
:attr:`ForceLayout.can_settle` is False so a worker does not stop half way. Pins and graph edits end
the coarse phase at once (the finest level takes over from the current positions).

Components
----------
With ``pack_components`` (the default of Fruchterman-Reingold), every connected component is laid out
on its own (repulsion and gravity act inside a component only) and :func:`~layouts.packing.pack_components`
places the small ones in rings around the largest every ``PACK_INTERVAL`` iterations. Without it,
all nodes repel each other and gravity toward the origin keeps components together (ForceAtlas2's
published model).

Threads
-------
Not thread-safe: one thread calls :meth:`step` and the editing methods (the
:class:`~layouts.worker.LayoutWorker` queues calls from other threads and runs them on its own between
steps). Every kernel releases the GIL.
"""

from __future__ import annotations

import dataclasses
import logging
import math
from typing import Any, ClassVar

import numba
import numpy as np

from . import multilevel
from .graph import GraphStructure, validate_edges, validate_weights
from .packing import pack_components

__all__ = ["MULTILEVEL_MINIMUM_NODE_COUNT", "PACK_INTERVAL", "ForceLayout"]

logger = logging.getLogger(__name__)

MULTILEVEL_MINIMUM_NODE_COUNT = 1000
"""``multilevel=None`` (automatic) turns the multilevel scheme on from this many nodes. Measured on the
1,000-5,000-node graphs of ../shared/data it gives equal or lower stress than a single level for
both algorithms (power.gml: 0.083 instead of 0.184 with FR) in less time; on a few hundred nodes
the coarsest level (~100 nodes) is most of the graph anyway."""

PACK_INTERVAL = 5
"""Components are re-packed every this many iterations (and when a level starts)."""

PROLONGATION_SPREAD = 0.3
"""When a level is handed down, members of a group start within this fraction of the coarse level's
median edge length of the group's position: apart enough to feel each other, close enough not to tangle."""



REDUCTION_BLOCK = 4096
"""Kernels that sum over nodes sum fixed blocks of this many in parallel, then the block sums in order:
the same result for any thread count."""


@numba.njit(nogil=True, cache=True)
def reduction_block_count(node_count: int) -> int:
    """Number of :data:`REDUCTION_BLOCK` blocks covering ``node_count`` nodes."""
    return (node_count + REDUCTION_BLOCK - 1) // REDUCTION_BLOCK


@numba.njit(nogil=True, cache=True)
def reduction_block_nodes(block: int, node_count: int) -> tuple[int, int]:
    """First and past-the-last node of ``block``."""
    return block * REDUCTION_BLOCK, min(node_count, (block + 1) * REDUCTION_BLOCK)


@numba.njit(nogil=True, cache=True)
def ordered_total(block_sums: np.ndarray) -> float:
    """Sum of the block sums, in block order."""
    total = 0.0
    for block in range(block_sums.shape[0]):
        total += block_sums[block]
    return total


@numba.njit(nogil=True, cache=True, error_model="numpy")
def weighted_centroids(
    positions: np.ndarray, masses: np.ndarray, labels: np.ndarray, component_count: int
) -> np.ndarray:
    """Mass-weighted centroid of every component, ``(component_count, d)``."""
    node_count, dimensions = positions.shape
    sums = np.zeros((component_count, dimensions))
    totals = np.zeros(component_count)
    for node in range(node_count):
        label = labels[node]
        totals[label] += masses[node]
        for dimension in range(dimensions):
            sums[label, dimension] += masses[node] * positions[node, dimension]
    for label in range(component_count):
        if totals[label] > 0.0:
            for dimension in range(dimensions):
                sums[label, dimension] /= totals[label]
    return sums


@numba.njit(nogil=True, cache=True, error_model="numpy")
def _median_edge_length(positions: np.ndarray, edges: np.ndarray) -> float:
    edge_count = edges.shape[0]
    if edge_count == 0:
        return 1.0
    lengths = np.empty(edge_count)
    for edge in range(edge_count):
        squared = 0.0
        for dimension in range(positions.shape[1]):
            difference = positions[edges[edge, 0], dimension] - positions[edges[edge, 1], dimension]
            squared += difference * difference
        lengths[edge] = math.sqrt(squared)
    return float(np.median(lengths))


class _Level:
    """One level being laid out: its graph, masses, positions and schedule."""

    def __init__(self, graph: GraphStructure, masses: np.ndarray, positions: np.ndarray | None) -> None:
        self.graph = graph
        self.masses = masses
        self.positions = positions
        self.forces = None if positions is None else np.zeros_like(positions)
        self.parent: np.ndarray | None = None  # level below's node -> this level's node
        self.finest_map: np.ndarray | None = None  # finest node -> this level's node (coarse levels only)
        self.iterations_done = 0
        self.iteration_budget = 0  # coarse levels hand down after this many; the finest may settle after it


class ForceLayout:
    """Base of the force-directed layouts; see the module docstring.

    Parameters
    ----------
    edges : numpy.ndarray
        ``(m, 2)`` integer node indices, undirected, without self-loops.
    node_count : int
        Number of nodes, ``>= 0``.
    dimensions : int, optional
        1, 2 or 3.
    seed : int, optional
        Seed of the random initial positions and every other random choice: the same seed (and thread
        count) gives the same positions.
    weights : numpy.ndarray, optional
        ``(m,)`` positive edge weights; all 1 if omitted.
    initial_positions : numpy.ndarray, optional
        ``(n, dimensions)`` start positions instead of random ones (no multilevel then); coincident
        nodes get a tiny seeded jitter so they can separate.
    **parameters
        Fields of the subclass's parameter dataclass (:attr:`parameters_type`).

    Raises
    ------
    ValueError
        If an argument has the wrong shape or value, or a parameter is unknown.
    """

    name: ClassVar[str] = ""
    """Key in :data:`layouts.LAYOUT_ALGORITHMS`."""

    parameters_type: ClassVar[type] = object
    """Frozen dataclass of the algorithm's parameters."""

    def __init__(
        self,
        edges: np.ndarray,
        node_count: int,
        dimensions: int = 2,
        seed: int = 0,
        weights: np.ndarray | None = None,
        initial_positions: np.ndarray | None = None,
        **parameters: Any,
    ) -> None:
        owner = type(self).__name__
        node_count = int(node_count)
        dimensions = int(dimensions)
        if node_count < 0:
            raise ValueError(f"{owner}: node_count must be >= 0, got {node_count}")
        if not 1 <= dimensions <= 3:
            raise ValueError(f"{owner}: dimensions must be 1, 2 or 3, got {dimensions}")
        edges = validate_edges(edges, node_count, owner)
        weights = validate_weights(weights, len(edges), owner)
        self._parameters = self.check_parameters(parameters)
        self._check_parameters_for_graph(self._parameters, node_count)
        self._dimensions = dimensions
        self._seed = int(seed)
        self._random = np.random.default_rng(seed)
        self._graph = GraphStructure(edges, weights, node_count)
        self._pinned = np.zeros(node_count, dtype=bool)
        self._unplaced = np.zeros(node_count, dtype=bool)
        self._iteration = 0
        self._energy = math.nan
        box_side = self._length_unit() * max(node_count, 1) ** (1.0 / dimensions)
        if initial_positions is None:
            positions = (self._random.random((node_count, dimensions)) - 0.5) * box_side
        else:
            positions = np.array(initial_positions, dtype=np.float64, order="C", copy=True)
            if positions.shape != (node_count, dimensions):
                raise ValueError(
                    f"{owner}: initial_positions must have shape ({node_count}, {dimensions}), "
                    f"got {positions.shape}"
                )
            if not np.all(np.isfinite(positions)):
                raise ValueError(f"{owner}: initial_positions must be finite")
            if node_count > 1 and len(np.unique(positions, axis=0)) < node_count:
                # Coincident nodes feel no force between them and would stay stuck together.
                jitter = 0.01 * self._length_unit()
                positions += (self._random.random(positions.shape) - 0.5) * jitter
        self._positions = positions
        self._finest = _Level(self._graph, self._node_masses(self._graph), positions)
        self._coarse_levels: list[_Level] = []
        self._current = self._finest
        self._projection_stale = False
        multilevel_setting = self._parameters.multilevel
        if multilevel_setting is None:
            multilevel_setting = node_count >= MULTILEVEL_MINIMUM_NODE_COUNT
        self._multilevel_pending = bool(multilevel_setting) and initial_positions is None and node_count > 1
        self._start_level(self._finest, fresh=True)

    # ------------------------------------------------------------------ subclass hooks
    # The constructor calls _check_parameters_for_graph, _length_unit and _node_masses, which read only
    # the parameters and the graph, and last _start_level, which sets (never reads) the subclass's
    # schedule state: a subclass needs no constructor of its own and nothing set before this one runs.
    def _length_unit(self) -> float:
        """The layout's natural length (an edge's rest length, roughly)."""
        return 1.0

    def _node_masses(self, graph: GraphStructure) -> np.ndarray:
        """``(n,)`` masses of the finest graph's nodes."""
        return np.ones(graph.node_count)

    def _coarse_masses(self, masses: np.ndarray) -> np.ndarray:
        """Masses of a coarse level's nodes, given the sums of their members' masses."""
        return masses

    def _hand_down_scale(self, coarse_node_count: int, fine_node_count: int) -> float:
        """Factor applied to a coarse layout's positions when they are handed down a level."""
        return 1.0

    def _start_level(self, level: _Level, fresh: bool) -> None:
        """Reset the schedule for ``level``: ``fresh`` from random positions, else after a hand-down."""
        raise NotImplementedError

    def _compute_forces(self, level: _Level) -> np.ndarray:
        """Overwrite and return ``level.forces`` with the net force on every node."""
        raise NotImplementedError

    def _move(self, level: _Level) -> tuple[float, float]:
        """Move the free nodes along ``level.forces``; return (mean displacement, energy)."""
        raise NotImplementedError

    def _graph_changed(self) -> None:
        """Called after the finest graph was replaced (per-node state must be resized)."""

    def _check_parameters_for_graph(self, parameters: Any, node_count: int) -> None:
        """Raise a ValueError if ``parameters`` do not fit a graph of ``node_count`` nodes."""

    # ------------------------------------------------------------------------ parameters
    @classmethod
    def check_parameters(cls, parameters: dict[str, Any], base: Any = None) -> Any:
        """The parameters ``base`` (default: the defaults) with ``parameters`` changed, checked; raises a
        ValueError naming a wrong one. Touches no layout: any thread may call it."""
        names = [field.name for field in dataclasses.fields(cls.parameters_type)]
        unknown = sorted(set(parameters) - set(names))
        if unknown:
            raise ValueError(
                f"{cls.__name__}: unknown parameter(s) {', '.join(unknown)}; known: {', '.join(names)}"
            )
        if base is None:
            return cls.parameters_type(**parameters)
        return dataclasses.replace(base, **parameters)

    @property
    def parameters(self) -> Any:
        """The current parameters (a frozen dataclass)."""
        return self._parameters

    def set_parameters(self, **changes: Any) -> None:
        """Change parameters while running; the layout reheats so the change shows.

        Parameters
        ----------
        **changes
            Fields of :attr:`parameters_type` and their new values.

        Raises
        ------
        ValueError
            If a name is unknown or a value out of range (nothing is changed then).
        """
        parameters = self.check_parameters(changes, self._parameters)
        self._check_parameters_for_graph(parameters, self.node_count)
        self._parameters = parameters
        self._parameters_changed(set(changes))
        self.reheat()

    def _parameters_changed(self, names: set[str]) -> None:
        """Hook: react to changed parameters (recompute masses, ...)."""

    # ------------------------------------------------------------------------ properties
    @property
    def positions(self) -> np.ndarray:
        """``(n, d)`` float64 positions of the finest graph's nodes, updated by :meth:`step`.

        While a coarse level runs, every node is shown at its group's position.
        """
        if self._projection_stale:
            level = self._current
            np.take(level.positions, level.finest_map, axis=0, out=self._positions)
            self._projection_stale = False
        if self._unplaced.any():  # nodes added since the last step: next to their neighbours, not at 0
            self._place_unplaced_nodes()
        return self._positions

    @property
    def edges(self) -> np.ndarray:
        """``(m, 2)`` int32 edges."""
        return self._graph.edges

    @property
    def weights(self) -> np.ndarray:
        """``(m,)`` float64 edge weights."""
        return self._graph.weights

    @property
    def graph(self) -> GraphStructure:
        """The finest graph with its adjacency lists and components."""
        return self._graph

    @property
    def node_count(self) -> int:
        """Number of nodes."""
        return self._graph.node_count

    @property
    def dimensions(self) -> int:
        """Coordinates per node."""
        return self._dimensions

    @property
    def seed(self) -> int:
        """Seed of the random choices."""
        return self._seed

    @property
    def iteration(self) -> int:
        """Number of :meth:`step` calls so far (all levels)."""
        return self._iteration

    @property
    def energy(self) -> float:
        """Sum of the squared net forces on the free nodes at the last step (Hu 2005); nan before one."""
        return self._energy

    @property
    def level(self) -> int:
        """Level being laid out: 0 is the graph itself, higher numbers are coarser graphs."""
        if self._current is self._finest:
            return 0
        return self._coarse_levels.index(self._current) + 1

    @property
    def level_count(self) -> int:
        """Number of levels (1 without multilevel; known after the first step)."""
        return 1 + len(self._coarse_levels)

    @property
    def can_settle(self) -> bool:
        """False while a coarse level or the first refinement iterations run: not converged yet."""
        return self._current is self._finest and self._finest.iterations_done >= self._finest.iteration_budget

    @property
    def pinned(self) -> np.ndarray:
        """``(n,)`` bool: nodes that never move (a copy)."""
        return self._pinned.copy()

    @property
    def ideal_edge_length(self) -> float:
        """The layout's natural length unit (used by the worker as the smallest layout size)."""
        return self._length_unit()

    # -------------------------------------------------------------------------- stepping
    def step(self) -> float:
        """Run one iteration: forces, movement, packing, and level hand-down when due.

        Returns
        -------
        float
            Mean distance the nodes of the current level moved.
        """
        if self._multilevel_pending:
            self._multilevel_pending = False
            self._build_hierarchy()
        if self._unplaced.any():
            self._place_unplaced_nodes()
        level = self._current
        self._compute_forces(level)
        displacement, energy = self._move(level)
        self._energy = energy
        level.iterations_done += 1
        if self._packs_components(level) and (level.iterations_done % PACK_INTERVAL == 1):
            self._pack(level)
        if level is not self._finest:
            if level.iterations_done >= level.iteration_budget:
                self._hand_down(level)
            else:
                self._projection_stale = True
        self._iteration += 1
        return float(displacement)

    def reheat(self) -> None:
        """Let a cooled layout adapt to a change again (subclasses raise their temperature or speed)."""

    # ------------------------------------------------------------------------ multilevel
    def _build_hierarchy(self) -> None:
        hierarchy = multilevel.build_hierarchy(self._graph, self._finest.masses, self._seed)
        if not hierarchy:
            return
        levels = []
        finest_map = None
        for coarse in hierarchy:
            level = _Level(coarse.graph, self._coarse_masses(coarse.masses), None)
            level.parent = coarse.parent
            finest_map = coarse.parent if finest_map is None else coarse.parent[finest_map]
            levels.append(level)
        coarsest = levels[-1]
        coarsest.finest_map = finest_map
        box_side = self._length_unit() * coarsest.graph.node_count ** (1.0 / self._dimensions)
        random_positions = self._random.random((coarsest.graph.node_count, self._dimensions))
        coarsest.positions = (random_positions - 0.5) * box_side
        coarsest.forces = np.zeros_like(coarsest.positions)
        self._coarse_levels = levels
        self._current = coarsest
        self._start_level(coarsest, fresh=True)
        self._projection_stale = True
        logger.debug(
            "%s: %d levels, %s nodes", type(self).__name__, len(levels) + 1,
            " > ".join(str(lv.graph.node_count) for lv in [self._finest, *levels]),
        )  # fmt: skip

    def _hand_down(self, level: _Level) -> None:
        """Prolong ``level``'s positions to the level below and start refining it."""
        index = self._coarse_levels.index(level)
        finer = self._finest if index == 0 else self._coarse_levels[index - 1]
        scale = self._hand_down_scale(level.graph.node_count, finer.graph.node_count)
        spread = PROLONGATION_SPREAD * scale * _median_edge_length(level.positions, level.graph.edges)
        positions = multilevel.prolong(level.positions * scale, level.parent, spread, self._random)
        if finer is self._finest:
            self._positions[:] = positions
            self._coarse_levels = []
            self._projection_stale = False
        else:
            finer.positions = positions
            finer.forces = np.zeros_like(positions)
            finer.finest_map = self._finest_map_to(index - 1)
            self._projection_stale = True
        level.positions = level.forces = None
        self._current = finer
        self._start_level(finer, fresh=False)
        if self._packs_components(finer):
            self._pack(finer)

    def _finest_map_to(self, index: int) -> np.ndarray:
        """Compose the parent maps: finest node -> node of coarse level ``index``."""
        mapping = self._coarse_levels[0].parent
        for level in self._coarse_levels[1 : index + 1]:
            mapping = level.parent[mapping]
        return mapping

    def _leave_coarse_phase(self) -> None:
        """Jump straight to the finest level from the current coarse positions (pins, edits)."""
        if self._multilevel_pending:
            self._multilevel_pending = False
            return
        level = self._current
        if level is self._finest:
            return
        scale = self._hand_down_scale(level.graph.node_count, self._finest.graph.node_count)
        spread = PROLONGATION_SPREAD * scale * _median_edge_length(level.positions, level.graph.edges)
        self._positions[:] = multilevel.prolong(
            level.positions * scale, level.finest_map, spread, self._random
        )
        self._coarse_levels = []
        self._current = self._finest
        self._projection_stale = False
        self._start_level(self._finest, fresh=False)

    # -------------------------------------------------------------------------- packing
    def _packs_components(self, level: _Level) -> bool:
        return bool(getattr(self._parameters, "pack_components", False)) and level.graph.component_count > 1

    def _gravity_centres(self, level: _Level) -> tuple[np.ndarray, np.ndarray]:
        """``(labels, centres)``: every node's centre of gravity, its component's centroid when packing,
        else the origin."""
        graph = level.graph
        if self._packs_components(level):
            labels = graph.component_labels
            return labels, weighted_centroids(level.positions, level.masses, labels, graph.component_count)
        return np.zeros(graph.node_count, dtype=np.int64), np.zeros((1, self._dimensions))

    def _pin_mask(self, level: _Level) -> np.ndarray:
        """``(n,)`` bool pins of ``level``'s nodes for the kernels, empty when none is pinned (coarse
        levels have none: a pin ends the coarse phase)."""
        if level is self._finest and self._pinned.any():
            return self._pinned
        return np.zeros(0, dtype=bool)

    def _component_groups(self, level: _Level) -> tuple[np.ndarray | None, int]:
        """Barnes-Hut groups: one per component when packing, else everything in one."""
        if self._packs_components(level):
            return level.graph.component_labels, level.graph.component_count
        return None, 1

    def _pack(self, level: _Level) -> None:
        graph = level.graph
        fixed = None
        if level is self._finest and self._pinned.any():
            fixed = np.zeros(graph.component_count, dtype=bool)
            fixed[graph.component_labels[self._pinned]] = True
        unit = self._length_unit() * self._packing_unit(level)
        pack_components(
            level.positions, graph.component_labels, graph.component_count, fixed,
            gap=unit, node_radius=0.5 * unit,
        )  # fmt: skip

    def _packing_unit(self, level: _Level) -> float:
        """Scale of the packing gap relative to :meth:`_length_unit`."""
        return 1.0

    # ------------------------------------------------------------------------------ pins
    def set_pins(self, indices: np.ndarray | list[int], positions: np.ndarray | None = None) -> None:
        """Replace the set of pinned nodes: these never move; all others are free.

        Parameters
        ----------
        indices : array_like of int
            Nodes to pin (empty: unpin all).
        positions : array_like, optional
            ``(k, d)`` (or ``(d,)`` for one node) positions to put them at; where they are if omitted.
        """
        self._pinned[:] = False
        self.pin(indices, positions)

    def pin(self, indices: np.ndarray | list[int] | int, positions: np.ndarray | None = None) -> None:
        """Pin nodes (adding to the pinned set), optionally moving them first.

        Parameters
        ----------
        indices : int or array_like of int
            Nodes to pin.
        positions : array_like, optional
            ``(k, d)`` (or ``(d,)`` for one node) positions to put them at; where they are if omitted.

        Raises
        ------
        ValueError
            If an index is out of range or the positions have the wrong shape or are not finite.
        """
        indices = self._check_indices(indices, "pin")
        if len(indices) == 0:
            return
        self._leave_coarse_phase()
        if positions is not None:
            positions = np.asarray(positions, dtype=np.float64).reshape(len(indices), -1)
            if positions.shape[1] != self._dimensions or not np.all(np.isfinite(positions)):
                raise ValueError(
                    f"{type(self).__name__}.pin: positions must be finite with {self._dimensions} "
                    f"coordinates per node, got shape {positions.shape}"
                )
            self._positions[indices] = positions
            self._unplaced[indices] = False
        self._pinned[indices] = True
        self.reheat()

    def unpin(self, indices: np.ndarray | list[int] | int | None = None) -> None:
        """Free pinned nodes (all if ``indices`` is None); they stay where they are until forces move them."""
        if indices is None:
            self._pinned[:] = False
        else:
            self._pinned[self._check_indices(indices, "unpin")] = False
        self.reheat()

    def _check_indices(self, indices: Any, method: str) -> np.ndarray:
        indices = np.atleast_1d(np.asarray(indices))
        if indices.size == 0:
            return np.empty(0, dtype=np.int64)
        if not np.issubdtype(indices.dtype, np.integer) or indices.ndim != 1:
            raise ValueError(
                f"{type(self).__name__}.{method}: node indices must be integers, got {indices!r}"
            )
        if indices.min() < 0 or indices.max() >= self.node_count:
            raise ValueError(
                f"{type(self).__name__}.{method}: node indices must lie in [0, {self.node_count}), "
                f"got [{indices.min()}, {indices.max()}]"
            )
        return indices.astype(np.int64)

    # ------------------------------------------------------------------------ graph edits
    def update_graph(
        self,
        edges: np.ndarray,
        node_count: int | None = None,
        weights: np.ndarray | None = None,
        positions: np.ndarray | None = None,
    ) -> None:
        """Replace the graph while running; nodes ``< min(old, new) node_count`` keep their place.

        Nodes beyond the old count are new: they are placed at ``positions`` rows if given (rows for
        all ``node_count`` nodes; rows of existing nodes are ignored), otherwise near their placed
        neighbours at the next step. Pins of nodes that still exist are kept.

        Parameters
        ----------
        edges : numpy.ndarray
            ``(m, 2)`` edges of the new graph.
        node_count : int, optional
            New number of nodes (default: unchanged).
        weights : numpy.ndarray, optional
            ``(m,)`` weights of the new edges (all 1 if omitted).
        positions : numpy.ndarray, optional
            ``(node_count, d)``: start positions of the new nodes.
        """
        old_count = self.node_count
        node_count = old_count if node_count is None else int(node_count)
        owner = f"{type(self).__name__}.update_graph"
        if node_count < 0:
            raise ValueError(f"{owner}: node_count must be >= 0, got {node_count}")
        edges = validate_edges(edges, node_count, owner)
        weights = validate_weights(weights, len(edges), owner)
        kept = min(old_count, node_count)
        self._leave_coarse_phase()
        new_positions = np.zeros((node_count, self._dimensions))
        new_positions[:kept] = self._positions[:kept]
        unplaced = np.zeros(node_count, dtype=bool)
        unplaced[:kept] = self._unplaced[:kept]
        unplaced[kept:] = True
        if positions is not None and node_count > kept:
            positions = np.asarray(positions, dtype=np.float64)
            if positions.shape != (node_count, self._dimensions) or not np.all(np.isfinite(positions[kept:])):
                raise ValueError(
                    f"{owner}: positions must be finite with shape ({node_count}, {self._dimensions})"
                )
            new_positions[kept:] = positions[kept:]
            unplaced[kept:] = False
        pinned = np.zeros(node_count, dtype=bool)
        pinned[:kept] = self._pinned[:kept]
        self._set_graph(GraphStructure(edges, weights, node_count), new_positions, pinned, unplaced)

    def add_nodes(self, count: int, positions: np.ndarray | None = None) -> np.ndarray:
        """Append ``count`` nodes without edges; return their indices.

        Without ``positions`` they are placed near their neighbours at the next step (so add their
        edges with :meth:`add_edges` before stepping), or near the layout's centre if they have none.
        """
        count = int(count)
        if count < 0:
            raise ValueError(f"{type(self).__name__}.add_nodes: count must be >= 0, got {count}")
        old_count = self.node_count
        full_positions = None
        if positions is not None:
            full_positions = np.zeros((old_count + count, self._dimensions))
            new_positions = np.asarray(positions, dtype=np.float64).reshape(count, self._dimensions)
            full_positions[old_count:] = new_positions
        self.update_graph(self._graph.edges, old_count + count, self._graph.weights, full_positions)
        return np.arange(old_count, old_count + count)

    def remove_nodes(self, indices: np.ndarray | list[int] | int) -> np.ndarray:
        """Remove nodes and their edges; the others keep their place and their order.

        Returns
        -------
        numpy.ndarray
            ``(old_node_count,)`` int64: every old index's new index, -1 for removed nodes.
        """
        removed = self._check_indices(indices, "remove_nodes")
        keep = np.ones(self.node_count, dtype=bool)
        keep[removed] = False
        new_index = np.full(self.node_count, -1, dtype=np.int64)
        new_index[keep] = np.arange(int(keep.sum()))
        self._leave_coarse_phase()
        edges = self._graph.edges
        kept_edges = keep[edges[:, 0]] & keep[edges[:, 1]]
        new_edges = new_index[edges[kept_edges]].astype(np.int32)
        self._set_graph(
            GraphStructure(
                np.ascontiguousarray(new_edges), self._graph.weights[kept_edges].copy(), int(keep.sum())
            ),
            self._positions[keep].copy(),
            self._pinned[keep].copy(),
            self._unplaced[keep].copy(),
        )
        return new_index

    def add_edges(self, edges: np.ndarray, weights: np.ndarray | None = None) -> None:
        """Add edges (``(k, 2)`` node indices, optional ``(k,)`` weights)."""
        owner = f"{type(self).__name__}.add_edges"
        edges = validate_edges(edges, self.node_count, owner)
        weights = validate_weights(weights, len(edges), owner)
        self.update_graph(
            np.vstack([self._graph.edges, edges]),
            self.node_count,
            np.concatenate([self._graph.weights, weights]),
        )

    def remove_edges(self, edges: np.ndarray) -> int:
        """Remove the listed edges (either direction); return how many were removed."""
        owner = f"{type(self).__name__}.remove_edges"
        edges = validate_edges(edges, self.node_count, owner)
        current = self._graph.edges.astype(np.int64)
        count = max(self.node_count, 1)
        removed = edges.astype(np.int64)
        current_keys = current.min(axis=1) * count + current.max(axis=1)
        removed_keys = removed.min(axis=1) * count + removed.max(axis=1)
        keep = ~np.isin(current_keys, removed_keys)
        self.update_graph(self._graph.edges[keep], self.node_count, self._graph.weights[keep])
        return int((~keep).sum())

    def _set_graph(
        self, graph: GraphStructure, positions: np.ndarray, pinned: np.ndarray, unplaced: np.ndarray
    ) -> None:
        self._graph = graph
        self._positions = positions
        self._pinned = pinned
        self._unplaced = unplaced
        level = _Level(graph, self._node_masses(graph), positions)
        level.iterations_done = self._finest.iterations_done
        level.iteration_budget = self._finest.iteration_budget
        self._finest = self._current = level
        self._graph_changed()
        self.reheat()

    def _place_unplaced_nodes(self) -> None:
        """Put every node added without a position near its placed neighbours (or near the centre)."""
        graph = self._graph
        positions = self._positions
        unit = self._length_unit()
        placed = ~self._unplaced
        center = positions[placed].mean(axis=0) if placed.any() else np.zeros(self._dimensions)
        radius = unit * max(placed.sum(), 1) ** (1.0 / self._dimensions) * 0.5
        # Breadth-first from the placed nodes, so chains of new nodes grow out of the old graph.
        for _ in range(self.node_count):
            progress = False
            for node in np.flatnonzero(self._unplaced):
                neighbours = graph.neighbours[graph.neighbour_start[node] : graph.neighbour_start[node + 1]]
                placed_neighbours = neighbours[~self._unplaced[neighbours]]
                if len(placed_neighbours) == 0:
                    continue
                offset = self._random.normal(size=self._dimensions)
                offset *= 0.5 * unit / max(np.linalg.norm(offset), 1e-12)
                positions[node] = positions[placed_neighbours].mean(axis=0) + offset
                self._unplaced[node] = False
                progress = True
            if not progress:
                break
        for node in np.flatnonzero(self._unplaced):
            offset = self._random.normal(size=self._dimensions)
            positions[node] = center + offset * radius / max(np.linalg.norm(offset), 1e-12)
            self._unplaced[node] = False

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(node_count={self.node_count}, edge_count={self._graph.edge_count}, "
            f"dimensions={self._dimensions}, iteration={self._iteration}, level={self.level})"
        )

