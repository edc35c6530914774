"""Edges that say something: direction, weight, kind, parallel and reciprocal edges and loops, in the
geometry (numpy), the encodings, the off-screen picture and the Python API."""

import time

import networkx
import numpy as np
import pytest

import helios_app
from helios_app.config import ViewConfig
from helios_app.errors import HeliosError
from helios_app.graph import Graph
from helios_app.graph.edge_encodings import encode_edges
from helios_app.graph.edge_geometry import FAN_SPACING, directed_paths, edge_bends, straight_directed
from helios_app.io import read_graph
from helios_app.session import ViewSession, build_scene

MULTIGRAPH = """graph [
  directed 1
  multigraph 1
  node [ id 0 label "A" ]
  node [ id 1 label "B" ]
  node [ id 2 label "C" ]
  node [ id 3 label "D" ]
  edge [ source 0 target 1 weight 1 kind "x" ]
  edge [ source 1 target 0 weight 2 kind "y" ]
  edge [ source 1 target 2 weight 3 kind "x" ]
  edge [ source 1 target 2 weight 4 kind "y" ]
  edge [ source 1 target 2 weight 5 kind "z" ]
  edge [ source 2 target 2 weight 6 kind "z" ]
  edge [ source 2 target 3 weight 7 kind "x" ]
  edge [ source 3 target 0 weight 8 kind "y" ]
]
"""
SQUARE = np.array([[-1.0, 1.0], [1.0, 1.0], [1.0, -1.0], [-1.0, -1.0]])  # A B C D, a square in layout units


@pytest.fixture
def multigraph(tmp_path):
    path = tmp_path / "multi.gml"
    path.write_text(MULTIGRAPH)
    return read_graph(path)


def test_reciprocal_and_parallel_edges_fan_apart_and_lone_edges_stay_straight(multigraph):
    bends = edge_bends(multigraph.edges)
    # A->B and B->A: bent the same way in their own direction, so to opposite sides in space.
    assert bends[0] == pytest.approx(-FAN_SPACING / 2) and bends[1] == pytest.approx(-FAN_SPACING / 2)
    assert sorted(bends[2:5]) == pytest.approx([-FAN_SPACING, 0.0, FAN_SPACING])  # three parallel edges
    assert bends[5] == 0.0 and bends[6] == 0.0 and bends[7] == 0.0  # a loop, and two lone edges
    assert edge_bends(multigraph.edges, curvature=0.2)[6] == pytest.approx(0.2)


def test_arrow_tips_sit_on_the_target_rim_for_straight_and_curved_edges():
    rng = np.random.default_rng(3)
    starts, ends = rng.random((50, 2)) * 10, rng.random((50, 2)) * 10
    radii, arrows = rng.random(50) * 0.3 + 0.05, np.full(50, 0.2)
    bases, tips, directions = straight_directed(starts, ends, radii, arrows)
    assert np.allclose(np.linalg.norm(tips - ends, axis=1), radii)
    assert np.allclose(np.linalg.norm(tips - bases, axis=1), 0.2)
    paths, tips, directions = directed_paths(starts, ends, np.full(50, 0.15), radii, arrows)
    assert np.allclose(np.linalg.norm(tips - ends, axis=1), radii, rtol=0.02)  # within 2 % of the radius
    assert np.allclose(np.linalg.norm(paths[:, -1] - ends, axis=1), radii + 0.2, rtol=0.03)
    assert np.allclose(np.linalg.norm(directions, axis=1), 1.0)


def test_encodings_colour_by_kind_width_by_weight_and_arrows_follow_each_edges_direction(multigraph):
    encoding = encode_edges(multigraph, "kind", "weight", width_range_px=(1.0, 8.0))
    by_kind = {}
    for kind, rgb in zip(multigraph.edge_attributes["kind"], encoding.colors.tolist()):
        by_kind.setdefault(kind, set()).add(tuple(rgb))
    assert all(len(colours) == 1 for colours in by_kind.values()) and len({c.pop() for c in by_kind.values()}) == 3
    assert [name for name, _ in encoding.category_entries] == ["x", "y", "z"]
    order = np.argsort(multigraph.weights)
    assert np.all(np.diff(encoding.widths_px[order]) > 0)
    assert encoding.widths_px.min() == pytest.approx(1.0) and encoding.widths_px.max() == pytest.approx(8.0)
    assert encoding.arrows.tolist() == [True] * 5 + [False] + [True] * 2  # no arrowhead on the loop
    assert not encode_edges(multigraph, arrows="off").arrows.any()
    mixed = Graph(node_ids=["a", "b", "c"], edges=np.array([[0, 1], [1, 2]]), weights=None, directed=True,
                  edge_directed=np.array([True, False]))
    assert encode_edges(mixed).arrows.tolist() == [True, False]
    heavy = Graph(node_ids=[str(i) for i in range(5)], edges=np.array([[0, 1], [1, 2], [2, 3], [3, 4]]),
                  weights=np.array([1.0, 2.0, 3.0, 100000.0]))
    widths = encode_edges(heavy, width_by="weight").widths_px
    assert widths[1] - widths[0] > 0.25, "a heavy tail is drawn on a log scale: small weights stay apart"
    with pytest.raises(HeliosError, match=r"--edge-color-by colour: no such edge attribute .*choose from none, "
                                          r"weight, source, target, kind"):
        encode_edges(multigraph, "colour")
    with pytest.raises(HeliosError, match=r"--edge-width-by kind: the attribute is not numeric"):
        encode_edges(multigraph, width_by="kind")


