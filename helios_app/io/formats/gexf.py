"""GEXF 1.1draft, 1.2draft, 1.3 and Gephi's pre-1.0 namespace (``http://www.gephi.org/gexf``).

Elements are matched by local name whatever their namespace or version. ``<attvalue>`` names its attribute
with ``for`` (1.1 and later) or ``id`` (pre-1.0, as in diseasome.gexf); values are converted to the
attribute's declared type. ``viz:position`` becomes the initial position (3-D only when some ``z`` is not
zero), ``viz:color`` the node colour, ``viz:size`` the node size. An edge's ``weight`` becomes its weight,
its ``label`` and ``kind`` edge attributes. An edge's ``type`` (``directed``, ``undirected`` or ``mutual``)
overrides the graph's ``defaultedgetype``; ``mutual`` is read as undirected (one record, drawn without an
arrow). A graph whose edges are all one kind is that kind; one that mixes them is directed, with each edge's
flag in ``Graph.edge_directed``. Nested (hierarchical) nodes are flattened; a node's ``pid`` is kept as an
attribute.

Time (``node_times``, ``edge_times``; whatever the graph's ``mode`` says): a node's or edge's ``start`` and
``end`` (GEXF 1.1's ``startopen``/``endopen`` are read as ``start``/``end``), each ``<spell>`` (or 1.1's
``<slice>``) inside its ``<spells>``, GEXF 1.3's ``intervals="<[s, e]; [s, e]>"``, and its ``timestamp``
and ``timestamps="<[t1, t2]>"`` (instants) all add intervals; a missing bound is unbounded. Every interval
is read as half-open, ``[start, end)`` (GEXF 1.3 calls both bounds inclusive: the two differ only at the
exact end time). ``timeformat`` ``double``/``float`` (the default), ``integer``/``long``, ``date`` or
``dateTime``: dates become seconds since the Unix epoch, UTC (a time with no zone is UTC; the graph's
``timezone`` is not applied) and ``time_format`` is ``"date"``. GEXF 1.1 (and Gephi's pre-1.0 files) name
it ``timetype`` (``float`` or ``date``), and a time there is a date or a number whatever it declares, dates
by default: with neither attribute, the first time in the file says which, and every other must agree. A dynamic attribute (``<attvalue>`` with
``start``/``end``) keeps its first value in the file; later values are ignored.
"""

from __future__ import annotations

import logging
import math
import re
from typing import Any

