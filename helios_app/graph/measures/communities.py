"""Communities: Louvain and Leiden modularity optimisation, and the modularity of a partition.

Both algorithms run on the undirected view of a :class:`MeasureGraph` (direction ignored, self-loops
dropped, parallel and reverse edges merged with their weights summed), its weights as strengths. They
share one formulation, as the CWTS *networkanalysis* library does: modularity is the constant Potts model
with node weights = strengths and resolution ``gamma / 2m``, so moving node ``i`` into community ``C`` gains
``w(i, C) - gamma / 2m * k_i * K_C`` (``K_C`` the total strength of ``C`` without ``i``).

- *local moving* (both): the fast variant (Traag, Waltman & van Eck 2019): nodes in a shuffled queue; a node
  moves to the neighbouring community, or to an empty one, with the largest strictly positive gain, and its
  neighbours outside its new community return to the queue. Ties keep a node where it is.
- *Louvain*: local moving from singletons, then aggregation (one node per community), until a level moves
  nothing.
- *Leiden*: local moving from the current partition; refinement: within each community, singletons merge
  into well-connected sub-communities (randomly among the non-negative gains, weights ``exp(gain /
  0.01)``), so every community is connected; aggregation on the refined partition, its nodes starting in
  their non-refined community. ``iterations`` repeats the whole from the partition found.

A partition is one int array; the kernels are numba (``nogil``), O(m) per pass, without Python loops over
nodes. Labels come back as float64 ``0..k-1``, the largest community first (ties: the one holding the
smallest node index first). A graph without edges: every node its own community, modularity 0.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numba
import numpy as np

from helios_app.errors import HeliosError
from helios_app.graph.measures.structure import MeasureGraph

__all__ = ["leiden", "louvain", "modularity"]

Progress = Callable[[float], object]

RANDOMNESS = 0.01  # Leiden's refinement: merge probabilities proportional to exp(gain / RANDOMNESS), as CWTS and igraph
MOVES_PER_NODE = 100  # local moving stops after this many visits per node (a guard against rounding cycles)
UNTIL_STABLE_CAP = 1000  # Leiden with iterations < 0 stops after this many iterations at the latest


@numba.njit(nogil=True, cache=True)
def _strengths(offsets: np.ndarray, weights: np.ndarray) -> np.ndarray:
    n = len(offsets) - 1
    result = np.zeros(n, dtype=np.float64)
    for u in range(n):
        total = 0.0
        for e in range(offsets[u], offsets[u + 1]):
            total += weights[e]
        result[u] = total
    return result


@numba.njit(nogil=True, cache=True)
def _move_nodes(offsets: np.ndarray, targets: np.ndarray, weights: np.ndarray, node_weights: np.ndarray,
                clusters: np.ndarray, order: np.ndarray, gamma: float) -> bool:
    """Fast local moving: improve ``clusters`` (ids in 0..n-1) in place; return whether a node moved."""
    n = len(node_weights)
    cluster_weights = np.zeros(n, dtype=np.float64)
    cluster_sizes = np.zeros(n, dtype=np.int64)
    for i in range(n):
        cluster_weights[clusters[i]] += node_weights[i]
        cluster_sizes[clusters[i]] += 1
    unused = np.empty(n, dtype=np.int64)
    unused_count = 0
    for c in range(n - 1, -1, -1):
        if cluster_sizes[c] == 0:
            unused[unused_count] = c
            unused_count += 1
    queue = np.empty(n, dtype=np.int64)
    for i in range(n):
        queue[i] = order[i]
    head = 0
    queued = n
    in_queue = np.ones(n, dtype=np.bool_)
    to_cluster = np.zeros(n, dtype=np.float64)
    neighbours = np.empty(n + 1, dtype=np.int64)
    moved = False
    visits = 0
    limit = MOVES_PER_NODE * n
    while queued > 0 and visits < limit:
        j = queue[head]
        head = head + 1 if head + 1 < n else 0
        queued -= 1
        visits += 1
        in_queue[j] = False
        current = clusters[j]
        weight = node_weights[j]
        cluster_weights[current] -= weight
        cluster_sizes[current] -= 1
        if cluster_sizes[current] == 0:
            unused[unused_count] = current
            unused_count += 1
        neighbours[0] = unused[unused_count - 1]  # an empty community: gain 0
        count = 1
        for e in range(offsets[j], offsets[j + 1]):
            c = clusters[targets[e]]
            if to_cluster[c] == 0.0:
                neighbours[count] = c
                count += 1
            to_cluster[c] += weights[e]
        best = current
        best_gain = to_cluster[current] - weight * cluster_weights[current] * gamma
        for i in range(count):
            c = neighbours[i]
            gain = to_cluster[c] - weight * cluster_weights[c] * gamma
            if gain > best_gain:
                best = c
                best_gain = gain
            to_cluster[c] = 0.0
        cluster_weights[best] += weight
        cluster_sizes[best] += 1
        if best == unused[unused_count - 1]:
            unused_count -= 1
        if best != current:
            clusters[j] = best
            moved = True
            for e in range(offsets[j], offsets[j + 1]):
                k = targets[e]
                if not in_queue[k] and clusters[k] != best:
                    in_queue[k] = True
                    tail = head + queued
                    queue[tail - n if tail >= n else tail] = k
                    queued += 1
    return moved


@numba.njit(nogil=True, cache=True)
def _refine(offsets: np.ndarray, targets: np.ndarray, weights: np.ndarray, node_weights: np.ndarray,
            clusters: np.ndarray, order: np.ndarray, randoms: np.ndarray, gamma: float,
            randomness: float) -> np.ndarray:
    """Leiden's refinement of ``clusters``: each community split into well-connected parts (ids 0..n-1)."""
    n = len(node_weights)
    totals = np.zeros(n, dtype=np.float64)
    for i in range(n):
        totals[clusters[i]] += node_weights[i]
    refined = np.arange(n)
    refined_weights = node_weights.copy()
    external = np.zeros(n, dtype=np.float64)  # weight from a refined part to the rest of its community
    for u in range(n):
        for e in range(offsets[u], offsets[u + 1]):
            if clusters[targets[e]] == clusters[u]:
                external[u] += weights[e]
    joined = np.zeros(n, dtype=np.bool_)
    to_part = np.zeros(n, dtype=np.float64)
    neighbours = np.empty(n + 1, dtype=np.int64)
    gains = np.empty(n + 1, dtype=np.float64)
    for index in range(n):
        j = order[index]
        if joined[j]:
            continue
        community = clusters[j]
        weight = node_weights[j]
        total = totals[community]
        if external[j] < weight * (total - weight) * gamma:
            continue
        refined_weights[j] = 0.0
        external[j] = 0.0
        neighbours[0] = j
        gains[0] = 0.0
        count = 1
        for e in range(offsets[j], offsets[j + 1]):
            k = targets[e]
            if clusters[k] == community:
                part = refined[k]
                if to_part[part] == 0.0:
                    neighbours[count] = part
                    count += 1
                to_part[part] += weights[e]
        best = 0
        best_gain = 0.0
        for i in range(1, count):
            part = neighbours[i]
            part_weight = refined_weights[part]
            if external[part] >= part_weight * (total - part_weight) * gamma:
                gain = to_part[part] - weight * part_weight * gamma
            else:
                gain = -np.inf
            gains[i] = gain
            if gain > best_gain:
                best = i
                best_gain = gain
        if randomness > 0.0 and count > 1:
            cumulative = 0.0
            for i in range(count):
                if gains[i] >= 0.0:
                    cumulative += np.exp((gains[i] - best_gain) / randomness)
                gains[i] = cumulative
            pick = randoms[index] * cumulative
            for i in range(count):
                if gains[i] > pick:
                    best = i
                    break
        chosen = neighbours[best]
        for i in range(count):
            to_part[neighbours[i]] = 0.0
        refined_weights[chosen] += weight
        for e in range(offsets[j], offsets[j + 1]):
            k = targets[e]
            if clusters[k] == community:
                if refined[k] == chosen:
                    external[chosen] -= weights[e]
                else:
                    external[chosen] += weights[e]
        if chosen != j:
            refined[j] = chosen
            joined[chosen] = True
    return refined


