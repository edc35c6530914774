"""Reading graphs: :func:`read_graph` for files, :func:`as_graph` for Python objects, :func:`read_positions`.

:func:`read_graph` is the one entry point for files. It detects compression (gzip, bzip2, xz) from the first
bytes and the format from the content (the readers live in :mod:`helios_app.io.formats`, one module per format);
the file name's suffix only decides where the content cannot. Every problem with the input is raised as a
:class:`~helios_app.io.formats.GraphFileError` (a :class:`~helios_app.errors.HeliosError`) whose message reads
``PATH:LINE[:COLUMN]: what is wrong``.
"""

from __future__ import annotations

import bz2
import codecs
import csv
import logging
import lzma
import math
import os
import time
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from helios_app.errors import HeliosError
from helios_app.graph import Graph, graph_from_networkx, graph_from_scipy
from helios_app.io.formats import FORMAT_ALIASES, FORMATS, GraphFileError, detect_format, read_bytes_as

logger = logging.getLogger(__name__)

__all__ = ["FORMATS", "GraphFileError", "ProgressCallback", "as_graph", "read_graph", "read_positions"]

ProgressCallback = Callable[[int, int], None]
"""``progress(bytes_done, bytes_total)``, called as a file is read (compressed bytes when compressed)."""

_CHUNK_BYTES = 1 << 22
_COMPRESSED_SUFFIXES = {".gz", ".gzip", ".bz2", ".xz"}
_MAGIC = ((b"\x1f\x8b", "gzip"), (b"BZh", "bzip2"), (b"\xfd7zXZ\x00", "xz"))


def read_graph(
    path: str | os.PathLike,
    *,
    format: str | None = None,
    progress: ProgressCallback | None = None,
    time_column: int | str | None = None,
) -> Graph:
    """Read a graph file, optionally gzip-, bzip2- or xz-compressed.

    Parameters
    ----------
    path : str or os.PathLike
        The file. Its format is detected from its content (see :func:`helios_app.io.formats.detect_format`):

        * GML (Newman's files, Gephi's with ``graphics``; ``multigraph 1`` and ``directed 1`` kept);
        * GraphML (any namespace) and GEXF (1.1draft, 1.2draft, 1.3, Gephi's pre-1.0): ``viz:position``,
          ``viz:color`` and ``viz:size`` become ``initial_positions``, ``node_colors``, ``node_sizes``;
        * Pajek ``.net``/``.paj`` (``*Vertices N`` with or without vertex lines; repeated edges collapsed);
        * Matrix Market coordinate files, and the header-less variant read as an edge list;
        * networkx node-link JSON;
        * edge lists: ``source target [weight]`` separated by whitespace, commas or tabs, ``#``/``%``
          comments, an optional header row, any id tokens (numbered by first appearance, kept as text).
    format : str, optional
        Skip detection and read as this format: one of :data:`FORMATS` (or an alias such as ``"net"``,
        ``"csv"``, ``"mtx"``, ``"json"``).
    progress : callable, optional
        ``progress(bytes_done, bytes_total)``, called as the file is read; see
        :class:`helios_app.progress.TerminalProgress`.
    time_column : int or str, optional
        For an edge list: the column (3 or 4, counted from 1, or its name in the header row) that holds each
        edge's time, a number or an ISO 8601 date; each line is then an edge present at that instant and
        a node is present from its first edge on (the other of columns 3 and 4 is the weight). GEXF files
        carry their own time (spells, ``start``/``end``, timestamps); see :mod:`helios_app.timeline`.

    Returns
    -------
    Graph
        With ``source`` set to ``str(path)``.

    Raises
    ------
    HeliosError
        A :class:`~helios_app.io.formats.GraphFileError` if the file is missing, unreadable, empty, corrupt,
        binary, not UTF-8 (text formats), or not valid in its format. The message starts with ``PATH:LINE:``
        (``PATH:LINE:COLUMN:`` for GML and XML) where a line is at fault.

    Examples
    --------
    >>> graph = read_graph("data/karate.gml")  # doctest: +SKIP
    >>> graph.node_count, len(graph.layout_edges())  # doctest: +SKIP
    (34, 78)
    """
    display = os.fsdecode(os.fspath(path))
    kind = _format_name(format) if format is not None else None
    started = time.perf_counter()
    raw, compression = _read_file(display, progress)
    try:
        graph = _read_content(raw, display, _suffix_hint(display), compression, kind, time_column)
    except HeliosError:
        raise
    except (ValueError, TypeError, IndexError, KeyError, OverflowError, RecursionError, csv.Error) as error:
        # A safety net: every known problem is reported by the readers, with its line. This keeps the promise
        # that bad content never escapes as another exception type.
        logger.debug("unexpected %s while reading %s", type(error).__name__, display, exc_info=True)
        raise GraphFileError(display, f"could not be read ({type(error).__name__}: {error})") from error
    logger.info(
        "read %s: %d nodes, %d edges in %.3f s",
        display, graph.node_count, graph.edge_count, time.perf_counter() - started,
    )  # fmt: skip
    return graph


