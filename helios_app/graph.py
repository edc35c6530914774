"""The graph model: node ids, an edge array and optional weights and node attributes.

A :class:`Graph` is immutable. Its arrays are validated and made read-only when it is built, so a layout,
the render loop and a file reader can share one without copying. Node indices are ``0 .. node_count - 1``;
``node_ids[index]`` is the id the node had in its source (a file, a networkx graph).
"""

from __future__ import annotations

import logging
import numbers
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from helios_app.errors import HeliosError

logger = logging.getLogger(__name__)

__all__ = ["Graph", "graph_from_networkx"]


def _field_error(name: str, problem: str) -> HeliosError:
    """Build the error for a :class:`Graph` field that fails validation."""
    return HeliosError(f"Graph.{name}: {problem}")


def _validated_edges(edges: Any, node_count: int) -> np.ndarray:
    """Return ``edges`` as a read-only, C-contiguous int32 ``(m, 2)`` array, or raise HeliosError."""
    try:
        array = np.asarray(edges)
    except (TypeError, ValueError) as error:
        raise _field_error("edges", f"cannot be read as an array ({error})") from None
    if array.size == 0:
        array = array.reshape(0, 2)
    if array.ndim != 2 or array.shape[1] != 2:
        raise _field_error("edges", f"expected an array of shape (m, 2), got shape {array.shape}")
    if array.dtype == np.bool_ or not np.issubdtype(array.dtype, np.integer):
        if np.issubdtype(array.dtype, np.floating) and np.all(np.isfinite(array)) and np.all(
            array == np.round(array)
        ):
            array = array.astype(np.int64)
        else:
            raise _field_error("edges", f"expected integer node indices, got dtype {array.dtype}")
    if len(array):
        smallest, largest = int(array.min()), int(array.max())
        if smallest < 0 or largest >= node_count:
            bad_row = int(np.flatnonzero(((array < 0) | (array >= node_count)).any(axis=1))[0])
            raise _field_error(
                "edges",
                f"row {bad_row} is {array[bad_row].tolist()}, but node indices must lie in "
                f"0 .. {node_count - 1} (node_count is {node_count})",
            )
    result = np.array(array, dtype=np.int32, order="C", copy=True)
    result.flags.writeable = False
    return result


def _validated_weights(weights: Any, edge_count: int) -> np.ndarray | None:
    """Return ``weights`` as a read-only float32 ``(m,)`` array (or None), or raise HeliosError."""
    if weights is None:
        return None
    try:
        array = np.asarray(weights, dtype=np.float64)
    except (TypeError, ValueError) as error:
        raise _field_error("weights", f"expected numbers ({error})") from None
    if array.shape != (edge_count,):
        raise _field_error("weights", f"expected shape ({edge_count},) (one per edge), got {array.shape}")
    if not np.all(np.isfinite(array)):
        bad = int(np.flatnonzero(~np.isfinite(array))[0])
        raise _field_error("weights", f"weight of edge {bad} is {array[bad]}; weights must be finite")
    result = array.astype(np.float32)
    result.flags.writeable = False
    return result


