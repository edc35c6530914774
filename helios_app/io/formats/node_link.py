"""networkx node-link JSON (``networkx.node_link_data``; d3-force's ``{"nodes": [...], "links": [...]}``).

``{"directed": bool, "multigraph": bool, "graph": {...}, "nodes": [{"id": ..., ...}], "edges"|"links":
[{"source": ..., "target": ..., ...}]}``; a document with neither ``edges`` nor ``links`` is refused (it is
not node-link data, or it lost its edges). Node ids become the text networkx shows for the node: ``0`` ->
``"0"``, a list (a tuple id, as networkx writes ``grid_2d_graph`` nodes) ``[0, 1]`` -> ``"(0, 1)"``, the
same text :func:`~helios_app.graph.graph_from_networkx` gives; a number JSON holds but Python cannot (``1e400``,
a 5,000-digit integer) keeps its literal text. Nodes without ``id`` (all of them) are numbered 0, 1, ... by
position, as networkx numbers them. An edge end is a node id of the same kind (a string never matches a
number: networkx would make them two nodes), or a node object (d3 after a simulation), or, where every node
id is text, a node's position in ``nodes`` (networkx 1.x and d3 v3 files). A node ``label`` becomes the label,
numeric ``x``, ``y`` (``z``) the initial position (as d3 leaves them), ``color`` (``"#RRGGBB"``) the colour
and ``size`` the size; other scalar fields become node attributes. ``weight`` becomes the weight; other scalar
edge fields become edge attributes. Time is read from ``spells``, ``start``/``end``, ``time`` and
``timestamp`` on nodes and edges, as from a networkx graph (:func:`~helios_app.graph.graph_from_networkx`;
dates as ISO 8601 text). Every problem is reported with the line and column of the value at fault and its
path in the document (``nodes[3].id``).
"""

from __future__ import annotations

import json
import logging
import math
import re
from typing import Any

from helios_app.graph import TIME_ATTRIBUTES, Graph, intervals_from_attributes
from helios_app.io.formats._common import GraphFileError, line_and_column, number_value, parse_hex_color
from helios_app.io.formats._xml import GraphBuilder

logger = logging.getLogger(__name__)

__all__ = ["read_node_link"]

_SCALARS = (str, int, float, bool)
_NODE_SPECIAL = {"id", "label", "x", "y", "z", "color", "size", *TIME_ATTRIBUTES}
_EDGE_SPECIAL = {"source", "target", "weight", *TIME_ATTRIBUTES}
_WHITESPACE = re.compile(r"[ \t\n\r]*")
# Number literals that Python's int or float may not hold exactly (an exponent of 3+ digits, 300+ digits):
# only files that have one pay for parsing every number in Python.
_LARGE_NUMBER = re.compile(r"[eE][+-]?0*[1-9][0-9]{2}|[0-9]{300}")
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


class _NumberText(str):
    """A number literal kept as its text because Python would not hold it exactly (``1e400``)."""


def _number_literal(text: str) -> int | float | str:
    value = number_value(text)
    return _NumberText(value) if isinstance(value, str) else value


_EXACT_DECODER = json.JSONDecoder(parse_int=_number_literal, parse_float=_number_literal)


class _Document:
    """The parsed JSON and its text, to build errors that point at a value: ``PATH:LINE:COLUMN: where: ...``."""

    def __init__(self, text: str, path: str) -> None:
        self.text = text
        self.path = path
        exact = _LARGE_NUMBER.search(text) is not None
        try:
            self.data = _EXACT_DECODER.decode(text) if exact else json.loads(text)
        except json.JSONDecodeError as error:
            raise GraphFileError(path, f"not valid JSON: {error.msg}", error.lineno, error.colno) from None
        except RecursionError:
            raise GraphFileError(path, "not valid node-link JSON: values are nested too deeply") from None
        except ValueError as error:  # not expected: numbers Python cannot hold take the exact decoder
            raise GraphFileError(path, f"not valid JSON: {error}") from None

    def error(self, steps: list[str | int], message: str) -> GraphFileError:
        """The error for the value at ``steps`` (object keys and list indices from the top)."""
        line, column = line_and_column(self.text, self._offset(steps))
        where = "".join(f"[{step}]" if isinstance(step, int) else f".{step}" for step in steps).lstrip(".")
        return GraphFileError(self.path, f"{where}: {message}" if where else message, line, column)

    def _offset(self, steps: list[str | int]) -> int:
        """Where the value at ``steps`` starts; where its innermost existing container starts if it is missing."""
        text = self.text
        index = _WHITESPACE.match(text).end()
        for step in steps:
            container, found = index, None
            index = _WHITESPACE.match(text, index + 1).end()
            position = 0
            while text[index] not in "]}":
                if text[container] == "{":
                    key, index = json.decoder.scanstring(text, index + 1)
                    index = _WHITESPACE.match(text, _WHITESPACE.match(text, index).end() + 1).end()
                    if key == step:
                        found = index  # the last of repeated keys counts, as in json.loads
                elif position == step:
                    found = index
                    break
                position += 1
                _, index = _EXACT_DECODER.raw_decode(text, index)
                index = _WHITESPACE.match(text, index).end()
                if text[index] == ",":
                    index = _WHITESPACE.match(text, index + 1).end()
            if found is None:
                return container
            index = found
        return index


