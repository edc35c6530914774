"""GraphML, including exports with a non-standard namespace (NetLogo's legara.graphml).

Elements are matched by local name whatever their namespace; a namespace other than
``http://graphml.graphdrawing.org/xmlns`` is logged, not refused. Keys are looked up by domain and id, so a
node key and an edge key may share an id (legara.graphml does). Data values are converted to the key's
``attr.type``; a value that does not fit is an error at its ``<data>`` element.

Node keys named ``label`` give the labels; ``x``, ``y``, ``z`` (or NetLogo's ``XCOR``, ``YCOR``) the initial
positions; ``r``, ``g``, ``b`` (Gephi's GraphML export) or a ``#RRGGBB`` ``color`` the colours; ``size`` the
sizes (names compared without case). An edge key named ``weight`` gives the weights. Other keys become node
and edge attributes. Nested graphs are flattened; hyperedges are skipped with a warning.

An edge's ``directed="true|false"`` overrides the graph's ``edgedefault``. A graph whose edges are all one
kind is that kind (every edge ``directed="true"`` under ``edgedefault="undirected"`` is a directed graph);
one that mixes them is directed, with each edge's flag in ``Graph.edge_directed``.
"""

from __future__ import annotations

import logging
import math
from typing import Any

from helios_app.graph import Graph
from helios_app.io.formats._common import parse_hex_color
from helios_app.io.formats._xml import (
    GraphBuilder,
    XmlDriver,
    convert_value,
    local_name,
    parse_document,
    with_article,
)

logger = logging.getLogger(__name__)

__all__ = ["read_graphml"]

STANDARD_NAMESPACE = "http://graphml.graphdrawing.org/xmlns"
_POSITION_NAMES = {"x": 0, "y": 1, "z": 2, "xcor": 0, "ycor": 1}
_COLOR_NAMES = {"r": 0, "g": 1, "b": 2}
_TYPES = {"boolean", "int", "long", "float", "double", "string"}


class _Key:
    """A ``<key>``: its attribute name and type, default, and the role it plays for the reader."""

    def __init__(self, key_id: str, domain: str, name: str, kind: str) -> None:
        self.key_id = key_id
        self.domain = domain
        self.name = name
        self.kind = kind
        self.default: Any = None
        self.role = "attribute"  # or label, position, color, rgb, size, weight
        self.axis = 0


