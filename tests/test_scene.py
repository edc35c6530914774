"""Real off-screen VTK renders (EGL/Mesa, no display) of real graphs."""

import itertools
import threading
import time

import networkx as nx
import numpy as np
import pytest
from conftest import SHARED_DATA

from helios_app.render.render_loop import RenderLoop
from helios_app.render.scene import THEMES, GraphScene
from layouts import PositionBuffer

BACKGROUND = np.round(np.array(THEMES["dark"].background) * 255)


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
        assert not scene.apply_event({**pointer, "action": "down", "x": 0.02, "y": 0.5})  # on empty space
        assert scene.apply_event({**pointer, "action": "move", "x": 0.12, "y": 0.5})
        assert not scene.apply_event({**pointer, "action": "up", "x": 0.12, "y": 0.5})  # no further move
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
            assert not got_frame.wait(0.5), "no frame before the layout's first positions (all nodes at 0)"
            buffer.publish(positions)
            assert got_frame.wait(10), "the first positions give the first frame"
            assert loop.frames_rendered == 1 and non_background(frames[-1]).any()
            time.sleep(0.6)
            assert loop.frames_rendered == 1, "nothing changed, so nothing was rendered"
            loop.submit_event({"type": "wheel", "delta_y": -300, "x": 0.5, "y": 0.5, "viewer_id": "a"})
            deadline = time.monotonic() + 10
            while loop.frames_rendered < 2 and time.monotonic() < deadline:
                time.sleep(0.01)
            assert loop.frames_rendered == 2
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


def press(scene, x, y, action="down", viewer="a"):
    return scene.apply_event({"type": "pointer", "action": action, "button": "left", "x": float(x), "y": float(y),
                              "shift": False, "ctrl": False, "viewer_id": viewer})


def test_click_picks_the_node_under_the_pointer_and_highlights_its_neighbours(karate):
    edges, positions = karate
    scene = GraphScene(edges, len(positions), dimensions=2, width=640, height=400,
                       labels=[f"node {i}" for i in range(len(positions))])
    try:
        scene.set_positions(positions)
        before = scene.render()
        pixels = scene.node_pixels()
        for node in (0, 33, 11):
            x, y = pixels[node] / (640, 400)
            assert scene.pick(x, y) == node
        assert scene.pick(0.01, 0.01) is None
        # Hovering a node labels it; leaving it hides the label.
        x, y = pixels[11] / (640, 400)
        assert scene.apply_event({"type": "hover", "x": float(x), "y": float(y), "viewer_id": "a"})
        assert scene.hovered == 11 and scene._hover_label.GetInput() == "node 11"
        assert not scene.apply_event({"type": "hover", "x": float(x), "y": float(y), "viewer_id": "a"})
        assert scene.apply_event({"type": "hover", "x": 0.01, "y": 0.01, "viewer_id": "a"})
        assert not scene._hover_label.GetVisibility()
        x, y = pixels[0] / (640, 400)
        press(scene, x, y)
        assert press(scene, x, y, "up")
        assert scene.selected == 0
        notices = scene.take_notices()
        assert [n["node"] for n in notices if n["type"] == "hover"] == [11, None]
        assert [n for n in notices if n["type"] != "hover"] == [
            {"type": "click", "node": 0, "viewer_id": "a"}, {"type": "selection", "node": 0}]
        highlighted = scene.render()
        neighbours = {int(v) for u, v in edges if u == 0} | {int(u) for u, v in edges if v == 0}
        others = [n for n in range(len(positions)) if n not in neighbours and n != 0]
        at = lambda image, node: image[int(pixels[node][1]), int(pixels[node][0])].astype(int)
        for node in neighbours:
            assert np.abs(at(highlighted, node) - at(before, node)).sum() < 30, "neighbours keep their colour"
        dimmed = [np.abs(at(highlighted, n) - BACKGROUND).sum() < np.abs(at(before, n) - BACKGROUND).sum()
                  for n in others]
        assert sum(dimmed) >= 0.8 * len(others), "the rest fades toward the background"
        # The edges drawn while the camera moves (a sample on big graphs) carry the same highlight.
        records, colors = scene._edge_layer.colors_shown(level_of_detail=True)
        assert sorted(records.tolist()) == sorted(scene._lod_sample.tolist())
        assert np.array_equal(colors, scene._edge_colors[records])
        assert not np.array_equal(scene._edge_colors, scene._base_edge_colors)
        # Clicking empty space clears the selection.
        press(scene, 0.01, 0.01)
        press(scene, 0.01, 0.01, "up")
        assert scene.selected is None
        assert scene.take_notices() == [{"type": "click", "node": None, "viewer_id": "a"},
                                        {"type": "selection", "node": None}]
    finally:
        scene.close()


