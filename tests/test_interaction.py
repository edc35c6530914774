"""The interaction module without a GL context: input messages to intents, and the camera maths.

Only the tests that check the camera maths against ``vtkCamera`` import VTK, and they open no
render window.
"""

import json
import math
import subprocess
import sys
import textwrap

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from helios_app.render.interaction import (
    CLICK_TOLERANCE,
    FOCUS_DURATION_S,
    FOCUS_HALF_HEIGHT,
    MAX_FOCAL_DISTANCE,
    MAX_VISIBLE_HALF_HEIGHT,
    MIN_VISIBLE_HALF_HEIGHT,
    Camera,
    Click,
    Focus,
    Hover,
    Interaction,
    Pan,
    Pin,
    ResetCamera,
    Resize,
    Rotate,
    Select,
    Unpin,
    Zoom,
    framing,
)
from web.protocol import MAX_SIZE_PX, MESSAGE_FIELDS, parse_message

ASPECT = 640 / 400


def nothing_here(x, y):
    return None


def node_at(node):
    return lambda x, y: node


def pointer(action, x, y, viewer="a", button="left", shift=False):
    return {"type": "pointer", "action": action, "button": button, "x": x, "y": y, "shift": shift, "ctrl": False,
            "viewer_id": viewer}


def drag(interaction, start, end, pick=nothing_here, **options):
    """Press at ``start``, move to ``end``, release there; the intents of each step."""
    return [interaction.handle(pointer("down", *start, **options), pick),
            interaction.handle(pointer("move", *end, **options), pick),
            interaction.handle(pointer("up", *end, **options), pick)]


def camera_is_bounded(camera):
    return (camera.is_finite() and MIN_VISIBLE_HALF_HEIGHT * 0.999 <= camera.visible_half_height()
            <= MAX_VISIBLE_HALF_HEIGHT * 1.001 and np.all(np.abs(camera.focal_point) <= MAX_FOCAL_DISTANCE))


