"""What the XML readers (GraphML, GEXF) share: a safe expat driver and a builder of nodes and edges.

Safety: a document type with an internal subset (where entities are declared) and any entity declaration
are refused before anything is expanded, so a "billion laughs" file costs nothing; external entities are
never fetched (expat does not, without a handler). Every error carries the line and column expat reports.
"""

from __future__ import annotations

import codecs
import logging
import math
import re
from collections.abc import Callable
from typing import Any, TypeVar
from xml.parsers import expat

import numpy as np

from helios_app.graph import Graph, TimeIntervals
from helios_app.io.formats._common import GraphFileError, NodeEncodings

logger = logging.getLogger(__name__)

__all__ = ["GraphBuilder", "XmlDriver", "convert_value", "local_name", "parse_document", "with_article"]

_TRUE = {"true", "1", "yes"}
_FALSE = {"false", "0", "no"}
_DECLARED_ENCODING = re.compile(rb"""\A\s*<\?xml[^>]*?encoding\s*=\s*["']([^"']*)["']""")
_DECLARATION_ENCODING_TEXT = re.compile(r"""(\A\s*<\?xml[^>]*?encoding\s*=\s*["'])[^"']*""")
INTEGER_TYPES = {"int", "integer", "long", "short", "byte", "biginteger"}
FLOAT_TYPES = {"float", "double", "bigdecimal"}


def local_name(name: str) -> str:
    """The name without its namespace prefix (``viz:position`` -> ``position``)."""
    return name.rpartition(":")[2]


def with_article(kind: str) -> str:
    """``"an integer"``, ``"a double"``."""
    return f"{'an' if kind[:1] in 'aeiou' else 'a'} {kind}"


def convert_value(text: str, kind: str) -> Any:
    """Convert attribute text to its declared type; raise ValueError when it does not fit."""
    if kind in INTEGER_TYPES:
        return int(text.strip())
    if kind in FLOAT_TYPES:
        return float(text.strip())
    if kind == "boolean":
        lowered = text.strip().lower()
        if lowered in _TRUE:
            return True
        if lowered in _FALSE:
            return False
        raise ValueError(f"not a boolean: {text!r}")
    return text


class XmlDriver:
    """Run expat over bytes, calling ``start(name, attributes)``, ``end(name)`` and ``text(data)``.

    Subclasses implement the three callbacks and use :meth:`error` for problems at the current element.
    """

    document_kind = "XML"

    def __init__(self, path: str) -> None:
        self.path = path
        self.parser = expat.ParserCreate()
        self.parser.buffer_text = True
        self.parser.ordered_attributes = False
        self.parser.StartElementHandler = self.start
        self.parser.EndElementHandler = self.end
        self.parser.CharacterDataHandler = self.text
        self.parser.StartDoctypeDeclHandler = self._doctype
        self.parser.EntityDeclHandler = self._entity
        self.parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)

    def position(self) -> tuple[int, int]:
        """1-based line and column of the event being handled."""
        return self.parser.CurrentLineNumber, self.parser.CurrentColumnNumber + 1

    def error(self, message: str, position: tuple[int, int] | None = None) -> GraphFileError:
        """The error ``PATH:LINE:COLUMN: message`` at ``position`` (by default the current element)."""
        line, column = position if position is not None else self.position()
        return GraphFileError(self.path, message, line, column)

    def _doctype(self, name: str, system_id: str | None, public_id: str | None, internal_subset: int) -> None:
        if internal_subset:
            raise self.error(
                f"the document type declaration <!DOCTYPE {name} [...]> declares entities; "
                f"{self.document_kind} files need none and Helios refuses them (entity expansion attacks)"
            )

    def _entity(self, name: str, *_: Any) -> None:
        raise self.error(f"entity declaration {name!r} refused; {self.document_kind} files need no entities")

    def run(self, raw: bytes) -> None:
        """Parse the whole document."""
        try:
            self.parser.Parse(raw, True)
        except expat.ExpatError as error:
            message = expat.ErrorString(error.code)
            hint = ""
            if error.code == expat.errors.codes.get(expat.errors.XML_ERROR_NO_ELEMENTS):
                hint = "; the file may be empty or cut short"
            elif error.code == expat.errors.codes.get(expat.errors.XML_ERROR_UNCLOSED_TOKEN):
                hint = "; the file may be cut short"
            elif error.code == expat.errors.codes.get(expat.errors.XML_ERROR_INVALID_TOKEN):
                hint = "; a character or markup that XML does not allow here"
            raise GraphFileError(
                self.path, f"not well-formed XML: {message}{hint}", error.lineno, error.offset + 1
            ) from None
        except RecursionError:
            raise self.error("elements are nested too deeply") from None
        except (LookupError, ValueError) as error:
            if isinstance(error, ValueError) and "encoding" not in str(error):
                raise
            raise _UnsupportedEncoding(str(error)) from None

    def start(self, name: str, attributes: dict[str, str]) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    def end(self, name: str) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    def text(self, data: str) -> None:  # pragma: no cover - abstract
        raise NotImplementedError


