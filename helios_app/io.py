"""Graph file readers: GML and edge lists (whitespace, CSV, TSV), plain or compressed.

:func:`read_graph` is the one entry point. It detects compression from the first bytes of the file and the
format from the first tokens of its text; the file name's suffix is only a hint. Every problem with the input
is raised as :class:`~helios_app.errors.HeliosError` with a message ``PATH:LINE: what is wrong`` (GML adds
the column: ``PATH:LINE:COLUMN: ...``).
"""

from __future__ import annotations

import bz2
import csv
import gzip
import html
import logging
import lzma
import math
import os
import re
import time
import zlib
from pathlib import Path
from typing import Any

import numpy as np

from helios_app.errors import HeliosError
from helios_app.graph import Graph

logger = logging.getLogger(__name__)

__all__ = ["read_graph"]

_COMPRESSIONS = (
    (b"\x1f\x8b", "gzip", gzip.decompress),
    (b"BZh", "bzip2", bz2.decompress),
    (b"\xfd7zXZ\x00", "xz", lzma.decompress),
)
_COMPRESSED_SUFFIXES = {".gz", ".gzip", ".bz2", ".xz"}
_CONTROL_BYTES = re.compile(rb"[\x00-\x08\x0e-\x1f\x7f]")
# Column names that mark a first row as a header (both of its first two fields must be one of these). No
# single letters: "u v" could as well be a real edge.
_HEADER_WORDS = {
    "source", "target", "from", "to", "src", "dst", "node1", "node2", "node_1", "node_2", "id1", "id2",
    "fromnodeid", "tonodeid", "weight", "value", "sender", "receiver",
}  # fmt: skip
_MAX_GML_DEPTH = 64


def read_graph(path: str | os.PathLike) -> Graph:
    """Read a graph file: GML or an edge list, optionally gzip-, bzip2- or xz-compressed.

    Parameters
    ----------
    path : str or os.PathLike
        The file. Compression is detected from its first bytes and the format from its content:
        text starting with ``graph [`` (or a ``Creator``/``Version`` line, or any ``key [``) is GML,
        anything else is an edge list. A ``.gml`` suffix only decides when the content is ambiguous.

        * GML: nodes keep their ``id`` (as text) in file order; ``label`` becomes the label and other
          scalar node keys become ``node_attributes``; edge ``weight`` (or else ``value``) becomes the
          weight; ``directed 1`` is kept.
        * Edge list: one edge per line, ``source target [weight]``, separated by whitespace, commas or
          tabs; lines starting with ``#`` or ``%`` are comments; a first line of column names such as
          ``source,target`` is skipped. Ids are any tokens, numbered in order of first appearance.
        * A Matrix Market file with its ``%%MatrixMarket`` banner is read as a 1-based coordinate list.

    Returns
    -------
    Graph
        With ``source`` set to ``str(path)``.

    Raises
    ------
    HeliosError
        If the file is missing, unreadable, empty, corrupt, binary, not UTF-8, or not valid in its format.
        The message starts with ``PATH:LINE:`` (``PATH:LINE:COLUMN:`` for GML) where a line is at fault.
    """
    display = os.fsdecode(os.fspath(path))
    started = time.perf_counter()
    raw = _read_bytes(display)
    raw, compression = _decompress(raw, display)
    try:
        graph = _read_content(raw, display, _suffix_hint(display), compression)
    except HeliosError:
        raise
    except (ValueError, TypeError, IndexError, KeyError, OverflowError, RecursionError, csv.Error) as error:
        # A safety net: every known problem is reported above, with its line. This keeps the promise that
        # bad content never escapes as another exception type.
        logger.debug("unexpected %s while reading %s", type(error).__name__, display, exc_info=True)
        raise HeliosError(f"{display}: could not be read ({type(error).__name__}: {error})") from error
    logger.info(
        "read %s: %d nodes, %d edges in %.3f s",
        display,
        graph.node_count,
        graph.edge_count,
        time.perf_counter() - started,
    )
    return graph