from helios_app.graph import Graph, parse_time
from helios_app.io.formats._common import finite_float, parse_hex_color
from helios_app.io.formats._xml import (
    GraphBuilder,
    XmlDriver,
    convert_value,
    local_name,
    parse_document,
    with_article,
)

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
_LEGACY_NAMESPACES = {  # GEXF 1.1 and Gephi's pre-1.0 format: 'timetype', dates by default
    "http://www.gexf.net/1.1draft", "http://gexf.net/1.1draft", "http://www.gephi.org/gexf",
    "http://www.gephi.org/gexf/1.1draft",
}  # fmt: skip
_LEGACY_VERSIONS = {"1.0", "1.1"}
_NUMBER_TIME_FORMATS = {"double", "float", "integer", "long", "int"}
_DATE_TIME_FORMATS = {"date", "datetime"}
_TIME_ITEM = re.compile(r"""[^\s\[\]<>(),;"']+""")  # one time in timestamps="<[1, 3]>"
_BRACKETED = re.compile(r"[\[(]([^\[\]()]*)[\])]")  # one [s, e] in intervals="<[1, 2]; [3, 4]>"
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
        self.attributes: dict[str, dict[str, _Attribute]] = {"node": {}, "edge": {}}
        self.attribute_class: str | None = None
        self.current_attribute: _Attribute | None = None
        self.default_text: list[str] | None = None
        self.node_stack: list[int] = []
        self.current_edge: int | None = None
        self.current_edge_name = ""
        self.node_names: list[str] = []
        self.declared_time_format: str | None = None
        self.legacy_version = False  # GEXF 1.1 or older: times are dates by default, 'timetype' declares them
        self.time_format_from_first_time = False
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
            if namespace is None:
                self.legacy_version = attributes.get("version", "").strip() in _LEGACY_VERSIONS
            else:
                self.legacy_version = namespace.rstrip("/") in _LEGACY_NAMESPACES
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
            self.default_directed = edge_type == "directed"  # "mutual": undirected, as for an edge
            self._time_format(attributes)
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
            self.node_names.append(f"node {node_id!r}")
            self._times(attributes, self.builder.node_intervals, index, self.node_names[-1])
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
        elif local in ("spell", "slice"):
            self._spell(attributes)
        elif local == "parents":
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
            self.node_names.pop()
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
        edge_id = attributes.get("id")
        self.current_edge_name = f"edge {source!r} -> {target!r}" if edge_id is None else f"edge {edge_id!r}"
        self._times(attributes, self.builder.edge_intervals, index, self.current_edge_name)
        edge_type = attributes.get("type")
        if edge_type is None:
            directed = self.default_directed
        else:
            edge_type = edge_type.strip().lower()
            if edge_type not in ("directed", "undirected", "mutual"):
                raise self.error(f"edge type={edge_type!r}; expected directed, undirected or mutual")
            # "mutual" (both ways; networkx adds the two arcs) is read as undirected: one record, no arrow.
            directed = edge_type == "directed"
        self.builder.edge_directed.append(directed)
        weight = attributes.get("weight")
        if weight is not None:
            value = finite_float(weight)
            if value is None:
                raise self.error(f"edge weight={weight!r} is not a finite number")
            self.builder.weights[index] = value
        for name in ("label", "kind"):
            if name in attributes:
                self.builder.edge_attributes.setdefault(name, {})[index] = attributes[name]

    # -- time -----------------------------------------------------------------------------------------

    def _time_format(self, attributes: dict[str, str]) -> None:
        """Take the ``<graph>``'s ``timeformat`` (``timetype`` in GEXF 1.1): numbers or dates."""
        name = "timeformat" if "timeformat" in attributes or not self.legacy_version else "timetype"
        declared = attributes.get(name)
        if declared is None:
            self.time_format_from_first_time = self.legacy_version
            return
        lowered = declared.strip().lower()
        if lowered in _DATE_TIME_FORMATS:
            self.builder.time_format = "date"
        elif lowered not in _NUMBER_TIME_FORMATS:
            expected = "float or date" if name == "timetype" else "integer, double, date or dateTime"
            raise self.error(f"{name}={declared!r}; expected {expected}")
        self.declared_time_format = f"{name}={declared.strip()!r}"

    def _time(self, text: str, name: str, what: str) -> float:
        """One time from attribute text, or the error naming the element and the attribute."""
        if self.time_format_from_first_time:
            self.time_format_from_first_time = False
            self.builder.time_format = "number" if finite_float(text) is not None else "date"
            self.declared_time_format = None
        try:
            return parse_time(text, self.builder.time_format)
        except ValueError as reason:
            if self.legacy_version and self.declared_time_format is None:
                kind = "dates" if self.builder.time_format == "date" else "numbers"
                context = (
                    f"the <graph> declares no timetype, so times are {kind}, as the file's first time is "
                    '(declare timetype="date" or "float")'
                )
            elif self.declared_time_format is None:
                context = 'the <graph> declares no timeformat, so times are numbers (use timeformat="date")'
            else:
                context = f"the <graph> has {self.declared_time_format}"
            raise self.error(f"{what}: {name}={text!r} {reason}; {context}") from None

    def _times(self, attributes: dict[str, str], rows: list, index: int, what: str) -> None:
        """Add the intervals an element's (or a spell's) attributes give to ``rows``."""
        start_name = "start" if "start" in attributes else "startopen"
        end_name = "end" if "end" in attributes else "endopen"
        start_text, end_text = attributes.get(start_name), attributes.get(end_name)
        if start_text is not None or end_text is not None:
            start = -math.inf if start_text is None else self._time(start_text, start_name, what)
            end = math.inf if end_text is None else self._time(end_text, end_name, what)
            if end < start:
                raise self.error(f"{what}: {end_name}={end_text!r} is before {start_name}={start_text!r}")
            rows.append((index, start, end))
        if "timestamp" in attributes:
            instant = self._time(attributes["timestamp"], "timestamp", what)
            rows.append((index, instant, instant))
        if "timestamps" in attributes:
            text = attributes["timestamps"]
            items = _TIME_ITEM.findall(text)
            if not items:
                raise self.error(f"{what}: timestamps={text!r} lists no time; expected <[t1, t2, ...]>")
            for item in items:
                instant = self._time(item, "timestamps", what)
                rows.append((index, instant, instant))
        if "intervals" in attributes:
            text = attributes["intervals"]
            pairs = [pair.split(",") for pair in _BRACKETED.findall(text)]
            if not pairs or any(len(pair) != 2 for pair in pairs):
                raise self.error(f"{what}: intervals={text!r}; expected <[start, end]; [start, end]>")
            for start_item, end_item in pairs:
                start = self._time(start_item.strip(" \"'"), "intervals", what)
                end = self._time(end_item.strip(" \"'"), "intervals", what)
                if end < start:
                    raise self.error(
                        f"{what}: intervals={text!r} holds [{start_item}, {end_item}], which ends before it "
                        "starts"
                    )
                rows.append((index, start, end))

    def _spell(self, attributes: dict[str, str]) -> None:
        """A ``<spell>`` (``<slice>`` in GEXF 1.1): one more interval of the edge or node it is in."""
        if self.current_edge is not None:
            self._times(attributes, self.builder.edge_intervals, self.current_edge, self.current_edge_name)
        elif self.node_stack:
            self._times(attributes, self.builder.node_intervals, self.node_stack[-1], self.node_names[-1])

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
        if self.builder.node_intervals or self.builder.edge_intervals:
            logger.info(
                "%s: a dynamic graph: %d node and %d edge intervals", self.path,
                len(self.builder.node_intervals), len(self.builder.edge_intervals),
            )  # fmt: skip
        if self.dynamic_values:
            logger.info("%s: %d later values of dynamic attributes ignored", self.path, self.dynamic_values)
        for domain, defaults in (("node", self.builder.node_defaults), ("edge", self.builder.edge_defaults)):
            for attribute in self.attributes[domain].values():
                if attribute.default is not None:
                    defaults[attribute.title] = attribute.default
        return self.builder.build(directed=self.default_directed)


def read_gexf(raw: bytes, path: str) -> Graph:
    """Read a GEXF document.

    Raises
    ------
    GraphFileError
        ``PATH:LINE:COLUMN: ...`` for XML that is not well-formed, a missing ``id``/``source``/``target``, a
        duplicate node id, an edge to an unknown node, a bad number in ``viz:*`` or ``weight``, an
        attribute value that does not fit its declared type, an unknown ``timeformat``, or a time that does
        not fit the timeformat or ends before it starts (naming the node or edge).
    """
    return parse_document(lambda: _GexfReader(path), raw, path).graph()
