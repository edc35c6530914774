"""Interaction without VTK: input messages become intents, and the camera maths on a plain value.

A view's input arrives as the validated messages of ``web.protocol`` (the browser's pointer, wheel,
hover, double click, reset, focus and resize messages; the desktop window's mouse is translated
into the same ones). :class:`Interaction` holds what that input steers and nothing that draws:

- the :class:`Camera`, a frozen value (position, focal point, view up, parallel scale, view angle,
  projection) whose methods return moved copies: zoom about the pointer, pan in the focal plane,
  rotate about the focal point (``vtkCamera.Azimuth``/``Elevation``/``OrthogonalizeViewUp``
  redone with numpy), project world points into the frame and back;
- one :class:`Drag` per viewer (two viewers may drag at once, each its own gesture);
- the :class:`Flight` to a searched node: a pure function of time.

:meth:`Interaction.handle` takes one message and a ``pick(x, y) -> node | None`` callable (the
scene's: only it knows where nodes are drawn) and returns a list of intents, small frozen
dataclasses. Camera intents (:class:`Pan`, :class:`Rotate`, :class:`Zoom`, :class:`ResetCamera`)
are already applied to :attr:`Interaction.camera` and say what happened; the others
(:class:`Hover`, :class:`Click`, :class:`Select`, :class:`Pin`, :class:`Unpin`, :class:`Focus`,
:class:`Resize`) ask the scene to act. The scene does no camera maths: it copies
:attr:`Interaction.camera` into its ``vtkCamera`` after each intent.

Coordinates: x, y in [0, 1] from the top-left of the frame (the protocol's); ``aspect`` is the
frame's width over its height. The camera follows VTK's conventions (the view angle is vertical,
in degrees; the parallel scale is the visible half height under parallel projection).

Bounds: the visible half height stays in [:data:`MIN_VISIBLE_HALF_HEIGHT`,
:data:`MAX_VISIBLE_HALF_HEIGHT`] and the focal point within :data:`MAX_FOCAL_DISTANCE` of the
origin, so no sequence of messages takes the float maths to zero, infinity or NaN (a wheel delta
of 5e5 once zoomed to 0 and froze the render loop for every viewer).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from helios_app.errors import HeliosError

__all__ = [
    "CAMERA_INTENTS", "CLICK_TOLERANCE", "FOCUS_DURATION_S", "FOCUS_HALF_HEIGHT", "MAX_FOCAL_DISTANCE",
    "MAX_VISIBLE_HALF_HEIGHT", "MIN_VISIBLE_HALF_HEIGHT", "VIEW_MARGIN", "ZOOM_PER_WHEEL_UNIT",
    "Camera", "Click", "Drag", "Flight", "Focus", "Hover", "Intent", "Interaction", "Pan", "Pin",
    "ResetCamera", "Resize", "Rotate", "Select", "Unpin", "Zoom", "check_camera_state", "framing",
]

VIEW_MARGIN = 1.1  # how much room the camera leaves around the unit-radius view space
ZOOM_PER_WHEEL_UNIT = 1.0015  # zoom factor per wheel delta unit: one 100-unit notch ≈ 16 %
# The camera stays where float maths holds: zoom between a node's detail and the whole graph seen from
# far away, and the focal point within reach of the view space (which spans [-1, 1]).
MIN_VISIBLE_HALF_HEIGHT = 1e-4
MAX_VISIBLE_HALF_HEIGHT = 1e3
MAX_FOCAL_DISTANCE = 1e3
CLICK_TOLERANCE = 0.004  # pointer travel (fraction of the frame) under which a press is a click
ROTATE_DEGREES_PER_FRAME_WIDTH = 360.0  # a drag across the whole frame turns the camera once around
ROTATE_DEGREES_PER_FRAME_HEIGHT = 180.0  # ... and from the top to the bottom, over the graph
FOCUS_DURATION_S = 0.6  # how long the camera takes to fly to a searched node
FOCUS_HALF_HEIGHT = 0.35  # the visible half-height (view units) after flying to a node, if zoomed out

Vector = tuple[float, float, float]


def _vector(values) -> Vector:
    x, y, z = (float(value) for value in values)
    return (x, y, z)


def _normalised(vector: np.ndarray) -> np.ndarray:
    """``vector`` scaled to length 1; a zero vector stays zero (as ``vtkMath::Normalize`` leaves it)."""
    length = float(np.linalg.norm(vector))
    return vector / length if length > 0.0 else vector


def _rotation(angle_degrees: float, axis: np.ndarray) -> np.ndarray:
    """The 3x3 right-handed rotation by ``angle_degrees`` about ``axis`` (Rodrigues' formula).

    A zero angle or a zero axis is no rotation, as in ``vtkTransform.RotateWXYZ``.
    """
    axis = _normalised(np.asarray(axis, dtype=float))
    if angle_degrees == 0.0 or not axis.any():
        return np.eye(3)
    angle = math.radians(angle_degrees)
    cross = np.array([[0.0, -axis[2], axis[1]], [axis[2], 0.0, -axis[0]], [-axis[1], axis[0], 0.0]])
    return np.eye(3) + math.sin(angle) * cross + (1.0 - math.cos(angle)) * (cross @ cross)


@dataclass(frozen=True)
class Camera:
    """A camera as plain numbers; every method returns a new camera.

    Parameters
    ----------
    position, focal_point : tuple of 3 floats
        Where the eye is and what it looks at (view units).
    view_up : tuple of 3 floats
        Which way is up in the picture; stored at length 1 (as ``vtkCamera.SetViewUp`` does), not
        necessarily orthogonal to the viewing direction until :meth:`orthogonalized`.
    parallel_scale : float
        Half the visible height under parallel projection.
    view_angle : float
        The vertical view angle in degrees under perspective projection.
    parallel_projection : bool
        True for the flat (2D) view: no perspective.
    """

    position: Vector
    focal_point: Vector
    view_up: Vector
    parallel_scale: float = VIEW_MARGIN
    view_angle: float = 30.0
    parallel_projection: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "position", _vector(self.position))
        object.__setattr__(self, "focal_point", _vector(self.focal_point))
        object.__setattr__(self, "view_up", _vector(_normalised(np.array(self.view_up, dtype=float))))
        object.__setattr__(self, "parallel_scale", float(self.parallel_scale))
        object.__setattr__(self, "view_angle", float(self.view_angle))
        object.__setattr__(self, "parallel_projection", bool(self.parallel_projection))

    # ---- derived quantities --------------------------------------------------------------------
    @property
    def distance(self) -> float:
        """From the position to the focal point."""
        return float(np.linalg.norm(np.subtract(self.focal_point, self.position)))

    @property
    def direction(self) -> np.ndarray:
        """The unit direction of projection, from the position toward the focal point."""
        return _normalised(np.subtract(self.focal_point, self.position))

    def basis(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The view's axes in world coordinates: right, up (orthogonalised) and backward (toward the eye).

        These are the rows of VTK's view transform (``vtkPerspectiveTransform.SetupCamera``).
        """
        backward = _normalised(np.subtract(self.position, self.focal_point))
        right = _normalised(np.cross(self.view_up, backward))
        return right, np.cross(backward, right), backward

    def visible_half_height(self) -> float:
        """Half the height of the frame at the focal point, in view units."""
        if self.parallel_projection:
            return self.parallel_scale
        return self.distance * math.tan(math.radians(self.view_angle) / 2.0)

    def is_finite(self) -> bool:
        """True if every number of the camera is finite."""
        return all(math.isfinite(number) for number in (*self.position, *self.focal_point, *self.view_up,
                                                          self.parallel_scale))

    # ---- moves ---------------------------------------------------------------------------------
    def dolly(self, factor: float) -> Camera:
        """Move the eye toward the focal point, dividing the distance by ``factor`` (``vtkCamera.Dolly``)."""
        if not factor > 0.0:
            return self
        position = np.array(self.focal_point) - (self.distance / factor) * self.direction
        return replace(self, position=position)

    def with_visible_half_height(self, half_height: float) -> Camera:
        """The same view with ``half_height`` visible: a new parallel scale, or a dolly in perspective."""
        if self.parallel_projection:
            return replace(self, parallel_scale=half_height)
        return self.dolly(self.visible_half_height() / half_height)

    def moved_to(self, focal_point) -> Camera:
        """Translate the camera so it looks at ``focal_point`` from the same direction and distance."""
        shift = np.asarray(focal_point, dtype=float) - np.array(self.focal_point)
        return replace(self, focal_point=focal_point, position=np.array(self.position) + shift)

    def panned(self, fraction_x: float, fraction_y: float, aspect: float) -> Camera:
        """Move the camera by fractions of the visible frame (x right, y down) in the focal plane.

        The focal point stays within :data:`MAX_FOCAL_DISTANCE`; a move that is not finite is ignored.
        """
        half_height = self.visible_half_height()
        up = np.array(self.view_up)
        right = np.cross(self.direction, up)
        shift = (fraction_x * 2.0 * half_height * aspect) * right - (fraction_y * 2.0 * half_height) * up
        focal = np.array(self.focal_point)
        moved = np.clip(focal + shift, -MAX_FOCAL_DISTANCE, MAX_FOCAL_DISTANCE)
        if not np.isfinite(moved).all():
            return self
        return self.moved_to(moved)

    def zoomed(self, factor: float, x: float, y: float, aspect: float) -> Camera:
        """Zoom in by ``factor`` (> 1 magnifies) keeping what lies under the pointer (x, y) in the
        focal plane where it is.

        The visible half height stays within [:data:`MIN_VISIBLE_HALF_HEIGHT`,
        :data:`MAX_VISIBLE_HALF_HEIGHT`]: the factor is cut short at a bound.
        """
        half_height = self.visible_half_height()
        wanted = min(max(half_height / factor, MIN_VISIBLE_HALF_HEIGHT), MAX_VISIBLE_HALF_HEIGHT)
        factor = half_height / wanted
        if not math.isfinite(factor) or factor == 1.0:
            return self
        if self.parallel_projection:
            zoomed = replace(self, parallel_scale=self.parallel_scale / factor)
        else:
            zoomed = self.dolly(factor)
        # What was at (x, y) is now (x - 0.5) * factor from the centre: shift it back under the pointer.
        return zoomed.panned((x - 0.5) * (factor - 1.0), (y - 0.5) * (factor - 1.0), aspect)

    def azimuth(self, angle_degrees: float) -> Camera:
        """Turn the eye about the view up through the focal point (``vtkCamera.Azimuth``)."""
        focal = np.array(self.focal_point)
        turned = _rotation(angle_degrees, np.array(self.view_up)) @ (np.array(self.position) - focal)
        return replace(self, position=focal + turned)

    def elevation(self, angle_degrees: float) -> Camera:
        """Turn the eye about the right axis through the focal point (``vtkCamera.Elevation``); the
        stored view up is unchanged."""
        return self._elevated(angle_degrees)[0]

    def _elevated(self, angle_degrees: float) -> tuple[Camera, np.ndarray]:
        """:meth:`elevation`, and the view up turned with the eye: VTK sets its view transform up with
        that one, so an ``OrthogonalizeViewUp`` right after takes its up from the turned view (and
        passing over the top of the graph stays well defined)."""
        right, _, _ = self.basis()
        rotation = _rotation(angle_degrees, -right)
        focal = np.array(self.focal_point)
        position = focal + rotation @ (np.array(self.position) - focal)
        return replace(self, position=position), rotation @ np.array(self.view_up)

    def orthogonalized(self) -> Camera:
        """The view up made orthogonal to the viewing direction (``vtkCamera.OrthogonalizeViewUp``)."""
        return replace(self, view_up=self.basis()[1])

    def rotated(self, azimuth_degrees: float, elevation_degrees: float) -> Camera:
        """Azimuth, elevation, then orthogonalise the view up, as ``vtkCamera`` does the three in a row:
        how a 3D drag turns the view."""
        camera, turned_up = self.azimuth(azimuth_degrees)._elevated(elevation_degrees)
        return replace(camera, view_up=turned_up).orthogonalized()

    # ---- projection ----------------------------------------------------------------------------
    def _frame_scale(self, depth: np.ndarray | float, aspect: float) -> tuple:
        """Half the visible width and height at ``depth`` along the viewing direction."""
        if self.parallel_projection:
            return self.parallel_scale * aspect, self.parallel_scale
        tangent = math.tan(math.radians(self.view_angle) / 2.0)
        return depth * tangent * aspect, depth * tangent

    def project(self, points: np.ndarray, aspect: float) -> np.ndarray:
        """Where world ``points`` (n, 3) land in the frame: (n, 2) fractions, x right, y down from the
        top-left (VTK's composite projection; points at the eye's depth go to infinity)."""
        right, up, backward = self.basis()
        relative = np.asarray(points, dtype=float).reshape(-1, 3) - np.array(self.position)
        depth = -(relative @ backward)
        half_width, half_height = self._frame_scale(depth, aspect)
        with np.errstate(divide="ignore", invalid="ignore"):
            normalised_x = (relative @ right) / half_width
            normalised_y = (relative @ up) / half_height
        return np.c_[(normalised_x + 1.0) / 2.0, (1.0 - normalised_y) / 2.0]

    def unproject(self, x: float, y: float, through, aspect: float) -> np.ndarray:
        """The world point drawn at (x, y) in the plane through ``through`` that faces the camera."""
        right, up, backward = self.basis()
        through = np.asarray(through, dtype=float)
        depth = float((through - np.array(self.position)) @ -backward)
        half_width, half_height = self._frame_scale(depth, aspect)
        offset = (2.0 * x - 1.0) * half_width * right + (1.0 - 2.0 * y) * half_height * up
        return np.array(self.position) - depth * backward + offset

    # ---- plain numbers -------------------------------------------------------------------------
    def state(self) -> dict:
        """The camera as plain numbers (for session files): position, focal_point, view_up, parallel_scale."""
        return {"position": list(self.position), "focal_point": list(self.focal_point),
                "view_up": list(self.view_up), "parallel_scale": self.parallel_scale}

    def with_state(self, state: dict) -> Camera:
        """This camera (its projection and view angle) moved to ``state`` (as :meth:`state` gives)."""
        return replace(self, position=state["position"], focal_point=state["focal_point"],
                       view_up=state["view_up"], parallel_scale=state["parallel_scale"])


CAMERA_STATE_FIELDS = ("position", "focal_point", "view_up", "parallel_scale")
MAX_CAMERA_COORDINATE = 1e12  # far beyond any framing of the unit view space, still exact in float maths


def check_camera_state(state: Any, where: str = "camera") -> dict:
    """The camera ``state`` (as :meth:`Camera.state` gives) checked field by field, as plain floats.

    Raises
    ------
    HeliosError
        Naming the field: a missing or unknown one, a vector that is not 3 finite numbers, a ``view_up`` of
        length 0 or along the viewing direction, a ``position`` on the focal point, a ``parallel_scale``
        that is not a finite number > 0.
    """
    if not isinstance(state, dict):
        raise HeliosError(f"{where} must be an object with {', '.join(CAMERA_STATE_FIELDS)}")
    missing = [name for name in CAMERA_STATE_FIELDS if name not in state]
    unknown = sorted(set(state) - set(CAMERA_STATE_FIELDS))
    if missing or unknown:
        problem = f"missing {', '.join(missing)}" if missing else f"unknown field {unknown[0]!r}"
        raise HeliosError(f"{where}: {problem}; a camera has {', '.join(CAMERA_STATE_FIELDS)}")
    vectors = {}
    for name in CAMERA_STATE_FIELDS[:3]:
        value = state[name]
        if not (isinstance(value, (list, tuple, np.ndarray)) and len(value) == 3 and all(
                isinstance(number, (int, float, np.number)) and not isinstance(number, bool) for number in value)):
            raise HeliosError(f"{where}.{name} must be 3 numbers, got {_short(value)}")
        vector = np.array([_as_float(number) for number in value])
        if not np.all(np.isfinite(vector)) or np.abs(vector).max() > MAX_CAMERA_COORDINATE:
            raise HeliosError(f"{where}.{name} must be 3 finite numbers of magnitude at most "
                              f"{MAX_CAMERA_COORDINATE:g}, got {_short(value if isinstance(value, list) else vector.tolist())}")
        vectors[name] = vector
    scale = state["parallel_scale"]
    if isinstance(scale, bool) or not isinstance(scale, (int, float, np.number)) or not (
            math.isfinite(_as_float(scale)) and 0 < _as_float(scale) <= MAX_CAMERA_COORDINATE):
        raise HeliosError(f"{where}.parallel_scale must be a finite number > 0, got {_short(scale)}")
    direction = vectors["focal_point"] - vectors["position"]
    if not np.linalg.norm(direction) > 0:
        raise HeliosError(f"{where}.position is the focal point; the camera must look from somewhere")
    up = vectors["view_up"]
    if not np.linalg.norm(up) > 0 or np.linalg.norm(np.cross(up, direction)) <= 1e-9 * np.linalg.norm(
            up) * np.linalg.norm(direction):
        raise HeliosError(f"{where}.view_up must be a direction across the line of sight, got {up.tolist()}")
    return {**{name: vectors[name].tolist() for name in vectors}, "parallel_scale": float(scale)}


def _as_float(number: Any) -> float:
    """``number`` as a float; an integer beyond the floats (10**400 in a JSON file) as infinity, which the
    checks then refuse, instead of an OverflowError."""
    try:
        return float(number)
    except OverflowError:
        return math.inf if number > 0 else -math.inf


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def framing(dimensions: int) -> Camera:
    """The camera that frames the unit view space: from the front in 2D (parallel projection), at an
    angle in 3D (perspective, turned 25° about and 20° over)."""
    camera = Camera(position=(0.0, 0.0, 5.0), focal_point=(0.0, 0.0, 0.0), view_up=(0.0, 1.0, 0.0),
                    parallel_scale=VIEW_MARGIN, view_angle=30.0, parallel_projection=dimensions == 2)
    return camera.rotated(25.0, 20.0) if dimensions == 3 else camera


@dataclass(frozen=True)
class Flight:
    """The camera's flight to a node: the focal point glides and the visible half height changes
    geometrically, both eased in and out (smoothstep), over ``duration_s``."""

    start_s: float
    focal_from: Vector
    focal_to: Vector
    half_height_from: float
    half_height_to: float
    duration_s: float = FOCUS_DURATION_S

    @classmethod
    def toward(cls, camera: Camera, target, now_s: float) -> Flight:
        """A flight starting now from ``camera`` to look at ``target``, zooming in to at least
        :data:`FOCUS_HALF_HEIGHT` (a closer view stays as close)."""
        half_height = camera.visible_half_height()
        target = np.clip(np.asarray(target, dtype=float), -MAX_FOCAL_DISTANCE, MAX_FOCAL_DISTANCE)
        return cls(start_s=now_s, focal_from=camera.focal_point, focal_to=_vector(target),
                   half_height_from=half_height, half_height_to=min(half_height, FOCUS_HALF_HEIGHT))

    def progress(self, now_s: float) -> float:
        """How far along in time, in [0, 1]."""
        return min(1.0, max(0.0, (now_s - self.start_s) / self.duration_s))

    def eased(self, now_s: float) -> float:
        """The eased progress: slow at both ends (smoothstep)."""
        progress = self.progress(now_s)
        return progress * progress * (3.0 - 2.0 * progress)

    def finished(self, now_s: float) -> bool:
        return self.progress(now_s) >= 1.0

    def focal_point_at(self, now_s: float) -> np.ndarray:
        start, end = np.array(self.focal_from), np.array(self.focal_to)
        return start + (end - start) * self.eased(now_s)

    def half_height_at(self, now_s: float) -> float:
        ratio = self.half_height_to / self.half_height_from
        return self.half_height_from * ratio ** self.eased(now_s)

    def camera_at(self, camera: Camera, now_s: float) -> Camera:
        """``camera`` looking at the flight's focal point at ``now_s``, with its half height then."""
        return camera.moved_to(self.focal_point_at(now_s)).with_visible_half_height(self.half_height_at(now_s))


# ---- intents ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Pan:
    """The camera moved in its focal plane by these fractions of the frame (x right, y down)."""

    fraction_x: float
    fraction_y: float


@dataclass(frozen=True)
class Rotate:
    """The camera turned about the focal point (degrees)."""

    azimuth_degrees: float
    elevation_degrees: float


@dataclass(frozen=True)
class Zoom:
    """The camera zoomed by ``factor`` (1.0 at a bound) about the pointer (x, y)."""

    factor: float
    x: float
    y: float


@dataclass(frozen=True)
class ResetCamera:
    """The camera is back at :func:`framing`; the scene follows the layout's extent again."""


@dataclass(frozen=True)
class Hover:
    """The pointer is over ``node`` (None: over no node)."""

    node: int | None


@dataclass(frozen=True)
class Click:
    """A viewer clicked (pressed and released within :data:`CLICK_TOLERANCE`) on ``node`` or on empty space."""

    viewer_id: str
    node: int | None


@dataclass(frozen=True)
class Select:
    """Select ``node`` (None: clear the selection)."""

    node: int | None


@dataclass(frozen=True)
class Pin:
    """Put ``node`` under the pointer (x, y) and pin it there."""

    node: int
    x: float
    y: float


@dataclass(frozen=True)
class Unpin:
    """Release ``node`` to the layout."""

    node: int


@dataclass(frozen=True)
class Focus:
    """Select ``node`` and fly to it (the scene knows where it is: :meth:`Interaction.fly_to`)."""

    node: int


@dataclass(frozen=True)
class Resize:
    """Render frames of this size in pixels."""

    width: int
    height: int


Intent = Pan | Rotate | Zoom | ResetCamera | Hover | Click | Select | Pin | Unpin | Focus | Resize
CAMERA_INTENTS = (Pan, Rotate, Zoom)  # the camera moved: its new value is Interaction.camera


@dataclass
class Drag:
    """One viewer's pointer gesture, from the press to the release."""

    button: str
    shift: bool
    start_x: float
    start_y: float
    last_x: float
    last_y: float
    node: int | None  # the node under the press (a left press without shift), dragged if the pointer moves
    moved: bool = False  # the pointer went past the click tolerance: not a click any more


class Interaction:
    """The camera, the viewers' drags and the focus flight of one view, steered by input messages.

    Parameters
    ----------
    dimensions : int
        2: a left drag on empty space pans; 3: it rotates (any drag with shift, or with another
        button, pans).
    width, height : int
        The frame's size in pixels (its aspect scales horizontal pans); :class:`Resize` intents
        and :attr:`frame_size` keep it current.
    """

    def __init__(self, dimensions: int, width: int, height: int) -> None:
        if dimensions not in (2, 3):
            raise ValueError(f"dimensions must be 2 or 3, got {dimensions}")
        self.dimensions = dimensions
        self.frame_size = (int(width), int(height))
        self.camera = framing(dimensions)
        self.flight: Flight | None = None
        self._drags: dict[str, Drag] = {}

    @property
    def aspect(self) -> float:
        width, height = self.frame_size
        return width / max(height, 1)

    def drag(self, viewer_id: str) -> Drag | None:
        """The gesture ``viewer_id`` is making, if any."""
        return self._drags.get(viewer_id)

    # ---- camera --------------------------------------------------------------------------------
    def reset_camera(self) -> None:
        """Back to :func:`framing`; a flight stops."""
        self.flight = None
        self.camera = framing(self.dimensions)

    def set_camera_state(self, state: dict) -> None:
        """Move the camera to ``state`` (as :meth:`Camera.state` gives)."""
        self.camera = self.camera.with_state(state)

    def fly_to(self, target, now_s: float) -> None:
        """Start flying to look at the world point ``target``."""
        self.flight = Flight.toward(self.camera, target, now_s)

    def advance(self, now_s: float) -> bool:
        """Move the camera along the flight; True if one was under way (it ends at its last step)."""
        if self.flight is None:
            return False
        self.camera = self.flight.camera_at(self.camera, now_s)
        if self.flight.finished(now_s):
            self.flight = None
        return True

    # ---- drags ---------------------------------------------------------------------------------
    def forget_nodes(self, node_count: int) -> None:
        """Drop the drags of nodes that no longer exist (the graph now has ``node_count`` nodes)."""
        for viewer, drag in list(self._drags.items()):
            if drag.node is not None and drag.node >= node_count:
                del self._drags[viewer]

    def cancel_drags(self) -> None:
        self._drags.clear()

    # ---- input ---------------------------------------------------------------------------------
    def handle(self, event: dict, pick: Callable[[float, float], int | None]) -> list[Intent]:
        """Apply one validated interaction message; return what the scene must do, in order.

        Parameters
        ----------
        event : dict
            A message of ``web.protocol`` with the sender's ``viewer_id`` (default ``""``).
        pick : callable
            ``pick(x, y)``: the node drawn under (x, y), or None.
        """
        kind = event["type"]
        if kind == "pointer":
            return self._pointer(event.get("viewer_id", ""), event, pick)
        if kind == "wheel":
            self.flight = None
            before = self.camera.visible_half_height()
            factor = ZOOM_PER_WHEEL_UNIT ** (-event["delta_y"])
            self.camera = self.camera.zoomed(factor, event["x"], event["y"], self.aspect)
            return [Zoom(before / self.camera.visible_half_height(), event["x"], event["y"])]
        if kind == "hover":
            return [Hover(pick(event["x"], event["y"]))]
        if kind == "double_click":
            node = pick(event["x"], event["y"])
            if node is not None:
                return [Unpin(node)]
            self.reset_camera()
            return [ResetCamera()]
        if kind == "reset_camera":
            self.reset_camera()
            return [ResetCamera()]
        if kind == "resize":
            self.frame_size = (int(event["width"]), int(event["height"]))
            return [Resize(*self.frame_size)]
        if kind == "focus":
            return [Focus(int(event["node"]))]
        return []

    def _pointer(self, viewer: str, event: dict, pick: Callable[[float, float], int | None]) -> list[Intent]:
        action, x, y = event["action"], event["x"], event["y"]
        if action == "down":
            node = pick(x, y) if event["button"] == "left" and not event["shift"] else None
            self._drags[viewer] = Drag(event["button"], event["shift"], x, y, x, y, node)
            self.flight = None
            return []
        drag = self._drags.get(viewer)
        if drag is None:
            return []
        if action == "up":
            del self._drags[viewer]
        travelled = max(abs(x - drag.start_x), abs(y - drag.start_y))
        if not drag.moved and travelled < CLICK_TOLERANCE:
            return [Click(viewer, drag.node), Select(drag.node)] if action == "up" else []
        drag.moved = True
        delta_x, delta_y = x - drag.last_x, y - drag.last_y
        drag.last_x, drag.last_y = x, y
        if delta_x == 0 and delta_y == 0:
            return []
        if drag.node is not None:
            return [Pin(drag.node, x, y)]
        if self.dimensions == 3 and drag.button == "left" and not drag.shift:
            azimuth = -delta_x * ROTATE_DEGREES_PER_FRAME_WIDTH
            elevation = delta_y * ROTATE_DEGREES_PER_FRAME_HEIGHT
            self.camera = self.camera.rotated(azimuth, elevation)
            return [Rotate(azimuth, elevation)]
        self.camera = self.camera.panned(-delta_x, -delta_y, self.aspect)
        return [Pan(-delta_x, -delta_y)]