def _render(graph, **options):
    config = ViewConfig(width=600, height=600, labels=False, **options)
    scene = build_scene(graph, config)
    try:
        scene.set_positions(SQUARE, moving=False)
        image = scene.render()
        centres = scene.node_pixels()
        radius = scene._radii[0] * 600 / (2.0 * scene._visible_half_height())
        return image, centres, radius
    finally:
        scene.close()


def test_the_picture_has_arrowheads_that_end_at_the_targets_rim(multigraph):
    with_arrows, centres, radius = _render(multigraph, arrows="on")
    without, _, _ = _render(multigraph, arrows="off")
    background = with_arrows[2, 2].astype(int)
    for source, target in ((3, 0), (2, 3)):  # the lone edges D->A and C->D
        direction = (centres[source] - centres[target]) / np.linalg.norm(centres[source] - centres[target])
        near = centres[target] + direction * (radius + 5)  # just outside the target, on the edge's line
        x, y = np.round(near).astype(int)
        patch_with = with_arrows[y - 3:y + 4, x - 3:x + 4].astype(int)
        patch_without = without[y - 3:y + 4, x - 3:x + 4].astype(int)
        assert np.abs(patch_with - patch_without).sum() > 300, "an arrowhead is drawn near the target"
        # Walking from far out toward the target along the edge, the arrowhead's colour reaches the rim.
        drawn = []
        for step in np.arange(radius + 25, radius - 3, -0.5):
            x, y = np.round(centres[target] + direction * step).astype(int)
            drawn.append((step, np.abs(with_arrows[y, x].astype(int) - background).sum() > 60))
        covered = [step for step, lit in drawn if lit]
        assert min(covered) <= radius + 1.5, "the arrow reaches the node's rim (or the node starts there)"


def test_edge_colours_and_widths_from_python_change_the_picture_and_a_bad_key_names_the_edge():
    graph = networkx.DiGraph()
    graph.add_edges_from([("a", "b"), ("b", "c"), ("c", "a")])
    with helios_app.show(graph, port=0, autosave=False, labels=False) as view:
        _wait(lambda: view.session.render_loop.camera_state, "a first frame")
        view.layout.pause()
        before = view.screenshot()
        view.set_edge_colors({("a", "b"): "#ff0000"})
        view.set_edge_widths({("a", "b"): 8})
        _wait(lambda: (np.abs(view.screenshot().astype(int) - before).sum() > 1000), "the red edge")
        red = view.screenshot()
        assert ((red[:, :, 0] > 200) & (red[:, :, 1] < 60) & (red[:, :, 2] < 60)).sum() > 50
        with pytest.raises(HeliosError, match=r"no edge \('b', 'a'\) in this view"):
            view.set_edge_colors({("b", "a"): "#00ff00"})  # directed: b->a is not a->b
        with pytest.raises(HeliosError, match=r"no node 'zz' in this view"):
            view.set_edge_widths({("a", "zz"): 2})
        clicks = []
        view.on_edge_click(clicks.append)
        view.session._on_notice({"type": "edge_click", "edge": 1, "viewer_id": "x"})
        _wait(lambda: clicks, "the edge click callback")
        assert clicks == [("b", "c", 0)]


def test_a_session_keeps_the_edge_encodings_and_the_edge_style(multigraph, tmp_path):
    config = ViewConfig(port=0, autosave=False, edge_color_by="kind", edge_width_by="weight", arrows="on",
                        edge_curvature=0.1)
    with ViewSession(multigraph, config).start() as session:
        session.set_edge_style(colors={"0\x1f1\x1f0": (1, 2, 3)})
        _wait(lambda: session._edge_encoding is not None and session._edge_encoding.color_override_records is not None,
              "the style")
        path = session.save_session(tmp_path / "edges.helios.json")
    with ViewSession(multigraph, ViewConfig(port=0, autosave=False, session_file=str(path))).start() as restored:
        assert (restored.config.edge_color_by, restored.config.edge_width_by, restored.config.arrows) == \
            ("kind", "weight", "on")
        assert restored.config.edge_curvature == 0.1 and restored._style.edge_colors == {"0\x1f1\x1f0": (1, 2, 3)}


def _wait(predicate, what, timeout_s=20.0):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")
