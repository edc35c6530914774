"""Reading graphs: :func:`read_graph` for files, :func:`as_graph` for Python objects, :func:`read_positions`.

:func:`read_graph` is the one entry point for files. It detects compression (gzip, bzip2, xz) from the first
bytes and the format from the content (the readers live in :mod:`helios_app.io.formats`, one module per
format); the file name's suffix only decides where the content cannot. Every problem with the input is
raised as a :class:`~helios_app.io.formats.GraphFileError` (a :class:`~helios_app.errors.HeliosError`)
whose message reads ``PATH:LINE[:COLUMN]: what is wrong``.

Bounded memory: the file is read (and decompressed) in pieces of at most 4 MiB, never more than
``max_input_size`` bytes in all. An edge list is parsed as its pieces arrive
(:func:`~helios_app.io.formats.edgelist.read_edge_list_stream`); the other formats get the whole text. Only
regular files are read: a device (``/dev/zero``), a named pipe or a socket is refused before it is opened.
"""

from __future__ import annotations

import bz2
import codecs
import csv
import itertools
import logging
import lzma
import math
import os
import stat
import time
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np

from helios_app.errors import HeliosError
from helios_app.graph import Graph, graph_from_networkx, graph_from_scipy
from helios_app.io.formats import FORMAT_ALIASES, FORMATS, GraphFileError, detect_format, read_bytes_as

logger = logging.getLogger(__name__)

__all__ = [
    "DEFAULT_MAX_INPUT_SIZE",
    "FORMATS",
    "GraphFileError",
    "ProgressCallback",
    "as_graph",
    "format_byte_size",
    "read_graph",
    "read_positions",
]

ProgressCallback = Callable[[int, int], None]
"""``progress(bytes_done, bytes_total)``, called as a file is read (compressed bytes when compressed)."""

DEFAULT_MAX_INPUT_SIZE = 4 << 30
"""The most bytes :func:`read_graph` takes from a file, after decompression, unless told otherwise: a
guard against decompression bombs (a 4 KB ``.bz2`` can hold 5 GB of zeros)."""

_CHUNK_BYTES = 1 << 22  # one read from the file
_OUTPUT_BYTES = 1 << 22  # the most one decompression step returns
# A compressed member is fed windows of the input that start small and double: a member that ends leaves
# the rest of its window to the decompressor (``unused_data``, a copy), so the copying stays proportional
# to the member even for files of 100,000 one-line gzip members.
_FIRST_WINDOW_BYTES = 1 << 12
_MAX_WINDOW_BYTES = 1 << 20
_DETECTION_BYTES = 1 << 16  # format detection reads this much past any leading whitespace
_COMPRESSED_SUFFIXES = {".gz", ".gzip", ".bz2", ".xz"}
_MAGIC = ((b"\x1f\x8b", "gzip"), (b"BZh", "bzip2"), (b"\xfd7zXZ\x00", "xz"))
_SPECIAL_FILES = (
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISFIFO, "a named pipe (FIFO)"),
    (stat.S_ISSOCK, "a socket"),
)