# ----------------------------------------------------------------------------------------------------------
# Bytes: the file, decompression, text checks


def _read_bytes(path: str) -> bytes:
    """Return the file's bytes, or raise HeliosError for a missing or unreadable file."""
    if os.path.isdir(path):
        raise HeliosError(f"{path}: is a directory, not a graph file")
    try:
        with open(path, "rb") as stream:
            return stream.read()
    except FileNotFoundError:
        raise HeliosError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise HeliosError(f"{path}: is a directory, not a graph file") from None
    except PermissionError:
        raise HeliosError(f"{path}: permission denied") from None
    except OSError as error:
        raise HeliosError(f"{path}: cannot be read ({error.strerror or error})") from None


def _decompress(raw: bytes, path: str) -> tuple[bytes, str | None]:
    """Decompress ``raw`` when its magic bytes say gzip, bzip2 or xz; return the bytes and the method."""
    if raw.startswith(b"PK\x03\x04"):
        raise HeliosError(f"{path}: is a zip archive; extract the graph file from it first")
    for magic, name, decompress in _COMPRESSIONS:
        if raw.startswith(magic):
            try:
                data = decompress(raw)
            except (OSError, EOFError, zlib.error, lzma.LZMAError, ValueError) as error:
                raise HeliosError(
                    f"{path}: the {name} data is truncated or corrupt ({error}); the file may be incomplete, "
                    f"download or copy it again"
                ) from None
            logger.debug("%s: %s, %d bytes decompressed to %d", path, name, len(raw), len(data))
            return data, name
    return raw, None


def _suffix_hint(path: str) -> str:
    """Return the lower-case format suffix of ``path``, past a compression suffix (``x.gml.gz``: ``.gml``)."""
    name = Path(path)
    suffix = name.suffix.lower()
    if suffix in _COMPRESSED_SUFFIXES:
        suffix = Path(name.stem).suffix.lower()
    return suffix


def _line_and_column(data: bytes | str, offset: int) -> tuple[int, int]:
    """Return the 1-based line and column of ``offset`` in ``data``."""
    newline = b"\n" if isinstance(data, bytes) else "\n"
    line = data.count(newline, 0, offset) + 1
    column = offset - data.rfind(newline, 0, offset)
    return line, column


def _check_text(raw: bytes, path: str) -> None:
    """Raise HeliosError if ``raw`` holds control bytes (binary data) or is not valid UTF-8."""
    control = _CONTROL_BYTES.search(raw)
    if control is not None:
        line, column = _line_and_column(raw, control.start())
        raise HeliosError(
            f"{path}:{line}: binary data (byte 0x{raw[control.start()]:02x} at column {column}); "
            f"expected a text graph file (GML or an edge list)"
        )
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line, column = _line_and_column(raw, error.start)
        raise HeliosError(
            f"{path}:{line}: byte 0x{raw[error.start]:02x} at column {column} is not UTF-8 text; "
            f"save the file as UTF-8"
        ) from None


# ----------------------------------------------------------------------------------------------------------
# Format detection


def _read_content(raw: bytes, path: str, suffix: str, compression: str | None) -> Graph:
    """Check the text, detect the format and dispatch to its reader."""
    after = f" (after {compression} decompression)" if compression else ""
    if not raw:
        raise HeliosError(f"{path}: the file is empty{after}")
    if not raw.strip():
        raise HeliosError(f"{path}: the file is empty{after}: it holds only whitespace")
    _check_text(raw, path)
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    if b"\r" in raw:
        raw = raw.replace(b"\r\n", b"\n").replace(b"\r", b"\n")

    kind = _detect_format(raw, path, suffix)
    logger.debug("%s: read as %s", path, kind)
    if kind == "gml":
        return _read_gml(raw.decode("utf-8"), path)
    if kind == "matrix-market":
        return _read_matrix_market(raw, path)
    return _read_edge_list(raw, path, suffix)