@numba.njit(nogil=True, cache=True)
def _renumber(clusters: np.ndarray) -> tuple[np.ndarray, int]:
    """Ids 0..k-1 in the order of first appearance."""
    n = len(clusters)
    bound = 0
    for i in range(n):
        bound = max(bound, clusters[i] + 1)
    new = np.full(bound, -1, dtype=np.int64)
    result = np.empty(n, dtype=np.int64)
    count = 0
    for i in range(n):
        c = clusters[i]
        if new[c] < 0:
            new[c] = count
            count += 1
        result[i] = new[c]
    return result, count


@numba.njit(nogil=True, cache=True)
def _aggregate(offsets: np.ndarray, targets: np.ndarray, weights: np.ndarray, node_weights: np.ndarray,
               labels: np.ndarray, count: int):
    """One node per community (ids 0..count-1): edges between communities merged, internal edges dropped
    (their weight stays in the node weights, which is all modularity needs)."""
    n = len(node_weights)
    starts = np.zeros(count + 1, dtype=np.int64)
    for i in range(n):
        starts[labels[i] + 1] += 1
    for c in range(count):
        starts[c + 1] += starts[c]
    fill = starts[:-1].copy()
    members = np.empty(n, dtype=np.int64)
    for i in range(n):
        members[fill[labels[i]]] = i
        fill[labels[i]] += 1
    new_offsets = np.zeros(count + 1, dtype=np.int64)
    new_targets = np.empty(len(targets), dtype=targets.dtype)
    new_weights = np.empty(len(targets), dtype=np.float64)
    new_node_weights = np.zeros(count, dtype=np.float64)
    to_cluster = np.zeros(count, dtype=np.float64)
    touched = np.empty(count, dtype=np.int64)
    position = 0
    for c in range(count):
        seen = 0
        for index in range(starts[c], starts[c + 1]):
            u = members[index]
            new_node_weights[c] += node_weights[u]
            for e in range(offsets[u], offsets[u + 1]):
                d = labels[targets[e]]
                if d != c:
                    if to_cluster[d] == 0.0:
                        touched[seen] = d
                        seen += 1
                    to_cluster[d] += weights[e]
        for t in range(seen):
            d = touched[t]
            new_targets[position] = d
            new_weights[position] = to_cluster[d]
            to_cluster[d] = 0.0
            position += 1
        new_offsets[c + 1] = position
    return new_offsets, new_targets[:position].copy(), new_weights[:position].copy(), new_node_weights


