"""Edge encodings, mirroring the node ones: colour by weight, an edge attribute or an end's colour; width by
weight or an attribute; opacity; and a legend whose entries are a control like the node legend's.

Pure numpy: the scene, the SVG/PDF writer and the page's legend receive the same arrays, one row per edge
record (``Graph.edges``: parallel edges are separate records).
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field

import numpy as np

from helios_app.errors import HeliosError
from helios_app.graph import Graph
from helios_app.graph.encodings import MAX_CATEGORIES_FOR_INTEGERS, _as_numbers, _categorical, _numeric

__all__ = [
    "ARROW_CHOICES",
    "DEFAULT_WIDTH_RANGE_PX",
    "EDGE_COLOR_CHOICES",
    "EDGE_WIDTH_CHOICES",
    "EdgeEncoding",
    "edge_record_keys",
    "encode_edges",
    "parse_width_range",
    "with_style",
]

EDGE_COLOR_CHOICES = ("none", "weight", "source", "target")
EDGE_WIDTH_CHOICES = ("none", "weight")
ARROW_CHOICES = ("auto", "on", "off")
DEFAULT_WIDTH_RANGE_PX = (0.5, 6.0)
MAX_WIDTH_PX = 40.0
KEY_SEPARATOR = "\x1f"  # between the parts of an edge record's key (never in a node id from a file's text)
HEAVY_TAIL_RATIO = 50.0  # widths follow the logarithm when the largest value is this many times the median


@dataclass(frozen=True)
class EdgeEncoding:
    """What the scene draws for each edge record.

    Attributes
    ----------
    colors : numpy.ndarray or None
        uint8 ``(m, 3)`` RGB; None for the default look (a grey tinted by the two ends' colours).
    widths_px : numpy.ndarray or None
        float32 ``(m,)`` line widths in pixels; None for the default one pixel.
    arrows : numpy.ndarray
        bool ``(m,)``: which records end in an arrowhead (directed ones, when arrows are on).
    categories, category_entries :
        Each record's legend entry (a category, or a numeric colouring's bin) and the entries' names and
        colours; None and [] without a colouring.
    colorbar : tuple or None
        ``(title, minimum, maximum)`` of a numeric colouring.
    width_scale : tuple or None
        ``(title, minimum, maximum, logarithmic)`` of a width encoding.
    opacity : float
        0 to 1.
    curvature : float
        The bend every edge gets (parallel and reciprocal edges are bent apart anyway).
    label_by : str or None
        The edge attribute shown as edge labels.
    """

    color_by: str = "none"
    width_by: str = "none"
    colors: np.ndarray | None = None
    widths_px: np.ndarray | None = None
    arrows: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))
    categories: np.ndarray | None = None
    category_entries: list[tuple[str, tuple[int, int, int]]] = field(default_factory=list)
    colorbar: tuple[str, float, float] | None = None
    width_scale: tuple[str, float, float, bool] | None = None
    opacity: float = 1.0
    curvature: float = 0.0
    label_by: str | None = None
    color_override_records: np.ndarray | None = None  # records whose colour was set from Python
    color_override_rgb: np.ndarray | None = None

    def as_dict(self) -> dict:
        """The options that make this encoding (for session files)."""
        return {"edge_color_by": self.color_by, "edge_width_by": self.width_by, "edge_opacity": self.opacity,
                "edge_curvature": self.curvature, "edge_labels": self.label_by}


def edge_record_keys(edges: np.ndarray, node_ids: list[str]) -> list[str]:
    """A key per edge record that follows it through edits: ``source``, ``target`` and which of the records
    from that source to that target it is (0, 1, ...), joined by :data:`KEY_SEPARATOR`."""
    edges = np.asarray(edges, dtype=np.int64).reshape(-1, 2)
    count = len(edges)
    if not count:
        return []
    keys = edges[:, 0] * (int(edges.max()) + 1) + edges[:, 1]
    order = np.lexsort((np.arange(count), keys))
    sorted_keys = keys[order]
    starts = np.flatnonzero(np.r_[True, sorted_keys[1:] != sorted_keys[:-1]])
    sizes = np.diff(np.r_[starts, count])
    rank = np.empty(count, dtype=np.int64)
    rank[order] = np.arange(count) - np.repeat(starts, sizes)
    return [f"{node_ids[source]}{KEY_SEPARATOR}{node_ids[target]}{KEY_SEPARATOR}{number}"
            for (source, target), number in zip(edges.tolist(), rank.tolist())]


def with_style(encoding: EdgeEncoding, keys: list[str], colors: dict[str, tuple], widths: dict[str, float]
               ) -> EdgeEncoding:
    """``encoding`` with the colours and widths set from Python (by :func:`edge_record_keys` key) over it."""
    if not colors and not widths:
        return encoding
    index_of = {key: index for index, key in enumerate(keys)}
    changes: dict = {}
    chosen = [(index_of[key], rgb) for key, rgb in colors.items() if key in index_of]
    if chosen:
        changes["color_override_records"] = np.array([index for index, _ in chosen], dtype=np.int64)
        changes["color_override_rgb"] = np.array([rgb for _, rgb in chosen], dtype=np.uint8).reshape(-1, 3)
    chosen = [(index_of[key], float(width)) for key, width in widths.items() if key in index_of]
    if chosen:
        sized = np.ones(len(keys), dtype=np.float32) if encoding.widths_px is None else encoding.widths_px.copy()
        sized[[index for index, _ in chosen]] = [width for _, width in chosen]
        changes["widths_px"] = sized
    return dataclasses.replace(encoding, **changes)


def parse_width_range(text: str | tuple | list) -> tuple[float, float]:
    """``"0.5,6"`` (or a pair) as the narrowest and widest edge in pixels; a HeliosError names what is wrong."""
    parts = text.split(",") if isinstance(text, str) else list(text)
    try:
        low, high = (float(part) for part in parts)
    except (TypeError, ValueError):
        raise HeliosError(f"--edge-width-range: expected two numbers LOW,HIGH (pixels), got {text!r}") from None
    if not (0 < low <= high <= MAX_WIDTH_PX):
        raise HeliosError(f"--edge-width-range: need 0 < LOW <= HIGH <= {MAX_WIDTH_PX:g} pixels, got {low:g},{high:g}")
    return low, high


def _edge_values(graph: Graph, name: str, option: str, choices: tuple[str, ...]) -> list:
    if name == "weight" and "weight" not in graph.edge_attributes:
        if graph.weights is None:
            raise HeliosError(f"{option} weight: {graph.source or 'the graph'} has no edge weights")
        return graph.weights.tolist()
    if name not in graph.edge_attributes:
        available = sorted(graph.edge_attributes)
        raise HeliosError(f"{option} {name}: no such edge attribute in {graph.source or 'the graph'}; choose from "
                          f"{', '.join([*choices, *available])}")
    return list(graph.edge_attributes[name])


def encode_edges(graph: Graph, color_by: str = "none", width_by: str = "none", *, arrows: str = "auto",
                 width_range_px: tuple[float, float] = DEFAULT_WIDTH_RANGE_PX, opacity: float = 1.0,
                 curvature: float = 0.0, label_by: str | None = None,
                 node_colors: np.ndarray | None = None) -> EdgeEncoding:
    """Compute edge colours, widths, arrows and the edge legend of a graph.

    Parameters
    ----------
    graph : Graph
    color_by : str
        ``none`` (the default look), ``weight``, ``source`` or ``target`` (an end's node colour), or an edge
        attribute: categorical (strings, or whole numbers with few values) gets a palette and legend
        entries, numeric the node colormap in bins.
    width_by : str
        ``none``, ``weight`` or a numeric edge attribute, scaled into ``width_range_px`` (on a logarithmic
        scale when the values have a heavy tail: the largest over :data:`HEAVY_TAIL_RATIO` times the median).
    arrows : str
        ``auto`` (arrowheads on the directed edges of a directed or mixed graph), ``on`` (every edge, in
        its record's direction) or ``off``.
    width_range_px, opacity, curvature, label_by :
        See :class:`EdgeEncoding`.
    node_colors : numpy.ndarray, optional
        uint8 ``(n, 3)``: the node colours ``source`` and ``target`` take.

    Raises
    ------
    HeliosError
        Naming the option and the choices when an attribute does not exist or cannot be used.
    """
    edges = np.asarray(graph.edges, dtype=np.int64).reshape(-1, 2)
    count = len(edges)
    if arrows not in ARROW_CHOICES:
        raise HeliosError(f"--arrows must be one of {', '.join(ARROW_CHOICES)}, got {arrows!r}")
    if not 0.0 <= opacity <= 1.0 or not math.isfinite(opacity):
        raise HeliosError(f"--edge-opacity must be from 0 to 1, got {opacity:g}")
    if not -1.0 <= curvature <= 1.0 or not math.isfinite(curvature):
        raise HeliosError(f"--edge-curvature must be from -1 to 1 (a bend in edge lengths), got {curvature:g}")
    low_px, high_px = parse_width_range(width_range_px)
    if label_by is not None and label_by not in ("weight", *graph.edge_attributes):
        _edge_values(graph, label_by, "--edge-labels", ("weight",))
    directed = graph.edge_directions() if hasattr(graph, "edge_directions") else np.full(count, graph.directed)
    arrow_flags = np.zeros(count, dtype=bool) if arrows == "off" else np.ones(count, dtype=bool) \
        if arrows == "on" else np.asarray(directed, dtype=bool).copy()
    arrow_flags &= edges[:, 0] != edges[:, 1]  # a self-loop has no arrowhead

    colors = categories = colorbar = None
    entries: list = []
    if color_by in ("source", "target"):
        if node_colors is None:
            raise HeliosError(f"--edge-color-by {color_by}: the node colours are not known here")
        colors = np.ascontiguousarray(np.asarray(node_colors, dtype=np.uint8)[edges[:, 0 if color_by == "source" else 1]])
    elif color_by != "none":
        values = _edge_values(graph, color_by, "--edge-color-by", EDGE_COLOR_CHOICES)
        numbers = _as_numbers(values)
        integers = numbers is not None and np.all(np.isnan(numbers) | (numbers == np.round(numbers)))
        if numbers is None or (integers and len(set(values)) <= MAX_CATEGORIES_FOR_INTEGERS):
            colors, entries, categories = _categorical(values, color_by)
        else:
            colors, colorbar, categories, entries = _numeric(numbers, color_by)

    widths = width_scale = None
    if width_by != "none":
        numbers = _as_numbers(_edge_values(graph, width_by, "--edge-width-by", EDGE_WIDTH_CHOICES))
        if numbers is None:
            raise HeliosError(f"--edge-width-by {width_by}: the attribute is not numeric; widths need numbers")
        widths, width_scale = _scaled_widths(numbers, width_by, low_px, high_px)
    return EdgeEncoding(color_by=color_by, width_by=width_by, colors=colors, widths_px=widths, arrows=arrow_flags,
                        categories=categories, category_entries=entries, colorbar=colorbar, width_scale=width_scale,
                        opacity=float(opacity), curvature=float(curvature), label_by=label_by)


def _scaled_widths(numbers: np.ndarray, title: str, low_px: float, high_px: float) -> tuple[np.ndarray, tuple]:
    """Widths from ``low_px`` (the smallest value, and missing ones) to ``high_px`` (the largest), linear or,
    for a heavy tail, logarithmic in the value."""
    finite = np.isfinite(numbers)
    if not finite.any():
        return np.full(len(numbers), low_px, dtype=np.float32), (title, 0.0, 0.0, False)
    low, high = float(numbers[finite].min()), float(numbers[finite].max())
    median = float(np.median(np.abs(numbers[finite]))) or 1e-300
    logarithmic = low >= 0 and high / median > HEAVY_TAIL_RATIO
    span = (np.log1p(high - low) if logarithmic else high - low) or 1.0
    shifted = np.where(finite, numbers - low, 0.0)
    fraction = (np.log1p(shifted) if logarithmic else shifted) / span
    widths = np.where(finite, low_px + fraction * (high_px - low_px), low_px)
    return widths.astype(np.float32), (title, low, high, bool(logarithmic))
