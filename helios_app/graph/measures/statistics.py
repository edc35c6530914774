"""Whole-graph statistics: counts, density, degrees, components, clustering, diameter, assortativity.

Everything is computed on the simple graph of :class:`~helios_app.graph.measures.structure.MeasureGraph`
(self-loops dropped, parallel edges merged), as networkx would on ``nx.Graph``/``nx.DiGraph`` built from the
same records; clustering, components and the diameter ignore direction. The kernels are numba (linear or
near-linear in the edges, apart from the exact diameter on a small component), so a graph of a million
nodes takes seconds.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numba
import numpy as np

from helios_app.graph.measures.cores import clustering, component_labels
from helios_app.graph.measures.structure import MeasureGraph, measure_graph
from helios_app.graph.model import Graph

__all__ = ["EXACT_DIAMETER_NODES", "graph_statistics", "hop_diameter"]

Progress = Callable[[float], object]

EXACT_DIAMETER_NODES = 2000
"""The diameter is exact (a breadth-first search from every node) when the largest component has at most
this many nodes; above it, a lower bound from a few double sweeps (exact when an upper bound meets it)."""

_SWEEPS = 4
"""Double sweeps of the diameter estimate, each restarting from the middle of the previous longest path."""


def _scaled(progress: Progress | None, low: float, high: float) -> Progress | None:
    if progress is None:
        return None
    return lambda fraction: progress(low + (high - low) * min(1.0, max(0.0, float(fraction))))


@numba.njit(nogil=True, cache=True)
def _bfs(offsets: np.ndarray, targets: np.ndarray, source: int, distances: np.ndarray, queue: np.ndarray):
    """Hop distances from ``source`` into ``distances`` (-1: unreached; must be -1 on entry for every node
    the search can reach); returns the eccentricity, a farthest node and how many nodes were reached."""
    distances[source] = 0
    queue[0] = source
    head, tail = 0, 1
    while head < tail:
        node = queue[head]
        head += 1
        next_distance = distances[node] + 1
        for slot in range(offsets[node], offsets[node + 1]):
            neighbour = targets[slot]
            if distances[neighbour] < 0:
                distances[neighbour] = next_distance
                queue[tail] = neighbour
                tail += 1
    farthest = queue[tail - 1]
    return distances[farthest], farthest, tail


@numba.njit(nogil=True, cache=True)
def _largest_eccentricity(offsets: np.ndarray, targets: np.ndarray, sources: np.ndarray,
                          distances: np.ndarray, queue: np.ndarray) -> int:
    """The largest eccentricity of ``sources`` (one breadth-first search each)."""
    largest = 0
    for index in range(len(sources)):
        eccentricity, _, reached = _bfs(offsets, targets, sources[index], distances, queue)
        for position in range(reached):
            distances[queue[position]] = -1
        largest = max(largest, eccentricity)
    return largest


def hop_diameter(structure: MeasureGraph, nodes: np.ndarray, progress: Progress | None = None,
                 exact_limit: int | None = None) -> tuple[int, bool]:
    """Hop diameter (direction ignored) of the connected node set ``nodes``: ``(diameter, exact)``.

    Exact (a breadth-first search from every node) when ``len(nodes) <= exact_limit`` (default
    :data:`EXACT_DIAMETER_NODES`); else a lower bound from :data:`_SWEEPS` double sweeps (from the
    highest-degree node, then each time from the middle of the longest path found), reported exact only when
    twice the smallest eccentricity seen (an upper bound) meets it.
    """
    limit = EXACT_DIAMETER_NODES if exact_limit is None else exact_limit
    offsets, targets = structure.undirected_offsets, structure.undirected_targets
    node_count = structure.node_count
    if len(nodes) <= 1:
        return 0, True
    distances = np.full(node_count, -1, dtype=np.int32)
    queue = np.empty(node_count, dtype=np.int64)
    sources = np.ascontiguousarray(nodes, dtype=np.int64)
    if len(nodes) <= limit:
        largest = 0
        chunk = max(1, len(sources) // 20)
        for start in range(0, len(sources), chunk):
            largest = max(largest, int(_largest_eccentricity(offsets, targets, sources[start:start + chunk],
                                                             distances, queue)))
            if progress is not None:
                progress(min(1.0, (start + chunk) / len(sources)))
        return largest, True

    def search(source: int) -> tuple[np.ndarray, int, int]:
        found = np.full(node_count, -1, dtype=np.int32)
        eccentricity, farthest, _ = _bfs(offsets, targets, source, found, queue)
        return found, int(eccentricity), int(farthest)

    degrees = np.diff(offsets)[sources]
    start = int(sources[int(np.argmax(degrees))])
    lower, upper = 0, np.iinfo(np.int64).max
    for sweep in range(_SWEEPS):
        _, eccentricity, a = search(start)
        lower, upper = max(lower, eccentricity), min(upper, 2 * eccentricity)
        from_a, eccentricity_a, b = search(a)
        from_b, eccentricity_b, _ = search(b)
        lower = max(lower, eccentricity_a, eccentricity_b)
        upper = min(upper, 2 * eccentricity_a, 2 * eccentricity_b)
        if progress is not None:
            progress((sweep + 1) / _SWEEPS)
        if lower >= upper:
            break
        # The middle of a longest a-b path found: a node on a shortest path halfway between them.
        length = int(from_a[b])
        middle = np.flatnonzero((from_a == length // 2) & (from_a + from_b == length))
        start = int(middle[0]) if len(middle) else b
    return int(lower), bool(lower >= upper)


def _assortativity(x: np.ndarray, y: np.ndarray) -> float | None:
    """Pearson correlation of the degree pairs of the arcs; None when undefined (no arcs, or a constant)."""
    if len(x) == 0:
        return None
    x = x.astype(np.float64)
    y = y.astype(np.float64)
    x -= x.mean()
    y -= y.mean()
    x_variance, y_variance = float(np.dot(x, x)), float(np.dot(y, y))
    if x_variance <= 0.0 or y_variance <= 0.0:
        return None
    return float(np.dot(x, y) / np.sqrt(x_variance * y_variance))


def _distribution(degrees: np.ndarray) -> dict[str, list[int]]:
    values, counts = np.unique(degrees, return_counts=True)
    return {"degrees": [int(value) for value in values], "counts": [int(count) for count in counts]}


def graph_statistics(graph: Graph | MeasureGraph, weight: str | None = "weight",
                     progress: Progress | None = None) -> dict[str, Any]:
    """Statistics of the whole graph, as a JSON-serialisable dict of plain Python numbers.

    Parameters
    ----------
    graph : Graph or MeasureGraph
        A MeasureGraph lacks the edge records: ``edge_records`` and ``self_loops`` are then None.
    weight : str or None, default "weight"
        Which weights make the graph ``weighted`` (see :meth:`Graph.edge_weights`); no statistic uses them.
    progress : callable, optional
        Called with the fraction done; an exception it raises stops the computation.

    Returns
    -------
    dict
        ``nodes``, ``edges`` (of the simple graph: arcs if directed, else undirected edges),
        ``edge_records`` (as read, parallel edges and self-loops included), ``self_loops`` (records),
        ``directed``, ``weighted``, ``density`` (as ``networkx.density``), ``components`` (weak),
        ``largest_component`` (nodes), ``average_degree`` and ``max_degree`` (total: in + out when
        directed), for a directed graph also ``average_in_degree`` (= average out-degree),
        ``max_in_degree`` and ``max_out_degree``; ``average_clustering`` (unweighted, direction ignored, 0
        for nodes of degree < 2, as ``networkx.average_clustering``), ``diameter`` (hops, direction
        ignored, of the largest component) and ``diameter_exact`` (see :func:`hop_diameter`),
        ``assortativity`` (as ``networkx.degree_assortativity_coefficient``: out-degree of the source
        against in-degree of the target when directed; None when undefined, e.g. every degree equal) and
        ``degree_distribution``: ``{"total": {"degrees": [...], "counts": [...]}}`` (the degrees that occur,
        ascending) plus ``"in"`` and ``"out"`` when directed.
    """
    if isinstance(graph, MeasureGraph):
        structure, edge_records, self_loops = graph, None, None
    else:
        structure = measure_graph(graph, weight)
        edge_records = int(graph.edge_count)
        self_loops = int(np.count_nonzero(graph.edges[:, 0] == graph.edges[:, 1])) if graph.edge_count else 0
    if progress is not None:
        progress(0.05)
    node_count, edge_count, directed = structure.node_count, structure.edge_count, structure.directed
    out_degrees, in_degrees = structure.out_degrees(), structure.in_degrees()
    total_degrees = out_degrees + in_degrees if directed else structure.undirected_degrees()
    pairs = node_count * (node_count - 1)
    density = 0.0 if pairs == 0 else (edge_count if directed else 2 * edge_count) / pairs

    labels, sizes = component_labels(structure)
    if progress is not None:
        progress(0.1)
    _, clustering_details = clustering(structure, _scaled(progress, 0.1, 0.5))
    largest = np.flatnonzero(labels == 0) if len(sizes) else np.empty(0, dtype=np.int64)
    diameter, diameter_exact = hop_diameter(structure, largest, _scaled(progress, 0.5, 0.95))

    sources = np.repeat(np.arange(node_count), np.diff(structure.out_offsets))
    if directed:
        assortativity = _assortativity(out_degrees[sources], in_degrees[structure.out_targets])
    else:
        assortativity = _assortativity(total_degrees[sources], total_degrees[structure.out_targets])

    statistics: dict[str, Any] = {
        "nodes": int(node_count),
        "edges": int(edge_count),
        "edge_records": edge_records,
        "self_loops": self_loops,
        "directed": bool(directed),
        "weighted": bool(structure.weighted),
        "density": float(density),
        "components": len(sizes),
        "largest_component": int(sizes[0]) if len(sizes) else 0,
        "average_degree": float(total_degrees.mean()) if node_count else 0.0,
        "max_degree": int(total_degrees.max()) if node_count else 0,
    }
    if directed:
        statistics["average_in_degree"] = float(in_degrees.mean()) if node_count else 0.0
        statistics["max_in_degree"] = int(in_degrees.max()) if node_count else 0
        statistics["max_out_degree"] = int(out_degrees.max()) if node_count else 0
    statistics.update({
        "average_clustering": float(clustering_details["average"]),
        "diameter": int(diameter),
        "diameter_exact": bool(diameter_exact),
        "assortativity": assortativity,
        "degree_distribution": {"total": _distribution(total_degrees)},
    })
    if directed:
        statistics["degree_distribution"]["in"] = _distribution(in_degrees)
        statistics["degree_distribution"]["out"] = _distribution(out_degrees)
    if progress is not None:
        progress(1.0)
    return statistics
