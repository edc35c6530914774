"""A view as one self-contained HTML file: an interactive explorer that needs no server, no Python, no network.

The file is the live page (``web/static/index.html``, its style and modules inlined by
:mod:`web.bundle`) with ``snapshot.js`` as its entry instead of the live client, and two data scripts:

``helios-snapshot-header`` (``application/json``)
    What the page shows before any array: format name and :data:`SNAPSHOT_VERSION` (a page refuses a
    payload of another version, saying so), title, when it was made, counts, theme, camera, the
    legends, the filter, the highlight and the selection, and ``arrays``: where each array lies in the
    inflated data (``{name: {dtype, shape, offset}}``).
``helios-snapshot-data`` (``application/octet-stream``)
    The arrays and a JSON section of strings, concatenated (each array aligned to 8 bytes), compressed
    with gzip and written as base64: the page inflates it with the browser's own ``DecompressionStream``.

Arrays (n nodes, m edge records):

- ``positions`` uint16 (n, 3): the scene's view positions (the unit view space the camera frames),
  quantised between ``position_low`` and ``position_high`` per axis: within 1/131070 of the extent.
- ``radii`` float32 (n): node radii in view units, as the scene draws them (size encoding applied).
- ``node_colors`` uint8 (n, 3) and ``edge_colors`` uint8 (m, 3): the scene's base colours (before any
  dimming: the page dims as the scene does, :func:`helios_app.render.scene.GraphScene._restyle`).
- ``edges`` uint32 (m, 2): the edge records; ``layout_index`` int32 (m): each record's layout edge (-1
  for a self-loop), which the filter's degree and k-core count, as the server's filter does.
- ``degree`` uint32 (n), ``label_order`` uint32 (n): the filter's degree and the labels' priority order.
- ``categories`` int32 (n) / ``edge_categories`` int32 (m): each node's (record's) legend entry.
- ``edge_bends`` float32 (m), ``loop_ranks`` uint32 (m), ``arrows`` uint8 (m), ``edge_widths`` float32 (m), each
  only when some record needs it: the bends of parallel and reciprocal edges (and ``--edge-curvature``), the
  rank of a node's self-loops, which records end in an arrowhead, and encoded line widths in pixels.
- ``node_times_*`` / ``edge_times_*``: a dynamic graph's intervals (owner uint32, start, end float64).
- ``attribute_codes:NAME`` uint32 (n) / ``edge_attribute_codes:NAME`` uint32 (m): each element's
  value as an index into the strings section's value list of that attribute.

The strings section (``strings``, UTF-8 JSON) holds the node ids, the labels, and per attribute its
distinct values as JSON and as the filter's text (Python's ``str`` for nodes, ``%g`` for edge floats, as
:mod:`helios_app.graph.filters` compares them).

A graph of more than :data:`MAX_SNAPSHOT_EDGES` edge records keeps a seeded sample of them (every node
stays); the header's ``edges_sampled`` says so and the page shows it.
"""

from __future__ import annotations

import base64
import dataclasses
import datetime
import gzip
import json
import math
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np

from helios_app.errors import HeliosError
from helios_app.graph import Graph
from helios_app.graph.edge_geometry import edge_bends, loop_ranks
from helios_app.graph.encodings import degrees, legend_entries
from helios_app.graph.filters import ViewFilter, edge_filter_text, json_value
from helios_app.io.writers import check_output_directory

__all__ = ["MAX_SNAPSHOT_EDGES", "SNAPSHOT_VERSION", "SceneCapture", "ViewState", "capture_scene",
           "snapshot_html", "write_snapshot"]

SNAPSHOT_VERSION = 1
MAX_SNAPSHOT_EDGES = 2_000_000
"""Edge records a snapshot holds at most: a browser drawing more on a CPU (software WebGL) falls under 30
frames a second even with level of detail, and the file would pass 40 MB; beyond, a seeded sample."""
QUANTISATION_STEPS = 65535
ALIGNMENT = 8
COMPRESSION_LEVEL = 6
ENTRY_MODULE = "snapshot.js"


