"""Edge lists: ``source target [weight]`` per line, separated by whitespace, commas or tabs.

Lines starting with ``#`` or ``%`` are comments; a first line of column names (``source,target``) is
skipped; ids are any tokens, numbered in order of first appearance and kept as text (``"007"`` and ``"7"``
are two nodes). A file of plain decimal ids (the SNAP and DIMACS files) takes a vectorized path that gives
the same graph several times faster.

With ``time_column`` (3 or 4, or the name of a column in the header row) that column is a time: each line is
an edge present at that instant, and a node is present from its first edge on. Times are numbers, or ISO
8601 dates (``2009-03-01``, ``2009-03-01T10:30:00``; seconds since the Unix epoch, UTC). The other column
past the two ids, if there is one, is the weight.
"""

from __future__ import annotations

import csv
import logging
import warnings

import numpy as np

from helios_app.graph import Graph, TimeIntervals, parse_time
from helios_app.io.formats._common import GraphFileError

logger = logging.getLogger(__name__)

__all__ = ["read_edge_list", "split_whitespace"]

# Column names that mark a first row as a header (both of its first two fields must be one of these). No
# single letters: "u v" could as well be a real edge.
HEADER_WORDS = {
    "source", "target", "from", "to", "src", "dst", "node1", "node2", "node_1", "node_2", "id1", "id2",
    "fromnodeid", "tonodeid", "weight", "value", "sender", "receiver",
}  # fmt: skip
_SEPARATOR = np.zeros(256, dtype=bool)
_SEPARATOR[[9, 10, 11, 12, 13, 32]] = True  # the bytes that bytes.split() splits on
_DIGIT = np.zeros(256, dtype=bool)
_DIGIT[48:58] = True
_LARGEST_PLAIN_ID = 1 << 53  # ids up to here are exact in the float64 parse of a weighted list
_MAX_TABLE_FACTOR = 8  # ids up to this many times the token count are ranked with a lookup table


def first_data_line(raw: bytes) -> tuple[int, bytes] | None:
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
    return len(fields) >= 2 and fields[0].lower() in HEADER_WORDS and fields[1].lower() in HEADER_WORDS


class _Split:
    """Tokens of the data lines, the token count and number of each data line, and byte-level facts.

    ``tokens`` is computed on first use: the fast integer path never needs it.
    """

    def __init__(self, tokens: list | None, counts: np.ndarray, line_numbers: np.ndarray) -> None:
        self._tokens = tokens
        self.counts = counts
        self.line_numbers = line_numbers
        self.plain_integer_columns: int = 0  # leading columns made only of canonical decimal integers
        self.body: bytes | None = None  # the text from the first data line on, when no comment follows it
        self._raw = b""
        self._keep: np.ndarray | None = None
        self.header: list[str] | None = None  # the column names, when the first data line is a header

    @property
    def tokens(self) -> list:
        if self._tokens is None:
            tokens = self._raw.split()
            if self._keep is not None:
                tokens = np.array(tokens, dtype=object)[self._keep].tolist()
            self._tokens = tokens
        return self._tokens


def split_whitespace(raw: bytes, skip_line: int | None) -> _Split:
    """Split whitespace-separated text into tokens, fast, without a Python loop per line.

    Comment lines, blank lines and ``skip_line`` are left out. Also finds how many leading columns hold
    only plain decimal integers without leading zeros (whose text ``int`` gives back exactly).
    """
    data = np.frombuffer(raw, dtype=np.uint8)
    is_separator = _SEPARATOR[data]
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

    keep = ~ignored[token_lines]
    split = _Split(None, counts[data_lines], data_lines + 1)
    split._raw = raw
    split._keep = None if keep.all() else keep
    if not len(data_lines):
        return split
    first_line = int(data_lines[0])
    if not ignored[first_line:].any():
        split.body = raw[int(newlines[first_line - 1]) + 1 :] if first_line else raw

    # Which columns are plain integers: no byte other than digits and separators in them, no leading zero.
    line_first_token = np.flatnonzero(first_of_line)
    column = np.arange(len(token_starts)) - line_first_token[np.cumsum(first_of_line) - 1]
    bad_columns = set()
    odd = np.flatnonzero(~_DIGIT[data] & ~is_separator)
    if len(odd):
        owner = np.searchsorted(token_starts, odd, side="right") - 1
        owner = owner[keep[owner]]
        bad_columns.update(np.unique(column[owner]).tolist())
    following = np.minimum(token_starts + 1, len(data) - 1)
    leading_zero = (data[token_starts] == 48) & _DIGIT[data[following]] & (token_starts + 1 < len(data))
    leading_zero &= keep
    if leading_zero.any():
        bad_columns.update(np.unique(column[leading_zero]).tolist())
    plain = 0
    while plain not in bad_columns and plain < 2:
        plain += 1
    split.plain_integer_columns = plain
    return split