@numba.njit(nogil=True, cache=True)
def _modularity(offsets: np.ndarray, targets: np.ndarray, weights: np.ndarray, labels: np.ndarray,
                count: int, resolution: float) -> float:
    n = len(offsets) - 1
    totals = np.zeros(count, dtype=np.float64)
    internal = 0.0
    two_m = 0.0
    for u in range(n):
        c = labels[u]
        for e in range(offsets[u], offsets[u + 1]):
            two_m += weights[e]
            totals[c] += weights[e]
            if labels[targets[e]] == c:
                internal += weights[e]
    if two_m == 0.0:
        return 0.0
    squares = 0.0
    for c in range(count):
        squares += totals[c] * totals[c]
    return internal / two_m - resolution * squares / (two_m * two_m)


def _undirected(structure: MeasureGraph) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    return (np.ascontiguousarray(structure.undirected_offsets, dtype=np.int64),
            np.ascontiguousarray(structure.undirected_targets),
            np.ascontiguousarray(structure.undirected_weights, dtype=np.float64))


def _check_resolution(resolution: float) -> float:
    value = float(resolution)
    if not (np.isfinite(value) and value >= 0):
        raise HeliosError(f"communities: resolution must be a finite number >= 0, not {resolution!r}")
    return value


def _ordered(labels: np.ndarray) -> tuple[np.ndarray, int]:
    """Labels 0..k-1 by community size, largest first; ties: the community of the smallest node first."""
    labels, count = _renumber(np.asarray(labels, dtype=np.int64))  # first appearance = smallest node first
    sizes = np.bincount(labels, minlength=count)
    rank = np.empty(count, dtype=np.int64)
    rank[np.argsort(-sizes, kind="stable")] = np.arange(count)
    return rank[labels], count


