"""The graph model: node ids, an edge array and optional weights, attributes, positions, encodings and time.

A :class:`Graph` is immutable. Its arrays are validated and made read-only when it is built, so a layout,
the render loop and a file reader can share one without copying. Node indices are ``0 .. node_count - 1``;
``node_ids[index]`` is the id the node had in its source (a file, a networkx graph).

Time, for a dynamic graph, is a :class:`TimeIntervals` per nodes and per edge records (see
:mod:`helios_app.graph.timeline` for what is present when); a static graph has none.

Besides the model, this module converts from Python objects (:func:`graph_from_networkx`,
:func:`graph_from_scipy`, :meth:`Graph.from_edges`) and computes :func:`graph_fingerprint`, the identity a
session file uses to check that its positions belong to the graph it is opened with.
"""

from __future__ import annotations

import datetime
import hashlib
import logging
import math
import numbers
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from helios_app.errors import HeliosError

logger = logging.getLogger(__name__)

__all__ = [
    "LARGEST_LAYOUT_WEIGHT",
    "Graph",
    "TimeIntervals",
    "graph_fingerprint",
    "graph_from_networkx",
    "graph_from_scipy",
    "intervals_from_attributes",
    "parse_time",
    "seconds_since_epoch",
]

LARGEST_LAYOUT_WEIGHT = 1e6
"""The largest weight a layout gets: larger ones are scaled down, all by one factor (see
:meth:`Graph.layout_weights`)."""
DEFAULT_NODE_RGB = (153, 153, 153)  # the colour of a node a file gives no colour (Gephi's default grey)


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
    """Return ``weights`` as a read-only float64 ``(m,)`` array (or None), or raise HeliosError.

    Not float32, which would turn ``1e40`` into infinity and ``1e-50`` into 0.
    """
    if weights is None:
        return None
    try:
        array = np.array(weights, dtype=np.float64)  # a copy: the caller's array stays writable
    except (TypeError, ValueError) as error:
        raise _field_error("weights", f"expected numbers ({error})") from None
    if array.shape != (edge_count,):
        raise _field_error("weights", f"expected shape ({edge_count},) (one per edge), got {array.shape}")
    if not np.all(np.isfinite(array)):
        bad = int(np.flatnonzero(~np.isfinite(array))[0])
        raise _field_error("weights", f"weight of edge {bad} is {array[bad]}; weights must be finite")
    array.flags.writeable = False
    return array


def _validated_columns(name: str, columns: Any, count: int, what: str) -> dict[str, list]:
    """Return ``columns`` as a dict of lists, each ``count`` long, or raise HeliosError naming ``name``."""
    if not isinstance(columns, Mapping):
        raise _field_error(name, f"expected a dict of lists, got {type(columns).__name__}")
    result: dict[str, list] = {}
    for key, values in columns.items():
        if not isinstance(key, str):
            raise _field_error(name, f"key {key!r} is not a str")
        if isinstance(values, (str, bytes)) or not isinstance(values, (Sequence, np.ndarray)):
            raise _field_error(f"{name}[{key!r}]", f"expected a list, got {type(values).__name__}")
        if len(values) != count:
            raise _field_error(
                f"{name}[{key!r}]", f"has {len(values)} items, expected one per {what} ({count})"
            )
        result[key] = list(values)
    return result


def _validated_positions(positions: Any, node_count: int) -> np.ndarray | None:
    """Return initial positions as a read-only float64 ``(n, 2|3)`` array (or None), or raise HeliosError.

    A row is either all finite (a placed node) or all NaN (a node the source gave no position).
    """
    if positions is None:
        return None
    try:
        array = np.array(positions, dtype=np.float64, copy=True)
    except (TypeError, ValueError) as error:
        raise _field_error("initial_positions", f"expected numbers ({error})") from None
    if array.ndim != 2 or array.shape[0] != node_count or array.shape[1] not in (2, 3):
        raise _field_error(
            "initial_positions", f"expected shape ({node_count}, 2) or ({node_count}, 3), got {array.shape}"
        )
    finite = np.isfinite(array)
    unplaced = np.isnan(array).all(axis=1)
    bad = ~(finite.all(axis=1) | unplaced)
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        raise _field_error(
            "initial_positions",
            f"row {row} is {array[row].tolist()}; a row must be all finite, or all NaN for an unplaced node",
        )
    array.flags.writeable = False
    return array


def _validated_colors(colors: Any, node_count: int) -> np.ndarray | None:
    """Return node colours as a read-only uint8 ``(n, 3)`` RGB array (or None), or raise HeliosError."""
    if colors is None:
        return None
    array = np.asarray(colors)
    if array.shape != (node_count, 3):
        raise _field_error(
            "node_colors", f"expected shape ({node_count}, 3) (RGB per node), got {array.shape}"
        )
    if array.dtype != np.uint8 and (not np.issubdtype(array.dtype, np.integer) or (
            array.size and (int(array.min()) < 0 or int(array.max()) > 255))):
            raise _field_error("node_colors", f"expected integers in 0 .. 255, got dtype {array.dtype}")
    result = np.array(array, dtype=np.uint8, copy=True)
    result.flags.writeable = False
    return result


