"""networkx node-link JSON (``networkx.node_link_data``; d3-force's ``{"nodes": [...], "links": [...]}``).

``{"directed": bool, "multigraph": bool, "graph": {...}, "nodes": [{"id": ..., ...}], "edges"|"links":
[{"source": ..., "target": ..., ...}]}``. Node ids become text (``0`` -> ``"0"``); a node ``label`` becomes
the label, numeric ``x``, ``y`` (``z``) the initial position (as d3 leaves them), ``color``
(``"#RRGGBB"``) the colour and ``size`` the size; other scalar fields become node attributes. An edge end
is a node id, or a node object (d3 after a simulation), or a node's position in ``nodes`` when no node
has that id (old d3 files). ``weight`` becomes the weight; other scalar edge fields become edge attributes.
Time is read from ``spells``, ``start``/``end``, ``time`` and ``timestamp`` on nodes and edges, as from a
networkx graph (:func:`~helios_app.graph.graph_from_networkx`; dates as ISO 8601 text).
Problems are reported with the line and column of the JSON syntax error, or with the path to the bad value
(``nodes[3].id``).
"""

from __future__ import annotations

import json
import logging
import math
from typing import Any

from helios_app.graph import TIME_ATTRIBUTES, Graph, intervals_from_attributes
from helios_app.io.formats._common import GraphFileError, parse_hex_color
from helios_app.io.formats._xml import GraphBuilder

logger = logging.getLogger(__name__)

__all__ = ["read_node_link"]

_SCALARS = (str, int, float, bool)
_NODE_SPECIAL = {"id", "label", "x", "y", "z", "color", "size", *TIME_ATTRIBUTES}
_EDGE_SPECIAL = {"source", "target", "weight", *TIME_ATTRIBUTES}


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def read_node_link(raw: bytes, path: str) -> Graph:
    """Read node-link JSON.

    Raises
    ------
    GraphFileError
        ``PATH:LINE:COLUMN: ...`` for JSON that does not parse; ``PATH: nodes[3]: ...`` for a structure that
        is not node-link data (no ``nodes`` list, a node without an ``id``, an edge to an unknown node, a
        weight that is not a finite number, a time that is neither a number nor a date or ends before it
        starts).
    """
    text = raw.decode("utf-8")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise GraphFileError(path, f"not valid JSON: {error.msg}", error.lineno, error.colno) from None
    except RecursionError:
        raise GraphFileError(path, "not valid node-link JSON: values are nested too deeply") from None
    except ValueError as error:  # e.g. an integer with more digits than Python converts
        raise GraphFileError(path, f"not valid JSON: {error}") from None

    def fail(where: str, message: str) -> GraphFileError:
        return GraphFileError(path, f"{where}: {message}")

    if not isinstance(data, dict):
        raise GraphFileError(
            path,
            "expected a JSON object with 'nodes' and 'edges' (networkx node-link data), "
            f"found a {type(data).__name__}",
        )
    nodes = data.get("nodes")
    if not isinstance(nodes, list):
        raise GraphFileError(
            path, "no 'nodes' list: expected networkx node-link data {\"nodes\": [...], \"edges\": [...]}"
        )
    edge_key = "edges" if "edges" in data else "links"
    edges = data.get(edge_key, [])
    if not isinstance(edges, list):
        raise fail(edge_key, f"expected a list of edges, found a {type(edges).__name__}")
    builder = GraphBuilder(path)
    all_without_id = bool(nodes) and all(isinstance(node, dict) and "id" not in node for node in nodes)
    for position, node in enumerate(nodes):
        where = f"nodes[{position}]"
        if not isinstance(node, dict):
            raise fail(where, f"expected an object with an 'id', found {_describe(node)}")
        if all_without_id:
            node_id: Any = position
        elif "id" not in node:
            raise fail(where, "this node has no 'id'")
        else:
            node_id = node["id"]
        if not isinstance(node_id, (str, int, float)) or isinstance(node_id, bool):
            raise fail(f"{where}.id", f"expected a string or a number, found {_describe(node_id)}")
        key = _id_text(node_id)
        if key in builder.index_of:
            first = builder.index_of[key]
            raise fail(f"{where}.id", f"duplicate node id {key!r} (first used by nodes[{first}])")
        index = builder.add_node(key, (0, 0))
        _node_fields(builder, index, node, where, fail)
    index_by_position = len(builder.node_ids)
    for position, edge in enumerate(edges):
        where = f"{edge_key}[{position}]"
        if not isinstance(edge, dict):
            raise fail(where, f"expected an object with 'source' and 'target', found {_describe(edge)}")
        ends = []
        for name in ("source", "target"):
            if name not in edge:
                raise fail(where, f"this edge has no '{name}'")
            end = edge[name]
            if isinstance(end, dict) and "id" in end:
                end = end["id"]
            if not isinstance(end, (str, int, float)) or isinstance(end, bool):
                raise fail(f"{where}.{name}", f"expected a node id, found {_describe(end)}")
            key = _id_text(end)
            if key not in builder.index_of and isinstance(end, int) and 0 <= end < index_by_position:
                key = builder.node_ids[end]  # an index into 'nodes' (old d3 files)
            if key not in builder.index_of:
                raise fail(f"{where}.{name}", f"{end!r} is not the id of any node")
            ends.append(key)
        index = builder.add_edge(ends[0], ends[1], (0, 0))
        if "weight" in edge:
            weight = _number(edge["weight"])
            if weight is None:
                raise fail(f"{where}.weight", f"{_describe(edge['weight'])} is not a finite number")
            builder.weights[index] = weight
        for name, value in edge.items():
            if name not in _EDGE_SPECIAL and _scalar(value):
                builder.edge_attributes.setdefault(str(name), {})[index] = value
    kinds: set[bool] = set()
    for rows, records, name in (
        (builder.node_intervals, nodes, "nodes"), (builder.edge_intervals, edges, edge_key)
    ):
        def error(index: int, message: str, name: str = name) -> GraphFileError:
            return fail(f"{name}[{index}]", message)

        times = intervals_from_attributes(records, error, kinds)
        if times is not None:
            rows.extend(zip(times.owner.tolist(), times.start.tolist(), times.end.tolist()))
    builder.time_format = "date" if True in kinds else "number"
    directed = data.get("directed", False)
    multigraph = data.get("multigraph", False)
    return builder.build(directed=directed is True, multigraph=multigraph is True)