def modularity(structure: MeasureGraph, labels: np.ndarray, resolution: float = 1.0) -> float:
    """Newman–Girvan modularity of a partition, on the undirected view with weights as strengths.

    ``Q = sum_C [ w_in(C) / m - resolution * (K_C / 2m)^2 ]``, as ``networkx.community.modularity``;
    0 for a graph without edges (where it is undefined).

    Parameters
    ----------
    structure : MeasureGraph
    labels : array-like
        One community label (any integers) per node.
    resolution : float, default 1.0
    """
    offsets, targets, weights = _undirected(structure)
    labels = np.asarray(labels)
    if labels.shape != (structure.node_count,):
        raise HeliosError(f"modularity: {labels.shape} labels for {structure.node_count} nodes")
    codes, count = _renumber(np.unique(labels, return_inverse=True)[1].ravel().astype(np.int64))
    return float(_modularity(offsets, targets, weights, codes, count, float(resolution)))


def _report(progress: Progress | None, fraction: float) -> None:
    if progress is not None:
        progress(min(max(fraction, 0.0), 1.0))


def _details(structure: MeasureGraph, labels: np.ndarray, count: int, levels: int,
             resolution: float) -> dict[str, Any]:
    offsets, targets, weights = _undirected(structure)
    quality = float(_modularity(offsets, targets, weights, labels, count, resolution))
    return {"modularity": quality, "communities": int(count), "levels": int(levels), "resolution": resolution}


def louvain(structure: MeasureGraph, progress: Progress | None = None, seed: int = 0,
            resolution: float = 1.0) -> tuple[np.ndarray, dict[str, Any]]:
    """Louvain communities: local moving and aggregation, level after level, until nothing moves.

    Parameters
    ----------
    structure : MeasureGraph
    progress : callable, optional
        Called with a fraction in [0, 1] between levels; an exception it raises stops the measure.
    seed : int
        Seeds the node order (``numpy.random.default_rng(seed)``): the same seed gives the same labels.
    resolution : float, default 1.0
        Above 1: smaller communities; below 1: larger ones.

    Returns
    -------
    labels : numpy.ndarray
        float64 ``(n,)``: community 0..k-1, the largest first.
    details : dict
        ``modularity``, ``communities`` (k), ``levels`` (aggregation levels that moved a node), ``resolution``.
    """
    resolution = _check_resolution(resolution)
    offsets, targets, weights = _undirected(structure)
    n = structure.node_count
    node_weights = _strengths(offsets, weights)
    two_m = float(node_weights.sum())
    _report(progress, 0.0)
    membership = np.arange(n, dtype=np.int64)
    levels = 0
    if two_m > 0:
        rng = np.random.default_rng(seed)
        gamma = resolution / two_m
        level = (offsets, targets, weights, node_weights)
        while True:
            count = len(level[3])
            clusters = np.arange(count, dtype=np.int64)
            _move_nodes(*level, clusters, rng.permutation(count), gamma)
            clusters, found = _renumber(clusters)
            if found == count:
                break
            levels += 1
            membership = clusters[membership]
            level = _aggregate(*level, clusters, found)
            _report(progress, 1.0 - found / n)
    labels, count = _ordered(membership)
    details = _details(structure, labels, count, levels, resolution)
    _report(progress, 1.0)
    return labels.astype(np.float64), details


