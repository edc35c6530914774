"""The VTK scene of one graph view: nodes as point splats, edges as one polydata of lines.

A :class:`GraphScene` owns every VTK object it creates and must be created, used and closed on
one thread (the render loop's). It normalises incoming layout positions into a unit-sized view
space, so the picture stays framed while the layout expands or shrinks, and it applies
interaction messages (the dicts of ``web.protocol``) to its camera.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass

import numpy as np

from helios_app import _vtk

logger = logging.getLogger(__name__)

# Node colour ramp by degree, from low to high (a dark-background-friendly blue → orange).
DEGREE_COLOR_RAMP = np.array(
    [[0.27, 0.51, 0.71], [0.40, 0.76, 0.65], [0.99, 0.75, 0.44], [0.96, 0.43, 0.26]], dtype=np.float64
)
BACKGROUND_RGB = (0.07, 0.07, 0.09)
EDGE_RGB = (0.36, 0.38, 0.45)  # opaque grey close to the background: reads as faint, costs no blending
VIEW_MARGIN = 1.1  # how much room the camera leaves around the unit-radius view space
ZOOM_PER_WHEEL_UNIT = 1.0015  # zoom factor per wheel delta unit: one 100-unit notch ≈ 16 %

# A flat disc with a soft spherical shading and a dark rim, drawn in each splat's square.
NODE_SPLAT_SHADER = """
//VTK::Color::Impl
float radius_squared = dot(offsetVCVSOutput.xy, offsetVCVSOutput.xy);
if (radius_squared > 1.0) { discard; }
float shade = 0.55 + 0.45 * sqrt(1.0 - radius_squared);
float rim = smoothstep(0.72, 0.95, radius_squared);
ambientColor = mix(diffuseColor * shade, vec3(0.02), rim * 0.7);
diffuseColor = vec3(0.0);
"""


@dataclass
class _Drag:
    button: str
    shift: bool
    x: float
    y: float


def degree_colors(edges: np.ndarray, node_count: int) -> np.ndarray:
    """RGB uint8 colours (n, 3) ramping with log-degree."""
    degree = np.bincount(edges.ravel(), minlength=node_count).astype(np.float64)
    level = np.log1p(degree)
    level = level / level.max() if node_count and level.max() > 0 else np.zeros(node_count)
    position = level * (len(DEGREE_COLOR_RAMP) - 1)
    lower = np.minimum(position.astype(int), len(DEGREE_COLOR_RAMP) - 2)
    fraction = (position - lower)[:, None]
    rgb = DEGREE_COLOR_RAMP[lower] * (1 - fraction) + DEGREE_COLOR_RAMP[lower + 1] * fraction
    return np.round(rgb * 255).astype(np.uint8)


def node_radii(edges: np.ndarray, node_count: int, dimensions: int) -> np.ndarray:
    """Splat radii in view-space units: about an eighth of the typical node spacing, larger for hubs."""
    spacing = 2.0 / max(node_count, 1) ** (1.0 / dimensions)
    base = min(max(spacing * 0.12, 0.003), 0.025)
    degree = np.bincount(edges.ravel(), minlength=node_count).astype(np.float32)
    return (base * (1.0 + 0.3 * np.log1p(degree))).astype(np.float32)


class GraphScene:
    """Off-screen (or windowed) rendering of one graph.

    Parameters
    ----------
    edges : numpy.ndarray
        int32 (m, 2) undirected edges to draw.
    node_count : int
        Number of nodes.
    dimensions : int
        2 for a flat view (pan with the left button), 3 for a rotatable one.
    width, height : int
        Size of the rendered frames in pixels.
    offscreen : bool
        Render without a window (EGL or OSMesa when there is no display).
    """

    def __init__(
        self,
        edges: np.ndarray,
        node_count: int,
        dimensions: int = 2,
        width: int = 960,
        height: int = 540,
        offscreen: bool = True,
    ) -> None:
        if dimensions not in (2, 3):
            raise ValueError(f"dimensions must be 2 or 3, got {dimensions}")
        self.node_count = node_count
        self.dimensions = dimensions
        self._drags: dict[str, _Drag] = {}

        # One float32 (n, 3) array backs the vtkPoints shared by nodes and edges.
        self._view_positions = np.zeros((max(node_count, 1), 3), dtype=np.float32)
        self._points = _vtk.vtkPoints()
        self._points.SetData(numpy_to_vtk_keep(self._view_positions, self))

        self.render_window = _vtk.vtkRenderWindow()
        self.render_window.SetOffScreenRendering(1 if offscreen else 0)
        self.render_window.SetMultiSamples(0)  # multisampling costs ~2.5x on Mesa's llvmpipe
        self.render_window.SetSize(width, height)
        self.renderer = _vtk.vtkRenderer()
        self.renderer.SetBackground(*BACKGROUND_RGB)
        self.render_window.AddRenderer(self.renderer)

        self._edge_actor = self._make_edge_actor(edges)
        self._node_actor = self._make_node_actor(edges, node_count)
        self.renderer.AddActor(self._edge_actor)
        self.renderer.AddActor(self._node_actor)
        self.reset_camera()

    # ---- construction --------------------------------------------------------------------------
    def _make_edge_actor(self, edges: np.ndarray) -> _vtk.vtkActor:
        polydata = _vtk.vtkPolyData()
        polydata.SetPoints(self._points)
        lines = _vtk.vtkCellArray()
        edge_count = len(edges)
        offsets = np.arange(0, 2 * edge_count + 1, 2, dtype=np.int64)
        connectivity = np.ascontiguousarray(edges, dtype=np.int64).ravel()
        lines.SetData(
            numpy_to_vtk_keep(offsets, self, id_type=True), numpy_to_vtk_keep(connectivity, self, id_type=True)
        )
        polydata.SetLines(lines)
        mapper = _vtk.vtkPolyDataMapper()
        mapper.SetInputData(polydata)
        mapper.ScalarVisibilityOff()
        actor = _vtk.vtkActor()
        actor.SetMapper(mapper)
        actor.GetProperty().SetColor(*EDGE_RGB)
        actor.GetProperty().SetLineWidth(1.0)
        actor.GetProperty().LightingOff()
        actor.SetVisibility(edge_count > 0)
        return actor

    def _make_node_actor(self, edges: np.ndarray, node_count: int) -> _vtk.vtkActor:
        polydata = _vtk.vtkPolyData()
        polydata.SetPoints(self._points)
        colors = numpy_to_vtk_keep(degree_colors(edges, node_count), self)
        colors.SetName("colors")
        radii = numpy_to_vtk_keep(node_radii(edges, node_count, self.dimensions), self)
        radii.SetName("radius")
        polydata.GetPointData().SetScalars(colors)
        polydata.GetPointData().AddArray(radii)
        mapper = _vtk.vtkPointGaussianMapper()
        mapper.SetInputData(polydata)
        mapper.SetScaleArray("radius")
        mapper.SetScaleFactor(1.0)
        mapper.EmissiveOff()
        mapper.SetColorModeToDirectScalars()
        mapper.SetSplatShaderCode(NODE_SPLAT_SHADER)
        actor = _vtk.vtkActor()
        actor.SetMapper(mapper)
        actor.SetVisibility(node_count > 0)
        if self.dimensions == 2:
            actor.SetPosition(0.0, 0.0, 0.01)  # nodes in front of edges drawn in the same plane
        return actor

    # ---- positions -----------------------------------------------------------------------------
    def set_positions(self, positions: np.ndarray) -> None:
        """Show new layout positions (n, 2) or (n, 3), centred and scaled into the unit view space."""
        if self.node_count == 0:
            return
        if positions.shape[0] != self.node_count:
            raise ValueError(f"positions have {positions.shape[0]} rows; the scene has {self.node_count} nodes")
        columns = min(positions.shape[1], 3)
        low, high = positions.min(axis=0), positions.max(axis=0)
        centre = (low + high) / 2.0
        half_extent = float(np.max(high - low)) / 2.0 or 1.0
        view = self._view_positions
        view[:, :columns] = (positions[:, :columns] - centre[:columns]) / half_extent
        view[:, columns:] = 0.0
        self._points.Modified()

    # ---- camera and interaction ----------------------------------------------------------------
    def reset_camera(self) -> None:
        """Frame the unit view space: from the front in 2D, at an angle in 3D."""
        camera = self.renderer.GetActiveCamera()
        camera.SetFocalPoint(0.0, 0.0, 0.0)
        camera.SetViewUp(0.0, 1.0, 0.0)
        camera.SetPosition(0.0, 0.0, 5.0)
        camera.SetViewAngle(30.0)
        camera.SetParallelProjection(self.dimensions == 2)
        camera.SetParallelScale(VIEW_MARGIN)
        if self.dimensions == 3:
            camera.Azimuth(25.0)
            camera.Elevation(20.0)
            camera.OrthogonalizeViewUp()
        self.renderer.ResetCameraClippingRange(-2, 2, -2, 2, -2, 2)

    def apply_event(self, event: dict) -> bool:
        """Apply one validated interaction message; return True if the picture changes."""
        kind = event["type"]
        viewer = event.get("viewer_id", "")
        if kind == "pointer":
            return self._pointer(viewer, event)
        if kind == "wheel":
            self._zoom(ZOOM_PER_WHEEL_UNIT ** (-event["delta_y"]), event["x"], event["y"])
            return True
        if kind == "resize":
            self.render_window.SetSize(int(event["width"]), int(event["height"]))
            return True
        if kind == "reset_camera":
            self.reset_camera()
            return True
        return False

    def _pointer(self, viewer: str, event: dict) -> bool:
        action, x, y = event["action"], event["x"], event["y"]
        if action == "down":
            self._drags[viewer] = _Drag(event["button"], event["shift"], x, y)
            return False
        drag = self._drags.get(viewer)
        if drag is None:
            return False
        if action == "up":
            del self._drags[viewer]
        delta_x, delta_y = x - drag.x, y - drag.y
        drag.x, drag.y = x, y
        if delta_x == 0 and delta_y == 0:
            return False
        rotating = self.dimensions == 3 and drag.button == "left" and not drag.shift
        if rotating:
            self._rotate(delta_x, delta_y)
        else:
            self._pan(delta_x, delta_y)
        return True

    def _rotate(self, delta_x: float, delta_y: float) -> None:
        camera = self.renderer.GetActiveCamera()
        camera.Azimuth(-delta_x * 360.0)
        camera.Elevation(delta_y * 180.0)
        camera.OrthogonalizeViewUp()
        self.renderer.ResetCameraClippingRange()

    def _visible_half_height(self) -> float:
        camera = self.renderer.GetActiveCamera()
        if camera.GetParallelProjection():
            return camera.GetParallelScale()
        return camera.GetDistance() * math.tan(math.radians(camera.GetViewAngle()) / 2.0)

    def _pan(self, delta_x: float, delta_y: float) -> None:
        """Move the view so the content follows the pointer (deltas in fractions of the frame)."""
        self._shift_camera(-delta_x, -delta_y)

    def _shift_camera(self, fraction_x: float, fraction_y: float) -> None:
        """Move camera and focal point by fractions of the visible frame (x right, y down) in the focal plane."""
        camera = self.renderer.GetActiveCamera()
        width, height = self.render_window.GetSize()
        half_height = self._visible_half_height()
        up = np.array(camera.GetViewUp())
        right = np.cross(np.array(camera.GetDirectionOfProjection()), up)
        shift = (fraction_x * 2.0 * half_height * width / max(height, 1)) * right - (fraction_y * 2.0 * half_height) * up
        camera.SetFocalPoint(*(np.array(camera.GetFocalPoint()) + shift))
        camera.SetPosition(*(np.array(camera.GetPosition()) + shift))
        self.renderer.ResetCameraClippingRange()

    def _zoom(self, factor: float, x: float = 0.5, y: float = 0.5) -> None:
        """Zoom by ``factor`` keeping the point under the pointer (x, y in [0, 1]) where it is."""
        camera = self.renderer.GetActiveCamera()
        if camera.GetParallelProjection():
            camera.SetParallelScale(camera.GetParallelScale() / factor)
        else:
            camera.Dolly(factor)
        # What was at (x, y) is now (x - 0.5) / factor from the centre: shift it back under the pointer.
        self._shift_camera((x - 0.5) * (factor - 1.0), (y - 0.5) * (factor - 1.0))

    # ---- output --------------------------------------------------------------------------------
    def node_pixels(self) -> np.ndarray:
        """Where each node's centre lands in the picture: (n, 2) float pixel coordinates, x right, y down."""
        width, height = self.render_window.GetSize()
        camera = self.renderer.GetActiveCamera()
        matrix = camera.GetCompositeProjectionTransformMatrix(width / height, -1.0, 1.0)
        projection = np.array([[matrix.GetElement(row, column) for column in range(4)] for row in range(4)])
        world = np.c_[self._view_positions[: self.node_count].astype(np.float64), np.ones(self.node_count)]
        world[:, :3] += self._node_actor.GetPosition()
        clip = world @ projection.T
        normalised = clip[:, :2] / clip[:, 3:4]
        return np.c_[(normalised[:, 0] + 1.0) * width / 2.0, (1.0 - normalised[:, 1]) * height / 2.0]

    def render(self) -> np.ndarray:
        """Render and return the picture as (height, width, 3) uint8 RGB, top row first."""
        self.render_window.Render()
        width, height = self.render_window.GetSize()
        pixels = _vtk.vtkUnsignedCharArray()
        self.render_window.GetPixelData(0, 0, width - 1, height - 1, 0, pixels, 0)
        array = _vtk.vtk_to_numpy(pixels).reshape(height, width, 3)
        return np.ascontiguousarray(array[::-1])

    def close(self) -> None:
        """Release the OpenGL context and every VTK object of this scene."""
        self.renderer.RemoveAllViewProps()
        self.render_window.Finalize()
        self._drags.clear()


def numpy_to_vtk_keep(array: np.ndarray, owner: object, id_type: bool = False):
    """Wrap ``array`` as a VTK array without copying, keeping it alive as long as ``owner``."""
    keep = owner.__dict__.setdefault("_vtk_backing_arrays", [])
    keep.append(array)
    if id_type:
        return _vtk.numpy_to_vtkIdTypeArray(array, deep=False)
    return _vtk.numpy_to_vtk(array, deep=False)