def _format_name(name: str) -> str:
    key = name.strip().lower().lstrip(".")
    key = FORMAT_ALIASES.get(key, key)
    if key not in FORMATS:
        choices = ", ".join(sorted(FORMATS))
        raise HeliosError(f"unknown graph format {name!r}; choose from {choices}")
    return key


# ----------------------------------------------------------------------------------------------------------
# Bytes: the file, decompression


def _open_error(path: str, error: OSError) -> HeliosError:
    if isinstance(error, FileNotFoundError):
        return GraphFileError(path, "no such file")
    if isinstance(error, IsADirectoryError):
        return GraphFileError(path, "is a directory, not a graph file")
    if isinstance(error, PermissionError):
        return GraphFileError(path, "permission denied")
    return GraphFileError(path, f"cannot be read ({error.strerror or error})")


def _decompressor(name: str) -> Any:
    if name == "gzip":
        return zlib.decompressobj(wbits=zlib.MAX_WBITS | 16)
    if name == "bzip2":
        return bz2.BZ2Decompressor()
    return lzma.LZMADecompressor()


def _read_file(path: str, progress: ProgressCallback | None) -> tuple[bytes, str | None]:
    """Return the file's (decompressed) bytes and the compression, reporting progress as it reads."""
    if os.path.isdir(path):
        raise GraphFileError(path, "is a directory, not a graph file")
    try:
        with open(path, "rb") as stream:
            total = os.fstat(stream.fileno()).st_size
            head = stream.read(_CHUNK_BYTES)
            if head.startswith(b"PK\x03\x04"):
                raise GraphFileError(path, "is a zip archive; extract the graph file from it first")
            compression = next((name for magic, name in _MAGIC if head.startswith(magic)), None)
            done = len(head)
            if progress is not None:
                progress(done, total)
            if compression is None:
                chunks = [head]
                while chunk := stream.read(_CHUNK_BYTES):
                    chunks.append(chunk)
                    done += len(chunk)
                    if progress is not None:
                        progress(done, max(total, done))
                return b"".join(chunks), None
            data = _decompress_stream(stream, head, compression, path, progress, done, total)
            return data, compression
    except OSError as error:
        raise _open_error(path, error) from None


def _decompress_stream(
    stream: Any, head: bytes, name: str, path: str, progress: ProgressCallback | None, done: int, total: int
) -> bytes:
    """Decompress ``head`` and the rest of ``stream``, member after member (concatenated gzip files)."""
    parts: list[bytes] = []
    decompressor = _decompressor(name)
    pending = head
    try:
        while True:
            while pending:
                if decompressor.eof:
                    if not pending.strip(b"\x00"):
                        break  # zero padding after the last member
                    decompressor = _decompressor(name)  # the next member of a concatenated file
                parts.append(decompressor.decompress(pending))
                pending = decompressor.unused_data if decompressor.eof else b""
            chunk = stream.read(_CHUNK_BYTES)
            if not chunk:
                break
            done += len(chunk)
            if progress is not None:
                progress(done, max(total, done))
            pending = chunk
        if not decompressor.eof:
            raise EOFError("the compressed stream ends before its end marker")
    except (OSError, EOFError, zlib.error, lzma.LZMAError, ValueError) as error:
        raise GraphFileError(
            path,
            f"the {name} data is truncated or corrupt ({error}); the file may be incomplete, "
            "download or copy it again",
        ) from None
    data = b"".join(parts)
    logger.debug("%s: %s, %d bytes decompressed to %d", path, name, total, len(data))
    return data


def _suffix_hint(path: str) -> str:
    """Return the lower-case format suffix of ``path``, past a compression suffix (``x.gml.gz``: ``.gml``)."""
    name = Path(path)
    suffix = name.suffix.lower()
    if suffix in _COMPRESSED_SUFFIXES:
        suffix = Path(name.stem).suffix.lower()
    return suffix


def _read_content(
    raw: bytes,
    path: str,
    suffix: str,
    compression: str | None,
    kind: str | None,
    time_column: int | str | None,
) -> Graph:
    """Check for emptiness and text encodings, detect the format and dispatch to its reader."""
    after = f" (after {compression} decompression)" if compression else ""
    if not raw:
        raise GraphFileError(path, f"the file is empty{after}")
    if not raw.strip():
        raise GraphFileError(path, f"the file is empty{after}: it holds only whitespace")
    text = raw
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            text = raw.decode("utf-16").encode("utf-8")
        except UnicodeDecodeError as error:
            raise GraphFileError(
                path, f"UTF-16 text (it starts with a byte order mark) that does not decode: {error.reason}"
            ) from None
        logger.info("%s: UTF-16 text, converted to UTF-8", path)
    elif raw.startswith(codecs.BOM_UTF8):
        text = raw[3:]
    if kind is None:
        kind = detect_format(text, path, suffix)
    if kind in ("graphml", "gexf"):
        # expat reads the encoding the XML declares
        return read_bytes_as(kind, raw, path, suffix, time_column)
    return read_bytes_as(kind, text, path, suffix, time_column)


