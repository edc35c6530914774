"""Node encodings: colour by degree, community or an attribute; size by degree or an attribute.

Pure numpy (and the measures' numba Louvain for communities): the scene only receives colours, radii
and the legend to draw, so the same encoding serves the live view, PNG renders and videos.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass, field

import numpy as np

from helios_app.errors import HeliosError
from helios_app.graph import Graph

logger = logging.getLogger(__name__)

# Categorical palette (Tableau 10 followed by its lighter partners): distinct on dark and light themes.
CATEGORY_PALETTE = np.array(
    [
        (78, 121, 167), (242, 142, 43), (225, 87, 89), (118, 183, 178), (89, 161, 79),
        (237, 201, 72), (176, 122, 161), (255, 157, 167), (156, 117, 95), (186, 176, 172),
        (160, 203, 232), (255, 190, 125), (255, 157, 154), (134, 188, 182), (140, 209, 125),
        (241, 206, 99), (212, 166, 200), (250, 191, 210), (215, 181, 166), (121, 112, 110),
    ],
    dtype=np.uint8,
)
OTHER_CATEGORY_RGB = (110, 110, 110)  # categories beyond the palette share one grey ("other")
# Sequential colormap stops, interpolated linearly: blue to teal to orange to red, every stop
# bright enough to stand out on the dark theme and dark enough on the light one.
COLORMAP_STOPS = np.array(
    [(69, 117, 180), (67, 182, 172), (230, 200, 90), (244, 128, 60), (215, 48, 39)], dtype=np.float64
)
MAX_CATEGORIES_FOR_INTEGERS = 20  # integer attributes with at most this many values are categories
COLOUR_BINS = 6  # a numeric colouring's legend: this many bins of equal width along the colormap
COLOR_CHOICES = ("degree", "community")
SIZE_CHOICES = ("degree", "uniform")


@dataclass(frozen=True)
class NodeEncoding:
    """What the scene draws for each node.

    Attributes
    ----------
    colors : numpy.ndarray
        uint8 (n, 3) RGB.
    size_factors : numpy.ndarray
        float32 (n,) multipliers of the base splat radius (1 for an average node).
    legend : list of (str, (r, g, b))
        Categories and their colours, for a categorical colouring.
    colorbar : tuple or None
        ``(title, minimum, maximum)`` for a numeric colouring with :data:`COLORMAP_STOPS`.
    color_by, size_by : str
        What was asked for.
    categories : numpy.ndarray or None
        int64 (n,): each node's entry in ``category_entries``: its category, or for a numeric
        colouring its colour bin. The page's legend is made of these (a control: click to highlight).
    category_entries : list of (str, (r, g, b))
        Name and colour of each category or bin.
    """

    colors: np.ndarray
    size_factors: np.ndarray
    legend: list[tuple[str, tuple[int, int, int]]] = field(default_factory=list)
    colorbar: tuple[str, float, float] | None = None
    color_by: str = "degree"
    size_by: str = "degree"
    categories: np.ndarray | None = None
    category_entries: list[tuple[str, tuple[int, int, int]]] = field(default_factory=list)


def colormap(values: np.ndarray) -> np.ndarray:
    """Map values in [0, 1] to uint8 RGB along :data:`COLORMAP_STOPS`."""
    position = np.clip(values, 0.0, 1.0) * (len(COLORMAP_STOPS) - 1)
    lower = np.minimum(position.astype(int), len(COLORMAP_STOPS) - 2)
    fraction = (position - lower)[:, None]
    rgb = COLORMAP_STOPS[lower] * (1 - fraction) + COLORMAP_STOPS[lower + 1] * fraction
    return np.round(rgb).astype(np.uint8)


def legend_entries(categories: np.ndarray | None, category_entries: list) -> list[dict]:
    """A legend as the pages show it: each entry that holds a node (or edge record), with its count.

    A colour bin of whole numbers may hold none (degree 1.8–2.7): it is not listed.
    """
    counts = np.bincount(categories, minlength=len(category_entries)) if categories is not None \
        else np.zeros(len(category_entries), dtype=np.int64)
    return [{"category": index, "name": name, "colour": "#" + "".join(f"{int(c):02x}" for c in rgb),
             "count": int(count)}
            for index, ((name, rgb), count) in enumerate(zip(category_entries, counts)) if count]


def degrees(graph: Graph) -> np.ndarray:
    return np.bincount(graph.layout_edges().ravel(), minlength=graph.node_count)


def communities(graph: Graph, seed: int = 0, weight: str | None = "weight") -> np.ndarray:
    """Community index per node, largest community first: Louvain on the undirected view, the edge weights
    (``weight``, as :meth:`Graph.edge_weights`; None: unweighted) as strengths."""
    from helios_app.graph.measures import measure_graph
    from helios_app.graph.measures.communities import louvain

    labels, _ = louvain(measure_graph(graph, weight), seed=seed)
    return labels.astype(np.int64)


def _categorical(values: list, title: str) -> tuple[np.ndarray, list, np.ndarray]:
    """Colours, legend, and each node's legend entry (categories past the palette share the last)."""
    keys = ["(none)" if value is None else str(value) for value in values]
    counts: dict[str, int] = {}
    for key in keys:
        counts[key] = counts.get(key, 0) + 1
    ordered = sorted(counts, key=lambda key: (-counts[key], key))
    index = {key: i for i, key in enumerate(ordered)}
    codes = np.array([index[key] for key in keys], dtype=np.int64)
    colors = np.empty((len(keys), 3), dtype=np.uint8)
    colors[:] = OTHER_CATEGORY_RGB
    shown = codes < len(CATEGORY_PALETTE)
    colors[shown] = CATEGORY_PALETTE[codes[shown]]
    legend = [(key, tuple(int(c) for c in CATEGORY_PALETTE[i])) for i, key in enumerate(ordered[: len(CATEGORY_PALETTE)])]
    if len(ordered) > len(CATEGORY_PALETTE):
        legend.append((f"{len(ordered) - len(CATEGORY_PALETTE)} more", OTHER_CATEGORY_RGB))
    logger.debug("%s: %d categories", title, len(ordered))
    return colors, legend, np.minimum(codes, len(CATEGORY_PALETTE))


