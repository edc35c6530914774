"""Writing layouts: positions with the graph.

:func:`write_positions` writes a graph with its node positions (and colours and sizes) as GEXF (Gephi reads
it: ``viz:position``, ``viz:color``, ``viz:size``), GraphML, GML, node-link JSON, or a CSV table
``id,x,y[,z]``; the format comes from the file name. What it writes, :func:`helios_app.io.read_graph`
reads back to the same node ids, edges, weights, direction, labels, attributes, positions, colours and sizes
(see the caveats in :func:`write_positions`). A suffix ``.gz``, ``.bz2`` or ``.xz`` compresses the file.

Session files (a whole view) are :mod:`helios_app.io.session_file`.
"""

from __future__ import annotations

import bz2
import csv
import gzip
import io
import json
import logging
import lzma
import math
import os
import re
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from helios_app.errors import HeliosError
from helios_app.graph import Graph, graph_fingerprint
from helios_app.io.formats._common import parse_hex_color

logger = logging.getLogger(__name__)

__all__ = [
    "WRITE_FORMATS",
    "graph_fingerprint",
    "write_positions",
]

WRITE_FORMATS = {".gexf": "gexf", ".graphml": "graphml", ".gml": "gml", ".csv": "csv", ".json": "node-link"}
_FORMAT_NAMES = {"gexf", "graphml", "gml", "csv", "node-link", "json"}
_COMPRESSORS = {".gz": gzip.compress, ".bz2": bz2.compress, ".xz": lzma.compress}
_GML_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
_CANONICAL_INTEGER = re.compile(r"(?:0|-?[1-9][0-9]{0,17})\Z")  # what GML reads back as the same text
_GML_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f]")
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


# ----------------------------------------------------------------------------------------------------------
# Positions with the graph


def write_positions(
    graph: Graph,
    positions: Any,
    path: str | os.PathLike,
    format: str | None = None,
    *,
    colors: Any = None,
    sizes: Any = None,
) -> Path:
    """Write ``graph`` with node ``positions`` to ``path``, in the format its suffix names.

    Parameters
    ----------
    graph : Graph
    positions : array_like or None
        ``(node_count, 2)`` or ``(node_count, 3)`` numbers (a layout's output); a row of NaN leaves that node
        without a position. None writes ``graph.initial_positions`` (or no positions).
    path : str or os.PathLike
        ``.gexf``, ``.graphml``, ``.gml``, ``.csv`` (positions only: ``id,x,y[,z]``) or ``.json`` (node-link),
        optionally followed by ``.gz``, ``.bz2`` or ``.xz``. The file is replaced atomically.
    format : str, optional
        ``"gexf"``, ``"graphml"``, ``"gml"``, ``"csv"`` or ``"node-link"``, to override the suffix.
    colors : array_like, optional
        uint8 ``(node_count, 3)`` RGB to write (e.g. the view's encoding); by default ``graph.node_colors``.
    sizes : array_like, optional
        ``(node_count,)`` sizes to write; by default ``graph.node_sizes``.

    Returns
    -------
    pathlib.Path
        The file written.

    Raises
    ------
    HeliosError
        For an unknown format, positions of the wrong shape or not finite, or a file that cannot be written.

    Notes
    -----
    Round trips keep everything listed in the module docstring, with these limits: GraphML and GEXF do not
    carry the ``multigraph`` flag, and GML and JSON set it for a graph with parallel edges (networkx refuses
    or merges them otherwise); per-edge direction (``Graph.edge_directed``, a graph that mixes directed and
    undirected edges) is written by GraphML (``directed`` per edge) and GEXF (``type`` per edge) only: GML
    and JSON write the graph-level ``directed`` with a warning, and every edge reads back of that kind; GML
    writes booleans as 0/1; a column mixing numbers and text is written as text (mixed ints and floats as
    floats); attribute names that the format reserves (GML ``id``, ``label``,
    ``graphics``; GraphML node keys ``label``, ``x``, ``y``, ``z``, ``r``, ``g``, ``b``, ``size``,
    ``color`` and edge ``weight``; JSON node fields ``id``, ``label``, ``x``, ``y``, ``z``, ``color``,
    ``size``) are skipped with a warning, as are GML keys that are not identifiers; 3-D positions whose ``z``
    are all 0 read back as 2-D.
    """
    target = Path(path)
    kind, compressor = output_format(target, format)
    if positions is None:
        positions = graph.initial_positions
    placed = _checked_positions(positions, graph.node_count) if positions is not None else None
    node_colors = graph.node_colors if colors is None else _checked_colors(colors, graph.node_count)
    node_sizes = graph.node_sizes if sizes is None else _checked_sizes(sizes, graph.node_count)
    if kind == "csv":
        if placed is None:
            raise HeliosError(f"{target}: a CSV positions table needs positions; none were given")
        text = _csv_text(graph, placed)
    elif kind == "gexf":
        text = _gexf_text(graph, placed, node_colors, node_sizes)
    elif kind == "graphml":
        text = _graphml_text(graph, placed, node_colors, node_sizes)
    elif kind == "gml":
        _warn_mixed_direction(graph, target, "GML")
        text = _gml_text(graph, placed, node_colors, node_sizes)
    else:
        _warn_mixed_direction(graph, target, "node-link JSON")
        text = _node_link_text(graph, placed, node_colors, node_sizes)
    data = text.encode("utf-8")
    if compressor is not None:
        data = compressor(data)
    write_atomically(target, data)
    logger.info("wrote %s (%s, %d nodes, %d edges)", target, kind, graph.node_count, graph.edge_count)
    return target