def _detect_format(raw: bytes, path: str, suffix: str) -> str:
    """Return ``"gml"``, ``"matrix-market"`` or ``"edge-list"`` from the first tokens of ``raw``."""
    if raw.startswith(b"%%MatrixMarket"):
        return "matrix-market"
    head = raw[:65536].decode("utf-8", errors="replace")
    if head.lstrip().startswith("<"):
        raise HeliosError(
            f"{path}: looks like XML (GraphML or GEXF), which Helios cannot read yet; "
            f"export the graph as GML or as an edge list"
        )
    significant: list[str] = []
    for line in head.split("\n"):
        stripped = line.strip()
        if not stripped or stripped[0] in "#%":
            continue
        if not significant and stripped[0] == "*":
            raise HeliosError(
                f"{path}: looks like a Pajek file ({stripped.split()[0]}), which Helios cannot read yet; "
                f"export the graph as GML or as an edge list"
            )
        significant.append(stripped)
        if len(significant) == 20:
            break
    if not significant:
        return "edge-list"
    first_tokens = re.findall(r"\[|\]|[^\s\[\]]+", significant[0])
    if first_tokens[0] in ("Creator", "Version", "creator", "version") or first_tokens == ["graph"]:
        return "gml"
    if _GML_LIST_START.search("\n".join(significant)):
        return "gml"  # a 'key [' such as 'node [': edge lists have no brackets
    if suffix == ".gml":
        logger.warning("%s: the name ends in .gml, but the text is not GML; reading it as an edge list", path)
    return "edge-list"


# ----------------------------------------------------------------------------------------------------------
# GML

# A comment (group 1 empty) or a token: a string, a bracket, a bare word or number, or a lone quote that
# starts a string never closed.
_GML_TOKEN = re.compile(r'#[^\n]*|("[^"]*"|\[|\]|[^\s\[\]"#]+|")')
_GML_ENTITY = re.compile(r"&(?:#[0-9]+|#[xX][0-9a-fA-F]+|[A-Za-z][A-Za-z0-9]*);")
_NUMBER_START = frozenset("0123456789+-.")
_UNTERMINATED = "unterminated string: this '\"' is never closed"
_GML_LIST_START = re.compile(r'(?:^|\s)[A-Za-z_][^\s\[\]"]*\s*\[')


def _unescape(text: str) -> str:
    """Replace HTML character references (``&amp;``, ``&#38;``) in a GML string; a bare ``&`` stays."""
    return _GML_ENTITY.sub(lambda match: html.unescape(match.group(0)), text)


