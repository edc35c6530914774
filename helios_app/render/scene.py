"""The VTK scene of one graph view: nodes as point splats, edges as one polydata of lines.

A :class:`GraphScene` owns every VTK object it creates and must be created, used and closed on
one thread (the render loop's). It normalises incoming layout positions into a unit-sized view
space, so the picture stays framed while the layout expands or shrinks, and it applies
interaction messages (the dicts of ``web.protocol``) to its camera, its selection and its pins:
:mod:`helios_app.render.interaction` turns each message into intents and does the camera maths, and the
scene applies the intents to its VTK objects (the camera value is copied into the ``vtkCamera`` in
one place, :meth:`GraphScene._show_camera`). What the rest of the session must hear about (a new
selection, a pinned or released node) is queued as *notices*, collected by
:meth:`GraphScene.take_notices`.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

import numpy as np
import scipy.sparse

from helios_app.graph.edge_encodings import EdgeEncoding
from helios_app.graph.encodings import COLORMAP_STOPS, NodeEncoding, degree_encoding
from helios_app.render import _vtk
from helios_app.render.edges import EdgeLayer
from helios_app.render.interaction import (
    CAMERA_INTENTS,
    # The camera's bounds and the click tolerance, re-exported: other code reads them here.
    CLICK_TOLERANCE,  # noqa: F401
    MAX_FOCAL_DISTANCE,  # noqa: F401
    MAX_VISIBLE_HALF_HEIGHT,  # noqa: F401
    MIN_VISIBLE_HALF_HEIGHT,  # noqa: F401
    Click,
    Focus,
    Hover,
    Intent,
    Interaction,
    Pin,
    ResetCamera,
    Resize,
    Select,
    Unpin,
)
from helios_app.render.labels import label_candidates, label_order

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Theme:
    """Colours of a theme, as RGB floats in [0, 1]."""

    background: tuple[float, float, float]
    edge: tuple[float, float, float]
    text: tuple[float, float, float]


THEMES = {
    "dark": Theme(background=(0.07, 0.07, 0.09), edge=(0.36, 0.38, 0.45), text=(0.93, 0.93, 0.93)),
    "light": Theme(background=(0.98, 0.98, 0.97), edge=(0.70, 0.71, 0.75), text=(0.08, 0.08, 0.10)),
}
EDGE_ENDPOINT_TINT = 0.35  # how much of its endpoints' colours an edge takes (the rest is the theme's grey)
DIMMED_MIX = 0.78  # how far a node or edge outside the selection or the highlight fades toward the background
HIDDEN_LABEL_PLACE = 1e6  # view units: where a hidden node's label goes in the picture (no camera reaches it)
FILTERED_MIX = 0.9  # how far a node or edge the filter leaves out fades (in the filter's "fade" mode)
PICK_RADIUS_PX = 6.0  # the smallest distance in pixels at which a click still hits a node
LABELLED_NODES = 400  # the highest-priority nodes that may carry a label (placed without overlap)
LOD_FRAME_BUDGET_S = 1.0 / 24.0  # a full-quality frame slower than this switches on level of detail in motion
HELD_TOLERANCE = 1e-4  # view units (the view spans [-1, 1]): a dragged node's layout position has caught up
MOTION_SCALES = (1.0, 0.75, 0.5)
"""A served picture's size while it moves, as fractions of the asked size (``scale_in_motion``): one step
down after two frames in a row over LOD_FRAME_BUDGET_S (not counting a frame that changed size or level of
detail: those pay for set-up), unless the smaller size was measured to save under 10 %; one step up when
the larger size (its measured cost, else in proportion to area) would take under 60 % of the budget, or
when the smaller size saves under 10 % (drawing is bound by geometry, not pixels); at rest the picture is
full size (sharp)."""
MOTION_MAX_PIXELS = 720_000
"""A served picture in motion is drawn at the largest MOTION_SCALES step that holds at most this many
pixels, whatever the budget says (about 1120x640; at rest it is full size). Every pixel of a moving
picture costs the server drawing, read-back, conversion and encoding, and each viewer decoding: on
power.gml a 1400x836 picture cost the server 34 ms of CPU a frame and six Chromium pages on two cores got
22 fps each; at 1050x627 in motion, 57 % of a core and 24 fps each (``bench/watching_pages.py``)."""
LOD_EDGES = 30_000  # edges drawn while the camera moves (a fixed random sample), when there are more
LOD_SETTLE_S = 0.25  # the full-quality picture follows this long after the camera stops
LAYOUT_LOD_SETTLE_S = 1.0  # ... and this long after the layout stops moving (its frames come slower)

# Node markers drawn in each splat's square ([-1, 1]^2 in offsetVCVSOutput.xy): the shape test
# discards what lies outside; inside, a soft spherical shading and a dark rim. In 3D only the
# shaded sphere (the disc) makes sense, so other markers are 2D only.
MARKER_SHAPES = {
    "circle": "float edge = dot(offsetVCVSOutput.xy, offsetVCVSOutput.xy);",
    "square": "vec2 a = abs(offsetVCVSOutput.xy); float edge = max(a.x, a.y) / 0.8; edge *= edge;",
    "diamond": "vec2 a = abs(offsetVCVSOutput.xy); float edge = (a.x + a.y) / 0.95; edge *= edge;",
    "triangle": "vec2 p = offsetVCVSOutput.xy; float edge = max(abs(p.x) * 1.7 + p.y * 0.85, -p.y * 1.7) / 0.95;"
                " edge *= edge;",
}
NODE_SPLAT_SHADER = """
//VTK::Color::Impl
{shape}
if (edge > 1.0) {{ discard; }}
float radius_squared = dot(offsetVCVSOutput.xy, offsetVCVSOutput.xy);
float shade = 0.55 + 0.45 * sqrt(max(1.0 - radius_squared, 0.0));
float rim = smoothstep(0.72, 0.95, edge);
ambientColor = mix(diffuseColor * shade, vec3(0.02), rim * 0.7);
diffuseColor = vec3(0.0);
"""


def base_radius(node_count: int, dimensions: int) -> float:
    """Splat radius of an average node in view units: about an eighth of the typical spacing."""
    spacing = 2.0 / max(node_count, 1) ** (1.0 / dimensions)
    return min(max(spacing * 0.12, 0.003), 0.025)


def _rgb_floats(rgb: tuple[int, int, int]) -> tuple[float, float, float]:
    return tuple(channel / 255.0 for channel in rgb)


class GraphScene:
    """Off-screen (or windowed) rendering of one graph.

    Parameters
    ----------
    edges : numpy.ndarray
        int (m, 2) edge records to draw (``Graph.edges``: in their direction, parallel ones and self-loops
        kept; :mod:`helios_app.render.edges` bends parallel and reciprocal ones apart).
    node_count : int
        Number of nodes.
    dimensions : int
        2 for a flat view (pan with the left button), 3 for a rotatable one.
    width, height : int
        Size of the rendered frames in pixels.
    offscreen : bool
        Render without a window (EGL or OSMesa when there is no display).
    encoding : NodeEncoding, optional
        Node colours, sizes and legend; default: coloured and sized by degree.
    labels : list of str, optional
        Text per node (labels or ids); none drawn if omitted.
    theme : str
        ``"dark"`` or ``"light"``.
    title : str
        Window title, when ``offscreen`` is False.
    marker : str
        Node shape in 2D: ``circle``, ``square``, ``diamond`` or ``triangle`` (3D draws shaded spheres).
    text_in_picture : bool
        Draw labels, the hover and selection labels and the legend into the picture (a PNG, the
        desktop window). False for a view whose pages draw them as HTML: the scene then queues a
        ``labels`` notice (the label candidates in priority order, normalised) whenever the
        picture comes to rest, and a ``pointed_labels`` notice for the hovered and selected nodes.
    label_priority : numpy.ndarray, optional
        Which nodes get a label first (after the selected and the hovered one); default degree.
    edge_encoding : EdgeEncoding, optional
        Edge colours, widths, arrowheads, opacity and curvature; default: thin grey lines tinted by their
        ends, no arrowheads (the look of an undirected graph).

    Notes
    -----
    With ``offscreen=False`` the scene opens a desktop window (X11). Its mouse input is turned into
    the same interaction messages the browser sends, so the window and every browser tab steer
    one shared view; :meth:`needs_render` processes the window's events.
    """

    def __init__(
        self,
        edges: np.ndarray,
        node_count: int,
        dimensions: int = 2,
        width: int = 960,
        height: int = 540,
        offscreen: bool = True,
        encoding: NodeEncoding | None = None,
        labels: list[str] | None = None,
        theme: str = "dark",
        title: str = "Helios",
        marker: str = "circle",
        text_in_picture: bool = True,
        label_priority: np.ndarray | None = None,
        scale_in_motion: bool = False,
        edge_encoding: EdgeEncoding | None = None,
    ) -> None:
        if dimensions not in (2, 3):
            raise ValueError(f"dimensions must be 2 or 3, got {dimensions}")
        if theme not in THEMES:
            raise ValueError(f"theme must be one of {', '.join(THEMES)}, got {theme!r}")
        if marker not in MARKER_SHAPES or (dimensions == 3 and marker != "circle"):
            choices = ", ".join(MARKER_SHAPES) if dimensions == 2 else "circle (spheres) in 3D"
            raise ValueError(f"marker must be one of {choices}, got {marker!r}")
        self._marker = marker
        self._text_in_picture = text_in_picture
        self._scale_in_motion = scale_in_motion
        self._asked_size = (int(width), int(height))  # the picture's size at rest (Resize changes it)
        self._motion_step = 0  # index into MOTION_SCALES, kept from one motion to the next
        self._frames_over_budget = 0
        self._motion_costs: dict[int, float] = {}  # the last counted frame's cost at each step of this size
        self._frame_set_up = True  # the last frame changed size or level of detail (or was the first): its cost says nothing
        self._label_priority = label_priority
        self._sent_labels: list | None = None  # what the last labels notice said (None: nothing yet)
        self._sent_pointed: dict | None = None
        self.dimensions = dimensions
        self.theme = THEMES[theme]
        self._text_scale = max(1.0, height / 540.0)  # text grows with big renders (a 4K PNG), never shrinks
        self._interaction = Interaction(dimensions, width, height)  # the camera, the drags, the focus flight
        self._notices: list[dict] = []
        # Nodes dragged here, shown where the pointer left them until the layout reports them there
        # (its positions lag the pin by a tick or more): view position by node.
        self._held_positions: dict[int, np.ndarray] = {}
        self._acting = "a viewer"  # who sent the event being applied (named in pin and unpin notices)
        self._acting_id = ""
        self.selected: int | None = None
        self.hovered: int | None = None
        self.selected_edge: int | None = None
        self.hovered_edge: int | None = None
        self._pointer: tuple[float, float] | None = None
        self.edge_label_texts: list[str] | None = None  # the text of each record, for edge labels (page text)
        self._sent_edge_labels: list | None = None
        self._centre = np.zeros(dimensions)
        self._half_extent = 1.0
        # While auto-framing, each new layout is centred and scaled into the unit view space, so the
        # picture stays framed as the layout grows. Any camera move or node drag by a user stops it
        # (pinned nodes then stay where they were put on screen); resetting the camera resumes it.
        self._auto_frame = True

        self.render_window = _vtk.new_render_window()
        self.render_window.SetOffScreenRendering(1 if offscreen else 0)
        self.render_window.SetMultiSamples(0)  # multisampling costs ~2.5x on Mesa's llvmpipe
        self.render_window.SetSize(width, height)
        self.renderer = _vtk.vtkRenderer()
        self.renderer.SetBackground(*self.theme.background)
        self.render_window.AddRenderer(self.renderer)
        self.window_closed = False
        self._window_events: list[dict] = []
        self._window_button: str | None = None
        self._interactor = None
        if not offscreen:
            self.render_window.SetWindowName(title)
            self._open_window()

        self._full_frame_s = 0.0  # how long the last full-quality render took
        self._full_renders = 0
        self._moving_until_s = 0.0  # level of detail may be used until then
        self._showing_lod = False
        self._drawn_in_motion = False  # the last picture was drawn while moving: a final one is due
        self._selection_label = _vtk.vtkTextActor()
        self._style_text(self._selection_label.GetTextProperty(), 15, bold=True)
        self._selection_label.SetVisibility(False)
        self.renderer.AddViewProp(self._selection_label)
        self._hover_label = _vtk.vtkTextActor()
        self._style_text(self._hover_label.GetTextProperty(), 14, bold=True)
        self._hover_label.SetVisibility(False)
        self.renderer.AddViewProp(self._hover_label)
        self._graph_props: list = []
        self._edge_layer: EdgeLayer | None = None
        self.set_graph(edges, node_count, encoding, labels, edge_encoding)
        self.reset_camera()

    def set_graph(self, edges: np.ndarray, node_count: int, encoding: NodeEncoding | None = None,
                  labels: list[str] | None = None, edge_encoding: EdgeEncoding | None = None) -> None:
        """Draw another graph (an edited one) with the same camera: rebuilds nodes, edges, labels and legend.

        The nodes keep their view positions where their indices still exist; the caller shows the
        layout's positions for the new node count with :meth:`set_positions` before the next render.
        """
        for prop in self._graph_props:
            self.renderer.RemoveViewProp(prop)
        if self._edge_layer is not None:
            self._edge_layer.remove()
        # The previous graph's VTK arrays stay referenced until the one after: a removed actor's
        # mapper may still be released by the render window after this call.
        backing = self.__dict__.get("_vtk_backing_arrays", [])
        self._vtk_backing_arrays_previous = backing
        self._vtk_backing_arrays = []
        previous_positions = getattr(self, "_view_positions", np.zeros((0, 3), dtype=np.float32))
        self.node_count = node_count
        self._edges = np.ascontiguousarray(edges, dtype=np.int64).reshape(-1, 2)
        degree = np.bincount(self._edges.ravel(), minlength=node_count)
        if encoding is None:
            encoding = degree_encoding(self._edges, node_count)
        self.encoding = encoding
        if edge_encoding is None or len(edge_encoding.arrows) != len(self._edges):
            edge_encoding = EdgeEncoding(arrows=np.zeros(len(self._edges), dtype=bool))
        self.edge_encoding = edge_encoding
        self._labels = labels
        self._shown: np.ndarray | None = None  # nodes the filter keeps (None: all)
        self._highlighted: np.ndarray | None = None  # nodes the legend stresses (None: no highlight)
        self._absent: np.ndarray | None = None  # nodes of a dynamic graph absent at the time shown
        self._hide_filtered = False  # the filter's mode: hide what it leaves out, or fade it
        self._drawn_edges = np.arange(len(self._edges))  # the edges the full-quality actor draws
        self._edges_stressed: np.ndarray | None = None  # records an edge legend highlight stresses (None: no highlight)
        if self.selected_edge is not None and self.selected_edge >= len(self._edges):
            self.selected_edge = None
        if self.hovered_edge is not None and self.hovered_edge >= len(self._edges):
            self.hovered_edge = None
        self._adjacency = scipy.sparse.csr_matrix(
            (np.ones(2 * len(self._edges), dtype=np.int8),
             (self._edges.ravel(), self._edges[:, ::-1].ravel())),
            shape=(node_count, node_count),
        )
        self._interaction.forget_nodes(node_count)
        self._held_positions = {node: held for node, held in self._held_positions.items() if node < node_count}

        # One float32 (n, 3) array backs the vtkPoints shared by nodes and edges.
        self._view_positions = np.zeros((max(node_count, 1), 3), dtype=np.float32)
        kept = min(len(previous_positions), node_count)
        self._view_positions[:kept] = previous_positions[:kept]
        self._points = _vtk.vtkPoints()
        self._points.SetData(numpy_to_vtk_keep(self._view_positions, self))

        self._base_node_colors = np.ascontiguousarray(encoding.colors[:node_count], dtype=np.uint8)
        self._node_colors = self._base_node_colors.copy()
        self._base_edge_colors = self._edge_colors_from_endpoints()
        self._edge_colors = self._base_edge_colors.copy()
        self._node_actor = self._make_node_actor(encoding.size_factors)
        self._lod_node_actor = self._make_lod_node_actor()
        self._graph_props = [self._node_actor, self._lod_node_actor]
        for actor in self._graph_props:
            self.renderer.AddActor(actor)
        # The layer keeps its arrays in the scene's list (released a graph later, as the scene's own are) through a
        # function that holds the list, not the scene: a scene <-> layer cycle would leave a closed scene's actors to
        # the garbage collector, whose late release of their GL objects blanked a later scene's frames.
        self._edge_layer = EdgeLayer(self.renderer, self._points, self._view_positions, self._edges, edge_encoding,
                                     self.dimensions, _keeper(self.__dict__.setdefault("_vtk_backing_arrays", [])))
        self._make_edge_actors()
        self._label_actor = None
        self._label_points: np.ndarray | None = None
        self._label_nodes = np.zeros(0, dtype=np.int64)
        priority = degree if self._label_priority is None or len(self._label_priority) != node_count \
            else self._label_priority
        self._label_order = label_order(priority)
        self._sent_labels = None
        if labels is not None and node_count and self._text_in_picture:
            self._add_labels(labels, priority)
        if self._text_in_picture:
            self._add_legend(encoding)
            self._add_edge_legend()
        selected, self.selected = self.selected, None
        if selected is not None and selected < node_count:
            self.select(selected)
        else:
            self._selection_label.SetVisibility(False)
            if selected is not None:
                self._notices.append({"type": "selection", "node": None})
        if self.hovered is not None and self.hovered >= node_count:
            self._hover(None)

    # ---- desktop window ------------------------------------------------------------------------
    def _open_window(self) -> None:
        """Show the render window and translate its mouse input into interaction messages."""
        interactor = _vtk.vtkRenderWindowInteractor()
        interactor.SetRenderWindow(self.render_window)
        interactor.SetInteractorStyle(None)  # we interpret the input ourselves, as for the browser
        interactor.Initialize()
        for button in ("Left", "Middle", "Right"):
            interactor.AddObserver(f"{button}ButtonPressEvent", self._on_window_input)
            interactor.AddObserver(f"{button}ButtonReleaseEvent", self._on_window_input)
        for name in ("MouseMoveEvent", "MouseWheelForwardEvent", "MouseWheelBackwardEvent", "ExposeEvent",
                     "ConfigureEvent", "ExitEvent"):
            interactor.AddObserver(name, self._on_window_input)
        self._interactor = interactor

    def _on_window_input(self, interactor, event_name: str) -> None:
        width, height = self.render_window.GetSize()
        x, y = interactor.GetEventPosition()
        where = {"x": min(max(x / max(width, 1), 0.0), 1.0), "y": min(max(1.0 - y / max(height, 1), 0.0), 1.0)}
        modifiers = {"shift": bool(interactor.GetShiftKey()), "ctrl": bool(interactor.GetControlKey())}
        events = self._window_events
        if event_name.endswith("ButtonPressEvent"):
            self._window_button = event_name[: -len("ButtonPressEvent")].lower()
            if self._window_button == "left" and interactor.GetRepeatCount() > 0:
                events.append({"type": "double_click", **where})
            else:
                events.append({"type": "pointer", "action": "down", "button": self._window_button, **where,
                               **modifiers})
        elif event_name.endswith("ButtonReleaseEvent") and self._window_button is not None:
            events.append({"type": "pointer", "action": "up", "button": self._window_button, **where, **modifiers})
            self._window_button = None
        elif event_name == "MouseMoveEvent" and self._window_button is not None:
            events.append({"type": "pointer", "action": "move", "button": self._window_button, **where, **modifiers})
        elif event_name.startswith("MouseWheel"):
            events.append({"type": "wheel", "delta_y": -120.0 if "Forward" in event_name else 120.0, **where})
        elif event_name in ("ExposeEvent", "ConfigureEvent"):
            events.append({"type": "render"})
        elif event_name == "ExitEvent" and not self.window_closed:
            self.window_closed = True
            self._notices.append({"type": "window_closed"})

    def _process_window_events(self) -> bool:
        """Handle what the desktop window received since the last call; True if the picture changes."""
        if self._interactor is None:
            return False
        self._interactor.ProcessEvents()
        self._interaction.frame_size = tuple(self.render_window.GetSize())  # the window may have been resized
        events, self._window_events = self._window_events, []
        changed = False
        for event in events:
            changed = self.apply_event({**event, "viewer_id": "desktop"}) or event["type"] == "render" or changed
        return changed

    # ---- construction --------------------------------------------------------------------------
    def _edge_colors_from_endpoints(self) -> np.ndarray:
        """Each record's colour: the edge encoding's, or the theme's grey tinted by the two ends' colours."""
        encoding = self.edge_encoding
        if encoding.colors is not None and len(encoding.colors) == len(self._edges):
            colors = np.ascontiguousarray(encoding.colors, dtype=np.uint8).copy()
        else:
            colors = self._tinted_edge_colors()
        if encoding.color_override_records is not None:
            colors[encoding.color_override_records] = encoding.color_override_rgb
        return colors

    def _tinted_edge_colors(self) -> np.ndarray:
        grey = np.array(self.theme.edge) * 255.0
        if not len(self._edges):
            return np.zeros((0, 3), dtype=np.uint8)
        endpoints = (self._base_node_colors[self._edges[:, 0]].astype(np.float32)
                     + self._base_node_colors[self._edges[:, 1]]) / 2.0
        return np.round(grey * (1 - EDGE_ENDPOINT_TINT) + endpoints * EDGE_ENDPOINT_TINT).astype(np.uint8)

    def _make_edge_actors(self) -> None:
        """The actors of the edges drawn (:attr:`_drawn_edges`: all, or those the filter keeps): every
        one at full quality, a fixed random sample of :data:`LOD_EDGES` in motion (see
        :class:`~helios_app.render.edges.EdgeLayer`). Their colours are :attr:`_edge_colors` rows, set by
        :meth:`_restyle`."""
        drawn = self._drawn_edges
        sample = np.sort(np.random.default_rng(0).permutation(len(drawn))[:LOD_EDGES]) if len(drawn) > LOD_EDGES \
            else np.arange(len(drawn))
        self._lod_sample = drawn[sample]
        self._edge_layer.rebuild(drawn, self._lod_sample, self._edge_colors)
        self._use_level_of_detail(self._showing_lod)

    def _make_node_actor(self, size_factors: np.ndarray) -> _vtk.vtkActor:
        polydata = _vtk.vtkPolyData()
        polydata.SetPoints(self._points)
        self._node_color_array = numpy_to_vtk_keep(self._node_colors, self)
        self._node_color_array.SetName("colors")
        self._base_radii = (base_radius(self.node_count, self.dimensions) * size_factors[: self.node_count]).astype(
            np.float32
        )
        self._radii = self._base_radii.copy()  # zero for nodes the filter hides
        radii = self._radii_array = numpy_to_vtk_keep(self._radii, self)
        radii.SetName("radius")
        polydata.GetPointData().SetScalars(self._node_color_array)
        polydata.GetPointData().AddArray(radii)
        mapper = _vtk.vtkPointGaussianMapper()
        mapper.SetInputData(polydata)
        mapper.SetScaleArray("radius")
        mapper.SetScaleFactor(1.0)
        mapper.EmissiveOff()
        mapper.SetColorModeToDirectScalars()
        mapper.SetSplatShaderCode(NODE_SPLAT_SHADER.format(shape=MARKER_SHAPES[self._marker]))
        actor = _vtk.vtkActor()
        actor.SetMapper(mapper)
        actor.SetVisibility(self.node_count > 0)
        if self.dimensions == 2:
            actor.SetPosition(0.0, 0.0, 0.01)  # nodes in front of edges drawn in the same plane
        return actor

    def _make_lod_node_actor(self, drawn: np.ndarray | None = None) -> _vtk.vtkActor:
        """Nodes (``drawn``, default all) as GL points of one pixel size: about a quarter of the cost of
        splats on llvmpipe."""
        drawn = np.arange(self.node_count, dtype=np.int64) if drawn is None else drawn.astype(np.int64)
        polydata = _vtk.vtkPolyData()
        polydata.SetPoints(self._points)
        vertices = _vtk.vtkCellArray()
        vertices.SetData(
            numpy_to_vtk_keep(np.arange(len(drawn) + 1, dtype=np.int64), self, id_type=True),
            numpy_to_vtk_keep(drawn, self, id_type=True),
        )
        polydata.SetVerts(vertices)
        polydata.GetPointData().SetScalars(self._node_color_array)
        mapper = _vtk.vtkPolyDataMapper()
        mapper.SetInputData(polydata)
        mapper.SetColorModeToDirectScalars()
        actor = _vtk.vtkActor()
        actor.SetMapper(mapper)
        actor.GetProperty().RenderPointsAsSpheresOff()  # flat squares: a third cheaper than shaded spheres
        actor.SetPosition(*self._node_actor.GetPosition())
        return actor

    def _use_level_of_detail(self, on: bool) -> None:
        """Swap the full-quality actors for the cheap ones (or back)."""
        self._showing_lod = on
        self._node_actor.SetVisibility(not on and self.node_count > 0)
        self._lod_node_actor.SetVisibility(on and self.node_count > 0)
        self._edge_layer.show(on)
        if on:
            pixels_per_unit = self.render_window.GetSize()[1] / (2.0 * self._visible_half_height())
            diameter_px = 2.0 * float(np.median(self._base_radii)) * pixels_per_unit if self.node_count else 2.0
            self._lod_node_actor.GetProperty().SetPointSize(min(max(diameter_px, 2.0), 12.0))

    @property
    def showing_level_of_detail(self) -> bool:
        """True if the last picture was the cheap one drawn while the camera moves."""
        return self._showing_lod

    @property
    def picture_is_final(self) -> bool:
        """False while the last picture was drawn in motion (no labels, maybe level of detail)."""
        return not self._drawn_in_motion

    def hold_framing(self) -> None:
        """Stop following the layout's extent (a node was pinned from Python: it stays put on screen)
        until the camera is reset."""
        self._auto_frame = False

    def _camera_moved(self) -> None:
        self._moving_until_s = time.monotonic() + LOD_SETTLE_S
        self._auto_frame = False

    def _style_text(self, text_property, size: int, bold: bool = False) -> None:
        text_property.SetFontSize(round(size * self._text_scale))
        text_property.SetColor(*self.theme.text)
        text_property.SetBold(bold)
        text_property.SetShadow(self.theme is THEMES["dark"])

    def _add_labels(self, labels: list[str], degree: np.ndarray) -> None:
        """Label the highest-degree nodes; the placement mapper shows as many as fit without overlap."""
        count = min(self.node_count, LABELLED_NODES)
        self._label_nodes = np.argsort(-degree, kind="stable")[:count]
        self._label_points = np.zeros((count, 3), dtype=np.float32)
        points = _vtk.vtkPoints()
        points.SetData(numpy_to_vtk_keep(self._label_points, self))
        polydata = _vtk.vtkPolyData()
        polydata.SetPoints(points)
        text = _vtk.vtkStringArray()
        text.SetName("label")
        priority = _vtk.vtkIntArray()
        priority.SetName("priority")
        for node in self._label_nodes:
            text.InsertNextValue(str(labels[node]))
            priority.InsertNextValue(int(degree[node]))
        polydata.GetPointData().AddArray(text)
        polydata.GetPointData().AddArray(priority)
        self._label_polydata = polydata
        hierarchy = _vtk.vtkPointSetToLabelHierarchy()
        hierarchy.SetInputData(polydata)
        hierarchy.SetLabelArrayName("label")
        hierarchy.SetPriorityArrayName("priority")
        self._style_text(hierarchy.GetTextProperty(), 12)
        mapper = _vtk.vtkLabelPlacementMapper()
        mapper.SetInputConnection(hierarchy.GetOutputPort())
        mapper.SetMaximumLabelFraction(0.2)
        actor = _vtk.vtkActor2D()
        actor.SetMapper(mapper)
        self.renderer.AddViewProp(actor)
        self._graph_props.append(actor)
        self._label_actor = actor

    def _add_edge_legend(self) -> None:
        """The edge encoding's categories or colour bins, bottom right, a line for each (pictures only)."""
        entries = self.edge_encoding.category_entries
        if not entries:
            return
        legend = _vtk.vtkLegendBoxActor()
        legend.SetNumberOfEntries(len(entries) + 1)
        bar = _vtk.vtkPolyData()  # a thin flat bar: the symbol of an edge
        corners = _vtk.vtkPoints()
        corners.SetData(numpy_to_vtk_keep(np.array([[-0.5, -0.1, 0], [0.5, -0.1, 0], [0.5, 0.1, 0], [-0.5, 0.1, 0]],
                                                   dtype=np.float32), self))
        bar.SetPoints(corners)
        polygon = _vtk.vtkCellArray()
        polygon.SetData(numpy_to_vtk_keep(np.array([0, 4], dtype=np.int64), self, id_type=True),
                        numpy_to_vtk_keep(np.arange(4, dtype=np.int64), self, id_type=True))
        bar.SetPolys(polygon)
        legend.SetEntry(0, bar, f"edges: {self.edge_encoding.color_by}"[:40], self.theme.background)
        for index, (name, rgb) in enumerate(entries, start=1):
            legend.SetEntry(index, bar, str(name)[:40], _rgb_floats(rgb))
        legend.BorderOff()
        self._style_text(legend.GetEntryTextProperty(), 12)
        height = 0.032 * (len(entries) + 1)
        legend.GetPositionCoordinate().SetCoordinateSystemToNormalizedViewport()
        legend.GetPositionCoordinate().SetValue(0.80, 0.02)
        legend.GetPosition2Coordinate().SetCoordinateSystemToNormalizedViewport()
        legend.GetPosition2Coordinate().SetValue(0.19, height)
        legend.SetPadding(2)
        self.renderer.AddViewProp(legend)
        self._graph_props.append(legend)

    def _add_legend(self, encoding: NodeEncoding) -> None:
        if encoding.legend:
            legend = _vtk.vtkLegendBoxActor()
            legend.SetNumberOfEntries(len(encoding.legend))
            disc = _vtk.vtkRegularPolygonSource()
            disc.SetNumberOfSides(24)
            disc.Update()
            symbol = disc.GetOutput()
            for index, (name, rgb) in enumerate(encoding.legend):
                legend.SetEntry(index, symbol, str(name)[:40], _rgb_floats(rgb))
            legend.BorderOff()
            self._style_text(legend.GetEntryTextProperty(), 12)
            legend.GetPositionCoordinate().SetCoordinateSystemToNormalizedViewport()
            legend.GetPositionCoordinate().SetValue(0.84, 0.98 - 0.032 * len(encoding.legend))
            legend.GetPosition2Coordinate().SetCoordinateSystemToNormalizedViewport()
            legend.GetPosition2Coordinate().SetValue(0.15, 0.032 * len(encoding.legend))
            self.renderer.AddViewProp(legend)
            self._graph_props.append(legend)
        if encoding.colorbar is not None:
            title, low, high = encoding.colorbar
            table = _vtk.vtkLookupTable()
            table.SetNumberOfTableValues(len(COLORMAP_STOPS))
            for index, rgb in enumerate(COLORMAP_STOPS):
                table.SetTableValue(index, *(rgb / 255.0), 1.0)
            logarithmic = title == "degree"
            table.SetRange(max(low, 1.0) if logarithmic else low, max(high, low + 1e-9, 2.0 if logarithmic else 0))
            if logarithmic:
                table.SetScaleToLog10()
            table.Build()
            bar = _vtk.vtkScalarBarActor()
            bar.SetLookupTable(table)
            bar.SetTitle(title)
            bar.SetNumberOfLabels(4)
            bar.SetMaximumWidthInPixels(70)
            bar.SetPosition(0.92, 0.55)
            bar.SetWidth(0.07)
            bar.SetHeight(0.4)
            self._style_text(bar.GetTitleTextProperty(), 12, bold=True)
            self._style_text(bar.GetLabelTextProperty(), 11)
            self.renderer.AddViewProp(bar)
            self._graph_props.append(bar)

    # ---- positions -----------------------------------------------------------------------------
    def set_positions(self, positions: np.ndarray, moving: bool = True) -> None:
        """Show new layout positions (n, 2) or (n, 3), centred and scaled into the unit view space.

        ``moving``: the layout is still running, so the picture may be drawn as in motion (level
        of detail, no labels) until it holds still; False for a one-off picture.
        """
        if self.node_count == 0:
            return
        if positions.shape[0] != self.node_count:
            raise ValueError(f"positions have {positions.shape[0]} rows; the scene has {self.node_count} nodes")
        columns = min(positions.shape[1], 3)
        if self._auto_frame or len(self._centre) != columns:
            low, high = positions.min(axis=0), positions.max(axis=0)
            self._centre = ((low + high) / 2.0)[:columns]
            self._half_extent = float(np.max(high - low)) / 2.0 or 1.0
        view = self._view_positions
        view[:, :columns] = (positions[:, :columns] - self._centre) / self._half_extent
        view[:, columns:] = 0.0
        self._edge_layer.positions_changed()
        for node, held in list(self._held_positions.items()):
            if np.allclose(view[node], held, atol=HELD_TOLERANCE):
                del self._held_positions[node]
            else:
                view[node] = held
        self._points.Modified()
        if moving:  # a moving layout is drawn like a moving camera
            self._moving_until_s = max(self._moving_until_s, time.monotonic() + LAYOUT_LOD_SETTLE_S)
        self._place_picture_labels()

    def _place_picture_labels(self) -> None:
        """Put the picture's labels at their nodes; those of hidden nodes far out of sight."""
        if self._label_points is None:
            return
        self._label_points[:] = self._view_positions[self._label_nodes]
        hidden = self._hidden_nodes()
        if hidden is not None:
            self._label_points[hidden[self._label_nodes]] = HIDDEN_LABEL_PLACE
        self._label_polydata.GetPoints().Modified()
        self._label_polydata.Modified()

    def _layout_position(self, view_position: np.ndarray) -> list[float]:
        """Inverse of the normalisation in :meth:`set_positions`: view space to layout units."""
        columns = len(self._centre)
        return (view_position[:columns] * self._half_extent + self._centre).tolist()

    # ---- camera --------------------------------------------------------------------------------
    def _show_camera(self, framing: bool = False) -> None:
        """Copy the interaction's camera into the ``vtkCamera`` (the one place that sets it) and fit the
        clipping range: around the unit view space when ``framing``, else around what is drawn."""
        camera = self._interaction.camera
        vtk_camera = self.renderer.GetActiveCamera()
        vtk_camera.SetPosition(*camera.position)
        vtk_camera.SetFocalPoint(*camera.focal_point)
        vtk_camera.SetViewUp(*camera.view_up)
        vtk_camera.SetViewAngle(camera.view_angle)
        vtk_camera.SetParallelProjection(camera.parallel_projection)
        vtk_camera.SetParallelScale(camera.parallel_scale)
        if framing:
            self.renderer.ResetCameraClippingRange(-2, 2, -2, 2, -2, 2)
        else:
            self.renderer.ResetCameraClippingRange()

    def reset_camera(self) -> None:
        """Frame the unit view space (from the front in 2D, at an angle in 3D) and resume auto-framing."""
        self._interaction.reset_camera()
        self._auto_frame = True
        self._show_camera(framing=True)

    def camera_state(self) -> dict:
        """The camera as plain numbers (for session files)."""
        return self._interaction.camera.state()

    def set_camera_state(self, state: dict) -> None:
        self._interaction.set_camera_state(state)
        self._show_camera()

    def _visible_half_height(self) -> float:
        return self._interaction.camera.visible_half_height()

    def _world_position(self, node: int) -> np.ndarray:
        """Where ``node`` is drawn in world coordinates (2D nodes sit a little in front of the edges)."""
        return self._view_positions[node] + np.array(self._node_actor.GetPosition())

    # ---- interaction ---------------------------------------------------------------------------
    def apply_event(self, event: dict) -> bool:
        """Apply one validated interaction message; return True if the picture changes."""
        self._acting = event.get("viewer_name") or event.get("viewer_id") or "a viewer"  # who pins and unpins
        self._acting_id = event.get("viewer_id", "")  # whose pointer an edge hover answers
        self._pointer = (event["x"], event["y"]) if "x" in event and "y" in event else None  # for edge picking
        changed = False
        for intent in self._interaction.handle(event, self.pick):
            changed = self._apply_intent(intent) or changed
        return changed

    def _apply_intent(self, intent: Intent) -> bool:
        """Do what one intent of :mod:`helios_app.render.interaction` asks; True if the picture changes."""
        if isinstance(intent, CAMERA_INTENTS):
            self._camera_moved()
            self._show_camera()
            return True
        match intent:
            case Hover(node):
                changed = self._hover(node)
                return self._hover_edge(None if node is not None else self._edge_under_pointer()) or changed
            case Click(viewer_id, node):
                self._notices.append({"type": "click", "node": node, "viewer_id": viewer_id})
                edge = self._edge_under_pointer() if node is None else None
                if edge is not None:
                    self._notices.append({"type": "edge_click", "edge": edge, "viewer_id": viewer_id})
                self.select_edge(edge)
            case Select(node):
                self.select(node)
            case Pin(node, x, y):
                self._auto_frame = False
                self._move_node(node, x, y)
            case Unpin(node):
                self._held_positions.pop(node, None)
                self._notices.append({"type": "unpin", "node": node, "who": self._acting})
            case ResetCamera():
                self._auto_frame = True
                self._show_camera(framing=True)
            case Focus(node):
                if node >= self.node_count:
                    return False
                self.focus(node)
            case Resize(width, height):
                self._asked_size = (width, height)
                self._motion_costs.clear()
                self.render_window.SetSize(width, height)
        return True

    def _edge_under_pointer(self) -> int | None:
        if self._pointer is None or not len(self._drawn_edges):
            return None
        width, height = self.render_window.GetSize()
        return self._edge_layer.pick((self._pointer[0] * width, self._pointer[1] * height), self.node_pixels(),
                                     self._drawn_edges)

    def _hover_edge(self, edge: int | None) -> bool:
        """Stress the edge under the pointer (None: none) and tell the pages; True if it changed."""
        if edge == self.hovered_edge:
            return False
        self.hovered_edge = edge
        self._notices.append({"type": "edge_hover", "edge": edge, "viewer_id": self._acting_id})
        self._restyle()
        return True

    def select_edge(self, edge: int | None) -> None:
        """Stress ``edge`` for every viewer (None: no edge selected); a selected node clears it."""
        if edge == self.selected_edge:
            return
        self.selected_edge = edge
        self._notices.append({"type": "edge_selection", "edge": edge})
        self._restyle()

    def _hover(self, node: int | None) -> bool:
        """Label the node under the pointer (the picked node keeps its own label)."""
        if node == self.hovered:
            return False
        self.hovered = node
        self._notices.append({"type": "hover", "node": node})
        visible = node is not None and node != self.selected and self._labels is not None and self._text_in_picture
        if visible:
            self._hover_label.SetInput(str(self._labels[node]))
        self._hover_label.SetVisibility(visible)
        return True

    def pick(self, x: float, y: float) -> int | None:
        """The node drawn under the point (x, y in [0, 1] from the top-left), nearest the viewer first."""
        if self.node_count == 0:
            return None
        width, height = self.render_window.GetSize()
        pixels = self.node_pixels()
        distance = np.hypot(pixels[:, 0] - x * width, pixels[:, 1] - y * height)
        pixels_per_unit = height / (2.0 * self._visible_half_height())
        reach = np.maximum(self._radii * pixels_per_unit, PICK_RADIUS_PX)
        hidden = self._hidden_nodes()
        if hidden is not None:
            reach[hidden] = -1.0
        hits = np.flatnonzero(distance <= reach)
        if not len(hits):
            return None
        return int(hits[np.argmin(distance[hits])])

    def _move_node(self, node: int, x: float, y: float) -> None:
        """Put ``node`` under the pointer (in the plane through it facing the camera) and pin it there."""
        width, height = self.render_window.GetSize()
        world = self._interaction.camera.unproject(x, y, self._world_position(node), width / height)
        view_position = world - np.array(self._node_actor.GetPosition())
        if self.dimensions == 2:
            view_position[2] = 0.0
        self._view_positions[node] = view_position
        self._held_positions[node] = view_position.copy()
        self._points.Modified()
        self._notices.append({"type": "pin", "node": node, "position": self._layout_position(view_position),
                              "who": self._acting})

    def release_nodes(self, nodes: list[int]) -> None:
        """Stop holding these nodes where a drag left them: the layout's positions show again (an undo)."""
        for node in nodes:
            self._held_positions.pop(node, None)

    def select(self, node: int | None) -> None:
        """Highlight ``node`` and its neighbours and dim the rest; None clears the selection."""
        if node == self.selected:
            return
        self.selected = node
        self._notices.append({"type": "selection", "node": node})
        if node is not None and self._labels is not None and self._text_in_picture:
            self._selection_label.SetInput(str(self._labels[node]))
        self._selection_label.SetVisibility(node is not None and self._labels is not None and self._text_in_picture)
        self._restyle()

    def set_emphasis(self, shown: np.ndarray | None = None, highlighted: np.ndarray | None = None,
                     hide: bool = False, present: np.ndarray | None = None,
                     present_edges: np.ndarray | None = None, edges_shown: np.ndarray | None = None,
                     edges_stressed: np.ndarray | None = None) -> None:
        """Show what a filter keeps and a legend highlights (bool arrays per node; None: everything).

        Nodes outside ``highlighted`` dim like those outside a selection's neighbourhood; nodes outside
        ``shown`` fade further, or with ``hide`` vanish with their edges (and cannot be picked). Nodes
        outside ``present`` and edges outside ``present_edges`` (a dynamic graph at a time) vanish. Edge
        records outside ``edges_shown`` (an edge filter) vanish without their nodes; with ``edges_stressed``
        (an edge legend highlight) the other edges dim.
        """
        for name, mask, count in (("shown", shown, self.node_count), ("highlighted", highlighted, self.node_count),
                                  ("present", present, self.node_count),
                                  ("present_edges", present_edges, len(self._edges)),
                                  ("edges_shown", edges_shown, len(self._edges)),
                                  ("edges_stressed", edges_stressed, len(self._edges))):
            if mask is not None and len(mask) != count:
                raise ValueError(f"{name} has {len(mask)} entries; the scene has {count}")
        was_hidden = self._hidden_nodes()
        if present is not None:
            shown = present if shown is None else shown & present
        self._shown = None if shown is None or shown.all() else np.asarray(shown, dtype=bool)
        self._highlighted = None if highlighted is None else np.asarray(highlighted, dtype=bool)
        self._absent = None if present is None or present.all() else ~np.asarray(present, dtype=bool)
        self._hide_filtered = hide and self._shown is not None
        hidden = self._hidden_nodes()
        self._radii[:] = np.where(hidden, 0.0, self._base_radii) if hidden is not None else self._base_radii
        self._radii_array.Modified()
        drawn = np.ones(len(self._edges), dtype=bool) if present_edges is None else present_edges.astype(bool)
        if edges_shown is not None:
            drawn &= np.asarray(edges_shown, dtype=bool)
        self._edges_stressed = None if edges_stressed is None else np.asarray(edges_stressed, dtype=bool)
        if hidden is not None:
            drawn &= ~(hidden[self._edges[:, 0]] | hidden[self._edges[:, 1]])
        drawn_edges = np.flatnonzero(drawn)
        if not np.array_equal(drawn_edges, self._drawn_edges):
            self._drawn_edges = drawn_edges
            self._make_edge_actors()
        self.renderer.RemoveActor(self._lod_node_actor)
        self._graph_props.remove(self._lod_node_actor)
        self._lod_node_actor = self._make_lod_node_actor(None if hidden is None else np.flatnonzero(~hidden))
        self.renderer.AddActor(self._lod_node_actor)
        self._graph_props.append(self._lod_node_actor)
        self._use_level_of_detail(self._showing_lod)
        if self.selected is not None and hidden is not None and hidden[self.selected] and (
                was_hidden is None or not was_hidden[self.selected]):  # hidden now: a node found by search stays
            self.select(None)
        if self.hovered is not None and hidden is not None and hidden[self.hovered]:
            self._hover(None)
        self._place_picture_labels()
        self._restyle()

    def _hidden_nodes(self) -> np.ndarray | None:
        """Nodes the filter hides (its "hide" mode, or absent at the time shown), or None."""
        return ~self._shown if self._hide_filtered else self._absent

    def _restyle(self) -> None:
        """Colour nodes and edges from the base colours: the selection's neighbourhood and the legend's
        highlight stay bright, the rest dims; what the filter leaves out fades further."""
        background = np.array(self.theme.background) * 255.0

        def mixed(colors: np.ndarray, mix: float) -> np.ndarray:
            return np.round(colors * (1 - mix) + background * mix).astype(np.uint8)

        bright = np.ones(self.node_count, dtype=bool) if self._highlighted is None else self._highlighted.copy()
        if self.selected is not None:
            node = self.selected
            neighbours = self._adjacency.indices[self._adjacency.indptr[node] : self._adjacency.indptr[node + 1]]
            near = np.zeros(self.node_count, dtype=bool)
            near[neighbours] = near[node] = True
            bright &= near
        faded = ~self._shown if self._shown is not None else np.zeros(self.node_count, dtype=bool)
        self._node_colors[:] = self._base_node_colors
        self._node_colors[~bright] = mixed(self._base_node_colors[~bright], DIMMED_MIX)
        self._node_colors[faded] = mixed(self._base_node_colors[faded], FILTERED_MIX)
        first, second = self._edges[:, 0], self._edges[:, 1]
        self._edge_colors[:] = self._base_edge_colors
        dull = ~(bright[first] & bright[second])
        if self._edges_stressed is not None:
            dull |= ~self._edges_stressed
        self._edge_colors[dull] = mixed(self._base_edge_colors[dull], DIMMED_MIX)
        gone = faded[first] | faded[second]
        self._edge_colors[gone] = mixed(self._base_edge_colors[gone], FILTERED_MIX)
        stressed = np.round(np.array(self.theme.text) * 255 * 0.8).astype(np.uint8)
        if self.selected is not None and self.edge_encoding.colors is None:  # encoded colours stay, undimmed
            incident = ((first == self.selected) | (second == self.selected)) & ~gone
            self._edge_colors[incident] = stressed
        for edge in (self.selected_edge, self.hovered_edge):
            if edge is not None and edge < len(self._edge_colors):
                self._edge_colors[edge] = stressed
        self._node_color_array.Modified()
        self._edge_layer.set_colors(self._edge_colors)

    def focus(self, node: int) -> None:
        """Select ``node`` and fly the camera to it."""
        self.select(node)
        self._auto_frame = False
        self._interaction.fly_to(self._world_position(node), time.monotonic())

    def needs_render(self) -> bool:
        """Advance a running camera flight; True while one is under way, or when the full-quality
        picture is due after a cheap one drawn in motion."""
        window_changed = self._process_window_events()
        if not self._interaction.advance(time.monotonic()):
            return window_changed or (self._drawn_in_motion and time.monotonic() >= self._moving_until_s)
        self._camera_moved()
        self._show_camera()
        return True

    def _update_edge_geometry(self) -> None:
        """Curves, loops and arrowheads follow the positions, the zoom and (in 3D) the viewing direction."""
        if self._edge_layer is None:
            return
        pixels_per_unit = self.render_window.GetSize()[1] / (2.0 * self._visible_half_height())
        camera = self.renderer.GetActiveCamera()
        view_direction = np.array(camera.GetDirectionOfProjection()) if self.dimensions == 3 else None
        self._edge_layer.update(self._radii.astype(np.float64), pixels_per_unit, view_direction)

    def take_notices(self) -> list[dict]:
        """What happened since the last call: selections, pins and releases, oldest first."""
        notices, self._notices = self._notices, []
        return notices

    # ---- output --------------------------------------------------------------------------------
    def node_pixels(self) -> np.ndarray:
        """Where each node's centre lands in the picture: (n, 2) float pixel coordinates, x right, y down."""
        width, height = self.render_window.GetSize()
        world = self._view_positions[: self.node_count].astype(np.float64) + self._node_actor.GetPosition()
        return self._interaction.camera.project(world, width / height) * (width, height)

    def node_places(self) -> tuple[np.ndarray, np.ndarray]:
        """Where each node lands on the picture, (n, 2) in [0, 1] from the top-left, and whether it is drawn
        (not hidden by a filter, not absent at the time shown): what an area selection tests."""
        width, height = self.render_window.GetSize()
        hidden = self._hidden_nodes()
        return self.node_pixels() / (width, height), np.ones(self.node_count, dtype=bool) if hidden is None else ~hidden

    def render(self) -> np.ndarray:
        """Render and return the picture as (height, width, 3) uint8 RGB, top row first."""
        for node, text_actor in ((self.selected, self._selection_label), (self.hovered, self._hover_label)):
            if node is not None and text_actor.GetVisibility():
                pixel_x, pixel_y = self.node_pixels()[node]
                height = self.render_window.GetSize()[1]
                text_actor.SetDisplayPosition(int(pixel_x) + 10, int(height - pixel_y) + 8)
        moving = time.monotonic() < self._moving_until_s
        scaled = self._scale_in_motion and moving
        if scaled:
            self._motion_step = max(self._motion_step, self._smallest_motion_step())
        self._fit_picture_size(MOTION_SCALES[self._motion_step] if scaled else 1.0)
        in_motion = moving and self._full_frame_s > LOD_FRAME_BUDGET_S
        if in_motion != self._showing_lod:
            self._use_level_of_detail(in_motion)
            self._frame_set_up = True
        if self._label_actor is not None:  # labels wait until the picture holds still (sigma.js does too)
            self._label_actor.SetVisibility(not moving)
        self._drawn_in_motion = moving
        self._update_edge_geometry()
        started_s = time.perf_counter()
        self.render_window.Render()
        if not in_motion:
            # The first full render compiles shaders: it says nothing about the cost of the next ones.
            self._full_frame_s = (time.perf_counter() - started_s) if self._full_renders else 0.0
            self._full_renders += 1
        if not self._text_in_picture and self._labels is not None:
            self._queue_page_labels(moving)
        width, height = self.render_window.GetSize()
        pixels = _vtk.vtkUnsignedCharArray()
        self.render_window.GetPixelData(0, 0, width - 1, height - 1, 0, pixels, 0)
        array = _vtk.vtk_to_numpy(pixels).reshape(height, width, 3)
        if scaled:
            self._step_motion_scale(time.perf_counter() - started_s)
        return np.ascontiguousarray(array[::-1])

    def _fit_picture_size(self, scale: float) -> None:
        width, height = self._asked_size
        if scale < 1.0:
            width, height = max(64, int(width * scale) // 2 * 2), max(64, int(height * scale) // 2 * 2)
        if (width, height) != tuple(self.render_window.GetSize()):
            self.render_window.SetSize(width, height)
            self._frame_set_up = True
            if self._showing_lod:
                self._use_level_of_detail(True)  # its point size is in pixels

    def _step_motion_scale(self, frame_s: float) -> None:
        """The render budget bounds the size of a picture in motion (see MOTION_SCALES)."""
        set_up, self._frame_set_up = self._frame_set_up, False
        if set_up:
            return
        step, costs = self._motion_step, self._motion_costs
        costs[step] = frame_s
        self._frames_over_budget = self._frames_over_budget + 1 if frame_s > LOD_FRAME_BUDGET_S else 0
        smaller_pays = step + 1 not in costs or costs[step + 1] < 0.9 * frame_s
        larger_costs = costs.get(step - 1, frame_s * (MOTION_SCALES[step - 1] / MOTION_SCALES[step]) ** 2)
        if self._frames_over_budget >= 2 and step + 1 < len(MOTION_SCALES) and smaller_pays:
            self._motion_step, self._frames_over_budget = step + 1, 0
        elif step > self._smallest_motion_step() and (larger_costs < 0.6 * LOD_FRAME_BUDGET_S
                                                      or frame_s > 0.9 * larger_costs):
            self._motion_step = step - 1  # the larger picture fits, or the smaller one saves nothing (geometry-bound)

    def _smallest_motion_step(self) -> int:
        """The first MOTION_SCALES step whose picture holds at most MOTION_MAX_PIXELS."""
        width, height = self._asked_size
        fitting = [step for step, scale in enumerate(MOTION_SCALES) if width * height * scale**2 <= MOTION_MAX_PIXELS]
        return fitting[0] if fitting else len(MOTION_SCALES) - 1

    @property
    def motion_scale(self) -> float:
        """The fraction of the asked size a picture in motion is drawn at now (1.0 unless over budget or
        over MOTION_MAX_PIXELS)."""
        return MOTION_SCALES[self._motion_step] if self._scale_in_motion else 1.0

    def _queue_page_labels(self, moving: bool) -> None:
        """Tell the pages which labels they may draw over this picture, if that changed: none while it
        moves; at rest the candidates in priority order (see ``helios_app.render.labels``), each
        ``{node, text, x, y, r}`` with the node's centre (x, y) and radius r as fractions of the
        picture's width and height, and apart from them the hovered and the selected node's."""
        labels: list[dict] = []
        pointed: dict = {"hover": None, "selection": None}
        if not moving and self.node_count:
            width, height = self.render_window.GetSize()
            pixels = self.node_pixels()
            radius_fraction = self._radii / (2.0 * self._visible_half_height())

            def entry(node: int) -> dict:
                return {"node": int(node), "text": self._labels[node], "x": round(float(pixels[node, 0]) / width, 5),
                        "y": round(float(pixels[node, 1]) / height, 5), "r": round(float(radius_fraction[node]), 5)}

            eligible = np.ones(self.node_count, dtype=bool) if self._highlighted is None else self._highlighted.copy()
            if self._shown is not None:
                eligible &= self._shown
            pointed_nodes = {self.hovered, self.selected} - {None}
            for node in label_candidates(pixels, self._label_order, width, height, eligible).tolist():
                if node not in pointed_nodes:
                    labels.append(entry(node))
            for name, node in (("hover", self.hovered), ("selection", self.selected)):
                if node is not None and (name == "selection" or node != self.selected):
                    x, y = pixels[node]
                    if 0 <= x < width and 0 <= y < height:
                        pointed[name] = entry(node)
        if labels != self._sent_labels:
            self._sent_labels = labels
            self._notices.append({"type": "labels", "labels": labels})
        edge_labels: list[dict] = []
        if not moving and self.edge_label_texts is not None and len(self._drawn_edges):
            width, height = self.render_window.GetSize()
            first = np.flatnonzero((self._edges[:, 0] == self.selected) | (self._edges[:, 1] == self.selected)) \
                if self.selected is not None else np.zeros(0, dtype=np.int64)
            if self.selected_edge is not None:
                first = np.r_[self.selected_edge, first]
            drawn = self._drawn_edges if self._edges_stressed is None else \
                self._drawn_edges[self._edges_stressed[self._drawn_edges]]  # a highlight: its edges' labels only
            edge_labels = self._edge_layer.label_candidates(self.edge_label_texts, self.node_pixels(), drawn, first,
                                                            width, height)
        if edge_labels != self._sent_edge_labels:
            self._sent_edge_labels = edge_labels
            self._notices.append({"type": "edge_labels", "labels": edge_labels})
        if pointed != self._sent_pointed:
            self._sent_pointed = pointed
            self._notices.append({"type": "pointed_labels", **pointed})

    def close(self) -> None:
        """Release the OpenGL context, the window if any, and every VTK object of this scene."""
        self.renderer.RemoveAllViewProps()
        if self._interactor is not None:
            self._interactor.RemoveAllObservers()
            self._interactor.TerminateApp()
            self._interactor = None
        self.render_window.Finalize()
        self._interaction.cancel_drags()
        self._edge_layer = None


def _keeper(keep: list):
    """``keep_alive(array, id_type=False)`` for an :class:`EdgeLayer`: wraps arrays for VTK, kept in ``keep``."""

    def keep_alive(array: np.ndarray, id_type: bool = False):
        keep.append(array)
        return _vtk.numpy_to_vtkIdTypeArray(array, deep=False) if id_type else _vtk.numpy_to_vtk(array, deep=False)

    return keep_alive


def numpy_to_vtk_keep(array: np.ndarray, owner: object, id_type: bool = False):
    """Wrap ``array`` as a VTK array without copying, keeping it alive as long as ``owner``."""
    keep = owner.__dict__.setdefault("_vtk_backing_arrays", [])
    keep.append(array)
    if id_type:
        return _vtk.numpy_to_vtkIdTypeArray(array, deep=False)
    return _vtk.numpy_to_vtk(array, deep=False)