def output_format(path: str | os.PathLike, format: str | None = None) -> tuple[str, Any]:
    """The format :func:`write_positions` writes ``path`` in, and its compressor (or None).

    Called before any work by the commands, so that a bad suffix or a missing directory is reported at
    once, not after a whole layout ran.

    Raises
    ------
    HeliosError
        For a suffix that names no format, or a directory that does not exist.
    """
    target = Path(path)
    compressor = _COMPRESSORS.get(target.suffix.lower())
    base_suffix = Path(target.stem).suffix.lower() if compressor else target.suffix.lower()
    kind = _write_format(format, base_suffix, target)
    check_output_directory(target)
    return kind, compressor


def check_output_directory(path: str | os.PathLike) -> None:
    """Raise a HeliosError naming ``path`` when its directory does not exist or is not a directory."""
    directory = Path(path).parent
    if not directory.is_dir():
        what = "is not a directory" if directory.exists() else "does not exist"
        raise HeliosError(f"{path}: cannot write there: the directory {directory} {what}")


def _write_format(format: str | None, suffix: str, target: Path) -> str:
    if format is not None:
        key = format.strip().lower().lstrip(".")
        key = "node-link" if key == "json" else key
        if key not in _FORMAT_NAMES:
            raise HeliosError(
                f"unknown output format {format!r}; choose from csv, gexf, gml, graphml, node-link"
            )
        return key
    kind = WRITE_FORMATS.get(suffix)
    if kind is None:
        choices = ", ".join(sorted(WRITE_FORMATS))
        raise HeliosError(
            f"{target}: cannot tell the output format from the suffix {suffix or '(none)'!r}; "
            f"use one of {choices}"
        )
    return kind


def _checked_positions(positions: Any, node_count: int) -> np.ndarray:
    try:
        array = np.asarray(positions, dtype=np.float64)
    except (TypeError, ValueError) as error:
        raise HeliosError(f"positions: expected numbers ({error})") from None
    if array.ndim != 2 or array.shape[0] != node_count or array.shape[1] not in (2, 3):
        raise HeliosError(
            f"positions: expected shape ({node_count}, 2) or ({node_count}, 3), got {array.shape}"
        )
    unplaced = np.isnan(array).all(axis=1)
    bad = ~(np.isfinite(array).all(axis=1) | unplaced)
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        raise HeliosError(f"positions: row {row} is {array[row].tolist()}; positions must be finite")
    return array


