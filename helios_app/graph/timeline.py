"""Which nodes and edges of a dynamic graph are present at a time, or during a window of time.

The data are a :class:`~helios_app.graph.Graph`'s ``node_times`` and ``edge_times`` (see
:class:`~helios_app.graph.TimeIntervals`); this module only asks them questions, with numpy and no VTK, so
the render loop, the web server and tests can all use it.

Semantics
---------
* An interval ``[start, end)`` is half-open: present at ``start``, gone at ``end``. A missing start is
  ``-inf``, a missing end ``+inf``.
* An instant (a timestamp, an edge list's time; stored as ``start == end``) is present at exactly that
  time and at no other.
* An element (node or edge record) with several intervals is present when any of them is; one with no
  interval at all is always present, so a static graph is entirely present at every time.
* ``at=t`` asks about one time; ``window=(t0, t1)`` about the closed window ``[t0, t1]``: an interval that
  overlaps it counts (``start <= t1`` and ``end > t0``), and so does an instant inside it
  (``t0 <= t <= t1``). ``at=t`` is the same as ``window=(t, t)``.
* An edge is shown when it is present and both its ends are. A row of
  :meth:`~helios_app.graph.Graph.layout_edges` (parallel records merged, self-loops dropped) is shown when
  any of its records is.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from helios_app.errors import HeliosError, shown

if TYPE_CHECKING:
    from helios_app.graph import Graph, TimeIntervals

__all__ = ["active_edge_records", "active_edges", "active_nodes", "node_count_at", "time_range"]


def time_range(graph: Graph) -> tuple[float, float] | None:
    """Return the earliest and latest finite time in ``graph``, or None for a static graph.

    The same as :attr:`Graph.time_range <helios_app.graph.Graph.time_range>`.
    """
    return graph.time_range


def _window(at: float | None, window: tuple[float, float] | None) -> tuple[float, float] | None:
    """The query as a closed window ``(t0, t1)``, or None for "no time filter"; raise for a bad one."""
    if at is not None and window is not None:
        raise HeliosError("give a time (at=) or a window (window=), not both")
    if at is not None:
        window = (at, at)
    if window is None:
        return None
    try:
        first, last = (float(bound) for bound in window)
    except (TypeError, ValueError):
        raise HeliosError(f"a time window is two numbers (t0, t1), got {shown(window)}") from None
    if math.isnan(first) or math.isnan(last) or first > last:
        raise HeliosError(f"time window {shown(window)}: expected two numbers with t0 <= t1")
    return first, last


def _present(times: TimeIntervals | None, count: int, window: tuple[float, float] | None) -> np.ndarray:
    """One flag per element: present during ``window`` (everything when ``window`` or ``times`` is None)."""
    if window is None or times is None:
        return np.ones(count, dtype=bool)
    first, last = window
    overlapping = (times.start <= last) & ((times.end > first) | (times.start >= first))
    present = np.ones(count, dtype=bool)
    present[times.owner] = False  # an element with intervals is present only when one of them is
    present[times.owner[overlapping]] = True
    return present


def active_nodes(
    graph: Graph, at: float | None = None, window: tuple[float, float] | None = None
) -> np.ndarray:
    """Return which nodes are present at time ``at``, or during the closed ``window`` ``(t0, t1)``.

    Parameters
    ----------
    graph : Graph
    at : float, optional
        A time (seconds since the Unix epoch when ``graph.time_format == "date"``).
    window : tuple of float, optional
        ``(t0, t1)`` with ``t0 <= t1``. With neither ``at`` nor ``window`` every node is present.

    Returns
    -------
    numpy.ndarray
        bool ``(node_count,)``.

    Raises
    ------
    HeliosError
        If both ``at`` and ``window`` are given, or the window is not two numbers in order.
    """
    return _present(graph.node_times, graph.node_count, _window(at, window))


def active_edge_records(
    graph: Graph, at: float | None = None, window: tuple[float, float] | None = None
) -> np.ndarray:
    """Return which edge records (rows of ``graph.edges``) are shown: present, and both ends present.

    Parameters and errors as :func:`active_nodes`.

    Returns
    -------
    numpy.ndarray
        bool ``(edge_count,)``.
    """
    query = _window(at, window)
    nodes = _present(graph.node_times, graph.node_count, query)
    records = _present(graph.edge_times, graph.edge_count, query)
    return records & nodes[graph.edges[:, 0]] & nodes[graph.edges[:, 1]]


def active_edges(
    graph: Graph, at: float | None = None, window: tuple[float, float] | None = None
) -> np.ndarray:
    """Return which rows of :meth:`Graph.layout_edges` are shown: any of their records is shown.

    Parameters and errors as :func:`active_nodes`.

    Returns
    -------
    numpy.ndarray
        bool ``(len(graph.layout_edges()),)``.
    """
    records = active_edge_records(graph, at, window)
    indices = graph.layout_edge_indices()
    shown = np.zeros(len(graph.layout_edges()), dtype=bool)
    shown[indices[records & (indices >= 0)]] = True
    return shown


def node_count_at(graph: Graph, at: float) -> int:
    """Return how many nodes are present at time ``at`` (every node of a static graph)."""
    return int(np.count_nonzero(active_nodes(graph, at=at)))
