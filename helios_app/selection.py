"""The view's node selection as plain numpy: which nodes an area on the picture holds, how a new choice
combines with the current selection, and the summary the info panel shows.

The selection is a sorted int64 array of node indices, owned by :class:`helios_app.session.ViewSession`;
everything here is a pure function of arrays, so it is tested without a scene.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from helios_app.graph import Graph

MODES = ("replace", "add", "remove", "toggle")
TOP_NODES = 5  # the summary's top nodes by degree
POLYGON_CHUNK = 65_536  # nodes tested against a polygon at a time (bounds the temporary arrays)


def inside_polygon(points: np.ndarray, polygon: np.ndarray) -> np.ndarray:
    """Which of ``points`` (n, 2) lie inside ``polygon`` (k, 2), by the even-odd rule (a box is 4 corners).

    A point on an edge may fall either side; the polygon closes itself (last corner back to the first).
    """
    points = np.asarray(points, dtype=np.float64).reshape(-1, 2)
    polygon = np.asarray(polygon, dtype=np.float64).reshape(-1, 2)
    inside = np.zeros(len(points), dtype=bool)
    if len(polygon) < 3:
        return inside
    start, end = polygon, np.roll(polygon, -1, axis=0)
    for first in range(0, len(points), POLYGON_CHUNK):
        x = points[first:first + POLYGON_CHUNK, 0][:, None]
        y = points[first:first + POLYGON_CHUNK, 1][:, None]
        straddles = (start[:, 1] > y) != (end[:, 1] > y)
        with np.errstate(divide="ignore", invalid="ignore"):
            crossing_x = start[:, 0] + (y - start[:, 1]) * (end[:, 0] - start[:, 0]) / (end[:, 1] - start[:, 1])
        crossings = straddles & (x < crossing_x)
        inside[first:first + POLYGON_CHUNK] = (np.count_nonzero(crossings, axis=1) % 2) == 1
    return inside


def combined(current: np.ndarray, chosen: Any, mode: str) -> np.ndarray:
    """The selection after choosing ``chosen`` (node indices) with ``mode``: ``replace``, ``add``,
    ``remove``, or ``toggle`` (each chosen node flips)."""
    chosen = np.unique(np.asarray(chosen, dtype=np.int64).reshape(-1))
    if mode == "replace":
        return chosen
    if mode == "add":
        return np.union1d(current, chosen)
    if mode == "remove":
        return np.setdiff1d(current, chosen)
    if mode == "toggle":
        return np.setxor1d(current, chosen)
    raise ValueError(f"selection mode must be one of {', '.join(MODES)}, got {mode!r}")


def summary(nodes: np.ndarray, node_ids: list[str], texts: list[str], node_degrees: np.ndarray,
            measures: dict[str, np.ndarray]) -> dict[str, Any]:
    """What the info panel shows of a selection: its top nodes by degree, and each measure's range and mean
    over it (NaN values left out)."""
    top = nodes[np.argsort(-node_degrees[nodes], kind="stable")[:TOP_NODES]] if len(nodes) else nodes
    ranges = {}
    for name, values in measures.items():
        chosen = values[nodes] if len(nodes) else values[:0]
        chosen = chosen[np.isfinite(chosen)]
        if len(chosen):
            ranges[name] = {"min": float(chosen.min()), "max": float(chosen.max()), "mean": float(chosen.mean())}
    return {
        "top": [{"node": int(node), "id": node_ids[node], "label": texts[node], "degree": int(node_degrees[node])}
                for node in top],
        "measures": ranges,
    }


def induced_subgraph(graph: Graph, nodes: Any) -> Graph:
    """The graph of ``nodes`` (indices) and the edge records between them, with everything the records and
    nodes carry (labels, attributes, weights, colours, sizes, positions, times, direction)."""
    nodes = np.unique(np.asarray(nodes, dtype=np.int64).reshape(-1))
    new_index = np.full(graph.node_count, -1, dtype=np.int64)
    new_index[nodes] = np.arange(len(nodes))
    kept = (new_index[graph.edges[:, 0]] >= 0) & (new_index[graph.edges[:, 1]] >= 0)
    records = np.flatnonzero(kept)

    def rows(array: np.ndarray | None, chosen: np.ndarray) -> np.ndarray | None:
        return None if array is None else np.asarray(array)[chosen]

    return Graph(
        node_ids=[graph.node_ids[node] for node in nodes],
        edges=new_index[graph.edges[records]],
        weights=rows(graph.weights, records),
        directed=graph.directed,
        labels=None if graph.labels is None else [graph.labels[node] for node in nodes],
        node_attributes={name: [values[node] for node in nodes] for name, values in graph.node_attributes.items()},
        source=f"selection of {graph.source or 'a graph'}",
        multigraph=graph.multigraph,
        edge_attributes={name: [values[record] for record in records] for name, values in graph.edge_attributes.items()},
        initial_positions=rows(graph.initial_positions, nodes),
        node_colors=rows(graph.node_colors, nodes),
        node_sizes=rows(graph.node_sizes, nodes),
        node_times=None if graph.node_times is None else graph.node_times.take(new_index >= 0),
        edge_times=None if graph.edge_times is None else graph.edge_times.take(kept),
        time_format=graph.time_format,
        edge_directed=rows(graph.edge_directed, records),
    )
