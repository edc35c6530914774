"""Vector output: the picture of a view as SVG or PDF, with node and edge labels and the legend as real text.

The geometry comes from the same :class:`~helios_app.render.scene.GraphScene` that renders the PNG, so the
framing, the colours and the node sizes are the same: node centres from
:meth:`GraphScene.node_pixels`, radii from the scene's splat radii at the camera's scale (each node's
own depth under perspective), colours from the encodings and the scene's edge tint. Edges are the
scene's edge records (:attr:`GraphScene._drawn_edges` of them) drawn with its edge encoding: a straight
edge is a line, a bent one (parallel, reciprocal, ``--edge-curvature``) a quadratic Bézier whose control
point :func:`~helios_app.graph.edge_geometry.control_points` gives from the projected node centres, a
self-loop a circle beside its node, and a directed edge stops at its target's rim with a filled
triangle for its arrowhead (:func:`~helios_app.graph.edge_geometry.directed_paths`, in pixels). What
differs from the raster picture, on purpose:

- Edges are all drawn under the nodes (the raster picture's depth buffer lets an edge pass in front of
  a farther node in 3D); in 3D they are drawn far to near by their ends' mean depth, and so are the
  nodes, so a nearer node covers a farther one as on screen. Curves and loops are bent on the
  picture's plane (the raster picture bends them in 3D space across the line of sight).
- Nodes are flat discs with a dark rim (no spherical shading), in the encoding's colours.
- Labels are placed with :func:`helios_app.render.labels.place_labels`, the page's rule, in Helvetica at
  12 pixels times the scene's text scale, without the raster picture's drop shadow; edge labels are
  centred on their edges' middles by the same greedy test, after the node labels. Legend names are
  drawn in the theme's text colour, not in their category's colour, so they stay readable on paper.

One picture pixel is one SVG user unit and one PDF point. With the default edge look (no arrowheads,
no widths, no edge labels) straight edges are written grouped by colour, rounded to multiples of
:data:`EDGE_COLOR_STEP`, one path per group, so 100,000 edges write in a second or two; otherwise every
drawn edge record is a path of its own (``id="edge-R"``, R its record), with its arrowhead
(``id="arrow-R"``) after it.
"""

from __future__ import annotations

import itertools
import math
import zlib
from dataclasses import dataclass, field
from xml.sax.saxutils import escape

import numpy as np

from helios_app.graph.edge_encodings import EdgeEncoding
from helios_app.graph.edge_geometry import (
    ARROW_LENGTH_PER_WIDTH,
    arrowheads,
    control_points,
    directed_paths,
    edge_bends,
    loop_paths,
    loop_ranks,
    straight_directed,
)
from helios_app.graph.encodings import COLORMAP_STOPS
from helios_app.render.edges import MIN_ARROW_PX, MIN_LOOP_NODE_PX
from helios_app.render.labels import (
    LABEL_FONT_PX,
    LABEL_GAP_PX,
    PlacedLabel,
    label_candidates,
    label_order,
    place_labels,
    text_width,
)

RIM_FRACTION = 0.12  # width of a node's dark rim as a fraction of its radius (the splat shader's rim)
RIM_OPACITY = 0.6  # how dark the rim is: black at this opacity over the node's colour
EDGE_WIDTH_PX = 1.0  # an edge's width without a width encoding (VTK's 1-pixel lines)
EDGE_COLOR_STEP = 4  # edge colours rounded to multiples of this (invisible) so fewer paths are written
EDGE_LABEL_MIX = 0.7  # an edge label's colour: this much of the text colour over the background
BASELINE_BELOW_CENTRE_EM = 0.35  # a label's baseline below its box's middle: capitals sit centred on the node
LEGEND_FONT_PX = 12.0  # legend names, times the text scale (as the raster legend)
LEGEND_ROW_EM = 1.5  # one legend entry's height in font sizes
LEGEND_DISC_EM = 0.35  # a legend disc's radius in font sizes
LEGEND_SWATCH_EM = 0.25  # the thickness of an edge legend entry's line, in font sizes
LEGEND_MARGIN = 0.02  # the legend's distance from the picture's top and right edges, as fractions of them
COLORBAR_LEFT = 0.92  # the colour bar's left edge, top edge and height as fractions of the picture
COLORBAR_TOP = 0.07
COLORBAR_HEIGHT = 0.37
COLORBAR_WIDTH_EM = 1.1  # the bar's width in font sizes
FONT_FAMILY = "Helvetica, Arial, 'Liberation Sans', sans-serif"
BEZIER_CIRCLE = 4.0 * (math.sqrt(2.0) - 1.0) / 3.0  # control-point distance of a quarter circle of radius 1
PICTURE_Y_DOWN = np.array([1.0, -1.0])  # the picture's y axis points down, the view's up


