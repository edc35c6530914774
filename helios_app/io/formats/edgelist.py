"""Edge lists: ``source target [weight]`` per line, separated by whitespace, commas or tabs.

Lines starting with ``#`` or ``%`` are comments; a first line of column names (``source,target``) is
skipped; ids are any tokens, numbered in order of first appearance and kept as text (``"007"`` and ``"7"``
are two nodes). A file of plain decimal ids (the SNAP and DIMACS files) takes a vectorized path that gives
the same graph several times faster.

The separator comes from the first data line: commas if it holds one, tabs if its tab-separated fields hold
spaces (or it is a tab-separated header and the next line holds a tab), else runs of whitespace; a ``.tsv``
name makes it tabs whatever the content. Comma- and tab-separated fields are read as the csv module reads
them: a quoted field keeps its line ends (logged), one never closed is refused where it starts. A weight
written with a decimal comma (``1,5``) is refused at its line, never read as two fields: a first line such
as ``a<TAB>b<TAB>1,5`` or ``1 2 1,5`` would otherwise be CSV with the ids ``a<TAB>b<TAB>1`` and ``5``. An
id that is an attribute dict (``{}``: networkx's multi-line adjacency list) is refused too; networkx's
adjacency lists are read by :mod:`helios_app.io.formats.adjlist`.

networkx's ``write_edgelist`` output with its attribute dicts (``1 2 {'weight': 2.0, 'color': 'green'}``)
is read as networkx reads it: the first line's third field starts with ``{``, so every line is two ids and
a dict literal of simple values (parsed, never evaluated); its ``weight`` is the edge's weight (1 where an
edge has none), its other keys are ``edge_attributes``.

With ``time_column`` (3 or 4, or the name of a column in the header row) that column is a time: each line is
an edge present at that instant, and a node is present from its first edge on. Times are numbers, or ISO
8601 dates (``2009-03-01``, ``2009-03-01T10:30:00``; seconds since the Unix epoch, UTC). The other column
past the two ids, if there is one, is the weight.

Bounded memory: the text is read in blocks of whole lines (about :data:`BLOCK_BYTES` each), each parsed with
the vectorized code and numbered with one numbering kept across blocks, so that a file is never held
whole: :func:`read_edge_list_stream` takes the text as it is decompressed. The result is the same as
for the whole text at once: the same node order, the same ids, the same line numbers in errors.
"""

from __future__ import annotations

import ast
import csv
import itertools
import logging
import math
import re
import warnings
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import numpy as np

from helios_app.graph import Graph, TimeIntervals, parse_time
from helios_app.io.formats._common import GraphFileError, check_text

logger = logging.getLogger(__name__)

__all__ = ["BLOCK_BYTES", "read_edge_list", "read_edge_list_stream", "split_whitespace"]

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
_ODD = ~(_DIGIT | _SEPARATOR)  # bytes that make a token other than a plain decimal integer
_LARGEST_PLAIN_ID = 1 << 53  # ids up to here are exact in the float64 parse of a weighted list

BLOCK_BYTES = 1 << 23
"""Bytes of text parsed at a time. Parsing a block takes up to about ten times its size (index arrays,
tokens), so 8 MiB blocks keep that near 100 MB, and numpy still works on millions of bytes per call."""
_PIECE_BYTES = 1 << 22  # a whole text is cut into pieces of this size before it is cut into blocks
_BATCH_TOKENS = 1 << 20  # comma- and tab-separated rows are numbered in batches of this many fields
# Integer ids are ranked with a lookup table (4 bytes per possible id) while the largest id is below the
# number of ids read so far plus this; sparser ids with sorted arrays (see _NodeNumbering).
_TABLE_SLACK = 1 << 22
_MAX_ATTRIBUTE_BYTES = 1 << 16  # the longest attribute dict of networkx's edge list format
_SIMPLE_TYPES = (str, int, float, bool, type(None))
_ADJACENCY_HINT = (
    "; if each line is a node and its neighbours, name the file .adjlist to read it as an adjacency list"
)
_MAX_LINE_BYTES = 1 << 26  # a longer line is no edge list's: refused, so that a block stays small
# A line that is neither blank nor a comment: at a line start, or after a line end (a pattern that starts
# with a literal is searched for fast, unlike one that starts with ^ in MULTILINE mode).
_DATA_LINE_HERE = re.compile(rb"[ \t\r\x0b\x0c]*[^\s#%]")
_DATA_LINE_AFTER = re.compile(rb"\n[ \t\r\x0b\x0c]*[^\s#%]")
# A number written with a decimal comma (1,5 for 1.5), as European spreadsheets export it.
_DECIMAL_COMMA = re.compile(r"[+-]?(?:[0-9]+,[0-9]*|,[0-9]+)(?:[eE][+-]?[0-9]+)?")
# Bytes that may make a line split differently by tabs than by whitespace: spaces and the other whitespace
# but tabs and line ends, and quotes (see _splits_alike); tabs at a line's ends or next to one another too.
_TAB_ODD = np.zeros(256, dtype=bool)
_TAB_ODD[[32, 34, 11, 12]] = True
_COMMENT_LINE = re.compile(rb"[ \x0b\x0c]*[#%]")  # split alike either way: skipped
# Whitespace beyond ASCII (no-break space, em space, ...): str.strip() takes it off a csv field's ends,
# bytes.split() keeps it in a token.
_UNICODE_SPACES = tuple(chr(code).encode() for code in range(0x80, 0x3001) if chr(code).isspace())
# What a networkx attribute dict looks like where a node id is expected: {} or {'key': ...}.
_DICT_ID = re.compile(r"\{(?:\}|['\"])")


