"""One module per graph file format, and the detection that picks one from a file's name and content.

Each reader takes the (decompressed) bytes and the path to name in messages, and returns a
:class:`~helios_app.graph.Graph` or raises :class:`GraphFileError` (a
:class:`~helios_app.errors.HeliosError`) whose message starts ``PATH:LINE[:COLUMN]:``.
:func:`helios_app.io.read_graph` is the entry point that reads files, decompresses and dispatches here.
"""

from __future__ import annotations

import importlib
import logging
import re

from helios_app.graph import Graph
from helios_app.io.formats._common import GraphFileError, check_text
from helios_app.io.formats.adjlist import looks_like_adjlist
from helios_app.io.formats.gml import looks_like_gml

logger = logging.getLogger(__name__)

__all__ = ["FORMATS", "FORMAT_ALIASES", "GraphFileError", "detect_format", "read_bytes_as"]

FORMATS: dict[str, str] = {
    "gml": "GML",
    "graphml": "GraphML",
    "gexf": "GEXF",
    "pajek": "Pajek (.net, .paj)",
    "edgelist": "edge list (whitespace, CSV or TSV)",
    "matrix-market": "Matrix Market (.mtx)",
    "node-link": "networkx node-link JSON",
    "adjlist": "networkx adjacency list (.adjlist, single-line or multi-line)",
}
FORMAT_ALIASES = {
    "net": "pajek", "paj": "pajek", "edge-list": "edgelist", "edges": "edgelist", "csv": "edgelist",
    "tsv": "edgelist", "txt": "edgelist", "mtx": "matrix-market", "matrixmarket": "matrix-market",
    "json": "node-link", "nodelink": "node-link", "adjacency-list": "adjlist", "multiline-adjlist": "adjlist",
}  # fmt: skip
_XML_FORMATS = {"graphml", "gexf"}
_SUFFIX_FORMATS = {
    ".gml": "gml", ".graphml": "graphml", ".gexf": "gexf", ".net": "pajek", ".paj": "pajek", ".json": "node-link",
    ".adjlist": "adjlist",
}  # fmt: skip
"""Suffixes that name a format: a file is read as that format unless its content is clearly another. Not
``.mtx``: a Matrix Market file without its banner line is an edge list (luxembourg_osm.mtx)."""
_ROOT_ELEMENT = re.compile(rb"<([A-Za-z_][\w.:-]*)")
_XML_PREAMBLE = re.compile(rb"\s*(?:<\?.*?\?>|<!--.*?-->|<!DOCTYPE[^>\[]*(?:\[.*?\])?\s*>|\s)*", re.DOTALL)
_HEAD_BYTES = 65536


_READERS = {
    "gml": ("gml", "read_gml"),
    "graphml": ("graphml", "read_graphml"),
    "gexf": ("gexf", "read_gexf"),
    "pajek": ("pajek", "read_pajek"),
    "edgelist": ("edgelist", "read_edge_list"),
    "matrix-market": ("matrix_market", "read_matrix_market"),
    "node-link": ("node_link", "read_node_link"),
    "adjlist": ("adjlist", "read_adjlist"),
}
"""Format -> (module of this package, its reader): a reader is imported when a file needs it."""


def _xml_root(raw: bytes, path: str, suffix: str) -> str:
    """``graphml`` or ``gexf`` from the root element of an XML text."""
    head = raw[:_HEAD_BYTES]
    preamble = _XML_PREAMBLE.match(head)
    match = _ROOT_ELEMENT.match(head, preamble.end() if preamble else 0)
    if match is None:
        if _SUFFIX_FORMATS.get(suffix) in _XML_FORMATS:
            return _SUFFIX_FORMATS[suffix]  # the XML reader will say what is wrong, with the line
        raise GraphFileError(
            path, "looks like XML, but no root element was found at its start; expected <graphml> or <gexf>", 1
        )
    root = match.group(1).decode("ascii", "replace")
    local = root.rpartition(":")[2].lower()
    if local in _XML_FORMATS:
        return local
    raise GraphFileError(
        path,
        f"an XML file whose root element is <{root}>: neither GraphML (<graphml>) nor GEXF (<gexf>); "
        f"Helios reads {', '.join(FORMATS.values())}",
        head.count(b"\n", 0, match.start()) + 1,
    )