@dataclass(frozen=True)
class SceneCapture:
    """What a :class:`~helios_app.render.scene.GraphScene` draws, copied on the scene's thread."""

    positions: np.ndarray  # float32 (n, 3) view units
    radii: np.ndarray  # float32 (n,) view units, before any filter hides a node
    node_colors: np.ndarray  # uint8 (n, 3), before dimming
    edges: np.ndarray  # int64 (m, 2) edge records
    edge_colors: np.ndarray  # uint8 (m, 3), before dimming
    edge_colors_encoded: bool  # colours from an edge encoding (kept on selection), not the theme's tint
    camera: dict  # position, focal_point, view_up, parallel_scale, view_angle, parallel_projection
    dimensions: int
    theme: str
    label_order: np.ndarray  # int64 (n,): nodes by label priority
    categories: np.ndarray | None
    category_entries: list
    color_by: str
    edge_categories: np.ndarray | None
    edge_category_entries: list
    edge_color_by: str
    edge_arrows: np.ndarray  # bool (m,): records ending in an arrowhead
    edge_widths_px: np.ndarray | None  # float (m,) line widths, None: one pixel
    edge_curvature: float
    edge_opacity: float
    edge_label_texts: list[str] | None  # each record's label (--edge-labels), None: no edge labels


def capture_scene(scene, theme: str) -> SceneCapture:
    """Copy what ``scene`` draws (call on the thread that owns it)."""
    camera = scene._interaction.camera
    edge_encoding = scene.edge_encoding
    edge_count = len(scene._edges)
    edge_categories = edge_encoding.categories
    if edge_categories is not None and len(edge_categories) != edge_count:
        edge_categories = None
    n = scene.node_count
    return SceneCapture(
        positions=np.array(scene._view_positions[:n], dtype=np.float32),
        radii=np.array(scene._base_radii[:n], dtype=np.float32),
        node_colors=np.array(scene._base_node_colors[:n], dtype=np.uint8),
        edges=np.array(scene._edges, dtype=np.int64).reshape(-1, 2),
        edge_colors=np.array(scene._base_edge_colors, dtype=np.uint8).reshape(-1, 3),
        edge_colors_encoded=edge_encoding.colors is not None,
        camera={**camera.state(), "view_angle": camera.view_angle,
                "parallel_projection": camera.parallel_projection},
        dimensions=int(scene.dimensions),
        theme=theme,
        label_order=np.array(scene._label_order, dtype=np.int64),
        categories=None if scene.encoding.categories is None else np.array(scene.encoding.categories),
        category_entries=list(scene.encoding.category_entries),
        color_by=scene.encoding.color_by,
        edge_categories=None if edge_categories is None else np.array(edge_categories),
        edge_category_entries=list(edge_encoding.category_entries),
        edge_color_by=edge_encoding.color_by,
        edge_arrows=np.array(edge_encoding.arrows, dtype=bool),
        edge_widths_px=None if edge_encoding.widths_px is None else np.array(edge_encoding.widths_px, dtype=np.float32),
        edge_curvature=float(edge_encoding.curvature),
        edge_opacity=float(edge_encoding.opacity),
        edge_label_texts=None if scene.edge_label_texts is None else list(scene.edge_label_texts),
    )


@dataclass(frozen=True)
class ViewState:
    """What a view shows beyond its scene: the filter, the legends' highlights, the selection."""

    filter: ViewFilter = dataclasses.field(default_factory=ViewFilter)
    highlighted: tuple[int, ...] = ()
    edge_highlighted: tuple[int, ...] = ()
    selected: int | None = None  # the node picked (its info panel open)
    node_selection: tuple[int, ...] = ()  # the nodes selected (a box, a lasso, shift-clicks)
    shown_only: bool = False


def snapshot_html(graph: Graph, capture: SceneCapture, labels: list[str], state: ViewState = ViewState(),
                  title: str | None = None, layout: str = "", made: datetime.datetime | None = None) -> str:
    """The whole snapshot page as text.

    Parameters
    ----------
    graph : Graph
        The graph shown (its ids, attributes, times).
    capture : SceneCapture
        What its scene draws.
    labels : list of str
        Each node's text (label, or id; a label set from Python wins).
    state : ViewState
        Filter, highlights and selection shown.
    title : str, optional
        Default: the graph file's name.
    layout : str
        The layout's name, for the line saying what the file is.
    """
    from web.bundle import inline_page

    if len(capture.positions) != graph.node_count or len(capture.edges) != graph.edge_count:
        raise HeliosError(f"the scene draws {len(capture.positions)} nodes and {len(capture.edges)} edges, the graph "
                          f"has {graph.node_count} and {graph.edge_count}: it changed while the snapshot was taken")
    title = title or (Path(graph.source).name if graph.source else "graph")
    header, data = _payload(graph, capture, labels, state, title, layout, made)
    encoded = base64.b64encode(gzip.compress(data, COMPRESSION_LEVEL, mtime=0)).decode("ascii")
    header["compressed_bytes"] = len(encoded)
    return inline_page(ENTRY_MODULE, {
        "helios-snapshot-header": ("application/json", json.dumps(header, ensure_ascii=False, allow_nan=False)),
        "helios-snapshot-data": ("application/octet-stream", encoded),
    }, title=f"Helios: {title}", body_class="snapshot")


