"""Headless output: a picture of the settled layout (PNG, SVG or PDF), or a video of the layout settling.

All use the same scene, encodings and layouts as the live view; nothing is served.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from fractions import Fraction
from pathlib import Path
from typing import Any

import av
import numpy as np

from helios_app.errors import HeliosError
from helios_app.graph import Graph
from helios_app.graph.encodings import degrees
from helios_app.graph.measures import MEASURES, with_measures
from helios_app.graph.timeline import active_edge_records, active_edges, active_nodes
from helios_app.io.snapshot import capture_scene, snapshot_html, write_snapshot
from helios_app.io.writers import check_output_directory
from helios_app.render.vector import pdf_document, svg_document, vector_picture
from helios_app.session import ViewConfig, build_layout, build_scene, display_labels
from layouts import LayoutWorker, PositionBuffer
from web.encoders import encode_png

logger = logging.getLogger(__name__)

SETTLE_TIMEOUT_S = 600.0  # a PNG render gives up waiting for the layout to settle after this long
VIDEO_CODEC = "libx264"
PICTURE_FORMATS = (".png", ".svg", ".pdf", ".html")


def picture_format(path: str | Path) -> str:
    """The picture format ``path`` asks for by its suffix: ``.png``, ``.svg`` or ``.pdf``.

    Raises
    ------
    HeliosError
        For any other suffix (the message names it and the choices).
    """
    suffix = Path(path).suffix.lower()
    if suffix not in PICTURE_FORMATS:
        raise HeliosError(f"-o {path}: cannot write a picture as {suffix or 'a file with no suffix'}; "
                          f"name it OUT.png, OUT.svg, OUT.pdf or OUT.html (an interactive page)")
    check_output_directory(path)
    return suffix


def _measures_shown(graph: Graph, config: ViewConfig) -> dict[str, dict]:
    """The measures a picture needs: those asked for, and those it is coloured or sized by."""
    wanted = dict(config.measures)
    for name in (config.color_by, config.size_by):
        if name in MEASURES and name not in ("degree", "community") and name not in graph.node_attributes:
            wanted.setdefault(name, {})
    return wanted


def settled_positions(graph: Graph, config: ViewConfig) -> tuple[np.ndarray, dict]:
    """Lay the graph out until it settles (or :data:`SETTLE_TIMEOUT_S` passes): its positions, and
    ``iterations`` and ``seconds`` spent."""
    started = time.monotonic()
    with PositionBuffer(graph.node_count, config.dimensions) as buffer:
        with LayoutWorker(build_layout(graph, config), buffer, background_nice=0) as worker:
            while not worker.state.settled and time.monotonic() - started < SETTLE_TIMEOUT_S:
                time.sleep(0.05)
            iterations = worker.state.iteration
        _, positions = buffer.read_latest()
    return np.array(positions), {"iterations": iterations, "seconds": time.monotonic() - started}


def render_picture(graph: Graph, config: ViewConfig, path: str | Path) -> dict:
    """Lay the graph out until it settles, then write its picture: PNG, SVG, PDF, or an interactive page
    (HTML), by ``path``'s suffix.

    The SVG and PDF are the PNG's picture as vectors, with labels and legend as text (see
    :mod:`helios_app.render.vector`); the HTML is a self-contained explorer of the same view (see
    :mod:`helios_app.io.snapshot`).

    Returns
    -------
    dict
        ``iterations`` and ``seconds`` spent on the layout (and ``bytes`` of a page).
    """
    suffix = picture_format(path)
    graph = with_measures(graph, _measures_shown(graph, config), config.weight)
    positions, report = settled_positions(graph, config)
    if suffix == ".html":
        page = snapshot_page(graph, config, positions)
        return {**report, "bytes": write_snapshot(path, page)}
    scene = build_scene(graph, config)
    try:
        scene.set_positions(positions, moving=False)
        if suffix == ".png":
            data = encode_png(scene.render())
        else:
            picture = vector_picture(scene, display_labels(graph) if config.labels else None, degrees(graph))
            data = svg_document(picture).encode("utf-8") if suffix == ".svg" else pdf_document(picture)
    finally:
        scene.close()
    _write(path, data)
    return report


def snapshot_page(graph: Graph, config: ViewConfig, positions: np.ndarray) -> str:
    """The self-contained page of ``graph`` at ``positions``, drawn as ``config`` asks (no labels in the
    picture: the page places its own)."""
    scene = build_scene(graph, dataclasses.replace(config, labels=False))
    try:
        scene.set_positions(positions, moving=False)
        capture = capture_scene(scene, config.theme)
    finally:
        scene.close()
    return snapshot_html(graph, capture, display_labels(graph), layout=config.layout)


def to_html(graph_or_path: Any, path: str | Path | None = None, **options: Any) -> str:
    """A self-contained interactive page of a graph, laid out until it settles: one HTML file that opens in
    any browser, offline, with no server and no Python.

    Parameters
    ----------
    graph_or_path : Graph, networkx.Graph, scipy sparse matrix, (m, 2) edge array, str or path
        What to show (as :func:`helios_app.show` takes it).
    path : str or path, optional
        Also write the page there.
    **options
        Fields of :class:`~helios_app.session.ViewConfig` (``layout``, ``seed``, ``dimensions``,
        ``color_by``, ``size_by``, ``theme``, ...).

    Returns
    -------
    str
        The page.
    """
    from helios_app.io import as_graph

    allowed = set(ViewConfig.__dataclass_fields__)
    unknown = sorted(set(options) - allowed)
    if unknown:
        raise HeliosError(f"unknown option(s) {', '.join(unknown)}; choose from {', '.join(sorted(allowed))}")
    config = ViewConfig(**options)
    graph = as_graph(graph_or_path)
    graph = with_measures(graph, _measures_shown(graph, config), config.weight)
    positions, _ = settled_positions(graph, config)
    page = snapshot_page(graph, config, positions)
    if path is not None:
        write_snapshot(path, page)
    return page


def render_video(graph: Graph, config: ViewConfig, path: str | Path, seconds: float, fps: int = 30) -> dict:
    """Write an H.264 video of the layout settling: one layout iteration per frame.

    A dynamic graph (one with a ``time_range``) is shown evolving: frame i shows the graph as of a time
    that sweeps its range from first to last (what is present during the twentieth of the range up to it), nodes and edges appearing (and leaving) as they do in the
    file, and the layout pulling on the edges present then (it is not restarted: untouched nodes keep
    their places).

    Returns
    -------
    dict
        ``frames`` written and layout ``iterations`` done; for a dynamic graph also ``times``, the
        first and last time shown.
    """
    if not 0 < seconds <= 3600:
        raise HeliosError(f"--seconds must be between 0 and 3600, got {seconds}")
    graph = with_measures(graph, _measures_shown(graph, config), config.weight)
    layout = build_layout(graph, config)
    scene = build_scene(graph, config)
    frame_count = max(1, round(seconds * fps))
    time_range = graph.time_range
    edges = graph.layout_edges()
    weights = graph.layout_weights(config.weight)
    shown_edges = None  # the edges present in the last frame (a dynamic graph)
    width, height = config.width - config.width % 2, config.height - config.height % 2
    try:
        container = av.open(str(path), mode="w")
    except (OSError, av.FFmpegError) as error:
        raise HeliosError(f"{path}: cannot write the video: {error}") from None
    try:
        stream = container.add_stream(VIDEO_CODEC, rate=fps)
        stream.width, stream.height = width, height
        stream.pix_fmt = "yuv420p"
        stream.options = {"crf": "20", "preset": "veryfast"}
        stream.codec_context.time_base = Fraction(1, fps)
        for index in range(frame_count):
            if time_range is not None:  # the graph as of this frame's time
                first, last = time_range
                at = first + (last - first) * index / max(frame_count - 1, 1)
                window = (max(first, at - (last - first) / 20), at)  # a twentieth of the span: instants stay a while
                present, present_edges = active_nodes(graph, window=window), active_edges(graph, window=window)
                if shown_edges is None or not np.array_equal(present_edges, shown_edges):
                    shown_edges = present_edges
                    layout.update_graph(edges[present_edges], graph.node_count,
                                        None if weights is None else weights[present_edges])
                    scene.set_emphasis(present=present, present_edges=active_edge_records(graph, window=window))
            if index:
                layout.step()
            scene.set_positions(np.asarray(layout.positions, dtype=np.float32), moving=False)
            frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(scene.render()[:height, :width]), format="rgb24")
            frame.pts = index
            container.mux(stream.encode(frame.reformat(format="yuv420p")))
        container.mux(stream.encode(None))
    finally:
        container.close()
        scene.close()
    result = {"frames": frame_count, "iterations": frame_count - 1}
    if time_range is not None:
        result["times"] = list(time_range)
    return result


def _write(path: str | Path, data: bytes) -> None:
    try:
        Path(path).write_bytes(data)
    except OSError as error:
        raise HeliosError(f"{path}: cannot write: {error.strerror}") from None