def _scalar(value: Any) -> bool:
    return isinstance(value, _SCALARS) and not (isinstance(value, float) and not math.isfinite(value))


def _id_text(value: Any) -> str:
    return str(value)


def _describe(value: Any) -> str:
    if isinstance(value, (dict, list)):
        return f"a JSON {'object' if isinstance(value, dict) else 'array'}"
    if value is None:
        return "null"
    text = json.dumps(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _node_fields(builder: GraphBuilder, index: int, node: dict, where: str, fail: Any) -> None:
    if "label" in node and node["label"] is not None:
        builder.labels[index] = str(node["label"])
    if "x" in node and "y" in node:
        coordinates = []
        for axis in ("x", "y", "z"):
            if axis not in node:
                continue
            value = _number(node[axis])
            if value is None:
                raise fail(f"{where}.{axis}", f"{_describe(node[axis])} is not a finite number")
            coordinates.append(value)
        builder.positions[index] = coordinates
    color = node.get("color")
    if isinstance(color, str) and parse_hex_color(color) is not None:
        builder.colors[index] = parse_hex_color(color)  # type: ignore[assignment]
    elif color is not None and _scalar(color):
        builder.node_attributes.setdefault("color", {})[index] = color
    if "size" in node:
        size = _number(node["size"])
        if size is None or size < 0:
            raise fail(f"{where}.size", f"{_describe(node['size'])} is not a finite number >= 0")
        builder.sizes[index] = size
    for name, value in node.items():
        if name not in _NODE_SPECIAL and _scalar(value):
            builder.node_attributes.setdefault(str(name), {})[index] = value