def _checked_colors(colors: Any, node_count: int) -> np.ndarray:
    array = np.asarray(colors)
    if array.shape != (node_count, 3) or not np.issubdtype(array.dtype, np.integer):
        raise HeliosError(
            f"colors: expected integers of shape ({node_count}, 3), got {array.dtype} {array.shape}"
        )
    if array.size and (array.min() < 0 or array.max() > 255):
        raise HeliosError("colors: components must lie in 0 .. 255")
    return array.astype(np.uint8)


def _checked_sizes(sizes: Any, node_count: int) -> np.ndarray:
    array = np.asarray(sizes, dtype=np.float64)
    if array.shape != (node_count,):
        raise HeliosError(f"sizes: expected shape ({node_count},), got {array.shape}")
    return array


def _sync_directory(directory: Path) -> None:
    """Flush a directory's entries (the rename) to disk, where the system allows it."""
    try:
        descriptor = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(descriptor)
    except OSError:
        pass
    finally:
        os.close(descriptor)


def write_atomically(target: Path, data: bytes) -> None:
    """Write ``data`` to a temporary file beside ``target``, flush it to disk and move it into place: a
    crash at any moment leaves the old file or the new one, never a part of either.

    The temporary file is ``.NAME.XXXXXXXX.tmp`` in the same folder. Any failure, an interrupt (Ctrl-C)
    included, removes it; only a kill leaves it behind (the autosaver removes those it finds stale:
    :func:`helios_app.autosave.remove_stale_temporaries`)."""
    directory = target.parent if str(target.parent) else Path(".")
    try:
        handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=directory)
    except OSError as error:
        raise HeliosError(f"{target}: cannot write ({error.strerror or error})") from None
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())  # the bytes are on disk before the name points at them
        os.chmod(temporary, 0o644)
        os.replace(temporary, target)
    except BaseException as error:
        try:
            os.unlink(temporary)
        except OSError:
            pass
        if isinstance(error, OSError):
            raise HeliosError(f"{target}: cannot write ({error.strerror or error})") from None
        raise
    _sync_directory(directory)


def _number(value: float) -> str:
    """Shortest text that reads back as the same float (``repr``), ints without a fraction kept as floats."""
    return repr(float(value))


def _column_type(values: Sequence) -> str:
    """``boolean``, ``integer``, ``double`` or ``string`` for a column (None entries ignored)."""
    present = [value for value in values if value is not None]
    if not present:
        return "string"
    booleans = [isinstance(value, (bool, np.bool_)) for value in present]
    if all(booleans):
        return "boolean"
    if any(booleans):
        return "string"
    if all(isinstance(value, (int, np.integer)) for value in present):
        return "integer"
    if all(isinstance(value, (int, float, np.integer, np.floating)) for value in present):
        return "double"
    return "string"


def _typed_text(value: Any, kind: str) -> str:
    if kind == "boolean":
        return "true" if value else "false"
    if kind == "integer":
        return str(int(value))
    if kind == "double":
        return repr(float(value))
    return str(value)


def _xml_escape(text: str, attribute: bool = True) -> str:
    if _XML_INVALID.search(text):
        logger.warning("a text with characters XML cannot hold was written with them replaced: %r", text[:40])
        text = _XML_INVALID.sub("\ufffd", text)
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\r", "&#13;")
    if attribute:
        text = text.replace('"', "&quot;").replace("\n", "&#10;").replace("\t", "&#9;")
    return text


def _declares_multigraph(graph: Graph) -> bool:
    """Whether a file should declare parallel edges: the graph says so, or has some (networkx needs it)."""
    if graph.multigraph or graph.edge_count < 2:
        return graph.multigraph
    first, second = graph.edges[:, 0].astype(np.int64), graph.edges[:, 1].astype(np.int64)
    if not graph.directed:
        first, second = np.minimum(first, second), np.maximum(first, second)
    keys = first * max(graph.node_count, 1) + second
    return len(np.unique(keys)) < len(keys)