class _UnsupportedEncoding(Exception):
    """expat cannot decode the encoding the XML declaration names (multi-byte, or unknown to Python)."""


Reader = TypeVar("Reader", bound=XmlDriver)


def parse_document(make_reader: Callable[[], Reader], raw: bytes, path: str) -> Reader:
    """Run a fresh reader over ``raw``; for an encoding expat cannot decode, convert the text to UTF-8 first.

    expat decodes UTF-8, UTF-16 and single-byte encodings itself; a declared multi-byte encoding such as
    Shift_JIS is decoded here with Python's codec and the document parsed again as UTF-8.
    """
    reader = make_reader()
    try:
        reader.run(raw)
        return reader
    except _UnsupportedEncoding as error:
        problem = str(error)
    match = _DECLARED_ENCODING.match(raw)
    if match is None:
        raise GraphFileError(path, f"the XML reader cannot decode this file ({problem}); save it as UTF-8", 1)
    name = match.group(1).decode("ascii", "replace")
    try:
        is_text = getattr(codecs.lookup(name), "_is_text_encoding", True)  # base64, zlib, rot13: False
    except LookupError:
        is_text = None
    if not is_text:
        what = "unknown" if is_text is None else "not a text encoding"
        raise GraphFileError(
            path,
            f"the XML declaration names the encoding {name!r}, which is {what}; save it as UTF-8",
            1,
        )
    try:
        text = raw.decode(name)
    except UnicodeDecodeError as decode_error:
        line = raw.count(b"\n", 0, decode_error.start) + 1
        raise GraphFileError(
            path,
            f"byte 0x{raw[decode_error.start]:02x} is not {name} text (the encoding the XML declaration names)",
            line,
        ) from None
    except (UnicodeError, LookupError, ValueError) as error:
        raise GraphFileError(
            path, f"the text does not decode as {name!r}, the encoding the XML declaration names ({error})", 1
        ) from None
    text = _DECLARATION_ENCODING_TEXT.sub(r"\g<1>UTF-8", text, count=1)
    reader = make_reader()
    reader.run(text.encode("utf-8"))
    return reader