def _next_data_line(raw: bytes, start: int = 0) -> tuple[int, int] | None:
    """The start and end offsets of the first line from ``start`` (a line's start or end) that is neither
    blank nor a comment."""
    if _DATA_LINE_HERE.match(raw, start):
        line_start = start
    else:
        match = _DATA_LINE_AFTER.search(raw, start)
        if match is None:
            return None
        line_start = match.start() + 1
    end = raw.find(b"\n", line_start)
    return line_start, len(raw) if end < 0 else end


def first_data_line(raw: bytes) -> tuple[int, bytes] | None:
    """Return the 1-based number and the text of the first line that is neither blank nor a comment."""
    span = _next_data_line(raw)
    if span is None:
        return None
    start, end = span
    return raw.count(b"\n", 0, start) + 1, raw[start:end].strip()


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

    def holds(self, character: str) -> bool:
        """Whether a token may hold ``character`` (an ASCII one): its lines, comments included, do."""
        tokens = self._tokens
        if tokens is None:
            return character.encode() in self._raw
        if tokens and isinstance(tokens[0], bytes):
            return character.encode() in b"\n".join(tokens)
        return character in "\n".join(tokens)

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
    only plain decimal integers without leading zeros (whose text ``int`` gives back exactly). Working
    memory: a few bytes per byte of text and a few dozen per token.
    """
    data = np.frombuffer(raw, dtype=np.uint8)
    is_separator = _SEPARATOR[data]
    starts = ~is_separator
    starts[1:] &= is_separator[:-1]
    del is_separator
    token_starts = np.flatnonzero(starts)
    del starts
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
    del token_lines
    split = _Split(None, counts[data_lines], data_lines + 1)
    split._raw = raw
    split._keep = None if keep.all() else keep
    if not len(data_lines):
        return split
    first_line = int(data_lines[0])
    if not ignored[first_line:].any():
        split.body = raw[int(newlines[first_line - 1]) + 1 :] if first_line else raw
    del newlines

    # Which of the first two columns are plain integers: no byte other than digits in them, no leading zero.
    bad = np.logical_or.reduceat(_ODD[data], token_starts)  # per token: holds a byte other than a digit
    following = np.minimum(token_starts + 1, len(data) - 1)
    bad |= (data[token_starts] == 48) & _DIGIT[data[following]] & (token_starts + 1 < len(data))
    bad &= keep
    second_of_line = np.zeros(len(token_starts), dtype=bool)
    second_of_line[1:] = first_of_line[:-1] & ~first_of_line[1:]
    if (bad & first_of_line).any():
        split.plain_integer_columns = 0
    else:
        split.plain_integer_columns = 1 if (bad & second_of_line).any() else 2
    return split


# ----------------------------------------------------------------------------------------------------------
# Blocks of whole lines


def _pieces_of(raw: bytes) -> Iterator[bytes]:
    for start in range(0, len(raw), _PIECE_BYTES):
        yield raw[start : start + _PIECE_BYTES]


def _line_blocks(pieces: Iterable[bytes], path: str) -> Iterator[bytes]:
    """Join pieces of text into blocks of whole lines of about :data:`BLOCK_BYTES`.

    A block ends after a ``\\n`` or a ``\\r`` (never between the two bytes of a ``\\r\\n``), so that no
    UTF-8 character and no line is cut. A line longer than ``_MAX_LINE_BYTES`` is refused.
    """
    buffer: list[bytes] = []
    size = 0
    line_length = 0  # bytes since the last line end
    lines_before = 0  # line ends in the blocks given
    for piece in pieces:
        buffer.append(piece)
        size += len(piece)
        cut = max(piece.rfind(b"\n"), piece.rfind(b"\r", 0, len(piece) - 1)) + 1
        line_length = len(piece) - cut if cut else line_length + len(piece)
        if line_length > _MAX_LINE_BYTES:
            first = buffer[0]  # it starts a line: binary data in it is the better message
            _check_block(first[: _last_character_start(first)], path, lines_before)
            line = lines_before + sum(part.count(b"\n") for part in buffer) + 1
            raise GraphFileError(
                path,
                f"line {line} is longer than {_MAX_LINE_BYTES >> 20} MiB; an edge list has two ids and a "
                "weight per line",
            )
        if size < BLOCK_BYTES or cut == 0:
            continue  # a short block, or no line ends in this piece: the block grows until one does
        rest = piece[cut:]
        buffer[-1] = piece[:cut]
        del piece
        block = b"".join(buffer)
        buffer, size = [rest], len(rest)
        lines_before += block.count(b"\n")
        yield block
    if size:
        yield b"".join(buffer)


def _control_bytes() -> np.ndarray:
    """The ASCII bytes :func:`~helios_app.io.formats._common.check_text` refuses as binary data, as a table."""
    table = np.zeros(256, dtype=bool)
    for byte in range(128):
        try:
            check_text(bytes([byte]), "")
        except GraphFileError:
            table[byte] = True
    return table


_CONTROL = _control_bytes()


def _last_character_start(text: bytes) -> int:
    """Where the last UTF-8 character of ``text`` starts when it is not ASCII (it may be cut), else its end."""
    for back in range(1, min(4, len(text)) + 1):
        if text[-back] < 0x80:
            break
        if text[-back] >= 0xC0:
            return len(text) - back
    return len(text)


def _check_block(block: bytes, path: str, lines_before: int) -> None:
    """Raise the error :func:`~helios_app.io.formats._common.check_text` gives for a block that is not text
    (binary data, not UTF-8), its line counted from the file's start; a fast check first."""
    if not _CONTROL[np.frombuffer(block, dtype=np.uint8)].any():
        if block.isascii():
            return
        try:
            block.decode("utf-8")
            return
        except UnicodeDecodeError:
            pass
    try:
        check_text(block, path)
    except GraphFileError as error:
        raise GraphFileError(path, error.reason, (error.line or 1) + lines_before) from None