class _GmlParser:
    """Tokenizer and recursive-descent parser for GML text.

    The tokens are found with one ``re.findall`` pass; their offsets are recomputed only to report an
    error. The result is a tree of lists of ``(key, value, token_index)``, where a value is an int, a
    float, a str or a nested list.
    """

    def __init__(self, text: str, path: str) -> None:
        self.text = text
        self.path = path
        tokens = _GML_TOKEN.findall(text)
        if "#" in text:
            tokens = [token for token in tokens if token]
        self.tokens: list[str] = tokens

    # -- error reporting ----------------------------------------------------------------------------------

    def offset(self, token_index: int) -> int:
        """Return the character offset of token ``token_index`` (the end of the text past the last)."""
        if token_index >= len(self.tokens):
            return len(self.text.rstrip())
        seen = 0
        for match in _GML_TOKEN.finditer(self.text):
            if match.group(1) is None:
                continue
            if seen == token_index:
                return match.start(1)
            seen += 1
        return len(self.text)  # not reached: the tokens came from the same pattern

    def position(self, token_index: int) -> tuple[int, int]:
        """Return the 1-based line and column of token ``token_index``."""
        return _line_and_column(self.text, self.offset(token_index))

    def error(self, token_index: int, message: str) -> HeliosError:
        """Build the error ``PATH:LINE:COLUMN: message`` for token ``token_index``."""
        line, column = self.position(token_index)
        return HeliosError(f"{self.path}:{line}:{column}: {message}")

    @staticmethod
    def describe(token: str) -> str:
        """Describe a token for an error message."""
        if len(token) > 40:
            token = token[:37] + "..."
        return repr(token) if token in ("[", "]") else token

    def expected_key_error(self, index: int) -> HeliosError:
        """The error for a token found where a key or ``]`` must be."""
        token = self.tokens[index]
        if token == '"':
            return self.error(index, _UNTERMINATED + self.open_quote_hint(index))
        message = f"expected ']' or a key, found {self.describe(token)}"
        if index >= 2:
            key, value = self.tokens[index - 2], self.tokens[index - 1]
            bare_word = value[0] not in '"[]' and value[0] not in _NUMBER_START
            if bare_word and (key[0].isalpha() or key[0] == "_"):
                message += f"; a value with spaces must be quoted, e.g. {key} \"{value} {token}\""
        return self.error(index, message + self.open_quote_hint(index))

    def open_quote_hint(self, index: int) -> str:
        """A hint when a string shortly before token ``index`` spans lines (a lost closing quote)."""
        for before in range(index - 1, max(index - 8, -1), -1):
            token = self.tokens[before]
            if token[0] == '"' and "\n" in token:
                line, column = self.position(before)
                return f"; the string that starts at {line}:{column} spans lines: is a closing quote missing?"
        return ""

    # -- parsing ------------------------------------------------------------------------------------------

    def parse(self) -> list[tuple[str, Any, int]]:
        """Parse the whole text into its top-level list of ``(key, value, token_index)``."""
        pairs, _ = self.parse_list(0, 0, -1)
        return pairs

    def parse_list(self, position: int, depth: int, open_index: int) -> tuple[list, int]:
        """Parse ``key value`` pairs from ``position`` up to the ``]`` that closes ``open_index``.

        Returns the pairs and the index of the token after that ``]`` (after the last token at depth 0).
        """
        tokens = self.tokens
        count = len(tokens)
        pairs: list[tuple[str, Any, int]] = []
        append = pairs.append
        while position < count:
            key = tokens[position]
            first = key[0]
            if first == "]":
                if depth == 0:
                    raise self.error(position, "unexpected ']' with no '[' before it to close")
                return pairs, position + 1
            if not (first.isalpha() or first == "_"):
                raise self.expected_key_error(position)
            position += 1
            if position == count:
                raise self.error(position - 1, f"key '{key}' has no value: the file ends after it")
            value: Any = tokens[position]
            first = value[0]
            if first == "[":
                if depth >= _MAX_GML_DEPTH:
                    raise self.error(position, f"lists are nested more than {_MAX_GML_DEPTH} deep")
                block, after = self.parse_list(position + 1, depth + 1, position)
                append((key, block, position))
                position = after
                continue
            if first == "]":
                raise self.error(position, f"expected a value for key '{key}', found ']'")
            if first == '"':
                if len(value) == 1:
                    raise self.error(position, _UNTERMINATED + self.open_quote_hint(position))
                value = value[1:-1]
                if "&" in value:
                    value = _unescape(value)
            elif first in _NUMBER_START:
                try:
                    value = int(value)
                except ValueError:
                    try:
                        value = float(value)
                    except ValueError:
                        pass  # a bare word such as "-x": kept as text
            append((key, value, position))
            position += 1
        if depth > 0:
            line, column = self.position(open_index)
            raise HeliosError(
                f"{self.path}:{line}:{column}: this '[' is never closed: the file ends first "
                f"(unbalanced brackets)"
            )
        return pairs, position


