"""Issue 21 in SVG and PDF: edges that say something (direction, weight, kind, labels, parallel edges, loops).

One small directed multigraph, built here: a reciprocal pair, three parallel edges, a self-loop, weights, a
categorical ``kind`` and a ``name`` for edge labels. Its pictures are parsed back (xml.etree, pypdf) and
measured against the graph.
"""

import io
import itertools
import re
from xml.etree import ElementTree

import numpy as np
import pypdf
import pytest

from helios_app.config import ViewConfig
from helios_app.graph import Graph
from helios_app.graph.edge_geometry import ARROW_LENGTH_PER_WIDTH
from helios_app.graph.encodings import degrees
from helios_app.output import render_picture
from helios_app.render.edges import MIN_ARROW_PX
from helios_app.render.vector import node_radii_pixels, pdf_document, svg_document, vector_picture
from helios_app.session import build_scene, display_labels, view_edge_encoding

SVG = "{http://www.w3.org/2000/svg}"
EDGES = [(0, 1), (1, 0), (1, 2), (1, 2), (1, 2), (2, 2), (2, 3), (3, 4), (4, 0)]
KINDS = ["excite", "inhibit", "excite", "inhibit", "gap", "gap", "excite", "inhibit", "gap"]
WEIGHTS = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0]
NAMES = [f"syn{record}" for record in range(len(EDGES))]
RECIPROCAL = (0, 1)
PARALLEL = (2, 3, 4)
LOOP = 5
ARROWED = [record for record, (source, target) in enumerate(EDGES) if source != target]
CLASSES = ["inter", "inter", "motor", "motor", "sensory"]
POSITIONS = np.array([[0.0, 0.0], [1.0, 0.2], [1.6, 1.1], [0.6, 1.7], [-0.4, 1.0]], dtype=np.float32)


def multigraph() -> Graph:
    return Graph.from_edges(np.array(EDGES), node_count=5, weights=np.array(WEIGHTS), directed=True,
                            multigraph=True, labels=["AVA", "AVB", "PVC", "DVA", "RIM"],
                            node_attributes={"class": CLASSES}, edge_attributes={"kind": KINDS, "name": NAMES})


def config(**options) -> ViewConfig:
    settings = {"width": 960, "height": 540, "color_by": "class", "arrows": "auto", "edge_width_by": "weight",
                "edge_color_by": "kind", "edge_labels": "name", **options}
    return ViewConfig(**settings)


def picture_and_pixels(graph: Graph, view_config: ViewConfig, positions: np.ndarray = POSITIONS):
    """The vector picture of ``graph`` at ``positions`` (built as render_picture builds it), the PNG of the
    same scene and each node's depth."""
    scene = build_scene(graph, view_config)
    try:
        scene.set_positions(positions, moving=False)
        picture = vector_picture(scene, display_labels(graph), degrees(graph))
        depth = node_radii_pixels(scene)[1]
        pixels = scene.render()
    finally:
        scene.close()
    return picture, pixels, depth


@pytest.fixture(scope="module")
def drawn():
    graph = multigraph()
    picture, pixels, _ = picture_and_pixels(graph, config())
    return graph, picture, pixels, ElementTree.fromstring(svg_document(picture))


def edge_paths(root) -> dict[int, ElementTree.Element]:
    return {int(element.get("id").removeprefix("edge-")): element for element in root.iter(f"{SVG}path")
            if "edge" in (element.get("class") or "").split()}


def arrow_paths(root) -> dict[int, ElementTree.Element]:
    return {int(element.get("id").removeprefix("arrow-")): element for element in root.iter(f"{SVG}path")
            if element.get("class") == "arrow"}


def numbers(path: str) -> list[float]:
    return [float(value) for value in re.findall(r"-?\d+(?:\.\d+)?", path)]


def nodes_drawn(root) -> dict[int, tuple[float, float, float]]:
    """Each node disc's centre and outer radius (the circle's radius plus half its rim)."""
    return {int(element.get("id").removeprefix("node-")): (
        float(element.get("cx")), float(element.get("cy")),
        float(element.get("r")) + float(element.get("stroke-width")) / 2.0)
        for element in root.iter(f"{SVG}circle") if element.get("class") == "node"}


