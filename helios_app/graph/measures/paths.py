"""Shortest paths: one or all between two nodes, and the single-source search the path measures share.

The search is a breadth-first search when the graph is unweighted and Dijkstra's algorithm (weights as
**lengths**) when it is weighted. Weighted lengths are compared with a relative epsilon
(:data:`EPSILON`, as igraph): two lengths within ``1e-10`` of each other (relative to the larger) are one
length, so paths whose sums differ only by rounding are all shortest, whatever the order of the edges.
"""

from __future__ import annotations

import math

import numba
import numpy as np

from helios_app.errors import HeliosError
from helios_app.graph.measures.structure import MeasureGraph

__all__ = ["EPSILON", "shortest_paths"]

EPSILON = 1e-10
"""Relative tolerance under which two weighted path lengths count as equal."""


@numba.njit(nogil=True, cache=True)
def _heap_push(keys, nodes, size, key, node):
    """Push ``(key, node)`` on the binary min-heap ``keys[:size]``/``nodes[:size]``; return the new size."""
    position = size
    while position > 0:
        parent = (position - 1) >> 1
        if keys[parent] <= key:
            break
        keys[position] = keys[parent]
        nodes[position] = nodes[parent]
        position = parent
    keys[position] = key
    nodes[position] = node
    return size + 1


@numba.njit(nogil=True, cache=True)
def _heap_pop(keys, nodes, size):
    """Remove the root of the heap (read ``keys[0]``, ``nodes[0]`` before); return the new size."""
    size -= 1
    key = keys[size]
    node = nodes[size]
    position = 0
    while True:
        child = 2 * position + 1
        if child >= size:
            break
        if child + 1 < size and keys[child + 1] < keys[child]:
            child += 1
        if keys[child] >= key:
            break
        keys[position] = keys[child]
        nodes[position] = nodes[child]
        position = child
    keys[position] = key
    nodes[position] = node
    return size


@numba.njit(nogil=True, cache=True)
def search(source, stop, offsets, targets, weights, predecessor_offsets, weighted, track, epsilon,
           distance, sigma, order, predecessor_count, predecessors, settled, heap_keys, heap_nodes):
    """Shortest paths from ``source`` along the arcs ``offsets``/``targets``/``weights`` (CSR).

    On entry ``distance`` is inf, ``sigma`` and ``predecessor_count`` 0 and ``settled`` False for every
    node; the caller resets the nodes ``order[:count]`` afterwards (every node touched is there unless the
    search stopped early at ``stop``; ``-1`` never stops). Fills ``distance``; with ``track``, also
    ``sigma`` (the number of shortest paths) and the predecessors of each node ``w`` on its shortest
    paths, ``predecessors[predecessor_offsets[w]:][:predecessor_count[w]]`` (``predecessor_offsets``: the
    CSR offsets of the reversed arcs, so each node has room for all its in-neighbours). Returns the number
    of nodes in ``order``, in order of distance: every node reached when the search did not stop early.
    """
    distance[source] = 0.0
    sigma[source] = 1.0
    if not weighted:
        order[0] = source
        head = 0
        tail = 1
        while head < tail:
            v = order[head]
            head += 1
            if v == stop:
                break
            next_distance = distance[v] + 1.0
            for arc in range(offsets[v], offsets[v + 1]):
                w = targets[arc]
                if distance[w] == np.inf:
                    distance[w] = next_distance
                    order[tail] = w
                    tail += 1
                if track and distance[w] == next_distance:
                    sigma[w] += sigma[v]
                    predecessors[predecessor_offsets[w] + predecessor_count[w]] = v
                    predecessor_count[w] += 1
        return tail

    count = 0
    size = _heap_push(heap_keys, heap_nodes, 0, 0.0, source)
    while size > 0:
        v = heap_nodes[0]
        size = _heap_pop(heap_keys, heap_nodes, size)
        if settled[v]:
            continue
        settled[v] = True
        order[count] = v
        count += 1
        if v == stop:
            break
        base = distance[v]
        for arc in range(offsets[v], offsets[v + 1]):
            w = targets[arc]
            if settled[w]:
                continue
            candidate = base + weights[arc]
            current = distance[w]
            if current == np.inf or (candidate < current
                                     and current - candidate > epsilon * max(candidate, current)):
                distance[w] = candidate
                size = _heap_push(heap_keys, heap_nodes, size, candidate, w)
                if track:
                    sigma[w] = sigma[v]
                    predecessors[predecessor_offsets[w]] = v
                    predecessor_count[w] = 1
            elif track and abs(candidate - current) <= epsilon * max(candidate, current):
                sigma[w] += sigma[v]
                predecessors[predecessor_offsets[w] + predecessor_count[w]] = v
                predecessor_count[w] += 1
    return count