@dataclass(frozen=True)
class EdgeMarks:
    """The drawn edges of a vector picture as shapes, in pixels (x right, y down), in drawing order.

    Attributes
    ----------
    records : numpy.ndarray
        int (k,) the edge record (row of the scene's edges) each mark draws.
    starts, controls, ends : numpy.ndarray
        float (k, 2). A straight edge is the line from its start to its end; a ``curved`` one the
        quadratic Bézier from its start to its end through its control point; a self-loop
        (``loop_radii`` > 0) the circle of that radius around its control point, starting and ending at
        its start. A directed edge ends at its arrowhead's base.
    curved : numpy.ndarray
        bool (k,).
    loop_radii : numpy.ndarray
        float (k,): a self-loop's circle radius, 0 for other edges.
    colors : numpy.ndarray
        uint8 (k, 3) RGB.
    widths : numpy.ndarray
        float (k,) line widths in pixels.
    arrows : numpy.ndarray
        bool (k,): which marks end in an arrowhead.
    arrowheads : numpy.ndarray
        float (arrows.sum(), 3, 2): the arrowheads' tips and base corners, in the order of the marks.
    opacity : float
        Of every edge and arrowhead.
    grouped : bool
        The default look (no arrowheads, no widths, no edge labels): straight edges are written grouped
        by colour, one path per group.
    """

    records: np.ndarray
    starts: np.ndarray
    controls: np.ndarray
    ends: np.ndarray
    curved: np.ndarray
    loop_radii: np.ndarray
    colors: np.ndarray
    widths: np.ndarray
    arrows: np.ndarray
    arrowheads: np.ndarray
    opacity: float = 1.0
    grouped: bool = True


@dataclass(frozen=True)
class VectorPicture:
    """Everything drawn in a vector picture, in pixels from the top-left corner (x right, y down).

    Attributes
    ----------
    width, height : int
        The picture's size.
    background, text_color : tuple of int
        RGB 0-255 of the theme.
    centres : numpy.ndarray
        float (n, 2) node centres.
    radii : numpy.ndarray
        float (n,) node radii.
    node_colors : numpy.ndarray
        uint8 (n, 3) RGB.
    node_order : numpy.ndarray
        The nodes to draw, far to near (nodes hidden by a filter or that do not project, e.g. behind the
        camera, are left out, with their edges).
    edges : EdgeMarks
        The edges to draw.
    labels : list of PlacedLabel
        Placed label boxes (text drawn at the box's left, on its baseline).
    edge_labels : list of PlacedLabel
        Placed edge label boxes; their ``node`` is the edge record.
    font_px : float
        Label font size.
    legend : list of (str, (r, g, b))
        Category names and colours.
    colorbar : tuple or None
        ``(title, low, high)`` of a numeric colouring.
    edge_legend_title : str or None
        ``edges: <color_by>`` when the edges are coloured by something with a legend.
    edge_legend : list of (str, (r, g, b))
        The edge colouring's entries (categories, or a numeric colouring's bins).
    text_scale : float
        How much the text grows with the picture (as in the raster picture).
    """

    width: int
    height: int
    background: tuple[int, int, int]
    text_color: tuple[int, int, int]
    centres: np.ndarray
    radii: np.ndarray
    node_colors: np.ndarray
    node_order: np.ndarray
    edges: EdgeMarks
    labels: list[PlacedLabel] = field(default_factory=list)
    edge_labels: list[PlacedLabel] = field(default_factory=list)
    font_px: float = LABEL_FONT_PX
    legend: list[tuple[str, tuple[int, int, int]]] = field(default_factory=list)
    colorbar: tuple[str, float, float] | None = None
    edge_legend_title: str | None = None
    edge_legend: list[tuple[str, tuple[int, int, int]]] = field(default_factory=list)
    text_scale: float = 1.0


