"""Per-node centralities: degree, PageRank, betweenness, closeness, harmonic and eigenvector.

Each is a numba kernel run in chunks from a Python loop (a batch of sources, or one iteration), with the
``progress`` callable called between chunks: an exception it raises stops the measure. The values match
networkx's on the same simple graph (see the tests):

- :func:`degree` as ``G.degree`` / ``G.in_degree`` / ``G.out_degree`` (``weight="weight"`` when weighted);
- :func:`pagerank` as ``nx.pagerank(G, alpha, weight="weight")``;
- :func:`betweenness` as ``nx.betweenness_centrality(G, normalized=True, weight=...)``;
- :func:`closeness` as ``nx.closeness_centrality(G, distance=..., wf_improved=True)``;
- :func:`harmonic` as ``nx.harmonic_centrality(G, distance=...)``;
- :func:`eigenvector` as ``nx.eigenvector_centrality(G, weight="weight")``.

Weights are strengths for degree, PageRank and eigenvector, lengths for betweenness, closeness and harmonic.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import Any

import numba
import numpy as np

from helios_app.errors import HeliosError
from helios_app.graph.measures.paths import EPSILON, Workspace, search
from helios_app.graph.measures.structure import MeasureGraph

__all__ = ["betweenness", "closeness", "degree", "eigenvector", "harmonic", "pagerank"]

Progress = Callable[[float], object] | None

EXACT_SECONDS = 10.0
"""Betweenness is exact when its estimated time is at most this; otherwise as many sources as fit."""

# Seconds one single-source search plus accumulation takes per (node + arc) on this machine (2 shared
# cores; the largest measured on ca-GrQc, as-22july06, power and polblogs with :func:`_calibrate`).
SECONDS_PER_ELEMENT_BFS = 1.6e-8
SECONDS_PER_ELEMENT_DIJKSTRA = 3.2e-8
CHUNK_SECONDS = 0.1
"""About how long one kernel call runs between two progress calls."""


def _report(progress: Progress, fraction: float) -> None:
    if progress is not None:
        progress(min(max(float(fraction), 0.0), 1.0))


# --- degree -------------------------------------------------------------------------------------------


def _strengths(offsets: np.ndarray, weights: np.ndarray) -> np.ndarray:
    node_count = len(offsets) - 1
    owners = np.repeat(np.arange(node_count), np.diff(offsets))
    return np.bincount(owners, weights=weights, minlength=node_count).astype(np.float64)


def degree(structure: MeasureGraph, kind: str = "total", weighted: bool = False) -> np.ndarray:
    """Degree of every node in the simple graph.

    Parameters
    ----------
    structure : MeasureGraph
    kind : {"total", "in", "out"}
        ``total`` of a directed graph is in + out (a reciprocated pair counts twice, as networkx's
        ``DiGraph.degree``); the three are the same in an undirected graph.
    weighted : bool
        Sum the (merged) weights instead of counting neighbours: the strength.

    Returns
    -------
    numpy.ndarray
        float64 ``(n,)``.
    """
    if kind not in ("total", "in", "out"):
        raise HeliosError(f"degree: kind must be 'total', 'in' or 'out', not {kind!r}")

    def side(offsets: np.ndarray, weights: np.ndarray) -> np.ndarray:
        if weighted:
            return _strengths(offsets, weights)
        return np.diff(offsets).astype(np.float64)

    if not structure.directed or kind == "out":
        return side(structure.out_offsets, structure.out_weights)
    if kind == "in":
        return side(structure.in_offsets, structure.in_weights)
    return side(structure.out_offsets, structure.out_weights) + side(structure.in_offsets, structure.in_weights)


# --- PageRank and eigenvector (power iterations) ---------------------------------------------------------


PAGERANK_BATCH_WORK = 20_000_000  # arc visits per kernel call between progress reports (a few tens of ms)
REORDER_NODES = 50_000  # from this size on, PageRank sweeps a breadth-first renumbering (cache locality)...
REORDER_MESH_DEGREE = 16  # ...of a graph whose largest degree is at most this many times the average
PAGERANK_BATCH_SWEEPS = 8  # and at most this many sweeps, so that even a small graph reports its progress
RELAXATION = 1.3  # successive over-relaxation: half the sweeps of plain Gauss-Seidel on the real graphs


@numba.njit(nogil=True, cache=True)
def _pagerank_sweeps(rank, spread, in_offsets, in_sources, in_weights, inverse_strength, dangling, alpha, tolerance,
                     sweeps, relaxation):
    """Up to ``sweeps`` Gauss–Seidel sweeps of PageRank's linear system, in place; returns the sweeps done and
    the last sweep's L1 change (it stops once that is below ``tolerance``).

    Row ``v``: ``x_v = alpha * (sum over arcs u -> v of w_uv x_u / s_u + D / n) + (1 - alpha) / n``, with ``s_u``
    the strength of ``u`` and ``D`` the rank held by dangling nodes, both kept current as values change
    (``spread[u]`` holds ``x_u / s_u``). Each sweep uses the values already updated in it, and moves each value
    ``relaxation`` times its Gauss–Seidel step (over-relaxation above 1), so it converges in about a quarter of
    the sweeps of the power iteration (Jacobi), to the same vector: the system's one solution, which sums to 1. ``in_weights`` is None when every merged weight is 1 (one array fewer to read).
    """
    node_count = len(rank)
    lost = 0.0
    for u in range(node_count):
        spread[u] = rank[u] * inverse_strength[u]
        if dangling[u]:
            lost += rank[u]
    teleport = (1.0 - alpha) / node_count
    change = 0.0
    for sweep in range(sweeps):
        change = 0.0
        for v in range(node_count):
            total = 0.0
            if in_weights is None:
                for arc in range(in_offsets[v], in_offsets[v + 1]):
                    total += spread[in_sources[arc]]
            else:
                for arc in range(in_offsets[v], in_offsets[v + 1]):
                    total += spread[in_sources[arc]] * in_weights[arc]
            previous = rank[v]
            value = previous + relaxation * (alpha * (total + lost / node_count) + teleport - previous)
            if dangling[v]:
                lost += value - previous
            rank[v] = value
            spread[v] = value * inverse_strength[v]
            change += abs(value - previous)
        if change < tolerance:
            return sweep + 1, change
    return sweeps, change


@numba.njit(nogil=True, cache=True)
def _breadth_first_order(offsets, targets):
    """Every node, in breadth-first order from the lowest unvisited one (direction ignored)."""
    node_count = len(offsets) - 1
    order = np.empty(node_count, dtype=np.int64)
    seen = np.zeros(node_count, dtype=np.bool_)
    tail = 0
    for root in range(node_count):
        if seen[root]:
            continue
        seen[root] = True
        order[tail] = root
        head = tail
        tail += 1
        while head < tail:
            node = order[head]
            head += 1
            for slot in range(offsets[node], offsets[node + 1]):
                neighbour = targets[slot]
                if not seen[neighbour]:
                    seen[neighbour] = True
                    order[tail] = neighbour
                    tail += 1
    return order


@numba.njit(nogil=True, cache=True)
def _permuted_lists(order, offsets, sources, weights):
    """The adjacency lists renumbered: node ``order[i]`` becomes ``i``, its list's entries renumbered too."""
    node_count = len(order)
    position = np.empty(node_count, dtype=np.int64)
    for index in range(node_count):
        position[order[index]] = index
    new_offsets = np.zeros(node_count + 1, dtype=np.int64)
    for index in range(node_count):
        node = order[index]
        new_offsets[index + 1] = new_offsets[index] + offsets[node + 1] - offsets[node]
    new_sources = np.empty(len(sources), dtype=np.int32)
    new_weights = np.empty(len(weights), dtype=np.float64)
    for index in range(node_count):
        node = order[index]
        cursor = new_offsets[index]
        for slot in range(offsets[node], offsets[node + 1]):
            new_sources[cursor] = position[sources[slot]]
            new_weights[cursor] = weights[slot]
            cursor += 1
    return new_offsets, new_sources, new_weights


