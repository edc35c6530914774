"""GEXF 1.1draft, 1.2draft, 1.3 and Gephi's pre-1.0 namespace (``http://www.gephi.org/gexf``).

Elements are matched by local name whatever their namespace or version. ``<attvalue>`` names its attribute
with ``for`` (1.1 and later) or ``id`` (pre-1.0, as in diseasome.gexf); values are converted to the
attribute's declared type. ``viz:position`` becomes the initial position (3-D only when some ``z`` is not
zero), ``viz:color`` the node colour, ``viz:size`` the node size. An edge's ``weight`` becomes its weight,
its ``label`` and ``kind`` edge attributes. The graph is directed when ``defaultedgetype`` or an edge's
``type`` says so. Nested (hierarchical) nodes are flattened; a node's ``pid`` is kept as an attribute.
Dynamic graphs are read as static: spells are ignored and the first value of a dynamic attribute is kept.
"""

from __future__ import annotations

import logging
import math
from typing import Any

from helios_app.formats._common import finite_float, parse_hex_color
from helios_app.formats._xml import (
    GraphBuilder,
    XmlDriver,
    convert_value,
    local_name,
    parse_document,
    with_article,
)
from helios_app.graph import Graph

logger = logging.getLogger(__name__)

__all__ = ["read_gexf"]

KNOWN_NAMESPACES = {
    "http://www.gexf.net/1.1draft",
    "http://www.gexf.net/1.2draft",
    "http://www.gexf.net/1.3",
    "http://gexf.net/1.3",
    "http://www.gephi.org/gexf",
    "http://www.gephi.org/gexf/1.1draft",
}
_LIST_TYPES = {"liststring", "listboolean", "listint", "listinteger", "listlong", "listfloat", "listdouble"}


class _Attribute:
    def __init__(self, attribute_id: str, title: str, kind: str) -> None:
        self.attribute_id = attribute_id
        self.title = title
        self.kind = kind
        self.default: Any = None