def _numeric(values: np.ndarray, title: str, logarithmic: bool = False) -> tuple[np.ndarray, tuple, np.ndarray, list]:
    """Colours along the colormap, the colour bar, and each node's bin with the bins' names and colours
    (:data:`COLOUR_BINS` of equal width in the colour scale; missing values get a bin of their own)."""
    finite = np.isfinite(values)
    low, high = (float(values[finite].min()), float(values[finite].max())) if finite.any() else (0.0, 1.0)
    span = math.log1p(high - low) if logarithmic else high - low
    scaled = np.log1p(values - low) / (span or 1.0) if logarithmic else (values - low) / (span or 1.0)
    colors = colormap(np.where(finite, scaled, 0.0))
    colors[~finite] = OTHER_CATEGORY_RGB
    bin_count = COLOUR_BINS if span else 1
    bins = np.minimum((np.where(finite, scaled, 0.0) * bin_count).astype(np.int64), bin_count - 1)
    edges = np.linspace(0.0, 1.0, bin_count + 1)
    bounds = low + (np.expm1(edges * span) if logarithmic else edges * span)
    integers = bool(np.all(values[finite] == np.round(values[finite])))
    entries = []
    for index in range(bin_count):
        start, stop = bounds[index], bounds[index + 1]
        if integers:  # a bin of whole numbers: the first and last whole numbers it holds
            start, stop = math.ceil(start - 1e-9), (math.ceil(stop - 1e-9) - 1 if index < bin_count - 1 else stop)
            name = f"{title} {start:g}" if start >= stop else f"{title} {start:g}–{stop:g}"
        else:
            name = f"{title} {start:.3g}–{stop:.3g}"
        entries.append((name, tuple(int(c) for c in colormap(np.array([(edges[index] + edges[index + 1]) / 2]))[0])))
    if not finite.all():
        bins[~finite] = bin_count
        entries.append((f"{title} missing", OTHER_CATEGORY_RGB))
    return colors, (title, low, high), bins, entries


def _attribute_values(graph: Graph, name: str, option: str) -> list:
    if name == "label" and graph.labels is not None:
        return list(graph.labels)
    if name not in graph.node_attributes:
        choices = sorted({*graph.node_attributes, *(["label"] if graph.labels else [])})
        extra = list(COLOR_CHOICES if option == "--color-by" else SIZE_CHOICES)
        raise HeliosError(
            f"{option} {name}: no such node attribute in {graph.source or 'the graph'}; "
            f"choose from {', '.join(extra + choices)}"
        )
    return graph.node_attributes[name]


