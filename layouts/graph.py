"""The graph as the layout kernels see it: validated edges, adjacency lists (CSR), degrees, components.

:class:`GraphStructure` is immutable; a graph edit builds a new one (O(n + m), cheap next to a
layout). The adjacency lists hold every edge twice, once from each end, so force kernels can run in
parallel over nodes, each node summing its own edges, with no write conflicts and a fixed order of
summation (the same result for any thread count).
"""

from __future__ import annotations

import numba
import numpy as np

__all__ = ["GraphStructure", "validate_edges", "validate_weights"]


def validate_edges(edges: np.ndarray, node_count: int, owner: str) -> np.ndarray:
    """Return ``edges`` as a C-contiguous int32 ``(m, 2)`` array, or raise a ValueError naming ``owner``.

    Parameters
    ----------
    edges : array_like
        ``(m, 2)`` integer node indices.
    node_count : int
        Every index must lie in ``[0, node_count)``.
    owner : str
        Prefix of the error messages (the class or function being called).

    Returns
    -------
    numpy.ndarray
        ``(m, 2)`` int32.

    Raises
    ------
    ValueError
        If the shape, type or an index is wrong, or an edge is a self-loop.
    """
    edges = np.asarray(edges)
    if edges.size == 0:
        return np.empty((0, 2), dtype=np.int32)
    if edges.ndim != 2 or edges.shape[1] != 2 or not np.issubdtype(edges.dtype, np.integer):
        raise ValueError(f"{owner}: edges must be an (m, 2) integer array, got {edges.dtype} {edges.shape}")
    if edges.min() < 0 or edges.max() >= node_count:
        raise ValueError(
            f"{owner}: edge node indices must lie in [0, {node_count}), got [{edges.min()}, {edges.max()}]"
        )
    if np.any(edges[:, 0] == edges[:, 1]):
        raise ValueError(f"{owner}: edges must not be self-loops (drop them, e.g. Graph.layout_edges())")
    result = np.ascontiguousarray(edges, dtype=np.int32)
    # The layout owns a writable copy: a read-only view (Graph.layout_edges()) would make numba compile
    # every kernel a second time, for read-only arrays, on the first view.
    return result if result.flags.writeable else result.copy()


def validate_weights(weights: np.ndarray | None, edge_count: int, owner: str) -> np.ndarray:
    """Return ``(m,)`` float64 weights (all 1 if None), or raise a ValueError naming ``owner``."""
    if weights is None:
        return np.ones(edge_count, dtype=np.float64)
    result = np.ascontiguousarray(weights, dtype=np.float64).reshape(-1)
    if result.shape != (edge_count,):
        raise ValueError(
            f"{owner}: weights must have one value per edge ({edge_count}), got shape {np.shape(weights)}"
        )
    if not np.all(np.isfinite(result)) or np.any(result <= 0):
        raise ValueError(f"{owner}: weights must be finite and > 0")
    return result


@numba.njit(nogil=True, cache=True, error_model="numpy")
def _adjacency(edges: np.ndarray, weights: np.ndarray, node_count: int):
    """Counting-sort the edge ends by node: CSR offsets, neighbours, their weights and edge indices."""
    edge_count = edges.shape[0]
    neighbour_start = np.zeros(node_count + 1, dtype=np.int64)
    for edge in range(edge_count):
        neighbour_start[edges[edge, 0] + 1] += 1
        neighbour_start[edges[edge, 1] + 1] += 1
    for node in range(node_count):
        neighbour_start[node + 1] += neighbour_start[node]
    cursor = neighbour_start[:-1].copy()
    neighbours = np.empty(2 * edge_count, dtype=np.int32)
    neighbour_weights = np.empty(2 * edge_count, dtype=np.float64)
    neighbour_edges = np.empty(2 * edge_count, dtype=np.int64)
    for edge in range(edge_count):
        source = edges[edge, 0]
        target = edges[edge, 1]
        slot = cursor[source]
        cursor[source] += 1
        neighbours[slot] = target
        neighbour_weights[slot] = weights[edge]
        neighbour_edges[slot] = edge
        slot = cursor[target]
        cursor[target] += 1
        neighbours[slot] = source
        neighbour_weights[slot] = weights[edge]
        neighbour_edges[slot] = edge
    return neighbour_start, neighbours, neighbour_weights, neighbour_edges