def _significant_lines(raw: bytes, count: int = 20) -> list[str]:
    """The first non-blank lines that are not ``#`` or ``%`` comments."""
    lines: list[str] = []
    for line in raw[:_HEAD_BYTES].decode("utf-8", errors="replace").split("\n"):
        stripped = line.strip()
        if not stripped or stripped[0] in "#%":
            continue
        lines.append(stripped)
        if len(lines) == count:
            break
    return lines


def _format_from_content(raw: bytes, path: str, suffix: str) -> str | None:
    """The format the content clearly has, or None when nothing marks it (an edge list, or a broken file)."""
    stripped = raw.lstrip()
    if stripped.startswith(b"<"):
        return _xml_root(raw, path, suffix)
    if stripped[:1] in (b"{", b"["):
        return "node-link"
    if raw.startswith(b"%%MatrixMarket"):
        return "matrix-market"
    significant = _significant_lines(raw)
    if significant and significant[0].startswith("*"):
        return "pajek"
    if looks_like_gml(significant):
        return "gml"
    if any(line[:9].lower() == "*vertices" for line in significant):
        return "pajek"  # after a line of free text, which Pajek allows
    if looks_like_adjlist(raw, significant):
        return "adjlist"  # networkx's header, or neighbour lines with attribute dicts
    return None


def _short_name(kind: str) -> str:
    """``"Pajek"`` for ``"Pajek (.net, .paj)"``."""
    return FORMATS[kind].split(" (")[0]


def detect_format(raw: bytes, path: str, suffix: str) -> str:
    """Return the format (a key of :data:`FORMATS`) of decompressed bytes, from the suffix and the content.

    A suffix that names a format (``.gml``, ``.graphml``, ``.gexf``, ``.net``, ``.paj``, ``.json``,
    ``.adjlist``) decides, so that a broken file is refused by its own reader with the line at fault rather
    than read as something else; only content that is clearly another format (a ``.gml`` file that
    starts with ``<graphml``) overrides it, with a warning. Other files go by their content, an edge list
    when nothing else fits.
    """
    content = _format_from_content(raw, path, suffix)
    named = _SUFFIX_FORMATS.get(suffix)
    if named is None:
        return content or "edgelist"
    if content is None or content == named:
        return named
    logger.warning(
        "%s: named %s but the content is %s; reading it as %s",
        path, suffix, _short_name(content), _short_name(content),
    )  # fmt: skip
    return content


def read_bytes_as(
    kind: str, raw: bytes, path: str, suffix: str, time_column: int | str | None = None
) -> Graph:
    """Check the bytes as text where the format is a text format, then read them as ``kind``.

    ``time_column`` is for edge lists only (see :mod:`helios_app.io.formats.edgelist`); other formats carry
    their own time, or none.
    """
    if time_column is not None and kind != "edgelist":
        raise GraphFileError(
            path,
            f"a time column is read from edge lists only, and this file is {FORMATS[kind]}; GEXF gives time "
            "in its own start/end and spells, other formats give none",
        )
    if kind not in _XML_FORMATS:
        check_text(raw, path)
        if raw.startswith(b"\xef\xbb\xbf"):
            raw = raw[3:]
        if b"\r" in raw:
            raw = raw.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
    logger.debug("%s: read as %s", path, FORMATS[kind])
    module, function = _READERS[kind]
    reader = getattr(importlib.import_module(f"{__name__}.{module}"), function)
    if kind == "edgelist":  # the suffix tells CSV from TSV where the content cannot
        return reader(raw, path, suffix, time_column=time_column)
    return reader(raw, path)
