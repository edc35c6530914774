"""Pajek networks (``.net``, ``.paj``): ``*Vertices``, ``*Arcs``, ``*Edges``, their list forms, ``*Matrix``.

Vertex ``k`` (1-based) becomes node index ``k - 1`` with id ``str(k)``; ``*Vertices N`` alone (no vertex
lines, as in jazz.net) declares ``N`` nodes. A vertex line ``k "label" [x y [z]] [options]`` gives the label
and the initial position. An arc or edge line ``u v [weight] [options]`` gives one edge record; a repeated
record is kept, as every reader keeps parallel edges (a layout sums their weights, an unweighted record
counting 1). ``*Arcs`` and ``*Arcslist`` records (and a one-mode ``*Matrix``) are directed, ``*Edges`` and
``*Edgeslist`` records undirected: a network with only one kind is that kind, one with both is directed, with
each record's flag in ``Graph.edge_directed``. Free text before the first ``*`` line is
skipped (Pajek and igraph allow a title there). What follows the first network in a project file
(``*Partition``, ``*Vector``, a second ``*Network``) is skipped.

A two-mode (bipartite) network declares ``*Vertices N N1``: vertices ``1 .. N1`` are the first mode, the
rest the second, kept as the boolean node attribute ``type`` (False, True; igraph's name). Its ``*Matrix``
has ``N1`` rows of ``N - N1`` columns: entry ``(i, j)`` is the edge between vertex ``i`` and vertex
``N1 + j``, undirected, as igraph reads it. A one-mode ``*Matrix`` is ``N x N``, entry ``(i, j)`` the arc
``i -> j``.
"""

from __future__ import annotations

import logging
import re

import numpy as np

from helios_app.graph import Graph
from helios_app.io.formats._common import GraphFileError, NodeEncodings, finite_float, implied_node_limit
from helios_app.io.formats.edgelist import split_whitespace

logger = logging.getLogger(__name__)

__all__ = ["read_pajek"]

_SECTION = re.compile(rb"^[ \t]*\*([A-Za-z]+)[^\n]*", re.MULTILINE)
_VERTEX_TOKEN = re.compile(r'"[^"]*"|\S+')
_EDGE_SECTIONS = {"arcs": "arcs", "edges": "edges", "arcslist": "arcs", "edgeslist": "edges"}
_STOP_SECTIONS = {"partition", "vector", "permutation", "cluster", "hierarchy", "network"}
KNOWN_SECTIONS = {"vertices", "matrix", *_EDGE_SECTIONS, *_STOP_SECTIONS}


class _Section:
    def __init__(self, kind: str, header: str, line: int, body_start: int, body_end: int) -> None:
        self.kind = kind  # lower-case section word
        self.header = header
        self.line = line  # line number of the '*' line
        self.body_start = body_start  # byte offsets of the lines after the header
        self.body_end = body_end


def _sections(raw: bytes) -> list[_Section]:
    matches = list(_SECTION.finditer(raw))
    sections = []
    line = 1
    previous = 0
    for number, match in enumerate(matches):
        line += raw.count(b"\n", previous, match.start())
        previous = match.start()
        body_start = match.end() + 1
        body_end = matches[number + 1].start() if number + 1 < len(matches) else len(raw)
        header = match.group(0).decode("utf-8").strip()
        kind = match.group(1).decode().lower()
        sections.append(_Section(kind, header, line, body_start, max(body_end, body_start)))
    return sections