class GraphBuilder:
    """Nodes and edges as a reader meets them; :meth:`build` resolves edge ends and makes the Graph."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.node_ids: list[str] = []
        self.index_of: dict[str, int] = {}
        self.node_positions: list[tuple[int, int]] = []
        self.labels: dict[int, str] = {}
        self.node_attributes: dict[str, dict[int, Any]] = {}
        self.node_defaults: dict[str, Any] = {}
        self.positions: dict[int, list[float]] = {}
        self.colors: dict[int, tuple[int, int, int]] = {}
        self.sizes: dict[int, float] = {}
        self.sources: list[str] = []
        self.targets: list[str] = []
        self.edge_positions: list[tuple[int, int]] = []
        self.weights: dict[int, float] = {}
        self.edge_attributes: dict[str, dict[int, Any]] = {}
        self.edge_defaults: dict[str, Any] = {}
        self.node_intervals: list[tuple[int, float, float]] = []  # (node, start, end)
        self.edge_intervals: list[tuple[int, float, float]] = []  # (edge, start, end)
        self.edge_directed: list[bool] = []  # one flag per edge, for a format that says it per edge
        self.time_format = "number"

    def add_node(self, node_id: str, position: tuple[int, int]) -> int:
        """Add a node; raise for a duplicate id. Returns its index."""
        if node_id in self.index_of:
            first_line = self.node_positions[self.index_of[node_id]][0]
            raise GraphFileError(
                self.path, f"duplicate node id {node_id!r} (first used on line {first_line})", *position
            )
        index = len(self.node_ids)
        self.index_of[node_id] = index
        self.node_ids.append(node_id)
        self.node_positions.append(position)
        return index

    def add_edge(self, source: str, target: str, position: tuple[int, int]) -> int:
        """Add an edge between two node ids (resolved in :meth:`build`). Returns its index."""
        self.sources.append(source)
        self.targets.append(target)
        self.edge_positions.append(position)
        return len(self.sources) - 1

    def set_position(self, index: int, coordinates: list[float], where: tuple[int, int], what: str) -> None:
        """Set a node's initial position; raise for a coordinate that is not finite."""
        for value in coordinates:
            if not math.isfinite(value):
                raise GraphFileError(self.path, f"{what}: coordinate {value} is not finite", *where)
        self.positions[index] = coordinates

    def build(self, directed: bool, multigraph: bool = False) -> Graph:
        """Resolve edge ends to node indices and return the Graph.

        With :attr:`edge_directed` holding one flag per edge, ``directed`` is ignored: a graph whose edges are
        all one kind is that kind, and one that mixes them is directed with its per-edge flags.
        """
        node_count = len(self.node_ids)
        edge_count = len(self.sources)
        ends = []
        for name, ids in (("source", self.sources), ("target", self.targets)):
            found = list(map(self.index_of.get, ids))
            if None in found:
                position = found.index(None)
                raise GraphFileError(
                    self.path,
                    f"edge {name} {ids[position]!r} is not the id of any node",
                    *self.edge_positions[position],
                )
            ends.append(found)
        edges = np.array(ends, dtype=np.int64).T.reshape(-1, 2)
        weights = None
        if self.weights:
            weights = np.ones(edge_count, dtype=np.float64)
            weights[list(self.weights)] = list(self.weights.values())
        labels = None
        if self.labels:
            labels = [self.labels.get(index, node_id) for index, node_id in enumerate(self.node_ids)]
        edge_directed = None
        if self.edge_directed:
            directed = any(self.edge_directed)
            edge_directed = np.array(self.edge_directed, dtype=bool)  # Graph stores None unless mixed
            directed_count = int(edge_directed.sum())
            if directed_count < edge_count:
                logger.info(
                    "%s: %d directed and %d undirected edges; each edge keeps its own direction",
                    self.path, directed_count, edge_count - directed_count,
                )  # fmt: skip
        encodings = NodeEncodings(node_count)
        for index, coordinates in self.positions.items():
            encodings.positions[index, : len(coordinates)] = coordinates
        for index, rgb in self.colors.items():
            encodings.set_color(index, rgb)
        for index, size in self.sizes.items():
            encodings.sizes[index] = size
        return Graph(
            node_ids=self.node_ids,
            edges=edges,
            weights=weights,
            directed=directed,
            labels=labels,
            node_attributes=_columns(self.node_attributes, self.node_defaults, node_count),
            source=self.path,
            multigraph=multigraph,
            edge_attributes=_columns(self.edge_attributes, self.edge_defaults, edge_count),
            node_times=_intervals(self.node_intervals),
            edge_times=_intervals(self.edge_intervals),
            time_format=self.time_format,
            edge_directed=edge_directed,
            **encodings.fields(),
        )


def _intervals(rows: list[tuple[int, float, float]]) -> TimeIntervals | None:
    """``(owner, start, end)`` rows as TimeIntervals, None for none."""
    if not rows:
        return None
    owner, start, end = zip(*rows)
    return TimeIntervals(owner, start, end)


def _columns(values: dict[str, dict[int, Any]], defaults: dict[str, Any], count: int) -> dict[str, list]:
    """Lists of ``count`` items from sparse ``{index: value}`` columns, the default (or None) elsewhere."""
    columns = {}
    for name, column in values.items():
        default = defaults.get(name)
        items = [default] * count
        for index, value in column.items():
            items[index] = value
        columns[name] = items
    for name, default in defaults.items():
        if name not in columns and default is not None:
            columns[name] = [default] * count
    return columns