def test_dragging_a_node_moves_it_and_pins_it(karate):
    edges, positions = karate
    scene = GraphScene(edges, len(positions), dimensions=2, width=640, height=400)
    try:
        scene.set_positions(positions)
        scene.render()
        x, y = scene.node_pixels()[5] / (640, 400)
        press(scene, x, y)
        assert press(scene, x + 0.1, y, "move")
        press(scene, x + 0.1, y, "up")
        scene.render()
        assert np.allclose(scene.node_pixels()[5], ((x + 0.1) * 640, y * 400), atol=1.0)
        notices = scene.take_notices()
        assert [n["type"] for n in notices] == ["pin"] and notices[0]["node"] == 5
        # The pin is in layout units: the pointer moved right, so x grew by 0.1 of the frame width.
        pinned = np.array(notices[0]["position"])
        assert pinned[0] > positions[5][0] and abs(pinned[1] - positions[5][1]) < 1e-3
        # Until the layout has applied the pin, its positions still have the node where it was: the
        # node stays under the pointer; once they agree, the layout moves it again.
        scene.set_positions(positions)
        scene.render()
        assert np.allclose(scene.node_pixels()[5], ((x + 0.1) * 640, y * 400), atol=1.0)
        caught_up = positions.copy()
        caught_up[5] = pinned
        scene.set_positions(caught_up)
        scene.set_positions(positions)
        scene.render()
        assert np.allclose(scene.node_pixels()[5], (x * 640, y * 400), atol=1.0)
        scene.apply_event({"type": "double_click", "x": float(x), "y": float(y), "viewer_id": "a"})
        assert scene.take_notices() == [{"type": "unpin", "node": 5, "who": "a"}]  # who: the viewer whose event it was
    finally:
        scene.close()


def test_focus_flies_the_camera_to_the_node(karate):
    edges, positions = karate
    scene = GraphScene(edges, len(positions), dimensions=2, width=640, height=400)
    try:
        scene.set_positions(positions)
        scene.render()
        far = int(np.argmax(np.linalg.norm(scene.node_pixels() - (320, 200), axis=1)))
        assert scene.apply_event({"type": "focus", "node": far, "viewer_id": "a"})
        frames = 0
        while scene.needs_render() and frames < 200:
            frames += 1
            time.sleep(0.01)
        assert 2 < frames < 200
        assert np.allclose(scene.node_pixels()[far], (320, 200), atol=2.0)
        assert scene.selected == far
    finally:
        scene.close()


def test_labels_and_legend_are_drawn(karate):
    """A labelled, community-coloured render shows text (many small bright glyph pixels) and a legend."""
    from helios_app.graph.encodings import NodeEncoding

    edges, positions = karate
    colors = np.array([(225, 87, 89) if i % 2 else (78, 121, 167) for i in range(len(positions))], np.uint8)
    encoding = NodeEncoding(colors=colors, size_factors=np.ones(len(positions), np.float32),
                            legend=[("odd", (225, 87, 89)), ("even", (78, 121, 167))])
    plain = GraphScene(edges, len(positions), 2, 640, 400)
    labelled = GraphScene(edges, len(positions), 2, 640, 400, encoding=encoding,
                          labels=[f"N{i}" for i in range(len(positions))])
    try:
        for scene in (plain, labelled):
            scene.set_positions(positions, moving=False)
        white = lambda image: (image.min(axis=2) > 200).sum()
        plain_image, labelled_image = plain.render(), labelled.render()
        assert white(labelled_image) > white(plain_image) + 200
        # Colours by category land on the right nodes: a node's centre pixel has its category's colour
        # (unless a label or an overlapping node covers it).
        right = [np.abs(labelled_image[y, x].astype(int) - colors[node]).sum() < 40
                 for node, (x, y) in enumerate(np.round(labelled.node_pixels()).astype(int))]
        assert sum(right) >= 0.85 * len(right), f"{right.count(False)} nodes show another colour"
        # The top-degree node carries a label: text pixels appear in the box around it.
        degree = np.bincount(edges.ravel(), minlength=len(positions))
        x, y = np.round(labelled.node_pixels()[int(np.argmax(degree))]).astype(int)
        around = (slice(max(y - 30, 0), y + 30), slice(max(x - 80, 0), x + 80))
        assert white(labelled_image[around]) > white(plain_image[around]) + 10
        # The legend sits in the top-right corner, where the graph itself never reaches.
        corner = labelled_image[:60, -110:]
        assert (np.abs(corner.astype(int) - (225, 87, 89)).sum(axis=2) < 40).any()
    finally:
        plain.close()
        labelled.close()