def write_snapshot(path: str | Path, page: str) -> int:
    """Write ``page`` to ``path`` (its directory must exist); the number of bytes written."""
    check_output_directory(path)
    data = page.encode("utf-8")
    Path(path).write_bytes(data)
    return len(data)


# ---- the payload ---------------------------------------------------------------------------------
class _Arrays:
    """Arrays laid one after another, each aligned to :data:`ALIGNMENT` bytes, with their index."""

    def __init__(self) -> None:
        self.parts: list[bytes] = []
        self.index: dict[str, dict] = {}
        self.size = 0

    def add(self, name: str, array: np.ndarray) -> None:
        array = np.ascontiguousarray(array)
        if array.dtype.byteorder == ">":
            array = array.astype(array.dtype.newbyteorder("<"))
        padding = -self.size % ALIGNMENT
        self.parts.append(b"\0" * padding)
        self.size += padding
        self.index[name] = {"dtype": array.dtype.name, "shape": list(array.shape), "offset": self.size}
        data = array.tobytes()
        self.parts.append(data)
        self.size += len(data)

    def data(self) -> bytes:
        return b"".join(self.parts)


def _payload(graph: Graph, capture: SceneCapture, labels: list[str], state: ViewState, title: str, layout: str,
             made: datetime.datetime | None) -> tuple[dict, bytes]:
    n, total_edges = graph.node_count, graph.edge_count
    kept = np.arange(total_edges)
    if total_edges > MAX_SNAPSHOT_EDGES:
        kept = np.sort(np.random.default_rng(0).permutation(total_edges)[:MAX_SNAPSHOT_EDGES])
    arrays = _Arrays()
    positions = capture.positions.astype(np.float64)
    low = positions.min(axis=0) if n else np.zeros(3)
    high = positions.max(axis=0) if n else np.zeros(3)
    span = np.where(high > low, high - low, 1.0)
    arrays.add("positions", np.round((positions - low) / span * QUANTISATION_STEPS).astype(np.uint16))
    arrays.add("radii", capture.radii.astype(np.float32))
    arrays.add("node_colors", capture.node_colors.astype(np.uint8))
    arrays.add("edges", capture.edges[kept].astype(np.uint32))
    arrays.add("edge_colors", capture.edge_colors[kept].astype(np.uint8))
    arrays.add("layout_index", graph.layout_edge_indices()[kept].astype(np.int32))
    arrays.add("degree", degrees(graph).astype(np.uint32))
    arrays.add("label_order", capture.label_order.astype(np.uint32))
    # Edge shapes beyond plain lines (web/static/edge_shapes.js draws them as the scene does).
    edges = capture.edges[kept]
    bends = edge_bends(edges, capture.edge_curvature)
    if bends.any():
        arrays.add("edge_bends", bends.astype(np.float32))
    if (edges[:, 0] == edges[:, 1]).any():
        arrays.add("loop_ranks", loop_ranks(edges).astype(np.uint32))
    if len(capture.edge_arrows) == total_edges and capture.edge_arrows[kept].any():
        arrays.add("arrows", capture.edge_arrows[kept].astype(np.uint8))
    if capture.edge_widths_px is not None:
        arrays.add("edge_widths", capture.edge_widths_px[kept].astype(np.float32))
    if capture.categories is not None:
        arrays.add("categories", capture.categories.astype(np.int32))
    if capture.edge_categories is not None:
        arrays.add("edge_categories", capture.edge_categories[kept].astype(np.int32))
    for kind, times, count in (("node", graph.node_times, n), ("edge", graph.edge_times, total_edges)):
        if times is None:
            continue
        owner, start, end = np.asarray(times.owner), np.asarray(times.start), np.asarray(times.end)
        if kind == "edge" and len(kept) != count:  # renumber the kept records' intervals
            renumbered = np.full(count, -1, dtype=np.int64)
            renumbered[kept] = np.arange(len(kept))
            owner = renumbered[owner]
            chosen = owner >= 0
            owner, start, end = owner[chosen], start[chosen], end[chosen]
        arrays.add(f"{kind}_times_owner", owner.astype(np.uint32))
        arrays.add(f"{kind}_times_start", start.astype(np.float64))
        arrays.add(f"{kind}_times_end", end.astype(np.float64))
    attributes = {name: _column(arrays, f"attribute_codes:{name}", values, str)
                  for name, values in graph.node_attributes.items()}
    edge_columns = dict(graph.edge_attributes)
    if "weight" not in edge_columns and graph.weights is not None:
        edge_columns["weight"] = graph.weights.tolist()
    edge_attributes = {name: _column(arrays, f"edge_attribute_codes:{name}", [values[i] for i in kept.tolist()],
                                     edge_filter_text)
                       for name, values in edge_columns.items()}
    edge_labels = None if capture.edge_label_texts is None else [capture.edge_label_texts[i] for i in kept.tolist()]
    strings = json.dumps({"ids": list(graph.node_ids), "labels": [str(text) for text in labels],
                          "edge_labels": edge_labels,
                          "attributes": attributes, "edge_attributes": edge_attributes},
                         ensure_ascii=False, allow_nan=False).encode("utf-8")
    arrays.add("strings", np.frombuffer(strings, dtype=np.uint8))
    made = made or datetime.datetime.now(datetime.UTC)
    criteria = state.filter
    header = {
        "format": "helios-snapshot",
        "version": SNAPSHOT_VERSION,
        "title": title,
        "made": made.isoformat(timespec="seconds"),
        "helios_version": _version(),
        "layout": layout,
        "nodes": n,
        "edges": len(kept),
        "edges_sampled": None if len(kept) == total_edges else {"kept": len(kept), "total": int(total_edges)},
        "layout_edges": len(graph.layout_edges()),
        "dimensions": capture.dimensions,
        "directed": bool(graph.directed),
        "theme": capture.theme,
        "camera": capture.camera,
        "position_low": low.tolist(),
        "position_high": high.tolist(),
        "edge_colors_encoded": capture.edge_colors_encoded,
        "edge_opacity": capture.edge_opacity,
        "legend": {"title": capture.color_by, "entries": legend_entries(capture.categories, capture.category_entries),
                   "highlighted": sorted(state.highlighted), "hidden": list(criteria.hidden)},
        "edge_legend": {"title": f"edges: {capture.edge_color_by}",
                        "entries": legend_entries(capture.edge_categories[kept], capture.edge_category_entries)
                        if capture.edge_categories is not None else [],
                        "highlighted": sorted(state.edge_highlighted), "hidden": list(criteria.edge_hidden)},
        "filter": criteria.as_dict(),
        "shown_only": state.shown_only,
        "selected": state.selected,
        "node_selection": sorted(int(node) for node in state.node_selection),
        "view": {
            "title": title,
            "node_count": n,
            "edge_count": len(graph.layout_edges()),
            "dimensions": capture.dimensions,
            "attributes": sorted({*graph.node_attributes, "label"}),
            "edge_attributes": sorted(edge_columns),
            "time_range": None if graph.time_range is None else list(graph.time_range),
            "time_format": graph.time_format,
        },
        "arrays": arrays.index,
    }
    return header, arrays.data()


def _column(arrays: _Arrays, name: str, values: list, text) -> dict:
    """One attribute, dictionary-encoded: codes into its distinct values (as JSON, and as filter text)."""
    distinct: dict[Any, int] = {}
    codes = np.empty(len(values), dtype=np.uint32)
    shown: list = []
    for index, value in enumerate(values):
        key = (type(value).__name__, repr(value))
        code = distinct.get(key)
        if code is None:
            code = distinct[key] = len(shown)
            shown.append(value)
        codes[index] = code
    arrays.add(name, codes)
    return {"values": [json_value(value) for value in shown],
            "texts": [text(value) for value in shown],
            "numbers": [value if isinstance(value, (int, float)) and not isinstance(value, bool)
                        and math.isfinite(value) else None for value in shown]}


def _version() -> str:
    try:
        return metadata.version("helios-app")
    except metadata.PackageNotFoundError:
        return "unknown"