def _checked_blocks(blocks: Iterable[bytes], path: str) -> Iterator[bytes]:
    """Check each block as text (see :func:`_check_block`) and turn CR and CRLF line ends into LF."""
    lines_before = 0
    for block in blocks:
        _check_block(block, path, lines_before)
        lines_before += block.count(b"\n")
        if b"\r" in block:
            block = block.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
        yield block


def _first_block(blocks: Iterator[bytes]) -> tuple[bytes, int]:
    """The first block that holds a data line, and the number of lines before it.

    Blocks of comments and blank lines before it are dropped. The first data line decides the separator and
    whether it is a header; a Matrix Market size line is told by the line after it, so the next block is
    joined to this one when the line after it is not in it.
    """
    line_offset = 0
    for block in blocks:
        first = _next_data_line(block)
        if first is None:
            line_offset += block.count(b"\n")
            continue
        if _next_data_line(block, first[1]) is None:
            block += next(blocks, b"")
        return block, line_offset
    return b"", line_offset


# ----------------------------------------------------------------------------------------------------------
# The layout, from the first data line


@dataclass(frozen=True)
class _Layout:
    """How the lines of an edge list are written, decided from its first data line."""

    delimiter: str | None  # None: runs of whitespace
    skip_line: int | None = None  # a header row or a Matrix Market size line
    header: list[str] | None = None
    attributes: bool = False  # networkx's "u v {dict}" lines


def _layout(
    first_block: bytes, line_offset: int, path: str, suffix: str, column_name: str | None = None
) -> _Layout:
    """Pick the separator from the first data line and tell a header row.

    ``line_offset`` lines come before ``first_block``. A first line that names ``column_name`` is a header
    too, whatever its other names. A ``.tsv`` name makes tabs the separator whatever the content; a
    tab-separated header row does too when the line after it holds a tab.
    """
    first = first_data_line(first_block)
    if first is None:
        raise GraphFileError(path, "the file has only comments and blank lines, no edges")
    line_in_block, line = first
    line_number = line_offset + line_in_block
    tsv = suffix == ".tsv"
    ids_part = line.partition(b"{")[0]
    candidates = ["\t"] if tsv else [*(text for text in (",", "\t") if text.encode() in ids_part), None]
    for candidate in candidates:
        fields = line.split(None if candidate is None else candidate.encode(), 2)
        if len(fields) == 3 and fields[2].lstrip().startswith(b"{"):
            logger.debug("%s:%d: networkx edge list with attribute dicts", path, line_number)
            return _Layout(candidate, attributes=True)
    fields = [field.strip() for field in line.split(b"\t")]
    tab_fields = [field.decode("utf-8") for field in fields]
    if tsv:
        delimiter: str | None = "\t"
        header_fields = tab_fields
    elif b"," in line:
        _refuse_decimal_comma(first_block, line_in_block, line_number, path)
        delimiter = ","
        header_fields = [field.strip() for field in line.decode("utf-8").split(",")]
    elif len(fields) > 1 and any(b" " in field for field in fields):
        delimiter = "\t"  # tab-separated, with spaces inside ids
        header_fields = tab_fields
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
    named = column_name is not None and column_name.strip().lower() in lowered
    if _is_header(header_fields) or named:
        logger.debug("%s:%d: column names %s, skipped", path, line_number, header_fields)
        if delimiter is None and len(fields) > 1 and _next_line_has_tab(first_block, line_in_block):
            delimiter = "\t"  # a tab-separated header: tabs separate the columns, spaces may be in ids
        return _Layout(delimiter, line_number, header_fields)
    if suffix == ".mtx" and _is_size_line(header_fields, first_block, line_in_block):
        logger.info("%s:%d: a Matrix Market size line with no banner; skipped", path, line_number)
        return _Layout(delimiter, line_number)
    return _Layout(delimiter)


def _line_start(raw: bytes, line_number: int) -> int:
    """The offset where 1-based line ``line_number`` of ``raw`` starts."""
    offset = 0
    for _ in range(line_number - 1):
        offset = raw.find(b"\n", offset) + 1
    return offset


def _next_line_has_tab(raw: bytes, line_number: int) -> bool:
    """Whether the data line after line ``line_number`` of ``raw`` holds a tab."""
    following = _next_data_line(raw, raw.find(b"\n", _line_start(raw, line_number)) + 1 or len(raw))
    return following is not None and b"\t" in raw[following[0] : following[1]]


def _refuse_decimal_comma(raw: bytes, line_in_block: int, line_number: int, path: str) -> None:
    """Refuse a tab- or whitespace-separated list whose weights have decimal commas (``a<TAB>b<TAB>1,5``).

    Read as CSV, such a file would give nodes ``'a<TAB>b<TAB>1'`` and ``'5'``. The first data line (line
    ``line_in_block`` of ``raw``, line ``line_number`` of the file) holds a comma. When it and every later
    data line of ``raw`` split by tabs (by semicolons, as spreadsheets in comma-decimal locales write CSV,
    if the first line has no tab; by whitespace if it has neither) into 2 or 3 fields, with commas only in
    the third and only as a decimal comma, the file is no CSV: it is refused, naming the line. A CSV file
    whose first field holds spaces and ends in a number (``Bus stop 12,14``) has this shape too; its ids
    quoted (``"Bus stop 12",14``), it is read as CSV.
    """
    start = _line_start(raw, line_in_block)
    end = raw.find(b"\n", start)
    first_line = raw[start : len(raw) if end < 0 else end]
    separator = next((byte for byte in (b"\t", b";") if byte in first_line), None)
    weight = None
    position = start
    while position < len(raw):
        end = raw.find(b"\n", position)
        end = len(raw) if end < 0 else end
        line = raw[position:end].strip()
        position = end + 1
        if not line or line[:1] in (b"#", b"%"):
            continue
        fields = [field.strip() for field in line.split(separator)]
        if len(fields) not in (2, 3) or not all(fields) or b"," in fields[0] + fields[1]:
            return
        if len(fields) == 3 and b"," in fields[2]:
            if not _DECIMAL_COMMA.fullmatch(fields[2].decode("utf-8")):
                return
            weight = weight or fields[2].decode("utf-8")
    if weight is None:
        return
    advice = "or, if this is a CSV file whose ids hold spaces or tabs, quote those ids"
    if separator == b";":
        advice = "and separate the columns with commas or tabs, not ';'"
    raise GraphFileError(
        path,
        f"weight {weight!r} (column 3) uses a decimal comma; write {weight.replace(',', '.')}, {advice}",
        line_number,
    )