def _read_gml(text: str, path: str) -> Graph:
    """Parse GML text into a :class:`Graph`."""
    parser = _GmlParser(text, path)
    top = parser.parse()
    graph_blocks = [(value, index) for key, value, index in top if key == "graph"]
    if not graph_blocks:
        raise HeliosError(f"{path}: no 'graph [ ... ]' block found; is this a GML file?")
    graph_pairs, graph_index = graph_blocks[0]
    if not isinstance(graph_pairs, list):
        raise parser.error(graph_index, f"expected '[' after 'graph', found {graph_pairs!r}")
    if len(graph_blocks) > 1:
        logger.warning("%s: holds %d graphs; reading the first", path, len(graph_blocks))

    directed = False
    node_blocks: list[tuple[list, int]] = []
    edge_blocks: list[tuple[list, int]] = []
    for key, value, index in graph_pairs:
        if key == "node" or key == "edge":
            if not isinstance(value, list):
                raise parser.error(index, f"expected '[' after '{key}', found {value!r}")
            (node_blocks if key == "node" else edge_blocks).append((value, index))
        elif key == "directed":
            directed = value in (1, "1", "true", "True")

    node_ids: list[str] = []
    index_of: dict[str, int] = {}
    labels: list[str | None] = []
    has_labels = False
    node_attributes: dict[str, list] = {}
    for node_index, (pairs, block_index) in enumerate(node_blocks):
        node_id: str | None = None
        label: str | None = None
        for key, value, index in pairs:
            if key == "id":
                if isinstance(value, list):
                    raise parser.error(index, "a node 'id' must be a number or a string, found a list")
                if node_id is not None:
                    raise parser.error(index, f"this node already has id {node_id}")
                node_id = str(value)
                if node_id in index_of:
                    first_line, _ = parser.position(_id_token(node_blocks[index_of[node_id]][0]))
                    raise parser.error(
                        index, f"duplicate node id {node_id} (first used on line {first_line})"
                    )
            elif isinstance(value, list):
                continue  # graphics [ ... ] and other nested blocks
            elif key == "label":
                label = str(value)
                has_labels = True
            else:
                column = node_attributes.get(key)
                if column is None:
                    column = node_attributes[key] = [None] * len(node_blocks)
                column[node_index] = value
        if node_id is None:
            raise parser.error(block_index - 1, "this node has no 'id'")
        index_of[node_id] = node_index
        node_ids.append(node_id)
        labels.append(label)

    sources: list[int] = []
    targets: list[int] = []
    weights: list[float] = []
    weighted = False
    for pairs, block_index in edge_blocks:
        source = target = None
        weight = value_weight = None
        for key, value, index in pairs:
            if key == "source" or key == "target":
                if isinstance(value, list):
                    raise parser.error(index, f"an edge '{key}' must be a node id, found a list")
                node = index_of.get(str(value))
                if node is None:
                    raise parser.error(index, f"edge {key} {value} is not the id of any node")
                if key == "source":
                    source = node
                else:
                    target = node
            elif key == "weight":
                weight = (value, index)
            elif key == "value":
                value_weight = (value, index)
        if source is None or target is None:
            missing = "source" if source is None else "target"
            raise parser.error(block_index - 1, f"this edge has no '{missing}'")
        sources.append(source)
        targets.append(target)
        chosen = weight if weight is not None else value_weight
        if chosen is None:
            weights.append(1.0)
        else:
            weights.append(_gml_weight(parser, *chosen))
            weighted = True

    if not node_ids:
        logger.warning("%s: the graph has no nodes", path)
    final_labels = None
    if has_labels:
        final_labels = [label if label is not None else node_id for label, node_id in zip(labels, node_ids)]
    return Graph(
        node_ids=node_ids,
        edges=np.array([sources, targets], dtype=np.int64).T.reshape(-1, 2),
        weights=np.array(weights, dtype=np.float64) if weighted else None,
        directed=directed,
        labels=final_labels,
        node_attributes=node_attributes,
        source=path,
    )


def _id_token(pairs: list[tuple[str, Any, int]]) -> int:
    """Return the token index of the ``id`` value in a parsed node block."""
    return next(index for key, _, index in pairs if key == "id")