def _validated_sizes(sizes: Any, node_count: int) -> np.ndarray | None:
    """Return node sizes as a read-only float32 ``(n,)`` array (or None), or raise HeliosError.

    A size is finite and not negative, or NaN for a node the source gave no size.
    """
    if sizes is None:
        return None
    try:
        array = np.array(sizes, dtype=np.float64)
    except (TypeError, ValueError) as error:
        raise _field_error("node_sizes", f"expected numbers ({error})") from None
    if array.shape != (node_count,):
        raise _field_error("node_sizes", f"expected shape ({node_count},) (one per node), got {array.shape}")
    bad = ~(np.isnan(array) | (np.isfinite(array) & (array >= 0)))
    if bad.any():
        index = int(np.flatnonzero(bad)[0])
        raise _field_error(
            "node_sizes", f"size of node {index} is {array[index]}; sizes must be finite and >= 0"
        )
    result = array.astype(np.float32)
    result.flags.writeable = False
    return result


def _validated_edge_directed(flags: Any, edge_count: int, directed: bool) -> np.ndarray | None:
    """Return per-edge direction flags as a read-only bool ``(m,)`` array, or None, or raise HeliosError.

    None when there are none, or when every flag equals ``directed`` (the graph-level flag says it all), so
    that a graph is stored, and fingerprinted, one way whatever way it was built.
    """
    if flags is None:
        return None
    array = np.asarray(flags)
    if array.dtype != np.bool_ and array.size:  # an empty list is float64 to numpy
        raise _field_error("edge_directed", f"expected booleans (one per edge), got dtype {array.dtype}")
    if array.shape != (edge_count,):
        raise _field_error(
            "edge_directed", f"expected shape ({edge_count},) (one flag per edge), got {array.shape}"
        )
    if np.all(array == directed):
        return None
    result = array.copy()
    result.flags.writeable = False
    return result


TIME_FORMATS = ("number", "date")


@dataclass(frozen=True, eq=False)
class TimeIntervals:
    """When the elements (nodes, or edge records) of a graph are present: intervals of float time.

    One row per interval, in three parallel arrays: ``owner[i]`` is the element (a node index, or an index
    into :attr:`Graph.edges`), present during ``[start[i], end[i])``. An element may own several rows (GEXF
    spells: a node that leaves and comes back) or none: an element with no row is always present. A row with
    ``start == end`` is an instant (a timestamp), present at exactly that time. A missing start is
    ``-inf``, a missing end ``+inf``. See :mod:`helios_app.graph.timeline` for the queries.

    Parameters
    ----------
    owner : array_like of int
        Element of each interval, stored as read-only int64 ``(k,)``.
    start, end : array_like of float
        Bounds of each interval, stored as read-only float64 ``(k,)``; ``start <= end``, neither NaN.

    Raises
    ------
    HeliosError
        If the arrays differ in length, an owner is negative, a bound is NaN or an interval ends before it
        starts; the message names the row.
    """

    owner: np.ndarray
    start: np.ndarray
    end: np.ndarray

    def __post_init__(self) -> None:
        try:
            owner = np.array(self.owner, dtype=np.int64).reshape(-1)
            start = np.array(self.start, dtype=np.float64).reshape(-1)
            end = np.array(self.end, dtype=np.float64).reshape(-1)
        except (TypeError, ValueError) as error:
            raise HeliosError(f"TimeIntervals: expected integer owners and numeric bounds ({error})") \
                from None
        if not len(owner) == len(start) == len(end):
            raise HeliosError(
                f"TimeIntervals: owner, start and end have {len(owner)}, {len(start)} and {len(end)} items; "
                "expected one of each per interval"
            )
        bad = np.flatnonzero((owner < 0) | np.isnan(start) | np.isnan(end) | ~(start <= end))
        if len(bad):
            row = int(bad[0])
            raise HeliosError(
                f"TimeIntervals: interval {row} (owner {owner[row]}) is [{start[row]}, {end[row]}); an owner "
                "is a non-negative index and an interval starts at or before its end, with no NaN"
            )
        for name, array in (("owner", owner), ("start", start), ("end", end)):
            array.flags.writeable = False
            object.__setattr__(self, name, array)

    def __len__(self) -> int:
        return len(self.owner)

    def take(self, keep: Any) -> TimeIntervals:
        """Return the intervals of the kept elements, renumbered as the kept elements are.

        Parameters
        ----------
        keep : array_like of bool
            One flag per element (``node_count`` or ``edge_count`` long): the elements that stay, in order.
            Use it when a graph is copied with elements removed; elements appended later have no interval
            (always present).

        Returns
        -------
        TimeIntervals
        """
        keep = np.asarray(keep, dtype=bool)
        new_index = np.cumsum(keep) - 1
        rows = keep[self.owner]
        return TimeIntervals(new_index[self.owner[rows]], self.start[rows], self.end[rows])


def _validated_times(name: str, times: Any, count: int) -> TimeIntervals | None:
    """Return ``times`` as :class:`TimeIntervals` for ``count`` elements, None when it has no interval."""
    if times is None:
        return None
    if not isinstance(times, TimeIntervals):
        raise _field_error(name, f"expected TimeIntervals or None, got {type(times).__name__}")
    if not len(times):
        return None
    largest = int(times.owner.max())
    if largest >= count:
        row = int(np.argmax(times.owner))
        raise _field_error(name, f"interval {row} belongs to element {largest}, but there are only {count}")
    return times