def _as_numbers(values: list) -> np.ndarray | None:
    """Float array of the values, or None if any is not a number (None counts as missing)."""
    numbers = np.empty(len(values), dtype=np.float64)
    for i, value in enumerate(values):
        if value is None:
            numbers[i] = np.nan
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            numbers[i] = value
        else:
            return None
    return numbers


def degree_encoding(edges: np.ndarray, node_count: int) -> NodeEncoding:
    """The default look: colour along the colormap by log-degree, size growing with log-degree, no legend."""
    node_degrees = np.bincount(np.asarray(edges).ravel(), minlength=node_count).astype(np.float64)
    colors, _, bins, entries = _numeric(node_degrees, "degree", logarithmic=True)
    size_factors = 1.0 + 0.3 * np.log1p(node_degrees)
    size_factors /= max(float(np.mean(size_factors)), 1e-9) if node_count else 1.0
    return NodeEncoding(colors=colors, size_factors=size_factors.astype(np.float32), categories=bins,
                        category_entries=entries)


def encode_nodes(graph: Graph, color_by: str = "degree", size_by: str = "degree", seed: int = 0,
                 weight: str | None = "weight") -> NodeEncoding:
    """Compute node colours, sizes and the legend for a graph.

    Parameters
    ----------
    graph : Graph
        The graph.
    color_by : str
        ``"degree"``, ``"community"`` (Louvain) or the name of a node attribute: categorical
        (strings, or integers with few values) gets a palette and a legend, numeric a colormap
        and a colour bar.
    size_by : str
        ``"degree"``, ``"uniform"`` or a numeric node attribute.
    seed : int
        Seed of the community detection.
    weight : str or None
        The edge weights communities honour (``--weight``; None or ``"none"``: unweighted).

    Raises
    ------
    HeliosError
        If an attribute does not exist (the message lists those that do) or cannot size nodes.
    """
    node_degrees = degrees(graph)
    legend: list = []
    colorbar = None
    if color_by == "degree":
        colors, colorbar, categories, entries = _numeric(node_degrees.astype(np.float64), "degree", logarithmic=True)
    elif color_by == "community":
        colors, legend, categories = _categorical([int(c) + 1 for c in communities(graph, seed, weight)], "community")
        legend = entries = [(f"community {name}" if name.isdigit() else name, rgb) for name, rgb in legend]
    else:
        values = _attribute_values(graph, color_by, "--color-by")
        numbers = _as_numbers(values)
        distinct = len(set(values))
        integers = numbers is not None and np.all(np.isnan(numbers) | (numbers == np.round(numbers)))
        from helios_app.graph.measures import MEASURES

        category_measure = color_by in MEASURES and MEASURES[color_by].categorical  # communities, components
        if numbers is None or (integers and (distinct <= MAX_CATEGORIES_FOR_INTEGERS or category_measure)):
            colors, legend, categories = _categorical(values, color_by)
            if category_measure:  # "louvain 3", not a bare "3"
                legend = [(f"{color_by} {name}" if name.isdigit() else name, rgb) for name, rgb in legend]
            entries = legend
        else:
            colors, colorbar, categories, entries = _numeric(numbers, color_by)

    if size_by == "degree":
        size_factors = 1.0 + 0.3 * np.log1p(node_degrees)
    elif size_by == "uniform":
        size_factors = np.ones(graph.node_count)
    else:
        numbers = _as_numbers(_attribute_values(graph, size_by, "--size-by"))
        if numbers is None:
            raise HeliosError(f"--size-by {size_by}: the attribute is not numeric; sizes need numbers")
        finite = np.isfinite(numbers)
        low = numbers[finite].min() if finite.any() else 0.0
        high = numbers[finite].max() if finite.any() else 1.0
        size_factors = np.where(finite, 0.6 + 2.4 * np.sqrt((numbers - low) / ((high - low) or 1.0)), 0.6)
    size_factors = size_factors / max(float(np.mean(size_factors)), 1e-9)
    return NodeEncoding(
        colors=colors, size_factors=size_factors.astype(np.float32), legend=legend, colorbar=colorbar,
        color_by=color_by, size_by=size_by, categories=categories, category_entries=entries,
    )