def check_edges(graph: Graph, root) -> None:
    """What issue 21 asks of an SVG of the multigraph with arrows, widths by weight and colours by kind."""
    paths, arrows = edge_paths(root), arrow_paths(root)
    assert sorted(paths) == list(range(graph.edge_count)), "one path per edge record"
    assert sorted(arrows) == ARROWED, "one arrowhead per directed edge, none on the self-loop"
    shapes = {record: element.get("d") for record, element in paths.items()}
    assert shapes[RECIPROCAL[0]] != shapes[RECIPROCAL[1]]
    assert len({shapes[record] for record in PARALLEL}) == 3
    assert "Q" in shapes[RECIPROCAL[0]] and "Q" in shapes[RECIPROCAL[1]], "a reciprocal pair is two curves"
    assert paths[LOOP].get("class") == "edge loop" and "A" in shapes[LOOP] and shapes[LOOP].endswith("Z")
    widths = [float(paths[record].get("stroke-width")) for record in np.argsort(WEIGHTS)]
    assert np.all(np.diff(widths) > 0), widths
    strokes = {record: element.get("stroke") for record, element in paths.items()}
    for first, second in itertools.combinations(range(graph.edge_count), 2):
        assert (strokes[first] == strokes[second]) == (KINDS[first] == KINDS[second]), (first, second)
    for record, element in arrows.items():
        assert element.get("fill") == strokes[record], "an arrowhead has its edge's colour"
    nodes = nodes_drawn(root)
    for record, element in arrows.items():  # the tip on the target's rim
        tip_x, tip_y = numbers(element.get("d"))[:2]
        centre_x, centre_y, radius = nodes[EDGES[record][1]]
        assert abs(np.hypot(tip_x - centre_x, tip_y - centre_y) - radius) < 1.5, record


def test_svg_of_a_directed_multigraph(drawn):
    graph, _, _, root = drawn
    check_edges(graph, root)


def test_reciprocal_edges_bow_to_opposite_sides_and_arrowheads_are_long_enough(drawn):
    root = drawn[3]
    paths, nodes = edge_paths(root), nodes_drawn(root)
    sides = []
    for record in RECIPROCAL:  # the control point's side of the line from node 0 to node 1
        control = np.array(numbers(paths[record].get("d"))[2:4])
        first, second = np.array(nodes[0][:2]), np.array(nodes[1][:2])
        along, across = second - first, control - first
        sides.append(np.sign(along[0] * across[1] - along[1] * across[0]))
    assert sides[0] == -sides[1] != 0
    widths = {record: float(paths[record].get("stroke-width")) for record in ARROWED}
    for record, element in arrow_paths(root).items():  # 4 line widths long, at least 7 pixels
        tip, left, right = np.array(numbers(element.get("d"))).reshape(3, 2)
        length = np.hypot(*(tip - (left + right) / 2))
        expected = max(ARROW_LENGTH_PER_WIDTH * widths[record], MIN_ARROW_PX)
        assert MIN_ARROW_PX >= 7 and length == pytest.approx(expected, abs=0.3), record


def test_curves_and_loops_are_where_the_png_draws_them(drawn):
    """Halfway along each vector curve the PNG shows that edge's own colour (a wrong bend would show the
    other edge of its pair there, in another kind's colour), and so does the loop's far side."""
    _, picture, pixels, _ = drawn
    marks = picture.edges
    for index, record in enumerate(marks.records.tolist()):
        if marks.loop_radii[index] > 0:
            point = 2 * marks.controls[index] - marks.starts[index]
        elif marks.curved[index]:
            point = 0.25 * marks.starts[index] + 0.5 * marks.controls[index] + 0.25 * marks.ends[index]
        else:
            continue
        column, row = np.round(point).astype(int)
        around = pixels[row - 1:row + 2, column - 1:column + 2].reshape(-1, 3).astype(int)
        distance = np.abs(around - marks.colors[index].astype(int)).sum(axis=1).min()
        assert distance < 40, (record, KINDS[record], around.tolist())


def test_edge_labels_are_text_that_overlaps_nothing(drawn):
    _, picture, _, root = drawn
    texts = {element.get("id"): element.text for element in root.iter(f"{SVG}text")
             if element.get("class") == "edge-label"}
    assert len(picture.edge_labels) >= 5, "a small picture has room for most edge labels"
    assert texts == {f"edge-label-{label.node}": NAMES[label.node] for label in picture.edge_labels}
    fills = {element.get("class"): element.get("fill") for element in root.iter(f"{SVG}text")}
    assert fills["edge-label"] != fills["label"], "edge labels read apart from node labels"
    boxes = picture.labels + picture.edge_labels
    for first, second in itertools.combinations(boxes, 2):
        apart = (first.x + first.width <= second.x or second.x + second.width <= first.x
                 or first.y + first.height <= second.y or second.y + second.height <= first.y)
        assert apart, (first, second)
    for label in picture.edge_labels:
        assert 0 <= label.x and label.x + label.width <= picture.width
        assert 0 <= label.y and label.y + label.height <= picture.height


def test_the_edge_legend_is_under_the_node_legend(drawn):
    _, picture, _, root = drawn
    legend = {element.text: element for element in root.iter(f"{SVG}text") if element.get("class") == "legend"}
    assert set(legend) == {"inter", "motor", "sensory", "edges: kind", "excite", "inhibit", "gap"}
    title = legend["edges: kind"]
    assert title.get("font-weight") == "bold"
    baseline = {name: float(element.get("y")) for name, element in legend.items()}
    assert max(baseline[name] for name in CLASSES) < baseline["edges: kind"] < min(baseline[name] for name in KINDS)
    swatches = [element.get("fill") for element in root.iter(f"{SVG}rect") if element.get("class") == "edge-legend"]
    strokes = {KINDS[record]: element.get("stroke") for record, element in edge_paths(root).items()}
    assert sorted(name for name, _ in picture.edge_legend) == sorted(set(KINDS))
    assert swatches == [strokes[name] for name, _ in picture.edge_legend]