def _is_size_line(fields: list[str], raw: bytes, line_number: int) -> bool:
    """Whether a header-less ``.mtx`` file starts with a ``rows columns entries`` line at ``line_number``."""
    if len(fields) != 3 or not all(field.isdigit() for field in fields):
        return False
    rows, columns, _ = (int(field) for field in fields)
    if rows != columns:
        return False
    offset = raw.find(b"\n", _line_start(raw, line_number)) + 1
    if offset == 0:
        return False
    second = first_data_line(raw[offset : offset + 65536])
    return second is not None and len(second[1].split()) != 3


# ----------------------------------------------------------------------------------------------------------
# Batches of split lines


def _whitespace_batches(blocks: Iterable[bytes], skip_line: int | None, line_offset: int) -> Iterator[_Split]:
    """Each block split with :func:`split_whitespace`, its line numbers counted from the file's start
    (``line_offset`` lines come before the first block)."""
    for block in blocks:
        skip = skip_line - line_offset if skip_line is not None and skip_line > line_offset else None
        split = split_whitespace(block, skip)
        split.line_numbers += line_offset
        line_offset += block.count(b"\n")
        yield split


def _block_lines(block: bytes) -> list[str]:
    """The lines of a block, each with its line end (a quoted field that holds one keeps it)."""
    lines = block.decode("utf-8").split("\n")
    last = lines.pop()  # empty when the block ends with a line end
    lines = [line + "\n" for line in lines]
    if last:
        lines.append(last)
    return lines


class _Lines:
    """An iterator over the lines of blocks that notes when they run out.

    The csv reader ends a record at a line's end, or at the end of its input when a quoted field is still
    open; a row that comes after the lines ran out is such an unclosed field.
    """

    def __init__(self, blocks: Iterable[bytes]) -> None:
        self._lines = itertools.chain.from_iterable(map(_block_lines, blocks))
        self.done = False

    def __iter__(self) -> _Lines:
        return self

    def __next__(self) -> str:
        try:
            return next(self._lines)
        except StopIteration:
            self.done = True
            raise


def _delimited_batches(
    blocks: Iterable[bytes], delimiter: str, skip_line: int | None, path: str, line_offset: int
) -> Iterator[_Split]:
    """Comma- or tab-separated lines read with one csv reader across blocks (a quoted field may hold a line
    end, kept in the field), in batches of about ``_BATCH_TOKENS`` fields.

    A quoted field still open at the end of the text is refused at the line where its record starts: a
    stray quote would otherwise swallow every line after it into one id.
    """
    lines = _Lines(blocks)
    reader = csv.reader(lines, delimiter=delimiter, skipinitialspace=True)
    tokens: list[str] = []
    counts: list[int] = []
    line_numbers: list[int] = []
    record_start = line_offset + 1  # the line the next record starts on
    try:
        for row in reader:
            line_number = reader.line_num + line_offset
            if lines.done:
                raise GraphFileError(
                    path,
                    'a quoted field on this line is never closed; close it with a " or remove the stray one',
                    record_start,
                )
            if line_number > record_start and any("\n" in field for field in row):
                logger.warning(
                    "%s:%d: a quoted field runs over lines %d to %d; its line ends are kept in the id",
                    path, record_start, record_start, line_number,
                )  # fmt: skip
            record_start = line_number + 1
            fields = [field.strip() for field in row]
            if not fields or not any(fields) or fields[0][:1] in ("#", "%") or line_number == skip_line:
                continue
            for column, value in enumerate(fields[:2], start=1):
                if not value:
                    raise GraphFileError(path, f"column {column} (a node id) is empty", line_number)
            tokens.extend(fields)
            counts.append(len(fields))
            line_numbers.append(line_number)
            if len(tokens) >= _BATCH_TOKENS:
                yield _Split(tokens, np.array(counts, dtype=np.int64), np.array(line_numbers, dtype=np.int64))
                tokens, counts, line_numbers = [], [], []
    except csv.Error as error:
        raise GraphFileError(path, str(error), reader.line_num + line_offset) from None
    yield _Split(tokens, np.array(counts, dtype=np.int64), np.array(line_numbers, dtype=np.int64))