def seconds_since_epoch(value: Any) -> float:
    """Return a date or time as seconds since the Unix epoch, UTC.

    Parameters
    ----------
    value : str, datetime.datetime, datetime.date or numpy.datetime64
        Text in ISO 8601 (``2009-03-01``, ``2009-03-01T10:30:00``, ``2009-03-01T10:30:00+02:00``), or a
        date or time object. A time with no time zone is taken as UTC; a date is its midnight, UTC.

    Returns
    -------
    float

    Raises
    ------
    ValueError
        If the value is not a date or time.
    """
    if isinstance(value, np.datetime64):
        if np.isnat(value):
            raise ValueError("not a time (NaT)")
        return float((value - np.datetime64(0, "s")) / np.timedelta64(1, "s"))
    if isinstance(value, str):
        value = datetime.datetime.fromisoformat(value.strip())
    if isinstance(value, datetime.datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=datetime.UTC)
        return value.timestamp()
    if isinstance(value, datetime.date):
        return datetime.datetime(value.year, value.month, value.day, tzinfo=datetime.UTC).timestamp()
    raise ValueError(f"not a date or time: {_plain(value)!r}")


def parse_time(text: str, time_format: str) -> float:
    """Return a time read from text: a finite number (``"number"``) or an ISO 8601 date (``"date"``).

    Raises
    ------
    ValueError
        If the text is not a finite number, or not a date; the message says what was expected.
    """
    if time_format == "date":
        try:
            return seconds_since_epoch(text)
        except ValueError:
            raise ValueError("is not a date (expected yyyy-mm-dd or yyyy-mm-ddThh:mm:ss)") from None
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value):
        raise ValueError("is not a finite number")
    return value