class _GexfReader(XmlDriver):
    document_kind = "GEXF"

    def __init__(self, path: str) -> None:
        super().__init__(path)
        self.builder = GraphBuilder(path)
        self.root_seen = False
        self.graph_seen = False
        self.in_graph = False
        self.skipping_depth = 0
        self.stack: list[str] = []
        self.default_directed = False
        self.directed_edges = 0
        self.undirected_edges = 0
        self.attributes: dict[str, dict[str, _Attribute]] = {"node": {}, "edge": {}}
        self.attribute_class: str | None = None
        self.current_attribute: _Attribute | None = None
        self.default_text: list[str] | None = None
        self.node_stack: list[int] = []
        self.current_edge: int | None = None
        self.dynamic_values = 0

    def start(self, name: str, attributes: dict[str, str]) -> None:
        local = local_name(name)
        self.stack.append(local)
        if self.skipping_depth:
            self.skipping_depth += 1
            return
        if not self.root_seen:
            self.root_seen = True
            if local != "gexf":
                raise self.error(f"the root element is <{name}>, expected <gexf>")
            namespace = attributes.get("xmlns")
            if namespace is not None and namespace.rstrip("/") not in KNOWN_NAMESPACES:
                logger.warning("%s: unknown GEXF namespace %r; reading it anyway", self.path, namespace)
            return
        if local == "graph":
            if self.graph_seen:
                logger.warning("%s: holds more than one <graph>; reading the first", self.path)
                self.skipping_depth = 1
                return
            self.graph_seen = self.in_graph = True
            edge_type = attributes.get("defaultedgetype", "undirected").strip().lower()
            if edge_type not in ("directed", "undirected", "mutual"):
                raise self.error(f"defaultedgetype={edge_type!r}; expected directed, undirected or mutual")
            self.default_directed = edge_type == "directed"
            if attributes.get("mode", "static") == "dynamic":
                logger.info("%s: a dynamic graph; read as static (spells ignored)", self.path)
        elif not self.in_graph:
            return  # <meta>, <creator>, <description>...
        elif local == "attributes":
            kind = attributes.get("class", "node").strip().lower()
            self.attribute_class = kind if kind in ("node", "edge") else None
        elif local == "attribute" and self.attribute_class is not None:
            self._start_attribute(attributes)
        elif local == "default" and self.current_attribute is not None:
            self.default_text = []
        elif local == "node":
            node_id = self._required(attributes, "id", "node")
            index = self.builder.add_node(node_id, self.position())
            self.node_stack.append(index)
            label = attributes.get("label")
            if label is not None:
                self.builder.labels[index] = label
            parent = attributes.get("pid")
            if parent is not None:
                self.builder.node_attributes.setdefault("pid", {})[index] = parent
        elif local == "edge":
            self._start_edge(attributes)
        elif local == "attvalue":
            self._attvalue(attributes)
        elif local in ("position", "color", "size", "thickness", "shape"):
            self._viz(local, attributes)
        elif local in ("spells", "parents", "slices"):
            self.skipping_depth = 1

    def end(self, name: str) -> None:
        local = self.stack.pop()
        if self.skipping_depth:
            self.skipping_depth -= 1
            return
        if local == "graph":
            self.in_graph = False
        elif local == "attributes":
            self.attribute_class = None
        elif local == "attribute":
            self.current_attribute = None
        elif local == "default" and self.default_text is not None and self.current_attribute is not None:
            attribute = self.current_attribute
            attribute.default = self._convert("".join(self.default_text), attribute, self.position())
            self.default_text = None
        elif local == "node" and self.node_stack:
            self.node_stack.pop()
        elif local == "edge":
            self.current_edge = None

    def text(self, data: str) -> None:
        if self.default_text is not None:
            self.default_text.append(data)

    # -- elements ---------------------------------------------------------------------------------------

    def _required(self, attributes: dict[str, str], name: str, element: str) -> str:
        value = attributes.get(name)
        if value is None:
            raise self.error(f"<{element}> has no '{name}' attribute")
        return value

    def _start_attribute(self, attributes: dict[str, str]) -> None:
        attribute_id = self._required(attributes, "id", "attribute")
        title = attributes.get("title", attribute_id)
        kind = attributes.get("type", "string").strip().lower()
        attribute = _Attribute(attribute_id, title, kind)
        self.attributes[self.attribute_class or "node"][attribute_id] = attribute
        self.current_attribute = attribute

    def _start_edge(self, attributes: dict[str, str]) -> None:
        source = self._required(attributes, "source", "edge")
        target = self._required(attributes, "target", "edge")
        index = self.builder.add_edge(source, target, self.position())
        self.current_edge = index
        edge_type = attributes.get("type")
        if edge_type is None:
            directed = self.default_directed
        else:
            edge_type = edge_type.strip().lower()
            if edge_type not in ("directed", "undirected", "mutual"):
                raise self.error(f"edge type={edge_type!r}; expected directed, undirected or mutual")
            directed = edge_type == "directed"
        if directed:
            self.directed_edges += 1
        else:
            self.undirected_edges += 1
        weight = attributes.get("weight")
        if weight is not None:
            value = finite_float(weight)
            if value is None:
                raise self.error(f"edge weight={weight!r} is not a finite number")
            self.builder.weights[index] = value
        for name in ("label", "kind"):
            if name in attributes:
                self.builder.edge_attributes.setdefault(name, {})[index] = attributes[name]

    def _convert(self, text: str, attribute: _Attribute, position: tuple[int, int] | None = None) -> Any:
        kind = attribute.kind
        if kind in _LIST_TYPES:
            return text
        try:
            return convert_value(text, kind)
        except ValueError:
            shown = text if len(text) <= 40 else text[:37] + "..."
            raise self.error(
                f"value {shown!r} of attribute {attribute.title!r} is not {with_article(kind)} "
                "(its declared type)",
                position,
            ) from None

    def _attvalue(self, attributes: dict[str, str]) -> None:
        if self.current_edge is not None:
            domain, owner = "edge", self.current_edge
            columns = self.builder.edge_attributes
        elif self.node_stack:
            domain, owner = "node", self.node_stack[-1]
            columns = self.builder.node_attributes
        else:
            return
        attribute_id = attributes.get("for", attributes.get("id"))
        if attribute_id is None:
            raise self.error("<attvalue> names no attribute (expected for=\"...\")")
        value_text = attributes.get("value")
        if value_text is None:
            raise self.error(f"<attvalue for={attribute_id!r}> has no 'value'")
        attribute = self.attributes[domain].get(attribute_id)
        if attribute is None:
            logger.debug("%s: %s attribute %r is not declared; read as text", self.path, domain, attribute_id)
            attribute = _Attribute(attribute_id, attribute_id, "string")
            self.attributes[domain][attribute_id] = attribute
        column = columns.setdefault(attribute.title, {})
        if owner in column:
            self.dynamic_values += 1  # a dynamic attribute: keep the first value
            return
        column[owner] = self._convert(value_text, attribute)

    def _number(
        self, attributes: dict[str, str], name: str, element: str, default: float | None = None
    ) -> float:
        text = attributes.get(name)
        if text is None:
            if default is not None:
                return default
            raise self.error(f"<{element}> has no '{name}'")
        value = finite_float(text)
        if value is None:
            raise self.error(f"<{element} {name}={text!r}> is not a finite number")
        return value

    def _viz(self, local: str, attributes: dict[str, str]) -> None:
        if self.current_edge is not None or not self.node_stack:
            return  # edge thickness, colour and shape are not read
        node = self.node_stack[-1]
        element = f"viz:{local}"
        if local == "position":
            coordinates = [
                self._number(attributes, "x", element, 0.0),
                self._number(attributes, "y", element, 0.0),
                self._number(attributes, "z", element, 0.0),
            ]
            self.builder.set_position(node, coordinates, self.position(), element)
        elif local == "color":
            hex_text = attributes.get("hex")
            if hex_text is not None and "r" not in attributes:
                rgb = parse_hex_color(hex_text)
                if rgb is None:
                    raise self.error(f"<viz:color hex={hex_text!r}> is not #RRGGBB")
                self.builder.colors[node] = rgb
                return
            rgb_values = []
            for channel in ("r", "g", "b"):
                value = self._number(attributes, channel, element)
                if not (0 <= value <= 255 and value == math.floor(value)):
                    shown = f"{channel}={attributes[channel]!r}"
                    raise self.error(f"<viz:color {shown}> is not an integer in 0 .. 255")
                rgb_values.append(int(value))
            self.builder.colors[node] = tuple(rgb_values)  # type: ignore[assignment]
        elif local == "size":
            value = self._number(attributes, "value", element)
            if value < 0:
                raise self.error(f"<viz:size value={attributes['value']!r}> is negative")
            self.builder.sizes[node] = value

    def graph(self) -> Graph:
        if not self.graph_seen:
            raise self.error("no <graph> element inside <gexf>", (1, 1))
        if self.dynamic_values:
            logger.info("%s: %d later values of dynamic attributes ignored", self.path, self.dynamic_values)
        for domain, defaults in (("node", self.builder.node_defaults), ("edge", self.builder.edge_defaults)):
            for attribute in self.attributes[domain].values():
                if attribute.default is not None:
                    defaults[attribute.title] = attribute.default
        directed = self.directed_edges > 0
        if not (self.directed_edges or self.undirected_edges):
            directed = self.default_directed
        if self.directed_edges and self.undirected_edges:
            logger.warning(
                "%s: %d directed and %d undirected edges; read as a directed graph",
                self.path, self.directed_edges, self.undirected_edges,
            )  # fmt: skip
        return self.builder.build(directed=directed)


def read_gexf(raw: bytes, path: str) -> Graph:
    """Read a GEXF document.

    Raises
    ------
    GraphFileError
        ``PATH:LINE:COLUMN: ...`` for XML that is not well-formed, a missing ``id``/``source``/``target``, a
        duplicate node id, an edge to an unknown node, a bad number in ``viz:*`` or ``weight``, or an
        attribute value that does not fit its declared type.
    """
    return parse_document(lambda: _GexfReader(path), raw, path).graph()