def read_pajek(raw: bytes, path: str) -> Graph:
    """Read the first network of a Pajek file.

    Raises
    ------
    GraphFileError
        ``PATH:LINE: ...`` for a missing or bad ``*Vertices`` count, a vertex number out of range, a bad
        weight, an unknown section or a malformed ``*Matrix`` row.
    """
    sections = _sections(raw)
    kinds = [section.kind for section in sections]
    vertices_at = kinds.index("vertices") if "vertices" in kinds else None
    if vertices_at is None:
        raise GraphFileError(
            path, "no '*Vertices N' line: a Pajek network starts with its vertex count (an edge list is .txt)", 1
        )
    for section in sections[:vertices_at]:
        if section.kind != "network":
            raise GraphFileError(
                path, f"{section.header!r} before '*Vertices N'; the vertex count comes first", section.line
            )
    vertices = sections[vertices_at]
    node_count, first_mode_count = _vertex_counts(vertices, len(raw), path)

    labels: list[str | None] = [None] * node_count
    encodings = NodeEncodings(node_count)
    has_labels = _read_vertices(raw, vertices, node_count, labels, encodings, path)

    records: list[tuple[np.ndarray, np.ndarray | None, bool]] = []  # every section's records, in file order
    for section in sections[vertices_at + 1 :]:
        if section.kind in _STOP_SECTIONS:
            logger.info(
                "%s:%d: %s and what follows is not part of the first network; skipped",
                path, section.line, section.header,
            )  # fmt: skip
            break
        if section.kind in ("arcs", "edges"):
            pairs, section_weights = _read_pairs(raw, section, node_count, path)
        elif section.kind in ("arcslist", "edgeslist"):
            pairs, section_weights = _read_lists(raw, section, node_count, path)
        elif section.kind == "matrix":
            pairs, section_weights = _read_matrix(raw, section, node_count, first_mode_count, path)
        else:
            raise GraphFileError(
                path,
                f"unknown Pajek section {section.header!r}; "
                "expected *Arcs, *Edges, *Arcslist, *Edgeslist or *Matrix",
                section.line,
            )
        one_mode_matrix = section.kind == "matrix" and first_mode_count is None
        records.append((pairs, section_weights, _EDGE_SECTIONS.get(section.kind) == "arcs" or one_mode_matrix))

    edges = np.concatenate([pairs for pairs, _, _ in records]) if records else np.zeros((0, 2), dtype=np.int64)
    weights = None
    if any(section_weights is not None for _, section_weights, _ in records):
        weights = np.concatenate([w if w is not None else np.ones(len(p)) for p, w, _ in records])
    edge_directed = np.concatenate(
        [np.full(len(pairs), arcs) for pairs, _, arcs in records] or [np.zeros(0, dtype=bool)]
    )
    directed = bool(edge_directed.any())  # Graph keeps edge_directed only when it mixes the two kinds
    node_attributes = {}
    if first_mode_count is not None:
        node_attributes["type"] = [index >= first_mode_count for index in range(node_count)]
    return Graph(
        node_ids=[str(number) for number in range(1, node_count + 1)],
        edges=edges,
        weights=weights,
        directed=directed,
        labels=[label if label is not None else str(index + 1) for index, label in enumerate(labels)]
        if has_labels
        else None,
        node_attributes=node_attributes,
        source=path,
        edge_directed=edge_directed,
        **encodings.fields(),
    )


def _vertex_counts(section: _Section, file_size: int, path: str) -> tuple[int, int | None]:
    """``N`` and, for a two-mode network (``*Vertices N N1``), ``N1``; None for a one-mode network."""
    words = section.header.split()
    try:
        counts = [int(word) for word in words[1:3]]
    except ValueError:
        counts = []
    if not counts:
        raise GraphFileError(
            path, f"expected '*Vertices N' with N the number of vertices, found {section.header!r}", section.line
        )
    node_count = counts[0]
    limit = implied_node_limit(file_size)
    if node_count < 0 or node_count > limit:
        raise GraphFileError(
            path,
            f"'*Vertices {node_count}' is more than a file of {file_size} bytes can describe "
            f"(at most {limit}); is the number damaged?",
            section.line,
        )
    if len(counts) == 1:
        return node_count, None
    if not 0 <= counts[1] <= node_count:
        raise GraphFileError(
            path,
            f"'*Vertices {node_count} {counts[1]}' declares a first mode of {counts[1]} vertices, but a "
            f"two-mode network's first mode has 0 .. {node_count} (N N1: N vertices, the first N1 of one mode)",
            section.line,
        )
    return node_count, counts[1]


def _read_vertices(
    raw: bytes, section: _Section, node_count: int, labels: list, encodings: NodeEncodings, path: str
) -> bool:
    """Read the vertex lines; return whether any gave a label."""
    body = raw[section.body_start : section.body_end].decode("utf-8")
    has_labels = False
    seen = np.zeros(node_count, dtype=bool)
    for offset, line in enumerate(body.split("\n"), start=1):
        text = line.strip()
        if not text or text[0] == "%":
            continue
        tokens = _VERTEX_TOKEN.findall(text)
        line_number = section.line + offset
        try:
            number = int(tokens[0])
        except ValueError:
            raise GraphFileError(
                path, f"expected a vertex number in 1 .. {node_count}, found {tokens[0]!r}", line_number
            ) from None
        if not 1 <= number <= node_count:
            raise GraphFileError(
                path, f"vertex {number} is not in 1 .. {node_count} (the '*Vertices' count)", line_number
            )
        if seen[number - 1]:
            raise GraphFileError(path, f"vertex {number} is listed twice", line_number)
        seen[number - 1] = True
        if len(tokens) > 1:
            label = tokens[1]
            quoted = len(label) > 1 and label[0] == '"' and label[-1] == '"'
            labels[number - 1] = label[1:-1] if quoted else label
            has_labels = True
        coordinates = []
        for token in tokens[2:5]:
            value = finite_float(token)
            if value is None:
                break
            coordinates.append(value)
        if len(coordinates) >= 2:
            encodings.positions[number - 1, : len(coordinates)] = coordinates
    return has_labels


def _vertex_indices(tokens: list, line_numbers: np.ndarray, node_count: int, path: str) -> np.ndarray:
    """Vertex numbers (1-based tokens) as 0-based indices; raise for the first that is not in range."""
    try:
        values = np.fromiter(map(int, tokens), dtype=np.int64, count=len(tokens))
    except (ValueError, OverflowError):
        values = np.zeros(len(tokens), dtype=np.int64)
    bad = np.flatnonzero((values < 1) | (values > node_count))
    if len(bad):
        position = int(bad[0])
        token = tokens[position]
        text = token.decode("utf-8", "replace") if isinstance(token, bytes) else str(token)
        raise GraphFileError(
            path,
            f"expected a vertex number in 1 .. {node_count}, found {text!r}",
            int(line_numbers[position]),
        )
    return values - 1


