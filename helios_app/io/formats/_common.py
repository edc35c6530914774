"""What every reader shares: the error type, positions in the text, text checks and value parsing."""

from __future__ import annotations

import math
import re

import numpy as np

from helios_app.errors import HeliosError
from helios_app.graph import DEFAULT_NODE_RGB

__all__ = [
    "GraphFileError",
    "NodeEncodings",
    "check_text",
    "implied_node_limit",
    "line_and_column",
    "number_value",
    "parse_hex_color",
]

_CONTROL_BYTES = re.compile(rb"[\x00-\x08\x0e-\x1f\x7f]")
_HEX_COLOR = re.compile(r"#?([0-9A-Fa-f]{6})")
_DIGITS = re.compile(r"\s*[+-]?[0-9_]+\s*")
_MANTISSA = re.compile(r"[^eE]*")
_NONZERO_DIGIT = re.compile(r"[1-9]")

# Node counts a file declares (Pajek ``*Vertices N``, a Matrix Market size line) but does not list one by
# one are capped so that a damaged number cannot make the reader build billions of node ids: at least this
# many, or more for a bigger file (see :func:`implied_node_limit`).
MIN_IMPLIED_NODE_LIMIT = 1 << 20
IMPLIED_NODES_PER_BYTE = 16


class GraphFileError(HeliosError):
    """A graph file that cannot be read: the message says where (``PATH:LINE[:COLUMN]``) and what is wrong.

    Parameters
    ----------
    path : str
        The file as the user named it.
    message : str
        What is wrong and, where it helps, what was expected or what to do.
    line, column : int, optional
        1-based position of the problem in the (decompressed) text.

    Attributes
    ----------
    path, line, column, reason : the parts of the message.
    """

    def __init__(self, path: str, message: str, line: int | None = None, column: int | None = None) -> None:
        self.path = path
        self.line = line
        self.column = column
        self.reason = message
        location = path
        if line is not None:
            location += f":{line}"
            if column is not None:
                location += f":{column}"
        super().__init__(f"{location}: {message}")

    def __reduce__(self):  # keep the error picklable (multiprocessing, pytest-xdist)
        return (type(self), (self.path, self.reason, self.line, self.column))


def line_and_column(data: bytes | str, offset: int) -> tuple[int, int]:
    """Return the 1-based line and column of ``offset`` in ``data``."""
    newline = b"\n" if isinstance(data, bytes) else "\n"
    line = data.count(newline, 0, offset) + 1
    column = offset - data.rfind(newline, 0, offset)
    return line, column


def check_text(raw: bytes, path: str, what: str = "a text graph file (GML, Pajek or an edge list)") -> None:
    """Raise GraphFileError if ``raw`` holds control bytes (binary data) or is not valid UTF-8."""
    control = _CONTROL_BYTES.search(raw)
    if control is not None:
        line, column = line_and_column(raw, control.start())
        raise GraphFileError(
            path, f"binary data (byte 0x{raw[control.start()]:02x} at column {column}); expected {what}", line
        )
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line, column = line_and_column(raw, error.start)
        raise GraphFileError(
            path,
            f"byte 0x{raw[error.start]:02x} at column {column} is not UTF-8 text; save the file as UTF-8",
            line,
        ) from None


def implied_node_limit(file_size: int) -> int:
    """The largest node count a file of ``file_size`` bytes may declare without listing the nodes."""
    return max(MIN_IMPLIED_NODE_LIMIT, IMPLIED_NODES_PER_BYTE * file_size)


def parse_hex_color(text: str) -> tuple[int, int, int] | None:
    """Return ``(r, g, b)`` for ``"#RRGGBB"`` (or ``"RRGGBB"``), None for anything else."""
    match = _HEX_COLOR.fullmatch(text.strip())
    if match is None:
        return None
    value = int(match.group(1), 16)
    return (value >> 16) & 255, (value >> 8) & 255, value & 255


def number_value(text: str) -> int | float | str:
    """Return the value of a number literal, or the literal itself where Python cannot hold it exactly.

    ``"12"`` -> 12, ``"1.5"`` -> 1.5; an integer of more digits than ``int()`` converts (4300) and a literal
    that overflows to infinity (``1e400``) or underflows to zero (``1e-400``) stay text, so that two different
    numbers never become one (``inf``). ``"inf"`` and ``"nan"`` literals are read as what they say.

    Raises
    ------
    ValueError
        If ``text`` is not a number.
    """
    try:
        return int(text)
    except ValueError:
        if _DIGITS.fullmatch(text):
            return text  # more digits than int() converts
    value = float(text)
    lost = math.isinf(value) or (value == 0 and _NONZERO_DIGIT.search(_MANTISSA.match(text).group()) is not None)
    return text if lost and any(character.isdigit() for character in text) else value


def finite_float(text: str) -> float | None:
    """Return ``float(text)`` when it is a finite number, None otherwise."""
    try:
        value = float(text)
    except (TypeError, ValueError, OverflowError):
        return None
    return value if math.isfinite(value) else None


class NodeEncodings:
    """Per-node positions, colours and sizes a reader collects, turned into :class:`Graph` fields.

    A reader sets ``x``, ``y``, ``z`` (NaN where a node has none), ``colors`` and ``sizes`` row by row;
    :meth:`fields` drops what no node has, treats a node with ``x`` but no ``y`` as unplaced, and keeps
    ``z`` only when some node has a non-zero one.
    """

    def __init__(self, node_count: int) -> None:
        self.node_count = node_count
        self.positions = np.full((node_count, 3), np.nan)
        self.colors = np.empty((node_count, 3), dtype=np.uint8)
        self.colors[:] = DEFAULT_NODE_RGB
        self.has_color = False
        self.sizes = np.full(node_count, np.nan)

    def set_color(self, index: int, rgb: tuple[int, int, int]) -> None:
        """Set the RGB of node ``index``."""
        self.colors[index] = rgb
        self.has_color = True

    def fields(self) -> dict:
        """The ``initial_positions``, ``node_colors`` and ``node_sizes`` arguments of :class:`Graph`."""
        positions = self.positions
        placed = ~np.isnan(positions[:, 0]) & ~np.isnan(positions[:, 1])
        initial_positions = None
        if placed.any():
            positions[~placed] = np.nan
            z = positions[:, 2]
            z[placed & np.isnan(z)] = 0.0
            three_d = bool(np.any(z[placed] != 0.0))
            initial_positions = positions if three_d else np.ascontiguousarray(positions[:, :2])
        sizes = self.sizes if not np.isnan(self.sizes).all() else None
        return {
            "initial_positions": initial_positions,
            "node_colors": self.colors if self.has_color else None,
            "node_sizes": sizes,
        }