def _splits_alike(block: bytes) -> bool:
    """Whether every line of a block splits into the same fields by tabs (the csv reader, fields stripped)
    as by whitespace: no spaces, quotes, empty fields or tabs at a line's ends, but in comment lines."""
    if not block.isascii() and any(space in block for space in _UNICODE_SPACES):
        return False
    data = np.frombuffer(block, dtype=np.uint8)
    odd = _TAB_ODD[data]
    tab = data == 9
    line_end = data == 10
    odd[:-1] |= tab[:-1] & (tab[1:] | line_end[1:])  # an empty field, a tab at a line's end
    odd[1:] |= line_end[:-1] & tab[1:]  # a tab at a line's start
    odd[:1] |= tab[:1]
    odd[-1:] |= tab[-1:]
    positions = np.flatnonzero(odd)
    del data, odd, tab, line_end
    index = 0
    while index < len(positions):  # each line that holds one must be a comment
        position = int(positions[index])
        if not _COMMENT_LINE.match(block, block.rfind(b"\n", 0, position) + 1):
            return False
        end = block.find(b"\n", position)
        if end < 0:
            break
        index = int(np.searchsorted(positions, end, side="right"))
    return True


def _tab_batches(
    blocks: Iterable[bytes], skip_line: int | None, path: str, line_offset: int
) -> Iterator[_Split]:
    """Tab-separated lines: a block whose lines split alike by tabs and by whitespace takes the fast
    whitespace path, each run of other blocks one csv reader.

    The tokens of both are bytes, so that one numbering serves. A quoted field cannot run on from a csv
    run into a block that takes the whitespace path (such a block holds no quote to close it): the csv
    reader refuses it as never closed.
    """
    marked = ((block, _splits_alike(block)) for block in blocks)
    following = next(marked, None)  # the next block, and whether it splits alike
    run_lines = 0  # line ends in the blocks of the current csv run

    def csv_run() -> Iterator[bytes]:
        nonlocal following, run_lines
        while following is not None and not following[1]:
            block = following[0]
            following = next(marked, None)
            run_lines += block.count(b"\n")
            yield block

    while following is not None:
        block, alike = following
        if alike:
            following = next(marked, None)
            yield from _whitespace_batches([block], skip_line, line_offset)
            line_offset += block.count(b"\n")
            continue
        del block
        run_lines = 0
        for split in _delimited_batches(csv_run(), "\t", skip_line, path, line_offset):
            split._tokens = [token.encode("utf-8") for token in split.tokens]
            yield split
        line_offset += run_lines