def test_auto_framing_follows_the_layout_until_the_user_moves_the_camera(karate):
    edges, positions = karate
    scene = GraphScene(edges, len(positions), dimensions=2, width=640, height=400)
    try:
        scene.set_positions(positions)
        framed = scene.node_pixels()
        scene.set_positions(positions * 2 + 5)  # the layout grows and drifts: the picture stays framed
        assert np.allclose(scene.node_pixels(), framed, atol=0.5)
        press(scene, 0.02, 0.5)
        press(scene, 0.05, 0.5, "move")
        press(scene, 0.05, 0.5, "up")
        panned = scene.node_pixels()
        scene.set_positions((positions * 2 + 5) * 2)  # now the nodes move on screen, pins would stay put
        assert not np.allclose(scene.node_pixels(), panned, atol=5)
        scene.apply_event({"type": "reset_camera"})
        scene.set_positions(positions * 3)
        assert np.allclose(scene.node_pixels(), framed, atol=0.5)
    finally:
        scene.close()


def test_markers_change_the_node_shape(karate):
    """Each marker covers a different area; the triangle (area ~1.3 of the splat's 4) the least."""
    edges, positions = karate
    coverage = {}
    for marker in ("circle", "square", "diamond", "triangle"):
        scene = GraphScene(edges, len(positions), 2, 640, 400, marker=marker)
        try:
            scene.set_positions(positions, moving=False)
            scene.apply_event({"type": "wheel", "delta_y": -800, "x": 0.5, "y": 0.5})
            coverage[marker] = non_background(scene.render()).sum()
        finally:
            scene.close()
    areas = sorted(coverage.values())
    assert all(larger > 1.03 * smaller for smaller, larger in itertools.pairwise(areas)), coverage
    assert coverage["triangle"] == areas[0]
    with pytest.raises(ValueError, match="marker must be one of"):
        GraphScene(edges, len(positions), 3, 64, 64, marker="square")


def test_a_served_picture_in_motion_shrinks_to_the_render_budget_and_is_full_size_at_rest(karate, monkeypatch):
    import helios_app.render.scene as scene_module

    edges, positions = karate
    drag = {"type": "pointer", "button": "left", "shift": False, "ctrl": False, "viewer_id": "a"}

    def drag_sizes(scene, steps):
        scene.apply_event({**drag, "action": "down", "x": 0.02, "y": 0.02})
        sizes = []
        for step in range(steps):
            scene.apply_event({**drag, "action": "move", "x": 0.02 + 0.01 * (step + 1), "y": 0.02})
            sizes.append(scene.render().shape[1::-1])
        scene.apply_event({**drag, "action": "up", "x": 0.02 + 0.01 * steps, "y": 0.02})
        return sizes

    def rest_size(scene):
        deadline = time.monotonic() + 10
        while not scene.picture_is_final and time.monotonic() < deadline:
            if scene.needs_render():
                scene.render()
            time.sleep(0.02)
        return scene.render().shape[1::-1]

    monkeypatch.setattr(scene_module, "MOTION_MAX_PIXELS", 10**9)  # the render budget alone decides at first
    served = GraphScene(edges, len(positions), 2, 1600, 1200, scale_in_motion=True)
    window = GraphScene(edges, len(positions), 2, 1600, 1200)
    try:
        for scene in (served, window):
            scene.set_positions(positions)
            scene.render()
        monkeypatch.setattr(scene_module, "LOD_FRAME_BUDGET_S", 1e-9)  # every frame is over the budget
        sizes = drag_sizes(served, 8)
        # A frame that switched level of detail or size is not counted; two over the budget make a step.
        assert sizes == [(1600, 1200)] * 3 + [(1200, 900)] * 3 + [(800, 600)] * 2, sizes
        assert served.motion_scale == 0.5
        assert rest_size(served) == (1600, 1200), "at rest the picture is full size again"
        assert set(drag_sizes(window, 8)) == {(1600, 1200)}, "a desktop window keeps its size"
        served.apply_event({"type": "resize", "width": 2000, "height": 1000, "viewer_id": "a"})
        assert drag_sizes(served, 1) == [(1000, 500)], "the next motion starts at the step the budget allowed"
        monkeypatch.setattr(scene_module, "LOD_FRAME_BUDGET_S", 10.0)  # now every frame fits easily
        assert drag_sizes(served, 5) == [(1000, 500)] * 2 + [(1500, 750)] * 2 + [(2000, 1000)]
        assert rest_size(served) == (2000, 1000)
        # However fast it draws, a moving served picture holds at most MOTION_MAX_PIXELS (a smaller step).
        monkeypatch.setattr(scene_module, "MOTION_MAX_PIXELS", 1400 * 836)
        assert set(drag_sizes(served, 5)) == {(1500, 750)}, "2000x1000 is over the cap, 0.75 of it is not"
        assert rest_size(served) == (2000, 1000), "at rest the picture is full size"
        assert set(drag_sizes(window, 3)) == {(1600, 1200)}, "a desktop window is never scaled"
    finally:
        served.close()
        window.close()