class Workspace:
    """The arrays one search needs, allocated once for many sources (and reset between them)."""

    def __init__(self, node_count: int, arc_count: int) -> None:
        self.distance = np.full(node_count, np.inf)
        self.sigma = np.zeros(node_count)
        self.order = np.zeros(max(node_count, 1), dtype=np.int32)
        self.predecessor_count = np.zeros(node_count, dtype=np.int32)
        self.predecessors = np.zeros(max(arc_count, 1), dtype=np.int32)
        self.settled = np.zeros(node_count, dtype=np.bool_)
        self.heap_keys = np.zeros(arc_count + 1)
        self.heap_nodes = np.zeros(arc_count + 1, dtype=np.int32)


def _check_node(structure: MeasureGraph, node: object, what: str) -> int:
    if isinstance(node, bool) or not isinstance(node, (int, np.integer)):
        raise HeliosError(f"shortest path: the {what} must be a node index, not {node!r}")
    if not 0 <= int(node) < structure.node_count:
        raise HeliosError(f"shortest path: the {what} {int(node)} is not a node (the graph has "
                          f"{structure.node_count} nodes, 0 to {structure.node_count - 1})")
    return int(node)


def shortest_paths(structure: MeasureGraph, source: int, target: int, all_paths: bool = False,
                   max_paths: int = 100) -> tuple[float, list[list[int]]]:
    """The shortest path(s) from ``source`` to ``target``.

    Parameters
    ----------
    structure : MeasureGraph
    source, target : int
        Node indices.
    all_paths : bool, default False
        Return every shortest path (up to ``max_paths``) instead of one.
    max_paths : int, default 100
        The most paths returned when ``all_paths``.

    Returns
    -------
    length : float
        Hops when the graph is unweighted, the sum of the weights (lengths) when weighted; ``math.inf``
        when ``target`` cannot be reached (following arcs forward in a directed graph).
    paths : list of list of int
        Each path as its nodes from ``source`` to ``target``; empty when unreachable.

    Raises
    ------
    HeliosError
        If a node is not in the graph or ``max_paths`` is not positive.
    """
    source = _check_node(structure, source, "source")
    target = _check_node(structure, target, "target")
    if isinstance(max_paths, bool) or not isinstance(max_paths, (int, np.integer)) or max_paths < 1:
        raise HeliosError(f"shortest path: max_paths must be a positive integer, not {max_paths!r}")
    if source == target:
        return 0.0, [[source]]
    space = Workspace(structure.node_count, len(structure.out_targets))
    search(source, target, structure.out_offsets, structure.out_targets, structure.out_weights,
           structure.in_offsets, structure.weighted, True, EPSILON, space.distance, space.sigma, space.order,
           space.predecessor_count, space.predecessors, space.settled, space.heap_keys, space.heap_nodes)
    length = float(space.distance[target])
    if math.isinf(length):
        return math.inf, []

    def predecessors(node: int) -> np.ndarray:
        start = structure.in_offsets[node]
        return space.predecessors[start:start + space.predecessor_count[node]]

    limit = int(max_paths) if all_paths else 1
    paths: list[list[int]] = []
    # Depth-first over the predecessor graph, from the target back to the source.
    stack: list[tuple[int, int]] = [(target, 0)]
    while stack and len(paths) < limit:
        node, index = stack[-1]
        if node == source:
            paths.append([entry[0] for entry in reversed(stack)])
            stack.pop()
            continue
        options = predecessors(node)
        if index >= len(options):
            stack.pop()
            continue
        stack[-1] = (node, index + 1)
        stack.append((int(options[index]), 0))
    return length, paths
