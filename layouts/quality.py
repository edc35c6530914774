"""Layout quality: normalised stress and neighbourhood preservation, the same for every tool.

Both figures compare the layout with graph distances (hop counts, edge weights ignored) and are
invariant to the layout's scale, rotation and translation, so layouts from different tools compare
directly.

Normalised stress
    For pairs ``(i, j)`` of nodes in the same component, with graph distance ``d_ij`` and layout
    distance ``L_ij``, the weighted stress ``sum (alpha * L_ij - d_ij)**2 / d_ij**2`` (weights
    ``d**-2``, Kamada & Kawai) at the best scale ``alpha``, divided by the number of pairs. With
    ``r = L / d`` this is ``1 - mean(r)**2 / mean(r**2)``: 0 for a perfect embedding of graph
    distances, at most 1. Pairs: all of them for up to ``EXACT_STRESS_NODE_COUNT`` nodes, otherwise
    every node paired with a seeded random sample of breadth-first-search sources.

Neighbourhood preservation (k = 10)
    For a node ``i`` with at least one edge, its graph neighbourhood ``N_G(i)`` is the ball of the
    largest hop radius ``r >= 1`` that holds at most ``k`` nodes other than ``i`` (for a node with
    more than ``k`` neighbours, its neighbours). Its layout neighbourhood ``N_L(i)`` is the
    ``|N_G(i)|`` nodes nearest to ``i`` in the layout (by brute force up to
    ``BRUTE_FORCE_NEIGHBOUR_NODES`` nodes, else ``scipy.spatial.cKDTree``). The figure is the
    mean Jaccard index ``|N_G ∩ N_L| / |N_G ∪ N_L|`` over all such nodes (a seeded random sample of
    ``NEIGHBOURHOOD_SAMPLE_SIZE`` of them on large graphs): 1 when every node's graph neighbours are
    its nearest neighbours on screen. This is the measure of Kruiger et al. (tsNET, 2017), with the
    radius chosen per node so that neighbourhoods have about ``k`` nodes.
"""

from __future__ import annotations

import math

import numba
import numpy as np

from .graph import _adjacency, breadth_first, validate_edges

__all__ = ["layout_quality", "neighbourhood_preservation", "normalised_stress"]

EXACT_STRESS_NODE_COUNT = 3000
"""Up to this many nodes, stress uses every pair."""

STRESS_PAIR_BUDGET = 20_000_000
"""On larger graphs, about this many pairs (sources x nodes), with 16 to 500 sources."""

NEIGHBOURHOOD_SIZE = 10
"""``k`` of neighbourhood preservation."""

NEIGHBOURHOOD_SAMPLE_SIZE = 5000
"""Neighbourhood preservation averages over at most this many nodes (seeded sample)."""


BRUTE_FORCE_NEIGHBOUR_NODES = 5000
"""Up to this many nodes, layout neighbours come from the full distance rows (no k-d tree to import)."""


def _neighbour_lists(edges: np.ndarray, node_count: int) -> tuple[np.ndarray, np.ndarray]:
    """CSR offsets and neighbours of every node (a duplicate edge is still one hop)."""
    edges = np.ascontiguousarray(edges, dtype=np.int32)
    neighbour_start, neighbours, _, _ = _adjacency(edges, np.ones(len(edges)), int(node_count))
    return neighbour_start, neighbours


@numba.njit(nogil=True, cache=True, error_model="numpy")
def _ratio_sums(
    neighbour_start: np.ndarray, neighbours: np.ndarray, positions: np.ndarray, sources: np.ndarray
) -> tuple[float, float, int]:
    """Sum of r = L/d, of r**2, and the pair count, over every node reachable from each source
    (d: hop distance by breadth-first search)."""
    node_count = positions.shape[0]
    dimensions = positions.shape[1]
    marks = np.full(node_count, -1, dtype=np.int64)
    hops = np.zeros(node_count, dtype=np.int64)
    queue = np.empty(node_count, dtype=np.int64)
    ratio_sum = 0.0
    squared_sum = 0.0
    count = 0
    for row in range(sources.shape[0]):
        source = sources[row]
        reached = breadth_first(neighbour_start, neighbours, source, marks, row, queue, hops)
        for position in range(1, reached):
            node = queue[position]
            squared = 0.0
            for dimension in range(dimensions):
                difference = positions[source, dimension] - positions[node, dimension]
                squared += difference * difference
            ratio = math.sqrt(squared) / hops[node]
            ratio_sum += ratio
            squared_sum += ratio * ratio
            count += 1
    return ratio_sum, squared_sum, count