def check_columns(
    counts: np.ndarray,
    line_numbers: np.ndarray,
    path: str,
    suffix: str,
    allowed: tuple[int, ...],
    what: str | None = None,
    reference: tuple[int, int] | None = None,
) -> int:
    """Return the column count shared by every data line, or raise the error for the first odd line.

    ``what`` names the columns in the message (by default ``source target [weight]`` or ``row column
    value``). ``reference`` is ``(columns, line number)`` of the file's first data line when ``counts``
    are those of a later block.
    """
    if what is None:
        names = ("row", "column", "value")[: allowed[0]]
        what = "source target [weight]" if allowed == (2, 3) else " ".join(names)
    if reference is None:
        expected, first_line = int(counts[0]), int(line_numbers[0])
        hint = ""
        if suffix == ".gml":
            hint = " (the name ends in .gml, but the text is not GML, so it was read as an edge list)"
        elif suffix == ".tsv":
            hint = " (the name ends in .tsv, so tabs separate the columns)"
        elif allowed == (2, 3) and expected > 3:
            hint = _ADJACENCY_HINT
        if expected not in allowed:
            columns = " or ".join(str(count) for count in allowed)
            message = f"expected {columns} columns ({what}), found {expected}{hint}"
            raise GraphFileError(path, message, first_line)
    else:
        expected, first_line = reference
    odd = np.flatnonzero(counts != expected)
    if len(odd):
        line, found = int(line_numbers[odd[0]]), int(counts[odd[0]])
        hint = _ADJACENCY_HINT if allowed == (2, 3) and suffix != ".tsv" else ""
        if found not in allowed:
            columns = " or ".join(str(count) for count in allowed)
            raise GraphFileError(path, f"expected {columns} columns ({what}), found {found}{hint}", line)
        raise GraphFileError(
            path,
            f"found {found} columns, but line {first_line} has {expected}; "
            f"every line needs the same columns ({what}){hint}",
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
        text = _text(token)
        try:
            weight = float(text)
        except ValueError:
            problem = "is not a number"
            if _DECIMAL_COMMA.fullmatch(text.strip()):
                problem = f"uses a decimal comma; write {text.strip().replace(',', '.')}"
            raise GraphFileError(
                path, f"weight {text!r} (column {column}) {problem}", int(line_numbers[position])
            ) from None
        if not np.isfinite(weight):
            raise GraphFileError(
                path, f"weight {text!r} (column {column}) is not finite", int(line_numbers[position])
            )
    raise ValueError("no bad weight found")  # not reached


def _text(token: bytes | str) -> str:
    return token.decode("utf-8") if isinstance(token, bytes) else token


def parse_times(
    tokens: list, line_numbers: np.ndarray, path: str, column: int, reference: tuple[str, int] | None = None
) -> tuple[np.ndarray, str]:
    """Convert time tokens to floats: all numbers, or all dates; name the line of the first bad one.

    ``reference`` is ``(time format, line number)`` of the file's first time when the tokens are a later
    block's. Returns the times and the time format (``"number"`` or ``"date"``).
    """
    texts = list(map(_text, tokens))
    try:
        times = np.array(list(map(float, texts)), dtype=np.float64)
    except ValueError:
        times = None
    if times is not None and np.all(np.isfinite(times)) and (reference is None or reference[0] == "number"):
        return times, "number"
    values = []
    first_kind, first_line = reference or (None, int(line_numbers[0]))
    for position, text in enumerate(texts):
        for kind in ("number", "date"):
            try:
                values.append(parse_time(text, kind))
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
        first_kind = first_kind or kind
        if kind != first_kind:
            raise GraphFileError(
                path,
                f"time {text!r} (column {column}) is a {kind}, but line {first_line} has a "
                f"{first_kind}; a time column holds numbers or dates, not both",
                int(line_numbers[position]),
            )
    return np.array(values, dtype=np.float64), first_kind


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


# ----------------------------------------------------------------------------------------------------------
# Numbering nodes across blocks


class _NodeNumbering:
    """Node indices in order of first appearance, kept across the blocks of one file.

    Plain integer ids are ranked with a lookup table (``rank[id]``, -1 for an id not seen yet) while they
    are dense, else with the sorted ids seen and their ranks (``np.searchsorted``). Once a block's ids are
    not plain integers, every id is numbered as text (its bytes, or str for comma- and tab-separated files)
    in one dict.
    """

    def __init__(self) -> None:
        self.rank: np.ndarray | None = np.empty(0, dtype=np.int32)  # the table; None when ids are sparse
        self.sorted_ids: np.ndarray | None = None  # sparse integer ids seen, sorted, and their ranks
        self.sorted_ranks: np.ndarray | None = None
        self.integer_ids: list[np.ndarray] = []  # the integer ids in order of first appearance, per block
        self.index_of: dict | None = None  # text ids and their ranks, once ids are text
        self.seen = 0  # integer ids read
        self.count = 0  # integer ids numbered

    @property
    def takes_integers(self) -> bool:
        return self.index_of is None

    def number_integers(self, values: np.ndarray) -> np.ndarray | None:
        """Indices of non-negative int64 ids, or None once the ids are text."""
        if self.index_of is not None:
            return None
        self.seen += len(values)
        if not len(values):
            return np.empty(0, dtype=np.int32)
        if self.rank is not None:
            ranks = self._table_ranks(values)
            if ranks is not None:
                return ranks
            self.sorted_ids = np.flatnonzero(self.rank >= 0)  # too sparse for the table from now on
            self.sorted_ranks = self.rank[self.sorted_ids]
            self.rank = None
        return self._sorted_ranks(values)

    def _table_ranks(self, values: np.ndarray) -> np.ndarray | None:
        """Ranks from the table, or None when the largest id would make it bigger than the ids read."""
        largest = int(values.max())
        if largest >= len(self.rank):
            limit = self.seen + _TABLE_SLACK
            if largest >= limit:
                return None
            grown = np.full(min(max(largest + 1, 2 * len(self.rank)), limit), -1, dtype=np.int32)
            grown[: len(self.rank)] = self.rank
            self.rank = grown
        ranks = self.rank[values]
        unseen = np.flatnonzero(ranks < 0).astype(np.int32)
        if len(unseen):
            # The table is the scratch space: each new id's entry takes the position of its first appearance.
            candidates = values[unseen]
            self.rank[candidates] = np.iinfo(np.int32).max
            np.minimum.at(self.rank, candidates, unseen)
            fresh = candidates[self.rank[candidates] == unseen]  # in order of appearance
            self.rank[fresh] = np.arange(self.count, self.count + len(fresh), dtype=np.int32)
            self.integer_ids.append(fresh)
            self.count += len(fresh)
            ranks = self.rank[values]
        return ranks

    def _sorted_ranks(self, values: np.ndarray) -> np.ndarray:
        """Ranks from the sorted ids seen; the block's new ids are inserted in place."""
        unique, inverse = np.unique(values, return_inverse=True)
        inverse = inverse.reshape(-1)
        position = np.searchsorted(self.sorted_ids, unique)
        known = np.zeros(len(unique), dtype=bool)
        inside = np.flatnonzero(position < len(self.sorted_ids))
        known[inside] = self.sorted_ids[position[inside]] == unique[inside]
        unique_ranks = np.empty(len(unique), dtype=np.int32)
        unique_ranks[known] = self.sorted_ranks[position[known]]
        new = np.flatnonzero(~known)
        if len(new):
            first = np.full(len(unique), len(values), dtype=np.int64)
            np.minimum.at(first, inverse, np.arange(len(values), dtype=np.int64))
            order = new[np.argsort(first[new], kind="stable")]  # the new ids in order of appearance
            unique_ranks[order] = np.arange(self.count, self.count + len(order), dtype=np.int32)
            self.integer_ids.append(unique[order])
            self.count += len(order)
            self.sorted_ids = np.insert(self.sorted_ids, position[new], unique[new])
            self.sorted_ranks = np.insert(self.sorted_ranks, position[new], unique_ranks[new])
        return unique_ranks[inverse]

    def number_tokens(self, tokens: list) -> np.ndarray:
        """Indices of id tokens (bytes or str)."""
        if self.index_of is None:  # the integer ids so far, as the bytes of their text
            ids = np.concatenate(self.integer_ids).tolist() if self.integer_ids else []
            self.index_of = {str(value).encode(): index for index, value in enumerate(ids)}
            self.rank = self.sorted_ids = self.sorted_ranks = None
            self.integer_ids = []
        index_of = self.index_of
        fresh = [token for token in dict.fromkeys(tokens) if token not in index_of]
        index_of.update(zip(fresh, range(len(index_of), len(index_of) + len(fresh))))
        return np.fromiter(map(index_of.__getitem__, tokens), dtype=np.int64, count=len(tokens))

    def node_ids(self) -> list[str]:
        """The ids as text, in order of first appearance."""
        if self.index_of is None:
            return list(map(str, np.concatenate(self.integer_ids).tolist())) if self.integer_ids else []
        ids = list(self.index_of)
        if not ids or isinstance(ids[0], str):
            return ids
        joined = b"\n".join(ids)
        if joined.count(b"\n") != len(ids) - 1:  # a quoted field of a tab-separated file held a line end
            return [node_id.decode("utf-8") for node_id in ids]
        return joined.decode("utf-8").split("\n")


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


def _numbered_ids(ids: list, split: _Split, numbering: _NodeNumbering) -> np.ndarray:
    """Node indices of id tokens, numbered by first appearance."""
    if split.plain_integer_columns >= 2 and numbering.takes_integers:
        values = _integer_values(ids)
        if values is not None:
            indices = numbering.number_integers(values)
            if indices is not None:
                return indices
    return numbering.number_tokens(ids)


# ----------------------------------------------------------------------------------------------------------
# Reading


def read_edge_list(raw: bytes, path: str, suffix: str = "", time_column: int | str | None = None) -> Graph:
    """Read an edge list from its whole text (checked as UTF-8, line ends ``\\n``).

    Parameters
    ----------
    raw : bytes
        The text.
    path : str
        The file, for messages.
    suffix : str, default ""
        The file name's format suffix (``.mtx``, ``.gml``), for the cases the content cannot decide.
    time_column : int or str, optional
        3 or 4, or a name in the header row: that column is each edge's time (see the module's docstring).

    Returns
    -------
    Graph

    Raises
    ------
    GraphFileError
        Naming the line at fault.
    """
    return _read_blocks(_line_blocks(_pieces_of(raw), path), path, suffix, time_column)


def read_edge_list_stream(
    pieces: Iterable[bytes], path: str, suffix: str = "", time_column: int | str | None = None
) -> Graph:
    """Read an edge list from its text in pieces (as a file is read or decompressed), a block at a time.

    Parameters
    ----------
    pieces : iterable of bytes
        The text, cut anywhere, without a byte order mark. Each block of lines is checked as
        :func:`~helios_app.io.formats._common.check_text` checks a whole text, and its CR or CRLF line
        ends are read as LF.
    path, suffix, time_column
        As for :func:`read_edge_list`.

    Returns
    -------
    Graph
        The graph :func:`read_edge_list` gives for the whole text.

    Raises
    ------
    GraphFileError
        Naming the line at fault.
    """
    return _read_blocks(_checked_blocks(_line_blocks(pieces, path), path), path, suffix, time_column)


def _read_blocks(blocks: Iterator[bytes], path: str, suffix: str, time_column: int | str | None) -> Graph:
    blocks = iter(blocks)
    first_block, line_offset = _first_block(blocks)
    column_name = time_column if isinstance(time_column, str) else None
    layout = _layout(first_block, line_offset, path, suffix, column_name)
    blocks = itertools.chain([first_block], blocks)
    del first_block
    if layout.attributes:
        if time_column is not None:
            raise GraphFileError(
                path,
                "a time column is read from plain columns, and this edge list carries networkx attribute "
                "dicts ({...}); read it without a time column",
            )
        return _read_attribute_lines(blocks, layout.delimiter, path, line_offset)
    if layout.delimiter is None:
        batches = _whitespace_batches(blocks, layout.skip_line, line_offset)
    elif layout.delimiter == "\t":
        batches = _tab_batches(blocks, layout.skip_line, path, line_offset)
    else:
        batches = _delimited_batches(blocks, layout.delimiter, layout.skip_line, path, line_offset)
    return _read_batches(batches, layout.header, path, suffix, time_column)


def _read_batches(
    batches: Iterator[_Split], header: list[str] | None, path: str, suffix: str, time_column: int | str | None
) -> Graph:
    """Check, parse and number the batches of split lines; build the graph."""
    time_number = None  # the 1-based time column, checked once the file is seen to have lines
    allowed, what = (2, 3), None
    numbering = _NodeNumbering()
    edge_parts: list[np.ndarray] = []
    weight_parts: list[np.ndarray] = []
    time_parts: list[np.ndarray] = []
    reference = None  # (columns, line number) of the first data line
    time_reference = None  # (time format, line number) of the first time
    for split in batches:
        if not len(split.counts):
            continue
        if time_column is not None and time_number is None:
            time_number = _time_column_number(time_column, header, path)
            allowed = (3, 4) if time_number == 3 else (4,)
            what = "source target time [weight]" if time_number == 3 else "source target weight time"
        columns = check_columns(split.counts, split.line_numbers, path, suffix, allowed, what, reference)
        reference = reference or (columns, int(split.line_numbers[0]))
        _refuse_dict_ids(split, columns, path)
        if time_number is None:
            indices, weights = _untimed_batch(split, columns, numbering, path)
        else:
            table = np.array(split.tokens, dtype=object).reshape(-1, columns)
            tokens = table[:, time_number - 1].tolist()
            times, time_format = parse_times(tokens, split.line_numbers, path, time_number, time_reference)
            time_reference = time_reference or (time_format, int(split.line_numbers[0]))
            time_parts.append(times)
            weights = None
            if columns == 4:
                weight_column = 7 - time_number  # the other of 3 and 4
                tokens = table[:, weight_column - 1].tolist()
                weights = parse_weights(tokens, split.line_numbers, path, weight_column)
            indices = _numbered_ids(table[:, :2].ravel().tolist(), split, numbering)
            del table, tokens
        edge_parts.append(indices.astype(np.int32).reshape(-1, 2))
        if weights is not None:
            weight_parts.append(weights)
    if reference is None:
        raise GraphFileError(path, "the file has only comments and blank lines, no edges")
    node_ids = numbering.node_ids()
    del numbering
    edges = _joined(edge_parts, np.int32).reshape(-1, 2)
    weights = _joined(weight_parts, np.float64) if weight_parts else None
    if time_number is None:
        return Graph(node_ids=node_ids, edges=edges, weights=weights, source=path)
    times = _joined(time_parts, np.float64)
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
        time_format=time_reference[0],
    )


