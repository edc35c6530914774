"""The graph as the measures see it: adjacency lists (CSR) with merged weights, built once per graph.

Every measure runs on a *simple* graph: self-loops dropped, parallel edge records merged into one edge whose
weight is the sum of theirs. A directed graph keeps direction (``u -> v``); in a graph that mixes directed
and undirected edges an undirected record counts in both directions. The undirected view (``undirected_*``)
merges both directions of a pair too, summing their weights, as :meth:`Graph.layout_weights` does.

Weights are the source's (:meth:`Graph.edge_weights`), unscaled; a graph without weights gets ``weighted =
False`` and weights of 1.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from helios_app.graph.model import Graph

__all__ = ["MeasureGraph", "measure_graph"]


@dataclass(frozen=True)
class MeasureGraph:
    """Adjacency lists of one graph, for the measure kernels.

    Attributes
    ----------
    node_count : int
    directed : bool
        Whether any edge is directed (then ``out_*`` and ``in_*`` differ).
    weighted : bool
        Whether the weights came from the graph (else all are 1).
    out_offsets, out_targets, out_weights : numpy.ndarray
        int64 ``(n + 1,)``, int32 ``(k,)``, float64 ``(k,)``: node ``u``'s successors are
        ``out_targets[out_offsets[u]:out_offsets[u + 1]]``, sorted, each once, with their merged weights.
    in_offsets, in_targets, in_weights : numpy.ndarray
        The same for predecessors (the same arrays as ``out_*`` for an undirected graph).
    undirected_offsets, undirected_targets, undirected_weights : numpy.ndarray
        The same for neighbours, direction ignored (the same arrays as ``out_*`` for an undirected graph).
    """

    node_count: int
    directed: bool
    weighted: bool
    out_offsets: np.ndarray
    out_targets: np.ndarray
    out_weights: np.ndarray
    in_offsets: np.ndarray
    in_targets: np.ndarray
    in_weights: np.ndarray
    undirected_offsets: np.ndarray
    undirected_targets: np.ndarray
    undirected_weights: np.ndarray

    @property
    def edge_count(self) -> int:
        """Edges of the simple graph: arcs when directed, else undirected edges."""
        arcs = len(self.out_targets)
        return arcs if self.directed else arcs // 2

    def out_degrees(self) -> np.ndarray:
        return np.diff(self.out_offsets)

    def in_degrees(self) -> np.ndarray:
        return np.diff(self.in_offsets)

    def undirected_degrees(self) -> np.ndarray:
        return np.diff(self.undirected_offsets)


def _compressed(sources: np.ndarray, targets: np.ndarray, weights: np.ndarray,
                node_count: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """CSR of the arcs ``sources -> targets``, parallel arcs merged (weights summed), targets sorted."""
    scale = max(node_count, 1)
    keys = sources.astype(np.int64) * scale + targets.astype(np.int64)
    unique_keys, inverse = np.unique(keys, return_inverse=True)
    merged = np.bincount(inverse.ravel(), weights=weights, minlength=len(unique_keys))
    heads, tails = np.divmod(unique_keys, scale)
    offsets = np.zeros(node_count + 1, dtype=np.int64)
    np.cumsum(np.bincount(heads, minlength=node_count), out=offsets[1:])
    return offsets, tails.astype(np.int32), merged.astype(np.float64)


def measure_graph(graph: Graph, weight: str | None = "weight") -> MeasureGraph:
    """Build the measures' view of ``graph``.

    Parameters
    ----------
    graph : Graph
    weight : str or None, default "weight"
        Which weights to use (see :meth:`Graph.edge_weights`); None or ``"none"``: unweighted.

    Raises
    ------
    HeliosError
        If a weight is not a positive finite number (naming the edge).
    """
    node_count = graph.node_count
    weights = graph.edge_weights(weight)
    weighted = weights is not None
    edges = graph.edges.astype(np.int64)
    keep = edges[:, 0] != edges[:, 1]
    edges = edges[keep]
    record_weights = weights[keep] if weighted else np.ones(len(edges))
    directions = graph.edge_directions()[keep]
    directed = bool(directions.any())

    both = ~directions
    sources = np.concatenate([edges[:, 0], edges[both, 1]])
    targets = np.concatenate([edges[:, 1], edges[both, 0]])
    arc_weights = np.concatenate([record_weights, record_weights[both]])
    out_csr = _compressed(sources, targets, arc_weights, node_count)
    if not directed:
        return MeasureGraph(node_count, False, weighted, *out_csr, *out_csr, *out_csr)
    in_csr = _compressed(targets, sources, arc_weights, node_count)
    low = np.minimum(edges[:, 0], edges[:, 1])
    high = np.maximum(edges[:, 0], edges[:, 1])
    undirected_csr = _compressed(np.concatenate([low, high]), np.concatenate([high, low]),
                                 np.concatenate([record_weights, record_weights]), node_count)
    return MeasureGraph(node_count, True, weighted, *out_csr, *in_csr, *undirected_csr)