def read_node_link(raw: bytes, path: str) -> Graph:
    """Read node-link JSON.

    Raises
    ------
    GraphFileError
        ``PATH:LINE:COLUMN: ...`` for JSON that does not parse, and ``PATH:LINE:COLUMN: nodes[3].id: ...`` for
        a structure that is not node-link data (no ``nodes`` list, no ``edges`` or ``links``, a node without
        an ``id``, an edge to an unknown node or to a node whose id is of another kind, a weight that is not a
        finite number, a string that holds a lone surrogate, a time that is neither a number nor a date or
        ends before it starts).
    """
    document = _Document(raw.decode("utf-8"), path)
    data = document.data
    fail = document.error
    if not isinstance(data, dict):
        raise fail(
            [],
            "expected a JSON object with 'nodes' and 'edges' (networkx node-link data), "
            f"found {_describe(data)}",
        )
    if _SURROGATE_ESCAPE.search(document.text):
        _refuse_lone_surrogates(data, [], fail)
    nodes = data.get("nodes")
    if not isinstance(nodes, list):
        raise fail([], 'no \'nodes\' list: expected networkx node-link data {"nodes": [...], "edges": [...]}')
    edge_key = "edges" if "edges" in data else "links"
    if edge_key not in data:
        raise fail(
            [],
            "no 'edges' (or 'links') list: networkx node-link data has one, even when empty; add "
            '"edges": [] for a graph without edges',
        )
    edges = data[edge_key]
    if not isinstance(edges, list):
        raise fail([edge_key], f"expected a list of edges, found {_describe(edges)}")

    builder = GraphBuilder(path)
    node_kinds: list[str] = []
    all_without_id = bool(nodes) and all(isinstance(node, dict) and "id" not in node for node in nodes)
    for position, node in enumerate(nodes):
        if not isinstance(node, dict):
            raise fail(["nodes", position], f"expected an object with an 'id', found {_describe(node)}")
        if all_without_id:
            node_id: Any = position  # networkx numbers nodes without ids by position
        elif "id" not in node:
            raise fail(["nodes", position], "this node has no 'id' (other nodes have one)")
        else:
            node_id = node["id"]
        kind, key = _id_kind_and_text(node_id)
        if kind is None:
            raise fail(["nodes", position, "id"], f"expected a string, a number or a list, found {key}")
        if key in builder.index_of:
            first = builder.index_of[key]
            raise fail(["nodes", position, "id"], f"duplicate node id {key!r} (first used by nodes[{first}])")
        index = builder.add_node(key, (0, 0))
        node_kinds.append(kind)
        _node_fields(builder, index, node, ["nodes", position], fail)

    if all_without_id:
        rule = "numbered"
    else:  # an integer end that is no id may be a position in 'nodes' only where no id is a number
        rule = "ids" if "number" in node_kinds else "positions"
    for position, edge in enumerate(edges):
        where = [edge_key, position]
        if not isinstance(edge, dict):
            raise fail(where, f"expected an object with 'source' and 'target', found {_describe(edge)}")
        ends = []
        for name in ("source", "target"):
            if name not in edge:
                raise fail(where, f"this edge has no '{name}'")
            ends.append(_edge_end(builder, node_kinds, edge[name], rule, [*where, name], fail))
        index = builder.add_edge(ends[0], ends[1], (0, 0))
        if "weight" in edge:
            weight = _number(edge["weight"])
            if weight is None:
                raise fail([*where, "weight"], f"{_describe(edge['weight'])} is not a finite number")
            builder.weights[index] = weight
        for name, value in edge.items():
            if name not in _EDGE_SPECIAL and _scalar(value):
                builder.edge_attributes.setdefault(str(name), {})[index] = value

    kinds: set[bool] = set()
    for rows, records, name in (
        (builder.node_intervals, nodes, "nodes"),
        (builder.edge_intervals, edges, edge_key),
    ):

        def error(index: int, message: str, name: str = name) -> GraphFileError:
            return fail([name, index], message)

        times = intervals_from_attributes(records, error, kinds)
        if times is not None:
            rows.extend(zip(times.owner.tolist(), times.start.tolist(), times.end.tolist()))
    builder.time_format = "date" if True in kinds else "number"
    directed = data.get("directed", False)
    multigraph = data.get("multigraph", False)
    return builder.build(directed=directed is True, multigraph=multigraph is True)


