"""Vector output: the picture of a view as SVG or PDF, with node labels and the legend as real text.

The geometry comes from the same :class:`~helios_app.render.scene.GraphScene` that renders the PNG, so the
framing, the colours and the node sizes are the same: node centres from
:meth:`GraphScene.node_pixels`, radii from the scene's splat radii at the camera's scale (each node's
own depth under perspective), colours from the encoding and the scene's edge tint. What differs from
the raster picture, on purpose:

- Edges are straight 1-pixel lines between node centres, all drawn under the nodes (the raster
  picture's depth buffer lets an edge pass in front of a farther node in 3D). Nodes are drawn far to
  near, so a nearer node covers a farther one as on screen.
- Nodes are flat discs with a dark rim (no spherical shading), in the encoding's colours.
- Labels are placed with :func:`helios_app.render.labels.place_labels`, the page's rule, in Helvetica at
  12 pixels times the scene's text scale, without the raster picture's drop shadow. Legend names are
  drawn in the theme's text colour, not in their category's colour, so they stay readable on paper.

One picture pixel is one SVG user unit and one PDF point. Edge colours are rounded to multiples of
:data:`EDGE_COLOR_STEP` and edges of one colour share one path, so 100,000 edges write in a second or
two.
"""

from __future__ import annotations

import itertools
import math
import zlib
from dataclasses import dataclass, field
from xml.sax.saxutils import escape

import numpy as np

from helios_app.graph.encodings import COLORMAP_STOPS
from helios_app.render.labels import (
    LABEL_FONT_PX,
    PlacedLabel,
    label_candidates,
    label_order,
    place_labels,
    text_width,
)