def _gml_weight(parser: _GmlParser, value: Any, index: int) -> float:
    """Return an edge weight as a finite float, or raise the error for its token."""
    if isinstance(value, list):
        raise parser.error(index, "an edge weight must be a number, found a list")
    try:
        weight = float(value)
    except ValueError:
        raise parser.error(index, f"edge weight {value!r} is not a number") from None
    if not math.isfinite(weight):
        raise parser.error(index, f"edge weight {value!r} is not finite")
    return weight


# ----------------------------------------------------------------------------------------------------------
# Edge lists


def _first_data_line(raw: bytes) -> tuple[int, bytes] | None:
    """Return the 1-based number and the text of the first line that is neither blank nor a comment."""
    start = 0
    line_number = 1
    size = len(raw)
    while start < size:
        end = raw.find(b"\n", start)
        if end < 0:
            end = size
        line = raw[start:end].strip()
        if line and line[:1] not in (b"#", b"%"):
            return line_number, line
        start = end + 1
        line_number += 1
    return None


def _is_header(fields: list[str]) -> bool:
    """Whether the first row of an edge list names its columns (``source target weight``)."""
    return len(fields) >= 2 and fields[0].lower() in _HEADER_WORDS and fields[1].lower() in _HEADER_WORDS


def _split_whitespace(raw: bytes, skip_line: int | None) -> tuple[list[bytes], np.ndarray, np.ndarray]:
    """Split whitespace-separated text into tokens, fast, without a Python loop per line.

    Returns the tokens of the data lines (comment lines, blank lines and ``skip_line`` left out), the
    number of tokens on each data line and the 1-based numbers of those lines.
    """
    data = np.frombuffer(raw, dtype=np.uint8)
    separator = np.zeros(256, dtype=bool)
    separator[[9, 10, 11, 12, 13, 32]] = True  # the bytes that bytes.split() splits on
    is_separator = separator[data]
    starts = ~is_separator
    starts[1:] &= is_separator[:-1]
    token_starts = np.flatnonzero(starts)
    newlines = np.flatnonzero(data == 10)
    token_lines = np.searchsorted(newlines, token_starts)  # 0-based line of each token
    line_count = len(newlines) + 1
    first_of_line = np.ones(len(token_starts), dtype=bool)
    first_of_line[1:] = token_lines[1:] != token_lines[:-1]
    first_bytes = data[token_starts[first_of_line]]
    ignored = np.zeros(line_count, dtype=bool)
    ignored[token_lines[first_of_line]] = (first_bytes == ord("#")) | (first_bytes == ord("%"))
    if skip_line is not None:
        ignored[skip_line - 1] = True
    counts = np.bincount(token_lines, minlength=line_count)
    data_lines = np.flatnonzero((counts > 0) & ~ignored)

    tokens = raw.split()
    if len(tokens) != len(token_starts):  # cannot happen: both split on the same six bytes
        raise ValueError("token count mismatch while splitting an edge list")
    keep = ~ignored[token_lines]
    if not keep.all():
        tokens = np.array(tokens, dtype=object)[keep].tolist()
    return tokens, counts[data_lines], data_lines + 1


def _split_delimited(
    raw: bytes, delimiter: str, skip_line: int | None, path: str
) -> tuple[list[str], np.ndarray, np.ndarray]:
    """Split comma- or tab-separated text with the csv module; same results as :func:`_split_whitespace`."""
    lines = raw.decode("utf-8").split("\n")
    tokens: list[str] = []
    counts: list[int] = []
    line_numbers: list[int] = []
    reader = csv.reader(lines, delimiter=delimiter, skipinitialspace=True)
    try:
        for row in reader:
            line_number = reader.line_num
            fields = [field.strip() for field in row]
            if not fields or not any(fields) or fields[0][:1] in ("#", "%") or line_number == skip_line:
                continue
            for column, value in enumerate(fields[:2], start=1):
                if not value:
                    raise HeliosError(f"{path}:{line_number}: column {column} (a node id) is empty")
            tokens.extend(fields)
            counts.append(len(fields))
            line_numbers.append(line_number)
    except csv.Error as error:
        raise HeliosError(f"{path}:{reader.line_num}: {error}") from None
    return tokens, np.array(counts, dtype=np.int64), np.array(line_numbers, dtype=np.int64)