@dataclass(frozen=True, eq=False)
class Graph:
    """An immutable graph: node ids, an edge array and optional weights and node attributes.

    Parameters
    ----------
    node_ids : list of str
        External id of each node as written in its source; the list index is the internal node index.
        Ids must be unique.
    edges : numpy.ndarray
        Edges as internal node indices, shape ``(m, 2)``; stored as a read-only int32 array in the order
        given, with direction kept (``u -> v``). Duplicates and self-loops are allowed here.
    weights : numpy.ndarray or None
        One finite weight per edge, stored as read-only float32, or None for an unweighted graph.
    directed : bool, default False
        Whether the source declared the graph directed.
    labels : list of str or None, default None
        Display label per node, or None when the source has none.
    node_attributes : dict of str to list, default {}
        Other per-node attributes, each a list of length ``node_count`` with None where a node has no value.
    source : str, default ""
        Where the graph came from (a path or a description).

    Raises
    ------
    HeliosError
        If a field is malformed; the message names the field.
    """

    node_ids: list[str]
    edges: np.ndarray
    weights: np.ndarray | None
    directed: bool = False
    labels: list[str] | None = None
    node_attributes: dict[str, list] = field(default_factory=dict)
    source: str = ""

    def __post_init__(self) -> None:
        if isinstance(self.node_ids, (str, bytes)) or not isinstance(self.node_ids, Iterable):
            raise _field_error("node_ids", f"expected a list of strings, got {type(self.node_ids).__name__}")
        node_ids = list(self.node_ids)
        for index, node_id in enumerate(node_ids):
            if not isinstance(node_id, str):
                raise _field_error("node_ids", f"item {index} is {node_id!r}, expected a str")
        if len(set(node_ids)) != len(node_ids):
            seen: dict[str, int] = {}
            for index, node_id in enumerate(node_ids):
                if node_id in seen:
                    raise _field_error(
                        "node_ids",
                        f"id {node_id!r} is used by nodes {seen[node_id]} and {index}; ids must be unique",
                    )
                seen[node_id] = index
        node_count = len(node_ids)
        edges = _validated_edges(self.edges, node_count)
        weights = _validated_weights(self.weights, len(edges))

        labels = self.labels
        if labels is not None:
            if isinstance(labels, (str, bytes)) or not isinstance(labels, Iterable):
                raise _field_error(
                    "labels", f"expected a list of strings or None, got {type(labels).__name__}"
                )
            labels = list(labels)
            if len(labels) != node_count:
                raise _field_error("labels", f"has {len(labels)} items, expected one per node ({node_count})")
            for index, label in enumerate(labels):
                if not isinstance(label, str):
                    raise _field_error("labels", f"item {index} is {label!r}, expected a str")

        if not isinstance(self.node_attributes, Mapping):
            raise _field_error(
                "node_attributes", f"expected a dict of lists, got {type(self.node_attributes).__name__}"
            )
        node_attributes: dict[str, list] = {}
        for name, values in self.node_attributes.items():
            if not isinstance(name, str):
                raise _field_error("node_attributes", f"key {name!r} is not a str")
            if isinstance(values, (str, bytes)) or not isinstance(values, (Sequence, np.ndarray)):
                raise _field_error(
                    f"node_attributes[{name!r}]", f"expected a list, got {type(values).__name__}"
                )
            if len(values) != node_count:
                raise _field_error(
                    f"node_attributes[{name!r}]",
                    f"has {len(values)} items, expected one per node ({node_count})",
                )
            node_attributes[name] = list(values)

        object.__setattr__(self, "node_ids", node_ids)
        object.__setattr__(self, "edges", edges)
        object.__setattr__(self, "weights", weights)
        object.__setattr__(self, "directed", bool(self.directed))
        object.__setattr__(self, "labels", labels)
        object.__setattr__(self, "node_attributes", node_attributes)
        object.__setattr__(self, "source", str(self.source))
        object.__setattr__(self, "_layout_edges", None)

    def __repr__(self) -> str:
        weighted = "weighted" if self.weights is not None else "unweighted"
        kind = "directed" if self.directed else "undirected"
        return (
            f"Graph({self.node_count} nodes, {self.edge_count} edges, {kind}, {weighted}, "
            f"source={self.source!r})"
        )

    @property
    def node_count(self) -> int:
        """Number of nodes."""
        return len(self.node_ids)

    @property
    def edge_count(self) -> int:
        """Number of edge records, duplicates and self-loops included (see :meth:`layout_edges`)."""
        return len(self.edges)

    def layout_edges(self) -> np.ndarray:
        """Return the edges a layout sees: undirected, unique, without self-loops.

        Returns
        -------
        numpy.ndarray
            Read-only int32 array of shape ``(k, 2)`` with ``u < v`` in every row, sorted by ``(u, v)``.
            Computed once and cached.
        """
        cached = self._layout_edges  # type: ignore[attr-defined]
        if cached is not None:
            return cached
        low = np.minimum(self.edges[:, 0], self.edges[:, 1]).astype(np.int64)
        high = np.maximum(self.edges[:, 0], self.edges[:, 1]).astype(np.int64)
        keep = low != high
        keys = np.unique(low[keep] * max(self.node_count, 1) + high[keep])
        result = np.empty((len(keys), 2), dtype=np.int32)
        result[:, 0], result[:, 1] = np.divmod(keys, max(self.node_count, 1))
        result.flags.writeable = False
        object.__setattr__(self, "_layout_edges", result)
        return result

    @classmethod
    def from_edges(
        cls,
        edges: Any,
        node_count: int | None = None,
        *,
        weights: Any = None,
        directed: bool = False,
        node_ids: Sequence[str] | None = None,
        labels: list[str] | None = None,
        node_attributes: dict[str, list] | None = None,
        source: str = "",
    ) -> Graph:
        """Build a graph from an ``(m, 2)`` array of integer node indices.

        Parameters
        ----------
        edges : array_like
            Integer node indices, shape ``(m, 2)``.
        node_count : int, optional
            Number of nodes; by default one more than the largest index in ``edges`` (0 with no edges).
        weights : array_like, optional
            One weight per edge.
        directed : bool, default False
            Whether the edges are directed.
        node_ids : sequence of str, optional
            External ids; by default ``"0"``, ``"1"``, ... ``str(node_count - 1)``.
        labels : list of str, optional
            Display label per node.
        node_attributes : dict of str to list, optional
            Other per-node attributes.
        source : str, default ""
            Where the graph came from.

        Returns
        -------
        Graph

        Raises
        ------
        HeliosError
            If ``edges`` is not an integer ``(m, 2)`` array, an index is negative or not below
            ``node_count``, or another argument is malformed.
        """
        array = np.asarray(edges)
        if array.size == 0:
            array = array.reshape(0, 2)
        if node_count is None:
            if node_ids is not None:
                node_count = len(node_ids)
            elif array.ndim == 2 and array.shape[1] == 2 and np.issubdtype(array.dtype, np.number):
                node_count = max(int(array.max()) + 1, 0) if array.size else 0
            else:
                node_count = 0
        if isinstance(node_count, bool) or not isinstance(node_count, numbers.Integral) or node_count < 0:
            raise HeliosError(
                f"Graph.from_edges: node_count must be a non-negative integer, got {node_count!r}"
            )
        if node_ids is None:
            node_ids = [str(index) for index in range(int(node_count))]
        elif len(node_ids) != node_count:
            raise _field_error("node_ids", f"has {len(node_ids)} items but node_count is {node_count}")
        return cls(
            node_ids=list(node_ids),
            edges=array,
            weights=weights,
            directed=directed,
            labels=labels,
            node_attributes=dict(node_attributes or {}),
            source=source,
        )