def node_radii_pixels(scene) -> tuple[np.ndarray, np.ndarray]:
    """Each node's radius in pixels and its depth in front of the camera (view units), as drawn.

    Under parallel projection (2D) every node is at the scale of the visible half height; under
    perspective (3D) a node's splat shrinks with its distance along the viewing direction.
    """
    height = scene.render_window.GetSize()[1]
    camera = scene.renderer.GetActiveCamera()
    world = scene._view_positions[: scene.node_count].astype(np.float64)
    world += np.array(scene._node_actor.GetPosition())  # the 2D nodes' lift in front of the edges
    direction = np.array(camera.GetDirectionOfProjection())
    depth = (world - np.array(camera.GetPosition())) @ direction
    radii = scene._radii[: scene.node_count].astype(np.float64)
    if camera.GetParallelProjection():
        return radii * height / (2.0 * camera.GetParallelScale()), depth
    half_angle = math.tan(math.radians(camera.GetViewAngle()) / 2.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        return radii * height / (2.0 * np.maximum(depth, 1e-12) * half_angle), depth


def vector_picture(scene, labels: list[str] | None = None,
                   priority: np.ndarray | None = None) -> VectorPicture:
    """What ``scene`` shows now, as shapes and text for :func:`svg_document` or :func:`pdf_document`.

    Parameters
    ----------
    scene : GraphScene
        A scene with its positions set (``set_positions(positions, moving=False)``). Its edges are read
        from ``_edges`` (the edge records), ``_drawn_edges``, ``_base_edge_colors``, ``edge_encoding``
        and ``edge_label_texts`` (text per record, or None for no edge labels).
    labels : list of str, optional
        Text per node; no labels are drawn if omitted.
    priority : numpy.ndarray, optional
        Label priority per node (higher first); default: degree.
    """
    width, height = scene.render_window.GetSize()
    node_count = scene.node_count
    edges = np.asarray(scene._edges, dtype=np.int64).reshape(-1, 2)
    if node_count:
        centres = scene.node_pixels()
        radii, depth = node_radii_pixels(scene)
    else:
        centres, radii, depth = np.zeros((0, 2)), np.zeros(0), np.zeros(0)
    # A node is drawn if it projects and is not hidden (the scene's filter gives hidden nodes radius 0).
    drawable = np.isfinite(centres).all(axis=1) & np.isfinite(radii) & (radii > 0) & (depth > 0)
    order = np.argsort(-depth, kind="stable") if scene.dimensions == 3 else np.arange(node_count)
    order = order[drawable[order]]
    records = np.asarray(scene._drawn_edges, dtype=np.int64)
    records = records[drawable[edges[records, 0]] & drawable[edges[records, 1]]]
    if scene.dimensions == 3:  # far to near by the ends' mean depth, as the nodes
        records = records[np.argsort(-(depth[edges[records, 0]] + depth[edges[records, 1]]), kind="stable")]
    encoding, edge_texts = scene.edge_encoding, scene.edge_label_texts
    marks, middles = _edge_marks(edges, records, encoding, np.asarray(scene._base_edge_colors, dtype=np.uint8),
                                 centres, radii, grouped=edge_texts is None)
    text_scale = float(scene._text_scale)
    font_px = LABEL_FONT_PX * text_scale
    placed: list[PlacedLabel] = []
    if labels is not None and node_count:
        if priority is None:
            priority = np.bincount(edges.ravel(), minlength=node_count)
        candidates = label_candidates(centres, label_order(priority), width, height, shown=drawable)
        placed = place_labels(centres, radii, [str(text) for text in labels], candidates, width, height,
                              font_px=font_px)
    edge_placed: list[PlacedLabel] = []
    if edge_texts is not None and len(records):
        edge_placed = _place_edge_labels(edge_texts, marks, middles, placed, centres, radii, width, height, font_px)
    has_edge_legend = bool(encoding.category_entries) or encoding.colorbar is not None
    return VectorPicture(
        width=width, height=height,
        background=_rgb(scene.theme.background), text_color=_rgb(scene.theme.text),
        centres=centres, radii=radii,
        node_colors=np.asarray(scene.encoding.colors[:node_count], dtype=np.uint8),
        node_order=order, edges=marks,
        labels=placed, edge_labels=edge_placed, font_px=font_px,
        legend=[(str(name)[:40], _ints(rgb)) for name, rgb in scene.encoding.legend],
        colorbar=scene.encoding.colorbar,
        edge_legend_title=f"edges: {encoding.color_by}"[:40] if has_edge_legend else None,
        edge_legend=[(str(name)[:40], _ints(rgb)) for name, rgb in encoding.category_entries],
        text_scale=text_scale,
    )


def _edge_marks(edges: np.ndarray, records: np.ndarray, encoding: EdgeEncoding, colors: np.ndarray,
                centres: np.ndarray, radii: np.ndarray, grouped: bool) -> tuple[EdgeMarks, np.ndarray]:
    """The shapes of the edge ``records`` (rows of ``edges``) between nodes at pixel ``centres`` of pixel
    ``radii``, with the raster picture's bends, loops and arrowheads; and each edge's middle (where its
    label goes: the whole curve's midpoint, a loop's far point).

    The bends are turned over: :func:`~helios_app.graph.edge_geometry.edge_bends` bows an edge to its
    left in the view, whose y axis points up; the picture's points down.
    """
    chosen = edges[records]
    sources, targets = centres[chosen[:, 0]], centres[chosen[:, 1]]
    loops = chosen[:, 0] == chosen[:, 1]
    bends = -edge_bends(edges, encoding.curvature)[records]
    curved = (bends != 0) & ~loops
    widths = np.full(len(records), EDGE_WIDTH_PX) if encoding.widths_px is None \
        else np.asarray(encoding.widths_px, dtype=np.float64)[records]
    arrows = np.asarray(encoding.arrows, dtype=bool)[records] & ~loops
    controls = (sources + targets) / 2.0
    controls[curved] = control_points(sources[curved], targets[curved], bends[curved])
    middles = 0.25 * sources + 0.5 * controls + 0.25 * targets  # a quadratic Bézier at t = 1/2
    starts, ends = sources.copy(), targets.copy()
    tips, directions = np.zeros_like(sources), np.zeros_like(sources)
    arrow_lengths = np.maximum(ARROW_LENGTH_PER_WIDTH * widths, MIN_ARROW_PX)
    target_radii = radii[chosen[:, 1]]
    straight = arrows & ~curved
    if straight.any():
        ends[straight], tips[straight], directions[straight] = straight_directed(
            sources[straight], targets[straight], target_radii[straight], arrow_lengths[straight])
    bent = arrows & curved
    if bent.any():
        paths, tips[bent], directions[bent] = directed_paths(
            sources[bent], targets[bent], bends[bent], target_radii[bent], arrow_lengths[bent])
        ends[bent] = paths[:, -1]
        # The curve up to the arrowhead's base is a quadratic Bézier too (de Casteljau's split at its parameter).
        share = _curve_parameter(sources[bent], controls[bent], targets[bent], ends[bent])
        controls[bent] = sources[bent] + share[:, None] * (controls[bent] - sources[bent])
    loop_radii = np.zeros(len(records))
    if loops.any():
        nodes = chosen[loops, 0]
        # The raster picture's loop (above right of its node in the view): four points of its circle.
        ring = loop_paths(centres[nodes] * PICTURE_Y_DOWN, np.maximum(radii[nodes], MIN_LOOP_NODE_PX),
                          loop_ranks(edges)[records[loops]], segments=4) * PICTURE_Y_DOWN
        circle_centres = ring[:, :4].mean(axis=1)
        starts[loops] = ends[loops] = ring[:, 0]
        controls[loops] = circle_centres
        loop_radii[loops] = np.linalg.norm(ring[:, 0] - circle_centres, axis=1)
        middles[loops] = 2.0 * circle_centres - ring[:, 0]
    heads = arrowheads(tips[arrows], directions[arrows], np.linalg.norm(tips[arrows] - ends[arrows], axis=1))
    marks = EdgeMarks(records=records, starts=starts, controls=controls, ends=ends, curved=curved,
                      loop_radii=loop_radii, colors=colors[records], widths=widths, arrows=arrows,
                      arrowheads=heads, opacity=float(encoding.opacity),
                      grouped=grouped and encoding.widths_px is None and not arrows.any())
    return marks, middles


def _curve_parameter(starts: np.ndarray, controls: np.ndarray, ends: np.ndarray, points: np.ndarray) -> np.ndarray:
    """The parameter of ``points`` on the quadratic Béziers ``starts, controls, ends`` (exact for points on
    the curves): ``B(t) - P0 = b t + a t^2`` with ``a = P0 - 2 C + P1`` and ``b = 2 (C - P0)``, so the
    cross product with ``a`` leaves ``t = (B(t) - P0) x a / (b x a)``. 1 for a curve with no bend."""
    bend = starts - 2.0 * controls + ends
    pull = 2.0 * (controls - starts)
    offset = points - starts
    numerator = offset[:, 0] * bend[:, 1] - offset[:, 1] * bend[:, 0]
    denominator = pull[:, 0] * bend[:, 1] - pull[:, 1] * bend[:, 0]
    return np.divide(numerator, denominator, out=np.ones(len(points)), where=np.abs(denominator) > 1e-12)


def _place_edge_labels(texts: list[str], marks: EdgeMarks, middles: np.ndarray, node_labels: list[PlacedLabel],
                       centres: np.ndarray, radii: np.ndarray, width: int, height: int,
                       font_px: float) -> list[PlacedLabel]:
    """Edge labels centred on their edges' ``middles``, widest edges first, each where it overlaps no node
    label and no edge label placed before it; their ``node`` is the edge record.

    :func:`place_labels` does the greedy test: it places the node labels again (where they are) and then
    the edge labels. It puts a box right of a node's rim, so a "rim" of minus half the text's width (less
    the gap) centres a box on its middle.
    """
    texts_of_marks = [str(texts[record] or "") for record in marks.records.tolist()]
    candidates = label_candidates(middles, np.argsort(-marks.widths, kind="stable"), width, height,
                                  shown=np.array([bool(text) for text in texts_of_marks]))
    nodes = np.array([label.node for label in node_labels], dtype=np.int64)
    edge_texts = [texts_of_marks[index] for index in candidates.tolist()]
    rims = [-(text_width(text, font_px) / 2.0 + LABEL_GAP_PX) for text in edge_texts]
    placed = place_labels(np.concatenate([centres[nodes].reshape(-1, 2), middles[candidates]]),
                          np.concatenate([radii[nodes], rims]), [label.text for label in node_labels] + edge_texts,
                          np.arange(len(nodes) + len(edge_texts)), width, height, font_px=font_px)
    return [PlacedLabel(int(marks.records[candidates[label.node - len(nodes)]]), label.text, label.x, label.y,
                        label.width, label.height) for label in placed if label.node >= len(nodes)]


def _rgb(floats: tuple[float, float, float]) -> tuple[int, int, int]:
    return tuple(round(channel * 255.0) for channel in floats)


def _ints(rgb) -> tuple[int, int, int]:
    return tuple(int(channel) for channel in rgb)


def _grouped_lines(marks: EdgeMarks) -> np.ndarray:
    """Which marks are written grouped by colour (straight edges of the default look)."""
    return marks.grouped & ~marks.curved & (marks.loop_radii == 0)


def _edge_groups(marks: EdgeMarks) -> list[tuple[tuple[int, int, int], np.ndarray]]:
    """The grouped straight edges' segments ``x0, y0, x1, y1`` by (rounded) colour: one path per group."""
    lines = _grouped_lines(marks)
    if not lines.any():
        return []
    segments = np.c_[marks.starts[lines], marks.ends[lines]]
    rounded = np.round(marks.colors[lines] / EDGE_COLOR_STEP) * EDGE_COLOR_STEP
    rounded = np.minimum(rounded, 255).astype(np.uint8)
    colors, inverse = np.unique(rounded, axis=0, return_inverse=True)
    inverse = inverse.ravel()
    by_group = np.argsort(inverse, kind="stable")
    bounds = np.searchsorted(inverse[by_group], np.arange(len(colors) + 1))
    return [(_ints(colors[group]), segments[by_group[start:stop]])
            for group, (start, stop) in enumerate(itertools.pairwise(bounds))]


def _edge_shapes(marks: EdgeMarks):
    """The marks written one by one (every one but the grouped lines), in drawing order, as
    ``(record, rgb, width, kind, numbers, arrowhead)``: ``kind`` ``line`` (numbers ``x0 y0 x1 y1``),
    ``curve`` (``x0 y0 cx cy x1 y1``) or ``loop`` (the circle's centre ``x y``, its radius and its start
    ``x y``); ``arrowhead`` the tip and base corners ``((x, y), (x, y), (x, y))``, or None."""
    alone = np.flatnonzero(~_grouped_lines(marks))
    heads = iter(marks.arrowheads.tolist())  # in the marks' order; the grouped lines have none
    rows = zip(marks.records[alone].tolist(), marks.colors[alone].tolist(), marks.widths[alone].tolist(),
               marks.starts[alone].tolist(), marks.controls[alone].tolist(), marks.ends[alone].tolist(),
               marks.curved[alone].tolist(), marks.loop_radii[alone].tolist(), marks.arrows[alone].tolist())
    for record, rgb, width, start, control, end, curved, loop_radius, arrow in rows:
        if loop_radius > 0:
            kind, numbers = "loop", (*control, loop_radius, *start)
        elif curved:
            kind, numbers = "curve", (*start, *control, *end)
        else:
            kind, numbers = "line", (*start, *end)
        yield record, tuple(rgb), width, kind, numbers, next(heads) if arrow else None


@dataclass(frozen=True)
class _Text:
    """One piece of text to write: left end of its baseline, size, colour, weight, element id and kind
    (``label``, ``edge-label`` or ``legend``: its SVG class)."""

    x: float
    y: float
    text: str
    font_px: float
    color: tuple[int, int, int]
    bold: bool = False
    element_id: str | None = None
    kind: str = "legend"


def _label_texts(picture: VectorPicture) -> list[_Text]:
    """The placed node labels, then the edge labels (in a muted colour, so they read apart from node
    labels), as text on their boxes' baselines."""
    below = BASELINE_BELOW_CENTRE_EM * picture.font_px
    text_color, background = np.array(picture.text_color), np.array(picture.background)
    muted = _ints(np.round(EDGE_LABEL_MIX * text_color + (1 - EDGE_LABEL_MIX) * background))
    return [_Text(label.x, label.y + label.height / 2.0 + below, label.text, picture.font_px, color,
                  element_id=f"{kind}-{label.node}", kind=kind)
            for kind, labels, color in (("label", picture.labels, picture.text_color),
                                        ("edge-label", picture.edge_labels, muted))
            for label in labels]


def _legend_marks(picture: VectorPicture) -> tuple[list[tuple[float, float, float, tuple]],
                                                   list[tuple[float, float, float, float, tuple]], list[_Text]]:
    """The legend's discs (x, y, radius, colour), edge swatches (left, top, width, height, colour) and
    texts: node categories top right, or the colour bar's title and end values; under them the edge
    colouring's section (its title, then a line of each entry's colour and its name)."""
    discs: list[tuple[float, float, float, tuple]] = []
    swatches: list[tuple[float, float, float, float, tuple]] = []
    texts: list[_Text] = []
    font_px = LEGEND_FONT_PX * picture.text_scale
    radius = LEGEND_DISC_EM * font_px
    row = LEGEND_ROW_EM * font_px
    right = picture.width * (1 - LEGEND_MARGIN)
    top = picture.height * LEGEND_MARGIN
    below = BASELINE_BELOW_CENTRE_EM * font_px

    def column_left(widest: float) -> float:
        return min(0.84 * picture.width, right - 2 * radius - 0.5 * font_px - widest)

    if picture.legend:
        left = column_left(max(text_width(name, font_px) for name, _ in picture.legend))
        for index, (name, rgb) in enumerate(picture.legend):
            middle = top + (index + 0.5) * row
            discs.append((left + radius, middle, radius, rgb))
            texts.append(_Text(left + 2 * radius + 0.5 * font_px, middle + below, name, font_px, picture.text_color))
        top += (len(picture.legend) + 0.5) * row
    if picture.colorbar is not None:
        title, low, high = picture.colorbar
        left, bar_top, width, height = _colorbar_box(picture)
        texts.append(_Text(left, bar_top - 0.8 * font_px, str(title)[:40], font_px, picture.text_color, bold=True))
        value_px = font_px * 11.0 / 12.0
        for value, y in ((high, bar_top), (low, bar_top + height)):
            baseline = y + BASELINE_BELOW_CENTRE_EM * value_px
            texts.append(_Text(left + width + 0.4 * font_px, baseline, f"{value:.3g}", value_px, picture.text_color))
        top = max(top, bar_top + height + row)
    if picture.edge_legend_title is not None:
        title_width = text_width(picture.edge_legend_title, font_px) - 2 * radius - 0.5 * font_px
        left = column_left(max([title_width] + [text_width(name, font_px) for name, _ in picture.edge_legend]))
        texts.append(_Text(left, top + 0.5 * row + below, picture.edge_legend_title, font_px, picture.text_color,
                           bold=True))
        thickness = LEGEND_SWATCH_EM * font_px
        for index, (name, rgb) in enumerate(picture.edge_legend, start=1):
            middle = top + (index + 0.5) * row
            swatches.append((left, middle - thickness / 2.0, 2 * radius, thickness, rgb))
            texts.append(_Text(left + 2 * radius + 0.5 * font_px, middle + below, name, font_px, picture.text_color))
    return discs, swatches, texts


def _colorbar_box(picture: VectorPicture) -> tuple[float, float, float, float]:
    """Left, top, width and height of the colour bar (its bands: :data:`COLORMAP_STOPS`, high at the top)."""
    font_px = LEGEND_FONT_PX * picture.text_scale
    width = COLORBAR_WIDTH_EM * font_px
    left = min(COLORBAR_LEFT * picture.width, picture.width - width - 4.0 * font_px)
    return left, COLORBAR_TOP * picture.height, width, COLORBAR_HEIGHT * picture.height


def _colorbar_bands(picture: VectorPicture) -> list[tuple[float, float, float, float, np.ndarray]]:
    """The colour bar's bands, top first: left, top, width, height (pixels, y down) and colour; none
    without a colour bar."""
    if picture.colorbar is None:
        return []
    left, top, bar_width, bar_height = _colorbar_box(picture)
    band = bar_height / len(COLORMAP_STOPS)
    return [(left, top + index * band, bar_width, band, rgb) for index, rgb in enumerate(COLORMAP_STOPS[::-1])]


# ---- SVG ---------------------------------------------------------------------------------------
def _hex(rgb) -> str:
    return "#{:02x}{:02x}{:02x}".format(*(int(channel) for channel in rgb))


def svg_document(picture: VectorPicture) -> str:
    """The picture as an SVG 1.1 document.

    One ``<circle class="node" id="node-N">`` per drawn node (N its index); edges as one ``<path>`` per
    edge colour (the default look) or one ``<path class="edge" id="edge-R">`` per edge record R (class
    ``edge loop`` for a self-loop), each followed by its arrowhead ``<path class="arrow" id="arrow-R">``;
    one ``<text>`` per label, edge label and legend entry.
    """
    width, height = picture.width, picture.height
    marks = picture.edges
    opacity = f' stroke-opacity="{marks.opacity:g}" fill-opacity="{marks.opacity:g}"' if marks.opacity < 1 else ""
    lines = [
        '<?xml version="1.0" encoding="UTF-8" standalone="no"?>',
        (f'<svg xmlns="http://www.w3.org/2000/svg" version="1.1" width="{width}" height="{height}" '
         f'viewBox="0 0 {width} {height}">'),
        f'<rect x="0" y="0" width="{width}" height="{height}" fill="{_hex(picture.background)}"/>',
        f'<g id="edges" fill="none" stroke-width="{EDGE_WIDTH_PX:g}"{opacity}>',
    ]
    for rgb, segments in _edge_groups(marks):
        path = "".join(f"M{x0:.1f} {y0:.1f}L{x1:.1f} {y1:.1f}" for x0, y0, x1, y1 in segments.tolist())
        lines.append(f'<path stroke="{_hex(rgb)}" d="{path}"/>')
    lines.extend(_svg_edge(*shape) for shape in _edge_shapes(marks))
    lines.append(f'</g>\n<g id="nodes" stroke="#000000" stroke-opacity="{RIM_OPACITY:g}">')
    centres, radii, colors = picture.centres, picture.radii, picture.node_colors
    for node in picture.node_order.tolist():
        radius = float(radii[node])
        lines.append(
            f'<circle class="node" id="node-{node}" cx="{centres[node, 0]:.2f}" cy="{centres[node, 1]:.2f}" '
            f'r="{radius * (1 - RIM_FRACTION / 2):.2f}" stroke-width="{radius * RIM_FRACTION:.2f}" '
            f'fill="{_hex(colors[node])}"/>'
        )
    lines.append("</g>")
    lines.append(f'<g id="labels" font-family="{FONT_FAMILY}">')
    lines.extend(_svg_text(text) for text in _label_texts(picture))
    lines.append('</g>\n<g id="legend" font-family="' + FONT_FAMILY + '">')
    discs, swatches, texts = _legend_marks(picture)
    for x, y, radius, rgb in discs:
        lines.append(f'<circle class="legend" cx="{x:.2f}" cy="{y:.2f}" r="{radius:.2f}" '
                     f'fill="{_hex(rgb)}"/>')
    for kind, rectangles in (("colorbar", _colorbar_bands(picture)), ("edge-legend", swatches)):
        lines.extend(f'<rect class="{kind}" x="{left:.2f}" y="{top:.2f}" width="{rectangle_width:.2f}" '
                     f'height="{rectangle_height:.2f}" fill="{_hex(rgb)}"/>'
                     for left, top, rectangle_width, rectangle_height, rgb in rectangles)
    lines.extend(_svg_text(text) for text in texts)
    lines.append("</g>\n</svg>\n")
    return "\n".join(lines)


def _svg_edge(record: int, rgb: tuple, width: float, kind: str, numbers: tuple, arrowhead) -> str:
    """One edge shape of :func:`_edge_shapes` as a path (and its arrowhead as a filled path)."""
    if kind == "line":
        path = "M{:.1f} {:.1f}L{:.1f} {:.1f}".format(*numbers)
    elif kind == "curve":
        path = "M{:.1f} {:.1f}Q{:.1f} {:.1f} {:.1f} {:.1f}".format(*numbers)
    else:  # two half circles: to the point opposite the start and back
        x, y, radius, start_x, start_y = numbers
        arc = f"A{radius:.2f} {radius:.2f} 0 1 0"
        path = (f"M{start_x:.1f} {start_y:.1f}{arc} {2 * x - start_x:.1f} {2 * y - start_y:.1f}"
                f"{arc} {start_x:.1f} {start_y:.1f}Z")
    color = _hex(rgb)
    element = (f'<path class="{"edge loop" if kind == "loop" else "edge"}" id="edge-{record}" stroke="{color}" '
               f'stroke-width="{width:.2f}" d="{path}"/>')
    if arrowhead is None:
        return element
    corners = "L".join(f"{x:.1f} {y:.1f}" for x, y in arrowhead)
    return element + f'\n<path class="arrow" id="arrow-{record}" fill="{color}" d="M{corners}Z"/>'


def _svg_text(text: _Text) -> str:
    element_id = f' id="{text.element_id}"' if text.element_id is not None else ""
    weight = ' font-weight="bold"' if text.bold else ""
    return (f'<text class="{text.kind}"{element_id} x="{text.x:.2f}" y="{text.y:.2f}" font-size="{text.font_px:.2f}"'
            f'{weight} fill="{_hex(text.color)}">{escape(text.text)}</text>')


# ---- PDF ---------------------------------------------------------------------------------------
def _unit_circle(radius: float = 1.0) -> str:
    """A closed circle path of ``radius`` around the origin: four Bézier curves."""
    r, k = radius, radius * BEZIER_CIRCLE
    return (f"{r:.4f} 0 m {r:.4f} {k:.4f} {k:.4f} {r:.4f} 0 {r:.4f} c "
            f"{-k:.4f} {r:.4f} {-r:.4f} {k:.4f} {-r:.4f} 0 c "
            f"{-r:.4f} {-k:.4f} {-k:.4f} {-r:.4f} 0 {-r:.4f} c "
            f"{k:.4f} {-r:.4f} {r:.4f} {-k:.4f} {r:.4f} 0 c h")


def _pdf_rgb(rgb) -> str:
    return " ".join(f"{int(channel) / 255.0:.3f}" for channel in rgb)


def pdf_string(text: str) -> str:
    """``text`` as a PDF literal string in WinAnsiEncoding (Latin-1 for the printable characters).

    ``(``, ``)`` and ``\\`` are escaped; characters outside printable Latin-1 (CJK, emoji, control
    characters, and U+0080-U+009F, which WinAnsi maps to other glyphs) become ``?``, since the
    standard Helvetica font carries no others and no font is embedded. Bytes above 127 are written
    as octal escapes, so the result is ASCII.
    """
    parts = []
    for character in text:
        code = ord(character)
        if code < 32 or 127 <= code < 160 or code > 255:
            parts.append("?")
        elif character in "()\\":
            parts.append("\\" + character)
        elif code > 127:
            parts.append(f"\\{code:03o}")
        else:
            parts.append(character)
    return "(" + "".join(parts) + ")"


def _pdf_edge(height: float, record: int, rgb: tuple, width: float, kind: str, numbers: tuple, arrowhead) -> str:
    """One edge shape of :func:`_edge_shapes` as stroked PDF path operators (y flipped up), a quadratic
    curve as the cubic ``c`` of the same shape, a loop as four ``c`` around its centre; and its arrowhead
    as a filled path."""
    color = _pdf_rgb(rgb)
    if kind == "line":
        x0, y0, x1, y1 = numbers
        path = f"{x0:.1f} {height - y0:.1f} m {x1:.1f} {height - y1:.1f} l S"
    elif kind == "curve":  # the cubic's control points are 2/3 of the way from each end to the quadratic's
        x0, y0, cx, cy, x1, y1 = numbers
        path = (f"{x0:.1f} {height - y0:.1f} m {x0 + 2 * (cx - x0) / 3:.1f} {height - y0 - 2 * (cy - y0) / 3:.1f} "
                f"{x1 + 2 * (cx - x1) / 3:.1f} {height - y1 - 2 * (cy - y1) / 3:.1f} {x1:.1f} {height - y1:.1f} c S")
    else:
        x, y, radius = numbers[:3]
        path = f"q 1 0 0 1 {x:.2f} {height - y:.2f} cm {_unit_circle(radius)} S Q"
    operators = f"{color} RG {width:.2f} w {path}"
    if arrowhead is None:
        return operators
    (tip_x, tip_y), (left_x, left_y), (right_x, right_y) = arrowhead
    return (f"{operators}\n{color} rg {tip_x:.1f} {height - tip_y:.1f} m {left_x:.1f} {height - left_y:.1f} l "
            f"{right_x:.1f} {height - right_y:.1f} l h f")


def pdf_document(picture: VectorPicture) -> bytes:
    """The picture as a one-page PDF 1.4 of ``width`` x ``height`` points.

    Edges are stroked paths (lines ``l``, curves and loops ``c``) in the ``/Edge`` graphics state (their
    opacity), arrowheads filled triangles (``f``); each drawn node is one ``/Node Do`` (a form XObject
    holding a unit disc with its rim) in the compressed content stream; labels, edge labels and legend
    are Helvetica text (see :func:`pdf_string`).
    """
    height = picture.height
    content = [f"{_pdf_rgb(picture.background)} rg 0 0 {picture.width} {height} re f",
               f"q /Edge gs {EDGE_WIDTH_PX:g} w 1 J"]
    for rgb, segments in _edge_groups(picture.edges):
        content.append(f"{_pdf_rgb(rgb)} RG")
        content.append("\n".join(f"{x0:.1f} {height - y0:.1f} m {x1:.1f} {height - y1:.1f} l"
                                 for x0, y0, x1, y1 in segments.tolist()))
        content.append("S")
    content.extend(_pdf_edge(height, *shape) for shape in _edge_shapes(picture.edges))
    content.append("Q q /Rim gs 0 0 0 RG")
    centres, radii, colors = picture.centres, picture.radii, picture.node_colors
    for node in picture.node_order.tolist():
        radius = float(radii[node])
        content.append(f"{_pdf_rgb(colors[node])} rg q {radius:.3f} 0 0 {radius:.3f} {centres[node, 0]:.2f} "
                       f"{height - centres[node, 1]:.2f} cm /Node Do Q")
    content.append("Q")
    discs, swatches, legend_texts = _legend_marks(picture)
    for x, y, radius, rgb in discs:
        content.append(f"{_pdf_rgb(rgb)} rg q 1 0 0 1 {x:.2f} {height - y:.2f} cm {_unit_circle(radius)} f Q")
    for left, top, rectangle_width, rectangle_height, rgb in _colorbar_bands(picture) + swatches:
        content.append(f"{_pdf_rgb(rgb)} rg {left:.2f} {height - top - rectangle_height:.2f} "
                       f"{rectangle_width:.2f} {rectangle_height:.2f} re f")
    for text in _label_texts(picture) + legend_texts:
        font = "/F2" if text.bold else "/F1"
        content.append(f"BT {_pdf_rgb(text.color)} rg {font} {text.font_px:.2f} Tf {text.x:.2f} "
                       f"{height - text.y:.2f} Td {pdf_string(text.text)} Tj ET")
    stream = zlib.compress("\n".join(content).encode("ascii"), 6)
    inner = 1 - RIM_FRACTION / 2  # the rim's middle line: its outer edge is the node's radius
    disc = f"{inner:.4f} 0 0 {inner:.4f} 0 0 cm {RIM_FRACTION / inner:.4f} w {_unit_circle()} B".encode("ascii")
    font = "<< /Type /Font /Subtype /Type1 /BaseFont /{} /Encoding /WinAnsiEncoding >>"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        (f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {picture.width} {height}] "
         "/Resources << /Font << /F1 4 0 R /F2 5 0 R >> /XObject << /Node 6 0 R >> "
         "/ExtGState << /Rim 7 0 R /Edge 8 0 R >> >> /Contents 9 0 R >>").encode("ascii"),
        font.format("Helvetica").encode("ascii"),
        font.format("Helvetica-Bold").encode("ascii"),
        _pdf_stream(f"/Type /XObject /Subtype /Form /BBox [-1.05 -1.05 1.05 1.05] /Length {len(disc)}", disc),
        f"<< /Type /ExtGState /CA {RIM_OPACITY:g} >>".encode("ascii"),
        f"<< /Type /ExtGState /CA {picture.edges.opacity:g} /ca {picture.edges.opacity:g} >>".encode("ascii"),
        _pdf_stream(f"/Length {len(stream)} /Filter /FlateDecode", stream),
        b"<< /Producer (Helios) >>",
    ]
    document = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(document))
        document += f"{number} 0 obj\n".encode("ascii") + body + b"\nendobj\n"
    xref = len(document)
    document += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode("ascii")
    document += b"".join(f"{offset:010d} 00000 n \n".encode("ascii") for offset in offsets)
    document += (f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R /Info {len(objects)} 0 R >>\n"
                 f"startxref\n{xref}\n%%EOF\n").encode("ascii")
    return bytes(document)


def _pdf_stream(dictionary: str, data: bytes) -> bytes:
    return f"<< {dictionary} >>\nstream\n".encode("ascii") + data + b"\nendstream"