def _untimed_batch(
    split: _Split, columns: int, numbering: _NodeNumbering, path: str
) -> tuple[np.ndarray, np.ndarray | None]:
    """Node indices and weights of a batch of ``source target [weight]`` lines: plain integers parsed in C
    where they can be, else the tokens."""
    if numbering.takes_integers:
        parsed = _parse_plain_numbers(split, columns)
        if parsed is not None:
            values, weights = parsed
            indices = numbering.number_integers(values)
            if indices is not None:
                return indices, weights
    if columns == 2:
        return _numbered_ids(split.tokens, split, numbering), None
    table = np.array(split.tokens, dtype=object).reshape(-1, 3)
    weights = parse_weights(table[:, 2].tolist(), split.line_numbers, path)
    return _numbered_ids(table[:, :2].ravel().tolist(), split, numbering), weights


def _refuse_dict_ids(split: _Split, columns: int, path: str) -> None:
    """Refuse an id that is a networkx attribute dict (``{}``, ``{'weight': 2}``): the neighbour lines of
    networkx's multi-line adjacency list (``1 {}``) would otherwise make a node ``{}``."""
    if not split.holds("{"):
        return
    for position, token in enumerate(split.tokens):
        if position % columns < 2 and _DICT_ID.match(_text(token)):
            line = int(split.line_numbers[position // columns])
            raise GraphFileError(
                path,
                f"{_text(token)!r} (column {position % columns + 1}) is an attribute dict, not a node id: "
                "this looks like networkx's multi-line adjacency list (write_multiline_adjlist); name the "
                "file .adjlist to read it as one",
                line,
            )


def _joined(parts: list[np.ndarray], dtype: type) -> np.ndarray:
    """The parts in one array; the list is emptied as they are copied, so that they are not held twice."""
    result = np.concatenate(parts).astype(dtype, copy=False) if parts else np.empty(0, dtype=dtype)
    parts.clear()
    return result


# ----------------------------------------------------------------------------------------------------------
# networkx's edge lists with attribute dicts


def _read_attribute_lines(
    blocks: Iterable[bytes], delimiter: str | None, path: str, line_offset: int
) -> Graph:
    """Lines ``source target {dict}``: the weight from the dict's ``weight``, other keys edge attributes."""
    separator = None if delimiter is None else delimiter.encode()
    numbering = _NodeNumbering()
    edge_parts: list[np.ndarray] = []
    weights: list[float] = []
    has_weight = False
    columns: dict[str, list] = {}
    edge_count = 0
    for block in blocks:
        ids: list[bytes] = []
        records: list[dict] = []
        parsed: dict[bytes, dict] = {}  # attribute text -> its dict, for the lines that repeat one
        for line_number, line in enumerate(block.split(b"\n"), start=line_offset + 1):
            line = line.strip()
            if not line or line[:1] in (b"#", b"%"):
                continue
            fields = [field.strip() for field in line.split(separator, 2)]
            if len(fields) < 2 or not fields[0] or not fields[1]:
                message = "expected source target {attributes}, as networkx's write_edgelist writes"
                raise GraphFileError(path, message, line_number)
            text = fields[2] if len(fields) == 3 else b"{}"
            record = parsed.get(text)
            if record is None:
                record = parsed[text] = _attribute_dict(text, path, line_number)
            ids += fields[:2]
            records.append(record)
        line_offset += block.count(b"\n")
        edge_parts.append(numbering.number_tokens(ids).astype(np.int32).reshape(-1, 2))
        has_weight = has_weight or any("weight" in record for record in records)
        weights.extend(record.get("weight", 1.0) for record in records)
        for record in records:
            for name in record:
                if name != "weight" and name not in columns:
                    columns[name] = [None] * edge_count
        for name, column in columns.items():
            column.extend(record.get(name) for record in records)
        edge_count += len(records)
    node_ids = numbering.node_ids()
    del numbering
    return Graph(
        node_ids=node_ids,
        edges=_joined(edge_parts, np.int32).reshape(-1, 2),
        weights=np.array(weights, dtype=np.float64) if has_weight else None,
        source=path,
        edge_attributes=columns,
    )


def _is_simple(node: ast.expr, types: tuple[type, ...] = _SIMPLE_TYPES) -> bool:
    """Whether an expression is a constant of ``types``, or a signed number."""
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.UAdd, ast.USub)):
        return _is_simple(node.operand, (int, float))
    return isinstance(node, ast.Constant) and type(node.value) in types