def _split_edge_list(raw: bytes, path: str) -> tuple[list, np.ndarray, np.ndarray]:
    """Pick the separator from the first data line, skip a header row, and split the text."""
    first = _first_data_line(raw)
    if first is None:
        raise HeliosError(f"{path}: the file has only comments and blank lines, no edges")
    line_number, line = first
    fields = [field.strip() for field in line.split(b"\t")]
    if b"," in line:
        delimiter: str | None = ","
        header_fields = [field.strip() for field in line.decode("utf-8").split(",")]
    elif len(fields) > 1 and any(b" " in field for field in fields):
        delimiter = "\t"  # tab-separated, with spaces inside ids
        header_fields = [field.decode("utf-8") for field in fields]
    else:
        delimiter = None
        header_fields = line.decode("utf-8").split()
    skip_line = None
    if _is_header(header_fields):
        skip_line = line_number
        logger.debug("%s:%d: column names %s, skipped", path, line_number, header_fields)
    if delimiter is None:
        tokens, counts, line_numbers = _split_whitespace(raw, skip_line)
    else:
        tokens, counts, line_numbers = _split_delimited(raw, delimiter, skip_line, path)
    if not len(counts):
        raise HeliosError(f"{path}: the file has only comments and blank lines, no edges")
    return tokens, counts, line_numbers


def _check_columns(
    counts: np.ndarray, line_numbers: np.ndarray, path: str, suffix: str, allowed: tuple[int, ...]
) -> int:
    """Return the column count shared by every data line, or raise the error for the first odd line."""
    expected = int(counts[0])
    if allowed == (2, 3):
        what = "source target [weight]"
    else:
        what = " ".join(("row", "column", "value")[: allowed[0]])
    hint = ""
    if suffix == ".gml":
        hint = " (the name ends in .gml, but the text is not GML, so it was read as an edge list)"
    if expected not in allowed:
        columns = " or ".join(str(count) for count in allowed)
        raise HeliosError(
            f"{path}:{line_numbers[0]}: expected {columns} columns ({what}), found {expected}{hint}"
        )
    odd = np.flatnonzero(counts != expected)
    if len(odd):
        line, found = int(line_numbers[odd[0]]), int(counts[odd[0]])
        if found not in allowed:
            columns = " or ".join(str(count) for count in allowed)
            raise HeliosError(f"{path}:{line}: expected {columns} columns ({what}), found {found}")
        raise HeliosError(
            f"{path}:{line}: found {found} columns, but line {line_numbers[0]} has {expected}; "
            f"every line needs the same columns ({what})"
        )
    return expected


def _parse_weights(tokens: list, line_numbers: np.ndarray, path: str) -> np.ndarray:
    """Convert weight tokens to floats; on failure, name the line of the first bad one."""
    try:
        weights = np.array(list(map(float, tokens)), dtype=np.float64)
    except ValueError:
        weights = None
    if weights is not None and np.all(np.isfinite(weights)):
        return weights
    for position, token in enumerate(tokens):
        text = token.decode("utf-8") if isinstance(token, bytes) else token
        try:
            weight = float(text)
        except ValueError:
            raise HeliosError(
                f"{path}:{line_numbers[position]}: weight {text!r} (column 3) is not a number"
            ) from None
        if not np.isfinite(weight):
            raise HeliosError(f"{path}:{line_numbers[position]}: weight {text!r} (column 3) is not finite")
    raise ValueError("no bad weight found")  # not reached


