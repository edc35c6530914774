"""k-core numbers, local clustering and weakly connected components: numba kernels on the undirected view.

All three ignore direction and weights: they run on ``MeasureGraph.undirected_*`` (self-loops dropped,
parallel edges and the two directions of a pair merged), so they equal networkx's ``core_number``,
``clustering`` and ``connected_components`` on the undirected simple graph.

Each function takes the :class:`~helios_app.graph.measures.structure.MeasureGraph` first and an optional
``progress`` callable (called with a fraction in [0, 1] between chunks; an exception it raises propagates
and stops the measure), and returns ``(values, details)`` with ``values`` float64 ``(n,)``.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

import numba
import numpy as np

from helios_app.graph.measures.structure import MeasureGraph

__all__ = ["clustering", "component_labels", "components", "core_numbers", "triangle_counts"]

Progress = Callable[[float], object]

_CHUNK_WORK = 1 << 22
"""About this many adjacency entries per chunk of a chunked kernel: ``progress`` is called between chunks."""


def _report(progress: Progress | None, fraction: float) -> None:
    if progress is not None:
        progress(min(1.0, max(0.0, float(fraction))))


def _chunks(offsets: np.ndarray) -> list[tuple[int, int]]:
    """Node ranges ``[start, stop)`` holding about ``_CHUNK_WORK`` adjacency entries each."""
    node_count = len(offsets) - 1
    if node_count == 0:
        return []
    edges = int(offsets[-1])
    pieces = max(1, min(node_count, -(-edges // _CHUNK_WORK)))
    bounds = np.searchsorted(offsets, np.linspace(0, edges, pieces + 1)[1:-1], side="left")
    cuts = np.unique(np.concatenate([[0], np.clip(bounds, 0, node_count), [node_count]]))
    return [(int(start), int(stop)) for start, stop in itertools.pairwise(cuts) if stop > start]


# --------------------------------------------------------------------------- k-core


@numba.njit(nogil=True, cache=True)
def _core_numbers(offsets: np.ndarray, targets: np.ndarray) -> np.ndarray:
    """Batagelj–Zaversnik: nodes bucket-sorted by degree, peeled in order, O(n + m)."""
    node_count = len(offsets) - 1
    degree = np.empty(node_count, dtype=np.int64)
    max_degree = 0
    for node in range(node_count):
        degree[node] = offsets[node + 1] - offsets[node]
        max_degree = max(max_degree, degree[node])
    bin_start = np.zeros(max_degree + 2, dtype=np.int64)
    for node in range(node_count):
        bin_start[degree[node] + 1] += 1
    for value in range(max_degree + 1):
        bin_start[value + 1] += bin_start[value]
    position = np.empty(node_count, dtype=np.int64)
    order = np.empty(node_count, dtype=np.int64)
    cursor = bin_start[:-1].copy()
    for node in range(node_count):
        position[node] = cursor[degree[node]]
        order[position[node]] = node
        cursor[degree[node]] += 1
    # bin_start[d]: where the nodes of (current) degree d begin in ``order``.
    for index in range(node_count):
        node = order[index]
        for slot in range(offsets[node], offsets[node + 1]):
            neighbour = targets[slot]
            neighbour_degree = degree[neighbour]
            if neighbour_degree > degree[node]:
                # Swap the neighbour with the first node of its bin, then shrink that bin by one.
                first_position = bin_start[neighbour_degree]
                first = order[first_position]
                if first != neighbour:
                    neighbour_position = position[neighbour]
                    order[neighbour_position] = first
                    position[first] = neighbour_position
                    order[first_position] = neighbour
                    position[neighbour] = first_position
                bin_start[neighbour_degree] += 1
                degree[neighbour] = neighbour_degree - 1
    return degree


def core_numbers(structure: MeasureGraph, progress: Progress | None = None) -> tuple[np.ndarray, dict[str, Any]]:
    """k-core number of every node (the largest k such that the node is in the k-core), direction ignored.

    Batagelj–Zaversnik bucket algorithm, O(n + m), on the undirected simple view; equals
    ``networkx.core_number`` of the undirected simple graph. details: ``max_core``.
    """
    _report(progress, 0.0)
    cores = _core_numbers(structure.undirected_offsets, structure.undirected_targets)
    _report(progress, 1.0)
    return cores.astype(np.float64), {"max_core": int(cores.max()) if len(cores) else 0}


# --------------------------------------------------------------------------- clustering


@numba.njit(nogil=True, cache=True)
def _forward_adjacency(offsets: np.ndarray, targets: np.ndarray):
    """Each edge once, from its lower-ranked end (rank: degree, then index); lists stay sorted by index."""
    node_count = len(offsets) - 1
    forward_offsets = np.zeros(node_count + 1, dtype=np.int64)
    for node in range(node_count):
        degree = offsets[node + 1] - offsets[node]
        count = 0
        for slot in range(offsets[node], offsets[node + 1]):
            neighbour = targets[slot]
            neighbour_degree = offsets[neighbour + 1] - offsets[neighbour]
            if neighbour_degree > degree or (neighbour_degree == degree and neighbour > node):
                count += 1
        forward_offsets[node + 1] = forward_offsets[node] + count
    forward_targets = np.empty(forward_offsets[node_count], dtype=np.int32)
    for node in range(node_count):
        degree = offsets[node + 1] - offsets[node]
        cursor = forward_offsets[node]
        for slot in range(offsets[node], offsets[node + 1]):
            neighbour = targets[slot]
            neighbour_degree = offsets[neighbour + 1] - offsets[neighbour]
            if neighbour_degree > degree or (neighbour_degree == degree and neighbour > node):
                forward_targets[cursor] = neighbour
                cursor += 1
    return forward_offsets, forward_targets


@numba.njit(nogil=True, cache=True)
def _count_triangles(forward_offsets: np.ndarray, forward_targets: np.ndarray, start: int, stop: int,
                     triangles: np.ndarray, marks: np.ndarray) -> None:
    """Add the triangles whose lowest-ranked node lies in ``[start, stop)`` to all three of their nodes.

    A triangle u < v < w (in rank) is found once: ``u`` marks its forward neighbours, then each forward
    neighbour ``v`` of ``u`` looks up its own forward neighbours ``w`` among the marks (O(m^1.5) in all, one
    array lookup per step). ``marks`` (int64, ``-1`` or a node) persists between calls.
    """
    for node in range(start, stop):
        low, high = forward_offsets[node], forward_offsets[node + 1]
        for slot in range(low, high):
            marks[forward_targets[slot]] = node
        for slot in range(low, high):
            neighbour = forward_targets[slot]
            for far in range(forward_offsets[neighbour], forward_offsets[neighbour + 1]):
                third = forward_targets[far]
                if marks[third] == node:
                    triangles[node] += 1
                    triangles[neighbour] += 1
                    triangles[third] += 1


def triangle_counts(structure: MeasureGraph, progress: Progress | None = None) -> np.ndarray:
    """Triangles through each node (int64 ``(n,)``) of the undirected simple view."""
    forward_offsets, forward_targets = _forward_adjacency(structure.undirected_offsets, structure.undirected_targets)
    triangles = np.zeros(structure.node_count, dtype=np.int64)
    marks = np.full(structure.node_count, -1, dtype=np.int64)
    _report(progress, 0.0)
    total = max(int(forward_offsets[-1]), 1)
    for start, stop in _chunks(forward_offsets):
        _count_triangles(forward_offsets, forward_targets, start, stop, triangles, marks)
        _report(progress, int(forward_offsets[stop]) / total)
    _report(progress, 1.0)
    return triangles


def clustering(structure: MeasureGraph, progress: Progress | None = None) -> tuple[np.ndarray, dict[str, Any]]:
    """Local clustering coefficient of every node: unweighted, direction ignored.

    ``2 T(u) / (d(u) (d(u) - 1))`` with ``T(u)`` the triangles through ``u`` and ``d(u)`` its neighbours in
    the undirected simple view (0 when ``d(u) < 2``). Weights are ignored (this is not networkx's weighted
    clustering); equals ``networkx.clustering`` of the undirected simple graph. Triangles are counted with
    each edge kept once, from its lower-degree end, by marking a node's neighbours.
    details: ``average`` (the mean over all nodes, as ``networkx.average_clustering``).
    """
    triangles = triangle_counts(structure, progress)
    degrees = structure.undirected_degrees().astype(np.float64)
    pairs = degrees * (degrees - 1.0)
    values = np.zeros(structure.node_count, dtype=np.float64)
    np.divide(2.0 * triangles, pairs, out=values, where=pairs > 0)
    average = float(values.mean()) if len(values) else 0.0
    return values, {"average": average}


# --------------------------------------------------------------------------- components


@numba.njit(nogil=True, cache=True)
def _component_labels(offsets: np.ndarray, targets: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Breadth-first labelling: components numbered by their smallest node; returns labels and sizes."""
    node_count = len(offsets) - 1
    labels = np.full(node_count, -1, dtype=np.int64)
    sizes = np.zeros(node_count, dtype=np.int64)
    queue = np.empty(node_count, dtype=np.int64)
    count = 0
    for root in range(node_count):
        if labels[root] >= 0:
            continue
        labels[root] = count
        queue[0] = root
        head, tail = 0, 1
        while head < tail:
            node = queue[head]
            head += 1
            for slot in range(offsets[node], offsets[node + 1]):
                neighbour = targets[slot]
                if labels[neighbour] < 0:
                    labels[neighbour] = count
                    queue[tail] = neighbour
                    tail += 1
        sizes[count] = tail
        count += 1
    return labels, sizes[:count]


def component_labels(structure: MeasureGraph) -> tuple[np.ndarray, np.ndarray]:
    """Weak component of each node (int64, 0 = largest; ties: the component with the smallest node first)
    and the component sizes in that order."""
    labels, sizes = _component_labels(structure.undirected_offsets, structure.undirected_targets)
    if len(sizes) == 1:  # connected: nothing to renumber
        return labels, sizes
    order = np.argsort(-sizes, kind="stable")  # by size, then by smallest node (the BFS numbering)
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order))
    return rank[labels], sizes[order]


def components(structure: MeasureGraph, progress: Progress | None = None) -> tuple[np.ndarray, dict[str, Any]]:
    """Weakly connected component of every node: 0 for the largest, then by size (ties: smallest node first).

    Direction is ignored. details: ``count`` (components, isolated nodes included) and ``largest`` (nodes
    in the largest).
    """
    _report(progress, 0.0)
    labels, sizes = component_labels(structure)
    _report(progress, 1.0)
    return labels.astype(np.float64), {"count": len(sizes), "largest": int(sizes[0]) if len(sizes) else 0}