def _warn_mixed_direction(graph: Graph, target: Path, format_name: str) -> None:
    """Warn that a format with one graph-level direction flag loses a mixed graph's per-edge flags."""
    if graph.edge_directed is not None:
        logger.warning(
            "%s: %s has no per-edge direction; the graph's %d directed and %d undirected edges are all "
            "written as %s (GraphML and GEXF keep each edge's direction)",
            target, format_name, int(graph.edge_directed.sum()), int((~graph.edge_directed).sum()),
            "directed" if graph.directed else "undirected",
        )  # fmt: skip


def _rgb(colors: np.ndarray | None, index: int) -> tuple[int, int, int] | None:
    if colors is None:
        return None
    red, green, blue = (int(value) for value in colors[index])
    return red, green, blue


def _size(sizes: np.ndarray | None, index: int) -> float | None:
    if sizes is None or not math.isfinite(float(sizes[index])):
        return None
    return float(sizes[index])


def _position(positions: np.ndarray | None, index: int) -> list[float] | None:
    if positions is None or math.isnan(positions[index, 0]):
        return None
    return positions[index].tolist()


def _csv_text(graph: Graph, positions: np.ndarray) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    axes = ["x", "y", "z"][: positions.shape[1]]
    writer.writerow(["id", *axes])
    for index, node_id in enumerate(graph.node_ids):
        row = _position(positions, index)
        if row is not None:
            writer.writerow([node_id, *(_number(value) for value in row)])
    return buffer.getvalue()


# -- GEXF -------------------------------------------------------------------------------------------------

_GEXF_TYPES = {"boolean": "boolean", "integer": "long", "double": "double", "string": "string"}


def _gexf_text(
    graph: Graph, positions: np.ndarray | None, colors: np.ndarray | None, sizes: np.ndarray | None
) -> str:
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        ('<gexf xmlns="http://www.gexf.net/1.2draft" xmlns:viz="http://www.gexf.net/1.2draft/viz" '
        'version="1.2">'),
        "  <meta>",
        "    <creator>Helios</creator>",
        f"    <description>{_xml_escape(graph.source, attribute=False)}</description>",
        "  </meta>",
        f'  <graph mode="static" defaultedgetype="{"directed" if graph.directed else "undirected"}">',
    ]
    node_columns = _typed_columns(graph.node_attributes)
    edge_columns = _typed_columns(graph.edge_attributes)
    for kind, columns in (("node", node_columns), ("edge", edge_columns)):
        if columns:
            lines.append(f'    <attributes class="{kind}">')
            for number, (name, column_type, _) in enumerate(columns):
                title, type_name = _xml_escape(name), _GEXF_TYPES[column_type]
                lines.append(f'      <attribute id="{number}" title="{title}" type="{type_name}"/>')
            lines.append("    </attributes>")
    lines.append("    <nodes>")
    for index, node_id in enumerate(graph.node_ids):
        label = f' label="{_xml_escape(graph.labels[index])}"' if graph.labels is not None else ""
        lines.append(f'      <node id="{_xml_escape(node_id)}"{label}>')
        lines.extend(_gexf_attvalues(node_columns, index, "        "))
        size = _size(sizes, index)
        if size is not None:
            lines.append(f'        <viz:size value="{_number(size)}"/>')
        row = _position(positions, index)
        if row is not None:
            z = f' z="{_number(row[2])}"' if len(row) == 3 else ""
            lines.append(f'        <viz:position x="{_number(row[0])}" y="{_number(row[1])}"{z}/>')
        rgb = _rgb(colors, index)
        if rgb is not None:
            lines.append(f'        <viz:color r="{rgb[0]}" g="{rgb[1]}" b="{rgb[2]}"/>')
        lines.append("      </node>")
    lines.append("    </nodes>")
    lines.append("    <edges>")
    weights = graph.weights
    edge_directed = graph.edge_directed  # None unless the graph mixes directed and undirected edges
    for index, (source, target) in enumerate(graph.edges.tolist()):
        weight = f' weight="{_number(weights[index])}"' if weights is not None else ""
        edge_type = ""
        if edge_directed is not None:
            edge_type = f' type="{"directed" if edge_directed[index] else "undirected"}"'
        opening = (
            f'      <edge id="{index}" source="{_xml_escape(graph.node_ids[source])}" '
            f'target="{_xml_escape(graph.node_ids[target])}"{edge_type}{weight}'
        )
        values = _gexf_attvalues(edge_columns, index, "        ")
        if values:
            lines.append(opening + ">")
            lines.extend(values)
            lines.append("      </edge>")
        else:
            lines.append(opening + "/>")
    lines.append("    </edges>")
    lines.append("  </graph>")
    lines.append("</gexf>")
    return "\n".join(lines) + "\n"