def test_pdf_has_the_same_edges_arrowheads_and_edge_labels(drawn):
    graph, picture, _, _ = drawn
    reader = pypdf.PdfReader(io.BytesIO(pdf_document(picture)), strict=True)
    stream = reader.pages[0].get_contents().get_data()
    assert len(re.findall(rb" l h f\b", stream)) == len(ARROWED), "one filled triangle per arrowhead"
    curved = int(picture.edges.curved.sum())
    assert curved >= 4 and len(re.findall(rb" c S\b", stream)) == curved, "each bent edge one cubic"
    assert len(re.findall(rb" c h S Q\b", stream)) == 1, "the self-loop: a closed circle"
    widths = sorted(float(width) for width in re.findall(rb"RG ([\d.]+) w", stream))
    assert len(widths) == graph.edge_count and widths == pytest.approx(sorted(picture.edges.widths), abs=0.01)
    text = reader.pages[0].extract_text()
    for label in picture.edge_labels:
        assert label.text in text
    assert "edges: kind" in text and "inhibit" in text


def test_opacity_and_curvature():
    graph = multigraph()
    picture, _, _ = picture_and_pixels(graph, config(edge_opacity=0.5, edge_curvature=0.2, arrows="off"))
    root = ElementTree.fromstring(svg_document(picture))
    group = root.find(f"{SVG}g[@id='edges']")
    assert group.get("stroke-opacity") == "0.5" and group.get("fill-opacity") == "0.5"
    paths = edge_paths(root)
    assert not arrow_paths(root), "--arrows off"
    assert all("Q" in paths[record].get("d") for record in range(graph.edge_count) if record != LOOP), \
        "with a curvature every edge bends, the middle parallel one too"
    data = pdf_document(picture)
    assert b"/ExtGState /CA 0.5 /ca 0.5" in data


def test_the_default_look_keeps_edges_grouped_by_colour():
    """An undirected graph without encodings writes its straight edges one path per colour; a parallel
    pair and a self-loop are paths of their own, with no arrowheads."""
    graph = Graph.from_edges(np.array([(0, 1), (1, 2), (2, 3), (3, 4), (4, 0), (1, 3), (1, 3), (2, 2)]),
                             node_count=5)
    picture, _, _ = picture_and_pixels(graph, ViewConfig(width=960, height=540))
    assert picture.edges.grouped
    root = ElementTree.fromstring(svg_document(picture))
    paths = list(root.iter(f"{SVG}path"))
    assert sum(path.get("d").count("M") for path in paths) == graph.edge_count
    assert sorted(edge_paths(root)) == [5, 6, 7] and not arrow_paths(root)
    assert len(paths) < graph.edge_count


def test_3d_edges_are_drawn_far_to_near():
    graph = multigraph()
    positions = np.c_[POSITIONS, [0.0, 1.0, -1.0, 0.5, -0.5]].astype(np.float32)
    picture, _, depth = picture_and_pixels(graph, config(dimensions=3), positions)
    ends = np.array(EDGES)[picture.edges.records]
    mean_depth = (depth[ends[:, 0]] + depth[ends[:, 1]]) / 2
    assert len(picture.edges.records) == graph.edge_count and np.all(np.diff(mean_depth) <= 1e-9)
    check_edges(graph, ElementTree.fromstring(svg_document(picture)))


def test_helios_render_draws_the_edges_end_to_end(tmp_path):
    """Through render_picture, as ``helios render`` does: the layout settles, the scene and the vector picture
    are built by output.py from the config alone."""
    graph = multigraph()
    svg_path, pdf_path = tmp_path / "x.svg", tmp_path / "x.pdf"
    render_picture(graph, config(arrows="on"), svg_path)
    root = ElementTree.parse(svg_path).getroot()
    check_edges(graph, root)
    render_picture(graph, config(), pdf_path)
    stream = pypdf.PdfReader(pdf_path, strict=True).pages[0].get_contents().get_data()
    assert len(re.findall(rb" l h f\b", stream)) == len(ARROWED)


def test_helios_render_draws_edge_labels_end_to_end(tmp_path):
    graph = multigraph()
    render_picture(graph, config(), tmp_path / "x.pdf")
    text = pypdf.PdfReader(tmp_path / "x.pdf", strict=True).pages[0].extract_text()
    assert sum(name in text for name in NAMES) >= 5 and "edges: kind" in text


def test_view_edge_encoding_matches_what_the_picture_draws(drawn):
    graph, picture, _, _ = drawn
    encoding = view_edge_encoding(graph, config(), np.zeros((graph.node_count, 3), dtype=np.uint8))
    records = picture.edges.records
    assert np.allclose(picture.edges.widths, encoding.widths_px[records])
    assert np.array_equal(picture.edges.colors, encoding.colors[records])
    assert np.array_equal(picture.edges.arrows, encoding.arrows[records])