def read_graph(
    path: str | os.PathLike,
    *,
    format: str | None = None,
    progress: ProgressCallback | None = None,
    time_column: int | str | None = None,
    max_input_size: int = DEFAULT_MAX_INPUT_SIZE,
) -> Graph:
    """Read a graph file, optionally gzip-, bzip2- or xz-compressed.

    Parameters
    ----------
    path : str or os.PathLike
        The file (a regular file: devices, named pipes and sockets are refused). Its format is detected
        from its content (see :func:`helios_app.io.formats.detect_format`):

        * GML (Newman's files, Gephi's with ``graphics``; ``multigraph 1`` and ``directed 1`` kept);
        * GraphML (any namespace) and GEXF (1.1draft, 1.2draft, 1.3, Gephi's pre-1.0): ``viz:position``,
          ``viz:color`` and ``viz:size`` become ``initial_positions``, ``node_colors``, ``node_sizes``;
        * Pajek ``.net``/``.paj`` (``*Vertices N`` with or without vertex lines; repeated edges collapsed);
        * Matrix Market coordinate files, and the header-less variant read as an edge list;
        * networkx node-link JSON;
        * edge lists: ``source target [weight]`` separated by whitespace, commas or tabs (tabs for a
          ``.tsv`` name), ``#``/``%`` comments, an optional header row, any id tokens (numbered by first
          appearance, kept as text); also networkx's ``write_edgelist`` output with attribute dicts
          (``1 2 {'weight': 2.0}``);
        * networkx's adjacency lists (``write_adjlist``, ``write_multiline_adjlist``), for a ``.adjlist``
          name or networkx's header, read as networkx reads them (undirected).
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
        carry their own time (spells, ``start``/``end``, timestamps); see :mod:`helios_app.graph.timeline`.
    max_input_size : int, default :data:`DEFAULT_MAX_INPUT_SIZE` (4 GiB)
        The most bytes to read, after decompression; a file holding more is refused as soon as it passes
        the mark, before it fills the memory.

    Returns
    -------
    Graph
        With ``source`` set to ``str(path)``.

    Raises
    ------
    HeliosError
        A :class:`~helios_app.io.formats.GraphFileError` if the file is missing, not a regular file,
        unreadable, empty, corrupt, larger than ``max_input_size``, binary, not UTF-8 (text formats), not
        valid in its format, or too big for the memory. The message starts with ``PATH:LINE:``
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
    try:
        with _open_regular_file(display) as stream:
            pieces, compression = _file_pieces(stream, display, progress, max_input_size)
            graph = _read_content(pieces, display, _suffix_hint(display), compression, kind, time_column)
    except HeliosError:
        raise
    except MemoryError:
        raise GraphFileError(
            display,
            "ran out of memory while reading it; free some memory or use a machine with more, or lower "
            f"--max-input-size (now {format_byte_size(max_input_size)}) to refuse files this big at once",
        ) from None
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


def format_byte_size(size: int) -> str:
    """Return a byte count as people write it: ``4 GiB``, ``500 MiB``, ``1.5 KiB``, ``1000 bytes``.

    Parameters
    ----------
    size : int
        A number of bytes.

    Returns
    -------
    str
    """
    for unit, name in ((1 << 40, "TiB"), (1 << 30, "GiB"), (1 << 20, "MiB"), (1 << 10, "KiB")):
        if size >= unit:
            return f"{size / unit:.4g} {name}"
    return f"{size} bytes"


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


def _check_regular(path: str, mode: int) -> None:
    """Refuse what is not a regular file: reading ``/dev/zero`` never ends, opening a FIFO blocks."""
    if stat.S_ISDIR(mode):
        raise GraphFileError(path, "is a directory, not a graph file")
    if not stat.S_ISREG(mode):
        what = next((name for test, name in _SPECIAL_FILES if test(mode)), "not a regular file")
        raise GraphFileError(path, f"is {what}, not a graph file; Helios reads regular files only")


def _open_regular_file(path: str) -> BinaryIO:
    """Open ``path`` for reading after checking, without opening it, that it is a regular file."""
    try:
        _check_regular(path, os.stat(path).st_mode)
        stream = open(path, "rb")  # noqa: SIM115 - the caller closes it
    except OSError as error:
        raise _open_error(path, error) from None
    try:
        _check_regular(path, os.fstat(stream.fileno()).st_mode)  # the path may have changed meanwhile
    except BaseException:
        stream.close()
        raise
    return stream


def _too_big(path: str, compression: str | None, max_input_size: int) -> GraphFileError:
    after = f" after {compression} decompression" if compression else ""
    return GraphFileError(
        path,
        f"more than {format_byte_size(max_input_size)}{after}; raise --max-input-size if the file is genuine",
    )


def _file_pieces(
    stream: BinaryIO, path: str, progress: ProgressCallback | None, max_input_size: int
) -> tuple[Iterator[bytes], str | None]:
    """The file's (decompressed) bytes in pieces of at most 4 MiB, checked against the cap; its compression."""
    try:
        total = os.fstat(stream.fileno()).st_size
        head = stream.read(_CHUNK_BYTES)
    except OSError as error:
        raise _open_error(path, error) from None
    if head.startswith(b"PK\x03\x04"):
        raise GraphFileError(path, "is a zip archive; extract the graph file from it first")
    compression = next((name for magic, name in _MAGIC if head.startswith(magic)), None)
    if compression is None and total > max_input_size:
        raise _too_big(path, None, max_input_size)
    pieces = _chunks(stream, head, path, progress, total)
    if compression is not None:
        pieces = _decompressed(pieces, compression, path)
    return _capped(pieces, path, compression, max_input_size), compression


