"""Matrix Market coordinate files (``%%MatrixMarket matrix coordinate FIELD SYMMETRY``).

Row ``i`` (1-based) becomes node index ``i - 1`` with id ``str(i)``, so a node with no entries is kept. A
``real`` or ``integer`` value column becomes the weight; a ``general`` matrix is read as directed, the
symmetric kinds as undirected. The header-less variant (banner and size line stripped, as in DIMACS10's
``luxembourg_osm.mtx``) has no banner, so it is read as an edge list.
"""

from __future__ import annotations

import logging

import numpy as np

from helios_app.graph import Graph
from helios_app.io.formats._common import GraphFileError, implied_node_limit
from helios_app.io.formats.edgelist import check_columns, first_data_line, parse_weights, split_whitespace

logger = logging.getLogger(__name__)

__all__ = ["read_matrix_market"]

_SYMMETRIES = ("general", "symmetric", "skew-symmetric", "hermitian")


def read_matrix_market(raw: bytes, path: str) -> Graph:
    """Read a Matrix Market coordinate file as a graph.

    Raises
    ------
    GraphFileError
        For a dense (``array``) or complex matrix, a bad banner or size line, a wrong column count, or an
        index outside the matrix.
    """
    banner = raw.split(b"\n", 1)[0].decode("utf-8").split()
    words = [word.lower() for word in banner[1:]]
    if len(words) < 4 or words[0] != "matrix" or words[1] != "coordinate":
        raise GraphFileError(
            path,
            "expected the banner '%%MatrixMarket matrix coordinate FIELD SYMMETRY', "
            f"found {' '.join(banner)!r} (only sparse coordinate matrices describe graphs)",
            1,
        )
    field, symmetry = words[2], words[3]
    if field not in ("pattern", "real", "integer"):
        raise GraphFileError(
            path, f"Matrix Market field {field!r} is not supported (only pattern, real, integer)", 1
        )
    if symmetry not in _SYMMETRIES:
        raise GraphFileError(
            path, f"Matrix Market symmetry {symmetry!r} is unknown (expected {', '.join(_SYMMETRIES)})", 1
        )
    first = first_data_line(raw)
    if first is None:
        raise GraphFileError(path, "the Matrix Market size line (rows columns entries) is missing")
    size_line, size_text = first
    try:
        rows, columns_declared, entries = (int(value) for value in size_text.split())
    except ValueError:
        raise GraphFileError(
            path, f"expected the size line 'rows columns entries', found {size_text.decode()!r}", size_line
        ) from None
    if rows != columns_declared:
        raise GraphFileError(
            path, f"the matrix is {rows} x {columns_declared}; a graph needs a square one", size_line
        )
    limit = implied_node_limit(len(raw))
    if rows < 0 or rows > limit:
        raise GraphFileError(
            path,
            f"the size line declares {rows} rows; a file of {len(raw)} bytes can declare at most {limit} "
            "(is the number damaged?)",
            size_line,
        )
    split = split_whitespace(raw, size_line)
    expected = 2 if field == "pattern" else 3
    if len(split.counts):
        check_columns(split.counts, split.line_numbers, path, "", (expected,))
    if len(split.counts) != entries:
        logger.warning(
            "%s: the size line declares %d entries, the file has %d", path, entries, len(split.counts)
        )
    table = np.array(split.tokens, dtype=object).reshape(-1, expected)
    weights = parse_weights(table[:, 2].tolist(), split.line_numbers, path) if expected == 3 else None
    flat = table[:, :2].ravel().tolist()
    try:
        indices = np.fromiter(map(int, flat), dtype=np.int64, count=len(flat))
    except (ValueError, OverflowError):
        indices = np.zeros(len(flat), dtype=np.int64)  # the loop below names the bad token
    bad = np.flatnonzero((indices < 1) | (indices > rows))
    if len(bad):
        for position, token in enumerate(flat):
            try:
                value = int(token)
            except ValueError:
                value = 0
            if not 1 <= value <= rows:
                raise GraphFileError(
                    path,
                    f"index {token.decode()!r} (column {position % 2 + 1}) is not an integer in 1 .. {rows}",
                    int(split.line_numbers[position // 2]),
                )
    indices = indices.reshape(-1, 2) - 1
    return Graph(
        node_ids=[str(number) for number in range(1, rows + 1)],
        edges=indices,
        weights=weights,
        directed=symmetry == "general",
        source=path,
    )