def _attribute_dict(text: bytes, path: str, line_number: int, writer: str = "write_edgelist") -> dict:
    """The dict literal of a networkx edge list line (or of another ``writer``'s), parsed (never evaluated):
    text keys, simple values."""
    shown = text[:60].decode("utf-8", "replace") + ("..." if len(text) > 60 else "")
    problem = (
        f"the attributes {shown!r} are not a dict of simple values (text, numbers, True, False, None) "
        f"as networkx's {writer} writes"
    )
    if len(text) > _MAX_ATTRIBUTE_BYTES:
        raise GraphFileError(path, f"{problem}: longer than {_MAX_ATTRIBUTE_BYTES} bytes", line_number)
    try:
        node = ast.parse(text.decode("utf-8"), mode="eval").body
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        raise GraphFileError(path, problem, line_number) from None
    if not (
        isinstance(node, ast.Dict)
        and all(key is not None and _is_simple(key, (str,)) for key in node.keys)
        and all(_is_simple(value) for value in node.values)
    ):
        raise GraphFileError(path, problem, line_number)
    attributes = ast.literal_eval(node)
    weight = attributes.get("weight", 1.0)
    if isinstance(weight, bool) or not isinstance(weight, (int, float)) or not math.isfinite(weight):
        message = f"weight {weight!r} (in the attribute dict) is not a finite number"
        raise GraphFileError(path, message, line_number)
    return attributes
