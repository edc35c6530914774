"""Live graph edits by node id: what an edit is, the graph it makes, and the edit that undoes it.

A :class:`GraphEdit` names nodes by their id text, so it means the same thing after a restart: the view
keeps its edits in its history and its autosaved session, and a resumed view replays them on the graph read
from the file. :func:`apply_edit` makes the edited graph, in four steps in this order: append the new nodes,
remove the listed edges (every edge between each listed pair, either direction), append the new edges, then
remove the listed nodes and their edges (later nodes shift down, as the layout's nodes do).
:func:`inverse_edit` is the edit that brings the graph back, with the removed nodes' labels, attributes and
positions and the removed edges' weights and attributes; the nodes it brings back are appended, so the
graph it makes holds the same nodes and edges as before in another order.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from helios_app.errors import HeliosError
from helios_app.graph import Graph

__all__ = ["MAX_EDIT_ITEMS", "GraphEdit", "apply_edit", "inverse_edit"]

MAX_EDIT_ITEMS = 1_000_000  # nodes or edges one edit of a session file may list


@dataclass(frozen=True)
class GraphEdit:
    """Nodes and edges to add and remove, by id.

    ``node_rows`` (one per added node, or none) and ``edge_rows`` (one per added edge, or none) carry what
    an undo brings back: ``{"label": str, "attributes": {...}, "position": [x, y(, z)]}`` and ``{"weight":
    float, "attributes": {...}, "directed": bool}``; missing keys take the defaults (the id as label, no
    attributes, a place next to the neighbours, weight 1, the graph's ``directed``).
    """

    add_nodes: tuple[str, ...] = ()
    remove_edges: tuple[tuple[str, str], ...] = ()
    add_edges: tuple[tuple[str, str], ...] = ()
    remove_nodes: tuple[str, ...] = ()
    node_rows: tuple[dict[str, Any], ...] = ()
    edge_rows: tuple[dict[str, Any], ...] = field(default=())

    def __bool__(self) -> bool:
        return bool(self.add_nodes or self.remove_edges or self.add_edges or self.remove_nodes)

    def summary(self) -> str:
        """``added 2 nodes and 3 edges`` and the like, for the history panel."""
        parts = [f"{verb} {len(items)} {noun}{'s' if len(items) != 1 else ''}"
                 for verb, items, noun in (("added", self.add_nodes, "node"), ("added", self.add_edges, "edge"),
                                           ("removed", self.remove_nodes, "node"),
                                           ("removed", self.remove_edges, "edge pair"))
                 if items]
        return ", ".join(parts) or "no change"

    def as_dict(self) -> dict[str, Any]:
        return {"add_nodes": list(self.add_nodes), "remove_edges": [list(pair) for pair in self.remove_edges],
                "add_edges": [list(pair) for pair in self.add_edges], "remove_nodes": list(self.remove_nodes),
                "node_rows": list(self.node_rows), "edge_rows": list(self.edge_rows)}

    @classmethod
    def from_dict(cls, data: Any, where: str = "edit") -> GraphEdit:
        """An edit from :meth:`as_dict`'s JSON; a HeliosError names the field that is wrong."""
        if not isinstance(data, dict):
            raise HeliosError(f"{where} must be an object")
        unknown = sorted(set(data) - {"add_nodes", "remove_edges", "add_edges", "remove_nodes", "node_rows",
                                      "edge_rows"})
        if unknown:
            raise HeliosError(f"{where}: unknown field {unknown[0]!r}")

        def items(name: str) -> list:
            value = data.get(name, [])
            if not isinstance(value, list) or len(value) > MAX_EDIT_ITEMS:
                raise HeliosError(f"{where}.{name} must be a list of at most {MAX_EDIT_ITEMS:,} items")
            return value

        def ids(name: str) -> tuple[str, ...]:
            value = items(name)
            if not all(isinstance(item, str) for item in value):
                raise HeliosError(f"{where}.{name} must list node ids (strings)")
            return tuple(value)

        def pairs(name: str) -> tuple[tuple[str, str], ...]:
            value = items(name)
            if not all(isinstance(pair, list) and len(pair) == 2 and all(isinstance(end, str) for end in pair)
                       for pair in value):
                raise HeliosError(f"{where}.{name} must list [source, target] pairs of node ids")
            return tuple((pair[0], pair[1]) for pair in value)

        def rows(name: str, count: int) -> tuple[dict, ...]:
            value = items(name)
            if value and (len(value) != count or not all(isinstance(row, dict) for row in value)):
                raise HeliosError(f"{where}.{name} must be empty or hold one object per added item ({count})")
            for number, row in enumerate(value):
                _check_row(row, f"{where}.{name}[{number}]")
            return tuple(value)

        add_nodes, add_edges = ids("add_nodes"), pairs("add_edges")
        return cls(add_nodes, pairs("remove_edges"), add_edges, ids("remove_nodes"),
                   rows("node_rows", len(add_nodes)), rows("edge_rows", len(add_edges)))


def _check_row(row: dict, where: str) -> None:
    """A node or edge row of a session file's edit, checked before anything applies it: what the graph
    takes from it (a label, attributes, a position, a weight, a direction) has the type the graph keeps.

    A weight must be a finite number; whether it may be 0 or negative is the graph's matter (a file's own
    weights may be, viewed with ``--weight none``, and an undo brings them back): see
    :func:`helios_app.io.session_file.load_session`."""
    if "label" in row and not isinstance(row["label"], str):
        raise HeliosError(f"{where}.label must be text, got {_short(row['label'])}")
    attributes = row.get("attributes", {})
    if not isinstance(attributes, dict):
        raise HeliosError(f"{where}.attributes must map names to values, got {_short(attributes)}")
    for name, value in attributes.items():
        if not (value is None or isinstance(value, (str, bool)) or _is_number(value)):
            raise HeliosError(f"{where}.attributes[{name!r}] is {_short(value)}; an attribute value is text, "
                              "a finite number, true, false or null")
    if "position" in row and row["position"] is not None and not (
            isinstance(row["position"], list) and len(row["position"]) in (2, 3)
            and all(_is_number(number) for number in row["position"])):
        raise HeliosError(f"{where}.position must be 2 or 3 finite numbers, got {_short(row['position'])}")
    if "weight" in row and not _is_number(row["weight"]):
        raise HeliosError(f"{where}.weight is {_short(row['weight'])}; a weight is a finite number")
    if "directed" in row and not isinstance(row["directed"], bool):
        raise HeliosError(f"{where}.directed must be true or false, got {_short(row['directed'])}")


def _is_number(value: Any) -> bool:
    """A finite int or float (not a bool), an integer too big for a float excluded."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return False
    try:
        return math.isfinite(value)
    except OverflowError:
        return False


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


@dataclass(frozen=True)
class LayoutChange:
    """The same edit in the layout's terms: nodes appended (with positions, or None), nodes removed (indices
    in the graph after the appending), and the layout edges of the edited graph."""

    appended: int
    appended_positions: np.ndarray | None
    removed_nodes: np.ndarray


def _pair_keys(pairs: np.ndarray, node_count: int) -> np.ndarray:
    pairs = np.asarray(pairs, dtype=np.int64).reshape(-1, 2)
    return pairs.min(axis=1) * max(node_count, 1) + pairs.max(axis=1)


def _indices(index_of: dict[str, int], ids: Any, what: str) -> np.ndarray:
    result = []
    for node_id in ids:
        index = index_of.get(node_id)
        if index is None:
            raise HeliosError(f"{what}: no node {node_id!r} in this view")
        result.append(index)
    return np.array(result, dtype=np.int64)


def apply_edit(graph: Graph, edit: GraphEdit, dimensions: int = 2) -> tuple[Graph, LayoutChange]:
    """The edited graph and the change to make to its layout; a HeliosError names an id that is wrong."""
    index_of = {node_id: index for index, node_id in enumerate(graph.node_ids)}
    for node_id in edit.add_nodes:
        if node_id in index_of:
            raise HeliosError(f"node {node_id!r} is already in this view")
        index_of[node_id] = len(index_of)
    if len(index_of) != graph.node_count + len(edit.add_nodes):
        raise HeliosError("an edit adds the same node twice")
    node_count = len(index_of)
    appended = len(edit.add_nodes)
    node_rows = edit.node_rows or tuple({} for _ in edit.add_nodes)
    edge_rows = edit.edge_rows or tuple({} for _ in edit.add_edges)

    edges = np.asarray(graph.edges, dtype=np.int64)
    keep = np.ones(len(edges), dtype=bool)
    if edit.remove_edges:
        wanted = _pair_keys(_indices(index_of, [end for pair in edit.remove_edges for end in pair], "remove_edges"),
                            node_count)
        keys = _pair_keys(edges, node_count)
        absent = wanted[~np.isin(wanted, keys)]
        if len(absent):
            low, high = divmod(int(absent[0]), node_count)
            ids = list(index_of)
            raise HeliosError(f"no edge between nodes {ids[low]!r} and {ids[high]!r}")
        keep &= ~np.isin(keys, wanted)
    added = _indices(index_of, [end for pair in edit.add_edges for end in pair], "add_edges").reshape(-1, 2)
    edges = np.concatenate([edges[keep], added])
    added_weights = [float(row.get("weight", 1.0)) for row in edge_rows]
    weights = None
    if graph.weights is not None or any(weight != 1.0 for weight in added_weights):
        old = graph.weights if graph.weights is not None else np.ones(graph.edge_count)
        weights = np.concatenate([np.asarray(old, dtype=np.float64)[keep], np.array(added_weights, dtype=np.float64)])
    edge_names = set(graph.edge_attributes) | {name for row in edge_rows for name in row.get("attributes", {})}
    edge_attributes = {
        name: [value for value, kept in zip(graph.edge_attributes.get(name, [None] * len(keep)), keep) if kept]
        + [row.get("attributes", {}).get(name) for row in edge_rows]
        for name in edge_names
    }
    ids = graph.node_ids + list(edit.add_nodes)
    labels = None
    if graph.labels is not None or any("label" in row for row in node_rows):
        old_labels = graph.labels if graph.labels is not None else list(graph.node_ids)
        labels = old_labels + [str(row.get("label", node_id)) for node_id, row in zip(edit.add_nodes, node_rows)]
    node_names = set(graph.node_attributes) | {name for row in node_rows for name in row.get("attributes", {})}
    node_attributes = {
        name: list(graph.node_attributes.get(name, [None] * graph.node_count))
        + [row.get("attributes", {}).get(name) for row in node_rows]
        for name in node_names
    }
    # Time: appended nodes and edges have no interval (always present); removed ones take theirs along.
    edge_times = None if graph.edge_times is None else graph.edge_times.take(keep)
    # Direction: an appended edge follows the graph's ``directed`` unless its row says (an undo does).
    added_directed = [row.get("directed", graph.directed) for row in edge_rows]
    if not all(isinstance(flag, bool) for flag in added_directed):
        raise HeliosError("edge_rows: 'directed' must be true or false")
    edge_directed = np.concatenate([graph.edge_directions()[keep], np.array(added_directed, dtype=bool)])
    node_times = graph.node_times

    removed = np.unique(_indices(index_of, edit.remove_nodes, "remove_nodes"))
    if len(removed):
        kept_nodes = np.ones(node_count, dtype=bool)
        kept_nodes[removed] = False
        new_index = np.cumsum(kept_nodes) - 1
        incident = kept_nodes[edges[:, 0]] & kept_nodes[edges[:, 1]]
        edges = new_index[edges[incident]]
        weights = None if weights is None else weights[incident]
        edge_attributes = {name: [value for value, kept in zip(values, incident) if kept]
                           for name, values in edge_attributes.items()}
        ids = [node_id for node_id, kept in zip(ids, kept_nodes) if kept]
        labels = None if labels is None else [label for label, kept in zip(labels, kept_nodes) if kept]
        node_attributes = {name: [value for value, kept in zip(values, kept_nodes) if kept]
                           for name, values in node_attributes.items()}
        edge_times = None if edge_times is None else edge_times.take(incident)
        edge_directed = edge_directed[incident]
        node_times = None if node_times is None else node_times.take(kept_nodes)
    edited = Graph(
        node_ids=ids, edges=edges, weights=weights, directed=graph.directed, labels=labels,
        node_attributes=node_attributes, source=graph.source, multigraph=graph.multigraph,
        edge_attributes=edge_attributes, node_times=node_times, edge_times=edge_times, time_format=graph.time_format,
        edge_directed=edge_directed,
    )
    positions = [row.get("position") for row in node_rows]
    appended_positions = None
    if appended and all(_is_position(position, dimensions) for position in positions):
        appended_positions = np.array(positions, dtype=np.float64)
    return edited, LayoutChange(appended, appended_positions, removed)


def _is_position(value: Any, dimensions: int) -> bool:
    return (isinstance(value, list) and len(value) == dimensions
            and all(isinstance(number, (int, float)) and np.isfinite(number) for number in value))


def inverse_edit(graph: Graph, edit: GraphEdit, positions: np.ndarray | None = None) -> GraphEdit:
    """The edit that undoes ``edit`` on the graph it makes from ``graph`` (the graph before it).

    ``positions`` (the layout's, one row per node of ``graph``) go with the nodes it brings back.
    """
    index_of = {node_id: index for index, node_id in enumerate(graph.node_ids)}
    removed_nodes = set(edit.remove_nodes)
    node_count = max(graph.node_count, 1)
    edges = np.asarray(graph.edges, dtype=np.int64)
    keys = _pair_keys(edges, node_count)
    # Pairs the forward edit adds an edge between, whose ends both survive: the undo removes every edge
    # between them, so the ones that were there before come back too.
    surviving_pairs = [pair for pair in edit.add_edges if not (set(pair) & removed_nodes)]
    old_pairs = [pair for pair in list(edit.remove_edges) + surviving_pairs
                 if pair[0] in index_of and pair[1] in index_of]
    back = np.zeros(len(edges), dtype=bool)
    if old_pairs:
        pair_indices = np.array([(index_of[u], index_of[v]) for u, v in old_pairs], dtype=np.int64)
        back |= np.isin(keys, _pair_keys(pair_indices, node_count))
    if removed_nodes:
        gone = np.zeros(graph.node_count, dtype=bool)
        gone[[index_of[node_id] for node_id in removed_nodes if node_id in index_of]] = True
        back |= gone[edges[:, 0]] | gone[edges[:, 1]]
    restored = np.flatnonzero(back)
    edge_rows = []
    for index in restored.tolist():
        row: dict[str, Any] = {"attributes": {name: values[index] for name, values in graph.edge_attributes.items()
                                              if values[index] is not None}}
        if graph.weights is not None:
            row["weight"] = float(graph.weights[index])
        if graph.edge_directed is not None:
            row["directed"] = bool(graph.edge_directed[index])
        edge_rows.append(row)
    node_rows = []
    restored_ids = [node_id for node_id in edit.remove_nodes if node_id in index_of]
    for node_id in restored_ids:
        index = index_of[node_id]
        row = {"attributes": {name: values[index] for name, values in graph.node_attributes.items()
                              if values[index] is not None}}
        if graph.labels is not None:
            row["label"] = graph.labels[index]
        if positions is not None and index < len(positions) and np.all(np.isfinite(positions[index])):
            row["position"] = [float(value) for value in positions[index]]
        node_rows.append(row)
    return GraphEdit(
        add_nodes=tuple(restored_ids),
        remove_edges=tuple(surviving_pairs),
        add_edges=tuple((graph.node_ids[u], graph.node_ids[v]) for u, v in edges[restored].tolist()),
        remove_nodes=tuple(edit.add_nodes),
        node_rows=tuple(node_rows),
        edge_rows=tuple(edge_rows),
    )
