"""Real off-screen VTK renders (EGL/Mesa, no display) of real graphs."""

import threading
import time

import networkx as nx
import numpy as np
import pytest

from helios_app.render_loop import RenderLoop
from helios_app.scene import BACKGROUND_RGB, GraphScene
from conftest import SHARED_DATA
from layouts import PositionBuffer

BACKGROUND = np.round(np.array(BACKGROUND_RGB) * 255)


@pytest.fixture(scope="module")
def karate():
    graph = nx.read_gml(SHARED_DATA / "karate.gml", label="id")
    index = {node: i for i, node in enumerate(graph)}
    edges = np.array([(index[u], index[v]) for u, v in graph.edges()], dtype=np.int32)
    positions = nx.spring_layout(graph, seed=3)
    return edges, np.array([positions[node] for node in graph], dtype=np.float32)


def non_background(pixels: np.ndarray) -> np.ndarray:
    return np.abs(pixels.astype(int) - BACKGROUND).sum(axis=2) > 40


def bright_centroid(pixels: np.ndarray) -> np.ndarray:
    rows, columns = np.nonzero(non_background(pixels))
    return np.array([columns.mean(), rows.mean()])


@pytest.mark.parametrize("dimensions", [2, 3])
def test_nodes_are_drawn_where_they_project(karate, dimensions):
    edges, positions = karate
    if dimensions == 3:
        positions = np.c_[positions, np.linspace(-0.5, 0.5, len(positions))]
    scene = GraphScene(edges, len(positions), dimensions=dimensions, width=640, height=400)
    try:
        scene.set_positions(positions)
        pixels = scene.render()
        assert pixels.shape == (400, 640, 3) and pixels.dtype == np.uint8
        drawn = non_background(pixels)
        centres = np.round(scene.node_pixels()).astype(int)
        inside = (centres[:, 0] >= 1) & (centres[:, 0] < 639) & (centres[:, 1] >= 1) & (centres[:, 1] < 399)
        assert inside.all(), "every node projects inside the frame"
        hits = [drawn[y - 1 : y + 2, x - 1 : x + 2].any() for x, y in centres]
        assert all(hits), f"{hits.count(False)} nodes not drawn at their projected pixel"
        # The picture is mostly background, and the four corners are empty.
        assert 0.005 < drawn.mean() < 0.5
        assert not drawn[:5, :5].any() and not drawn[-5:, -5:].any()
    finally:
        scene.close()


def test_pan_and_zoom_move_the_picture(karate):
    edges, positions = karate
    scene = GraphScene(edges, len(positions), dimensions=2, width=640, height=400)
    try:
        scene.set_positions(positions)
        before = scene.render()
        pointer = {"type": "pointer", "button": "left", "shift": False, "ctrl": False, "viewer_id": "a"}
        assert not scene.apply_event({**pointer, "action": "down", "x": 0.4, "y": 0.5})
        assert scene.apply_event({**pointer, "action": "move", "x": 0.5, "y": 0.5})
        assert not scene.apply_event({**pointer, "action": "up", "x": 0.5, "y": 0.5})  # no further move
        panned = scene.render()
        shift = bright_centroid(panned) - bright_centroid(before)
        assert shift[0] == pytest.approx(64, abs=12) and abs(shift[1]) < 6
        scene.apply_event({"type": "wheel", "delta_y": -500, "x": 0.5, "y": 0.5})
        zoomed = scene.render()
        assert non_background(zoomed).sum() > 1.5 * non_background(panned).sum()
        scene.apply_event({"type": "reset_camera"})
        assert np.array_equal(scene.render(), before)
    finally:
        scene.close()


def test_render_loop_renders_only_on_change(karate):
    edges, positions = karate
    frames: list[np.ndarray] = []
    got_frame = threading.Event()

    def publish(pixels):
        frames.append(pixels)
        got_frame.set()

    with PositionBuffer(len(positions), 2) as buffer:
        loop = RenderLoop(lambda: GraphScene(edges, len(positions), 2, 320, 200), buffer, publish, max_fps=30)
        loop.start()
        try:
            assert got_frame.wait(10), "a first frame is rendered at start"
            buffer.publish(positions)
            deadline = time.monotonic() + 10
            while loop.frames_rendered < 2 and time.monotonic() < deadline:
                time.sleep(0.01)
            assert loop.frames_rendered == 2 and non_background(frames[-1]).any()
            time.sleep(0.6)
            assert loop.frames_rendered == 2, "nothing changed, so nothing was rendered"
            loop.submit_event({"type": "wheel", "delta_y": -300, "x": 0.5, "y": 0.5, "viewer_id": "a"})
            deadline = time.monotonic() + 10
            while loop.frames_rendered < 3 and time.monotonic() < deadline:
                time.sleep(0.01)
            assert loop.frames_rendered == 3
            assert not np.array_equal(frames[-1], frames[-2])
        finally:
            loop.stop(timeout_s=5)
        assert loop.events_applied == 1


def test_render_loop_surfaces_scene_errors():
    def broken_scene():
        raise RuntimeError("no OpenGL here")

    with PositionBuffer(3, 2) as buffer:
        loop = RenderLoop(broken_scene, buffer, lambda pixels: None)
        with pytest.raises(RuntimeError, match="no OpenGL here"):
            loop.start()


@pytest.mark.parametrize("dimensions", [2, 3])
def test_wheel_zooms_toward_the_pointer(karate, dimensions):
    edges, positions = karate
    if dimensions == 3:
        positions = np.c_[positions, np.zeros(len(positions))]
    scene = GraphScene(edges, len(positions), dimensions=dimensions, width=640, height=400)
    try:
        scene.set_positions(positions)
        scene.render()
        pixels = scene.node_pixels()
        node = int(np.argmax(np.abs(pixels[:, 0] - 320)))  # a node far from the centre
        x, y = pixels[node] / (640, 400)
        scene.apply_event({"type": "wheel", "delta_y": -400, "x": float(x), "y": float(y)})
        scene.render()
        after = scene.node_pixels()
        assert np.allclose(after[node], pixels[node], atol=2.0), "the node under the pointer stays put"
        spread_before = np.ptp(pixels, axis=0).max()
        assert np.ptp(after, axis=0).max() > 1.5 * spread_before, "the rest spreads out"
    finally:
        scene.close()