@numba.njit(nogil=True, cache=True, error_model="numpy")
def breadth_first(
    neighbour_start: np.ndarray, neighbours: np.ndarray, source: int, marks: np.ndarray, mark: int,
    queue: np.ndarray, hops: np.ndarray,
) -> int:
    """Visit every node reachable from ``source`` whose ``marks`` entry is not ``mark`` yet.

    Sets their ``marks`` to ``mark`` and ``hops`` to their hop distance from ``source``, and lists them in
    ``queue[:count]`` in visiting order (``source`` first); returns ``count``. The scratch arrays are
    the caller's, so a search per source or per component costs no allocation.
    """
    marks[source] = mark
    hops[source] = 0
    queue[0] = source
    head, tail = 0, 1
    while head < tail:
        node = queue[head]
        head += 1
        for slot in range(neighbour_start[node], neighbour_start[node + 1]):
            other = neighbours[slot]
            if marks[other] != mark:
                marks[other] = mark
                hops[other] = hops[node] + 1
                queue[tail] = other
                tail += 1
    return tail


@numba.njit(nogil=True, cache=True, error_model="numpy")
def _farthest(neighbour_start: np.ndarray, neighbours: np.ndarray, source: int) -> tuple[int, int]:
    """Breadth-first search from ``source``: the last node reached and its hop distance."""
    node_count = neighbour_start.shape[0] - 1
    marks = np.zeros(node_count, dtype=np.int64)
    queue = np.empty(node_count, dtype=np.int64)
    hops = np.zeros(node_count, dtype=np.int64)
    count = breadth_first(neighbour_start, neighbours, source, marks, 1, queue, hops)
    last = queue[count - 1]
    return last, hops[last]


@numba.njit(nogil=True, cache=True, error_model="numpy")
def _component_labels(neighbour_start: np.ndarray, neighbours: np.ndarray) -> tuple[int, np.ndarray]:
    """Connected components by breadth-first search, numbered in order of their lowest node."""
    node_count = neighbour_start.shape[0] - 1
    labels = np.full(node_count, -1, dtype=np.int64)
    queue = np.empty(node_count, dtype=np.int64)
    hops = np.zeros(node_count, dtype=np.int64)
    count = 0
    for start in range(node_count):
        if labels[start] < 0:
            breadth_first(neighbour_start, neighbours, start, labels, count, queue, hops)
            count += 1
    return count, labels


class GraphStructure:
    """Edges, weights and the derived arrays every layout kernel uses.

    Parameters
    ----------
    edges : numpy.ndarray
        ``(m, 2)`` int32, validated (see :func:`validate_edges`).
    weights : numpy.ndarray
        ``(m,)`` float64, validated.
    node_count : int
        Number of nodes.

    Attributes
    ----------
    edges, weights, node_count
        As given.
    neighbour_start : numpy.ndarray
        ``(n + 1,)`` int64 CSR offsets: node ``i``'s neighbours are
        ``neighbours[neighbour_start[i]:neighbour_start[i + 1]]``.
    neighbours, neighbour_weights, neighbour_edges : numpy.ndarray
        ``(2m,)`` neighbour index (int32), edge weight, and edge index (into ``edges``) of every edge end.
    degrees : numpy.ndarray
        ``(n,)`` int64 number of edges at each node.
    component_labels : numpy.ndarray
        ``(n,)`` int64 connected component of each node, numbered by first node.
    component_count : int
        Number of connected components (isolated nodes count as one each).
    """

    def __init__(self, edges: np.ndarray, weights: np.ndarray, node_count: int) -> None:
        self.edges = edges
        self.weights = weights
        self.node_count = int(node_count)
        (self.neighbour_start, self.neighbours, self.neighbour_weights, self.neighbour_edges) = _adjacency(
            edges, weights, self.node_count
        )
        self.degrees = np.diff(self.neighbour_start)
        count, self.component_labels = _component_labels(self.neighbour_start, self.neighbours)
        self.component_count = int(count)

    @property
    def edge_count(self) -> int:
        """Number of edges."""
        return int(self.edges.shape[0])

    def largest_component_diameter(self) -> tuple[int, int]:
        """``(node count, hop diameter)`` of the largest component, the diameter estimated by a double
        sweep of breadth-first search: a lower bound, exact on trees, close on meshes and small worlds."""
        if self.node_count == 0:
            return 0, 0
        sizes = self.component_sizes()
        largest = int(np.argmax(sizes))
        start = int(np.flatnonzero(self.component_labels == largest)[0])
        far, _ = _farthest(self.neighbour_start, self.neighbours, start)
        _, diameter = _farthest(self.neighbour_start, self.neighbours, far)
        return int(sizes[largest]), int(diameter)

    def component_sizes(self) -> np.ndarray:
        """``(component_count,)`` number of nodes in each component."""
        return np.bincount(self.component_labels, minlength=self.component_count)
