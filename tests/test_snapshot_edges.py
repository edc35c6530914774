"""The snapshot's edge shapes (web/static/edge_shapes.js) against the SVG writer's (helios_app/render/vector.py):
the same arrowheads at the targets' rims, the same bends, the same loops, in pixels."""

from __future__ import annotations

import numpy as np
import pytest
from browser import CHROMIUM, CHROMIUM_FLAGS
from playwright.sync_api import sync_playwright

from helios_app.graph.edge_encodings import EdgeEncoding
from helios_app.graph.edge_geometry import edge_bends, loop_ranks
from helios_app.render.vector import _edge_marks
from web.bundle import bundle_modules

# A directed multigraph: a reciprocal pair, three parallel edges, two loops on one node, a lone edge.
EDGES = np.array([[0, 1], [1, 0], [1, 2], [1, 2], [2, 1], [3, 3], [3, 3], [2, 3], [0, 3]])
CENTRES = np.array([[100.0, 120.0], [420.0, 160.0], [380.0, 470.0], [90.0, 430.0]])
RADII = np.array([9.0, 14.0, 6.0, 11.0])


@pytest.fixture(scope="module")
def page():
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        page = browser.new_page()
        page.set_content("<html><body></body></html>")
        page.add_script_tag(content=bundle_modules("edge_shapes.js") + "\nwindow.shapes = module_edge_shapes_js;")
        yield page
        browser.close()


def js_triangles(page, arrows, widths=None) -> np.ndarray:
    records = list(range(len(EDGES)))
    result = page.evaluate("""([edges, pixels, radii, bends, ranks, arrows, widths, count]) => {
        const colors = new Uint8Array(3 * count).fill(200);
        const {points} = window.shapes.edgeTriangles({edges: Uint32Array.from(edges), records: [...Array(count).keys()],
          pixels: Float32Array.from(pixels), radii: Float32Array.from(radii), bends: Float32Array.from(bends),
          loopRanks: Uint32Array.from(ranks), arrows: Uint8Array.from(arrows),
          widths: widths ? Float32Array.from(widths) : null, colors});
        return Array.from(points); }""", [EDGES.ravel().tolist(), CENTRES.ravel().tolist(), RADII.tolist(),
                                          edge_bends(EDGES).tolist(), loop_ranks(EDGES).tolist(),
                                          [int(flag) for flag in arrows], widths, len(records)])
    return np.array(result).reshape(-1, 3, 2)


def test_arrowheads_end_at_the_target_rims_as_in_the_svg(page):
    arrows = EDGES[:, 0] != EDGES[:, 1]
    encoding = EdgeEncoding(arrows=arrows)
    marks, _ = _edge_marks(EDGES, np.arange(len(EDGES)), encoding, np.full((len(EDGES), 3), 200, dtype=np.uint8),
                           CENTRES, RADII, grouped=False)
    triangles = js_triangles(page, arrows)
    tips = triangles[:, 0]
    for head in marks.arrowheads:  # each of the SVG's heads is one of the page's triangles, within a pixel
        distance = np.abs(triangles - head[None]).max(axis=(1, 2))
        assert distance.min() < 1.0, head
    # Every tip lies on its target's rim.
    heads = [triangle for triangle in triangles if any(np.allclose(triangle, head, atol=1.0) for head in marks.arrowheads)]
    assert len(heads) == arrows.sum()
    for (tip, *_), (source, target) in zip(heads, EDGES[arrows], strict=True):
        assert np.linalg.norm(tip - CENTRES[target]) == pytest.approx(RADII[target], abs=0.5)
    assert np.isfinite(tips).all()


def test_bends_and_loops_follow_the_svg_curves(page):
    arrows = np.zeros(len(EDGES), dtype=bool)
    _, middles = _edge_marks(EDGES, np.arange(len(EDGES)), EdgeEncoding(arrows=arrows),
                             np.full((len(EDGES), 3), 200, dtype=np.uint8), CENTRES, RADII, grouped=False)
    triangles = js_triangles(page, arrows)
    starts = triangles.reshape(-1, 2)
    ends = np.roll(triangles, -1, axis=1).reshape(-1, 2)
    for record in range(len(EDGES)):
        # A loop's ring passes through the SVG circle's far point; a curve through its middle.
        delta = ends - starts
        along = np.clip(((middles[record] - starts) * delta).sum(axis=1) / np.maximum((delta * delta).sum(axis=1), 1e-12),
                        0, 1)
        nearest = np.linalg.norm(starts + along[:, None] * delta - middles[record], axis=1).min()
        assert nearest < 1.5, record
    # Parallel edges are apart: the three 1->2 / 2->1 records have three different middles.
    assert len({tuple(np.round(middles[record])) for record in (2, 3, 4)}) == 3


def test_encoded_widths_make_wider_lines(page):
    arrows = np.zeros(len(EDGES), dtype=bool)
    thin = js_triangles(page, arrows, [1.0] * len(EDGES))
    thick = js_triangles(page, arrows, [6.0] * len(EDGES))
    # The lone straight edge 0->3 (record 8): its quad is 1 and 6 pixels across.
    def across(triangles):  # the last quad's second triangle (a + n, b - n, a - n): 2n across
        return np.linalg.norm(triangles[-1][0] - triangles[-1][2])
    assert across(thick) > 4 * across(thin) > 0