def _split_delimited(raw: bytes, delimiter: str, skip_line: int | None, path: str) -> _Split:
    """Split comma- or tab-separated text with the csv module; same results as :func:`split_whitespace`."""
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
                    raise GraphFileError(path, f"column {column} (a node id) is empty", line_number)
            tokens.extend(fields)
            counts.append(len(fields))
            line_numbers.append(line_number)
    except csv.Error as error:
        raise GraphFileError(path, str(error), reader.line_num) from None
    return _Split(tokens, np.array(counts, dtype=np.int64), np.array(line_numbers, dtype=np.int64))


def _split(raw: bytes, path: str, suffix: str, column_name: str | None = None) -> _Split:
    """Pick the separator from the first data line, skip a header row, and split the text.

    A first line that names ``column_name`` is a header too, whatever its other names.
    """
    first = first_data_line(raw)
    if first is None:
        raise GraphFileError(path, "the file has only comments and blank lines, no edges")
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
    lowered = [field.lower() for field in header_fields]
    if len(lowered) in (3, 4) and lowered[:3] == ["id", "x", "y"] and lowered[3:] in ([], ["z"]):
        raise GraphFileError(
            path,
            f"this is a table of node positions ({','.join(header_fields)}), not a graph; open the graph "
            "file and pass this one as its positions",
            line_number,
        )
    skip_line = None
    header = None
    named = column_name is not None and column_name.strip().lower() in lowered
    if _is_header(header_fields) or named:
        skip_line = line_number
        header = header_fields
        logger.debug("%s:%d: column names %s, skipped", path, line_number, header_fields)
    elif suffix == ".mtx" and _is_size_line(header_fields, raw, line_number):
        skip_line = line_number
        logger.info("%s:%d: a Matrix Market size line with no banner; skipped", path, line_number)
    if delimiter is None:
        split = split_whitespace(raw, skip_line)
    else:
        split = _split_delimited(raw, delimiter, skip_line, path)
    if not len(split.counts):
        raise GraphFileError(path, "the file has only comments and blank lines, no edges")
    split.header = header
    return split


def _is_size_line(fields: list[str], raw: bytes, line_number: int) -> bool:
    """Whether a header-less ``.mtx`` file starts with a ``rows columns entries`` line at ``line_number``."""
    if len(fields) != 3 or not all(field.isdigit() for field in fields):
        return False
    rows, columns, _ = (int(field) for field in fields)
    if rows != columns:
        return False
    offset = 0
    for _ in range(line_number):
        offset = raw.find(b"\n", offset) + 1
        if offset == 0:
            return False
    second = first_data_line(raw[offset : offset + 65536])
    return second is not None and len(second[1].split()) != 3


def check_columns(
    counts: np.ndarray,
    line_numbers: np.ndarray,
    path: str,
    suffix: str,
    allowed: tuple[int, ...],
    what: str | None = None,
) -> int:
    """Return the column count shared by every data line, or raise the error for the first odd line.

    ``what`` names the columns in the message (by default ``source target [weight]`` or ``row column
    value``).
    """
    expected = int(counts[0])
    if what is None:
        names = ("row", "column", "value")[: allowed[0]]
        what = "source target [weight]" if allowed == (2, 3) else " ".join(names)
    hint = ""
    if suffix == ".gml":
        hint = " (the name ends in .gml, but the text is not GML, so it was read as an edge list)"
    if expected not in allowed:
        columns = " or ".join(str(count) for count in allowed)
        raise GraphFileError(
            path, f"expected {columns} columns ({what}), found {expected}{hint}", int(line_numbers[0])
        )
    odd = np.flatnonzero(counts != expected)
    if len(odd):
        line, found = int(line_numbers[odd[0]]), int(counts[odd[0]])
        if found not in allowed:
            columns = " or ".join(str(count) for count in allowed)
            raise GraphFileError(path, f"expected {columns} columns ({what}), found {found}", line)
        raise GraphFileError(
            path,
            f"found {found} columns, but line {line_numbers[0]} has {expected}; "
            f"every line needs the same columns ({what})",
            line,
        )
    return expected