def _typed_columns(columns: Mapping[str, list]) -> list[tuple[str, str, list]]:
    return [(name, _column_type(values), values) for name, values in columns.items()]


def _gexf_attvalues(columns: list[tuple[str, str, list]], index: int, indent: str) -> list[str]:
    values = []
    for number, (_, column_type, column) in enumerate(columns):
        value = column[index]
        if value is None:
            continue
        text = _xml_escape(_typed_text(value, column_type))
        values.append(f'{indent}  <attvalue for="{number}" value="{text}"/>')
    if not values:
        return []
    return [f"{indent}<attvalues>", *values, f"{indent}</attvalues>"]


# -- GraphML ----------------------------------------------------------------------------------------------

_GRAPHML_TYPES = {"boolean": "boolean", "integer": "long", "double": "double", "string": "string"}


def _graphml_clash(name: str, column_type: str, values: list) -> bool:
    """Whether the GraphML reader would take a node attribute for a label, position, colour or size."""
    lowered = name.lower()
    numeric = column_type in ("integer", "double")
    clash = (
        lowered == "label"
        or (lowered in ("x", "y", "z", "xcor", "ycor") and numeric)
        or (lowered in ("r", "g", "b") and column_type == "integer")
        or (lowered == "size" and numeric)
        or (
            lowered in ("color", "colour") and column_type == "string"
            and any(isinstance(value, str) and parse_hex_color(value) for value in values)
        )
    )  # fmt: skip
    if clash:
        logger.warning("attribute %r is not written: GraphML readers take it for a node encoding", name)
    return clash