def _id_kind_and_text(value: Any) -> tuple[str | None, str]:
    """``(kind, text)`` of a node id or edge end; kind is None (and text a description) for what is no id.

    Kinds are ``"string"``, ``"number"`` and ``"tuple"`` (a JSON list, a tuple to networkx); the text is what
    networkx shows for the node (``str``), so that reading a file and converting the graph agree.
    """
    if isinstance(value, _NumberText):
        return "number", str(value)
    if isinstance(value, str):
        return "string", value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return "number", str(value)
    if isinstance(value, list):
        as_tuple = _as_tuple(value)
        if as_tuple is not None:
            return "tuple", str(as_tuple)
        return None, "a list holding an object (a node id is a string, a number or a list of those)"
    return None, _describe(value)


def _as_tuple(value: Any) -> Any:
    """A JSON list as the tuple networkx makes of it (nested lists too); None if it holds an object."""
    if isinstance(value, list):
        items = [_as_tuple(item) for item in value]
        return None if any(item is None for item in items) else tuple(items)
    if isinstance(value, _NumberText):
        return str(value)
    return None if isinstance(value, dict) else value


def _edge_end(
    builder: GraphBuilder, node_kinds: list[str], end: Any, rule: str, steps: list, fail: Any
) -> str:
    """The id of the node an edge end names, or the error for an end that names none.

    ``rule`` is ``"ids"``, or ``"positions"`` where an integer that is no id is a position in ``nodes``
    (every node id is text), or ``"numbered"`` where the nodes have no ids and are numbered by position.
    """
    if isinstance(end, dict) and "id" in end:
        end = end["id"]
        steps = [*steps, "id"]
    kind, key = _id_kind_and_text(end)
    if kind is None:
        raise fail(steps, f"expected a node id, found {key}")
    index = builder.index_of.get(key)
    if index is None:
        if rule == "positions" and isinstance(end, int) and 0 <= end < len(builder.node_ids):
            return builder.node_ids[end]  # a position in 'nodes' (networkx 1.x, d3 v3)
        raise fail(steps, f"{_describe(end)} is not the id of any node")
    if node_kinds[index] != kind:
        if rule == "numbered":
            whose = (
                f"nodes[{index}] has no 'id' and is numbered {index} by its position, as networkx numbers it"
            )
        else:
            whose = f"nodes[{index}] has the {node_kinds[index]} id {_describe_id(key, node_kinds[index])}"
        raise fail(
            steps,
            f"{_describe(end)} is a {kind}, but {whose}; networkx would make them two nodes: write the edge end "
            "as the node id is written",
        )
    return key


def _refuse_lone_surrogates(value: Any, steps: list, fail: Any) -> None:
    """Raise the error for the first string (or key) that holds a lone surrogate (``"\\ud800"``).

    Such a string is not text: it cannot be written to any file or shown, so it is refused here, where the
    file and the field can be named.
    """
    if isinstance(value, str):
        if _has_lone_surrogate(value):
            raise fail(
                steps,
                f"{_escaped(value)} holds a lone surrogate escape, which is no character; "
                "write the character itself, or a pair of \\uD800-\\uDBFF and \\uDC00-\\uDFFF escapes",
            )
    elif isinstance(value, list):
        for position, item in enumerate(value):
            _refuse_lone_surrogates(item, [*steps, position], fail)
    elif isinstance(value, dict):
        for key, item in value.items():
            if _has_lone_surrogate(key):
                raise fail(
                    steps, f"the key {_escaped(key)} holds a lone surrogate escape, which is no character"
                )
            _refuse_lone_surrogates(item, [*steps, key], fail)


def _has_lone_surrogate(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _escaped(text: str) -> str:
    """A string as JSON writes it with ASCII escapes, cut short."""
    shown = json.dumps(text)
    return shown if len(shown) <= 40 else shown[:37] + "..."


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def _scalar(value: Any) -> bool:
    return isinstance(value, _SCALARS) and not (isinstance(value, float) and not math.isfinite(value))


def _describe(value: Any) -> str:
    """A JSON value for a message: ``"a JSON object"``, ``null``, ``"text"``, ``12``."""
    if isinstance(value, (dict, list)):
        return f"a JSON {'object' if isinstance(value, dict) else 'array'}"
    if value is None:
        return "null"
    text = str(value) if isinstance(value, _NumberText) else json.dumps(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _describe_id(text: str, kind: str) -> str:
    return json.dumps(text) if kind == "string" else text


def _node_fields(builder: GraphBuilder, index: int, node: dict, where: list, fail: Any) -> None:
    if "label" in node and node["label"] is not None:
        builder.labels[index] = str(node["label"])
    if "x" in node and "y" in node:
        coordinates = []
        for axis in ("x", "y", "z"):
            if axis not in node:
                continue
            value = _number(node[axis])
            if value is None:
                raise fail([*where, axis], f"{_describe(node[axis])} is not a finite number")
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
            raise fail([*where, "size"], f"{_describe(node['size'])} is not a finite number >= 0")
        builder.sizes[index] = size
    for name, value in node.items():
        if name not in _NODE_SPECIAL and _scalar(value):
            builder.node_attributes.setdefault(str(name), {})[index] = value