def normalised_stress(edges: np.ndarray, node_count: int, positions: np.ndarray, seed: int = 0) -> float:
    """Normalised stress (see the module docstring); nan if no two nodes are connected.

    Parameters
    ----------
    edges : numpy.ndarray
        ``(m, 2)`` node indices.
    node_count : int
        Number of nodes.
    positions : numpy.ndarray
        ``(n, d)`` layout.
    seed : int, optional
        Seed of the source sample on large graphs.

    Returns
    -------
    float
        In [0, 1]; lower is better.
    """
    positions = np.ascontiguousarray(positions, dtype=np.float64)
    if node_count <= EXACT_STRESS_NODE_COUNT:
        sources = np.arange(node_count)
    else:
        source_count = int(min(500, max(16, STRESS_PAIR_BUDGET // node_count)))
        sources = np.sort(np.random.default_rng(seed).choice(node_count, size=source_count, replace=False))
    neighbour_start, neighbours = _neighbour_lists(edges, node_count)
    ratio_sum, squared_sum, count = _ratio_sums(neighbour_start, neighbours, positions, sources.astype(np.int64))
    if count == 0 or squared_sum == 0.0:
        return math.nan
    return float(max(0.0, 1.0 - ratio_sum * ratio_sum / (count * squared_sum)))


@numba.njit(nogil=True, cache=True, error_model="numpy")
def _graph_neighbourhoods(
    neighbour_start: np.ndarray, neighbours: np.ndarray, nodes: np.ndarray, size: int
) -> tuple[np.ndarray, np.ndarray]:
    """Truncated breadth-first search: the neighbourhood of every node in ``nodes`` (CSR-packed)."""
    node_count = neighbour_start.shape[0] - 1
    stamp = np.full(node_count, -1, dtype=np.int64)
    offsets = np.zeros(nodes.shape[0] + 1, dtype=np.int64)
    members = np.empty(0, dtype=np.int64)
    capacity = 0
    ball = np.empty(node_count, dtype=np.int64)
    for index in range(nodes.shape[0]):
        node = nodes[index]
        stamp[node] = index
        ball_size = 0
        ring_start = 0
        # Ring 1 always counts.
        for slot in range(neighbour_start[node], neighbour_start[node + 1]):
            other = neighbours[slot]
            if stamp[other] != index:
                stamp[other] = index
                ball[ball_size] = other
                ball_size += 1
        while ball_size <= size:
            ring_end = ball_size
            new_size = ball_size
            for position in range(ring_start, ring_end):
                current = ball[position]
                for slot in range(neighbour_start[current], neighbour_start[current + 1]):
                    other = neighbours[slot]
                    if stamp[other] != index:
                        stamp[other] = index
                        ball[new_size] = other
                        new_size += 1
            if new_size == ball_size or new_size > size:
                break  # component exhausted, or the next ring would overflow: keep the ball so far
            ring_start = ring_end
            ball_size = new_size
        needed = offsets[index] + ball_size
        if needed > capacity:
            capacity = max(2 * capacity, needed, 1024)
            grown = np.empty(capacity, dtype=np.int64)
            grown[: offsets[index]] = members[: offsets[index]]
            members = grown
        members[offsets[index] : needed] = ball[:ball_size]
        offsets[index + 1] = needed
    return offsets, members[: offsets[nodes.shape[0]]]


def neighbourhood_preservation(
    edges: np.ndarray, node_count: int, positions: np.ndarray, seed: int = 0, size: int = NEIGHBOURHOOD_SIZE
) -> float:
    """Mean Jaccard index of graph and layout neighbourhoods (see the module docstring).

    Parameters
    ----------
    edges : numpy.ndarray
        ``(m, 2)`` node indices.
    node_count : int
        Number of nodes.
    positions : numpy.ndarray
        ``(n, d)`` layout.
    seed : int, optional
        Seed of the node sample on large graphs.
    size : int, optional
        ``k``.

    Returns
    -------
    float
        In [0, 1]; higher is better; nan for a graph without edges.
    """
    positions = np.ascontiguousarray(positions, dtype=np.float64)
    neighbour_start, neighbours = _neighbour_lists(edges, node_count)
    candidates = np.flatnonzero(np.diff(neighbour_start) > 0)
    if len(candidates) == 0:
        return math.nan
    if len(candidates) > NEIGHBOURHOOD_SAMPLE_SIZE:
        random = np.random.default_rng(seed)
        candidates = np.sort(random.choice(candidates, NEIGHBOURHOOD_SAMPLE_SIZE, replace=False))
    offsets, members = _graph_neighbourhoods(
        neighbour_start, neighbours.astype(np.int64), candidates.astype(np.int64), int(size)
    )
    counts = np.diff(offsets)
    nearest_to = _nearest_finder(positions)
    scores = np.empty(len(candidates))
    for count in np.unique(counts):
        rows = np.flatnonzero(counts == count)
        query_size = int(min(count + 1, node_count))
        nearest = nearest_to(candidates[rows], query_size)
        for row, found in zip(rows, nearest):
            node = candidates[row]
            layout_side = [other for other in found if other != node][:count]
            graph_side = members[offsets[row] : offsets[row + 1]]
            shared = len(np.intersect1d(graph_side, layout_side, assume_unique=True))
            scores[row] = shared / (2 * count - shared)
    return float(np.mean(scores))


def _nearest_finder(positions: np.ndarray):
    """``nearest(nodes, k)``: the ``k`` nodes nearest to each of ``nodes`` in the layout (themselves
    included), as a ``(len(nodes), k)`` array."""
    if len(positions) > BRUTE_FORCE_NEIGHBOUR_NODES:
        import scipy.spatial  # here: importing it costs every command that never measures quality 0.07 s

        tree = scipy.spatial.cKDTree(positions)
        return lambda nodes, k: np.asarray(tree.query(positions[nodes], k=k)[1]).reshape(len(nodes), k)

    def nearest(nodes: np.ndarray, k: int) -> np.ndarray:
        rows = []
        for start in range(0, len(nodes), 256):
            block = positions[nodes[start : start + 256]]
            squared = ((block[:, None, :] - positions[None, :, :]) ** 2).sum(axis=2)
            closest = np.argpartition(squared, k - 1, axis=1)[:, :k] if k < len(positions) else np.tile(
                np.arange(len(positions)), (len(block), 1))
            order = np.take_along_axis(squared, closest, axis=1).argsort(axis=1, kind="stable")
            rows.append(np.take_along_axis(closest, order, axis=1))
        return np.concatenate(rows)

    return nearest


def layout_quality(
    edges: np.ndarray, node_count: int, positions: np.ndarray, seed: int = 0
) -> dict[str, float]:
    """Both quality figures of a layout (see the module docstring).

    Parameters
    ----------
    edges : numpy.ndarray
        ``(m, 2)`` integer node indices (undirected; weights are ignored).
    node_count : int
        Number of nodes.
    positions : numpy.ndarray
        ``(n, d)`` positions, any scale.
    seed : int, optional
        Seed of the samples taken on large graphs.

    Returns
    -------
    dict
        ``{"stress": float, "neighbourhood_preservation": float}``: stress in [0, 1], lower is
        better; neighbourhood preservation in [0, 1], higher is better.

    Examples
    --------
    >>> path = np.array([[0, 1], [1, 2], [2, 3]])
    >>> line = np.array([[0.0, 0.0], [1.0, 0.0], [2.0, 0.0], [3.0, 0.0]])
    >>> layout_quality(path, 4, line)["stress"]
    0.0
    """
    node_count = int(node_count)
    edges = validate_edges(edges, node_count, "layout_quality")
    positions = np.asarray(positions, dtype=np.float64)
    if positions.shape[0] != node_count or positions.ndim != 2:
        raise ValueError(
            f"layout_quality: positions must have shape ({node_count}, d), got {positions.shape}"
        )
    return {
        "stress": normalised_stress(edges, node_count, positions, seed),
        "neighbourhood_preservation": neighbourhood_preservation(edges, node_count, positions, seed),
    }