def _leiden_iteration(base: tuple, membership: np.ndarray, rng: np.random.Generator, gamma: float,
                      progress: Callable[[float], None]) -> tuple[np.ndarray, bool, int]:
    """One Leiden iteration from ``membership`` (ids 0..k-1): the partition, whether it changed, the levels."""
    n = len(membership)
    level = base
    clusters = membership.copy()
    mapping = np.arange(n, dtype=np.int64)  # original node -> node of the current level
    changed = False
    levels = 0
    while True:
        count = len(level[3])
        changed |= bool(_move_nodes(*level, clusters, rng.permutation(count), gamma))
        clusters, found = _renumber(clusters)
        if found == count:
            break
        refined = _refine(*level, clusters, rng.permutation(count), rng.random(count), gamma, RANDOMNESS)
        refined, parts = _renumber(refined)
        if parts < count:
            initial = np.empty(parts, dtype=np.int64)
            initial[refined] = clusters
            level = _aggregate(*level, refined, parts)
            mapping = refined[mapping]
            clusters = initial
        else:  # the refinement merged nothing: aggregate on the communities themselves
            level = _aggregate(*level, clusters, found)
            mapping = clusters[mapping]
            clusters = np.arange(found, dtype=np.int64)
        levels += 1
        progress(1.0 - len(level[3]) / n)
    return clusters[mapping], changed, levels


def leiden(structure: MeasureGraph, progress: Progress | None = None, seed: int = 0, resolution: float = 1.0,
           iterations: int = 2) -> tuple[np.ndarray, dict[str, Any]]:
    """Leiden communities (modularity): local moving, refinement, aggregation; every community connected.

    Parameters
    ----------
    structure : MeasureGraph
    progress : callable, optional
        Called with a fraction in [0, 1] between levels; an exception it raises stops the measure.
    seed : int
        Seeds the node orders and the refinement's choices: the same seed gives the same labels.
    resolution : float, default 1.0
    iterations : int, default 2
        Leiden iterations, each from the partition the last one found; fewer when one changes nothing.
        A negative number: until an iteration changes nothing.

    Returns
    -------
    labels : numpy.ndarray
        float64 ``(n,)``: community 0..k-1, the largest first.
    details : dict
        ``modularity``, ``communities``, ``levels`` (aggregation levels of the last iteration),
        ``iterations`` (run), ``resolution``.
    """
    resolution = _check_resolution(resolution)
    iterations = int(iterations)
    if iterations == 0:
        raise HeliosError("leiden: iterations must be positive, or negative for 'until stable'")
    offsets, targets, weights = _undirected(structure)
    n = structure.node_count
    node_weights = _strengths(offsets, weights)
    two_m = float(node_weights.sum())
    _report(progress, 0.0)
    membership = np.arange(n, dtype=np.int64)
    levels = 0
    done = 0
    if two_m > 0:
        rng = np.random.default_rng(seed)
        gamma = resolution / two_m
        planned = iterations if iterations > 0 else UNTIL_STABLE_CAP
        for done in range(1, planned + 1):
            share = 1.0 / iterations if iterations > 0 else 0.5 ** done
            start = 1.0 - 0.5 ** (done - 1) if iterations < 0 else (done - 1) / iterations

            def step(fraction: float, start: float = start, share: float = share) -> None:
                _report(progress, start + share * fraction)

            membership, changed, levels = _leiden_iteration((offsets, targets, weights, node_weights),
                                                            membership, rng, gamma, step)
            if not changed:
                break
    labels, count = _ordered(membership)
    details = _details(structure, labels, count, levels, resolution)
    details["iterations"] = done
    _report(progress, 1.0)
    return labels.astype(np.float64), details