@dataclass(frozen=True, eq=False)
class Graph:
    """An immutable graph: node ids, an edge array and optional weights, attributes and encodings.

    Parameters
    ----------
    node_ids : list of str
        External id of each node as written in its source; the list index is the internal node index.
        Ids must be unique.
    edges : numpy.ndarray
        Edges as internal node indices, shape ``(m, 2)``; stored as a read-only int32 array in the order
        given, with direction kept (``u -> v``). Duplicates and self-loops are allowed here.
    weights : numpy.ndarray or None
        One finite weight per edge, stored as read-only float64, or None for an unweighted graph.
    directed : bool, default False
        Whether the source declared the graph directed; for a graph that mixes directed and undirected edges
        (see ``edge_directed``) the readers set it True.
    labels : list of str or None, default None
        Display label per node, or None when the source has none.
    node_attributes : dict of str to list, default {}
        Other per-node attributes, each a list of length ``node_count`` with None where a node has no value.
    source : str, default ""
        Where the graph came from (a path or a description).
    multigraph : bool, default False
        Whether the source declared parallel edges allowed (GML ``multigraph 1``, a networkx multigraph,
        node-link ``"multigraph": true``). Parallel edges are kept in ``edges`` either way.
    edge_attributes : dict of str to list, default {}
        Other per-edge attributes, each a list of length ``edge_count`` with None where an edge has no value.
    initial_positions : numpy.ndarray or None, default None
        Positions the source gave (GEXF ``viz:position``, GML ``graphics``, GraphML ``x``/``y``, Pajek
        coordinates), stored as a read-only float64 ``(n, 2)`` or ``(n, 3)`` array; a node with no position
        has a row of NaN. None when the source has no positions.
    node_colors : numpy.ndarray or None, default None
        RGB per node from the source (GEXF ``viz:color``, GML ``fill``), read-only uint8 ``(n, 3)``; a node
        with no colour has :data:`DEFAULT_NODE_RGB`. None when the source has no colours.
    node_sizes : numpy.ndarray or None, default None
        Size per node from the source (GEXF ``viz:size``, GML ``w``), read-only float32 ``(n,)``; NaN for a
        node with no size. None when the source has no sizes.
    node_times : TimeIntervals or None, default None
        When each node is present (GEXF spells, ``start``/``end``, timestamps; a networkx ``start``/``end``;
        an edge list's time column). A node with no interval is always present. None for a static graph
        (and for one with no interval at all).
    edge_times : TimeIntervals or None, default None
        When each edge record (a row of ``edges``) is present; the same rules.
    time_format : str, default "number"
        How the source wrote time: ``"number"``, or ``"date"`` when times are dates (stored as seconds
        since the Unix epoch, UTC), so that a user interface can show them as dates.
    edge_directed : numpy.ndarray or None, default None
        Whether each edge record (a row of ``edges``) is directed, for a source that mixes directed and
        undirected edges (GraphML ``directed``, GEXF ``type``, Pajek ``*Arcs`` with ``*Edges``); stored as a
        read-only bool ``(m,)`` array. None when every edge follows ``directed`` (flags that all equal
        ``directed`` are stored as None). Use :meth:`edge_directions` to read it.

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
    multigraph: bool = False
    edge_attributes: dict[str, list] = field(default_factory=dict)
    initial_positions: np.ndarray | None = None
    node_colors: np.ndarray | None = None
    node_sizes: np.ndarray | None = None
    node_times: TimeIntervals | None = None
    edge_times: TimeIntervals | None = None
    time_format: str = "number"
    edge_directed: np.ndarray | None = None

    def __post_init__(self) -> None:
        if isinstance(self.node_ids, (str, bytes)) or not isinstance(self.node_ids, Iterable):
            raise _field_error("node_ids", f"expected a list of strings, got {type(self.node_ids).__name__}")
        node_ids = list(self.node_ids)
        if set(map(type, node_ids)) - {str}:
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
            if set(map(type, labels)) - {str}:
                for index, label in enumerate(labels):
                    if not isinstance(label, str):
                        raise _field_error("labels", f"item {index} is {label!r}, expected a str")

        node_attributes = _validated_columns("node_attributes", self.node_attributes, node_count, "node")
        edge_attributes = _validated_columns("edge_attributes", self.edge_attributes, len(edges), "edge")
        initial_positions = _validated_positions(self.initial_positions, node_count)
        node_colors = _validated_colors(self.node_colors, node_count)
        node_sizes = _validated_sizes(self.node_sizes, node_count)
        node_times = _validated_times("node_times", self.node_times, node_count)
        edge_times = _validated_times("edge_times", self.edge_times, len(edges))
        if self.time_format not in TIME_FORMATS:
            choices = ", ".join(TIME_FORMATS)
            raise _field_error("time_format", f"{self.time_format!r}; expected one of {choices}")
        edge_directed = _validated_edge_directed(self.edge_directed, len(edges), bool(self.directed))

        object.__setattr__(self, "node_ids", node_ids)
        object.__setattr__(self, "edges", edges)
        object.__setattr__(self, "weights", weights)
        object.__setattr__(self, "directed", bool(self.directed))
        object.__setattr__(self, "labels", labels)
        object.__setattr__(self, "node_attributes", node_attributes)
        object.__setattr__(self, "source", str(self.source))
        object.__setattr__(self, "multigraph", bool(self.multigraph))
        object.__setattr__(self, "edge_attributes", edge_attributes)
        object.__setattr__(self, "initial_positions", initial_positions)
        object.__setattr__(self, "node_colors", node_colors)
        object.__setattr__(self, "node_sizes", node_sizes)
        object.__setattr__(self, "node_times", node_times)
        object.__setattr__(self, "edge_times", edge_times)
        object.__setattr__(self, "edge_directed", edge_directed)
        object.__setattr__(self, "_layout_edges", None)
        object.__setattr__(self, "_layout_edge_indices", None)
        object.__setattr__(self, "_fingerprint", None)

    def __repr__(self) -> str:
        weighted = "weighted" if self.weights is not None else "unweighted"
        kind = "directed" if self.directed else "undirected"
        if self.edge_directed is not None:
            kind = f"mixed ({int(self.edge_directed.sum())} directed edges)"
        if self.multigraph:
            kind += " multigraph"
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

    @property
    def time_range(self) -> tuple[float, float] | None:
        """The earliest and latest finite time of any node or edge interval, or None for a static graph.

        A graph whose intervals are all unbounded (no finite start or end) has no range either. With
        ``time_format == "date"`` the bounds are seconds since the Unix epoch, UTC.
        """
        times = [self.node_times, self.edge_times]
        bounds = np.concatenate([part for t in times if t is not None for part in (t.start, t.end)] or [[]])
        bounds = bounds[np.isfinite(bounds)]
        if not len(bounds):
            return None
        return float(bounds.min()), float(bounds.max())

    def edge_directions(self) -> np.ndarray:
        """Return whether each edge record (row of ``edges``) is directed, ``u -> v``.

        Returns
        -------
        numpy.ndarray
            Read-only bool array of shape ``(m,)``: ``edge_directed`` when the graph mixes directed and
            undirected edges, otherwise every flag is ``directed``.
        """
        if self.edge_directed is not None:
            return self.edge_directed
        result = np.full(self.edge_count, self.directed, dtype=bool)
        result.flags.writeable = False
        return result

    def layout_edge_indices(self) -> np.ndarray:
        """Return, for each edge record (row of ``edges``), the row of :meth:`layout_edges` it merges into.

        Returns
        -------
        numpy.ndarray
            Read-only int64 array of shape ``(m,)``; ``-1`` for a self-loop, which no layout edge carries.
            Computed once and cached.
        """
        cached = self._layout_edge_indices  # type: ignore[attr-defined]
        if cached is not None:
            return cached
        layout = self.layout_edges().astype(np.int64)
        scale = max(self.node_count, 1)
        low = np.minimum(self.edges[:, 0], self.edges[:, 1]).astype(np.int64)
        high = np.maximum(self.edges[:, 0], self.edges[:, 1]).astype(np.int64)
        result = np.searchsorted(layout[:, 0] * scale + layout[:, 1], low * scale + high)
        result[low == high] = -1
        result.flags.writeable = False
        object.__setattr__(self, "_layout_edge_indices", result)
        return result

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

    def with_node_attributes(self, columns: Mapping[str, Any]) -> Graph:
        """Return this graph with these node attribute columns added (or replaced).

        Everything else is shared with this graph, arrays and cached results alike (the attributes take no
        part in them), so the cost is the new columns' check: what a computed measure needs on a large graph.

        Raises
        ------
        HeliosError
            If a column is not one value per node.
        """
        checked = _validated_columns("node_attributes", dict(columns), self.node_count, "node")
        result = object.__new__(Graph)
        for name, value in vars(self).items():
            object.__setattr__(result, name, value)
        object.__setattr__(result, "node_attributes", {**self.node_attributes, **checked})
        return result

    def edge_weights(self, attribute: str | None = "weight") -> np.ndarray | None:
        """Return one checked weight per edge record (row of ``edges``), as the source gave it.

        Parameters
        ----------
        attribute : str or None, default "weight"
            ``"weight"``: the weights the source gave (GML ``value``/``weight``, GraphML/GEXF ``weight``,
            an edge list's third column, Matrix Market values, a networkx ``weight``); another name: that
            numeric edge attribute; None or ``"none"``: unweighted.

        Returns
        -------
        numpy.ndarray or None
            float64 ``(m,)``, or None when unweighted. A self-loop's weight is not checked (nothing uses it).

        Raises
        ------
        HeliosError
            If the attribute does not exist, or a weight is not a positive finite number (naming the edge).
        """
        if attribute is None or attribute == "none":
            return None
        if attribute == "weight" and "weight" not in self.edge_attributes:
            values = self.weights
            if values is None:
                return None
        elif attribute in self.edge_attributes:
            values = np.array([math.nan if value is None else _as_float(value) for value in self.edge_attributes[attribute]])
        else:
            names = ", ".join(["weight", *sorted(self.edge_attributes)]) if self.weights is not None else \
                ", ".join(sorted(self.edge_attributes)) or "none"
            raise HeliosError(f"{self.source or 'graph'}: no edge attribute {attribute!r} to weight by; the edges have: {names}")
        values = np.asarray(values, dtype=np.float64)
        loops = self.edges[:, 0] == self.edges[:, 1]
        bad = np.flatnonzero(~(np.isfinite(values) & (values > 0)) & ~loops)
        if len(bad):
            edge = int(bad[0])
            u, v = (self.node_ids[int(end)] for end in self.edges[edge])
            raise HeliosError(
                f"{self.source or 'graph'}: edge {edge + 1} ({u} -- {v}) has {attribute} {values[edge].item()!r}; "
                f"weights must be positive finite numbers ({len(bad)} edge(s) are not; --weight none ignores them)"
            )
        return values

    def layout_weights(self, attribute: str | None = "weight") -> np.ndarray | None:
        """Return one weight per row of :meth:`layout_edges`: parallel edges merged by summing their
        weights (both directions of a directed pair too), self-loops dropped.

        Parameters
        ----------
        attribute : str or None, default "weight"
            As for :meth:`edge_weights`.

        Returns
        -------
        numpy.ndarray or None
            float64 ``(k,)``, or None when unweighted (every edge pulls alike). Where a weight exceeds
            :data:`LARGEST_LAYOUT_WEIGHT`, every weight is divided by one factor that brings the largest to
            it: the forces keep their proportions, and the layouts stay finite (ForceAtlas2 diverges with
            weights far above it, and its positions become NaN near 1e300).

        Raises
        ------
        HeliosError
            If the attribute does not exist, or a weight is not a positive finite number (naming the edge).
        """
        values = self.edge_weights(attribute)
        if values is None:
            return None
        loops = self.edges[:, 0] == self.edges[:, 1]
        values = values[~loops]
        largest = float(values.max()) if len(values) else 0.0
        if largest > LARGEST_LAYOUT_WEIGHT:
            factor = largest / LARGEST_LAYOUT_WEIGHT
            logger.info("%s: %s up to %g; divided by %g for the layout", self.source, attribute, largest, factor)
            values = np.maximum(values / factor, np.finfo(np.float64).tiny)  # none becomes 0
        low = np.minimum(self.edges[:, 0], self.edges[:, 1]).astype(np.int64)[~loops]
        high = np.maximum(self.edges[:, 0], self.edges[:, 1]).astype(np.int64)[~loops]
        _, inverse = np.unique(low * max(self.node_count, 1) + high, return_inverse=True)
        return np.bincount(inverse.ravel(), weights=values, minlength=len(self.layout_edges()))

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
        **optional: Any,
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
        **optional
            Other fields of :class:`Graph`: ``multigraph``, ``edge_attributes``, ``initial_positions``,
            ``node_colors``, ``node_sizes``, ``node_times``, ``edge_times``, ``time_format``,
            ``edge_directed``.

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
        unknown = sorted(set(optional) - _OPTIONAL_FIELDS)
        if unknown:
            raise HeliosError(
                f"Graph.from_edges: unknown argument(s) {', '.join(unknown)}; "
                f"choose from {', '.join(sorted(_OPTIONAL_FIELDS))}"
            )
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
            **optional,
        )


_OPTIONAL_FIELDS = {
    "multigraph", "edge_attributes", "initial_positions", "node_colors", "node_sizes",
    "node_times", "edge_times", "time_format", "edge_directed",
}  # fmt: skip
_SCALAR_TYPES = (str, int, float, bool, np.generic)
_FINGERPRINT_VERSION = "helios-graph-v1"


def _plain(value: Any) -> Any:
    """Return numpy scalars (also inside a list or tuple) as plain Python values, for messages.

    numpy 2 shows ``np.float64(-1.0)`` where a message should say ``-1.0``.
    """
    if isinstance(value, (list, tuple)):
        return type(value)(map(_plain, value))
    return value.item() if isinstance(value, np.generic) else value


def _as_float(value: Any) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return math.nan


def graph_fingerprint(graph: Graph) -> str:
    """Return a short, stable identity of a graph's structure.

    The fingerprint covers what positions depend on: the node ids in order, the edge records in order and
    whether the graph is directed (and, for a graph that mixes directed and undirected edges, each edge's
    flag: hashed after the rest, so a graph whose edges are all one kind keeps the fingerprint it had before
    per-edge direction existed). Weights, labels, attributes and encodings are left out, so re-saving a
    graph with other attributes keeps its sessions valid. Computed once per graph and cached.

    Parameters
    ----------
    graph : Graph

    Returns
    -------
    str
        ``"sha256:"`` followed by 32 hex digits, e.g. ``"sha256:3f9a..."``.

    Examples
    --------
    >>> graph_fingerprint(Graph.from_edges([[0, 1]])) == graph_fingerprint(Graph.from_edges([[0, 1]]))
    True
    """
    cached = graph._fingerprint  # type: ignore[attr-defined]
    if cached is not None:
        return cached
    digest = hashlib.sha256()
    header = f"{_FINGERPRINT_VERSION}\n{graph.node_count}\n{graph.edge_count}\n{int(graph.directed)}\n"
    digest.update(header.encode())
    for start in range(0, graph.node_count, 65536):
        chunk = graph.node_ids[start : start + 65536]
        digest.update("\x00".join(chunk).encode("utf-8", "surrogatepass"))
        digest.update(b"\x00")
    digest.update(graph.edges.astype("<i4", copy=False).tobytes())
    if graph.edge_directed is not None:
        digest.update(b"\nedge_directed\n")
        digest.update(np.packbits(graph.edge_directed).tobytes())
    result = "sha256:" + digest.hexdigest()[:32]
    object.__setattr__(graph, "_fingerprint", result)
    return result


def _scalar_columns(records: list[Mapping], skip: set[str]) -> dict[str, list]:
    """Columns of the scalar values in ``records`` (dicts), None where a record has no (scalar) value."""
    names: dict[str, None] = {}
    for data in records:
        for name, value in data.items():
            if name not in skip and isinstance(value, _SCALAR_TYPES):
                names.setdefault(str(name), None)
    columns = {}
    for name in names:
        values = [data.get(name) for data in records]
        columns[name] = [value.item() if isinstance(value, np.generic) else value for value in values]
        columns[name] = [value if isinstance(value, _SCALAR_TYPES) else None for value in columns[name]]
    return columns


def _networkx_positions(node_data: list[Mapping]) -> np.ndarray | None:
    """Initial positions from a ``pos`` (a 2- or 3-sequence) or a GEXF ``viz`` position on the nodes."""
    rows: list[Any] = []
    dimensions = 2
    found = False
    for data in node_data:
        position = data.get("pos")
        if position is None and isinstance(data.get("viz"), Mapping):
            viz_position = data["viz"].get("position")
            if isinstance(viz_position, Mapping):
                position = [viz_position.get(axis, 0.0) for axis in ("x", "y", "z")]
        try:
            row = [float(value) for value in position] if position is not None else None
        except (TypeError, ValueError):
            row = None
        if row is None or len(row) not in (2, 3) or not all(math.isfinite(value) for value in row):
            rows.append(None)
            continue
        found = True
        if len(row) == 3 and row[2] != 0.0:
            dimensions = 3
        rows.append(row)
    if not found:
        return None
    positions = np.full((len(rows), dimensions), np.nan)
    for index, row in enumerate(rows):
        if row is not None:
            positions[index, : min(len(row), dimensions)] = row[:dimensions]
            if len(row) < dimensions:
                positions[index, 2] = 0.0
    return positions


TIME_ATTRIBUTES = ("spells", "start", "end", "time", "timestamp")


def _attribute_time(value: Any) -> tuple[float, bool]:
    """One time attribute value as ``(time, is_date)``: a number, or a date (object or ISO 8601 text)."""
    if isinstance(value, numbers.Real) and not isinstance(value, bool):
        if math.isfinite(float(value)):
            return float(value), False
    elif isinstance(value, str) and math.isfinite(_as_float(value)):
        return float(value), False
    elif isinstance(value, (str, datetime.date, np.datetime64)):
        try:
            return seconds_since_epoch(value), True
        except ValueError:
            pass
    raise ValueError(f"{_plain(value)!r} is neither a finite number nor a date")


def _attribute_intervals(data: Mapping) -> list[tuple[float, float, bool | None]]:
    """The intervals the time attributes of one node or edge give: ``(start, end, is_date)``.

    Each of ``spells`` (a list of ``(start, end)`` pairs), ``start``/``end`` (one interval) and ``time`` or
    ``timestamp`` (an instant, or a list of instants) adds intervals; a None bound is unbounded. is_date is
    None for an interval with no bound. Raises ValueError with a message that starts with the attribute.
    """
    groups: list[tuple[str, Any]] = []
    if data.get("spells") is not None:
        groups.append(("spells", data["spells"]))
    if data.get("start") is not None or data.get("end") is not None:
        groups.append(("start/end", [(data.get("start"), data.get("end"))]))
    for key in ("time", "timestamp"):
        if data.get(key) is not None:
            instants = data[key] if isinstance(data[key], (list, tuple)) else [data[key]]
            groups.append((key, [(instant, instant) for instant in instants]))
    rows: list[tuple[float, float, bool | None]] = []
    for key, pairs in groups:
        if isinstance(pairs, (str, bytes)) or not isinstance(pairs, Sequence):
            pairs = [pairs]  # refused just below, as a pair that is not one
        for pair in pairs:
            if isinstance(pair, (str, bytes)) or not isinstance(pair, Sequence) or len(pair) != 2:
                raise ValueError(f"{key} {_plain(pairs)!r}: expected (start, end) pairs")
            bounds, kinds = [-math.inf, math.inf], set()
            for side, value in enumerate(pair):
                if value is not None:
                    try:
                        bounds[side], is_date = _attribute_time(value)
                    except ValueError as error:
                        raise ValueError(f"{key} {error}") from None
                    kinds.add(is_date)
            if len(kinds) > 1:
                raise ValueError(f"{key} {_plain(tuple(pair))!r} has one bound a number and one a date")
            if bounds[1] < bounds[0]:
                raise ValueError(f"{key} {_plain(tuple(pair))!r} ends before it starts")
            rows.append((bounds[0], bounds[1], kinds.pop() if kinds else None))
    return rows


def intervals_from_attributes(
    records: Sequence[Mapping], error: Callable[[int, str], HeliosError], kinds: set[bool]
) -> TimeIntervals | None:
    """Read the time attributes (:data:`TIME_ATTRIBUTES`) of nodes or edges given as attribute dicts.

    Used for networkx graphs and for node-link JSON; see :func:`graph_from_networkx` for the rules.

    Parameters
    ----------
    records : sequence of dict
        One attribute dict per element.
    error : callable
        ``error(index, message)`` builds the exception for element ``index``.
    kinds : set of bool
        Whether the times seen so far were dates (True) or numbers (False); updated, so that one set shared
        by the nodes and the edges refuses a graph that mixes the two.

    Returns
    -------
    TimeIntervals or None
        None when no element has a time attribute.
    """
    owners, starts, ends = [], [], []
    for index, data in enumerate(records):
        if not any(key in data for key in TIME_ATTRIBUTES):
            continue
        try:
            rows = _attribute_intervals(data)
        except ValueError as problem:
            raise error(index, str(problem)) from None
        for start, end, is_date in rows:
            if is_date is not None and kinds and is_date not in kinds:
                given, other = ("dates", "numbers") if is_date else ("numbers", "dates")
                problem = f"gives time as {given}, but other nodes or edges give {other}; use one kind"
                raise error(index, problem)
            if is_date is not None:
                kinds.add(is_date)
            owners.append(index)
            starts.append(start)
            ends.append(end)
    return TimeIntervals(owners, starts, ends) if owners else None


def graph_from_networkx(nx_graph: Any, *, source: str = "") -> Graph:
    """Convert a networkx graph (any of the four graph classes) to a :class:`Graph`.

    Parameters
    ----------
    nx_graph : networkx.Graph
        The graph. Node ids become ``str(node)``; a node ``'label'`` attribute becomes the label (the id
        where a node has none); a node ``'pos'`` (or a ``read_gexf`` ``'viz'`` position) becomes the initial
        position; other scalar node attributes go to ``node_attributes``; an edge ``'weight'`` attribute
        becomes the weight (1.0 where an edge has none) and other scalar edge attributes go to
        ``edge_attributes``. Parallel edges of a multigraph are kept and ``multigraph`` is set.
        Time (nodes and edges alike): ``spells``, a list of ``(start, end)`` pairs (what networkx's
        ``read_gexf`` gives a dynamic GEXF file), ``start`` and/or ``end`` (one interval), and ``time`` or
        ``timestamp`` (an instant, or a list of instants) each add intervals. A bound is a number, a
        ``datetime``, ``date`` or ``numpy.datetime64``, or ISO 8601 text (dates become seconds since the Unix
        epoch, UTC, and ``time_format`` is ``"date"``); a None bound is unbounded. These five attributes are
        never copied to ``node_attributes`` or ``edge_attributes``.
    source : str, default ""
        Where the graph came from; by default a description of ``nx_graph``.

    Returns
    -------
    Graph

    Raises
    ------
    HeliosError
        If two nodes have the same ``str()``, a weight is not a finite number, or a time is neither a number
        nor a date or ends before it starts (naming the node or edge).
    """
    nodes = list(nx_graph.nodes)
    index_of = {node: index for index, node in enumerate(nodes)}
    node_ids = [str(node) for node in nodes]
    if len(set(node_ids)) != len(node_ids):
        seen: dict[str, Any] = {}
        for node in nodes:
            if str(node) in seen:
                raise HeliosError(
                    f"networkx graph: nodes {_plain(seen[str(node)])!r} and {_plain(node)!r} have the same id "
                    f"{str(node)!r}"
                )
            seen[str(node)] = node

    node_data = [nx_graph.nodes[node] for node in nodes]
    labels = None
    if any("label" in data for data in node_data):
        labels = [str(data.get("label", node_id)) for data, node_id in zip(node_data, node_ids)]
    node_attributes = _scalar_columns(node_data, {"label", *TIME_ATTRIBUTES})

    edge_rows = list(nx_graph.edges(data=True))
    edges = np.array([(index_of[u], index_of[v]) for u, v, _ in edge_rows], dtype=np.int64).reshape(-1, 2)
    weights = None
    if any("weight" in data for _, _, data in edge_rows):
        weight_values = []
        for u, v, data in edge_rows:
            value = data.get("weight", 1.0)
            try:
                weight = float(value)
            except (TypeError, ValueError):
                weight = math.nan
            if not math.isfinite(weight):
                raise HeliosError(
                    f"networkx graph: edge ({_plain(u)!r}, {_plain(v)!r}) has weight {_plain(value)!r}, which is "
                    "not a finite number"
                )
            weight_values.append(weight)
        weights = np.array(weight_values, dtype=np.float64)
    edge_attributes = _scalar_columns([data for _, _, data in edge_rows], {"weight", *TIME_ATTRIBUTES})
    kinds: set[bool] = set()
    node_times = intervals_from_attributes(
        node_data,
        lambda index, message: HeliosError(f"networkx graph: node {_plain(nodes[index])!r}: {message}"),
        kinds,
    )
    edge_times = intervals_from_attributes(
        [data for _, _, data in edge_rows],
        lambda index, message: HeliosError(
            f"networkx graph: edge ({_plain(edge_rows[index][0])!r}, {_plain(edge_rows[index][1])!r}): {message}"
        ),
        kinds,
    )
    description = source or f"networkx {type(nx_graph).__name__}"
    return Graph(
        node_ids=node_ids,
        edges=edges,
        weights=weights,
        directed=bool(nx_graph.is_directed()),
        labels=labels,
        node_attributes=node_attributes,
        source=description,
        multigraph=bool(nx_graph.is_multigraph()),
        edge_attributes=edge_attributes,
        initial_positions=_networkx_positions(node_data),
        node_times=node_times,
        edge_times=edge_times,
        time_format="date" if True in kinds else "number",
    )


def graph_from_scipy(
    matrix: Any, *, directed: bool | None = None, node_ids: Sequence[str] | None = None, source: str = ""
) -> Graph:
    """Convert a square scipy sparse (or dense numpy) adjacency matrix to a :class:`Graph`.

    Parameters
    ----------
    matrix : scipy.sparse matrix or array, or numpy.ndarray
        ``matrix[i, j] != 0`` is an edge ``i -> j`` with that weight. Explicitly stored zeros are dropped.
    directed : bool, optional
        By default the graph is directed exactly when the matrix is not symmetric. An undirected graph keeps
        one record per pair (the upper triangle, diagonal included); a directed one keeps every entry.
    node_ids : sequence of str, optional
        Ids of the rows; by default ``"0"`` .. ``str(n - 1)``.
    source : str, default ""
        Where the matrix came from.

    Returns
    -------
    Graph
        Weighted unless every stored value is 1.

    Raises
    ------
    HeliosError
        If the matrix is not square, not numeric, or holds a value that is not finite.
    """
    import scipy.sparse

    if not scipy.sparse.issparse(matrix):
        try:
            array = np.asarray(matrix)
        except (TypeError, ValueError) as error:
            raise HeliosError(
                f"graph_from_scipy: expected a sparse matrix, got {type(matrix).__name__}"
            ) from error
        if array.ndim != 2:
            raise HeliosError(f"graph_from_scipy: expected a 2-D matrix, got shape {array.shape}")
        matrix = scipy.sparse.coo_array(array)
    if matrix.ndim != 2 or matrix.shape[0] != matrix.shape[1]:
        raise HeliosError(f"graph_from_scipy: an adjacency matrix must be square, got shape {matrix.shape}")
    if not (np.issubdtype(matrix.dtype, np.number) or matrix.dtype == np.bool_) or np.issubdtype(
        matrix.dtype, np.complexfloating
    ):
        raise HeliosError(f"graph_from_scipy: expected real numbers, got dtype {matrix.dtype}")
    coo = scipy.sparse.coo_array(matrix)
    coo.sum_duplicates()
    keep = coo.data != 0
    rows, columns = coo.coords[0][keep].astype(np.int64), coo.coords[1][keep].astype(np.int64)
    values = coo.data[keep].astype(np.float64)
    if not np.all(np.isfinite(values)):
        bad = int(np.flatnonzero(~np.isfinite(values))[0])
        raise HeliosError(
            f"graph_from_scipy: entry ({rows[bad]}, {columns[bad]}) is {values[bad]}; weights must be finite"
        )
    if directed is None:
        transposed = scipy.sparse.coo_array((values, (columns, rows)), shape=coo.shape).tocsr()
        straight = scipy.sparse.coo_array((values, (rows, columns)), shape=coo.shape).tocsr()
        directed = (straight != transposed).nnz > 0
    if not directed:
        upper = rows <= columns
        rows, columns, values = rows[upper], columns[upper], values[upper]
    order = np.lexsort((columns, rows))
    rows, columns, values = rows[order], columns[order], values[order]
    weights = None if np.all(values == 1.0) else values
    return Graph.from_edges(
        np.stack([rows, columns], axis=1),
        node_count=int(coo.shape[0]),
        weights=weights,
        directed=bool(directed),
        node_ids=node_ids,
        source=source or f"scipy {type(matrix).__name__} {coo.shape[0]}x{coo.shape[1]}",
    )