def parse_weights(tokens: list, line_numbers: np.ndarray, path: str, column: int = 3) -> np.ndarray:
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
            raise GraphFileError(
                path, f"weight {text!r} (column {column}) is not a number", int(line_numbers[position])
            ) from None
        if not np.isfinite(weight):
            raise GraphFileError(
                path, f"weight {text!r} (column {column}) is not finite", int(line_numbers[position])
            )
    raise ValueError("no bad weight found")  # not reached


def number_by_first_appearance(ids: list) -> tuple[np.ndarray, list[str]]:
    """Number id tokens (bytes or str) by first appearance; return the indices and the ids as text."""
    # dict.fromkeys keeps first-appearance order; only the unique ids pass through Python bytecode.
    index_of = {token: index for index, token in enumerate(dict.fromkeys(ids))}
    indices = np.fromiter(map(index_of.__getitem__, ids), dtype=np.int64, count=len(ids))
    node_ids = [token.decode("utf-8") if isinstance(token, bytes) else token for token in index_of]
    return indices, node_ids


def number_integers_by_first_appearance(values: np.ndarray) -> tuple[np.ndarray, list[str]]:
    """The same numbering for non-negative integer ids given as an array: the same result, faster."""
    if not len(values):
        return values.astype(np.int64), []
    largest = int(values.max())
    if largest <= _MAX_TABLE_FACTOR * len(values) + 1024:
        first = np.full(largest + 1, len(values), dtype=np.int64)
        np.minimum.at(first, values, np.arange(len(values), dtype=np.int64))
        present = np.flatnonzero(first < len(values))
        order = present[np.argsort(first[present], kind="stable")]
        rank = np.empty(largest + 1, dtype=np.int64)
        rank[order] = np.arange(len(order), dtype=np.int64)
        return rank[values], [str(value) for value in order.tolist()]
    unique, first_index, inverse = np.unique(values, return_index=True, return_inverse=True)
    appearance = np.argsort(first_index, kind="stable")
    rank = np.empty(len(unique), dtype=np.int64)
    rank[appearance] = np.arange(len(unique), dtype=np.int64)
    return rank[inverse.reshape(-1)], [str(value) for value in unique[appearance].tolist()]


def _parse_plain_numbers(split: _Split, columns: int) -> tuple[np.ndarray, np.ndarray | None] | None:
    """Ids (int64) and weights of a plain integer edge list, parsed in C; None when this does not apply."""
    if split.body is None or split.plain_integer_columns < 2:
        return None
    expected = int(split.counts.sum())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            values = np.fromstring(split.body, dtype=np.int64 if columns == 2 else np.float64, sep=" ")
        except ValueError:
            return None
    if len(values) != expected:
        return None
    table = values.reshape(-1, columns)
    ids = table[:, :2]
    if len(ids) and (ids.min() < 0 or ids.max() >= _LARGEST_PLAIN_ID):
        return None
    weights = None
    if columns == 3:
        weights = table[:, 2].copy()
        if not np.all(np.isfinite(weights)):
            return None  # the generic path names the bad weight
    return ids.astype(np.int64).ravel(), weights


def _integer_values(tokens: list) -> np.ndarray | None:
    """The tokens as int64 when all are plain integers that fit, else None."""
    try:
        return np.fromiter(map(int, tokens), dtype=np.int64, count=len(tokens))
    except (ValueError, OverflowError):
        return None


def _text(token: bytes | str) -> str:
    return token.decode("utf-8") if isinstance(token, bytes) else token


def parse_times(tokens: list, line_numbers: np.ndarray, path: str, column: int) -> tuple[np.ndarray, str]:
    """Convert time tokens to floats: all numbers, or all dates; name the line of the first bad one.

    Returns the times and the time format (``"number"`` or ``"date"``).
    """
    texts = list(map(_text, tokens))
    try:
        times = np.array(list(map(float, texts)), dtype=np.float64)
    except ValueError:
        times = None
    if times is not None and np.all(np.isfinite(times)):
        return times, "number"
    values, kinds = [], []
    for position, text in enumerate(texts):
        for kind in ("number", "date"):
            try:
                values.append(parse_time(text, kind))
                kinds.append(kind)
                break
            except ValueError:
                continue
        else:
            raise GraphFileError(
                path,
                f"time {text!r} (column {column}) is neither a finite number nor a date "
                "(yyyy-mm-dd or yyyy-mm-ddThh:mm:ss)",
                int(line_numbers[position]),
            )
        if kinds[-1] != kinds[0]:
            raise GraphFileError(
                path,
                f"time {text!r} (column {column}) is a {kinds[-1]}, but line {line_numbers[0]} has a "
                f"{kinds[0]}; a time column holds numbers or dates, not both",
                int(line_numbers[position]),
            )
    return np.array(values, dtype=np.float64), kinds[0]