def _read_edge_list(raw: bytes, path: str, suffix: str) -> Graph:
    """Read an edge list: ``source target [weight]`` per line, ids numbered by first appearance."""
    tokens, counts, line_numbers = _split_edge_list(raw, path)
    columns = _check_columns(counts, line_numbers, path, suffix, (2, 3))
    weights = None
    if columns == 3:
        table = np.array(tokens, dtype=object).reshape(-1, 3)
        weights = _parse_weights(table[:, 2].tolist(), line_numbers, path)
        ids = table[:, :2].ravel().tolist()
    else:
        ids = tokens
    # dict.fromkeys keeps first-appearance order; only the unique ids pass through Python bytecode.
    index_of = {token: index for index, token in enumerate(dict.fromkeys(ids))}
    edges = np.fromiter(map(index_of.__getitem__, ids), dtype=np.int64, count=len(ids)).reshape(-1, 2)
    node_ids = [token.decode("utf-8") if isinstance(token, bytes) else token for token in index_of]
    return Graph(node_ids=node_ids, edges=edges, weights=weights, directed=False, source=path)


def _read_matrix_market(raw: bytes, path: str) -> Graph:
    """Read a Matrix Market coordinate file (``%%MatrixMarket matrix coordinate ...``) as a graph.

    Node ``i`` of the file (1-based) becomes index ``i - 1`` with id ``str(i)``; a ``real`` or ``integer``
    value column becomes the weight; a ``general`` (not symmetric) matrix is read as directed.
    """
    banner = raw.split(b"\n", 1)[0].decode("utf-8").split()
    words = [word.lower() for word in banner[1:]]
    if len(words) < 4 or words[0] != "matrix" or words[1] != "coordinate":
        raise HeliosError(
            f"{path}:1: expected the banner '%%MatrixMarket matrix coordinate FIELD SYMMETRY', "
            f"found {' '.join(banner)!r} (only sparse coordinate matrices describe graphs)"
        )
    field, symmetry = words[2], words[3]
    if field not in ("pattern", "real", "integer"):
        raise HeliosError(
            f"{path}:1: Matrix Market field {field!r} is not supported (only pattern, real, integer)"
        )
    first = _first_data_line(raw)
    if first is None:
        raise HeliosError(f"{path}: the Matrix Market size line (rows columns entries) is missing")
    size_line, size_text = first
    size = size_text.split()
    try:
        rows, columns_declared, entries = (int(value) for value in size)
    except ValueError:
        raise HeliosError(
            f"{path}:{size_line}: expected the size line 'rows columns entries', found {size_text.decode()!r}"
        ) from None
    if rows != columns_declared:
        raise HeliosError(
            f"{path}:{size_line}: the matrix is {rows} x {columns_declared}; a graph needs a square one"
        )
    tokens, counts, line_numbers = _split_whitespace(raw, size_line)
    if not len(counts):
        tokens, counts, line_numbers = [], np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    expected = 2 if field == "pattern" else 3
    if len(counts):
        _check_columns(counts, line_numbers, path, "", (expected,))
    if len(counts) != entries:
        logger.warning("%s: the size line declares %d entries, the file has %d", path, entries, len(counts))
    table = np.array(tokens, dtype=object).reshape(-1, expected)
    weights = _parse_weights(table[:, 2].tolist(), line_numbers, path) if expected == 3 else None
    flat = table[:, :2].ravel().tolist()
    try:
        indices = np.array(list(map(int, flat)), dtype=np.int64)
    except ValueError:
        indices = np.zeros(len(flat), dtype=np.int64)  # the loop below names the bad token
    bad = np.flatnonzero((indices < 1) | (indices > rows))
    if len(bad) or len(indices) != len(flat):
        for position, token in enumerate(flat):
            try:
                value = int(token)
            except ValueError:
                value = 0
            if not 1 <= value <= rows:
                raise HeliosError(
                    f"{path}:{line_numbers[position // 2]}: index {token.decode()!r} "
                    f"(column {position % 2 + 1}) is not an integer in 1 .. {rows}"
                )
    indices = indices.reshape(-1, 2) - 1
    return Graph(
        node_ids=[str(number) for number in range(1, rows + 1)],
        edges=indices,
        weights=weights,
        directed=symmetry == "general",
        source=path,
    )