# ----------------------------------------------------------------------------------------------------------
# Python objects and positions


def as_graph(value: Any, *, source: str = "") -> Graph:
    """Return a :class:`Graph` for a graph, a file path, a networkx graph, a sparse matrix or an edge array.

    Parameters
    ----------
    value : Graph, str, os.PathLike, networkx.Graph, scipy.sparse matrix or array_like
        A Graph is returned as it is; a path is read with :func:`read_graph`; a networkx graph is converted
        with :func:`~helios_app.graph.graph_from_networkx`; a scipy sparse matrix (a square adjacency matrix)
        with :func:`~helios_app.graph.graph_from_scipy`; anything else is taken as an ``(m, 2)`` array of
        integer node indices (:meth:`Graph.from_edges`).
    source : str, default ""
        Description for the graph's ``source`` (not used for files).

    Returns
    -------
    Graph

    Raises
    ------
    HeliosError
        If the value is none of these, or is malformed.
    """
    if isinstance(value, Graph):
        return value
    if isinstance(value, (str, os.PathLike)):
        return read_graph(value)
    if hasattr(value, "adj") and hasattr(value, "nodes") and hasattr(value, "is_directed"):
        return graph_from_networkx(value, source=source)
    import scipy.sparse

    if scipy.sparse.issparse(value):
        return graph_from_scipy(value, source=source)
    try:
        array = np.asarray(value)
    except (TypeError, ValueError):
        array = None
    if array is None or array.dtype == object or array.ndim != 2 or (array.size and array.shape[1] != 2):
        raise HeliosError(
            f"cannot make a graph from {type(value).__name__}: expected a Graph, a file path, a networkx "
            f"graph, a scipy sparse adjacency matrix or an (m, 2) array of node indices"
        )
    return Graph.from_edges(array, source=source or f"edge array {array.shape[0]}x2")


def read_positions(path: str | os.PathLike, graph: Graph) -> np.ndarray:
    """Read node positions for ``graph`` from a file, matched by node id.

    Parameters
    ----------
    path : str or os.PathLike
        A CSV table ``id,x,y[,z]`` (as :func:`helios_app.io.writers.write_positions` writes), or any graph file
        whose format carries positions (GEXF, GraphML, GML, node-link JSON written with positions).
    graph : Graph
        The graph the positions are for.

    Returns
    -------
    numpy.ndarray
        float64 ``(node_count, 2|3)``; a node the file does not place has a row of NaN.

    Raises
    ------
    HeliosError
        If the file cannot be read, places none of the graph's nodes, or has a bad row.
    """
    display = os.fsdecode(os.fspath(path))
    raw, _ = _read_file(display, None)
    text = raw[3:] if raw.startswith(codecs.BOM_UTF8) else raw
    first = text.split(b"\n", 1)[0].strip().lower().replace(b" ", b"")
    if first in (b"id,x,y", b"id,x,y,z"):
        ids, positions = _read_position_table(text, display)
    else:
        source = read_graph(display)
        if source.initial_positions is None:
            raise GraphFileError(display, "holds no node positions")
        ids, positions = source.node_ids, source.initial_positions
    index_of = {node_id: index for index, node_id in enumerate(graph.node_ids)}
    result = np.full((graph.node_count, positions.shape[1]), np.nan)
    matched = 0
    for node_id, row in zip(ids, positions):
        index = index_of.get(node_id)
        if index is not None:
            result[index] = row
            matched += 1
    if graph.node_count and not matched:
        raise GraphFileError(
            display, f"none of its {len(ids)} node ids is a node of {graph.source or 'the graph'}"
        )
    if matched < graph.node_count:
        logger.warning("%s: places %d of the %d nodes", display, matched, graph.node_count)
    return result


def _read_position_table(raw: bytes, path: str) -> tuple[list[str], np.ndarray]:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise GraphFileError(path, f"byte 0x{raw[error.start]:02x} is not UTF-8 text") from None
    reader = csv.reader(text.splitlines())
    header = [name.strip().lower() for name in next(reader)]
    dimensions = len(header) - 1
    ids: list[str] = []
    rows: list[list[float]] = []
    try:
        for row in reader:
            if not row:
                continue
            if len(row) != len(header):
                expected = f"{len(header)} fields ({','.join(header)})"
                raise GraphFileError(path, f"expected {expected}, found {len(row)}", reader.line_num)
            coordinates = []
            for name, field in zip(header[1:], row[1:]):
                try:
                    value = float(field)
                except ValueError:
                    value = math.nan
                if not math.isfinite(value):
                    raise GraphFileError(path, f"{name} {field!r} is not a finite number", reader.line_num)
                coordinates.append(value)
            ids.append(row[0])
            rows.append(coordinates)
    except csv.Error as error:
        raise GraphFileError(path, str(error), reader.line_num) from None
    return ids, np.array(rows, dtype=np.float64).reshape(-1, dimensions)