def _chunks(
    stream: BinaryIO, head: bytes, path: str, progress: ProgressCallback | None, total: int
) -> Iterator[bytes]:
    """``head``, then the rest of ``stream`` in chunks, reporting progress."""
    chunk, done = head, len(head)
    while chunk:
        if progress is not None:
            progress(done, max(total, done))
        yield chunk
        try:
            chunk = stream.read(_CHUNK_BYTES)
        except OSError as error:
            raise _open_error(path, error) from None
        done += len(chunk)


def _capped(
    pieces: Iterator[bytes], path: str, compression: str | None, max_input_size: int
) -> Iterator[bytes]:
    """The pieces, refused with a one-line error as soon as they add up to more than ``max_input_size``."""
    done = 0
    for piece in pieces:
        done += len(piece)
        if done > max_input_size:
            raise _too_big(path, compression, max_input_size)
        yield piece
    logger.debug("%s: %d bytes%s", path, done, f" after {compression} decompression" if compression else "")


def _decompressor(name: str) -> Any:
    if name == "gzip":
        return zlib.decompressobj(wbits=zlib.MAX_WBITS | 16)
    if name == "bzip2":
        return bz2.BZ2Decompressor()
    return lzma.LZMADecompressor()


def _decompressed(chunks: Iterator[bytes], name: str, path: str) -> Iterator[bytes]:
    """Decompress the chunks member after member (concatenated files), in pieces of at most 4 MiB.

    Linear in the input and output, whatever the number of members (see ``_FIRST_WINDOW_BYTES``); zero
    bytes after the last member are padding.
    """
    decompressor = None
    window = _FIRST_WINDOW_BYTES
    try:
        for chunk in chunks:
            view = memoryview(chunk)
            position = 0
            while position < len(view):
                if decompressor is None or decompressor.eof:
                    padding = decompressor is not None and view[position] == 0
                    if padding and not view[position:].tobytes().strip(b"\x00"):
                        break  # zero padding after the last member
                    decompressor = _decompressor(name)  # the next member of a concatenated file
                    window = _FIRST_WINDOW_BYTES
                fed = view[position : position + window]
                yield from _inflate(decompressor, fed, name)
                position += len(fed) - len(decompressor.unused_data) if decompressor.eof else len(fed)
                window = min(2 * window, _MAX_WINDOW_BYTES)
        if decompressor is None or not decompressor.eof:
            raise EOFError("the compressed stream ends before its end marker")
    except (OSError, EOFError, zlib.error, lzma.LZMAError, ValueError) as error:
        raise GraphFileError(
            path,
            f"the {name} data is truncated or corrupt ({error}); the file may be incomplete, "
            "download or copy it again",
        ) from None