class _GraphmlReader(XmlDriver):
    document_kind = "GraphML"

    def __init__(self, path: str) -> None:
        super().__init__(path)
        self.builder = GraphBuilder(path)
        self.keys: dict[tuple[str, str], _Key] = {}
        self.stack: list[str] = []
        self.root_seen = False
        self.graph_depth = 0  # nesting of <graph> elements being read
        self.graphs_seen = 0
        self.skipping_depth = 0  # > 0 while inside an element whose content is ignored
        self.edge_default_directed = False
        self.current_key: _Key | None = None
        self.current_node: int | None = None
        self.current_edge: int | None = None
        self.data_key: _Key | None = None
        self.data_text: list[str] | None = None
        self.data_position = (0, 0)
        self.data_nested = False
        self.rgb: dict[int, list[int | None]] = {}
        self.hyperedges = 0

    # -- callbacks ------------------------------------------------------------------------------------

    def start(self, name: str, attributes: dict[str, str]) -> None:
        local = local_name(name)
        self.stack.append(local)
        if self.skipping_depth:
            self.skipping_depth += 1
            return
        if not self.root_seen:
            self.root_seen = True
            if local != "graphml":
                raise self.error(f"the root element is <{name}>, expected <graphml>")
            namespace = attributes.get("xmlns")
            if namespace is not None and namespace.rstrip("/") != STANDARD_NAMESPACE:
                logger.warning(
                    "%s: GraphML namespace %r is not the standard %r; reading it anyway",
                    self.path, namespace, STANDARD_NAMESPACE,
                )  # fmt: skip
            return
        if self.data_key is not None or self.data_text is not None:
            self.data_nested = True  # yEd's <y:ShapeNode> and the like inside <data>: not a plain value
            self.skipping_depth = 1
            return
        if local == "key":
            self._start_key(attributes)
        elif local == "default" and self.current_key is not None:
            self.data_text = []
        elif local == "graph":
            self._start_graph(attributes)
        elif self.graph_depth == 0:
            if local in ("node", "edge", "hyperedge"):
                raise self.error(f"<{local}> outside a <graph> element")
            return
        elif local == "node":
            node_id = self._required(attributes, "id", "node")
            self.current_node = self.builder.add_node(node_id, self.position())
        elif local == "edge":
            source = self._required(attributes, "source", "edge")
            target = self._required(attributes, "target", "edge")
            self.current_edge = self.builder.add_edge(source, target, self.position())
            directed = attributes.get("directed")
            if directed is None:
                directed_edge = self.edge_default_directed
            elif directed.strip().lower() in ("true", "1"):
                directed_edge = True
            elif directed.strip().lower() in ("false", "0"):
                directed_edge = False
            else:
                raise self.error(f"edge attribute directed={directed!r}; expected true or false")
            self.builder.edge_directed.append(directed_edge)
        elif local == "data":
            self._start_data(attributes)
        elif local == "hyperedge":
            self.hyperedges += 1
            self.skipping_depth = 1
        elif local in ("port", "endpoint", "desc", "locator"):
            self.skipping_depth = 1

    def end(self, name: str) -> None:
        local = self.stack.pop()
        if self.skipping_depth:
            self.skipping_depth -= 1
            return
        if local == "default" and self.current_key is not None and self.data_text is not None:
            key = self.current_key
            key.default = self._convert("".join(self.data_text), key, self.position())
            self.data_text = None
        elif local == "key":
            self.current_key = None
        elif local == "graph":
            self.graph_depth -= 1
        elif local == "node":
            self.current_node = None
        elif local == "edge":
            self.current_edge = None
        elif local == "data" and self.data_text is not None:
            self._end_data()

    def text(self, data: str) -> None:
        if self.data_text is not None and not self.skipping_depth:
            self.data_text.append(data)

    # -- elements ---------------------------------------------------------------------------------------

    def _required(self, attributes: dict[str, str], name: str, element: str) -> str:
        value = attributes.get(name)
        if value is None:
            raise self.error(f"<{element}> has no '{name}' attribute")
        return value

    def _start_key(self, attributes: dict[str, str]) -> None:
        key_id = self._required(attributes, "id", "key")
        domain = attributes.get("for", "all")
        name = attributes.get("attr.name", key_id)
        kind = attributes.get("attr.type", "string").strip().lower()
        if kind not in _TYPES:
            choices = ", ".join(sorted(_TYPES))
            raise self.error(f"key {key_id!r} has attr.type={kind!r}; expected one of {choices}")
        key = _Key(key_id, domain, name, kind)
        lowered = name.lower()
        if domain in ("node", "all"):
            if lowered == "label":
                key.role = "label"
            elif lowered in _POSITION_NAMES and kind != "string" and kind != "boolean":
                key.role, key.axis = "position", _POSITION_NAMES[lowered]
            elif lowered in _COLOR_NAMES and kind in ("int", "long"):
                key.role, key.axis = "rgb", _COLOR_NAMES[lowered]
            elif lowered in ("color", "colour") and kind == "string":
                key.role = "color"
            elif lowered == "size" and kind in ("int", "long", "float", "double"):
                key.role = "size"
        if domain in ("edge", "all") and lowered == "weight" and kind in ("int", "long", "float", "double"):
            key.role = "weight" if domain == "edge" else key.role
        self.keys[(domain, key_id)] = key
        self.current_key = key

    def _start_graph(self, attributes: dict[str, str]) -> None:
        if self.graph_depth == 0:
            self.graphs_seen += 1
            if self.graphs_seen > 1:
                logger.warning("%s: holds more than one <graph>; reading the first", self.path)
                self.skipping_depth = 1
                return
            default = attributes.get("edgedefault", "undirected").strip().lower()
            if default not in ("directed", "undirected"):
                raise self.error(f"edgedefault={default!r}; expected directed or undirected")
            self.edge_default_directed = default == "directed"
        self.graph_depth += 1

    def _start_data(self, attributes: dict[str, str]) -> None:
        key_id = self._required(attributes, "key", "data")
        if self.current_node is not None:
            domain = "node"
        elif self.current_edge is not None:
            domain = "edge"
        else:
            self.skipping_depth = 1  # graph-level data
            return
        key = self.keys.get((domain, key_id)) or self.keys.get(("all", key_id))
        if key is None:
            logger.debug("%s: data key %r is not declared; read as text", self.path, key_id)
            key = _Key(key_id, domain, key_id, "string")
            self.keys[(domain, key_id)] = key
        self.data_key = key
        self.data_text = []
        self.data_position = self.position()
        self.data_nested = False

    def _convert(self, text: str, key: _Key, position: tuple[int, int]) -> Any:
        try:
            value = convert_value(text, key.kind)
        except ValueError:
            raise self.error(
                f"data for key {key.key_id!r} is {_shorten(text)!r}, expected {with_article(key.kind)} "
                "(its attr.type)",
                position,
            ) from None
        numeric_role = key.role in ("position", "size", "weight")
        if isinstance(value, float) and numeric_role and not math.isfinite(value):
            raise self.error(f"data for key {key.key_id!r} is {value}; a {key.role} must be finite", position)
        return value

    def _end_data(self) -> None:
        key = self.data_key
        text = "".join(self.data_text or ())
        self.data_key = None
        self.data_text = None
        if key is None or self.data_nested:
            return
        value = self._convert(text, key, self.data_position)
        builder = self.builder
        if self.current_node is not None:
            node = self.current_node
            if key.role == "label":
                builder.labels[node] = str(value)
            elif key.role == "position":
                coordinates = builder.positions.setdefault(node, [math.nan, math.nan, math.nan])
                coordinates[key.axis] = float(value)
            elif key.role == "rgb":
                if not 0 <= value <= 255:
                    raise self.error(
                        f"colour component {key.name}={value} is not in 0 .. 255", self.data_position
                    )
                self.rgb.setdefault(node, [None, None, None])[key.axis] = int(value)
            elif key.role == "color" and parse_hex_color(value) is not None:
                builder.colors[node] = parse_hex_color(value)  # type: ignore[assignment]
            elif key.role == "size":
                if value < 0:
                    raise self.error(f"size {value} is negative", self.data_position)
                builder.sizes[node] = float(value)
            else:
                builder.node_attributes.setdefault(self._column_name(key, "node"), {})[node] = value
        elif self.current_edge is not None:
            if key.role == "weight":
                builder.weights[self.current_edge] = float(value)
            else:
                column = builder.edge_attributes.setdefault(self._column_name(key, "edge"), {})
                column[self.current_edge] = value

    def _column_name(self, key: _Key, domain: str) -> str:
        clashes = [
            other for (other_domain, _), other in self.keys.items()
            if other.name == key.name and other is not key and other_domain in (domain, "all")
        ]  # fmt: skip
        return f"{key.name} ({key.key_id})" if clashes else key.name

    # -- result -------------------------------------------------------------------------------------------

    def graph(self) -> Graph:
        if self.graphs_seen == 0:
            raise self.error("no <graph> element: the file declares no nodes or edges", (1, 1))
        if self.hyperedges:
            logger.warning(
                "%s: %d hyperedges skipped; Helios draws edges between two nodes", self.path, self.hyperedges
            )
        builder = self.builder
        for node, components in self.rgb.items():
            if None not in components:
                builder.colors[node] = tuple(components)  # type: ignore[assignment]
        positions = builder.positions
        for node in list(positions):
            if math.isnan(positions[node][0]) or math.isnan(positions[node][1]):
                del positions[node]
        for key in self.keys.values():
            if key.role == "attribute" and key.default is not None:
                if key.domain in ("node", "all"):
                    builder.node_defaults[self._column_name(key, "node")] = key.default
                if key.domain in ("edge", "all"):
                    builder.edge_defaults[self._column_name(key, "edge")] = key.default
        return builder.build(directed=self.edge_default_directed)


def _shorten(text: str) -> str:
    return text if len(text) <= 40 else text[:37] + "..."


def read_graphml(raw: bytes, path: str) -> Graph:
    """Read a GraphML document (bytes, any encoding its XML declaration names).

    Raises
    ------
    GraphFileError
        ``PATH:LINE:COLUMN: ...`` for XML that is not well-formed, a missing ``id``/``source``/``target``, a
        duplicate node id, an edge to an unknown node, or a data value that does not fit its key's type.
    """
    return parse_document(lambda: _GraphmlReader(path), raw, path).graph()
