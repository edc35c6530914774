"""Network measures: per-node centralities, cores, components and communities, graph statistics and paths.

Every measure runs on :class:`~helios_app.graph.measures.structure.MeasureGraph` (CSR arrays: self-loops
dropped, parallel edges merged with their weights summed) with numba kernels (``nogil``, so a measure
computed in a background thread never stops the view or the layout). networkx and igraph serve only the
tests and the benchmarks.

Conventions (the README's *Measures* table says the same):

- *weights*: a weighted graph's weights are **strengths** for degree, PageRank, eigenvector and the
  communities, and **lengths** for the path measures (betweenness, closeness, harmonic, shortest paths),
  as in networkx and igraph; ``weight="none"`` ignores them.
- *direction*: PageRank, betweenness, closeness (distance *to* the node, as networkx), harmonic and
  eigenvector (in-edges, as networkx) follow direction in a directed graph; clustering, k-core,
  components (weak) and communities ignore it.

:func:`compute` is the one entry point: a name from :data:`MEASURES`, the graph, options; it returns a
:class:`MeasureResult`. ``progress`` (optional) is called with a fraction in [0, 1] between chunks of
work; an exception it raises (a cancellation) stops the measure.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from helios_app.errors import HeliosError
from helios_app.graph.measures.structure import MeasureGraph, measure_graph
from helios_app.graph.model import Graph

__all__ = ["MEASURES", "MeasureGraph", "MeasureResult", "compute", "measure_column", "measure_graph", "with_measures"]

Progress = Callable[[float], object]


@dataclass(frozen=True)
class MeasureResult:
    """One measure's values.

    Attributes
    ----------
    name : str
        The measure (a key of :data:`MEASURES`).
    values : numpy.ndarray
        float64 ``(n,)``, one value per node (integers for categories: component, k_core, communities).
    details : dict
        What a reader needs to trust the values: ``modularity`` for a community, ``samples`` and
        ``expected_error`` for a sampled betweenness, ``exact`` (bool), ``iterations``...
    """

    name: str
    values: np.ndarray
    details: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class MeasureSpec:
    title: str
    description: str
    categorical: bool
    function: Callable[..., tuple[np.ndarray, dict[str, Any]]]


def _degree(kind: str, weighted: bool) -> Callable[..., tuple[np.ndarray, dict[str, Any]]]:
    def function(structure: MeasureGraph, **_: Any) -> tuple[np.ndarray, dict[str, Any]]:
        from helios_app.graph.measures.centrality import degree

        return degree(structure, kind, weighted), {}

    return function


def _kernel(module: str, name: str) -> Callable[..., tuple[np.ndarray, dict[str, Any]]]:
    def function(structure: MeasureGraph, **options: Any) -> tuple[np.ndarray, dict[str, Any]]:
        import importlib

        return getattr(importlib.import_module(f"helios_app.graph.measures.{module}"), name)(structure, **options)

    return function


MEASURES: dict[str, MeasureSpec] = {
    "degree": MeasureSpec("degree", "neighbours (in + out for a directed graph)", False, _degree("total", False)),
    "in_degree": MeasureSpec("in-degree", "predecessors", False, _degree("in", False)),
    "out_degree": MeasureSpec("out-degree", "successors", False, _degree("out", False)),
    "weighted_degree": MeasureSpec("weighted degree", "sum of the weights of a node's edges (strength)", False,
                                   _degree("total", True)),
    "pagerank": MeasureSpec("PageRank", "damping 0.85, dangling nodes spread evenly", False,
                            _kernel("centrality", "pagerank")),
    "betweenness": MeasureSpec("betweenness", "Brandes; normalised as networkx; sampled on large graphs", False,
                               _kernel("centrality", "betweenness")),
    "closeness": MeasureSpec("closeness", "Wasserman–Faust (reachable nodes), as networkx", False,
                             _kernel("centrality", "closeness")),
    "harmonic": MeasureSpec("harmonic", "sum of 1/distance, as networkx", False, _kernel("centrality", "harmonic")),
    "eigenvector": MeasureSpec("eigenvector", "unit Euclidean norm, in-edges, as networkx", False,
                               _kernel("centrality", "eigenvector")),
    "clustering": MeasureSpec("clustering", "local clustering coefficient, direction ignored", False,
                              _kernel("cores", "clustering")),
    "k_core": MeasureSpec("k-core", "core number, direction ignored", True, _kernel("cores", "core_numbers")),
    "component": MeasureSpec("component", "connected component (weak), largest first", True,
                             _kernel("cores", "components")),
    "louvain": MeasureSpec("Louvain", "modularity communities, largest first", True,
                           _kernel("communities", "louvain")),
    "leiden": MeasureSpec("Leiden", "modularity communities (well connected), largest first", True,
                          _kernel("communities", "leiden")),
}


def compute(graph: Graph | MeasureGraph, name: str, *, weight: str | None = "weight",
            progress: Progress | None = None, **options: Any) -> MeasureResult:
    """Compute one measure of every node.

    Parameters
    ----------
    graph : Graph or MeasureGraph
        The graph (a MeasureGraph is reused as it is: build it once for several measures).
    name : str
        A key of :data:`MEASURES`.
    weight : str or None
        Which edge weights to use when ``graph`` is a Graph (see :meth:`Graph.edge_weights`).
    progress : callable, optional
        Called with the fraction done; an exception it raises stops the measure.
    **options
        Passed to the measure: ``samples`` and ``seed`` (betweenness), ``seed`` and ``resolution``
        (communities).

    Raises
    ------
    HeliosError
        If the name or an option is unknown, or a weight is not a positive finite number.
    """
    spec = MEASURES.get(name)
    if spec is None:
        raise HeliosError(f"no measure {name!r}; choose from {', '.join(MEASURES)}")
    structure = graph if isinstance(graph, MeasureGraph) else measure_graph(graph, weight)
    if progress is not None:
        options["progress"] = progress
    try:
        values, details = spec.function(structure, **options)
    except TypeError as error:
        if "unexpected keyword" in str(error):
            raise HeliosError(f"measure {name}: {error}") from None
        raise
    return MeasureResult(name, np.asarray(values, dtype=np.float64), dict(details))


def measure_column(values: np.ndarray, categorical: bool) -> list:
    """A measure's values as a node attribute column: ints for a category, floats, None where NaN."""
    values = np.asarray(values, dtype=np.float64)
    if categorical and np.isfinite(values).all():
        return values.astype(np.int64).tolist()
    return [value if math.isfinite(value) else None for value in values.tolist()]


def with_measures(graph: Graph, measures: dict[str, dict[str, Any]], weight: str | None = "weight") -> Graph:
    """``graph`` with each measure (name to options) computed and added as a node attribute: what a picture
    coloured or sized by a measure needs (a live view computes them in the background instead)."""
    if not measures:
        return graph
    structure = measure_graph(graph, weight)
    return graph.with_node_attributes({
        name: measure_column(compute(structure, name, **options).values, MEASURES[name].categorical)
        for name, options in measures.items()})