def _inflate(decompressor: Any, data: memoryview, name: str) -> Iterator[bytes]:
    """Decompress ``data`` in pieces of at most ``_OUTPUT_BYTES``; input past the member's end is left in
    ``decompressor.unused_data``."""
    if name == "gzip":  # zlib keeps the input it could not use yet in unconsumed_tail
        while True:
            output = decompressor.decompress(data, _OUTPUT_BYTES)
            if output:
                yield output
            data = decompressor.unconsumed_tail
            if decompressor.eof or (not data and len(output) < _OUTPUT_BYTES):
                return
    output = decompressor.decompress(data, _OUTPUT_BYTES)  # bz2 and lzma buffer the input themselves
    while True:
        if output:
            yield output
        if decompressor.eof or decompressor.needs_input:
            return
        output = decompressor.decompress(b"", _OUTPUT_BYTES)


def _read_file(path: str, max_input_size: int = DEFAULT_MAX_INPUT_SIZE) -> tuple[bytes, str | None]:
    """Return the whole (decompressed) bytes of a file and its compression."""
    with _open_regular_file(path) as stream:
        pieces, compression = _file_pieces(stream, path, None, max_input_size)
        return b"".join(pieces), compression


def _suffix_hint(path: str) -> str:
    """Return the lower-case format suffix of ``path``, past a compression suffix (``x.gml.gz``: ``.gml``)."""
    name = Path(path)
    suffix = name.suffix.lower()
    if suffix in _COMPRESSED_SUFFIXES:
        suffix = Path(name.stem).suffix.lower()
    return suffix


def _head(pieces: Iterator[bytes]) -> tuple[bytes, bool]:
    """The first pieces, enough for format detection to see what it would see in the whole text, and whether
    they are the whole text.

    That is ``_DETECTION_BYTES`` past any leading whitespace; but a longer run of leading whitespace is not
    held (a bomb of blank lines): detection then sees whitespace, and the edge list reader goes through it.
    """
    parts: list[bytes] = []
    size = 0
    content_at = None  # where the first non-whitespace byte is
    for piece in pieces:
        if content_at is None and piece.strip():
            content_at = size + len(piece) - len(piece.lstrip())
        parts.append(piece)
        size += len(piece)
        if size >= (_DETECTION_BYTES if content_at is None else content_at + _DETECTION_BYTES):
            return b"".join(parts), False
    return b"".join(parts), True


def _read_content(
    pieces: Iterator[bytes],
    path: str,
    suffix: str,
    compression: str | None,
    kind: str | None,
    time_column: int | str | None,
) -> Graph:
    """Check for emptiness and text encodings, detect the format and dispatch to its reader.

    An edge list is read as it streams in; other formats (and UTF-16 text) get the whole text.
    """
    head, whole = _head(pieces)
    after = f" (after {compression} decompression)" if compression else ""
    if not head:
        raise GraphFileError(path, f"the file is empty{after}")
    if whole and not head.strip():
        raise GraphFileError(path, f"the file is empty{after}: it holds only whitespace")
    utf16 = head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))
    text_head = head[3:] if head.startswith(codecs.BOM_UTF8) else head
    if kind is None and not utf16:
        kind = detect_format(text_head, path, suffix)
    if kind == "edgelist" and not utf16:
        from helios_app.io.formats.edgelist import read_edge_list_stream

        return read_edge_list_stream(itertools.chain([text_head], pieces), path, suffix, time_column)
    raw = b"".join(itertools.chain([head], pieces))
    del head, text_head
    text = raw
    if utf16:
        try:
            text = raw.decode("utf-16").encode("utf-8")
        except UnicodeDecodeError as error:
            raise GraphFileError(
                path, f"UTF-16 text (it starts with a byte order mark) that does not decode: {error.reason}"
            ) from None
        logger.info("%s: UTF-16 text, converted to UTF-8", path)
        if kind is None:
            kind = detect_format(text, path, suffix)
    elif raw.startswith(codecs.BOM_UTF8):
        text = raw[3:]
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
    raw, _ = _read_file(display)
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