def _read_pairs(
    raw: bytes, section: _Section, node_count: int, path: str
) -> tuple[np.ndarray, np.ndarray | None]:
    """Read ``u v [weight] [options]`` lines."""
    split = split_whitespace(raw[section.body_start : section.body_end], None)
    if not len(split.counts):
        return np.zeros((0, 2), dtype=np.int64), None
    line_numbers = split.line_numbers + section.line
    short = np.flatnonzero(split.counts < 2)
    if len(short):
        raise GraphFileError(
            path,
            f"expected 'from to [weight]' under {section.header.split()[0]}, found one number",
            int(line_numbers[short[0]]),
        )
    starts = np.concatenate([[0], np.cumsum(split.counts)[:-1]])
    tokens = np.array(split.tokens, dtype=object)
    end_tokens = tokens[np.stack([starts, starts + 1], axis=1).ravel()].tolist()
    endpoints = _vertex_indices(end_tokens, np.repeat(line_numbers, 2), node_count, path)
    weights = None
    has_weight = split.counts >= 3
    if has_weight.any():
        weight_tokens = tokens[starts[has_weight] + 2].tolist()
        values = np.array(
            [None if _is_option(token) else finite_float(token) for token in weight_tokens], dtype=object
        )
        missing = np.array([value is None for value in values], dtype=bool)
        if missing.any():
            position = int(np.flatnonzero(missing)[0])
            token = weight_tokens[position]
            if not _is_option(token):
                raise GraphFileError(
                    path, f"weight {token.decode('utf-8', 'replace')!r} (column 3) is not a finite number",
                    int(line_numbers[has_weight][position]),
                )
        if not missing.all():
            weights = np.ones(len(starts), dtype=np.float64)
            weights[np.flatnonzero(has_weight)[~missing]] = values[~missing].astype(np.float64)
    return endpoints.reshape(-1, 2), weights


def _is_option(token: bytes) -> bool:
    """Whether a token after ``u v`` is a Pajek drawing option (``c``, ``w``, ``p``...), not a weight."""
    return token[:1].isalpha() and token.lower() not in (b"nan", b"inf", b"infinity")


def _read_lists(raw: bytes, section: _Section, node_count: int, path: str) -> tuple[np.ndarray, None]:
    """Read ``u v1 v2 ...`` lines (``*Arcslist``, ``*Edgeslist``)."""
    split = split_whitespace(raw[section.body_start : section.body_end], None)
    line_numbers = np.repeat(split.line_numbers + section.line, split.counts)
    indices = _vertex_indices(split.tokens, line_numbers, node_count, path)
    starts = np.concatenate([[0], np.cumsum(split.counts)[:-1]]).astype(np.int64)
    sources = np.repeat(indices[starts], split.counts - 1)
    is_target = np.ones(len(indices), dtype=bool)
    is_target[starts] = False
    return np.stack([sources, indices[is_target]], axis=1), None


def _read_matrix(
    raw: bytes, section: _Section, node_count: int, first_mode_count: int | None, path: str
) -> tuple[np.ndarray, np.ndarray]:
    """Read an adjacency matrix: a non-zero entry is an edge record with that weight.

    One-mode: ``N x N``, entry ``(i, j)`` the arc ``i -> j``. Two-mode: ``N1 x (N - N1)``, entry ``(i, j)``
    the edge between vertex ``i`` and vertex ``N1 + j``.
    """
    if first_mode_count is None:
        rows, columns, column_offset, shape = node_count, node_count, 0, f"{node_count} rows of {node_count}"
    else:
        rows, columns = first_mode_count, node_count - first_mode_count
        column_offset = first_mode_count
        shape = f"{rows} rows (the first mode) of {columns} (the second mode)"
    split = split_whitespace(raw[section.body_start : section.body_end], None)
    line_numbers = split.line_numbers + section.line
    if len(split.counts) != rows or np.any(split.counts != columns):
        odd = np.flatnonzero(split.counts != columns)
        line = int(line_numbers[odd[0]]) if len(odd) else section.line
        raise GraphFileError(
            path, f"*Matrix needs {shape} numbers; this row or the row count differs", line
        )
    values = np.array([finite_float(token) for token in split.tokens], dtype=object)
    missing = np.array([value is None for value in values], dtype=bool)
    if missing.any():
        position = int(np.flatnonzero(missing)[0])
        text = split.tokens[position].decode("utf-8", "replace")
        raise GraphFileError(
            path, f"matrix entry {text!r} is not a finite number", int(line_numbers[position // columns])
        )
    matrix = values.astype(np.float64).reshape(rows, columns)
    row_indices, column_indices = np.nonzero(matrix)
    pairs = np.stack([row_indices, column_indices + column_offset], axis=1).astype(np.int64)
    return pairs, matrix[row_indices, column_indices]