RIM_FRACTION = 0.12  # width of a node's dark rim as a fraction of its radius (the splat shader's rim)
RIM_OPACITY = 0.6  # how dark the rim is: black at this opacity over the node's colour
EDGE_WIDTH_PX = 1.0  # VTK draws edges as 1-pixel lines
EDGE_COLOR_STEP = 4  # edge colours rounded to multiples of this (invisible) so fewer paths are written
BASELINE_BELOW_CENTRE_EM = 0.35  # a label's baseline below its box's middle: capitals sit centred on the node
LEGEND_FONT_PX = 12.0  # legend names, times the text scale (as the raster legend)
LEGEND_ROW_EM = 1.5  # one legend entry's height in font sizes
LEGEND_DISC_EM = 0.35  # a legend disc's radius in font sizes
LEGEND_MARGIN = 0.02  # the legend's distance from the picture's top and right edges, as fractions of them
COLORBAR_LEFT = 0.92  # the colour bar's left edge, top edge and height as fractions of the picture
COLORBAR_TOP = 0.07
COLORBAR_HEIGHT = 0.37
COLORBAR_WIDTH_EM = 1.1  # the bar's width in font sizes
FONT_FAMILY = "Helvetica, Arial, 'Liberation Sans', sans-serif"
BEZIER_CIRCLE = 4.0 * (math.sqrt(2.0) - 1.0) / 3.0  # control-point distance of a quarter circle of radius 1


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
    edge_segments : numpy.ndarray
        float (m, 4) ``x0, y0, x1, y1`` of the edges to draw.
    edge_colors : numpy.ndarray
        uint8 (m, 3) RGB.
    labels : list of PlacedLabel
        Placed label boxes (text drawn at the box's left, on its baseline).
    font_px : float
        Label font size.
    legend : list of (str, (r, g, b))
        Category names and colours.
    colorbar : tuple or None
        ``(title, low, high)`` of a numeric colouring.
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
    edge_segments: np.ndarray
    edge_colors: np.ndarray
    labels: list[PlacedLabel] = field(default_factory=list)
    font_px: float = LABEL_FONT_PX
    legend: list[tuple[str, tuple[int, int, int]]] = field(default_factory=list)
    colorbar: tuple[str, float, float] | None = None
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
        A scene with its positions set (``set_positions(positions, moving=False)``).
    labels : list of str, optional
        Text per node; no labels are drawn if omitted.
    priority : numpy.ndarray, optional
        Label priority per node (higher first); default: degree.
    """
    width, height = scene.render_window.GetSize()
    node_count = scene.node_count
    edges = scene._edges
    if node_count:
        centres = scene.node_pixels()
        radii, depth = node_radii_pixels(scene)
    else:
        centres, radii, depth = np.zeros((0, 2)), np.zeros(0), np.zeros(0)
    # A node is drawn if it projects and is not hidden (the scene's filter gives hidden nodes radius 0).
    drawable = np.isfinite(centres).all(axis=1) & np.isfinite(radii) & (radii > 0) & (depth > 0)
    order = np.argsort(-depth, kind="stable") if scene.dimensions == 3 else np.arange(node_count)
    order = order[drawable[order]]
    shown_edges = drawable[edges[:, 0]] & drawable[edges[:, 1]]
    segments = np.c_[centres[edges[shown_edges, 0]], centres[edges[shown_edges, 1]]]
    text_scale = float(scene._text_scale)
    font_px = LABEL_FONT_PX * text_scale
    placed: list[PlacedLabel] = []
    if labels is not None and node_count:
        if priority is None:
            priority = np.bincount(edges.ravel(), minlength=node_count)
        candidates = label_candidates(centres, label_order(priority), width, height, shown=drawable)
        placed = place_labels(centres, radii, [str(text) for text in labels], candidates, width, height,
                              font_px=font_px)
    return VectorPicture(
        width=width, height=height,
        background=_rgb(scene.theme.background), text_color=_rgb(scene.theme.text),
        centres=centres, radii=radii,
        node_colors=np.asarray(scene.encoding.colors[:node_count], dtype=np.uint8),
        node_order=order,
        edge_segments=segments,
        edge_colors=np.asarray(scene._base_edge_colors, dtype=np.uint8)[shown_edges],
        labels=placed, font_px=font_px,
        legend=[(str(name)[:40], _ints(rgb)) for name, rgb in scene.encoding.legend],
        colorbar=scene.encoding.colorbar, text_scale=text_scale,
    )


def _rgb(floats: tuple[float, float, float]) -> tuple[int, int, int]:
    return tuple(round(channel * 255.0) for channel in floats)


def _ints(rgb) -> tuple[int, int, int]:
    return tuple(int(channel) for channel in rgb)


def _edge_groups(picture: VectorPicture) -> list[tuple[tuple[int, int, int], np.ndarray]]:
    """Edge segments grouped by (rounded) colour: one path per group."""
    if not len(picture.edge_segments):
        return []
    rounded = np.round(picture.edge_colors / EDGE_COLOR_STEP) * EDGE_COLOR_STEP
    rounded = np.minimum(rounded, 255).astype(np.uint8)
    colors, inverse = np.unique(rounded, axis=0, return_inverse=True)
    inverse = inverse.ravel()
    by_group = np.argsort(inverse, kind="stable")
    bounds = np.searchsorted(inverse[by_group], np.arange(len(colors) + 1))
    return [(_ints(colors[group]), picture.edge_segments[by_group[start:stop]])
            for group, (start, stop) in enumerate(itertools.pairwise(bounds))]


@dataclass(frozen=True)
class _Text:
    """One piece of text to write: left end of its baseline, size, colour, weight."""

    x: float
    y: float
    text: str
    font_px: float
    color: tuple[int, int, int]
    bold: bool = False
    node: int | None = None


def _label_texts(picture: VectorPicture) -> list[_Text]:
    below = BASELINE_BELOW_CENTRE_EM * picture.font_px
    return [_Text(label.x, label.y + label.height / 2.0 + below, label.text, picture.font_px, picture.text_color,
                  node=label.node) for label in picture.labels]


def _legend_marks(picture: VectorPicture) -> tuple[list[tuple[float, float, float, tuple]], list[_Text]]:
    """The legend's discs (x, y, radius, colour) and texts: categories top right, or the colour bar's
    title and end values."""
    discs: list[tuple[float, float, float, tuple]] = []
    texts: list[_Text] = []
    font_px = LEGEND_FONT_PX * picture.text_scale
    if picture.legend:
        radius = LEGEND_DISC_EM * font_px
        row = LEGEND_ROW_EM * font_px
        widest = max(text_width(name, font_px) for name, _ in picture.legend)
        right = picture.width * (1 - LEGEND_MARGIN)
        left = min(0.84 * picture.width, right - 2 * radius - 0.5 * font_px - widest)
        top = picture.height * LEGEND_MARGIN
        for index, (name, rgb) in enumerate(picture.legend):
            middle = top + (index + 0.5) * row
            discs.append((left + radius, middle, radius, rgb))
            baseline = middle + BASELINE_BELOW_CENTRE_EM * font_px
            texts.append(_Text(left + 2 * radius + 0.5 * font_px, baseline, name, font_px, picture.text_color))
    if picture.colorbar is not None:
        title, low, high = picture.colorbar
        left, top, width, height = _colorbar_box(picture)
        texts.append(_Text(left, top - 0.8 * font_px, str(title)[:40], font_px, picture.text_color, bold=True))
        value_px = font_px * 11.0 / 12.0
        for value, y in ((high, top), (low, top + height)):
            baseline = y + BASELINE_BELOW_CENTRE_EM * value_px
            texts.append(_Text(left + width + 0.4 * font_px, baseline, f"{value:.3g}", value_px, picture.text_color))
    return discs, texts


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

    One ``<circle class="node" id="node-N">`` per drawn node (N its index), one ``<path>`` per edge
    colour, one ``<text>`` per label and legend entry.
    """
    width, height = picture.width, picture.height
    lines = [
        '<?xml version="1.0" encoding="UTF-8" standalone="no"?>',
        (f'<svg xmlns="http://www.w3.org/2000/svg" version="1.1" width="{width}" height="{height}" '
         f'viewBox="0 0 {width} {height}">'),
        f'<rect x="0" y="0" width="{width}" height="{height}" fill="{_hex(picture.background)}"/>',
        f'<g id="edges" fill="none" stroke-width="{EDGE_WIDTH_PX:g}">',
    ]
    for rgb, segments in _edge_groups(picture):
        path = "".join(f"M{x0:.1f} {y0:.1f}L{x1:.1f} {y1:.1f}" for x0, y0, x1, y1 in segments.tolist())
        lines.append(f'<path stroke="{_hex(rgb)}" d="{path}"/>')
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
    lines.extend(_svg_text(text, "label") for text in _label_texts(picture))
    lines.append('</g>\n<g id="legend" font-family="' + FONT_FAMILY + '">')
    discs, texts = _legend_marks(picture)
    for x, y, radius, rgb in discs:
        lines.append(f'<circle class="legend" cx="{x:.2f}" cy="{y:.2f}" r="{radius:.2f}" '
                     f'fill="{_hex(rgb)}"/>')
    for left, top, band_width, band_height, rgb in _colorbar_bands(picture):
        lines.append(f'<rect class="colorbar" x="{left:.2f}" y="{top:.2f}" '
                     f'width="{band_width:.2f}" height="{band_height:.2f}" fill="{_hex(rgb)}"/>')
    lines.extend(_svg_text(text, "legend") for text in texts)
    lines.append("</g>\n</svg>\n")
    return "\n".join(lines)


def _svg_text(text: _Text, kind: str) -> str:
    node = f' id="label-{text.node}"' if text.node is not None else ""
    weight = ' font-weight="bold"' if text.bold else ""
    return (f'<text class="{kind}"{node} x="{text.x:.2f}" y="{text.y:.2f}" font-size="{text.font_px:.2f}"'
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


def pdf_document(picture: VectorPicture) -> bytes:
    """The picture as a one-page PDF 1.4 of ``width`` x ``height`` points.

    Each drawn node is one ``/Node Do`` (a form XObject holding a unit disc with its rim) in the
    compressed content stream; labels and legend are Helvetica text (see :func:`pdf_string`).
    """
    height = picture.height
    content = [f"{_pdf_rgb(picture.background)} rg 0 0 {picture.width} {height} re f",
               f"{EDGE_WIDTH_PX:g} w 1 J"]
    for rgb, segments in _edge_groups(picture):
        content.append(f"{_pdf_rgb(rgb)} RG")
        content.append("\n".join(f"{x0:.1f} {height - y0:.1f} m {x1:.1f} {height - y1:.1f} l"
                                 for x0, y0, x1, y1 in segments.tolist()))
        content.append("S")
    content.append("q /Rim gs 0 0 0 RG")
    centres, radii, colors = picture.centres, picture.radii, picture.node_colors
    for node in picture.node_order.tolist():
        radius = float(radii[node])
        content.append(f"{_pdf_rgb(colors[node])} rg q {radius:.3f} 0 0 {radius:.3f} {centres[node, 0]:.2f} "
                       f"{height - centres[node, 1]:.2f} cm /Node Do Q")
    content.append("Q")
    discs, legend_texts = _legend_marks(picture)
    for x, y, radius, rgb in discs:
        content.append(f"{_pdf_rgb(rgb)} rg q 1 0 0 1 {x:.2f} {height - y:.2f} cm {_unit_circle(radius)} f Q")
    for left, top, band_width, band_height, rgb in _colorbar_bands(picture):
        content.append(f"{_pdf_rgb(rgb)} rg {left:.2f} {height - top - band_height:.2f} "
                       f"{band_width:.2f} {band_height:.2f} re f")
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
         "/ExtGState << /Rim 7 0 R >> >> /Contents 8 0 R >>").encode("ascii"),
        font.format("Helvetica").encode("ascii"),
        font.format("Helvetica-Bold").encode("ascii"),
        _pdf_stream(f"/Type /XObject /Subtype /Form /BBox [-1.05 -1.05 1.05 1.05] /Length {len(disc)}", disc),
        f"<< /Type /ExtGState /CA {RIM_OPACITY:g} >>".encode("ascii"),
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