def _time_column_number(time_column: int | str, header: list[str] | None, path: str) -> int:
    """The 1-based time column: 3 or 4, given as a number or as a name in the header row."""
    if isinstance(time_column, str):
        lowered = [name.strip().lower() for name in header or []]
        if time_column.strip().lower() not in lowered:
            raise GraphFileError(path, f"no header row names a column {time_column!r} (the time column)")
        column = lowered.index(time_column.strip().lower()) + 1
    elif isinstance(time_column, bool) or not isinstance(time_column, int):
        raise GraphFileError(path, f"time_column must be a column number or name, got {time_column!r}")
    else:
        column = time_column
    if column not in (3, 4):
        raise GraphFileError(
            path,
            f"the time column is column {column}; it must be column 3 or 4 (1 and 2 are the edge's ends, "
            "the other of 3 and 4 the weight)",
        )
    return column


def _numbered_ids(ids: list, split: _Split) -> tuple[np.ndarray, list[str]]:
    """Node indices and node ids of id tokens, numbered by first appearance."""
    values = _integer_values(ids) if split.plain_integer_columns >= 2 else None
    if values is not None:
        return number_integers_by_first_appearance(values)
    return number_by_first_appearance(ids)


def _read_timed_edge_list(split: _Split, path: str, suffix: str, time_column: int | str) -> Graph:
    """An edge list with a time column: each line an edge present at its time, each node from its first."""
    column = _time_column_number(time_column, split.header, path)
    what = "source target time [weight]" if column == 3 else "source target weight time"
    allowed = (3, 4) if column == 3 else (4,)
    columns = check_columns(split.counts, split.line_numbers, path, suffix, allowed, what)
    table = np.array(split.tokens, dtype=object).reshape(-1, columns)
    times, time_format = parse_times(table[:, column - 1].tolist(), split.line_numbers, path, column)
    weights = None
    if columns == 4:
        weight_column = 7 - column  # the other of 3 and 4
        weights = parse_weights(table[:, weight_column - 1].tolist(), split.line_numbers, path, weight_column)
    indices, node_ids = _numbered_ids(table[:, :2].ravel().tolist(), split)
    edges = indices.reshape(-1, 2)
    first_times = np.full(len(node_ids), np.inf)
    np.minimum.at(first_times, edges[:, 0], times)
    np.minimum.at(first_times, edges[:, 1], times)
    return Graph(
        node_ids=node_ids,
        edges=edges,
        weights=weights,
        source=path,
        node_times=TimeIntervals(np.arange(len(node_ids)), first_times, np.full(len(node_ids), np.inf)),
        edge_times=TimeIntervals(np.arange(len(edges)), times, times),
        time_format=time_format,
    )


def read_edge_list(raw: bytes, path: str, suffix: str = "", time_column: int | str | None = None) -> Graph:
    """Read an edge list: ``source target [weight]`` per line, ids numbered by first appearance.

    ``time_column`` (3 or 4, or a name in the header row) reads that column as each edge's time (see the
    module's docstring).
    """
    column_name = time_column if isinstance(time_column, str) else None
    split = _split(raw, path, suffix, column_name)
    if time_column is not None:
        return _read_timed_edge_list(split, path, suffix, time_column)
    columns = check_columns(split.counts, split.line_numbers, path, suffix, (2, 3))
    parsed = _parse_plain_numbers(split, columns)
    if parsed is not None:
        values, weights = parsed
        indices, node_ids = number_integers_by_first_appearance(values)
        return Graph(node_ids=node_ids, edges=indices.reshape(-1, 2), weights=weights, source=path)
    weights = None
    if columns == 3:
        table = np.array(split.tokens, dtype=object).reshape(-1, 3)
        weights = parse_weights(table[:, 2].tolist(), split.line_numbers, path)
        ids = table[:, :2].ravel().tolist()
    else:
        ids = split.tokens
    indices, node_ids = _numbered_ids(ids, split)
    return Graph(node_ids=node_ids, edges=indices.reshape(-1, 2), weights=weights, source=path)