def _iteration_fraction(change: float, first_change: float, tolerance: float, iteration: int,
                        max_iterations: int) -> float:
    """A progress estimate for a geometric convergence: how far the change has gone towards the tolerance."""
    by_count = iteration / max_iterations
    if change <= tolerance:
        return 1.0
    if not (first_change > tolerance and change > 0):
        return by_count
    by_change = math.log(first_change / change) / math.log(first_change / tolerance)
    return max(by_count, min(by_change, 0.99))


def _check_iterations(name: str, tolerance: float, max_iterations: int) -> None:
    if not (isinstance(tolerance, (int, float)) and not isinstance(tolerance, bool) and tolerance > 0):
        raise HeliosError(f"{name}: tolerance must be a positive number, not {tolerance!r}")
    if isinstance(max_iterations, bool) or not isinstance(max_iterations, (int, np.integer)) or max_iterations < 1:
        raise HeliosError(f"{name}: max_iterations must be a positive integer, not {max_iterations!r}")


def pagerank(structure: MeasureGraph, progress: Progress = None, alpha: float = 0.85, tolerance: float = 1e-10,
             max_iterations: int = 1000) -> tuple[np.ndarray, dict[str, Any]]:
    """PageRank, by Gauss–Seidel sweeps of its linear system (what PRPACK, igraph's solver, does too).

    Weights are strengths (each node's out-weights normalised to 1); a node without out-arcs (dangling)
    spreads its rank uniformly; the teleport is uniform. An undirected graph uses both directions. The
    sweeps stop when one changes the vector by less than ``tolerance`` in L1 (absolute, whatever n).

    Returns
    -------
    values : numpy.ndarray
        float64 ``(n,)``, summing to 1.
    details : dict
        ``iterations``: the iterations run.

    Raises
    ------
    HeliosError
        On a bad option, or if the iteration does not converge in ``max_iterations``.
    """
    if not (isinstance(alpha, (int, float)) and not isinstance(alpha, bool) and 0 <= alpha < 1):
        raise HeliosError(f"pagerank: alpha must be a number in [0, 1), not {alpha!r}")
    _check_iterations("pagerank", tolerance, max_iterations)
    node_count = structure.node_count
    if node_count == 0:
        return np.zeros(0), {"iterations": 0}
    strength = _strengths(structure.out_offsets, structure.out_weights)
    dangling = strength == 0
    inverse = np.zeros(node_count)
    inverse[~dangling] = 1.0 / strength[~dangling]
    in_offsets, in_sources, in_weights = structure.in_offsets, structure.in_targets, structure.in_weights
    order = None
    degrees = np.diff(structure.undirected_offsets)
    if node_count >= REORDER_NODES and degrees.max() <= REORDER_MESH_DEGREE * max(degrees.mean(), 1.0):
        # A large mesh-like graph (roads, proximity): swept in breadth-first order, neighbours sit close in
        # memory (twice as fast on a 1M-node geometric graph); with hubs the order scatters them (3x slower).
        order = _breadth_first_order(structure.undirected_offsets, structure.undirected_targets)
        in_offsets, in_sources, in_weights = _permuted_lists(order, in_offsets, in_sources, in_weights)
        inverse, dangling = inverse[order], dangling[order]
    if len(in_weights) and np.all(in_weights == in_weights[0]):  # one weight for all (parallel pairs in each
        inverse = inverse * in_weights[0]                           # direction): shares are 1 / out-degree
        in_weights = None
    elif not len(in_weights):
        in_weights = None
    rank = np.full(node_count, 1.0 / node_count)
    spread = np.empty(node_count)
    batch = max(1, min(PAGERANK_BATCH_SWEEPS, PAGERANK_BATCH_WORK // (len(in_sources) + node_count)))
    iteration, first_change, reported, change, relaxation = 0, 0.0, 0.0, math.inf, RELAXATION
    while iteration < max_iterations:
        done, change = _pagerank_sweeps(rank, spread, in_offsets, in_sources, in_weights, inverse, dangling,
                                        float(alpha), float(tolerance), min(batch, max_iterations - iteration),
                                        relaxation)
        iteration += done
        if relaxation != 1.0 and (not math.isfinite(change) or (first_change and change > first_change)):
            relaxation = 1.0  # over-relaxation diverging (it is only sure to converge at 1): plain Gauss-Seidel
            rank[:] = 1.0 / node_count
            continue
        first_change = first_change or change
        reported = max(reported, _iteration_fraction(change, first_change, tolerance, iteration, max_iterations))
        _report(progress, reported)
        if change < tolerance:
            if order is not None:
                rank[order] = rank.copy()
            return rank / rank.sum(), {"iterations": iteration}
    raise HeliosError(f"pagerank did not converge in {max_iterations} iterations (last change {change:.3g}, "
                      f"tolerance {tolerance:g}); raise max_iterations or the tolerance")


@numba.njit(nogil=True, cache=True)
def _eigenvector_step(vector, following, in_offsets, in_sources, in_weights):
    """One iteration of ``x <- (A^T + I) x``, normalised to unit Euclidean length; returns the L1 change."""
    node_count = len(vector)
    squares = 0.0
    for v in range(node_count):
        total = vector[v]
        for arc in range(in_offsets[v], in_offsets[v + 1]):
            total += vector[in_sources[arc]] * in_weights[arc]
        following[v] = total
        squares += total * total
    norm = math.sqrt(squares)
    if norm == 0.0:
        norm = 1.0
    change = 0.0
    for v in range(node_count):
        following[v] /= norm
        change += abs(following[v] - vector[v])
    return change


def eigenvector(structure: MeasureGraph, progress: Progress = None, tolerance: float = 1e-12,
                max_iterations: int = 10000) -> tuple[np.ndarray, dict[str, Any]]:
    """Eigenvector centrality, as networkx computes it.

    The power iteration of ``A^T + I`` (the shift keeps bipartite graphs from oscillating) from the uniform
    vector, normalised to unit Euclidean norm each step: a node's score sums its in-neighbours' (directed)
    times the weights (strengths). A disconnected graph gives what the iteration from the uniform start
    reaches, as networkx's. Stops when the L1 change is below ``tolerance`` (absolute).

    Returns
    -------
    values : numpy.ndarray
        float64 ``(n,)``, unit Euclidean norm.
    details : dict
        ``iterations``: the iterations run.

    Raises
    ------
    HeliosError
        On a bad option, or if the iteration does not converge in ``max_iterations``.
    """
    _check_iterations("eigenvector", tolerance, max_iterations)
    node_count = structure.node_count
    if node_count == 0:
        return np.zeros(0), {"iterations": 0}
    vector = np.full(node_count, 1.0 / node_count)
    following = np.empty(node_count)
    first_change = reported = 0.0
    change = math.inf
    for iteration in range(1, max_iterations + 1):
        change = _eigenvector_step(vector, following, structure.in_offsets, structure.in_targets,
                                   structure.in_weights)
        vector, following = following, vector
        first_change = first_change or change
        reported = max(reported, _iteration_fraction(change, first_change, tolerance, iteration, max_iterations))
        _report(progress, reported)
        if change < tolerance:
            return vector, {"iterations": iteration}
    raise HeliosError(f"eigenvector centrality did not converge in {max_iterations} iterations (last change "
                      f"{change:.3g}, tolerance {tolerance:g}): the leading eigenvalue is not separated enough "
                      "from the next; try a larger max_iterations or tolerance, or PageRank")


# --- betweenness ----------------------------------------------------------------------------------------


@numba.njit(nogil=True, cache=True)
def _brandes(sources, offsets, targets, weights, predecessor_offsets, weighted, epsilon, total, squares, delta,
             distance, sigma, order, predecessor_count, predecessors, settled, heap_keys, heap_nodes):
    """Brandes' accumulation from each of ``sources``: adds each node's dependency to ``total`` (and its
    square to ``squares``, for the sampling error)."""
    for index in range(len(sources)):
        source = sources[index]
        count = search(source, -1, offsets, targets, weights, predecessor_offsets, weighted, True, epsilon,
                       distance, sigma, order, predecessor_count, predecessors, settled, heap_keys, heap_nodes)
        for position in range(count - 1, -1, -1):
            w = order[position]
            coefficient = (1.0 + delta[w]) / sigma[w]
            start = predecessor_offsets[w]
            for j in range(predecessor_count[w]):
                v = predecessors[start + j]
                delta[v] += sigma[v] * coefficient
            if w != source:
                total[w] += delta[w]
                squares[w] += delta[w] * delta[w]
        for position in range(count):
            w = order[position]
            distance[w] = np.inf
            sigma[w] = 0.0
            predecessor_count[w] = 0
            settled[w] = False
            delta[w] = 0.0


def _seconds_per_source(structure: MeasureGraph) -> float:
    constant = SECONDS_PER_ELEMENT_DIJKSTRA if structure.weighted else SECONDS_PER_ELEMENT_BFS
    return constant * max(1, structure.node_count + len(structure.out_targets))


def _rescale(total: np.ndarray, squares: np.ndarray, node_count: int, sampled: np.ndarray | None
             ) -> tuple[np.ndarray, np.ndarray]:
    """Normalised betweenness and each value's standard error, from the dependencies of the sources run.

    Exact: divided by ``(n - 1)(n - 2)``, the ordered pairs ``(s, t)`` that could pass through a node (as
    networkx's ``normalized=True``, directed or not). Sampled with ``k`` sources: a node's value is the
    mean of its dependencies over the sources that are not itself (``k`` of them, or ``k - 1`` for a
    sampled node, whose own dependency is 0 by definition), divided by ``n - 2`` -- networkx's
    correction, which keeps every value within [0, 1] (a plain ``n / k`` scaling exceeds 1 at a star's
    centre). The error is the standard error of that mean (finite-population corrected); 0 when exact.
    """
    if node_count <= 2:
        return np.zeros(node_count), np.zeros(node_count)
    if sampled is None:
        return total / ((node_count - 1) * (node_count - 2)), np.zeros(node_count)
    drawn = len(sampled)
    runs = np.full(node_count, float(drawn))
    runs[sampled] -= 1.0
    mean = total / runs
    spread = np.maximum(squares - runs * mean * mean, 0.0) / np.maximum(runs - 1.0, 1.0)
    remaining = np.maximum(1.0 - runs / (node_count - 1), 0.0)
    error = np.sqrt(spread / runs * remaining)
    return mean / (node_count - 2), error / (node_count - 2)


def betweenness(structure: MeasureGraph, progress: Progress = None, samples: int | None = None,
                seed: int = 0) -> tuple[np.ndarray, dict[str, Any]]:
    """Betweenness centrality (Brandes), normalised as ``nx.betweenness_centrality(normalized=True)``.

    Shortest paths follow arcs forward in a directed graph; a breadth-first search when the graph is
    unweighted, Dijkstra's algorithm (weights as lengths, compared with the relative epsilon
    :data:`~helios_app.graph.measures.paths.EPSILON`) when it is weighted.

    Parameters
    ----------
    structure : MeasureGraph
    progress : callable, optional
    samples : int, optional
        None: exact when the estimated time is at most :data:`EXACT_SECONDS`, else as many sources as fit
        in it. ``k``: ``k`` sources drawn without replacement (``numpy.random.default_rng(seed)``); ``k >=
        n`` is exact. At least 2.
    seed : int, default 0

    Returns
    -------
    values : numpy.ndarray
        float64 ``(n,)``, each in [0, 1].
    details : dict
        ``exact`` (bool), ``samples`` (sources run: ``n`` when exact), ``expected_error`` (root mean
        square over the nodes of each value's standard error; 0 when exact), ``weighted`` (bool).
    """
    if samples is not None and (isinstance(samples, bool) or not isinstance(samples, (int, np.integer))
                                or samples < 2):
        raise HeliosError(f"betweenness: samples must be an integer of at least 2 (or None), not {samples!r}")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise HeliosError(f"betweenness: seed must be an integer, not {seed!r}")
    node_count = structure.node_count
    per_source = _seconds_per_source(structure)
    if samples is None:
        fitting = int(EXACT_SECONDS / per_source)
        count = node_count if fitting >= node_count else max(2, fitting)
    else:
        count = min(int(samples), node_count)
    exact = count >= node_count
    if exact:
        sources = np.arange(node_count, dtype=np.int32)
    else:
        sources = np.sort(np.random.default_rng(seed).choice(node_count, size=count, replace=False)).astype(np.int32)

    total = np.zeros(node_count)
    squares = np.zeros(node_count)
    delta = np.zeros(node_count)
    space = Workspace(node_count, len(structure.out_targets))
    batch = max(1, int(CHUNK_SECONDS / per_source))
    for start in range(0, len(sources), batch):
        _brandes(sources[start:start + batch], structure.out_offsets, structure.out_targets, structure.out_weights,
                 structure.in_offsets, structure.weighted, EPSILON, total, squares, delta, space.distance,
                 space.sigma, space.order, space.predecessor_count, space.predecessors, space.settled,
                 space.heap_keys, space.heap_nodes)
        _report(progress, min(start + batch, len(sources)) / len(sources))
    values, errors = _rescale(total, squares, node_count, None if exact else sources)
    expected_error = float(np.sqrt(np.mean(errors ** 2))) if node_count else 0.0
    return values, {"exact": exact, "samples": len(sources), "expected_error": expected_error,
                    "weighted": bool(structure.weighted)}


# --- closeness and harmonic -----------------------------------------------------------------------------


@numba.njit(nogil=True, cache=True)
def _distance_sums(nodes, offsets, targets, weights, weighted, epsilon, totals, reached, harmonic,
                   distance, sigma, order, predecessor_count, predecessors, settled, heap_keys, heap_nodes):
    """For each of ``nodes``: the sum of the distances to the nodes it reaches, how many (itself included),
    and the sum of their reciprocals (itself excluded)."""
    for index in range(len(nodes)):
        node = nodes[index]
        count = search(node, -1, offsets, targets, weights, offsets, weighted, False, epsilon, distance, sigma,
                       order, predecessor_count, predecessors, settled, heap_keys, heap_nodes)
        length_sum = 0.0
        reciprocal_sum = 0.0
        for position in range(count):
            w = order[position]
            if w != node:
                length_sum += distance[w]
                reciprocal_sum += 1.0 / distance[w]
            distance[w] = np.inf
            sigma[w] = 0.0
            settled[w] = False
        totals[node] = length_sum
        reached[node] = count
        harmonic[node] = reciprocal_sum


def _distances_to(structure: MeasureGraph, progress: Progress) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per node: the summed distance from the nodes that reach it, their number (itself included), and the
    summed reciprocal distances. Searches the reversed arcs, so a directed graph counts distances *to*
    the node (as networkx)."""
    node_count = structure.node_count
    totals = np.zeros(node_count)
    reached = np.zeros(node_count, dtype=np.int64)
    harmonic_sums = np.zeros(node_count)
    space = Workspace(node_count, len(structure.in_targets))
    per_source = _seconds_per_source(structure)
    batch = max(1, int(CHUNK_SECONDS / per_source))
    nodes = np.arange(node_count, dtype=np.int32)
    for start in range(0, node_count, batch):
        _distance_sums(nodes[start:start + batch], structure.in_offsets, structure.in_targets, structure.in_weights,
                       structure.weighted, EPSILON, totals, reached, harmonic_sums, space.distance, space.sigma,
                       space.order, space.predecessor_count, space.predecessors, space.settled, space.heap_keys,
                       space.heap_nodes)
        _report(progress, min(start + batch, node_count) / node_count)
    return totals, reached, harmonic_sums


def closeness(structure: MeasureGraph, progress: Progress = None) -> tuple[np.ndarray, dict[str, Any]]:
    """Closeness centrality with the Wasserman–Faust correction, as networkx (``wf_improved=True``).

    For a node reached from ``r - 1`` other nodes at a summed distance ``D`` (hops, or weights as lengths
    when weighted; distances *to* the node in a directed graph): ``(r - 1) / D * (r - 1) / (n - 1)``, 0
    when nothing reaches it.

    Returns
    -------
    values : numpy.ndarray
        float64 ``(n,)``.
    details : dict
        ``weighted`` (bool).
    """
    node_count = structure.node_count
    totals, reached, _ = _distances_to(structure, progress)
    values = np.zeros(node_count)
    if node_count > 1:
        others = (reached - 1).astype(np.float64)
        positive = totals > 0
        values[positive] = others[positive] / totals[positive] * others[positive] / (node_count - 1)
    return values, {"weighted": bool(structure.weighted)}


def harmonic(structure: MeasureGraph, progress: Progress = None) -> tuple[np.ndarray, dict[str, Any]]:
    """Harmonic centrality, as networkx: the sum of ``1 / d(v, u)`` over the nodes ``v`` that reach ``u``
    (hops, or weights as lengths when weighted; distances *to* the node in a directed graph), not
    normalised.

    Returns
    -------
    values : numpy.ndarray
        float64 ``(n,)``.
    details : dict
        ``weighted`` (bool).
    """
    _, _, values = _distances_to(structure, progress)
    return values, {"weighted": bool(structure.weighted)}


def _calibrate(structure: MeasureGraph, sources: int = 50) -> float:
    """Measured seconds per (node + arc) of one betweenness source on ``structure`` (for the constants)."""
    betweenness(structure, samples=2)  # compiled
    started = time.perf_counter()
    betweenness(structure, samples=sources)
    return (time.perf_counter() - started) / sources / (structure.node_count + len(structure.out_targets))