def _graphml_text(
    graph: Graph, positions: np.ndarray | None, colors: np.ndarray | None, sizes: np.ndarray | None
) -> str:
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        ('<graphml xmlns="http://graphml.graphdrawing.org/xmlns" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
        'xsi:schemaLocation="http://graphml.graphdrawing.org/xmlns '
        'http://graphml.graphdrawing.org/xmlns/1.0/graphml.xsd">'),
        "  <!-- written by Helios -->",
    ]
    node_columns = [column for column in _typed_columns(graph.node_attributes) if not _graphml_clash(*column)]
    edge_columns = [
        column for column in _typed_columns(graph.edge_attributes)
        if _allowed(column[0], {"weight"}, "GraphML edge", case_insensitive=True)
    ]  # fmt: skip
    dimensions = positions.shape[1] if positions is not None else 0
    if graph.labels is not None:
        lines.append('  <key id="label" for="node" attr.name="label" attr.type="string"/>')
    for axis in ("x", "y", "z")[:dimensions]:
        lines.append(f'  <key id="{axis}" for="node" attr.name="{axis}" attr.type="double"/>')
    if colors is not None:
        for channel in ("r", "g", "b"):
            lines.append(f'  <key id="{channel}" for="node" attr.name="{channel}" attr.type="int"/>')
    if sizes is not None:
        lines.append('  <key id="size" for="node" attr.name="size" attr.type="double"/>')
    for number, (name, column_type, _) in enumerate(node_columns):
        name_text, type_name = _xml_escape(name), _GRAPHML_TYPES[column_type]
        lines.append(f'  <key id="n{number}" for="node" attr.name="{name_text}" attr.type="{type_name}"/>')
    if graph.weights is not None:
        lines.append('  <key id="weight" for="edge" attr.name="weight" attr.type="double"/>')
    for number, (name, column_type, _) in enumerate(edge_columns):
        name_text, type_name = _xml_escape(name), _GRAPHML_TYPES[column_type]
        lines.append(f'  <key id="e{number}" for="edge" attr.name="{name_text}" attr.type="{type_name}"/>')
    lines.append(f'  <graph id="G" edgedefault="{"directed" if graph.directed else "undirected"}">')
    for index, node_id in enumerate(graph.node_ids):
        data = []
        if graph.labels is not None:
            data.append(("label", graph.labels[index]))
        row = _position(positions, index)
        if row is not None:
            data.extend(zip(("x", "y", "z"), (_number(value) for value in row)))
        rgb = _rgb(colors, index)
        if rgb is not None:
            data.extend(zip(("r", "g", "b"), (str(value) for value in rgb)))
        size = _size(sizes, index)
        if size is not None:
            data.append(("size", _number(size)))
        for number, (_, column_type, column) in enumerate(node_columns):
            if column[index] is not None:
                data.append((f"n{number}", _typed_text(column[index], column_type)))
        lines.append(_graphml_element("node", f'id="{_xml_escape(node_id)}"', data))
    for index, (source, target) in enumerate(graph.edges.tolist()):
        data = []
        if graph.weights is not None:
            data.append(("weight", _number(graph.weights[index])))
        for number, (_, column_type, column) in enumerate(edge_columns):
            if column[index] is not None:
                data.append((f"e{number}", _typed_text(column[index], column_type)))
        source_id, target_id = _xml_escape(graph.node_ids[source]), _xml_escape(graph.node_ids[target])
        ends = f'source="{source_id}" target="{target_id}"'
        if graph.edge_directed is not None:  # a graph that mixes directed and undirected edges
            ends += f' directed="{"true" if graph.edge_directed[index] else "false"}"'
        lines.append(_graphml_element("edge", ends, data))
    lines.append("  </graph>")
    lines.append("</graphml>")
    return "\n".join(lines) + "\n"


def _graphml_element(name: str, attributes: str, data: list[tuple[str, str]]) -> str:
    if not data:
        return f"    <{name} {attributes}/>"
    inner = "".join(f'<data key="{key}">{_xml_escape(value, attribute=False)}</data>' for key, value in data)
    return f"    <{name} {attributes}>{inner}</{name}>"


def _allowed(name: str, reserved: set[str], where: str, case_insensitive: bool = False) -> bool:
    if (name.lower() if case_insensitive else name) in reserved:
        logger.warning("attribute %r is not written: %s reserves that name", name, where)
        return False
    return True


# -- GML --------------------------------------------------------------------------------------------------


def _gml_string(text: str) -> str:
    text = text.replace("&", "&amp;").replace('"', "&quot;")
    if _GML_CONTROL.search(text):
        text = _GML_CONTROL.sub(lambda match: f"&#{ord(match.group(0))};", text)
    return '"' + text + '"'


def _gml_value(value: Any) -> str | None:
    if isinstance(value, (bool, np.bool_)):
        return "1" if value else "0"
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, (float, np.floating)):
        if not math.isfinite(float(value)):
            return None
        return repr(float(value))
    return _gml_string(str(value))


def _gml_id(node_id: str) -> str:
    return node_id if _CANONICAL_INTEGER.match(node_id) else _gml_string(node_id)


def _gml_columns(columns: Mapping[str, list], reserved: set[str], where: str) -> list[tuple[str, list]]:
    kept = []
    for name, values in columns.items():
        if not _GML_KEY.match(name):
            logger.warning("attribute %r is not written: a GML key is made of letters, digits and _", name)
        elif _allowed(name, reserved, where):
            kept.append((name, values))
    return kept