_SCALAR_TYPES = (str, int, float, bool, np.generic)


def graph_from_networkx(nx_graph: Any, *, source: str = "") -> Graph:
    """Convert a networkx graph (any of the four graph classes) to a :class:`Graph`.

    Parameters
    ----------
    nx_graph : networkx.Graph
        The graph. Node ids become ``str(node)``; a node ``'label'`` attribute becomes the label (the id
        where a node has none); other scalar node attributes go to ``node_attributes``; an edge
        ``'weight'`` attribute becomes the weight (1.0 where an edge has none). Parallel edges of a
        multigraph are kept.
    source : str, default ""
        Where the graph came from; by default a description of ``nx_graph``.

    Returns
    -------
    Graph

    Raises
    ------
    HeliosError
        If two nodes have the same ``str()``, or a weight is not a finite number.
    """
    nodes = list(nx_graph.nodes)
    index_of = {node: index for index, node in enumerate(nodes)}
    node_ids = [str(node) for node in nodes]
    if len(set(node_ids)) != len(node_ids):
        seen: dict[str, Any] = {}
        for node in nodes:
            if str(node) in seen:
                raise HeliosError(
                    f"networkx graph: nodes {seen[str(node)]!r} and {node!r} have the same id {str(node)!r}"
                )
            seen[str(node)] = node

    node_data = [nx_graph.nodes[node] for node in nodes]
    labels = None
    if any("label" in data for data in node_data):
        labels = [str(data.get("label", node_id)) for data, node_id in zip(node_data, node_ids)]
    attribute_names: dict[str, None] = {}
    for data in node_data:
        for name, value in data.items():
            if name != "label" and isinstance(value, _SCALAR_TYPES):
                attribute_names.setdefault(str(name), None)
    node_attributes = {}
    for name in attribute_names:
        values = [data.get(name) for data in node_data]
        node_attributes[name] = [value if isinstance(value, _SCALAR_TYPES) else None for value in values]

    edge_rows = list(nx_graph.edges(data=True))
    edges = np.array([(index_of[u], index_of[v]) for u, v, _ in edge_rows], dtype=np.int64).reshape(-1, 2)
    weights = None
    if any("weight" in data for _, _, data in edge_rows):
        weight_values = []
        for u, v, data in edge_rows:
            value = data.get("weight", 1.0)
            try:
                weight_values.append(float(value))
            except (TypeError, ValueError):
                raise HeliosError(
                    f"networkx graph: edge ({u!r}, {v!r}) has weight {value!r}, which is not a number"
                ) from None
        weights = np.array(weight_values, dtype=np.float64)
    description = source or f"networkx {type(nx_graph).__name__}"
    return Graph(
        node_ids=node_ids,
        edges=edges,
        weights=weights,
        directed=bool(nx_graph.is_directed()),
        labels=labels,
        node_attributes=node_attributes,
        source=description,
    )