def test_the_module_imports_and_works_with_vtk_unimportable():
    code = textwrap.dedent("""
        import sys

        class RefuseVtk:
            def find_spec(self, name, path=None, target=None):
                if name.split(".")[0] in ("vtk", "vtkmodules") or name.startswith("vtk"):
                    raise ImportError(f"VTK is not importable here: {name}")
                return None

        sys.meta_path.insert(0, RefuseVtk())
        from helios_app.render.interaction import Interaction
        interaction = Interaction(3, 640, 400)
        for event in ({"type": "wheel", "delta_y": -300.0, "x": 0.3, "y": 0.6},
                      {"type": "pointer", "action": "down", "button": "left", "x": 0.5, "y": 0.5, "shift": False,
                       "ctrl": False},
                      {"type": "pointer", "action": "move", "button": "left", "x": 0.6, "y": 0.4, "shift": False,
                       "ctrl": False}):
            interaction.handle(event, lambda x, y: None)
        assert interaction.camera.is_finite()
        print(sorted(name for name in sys.modules if name.startswith("vtk")))
    """)
    result = subprocess.run([sys.executable, "-c", code], check=False, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


# ---- camera maths ------------------------------------------------------------------------------
@pytest.mark.parametrize("dimensions", [2, 3])
@pytest.mark.parametrize(("x", "y"), [(0.5, 0.5), (0.1, 0.8), (0.93, 0.07), (0.0, 1.0)])
@pytest.mark.parametrize("factor", [1.7, 0.4, 25.0])
def test_zoom_keeps_the_point_under_the_pointer_fixed(dimensions, x, y, factor):
    camera = framing(dimensions)
    pointed = camera.unproject(x, y, camera.focal_point, ASPECT)  # what the pointer is over, in the focal plane
    assert camera.project(pointed[None], ASPECT)[0] == pytest.approx((x, y), abs=1e-12)
    zoomed = camera.zoomed(factor, x, y, ASPECT)
    assert zoomed.visible_half_height() == pytest.approx(camera.visible_half_height() / factor)
    assert zoomed.project(pointed[None], ASPECT)[0] == pytest.approx((x, y), abs=1e-9)
    # The rest of the picture spreads out (or draws together) about the pointer.
    corner = camera.unproject(0.5 + (x < 0.5) * 0.4, 0.5, camera.focal_point, ASPECT)
    before, after = camera.project(corner[None], ASPECT)[0], zoomed.project(corner[None], ASPECT)[0]
    assert after[0] - x == pytest.approx((before[0] - x) * factor, rel=1e-9)


@pytest.mark.parametrize("dimensions", [2, 3])
def test_zoom_stays_within_its_bounds_under_ten_thousand_huge_wheel_events(dimensions):
    interaction = Interaction(dimensions, 640, 400)
    rng = np.random.default_rng(7)
    for direction in (-1.0, 1.0, 0.0):
        for _ in range(3_334):
            delta = direction * 2400.0 if direction else rng.choice([-2400.0, 2400.0])
            x, y = rng.random(2)
            intents = interaction.handle({"type": "wheel", "delta_y": delta, "x": x, "y": y}, nothing_here)
            assert len(intents) == 1 and isinstance(intents[0], Zoom) and math.isfinite(intents[0].factor)
            assert camera_is_bounded(interaction.camera), interaction.camera
        if direction < 0:
            assert interaction.camera.visible_half_height() == pytest.approx(MIN_VISIBLE_HALF_HEIGHT)
        elif direction > 0:
            assert interaction.camera.visible_half_height() == pytest.approx(MAX_VISIBLE_HALF_HEIGHT)


def test_pan_moves_the_focal_point_by_the_frame_fraction_in_world_units():
    interaction = Interaction(2, 640, 400)
    before = interaction.camera
    half_height = before.visible_half_height()
    steps = drag(interaction, (0.2, 0.5), (0.3, 0.4))
    assert steps[1] == [Pan(pytest.approx(-0.1), pytest.approx(0.1))]
    moved = np.subtract(interaction.camera.focal_point, before.focal_point)
    # The picture follows the pointer: right by 0.1 of the width, up by 0.1 of the height.
    assert moved == pytest.approx((-0.1 * 2 * half_height * ASPECT, -0.1 * 2 * half_height, 0.0))
    assert np.subtract(interaction.camera.position, before.position) == pytest.approx(moved)
    grabbed = before.unproject(0.2, 0.5, before.focal_point, ASPECT)
    assert interaction.camera.project(grabbed[None], ASPECT)[0] == pytest.approx((0.3, 0.4))


def test_shift_drag_pans_in_3d_in_the_focal_plane():
    interaction = Interaction(3, 640, 400)
    before = interaction.camera
    steps = drag(interaction, (0.5, 0.5), (0.55, 0.58), shift=True)
    assert isinstance(steps[1][0], Pan)
    moved = np.subtract(interaction.camera.focal_point, before.focal_point)
    assert abs(moved @ before.direction) < 1e-12, "the move stays in the focal plane"
    half_height = before.visible_half_height()
    assert np.linalg.norm(moved) == pytest.approx(math.hypot(0.05 * 2 * half_height * ASPECT, 0.08 * 2 * half_height))
    assert interaction.camera.direction == pytest.approx(before.direction)
    grabbed = before.unproject(0.5, 0.5, before.focal_point, ASPECT)
    assert interaction.camera.project(grabbed[None], ASPECT)[0] == pytest.approx((0.55, 0.58))


@pytest.mark.parametrize("parallel", [False, True])
def test_projection_matches_vtk_and_unprojection_inverts_it(parallel):
    from vtkmodules.vtkRenderingCore import vtkCamera

    rng = np.random.default_rng(3)
    for _ in range(50):
        camera = Camera(rng.normal(size=3) * 4, rng.normal(size=3), rng.normal(size=3),
                        parallel_scale=rng.uniform(0.1, 3), view_angle=rng.uniform(10, 80), parallel_projection=parallel)
        vtk_camera = vtk_copy(camera, vtkCamera())
        matrix = vtk_camera.GetCompositeProjectionTransformMatrix(ASPECT, -1.0, 1.0)
        projection = np.array([[matrix.GetElement(row, column) for column in range(4)] for row in range(4)])
        points = np.array(camera.focal_point) + rng.normal(size=(20, 3))
        clip = np.c_[points, np.ones(len(points))] @ projection.T
        normalised = clip[:, :2] / clip[:, 3:4]
        expected = np.c_[(normalised[:, 0] + 1) / 2, (1 - normalised[:, 1]) / 2]
        assert camera.project(points, ASPECT) == pytest.approx(expected, rel=1e-9, abs=1e-9)
        for point, (x, y) in zip(points, camera.project(points, ASPECT), strict=True):
            if (point - camera.position) @ camera.direction > 1e-3:  # in front of the eye
                assert camera.unproject(x, y, point, ASPECT) == pytest.approx(point, abs=1e-8)


def vtk_copy(camera, vtk_camera):
    vtk_camera.SetPosition(*camera.position)
    vtk_camera.SetFocalPoint(*camera.focal_point)
    vtk_camera.SetViewUp(*camera.view_up)
    vtk_camera.SetViewAngle(camera.view_angle)
    vtk_camera.SetParallelProjection(camera.parallel_projection)
    vtk_camera.SetParallelScale(camera.parallel_scale)
    return vtk_camera


def test_rotation_matches_vtk_azimuth_elevation_and_orthogonalized_view_up():
    from vtkmodules.vtkRenderingCore import vtkCamera

    rng = np.random.default_rng(11)
    angles = [(rng.uniform(-400, 400), rng.uniform(-200, 200)) for _ in range(300)]
    angles += [(0.0, 90.0), (0.0, -90.0), (30.0, 180.0), (0.0, 120.0), (360.0, 0.0), (0.0, 0.0)]  # over the poles
    for azimuth, elevation in angles:
        camera = Camera(rng.normal(size=3) * 3, rng.normal(size=3), rng.normal(size=3))
        vtk_camera = vtk_copy(camera, vtkCamera())
        vtk_camera.Azimuth(azimuth)
        vtk_camera.Elevation(elevation)
        vtk_camera.OrthogonalizeViewUp()
        rotated = camera.rotated(azimuth, elevation)
        assert rotated.position == pytest.approx(vtk_camera.GetPosition(), abs=1e-12)
        assert rotated.view_up == pytest.approx(vtk_camera.GetViewUp(), abs=1e-12)
        assert rotated.focal_point == camera.focal_point
        # Each step on its own, as vtkCamera has them.
        vtk_camera = vtk_copy(camera, vtkCamera())
        vtk_camera.Azimuth(azimuth)
        assert camera.azimuth(azimuth).position == pytest.approx(vtk_camera.GetPosition(), abs=1e-12)
        vtk_camera = vtk_copy(camera, vtkCamera())
        vtk_camera.Elevation(elevation)
        assert camera.elevation(elevation).position == pytest.approx(vtk_camera.GetPosition(), abs=1e-12)
        assert camera.elevation(elevation).view_up == pytest.approx(vtk_camera.GetViewUp(), abs=1e-12)
        vtk_camera = vtk_copy(camera, vtkCamera())
        vtk_camera.OrthogonalizeViewUp()
        assert camera.orthogonalized().view_up == pytest.approx(vtk_camera.GetViewUp(), abs=1e-12)
    # The 3D framing is the scene's former reset: front view turned 25° about and 20° over.
    vtk_camera = vtkCamera()
    vtk_camera.SetPosition(0.0, 0.0, 5.0)
    vtk_camera.SetViewUp(0.0, 1.0, 0.0)
    vtk_camera.Azimuth(25.0)
    vtk_camera.Elevation(20.0)
    vtk_camera.OrthogonalizeViewUp()
    assert framing(3).position == pytest.approx(vtk_camera.GetPosition(), abs=1e-12)
    assert framing(3).view_up == pytest.approx(vtk_camera.GetViewUp(), abs=1e-12)
    assert not framing(3).parallel_projection and framing(2).parallel_projection


def test_camera_state_round_trips_and_keeps_the_projection():
    camera = framing(3).zoomed(3.0, 0.2, 0.7, ASPECT).rotated(40, -10)
    state = camera.state()
    assert set(state) == {"position", "focal_point", "view_up", "parallel_scale"}
    assert framing(3).with_state(state) == camera
    assert all(isinstance(number, float) for number in (*state["position"], state["parallel_scale"]))
    interaction = Interaction(3, 640, 400)
    interaction.set_camera_state({**state, "view_up": [0.0, 3.0, 0.0]})
    assert interaction.camera.view_up == (0.0, 1.0, 0.0), "stored at length 1, as vtkCamera does"


# ---- the pointer state machine -----------------------------------------------------------------
def test_a_click_within_the_tolerance_selects_and_a_longer_travel_does_not():
    interaction = Interaction(2, 640, 400)
    assert interaction.handle(pointer("down", 0.40, 0.50), node_at(7)) == []
    assert interaction.handle(pointer("move", 0.40 + CLICK_TOLERANCE * 0.9, 0.50), node_at(7)) == []
    assert interaction.handle(pointer("up", 0.40 + CLICK_TOLERANCE * 0.9, 0.50), node_at(7)) == [
        Click("a", 7), Select(7)]
    assert interaction.drag("a") is None
    assert drag(interaction, (0.1, 0.1), (0.1, 0.1))[2] == [Click("a", None), Select(None)], "empty space clears"
    steps = drag(interaction, (0.4, 0.5), (0.4 + CLICK_TOLERANCE * 1.5, 0.5), node_at(7))
    assert isinstance(steps[1][0], Pin) and steps[2] == []  # a drag, so no click at the release
    assert interaction.handle(pointer("move", 0.2, 0.2), node_at(7)) == [], "no press, no drag"


@pytest.mark.parametrize("dimensions", [2, 3])
def test_a_drag_from_a_node_pins_it_under_the_pointer(dimensions):
    interaction = Interaction(dimensions, 640, 400)
    camera = interaction.camera
    picks = []

    def pick(x, y):
        picks.append((x, y))
        return 5

    interaction.handle(pointer("down", 0.3, 0.6), pick)
    assert picks == [(0.3, 0.6)] and interaction.drag("a").node == 5
    assert interaction.handle(pointer("move", 0.35, 0.62), pick) == [Pin(5, 0.35, 0.62)]
    assert interaction.handle(pointer("move", 0.35, 0.62), pick) == [], "no move, nothing to do"
    assert interaction.handle(pointer("up", 0.4, 0.7), pick) == [Pin(5, 0.4, 0.7)]
    assert interaction.camera == camera, "the camera stays put"
    assert len(picks) == 1, "only the press picks"
    # A shift press or another button never grabs a node.
    interaction.handle(pointer("down", 0.3, 0.6, shift=True), pick)
    interaction.handle(pointer("down", 0.3, 0.6, viewer="b", button="right"), pick)
    assert interaction.drag("a").node is None and interaction.drag("b").node is None and len(picks) == 1


def test_a_drag_from_empty_space_pans_in_2d_and_rotates_in_3d():
    flat, deep = Interaction(2, 640, 400), Interaction(3, 640, 400)
    assert drag(flat, (0.5, 0.5), (0.6, 0.45))[1] == [Pan(pytest.approx(-0.1), pytest.approx(0.05))]
    before = deep.camera
    assert drag(deep, (0.5, 0.5), (0.6, 0.45))[1] == [Rotate(pytest.approx(-36.0), pytest.approx(-9.0))]
    expected = before.rotated(-0.1 * 360.0, -0.05 * 180.0)
    assert deep.camera.position == pytest.approx(expected.position) and deep.camera.view_up == pytest.approx(
        expected.view_up)
    assert deep.camera.distance == pytest.approx(before.distance) and deep.camera.focal_point == before.focal_point
    for options in ({"shift": True}, {"button": "right"}, {"button": "middle"}):
        assert isinstance(drag(deep, (0.5, 0.5), (0.6, 0.45), **options)[1][0], Pan), options


def test_two_viewers_drag_independently():
    interaction = Interaction(3, 640, 400)
    picks = {(0.3, 0.3): 2}

    def pick(x, y):
        return picks.get((x, y))

    interaction.handle(pointer("down", 0.3, 0.3, viewer="a"), pick)
    interaction.handle(pointer("down", 0.7, 0.7, viewer="b", shift=True), pick)
    assert interaction.handle(pointer("move", 0.32, 0.3, viewer="a"), pick) == [Pin(2, 0.32, 0.3)]
    assert isinstance(interaction.handle(pointer("move", 0.75, 0.7, viewer="b", shift=True), pick)[0], Pan)
    assert interaction.handle(pointer("move", 0.34, 0.31, viewer="a"), pick) == [Pin(2, 0.34, 0.31)]
    assert interaction.handle(pointer("up", 0.34, 0.31, viewer="a"), pick) == []
    assert interaction.drag("a") is None and interaction.drag("b").last_x == 0.75
    # b's pan measures from b's own last position, whatever a did.
    assert interaction.handle(pointer("move", 0.8, 0.7, viewer="b", shift=True), pick) == [
        Pan(pytest.approx(-0.05), 0.0)]
    # c clicks while b drags.
    interaction.handle(pointer("down", 0.3, 0.3, viewer="c"), pick)
    assert interaction.handle(pointer("up", 0.3, 0.3, viewer="c"), pick) == [Click("c", 2), Select(2)]
    assert interaction.drag("b") is not None
    interaction.forget_nodes(2)  # the graph shrank: a drag of node 2 or more would go
    interaction.handle(pointer("down", 0.3, 0.3, viewer="d"), pick)
    interaction.forget_nodes(2)
    assert interaction.drag("d") is None and interaction.drag("b") is not None


def test_double_click_resets_on_empty_space_and_unpins_a_node():
    interaction = Interaction(3, 640, 400)
    interaction.handle({"type": "wheel", "delta_y": -500.0, "x": 0.2, "y": 0.2}, nothing_here)
    drag(interaction, (0.5, 0.5), (0.7, 0.6))
    moved = interaction.camera
    assert moved != framing(3)
    assert interaction.handle({"type": "double_click", "x": 0.4, "y": 0.4}, node_at(9)) == [Unpin(9)]
    assert interaction.camera == moved
    assert interaction.handle({"type": "double_click", "x": 0.4, "y": 0.4}, nothing_here) == [ResetCamera()]
    assert interaction.camera == framing(3)
    drag(interaction, (0.5, 0.5), (0.7, 0.6))
    assert interaction.handle({"type": "reset_camera"}, nothing_here) == [ResetCamera()]
    assert interaction.camera == framing(3)


def test_other_messages_become_their_intents():
    interaction = Interaction(2, 640, 400)
    assert interaction.handle({"type": "hover", "x": 0.1, "y": 0.2}, node_at(4)) == [Hover(4)]
    assert interaction.handle({"type": "hover", "x": 0.1, "y": 0.2}, nothing_here) == [Hover(None)]
    assert interaction.handle({"type": "focus", "node": 12}, nothing_here) == [Focus(12)]
    assert interaction.handle({"type": "resize", "width": 800, "height": 200}, nothing_here) == [Resize(800, 200)]
    assert interaction.aspect == 4.0
    assert interaction.handle({"type": "ping", "sent_ms": 1.0}, nothing_here) == []
    assert interaction.handle({"type": "render"}, nothing_here) == []


# ---- the focus flight --------------------------------------------------------------------------
@pytest.mark.parametrize("dimensions", [2, 3])
def test_the_focus_flight_eases_to_the_node_and_its_half_height(dimensions):
    interaction = Interaction(dimensions, 640, 400)
    start = interaction.camera
    half_height = start.visible_half_height()
    target = np.array([0.6, -0.4, 0.2 if dimensions == 3 else 0.01])
    interaction.fly_to(target, now_s=100.0)
    flight = interaction.flight
    assert flight.half_height_to == pytest.approx(min(half_height, FOCUS_HALF_HEIGHT))
    assert interaction.advance(100.0) and interaction.camera.focal_point == pytest.approx(start.focal_point)
    # Half way in time is half way on the eased curve (smoothstep(0.5) = 0.5); a quarter is slower.
    assert interaction.advance(100.0 + FOCUS_DURATION_S / 2)
    assert interaction.camera.focal_point == pytest.approx((np.array(start.focal_point) + target) / 2)
    assert interaction.camera.visible_half_height() == pytest.approx(math.sqrt(half_height * FOCUS_HALF_HEIGHT))
    assert flight.eased(100.0 + FOCUS_DURATION_S / 4) == pytest.approx(0.15625)
    assert interaction.advance(100.0 + FOCUS_DURATION_S * 2)
    assert interaction.camera.focal_point == pytest.approx(target)
    assert interaction.camera.visible_half_height() == pytest.approx(FOCUS_HALF_HEIGHT)
    assert interaction.camera.direction == pytest.approx(start.direction), "the flight never turns the camera"
    assert interaction.flight is None and not interaction.advance(200.0)
    # A closer view stays as close; a wheel or a press stops a flight.
    interaction.handle({"type": "wheel", "delta_y": -1000.0, "x": 0.5, "y": 0.5}, nothing_here)
    close = interaction.camera.visible_half_height()
    interaction.fly_to((0.0, 0.0, 0.0), now_s=0.0)
    assert interaction.flight.half_height_to == pytest.approx(close)
    interaction.handle({"type": "wheel", "delta_y": 10.0, "x": 0.5, "y": 0.5}, nothing_here)
    assert interaction.flight is None
    interaction.fly_to((0.0, 0.0, 0.0), now_s=0.0)
    interaction.handle(pointer("down", 0.5, 0.5), nothing_here)
    assert interaction.flight is None


# ---- any input keeps the camera finite ---------------------------------------------------------
def valid_field(kind):
    if isinstance(kind, tuple):
        return st.sampled_from(kind)
    extremes = {"unit": [0.0, 1.0, 5e-324, 1 - 1e-16], "wheel": [-2400.0, 2400.0, 0.0, 1e-300]}.get(kind, [])
    base = {
        "unit": st.floats(0, 1), "number": st.floats(-1e15, 1e15), "wheel": st.floats(-2400, 2400),
        "bool": st.booleans(), "size": st.integers(64, MAX_SIZE_PX), "index": st.integers(0, 2**31 - 1),
        "text": st.text(max_size=10), "colour": st.just("#3cb44b"), "object": st.just({}),
        "points": st.lists(st.lists(st.floats(0, 1), min_size=2, max_size=2), min_size=3, max_size=8),
        "indices": st.lists(st.integers(0, 2**31 - 1), max_size=8),
    }[kind]
    return st.one_of(base, st.sampled_from(extremes)) if extremes else base


def valid_messages():
    def of_type(message_type):
        fields = MESSAGE_FIELDS[message_type]
        return st.fixed_dictionaries({"type": st.just(message_type),
                                      **{name: valid_field(kind) for name, kind in fields.items()}})
    # Camera messages most often, so that sequences zoom, drag and fly a lot.
    common = ["pointer"] * 6 + ["wheel"] * 3 + ["double_click", "reset_camera", "focus", "resize", "hover"]
    return st.sampled_from(common + sorted(MESSAGE_FIELDS)).flatmap(of_type)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(valid_messages(), st.sampled_from(["a", "b"]), st.one_of(st.none(), st.integers(0, 40)),
                          st.floats(0, 1)), min_size=1, max_size=60), st.sampled_from([2, 3]))
def test_any_sequence_of_messages_keeps_the_camera_finite_and_bounded(steps, dimensions):
    interaction = Interaction(dimensions, 640, 400)
    now_s = 0.0
    for message, viewer, node, elapsed in steps:
        event = {**parse_message(json.dumps(message)), "viewer_id": viewer}
        intents = interaction.handle(event, node_at(node))
        for intent in intents:
            if isinstance(intent, Focus):  # the scene flies to the node: somewhere in or near the view space
                interaction.fly_to(np.array([node or 0, -(node or 0), 1.0]) / 20.0, now_s)
        now_s += elapsed * FOCUS_DURATION_S
        interaction.advance(now_s)
        assert camera_is_bounded(interaction.camera), (event, interaction.camera)
        points = interaction.camera.project(np.array([interaction.camera.focal_point]), interaction.aspect)
        assert np.isfinite(points).all() and points[0] == pytest.approx((0.5, 0.5))