def _gml_text(
    graph: Graph, positions: np.ndarray | None, colors: np.ndarray | None, sizes: np.ndarray | None
) -> str:
    lines = ['Creator "Helios"', "graph", "["]
    lines.append(f"  directed {1 if graph.directed else 0}")
    if _declares_multigraph(graph):
        lines.append("  multigraph 1")
    node_columns = _gml_columns(graph.node_attributes, {"id", "label", "graphics"}, "GML node")
    edge_reserved = {"source", "target", "weight"} | ({"value"} if graph.weights is None else set())
    edge_columns = _gml_columns(graph.edge_attributes, edge_reserved, "GML edge")
    for index, node_id in enumerate(graph.node_ids):
        lines.append("  node")
        lines.append("  [")
        lines.append(f"    id {_gml_id(node_id)}")
        if graph.labels is not None:
            lines.append(f"    label {_gml_string(graph.labels[index])}")
        for name, column in node_columns:
            text = _gml_value(column[index]) if column[index] is not None else None
            if text is not None:
                lines.append(f"    {name} {text}")
        graphics = []
        row = _position(positions, index)
        if row is not None:
            graphics.extend(f"      {axis} {_number(value)}" for axis, value in zip(("x", "y", "z"), row))
        size = _size(sizes, index)
        if size is not None:
            graphics.append(f"      w {_number(size)}")
            graphics.append(f"      h {_number(size)}")
        rgb = _rgb(colors, index)
        if rgb is not None:
            graphics.append(f'      fill "#{rgb[0]:02X}{rgb[1]:02X}{rgb[2]:02X}"')
        if graphics:
            lines.extend(["    graphics", "    [", *graphics, "    ]"])
        lines.append("  ]")
    for index, (source, target) in enumerate(graph.edges.tolist()):
        lines.append("  edge")
        lines.append("  [")
        lines.append(f"    source {_gml_id(graph.node_ids[source])}")
        lines.append(f"    target {_gml_id(graph.node_ids[target])}")
        if graph.weights is not None:
            lines.append(f"    weight {_number(graph.weights[index])}")
        for name, column in edge_columns:
            text = _gml_value(column[index]) if column[index] is not None else None
            if text is not None:
                lines.append(f"    {name} {text}")
        lines.append("  ]")
    lines.append("]")
    return "\n".join(lines) + "\n"


# -- node-link JSON ---------------------------------------------------------------------------------------

_JSON_RESERVED_NODE = {"id", "label", "x", "y", "z", "color", "size"}


def _json_value(value: Any) -> Any:
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _node_link_text(
    graph: Graph, positions: np.ndarray | None, colors: np.ndarray | None, sizes: np.ndarray | None
) -> str:
    node_columns = [
        (name, values) for name, values in graph.node_attributes.items()
        if _allowed(name, _JSON_RESERVED_NODE, "node-link JSON")
    ]  # fmt: skip
    edge_columns = [
        (name, values) for name, values in graph.edge_attributes.items()
        if _allowed(name, {"source", "target", "weight"}, "node-link JSON")
    ]  # fmt: skip
    nodes = []
    for index, node_id in enumerate(graph.node_ids):
        node: dict[str, Any] = {"id": node_id}
        if graph.labels is not None:
            node["label"] = graph.labels[index]
        row = _position(positions, index)
        if row is not None:
            node.update(zip(("x", "y", "z"), row))
        rgb = _rgb(colors, index)
        if rgb is not None:
            node["color"] = f"#{rgb[0]:02x}{rgb[1]:02x}{rgb[2]:02x}"
        size = _size(sizes, index)
        if size is not None:
            node["size"] = size
        for name, column in node_columns:
            value = _json_value(column[index])
            if value is not None:
                node[name] = value
        nodes.append(node)
    edges = []
    for index, (source, target) in enumerate(graph.edges.tolist()):
        edge: dict[str, Any] = {"source": graph.node_ids[source], "target": graph.node_ids[target]}
        if graph.weights is not None:
            edge["weight"] = float(graph.weights[index])
        for name, column in edge_columns:
            value = _json_value(column[index])
            if value is not None:
                edge[name] = value
        edges.append(edge)
    document = {
        "directed": graph.directed,
        "multigraph": _declares_multigraph(graph),
        "graph": {"source": graph.source},
        "nodes": nodes,
        "edges": edges,
    }
    return json.dumps(document, ensure_ascii=False, allow_nan=False, indent=1) + "\n"
