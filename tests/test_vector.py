"""SVG and PDF output of real graphs: the PNG's picture as shapes, labels and legend as text."""

import io
import itertools
import re
import subprocess
import sys
import time
import zlib
from xml.etree import ElementTree

import numpy as np
import pypdf
import pytest
from conftest import SHARED_DATA

from helios_app.config import ViewConfig, build_layout
from helios_app.graph.encodings import degrees
from helios_app.io import read_graph
from helios_app.render.scene import THEMES
from helios_app.render.vector import node_radii_pixels, pdf_document, pdf_string, svg_document, vector_picture
from helios_app.session import build_scene, display_labels
from layouts import settle_layout

SVG = "{http://www.w3.org/2000/svg}"


def settled(name: str, **options):
    """A graph of the shared data, its config and its settled positions."""
    graph = read_graph(SHARED_DATA / name)
    config = ViewConfig(width=1280, height=720, **options)
    layout = build_layout(graph, config)
    settle_layout(layout, None)
    return graph, config, np.asarray(layout.positions, dtype=np.float32)


def picture_of(name: str, texts=None, **options):
    """The vector picture of a settled graph (as render_picture builds it: label ``texts`` default to the
    display labels), the PNG's pixels of the same scene and each node's depth."""
    graph, config, positions = settled(name, **options)
    scene = build_scene(graph, config)
    try:
        scene.set_positions(positions, moving=False)
        if texts is None and config.labels:
            texts = display_labels(graph)
        picture = vector_picture(scene, texts, degrees(graph))
        depth = node_radii_pixels(scene)[1]
        pixels = scene.render()
    finally:
        scene.close()
    return graph, picture, pixels, depth


@pytest.fixture(scope="module")
def lesmis():
    return picture_of("lesmis.gml")


@pytest.fixture(scope="module")
def football():
    return picture_of("football.gml", color_by="value", theme="light")


def parse_svg(picture):
    return ElementTree.fromstring(svg_document(picture))


def content_stream(data: bytes) -> bytes:
    return pypdf.PdfReader(io.BytesIO(data), strict=True).pages[0].get_contents().get_data()


def test_svg_has_one_mark_per_node_and_the_placed_labels_as_text(lesmis):
    graph, picture, _, _ = lesmis
    root = parse_svg(picture)
    assert root.get("width") == "1280" and root.get("height") == "720"
    nodes = [element for element in root.iter(f"{SVG}circle") if element.get("class") == "node"]
    assert sorted(int(element.get("id").removeprefix("node-")) for element in nodes) == list(range(graph.node_count))
    for element in nodes:  # each disc in its encoding colour, where the scene projects it
        node = int(element.get("id").removeprefix("node-"))
        assert element.get("fill") == "#{:02x}{:02x}{:02x}".format(*picture.node_colors[node])
        assert abs(float(element.get("cx")) - picture.centres[node, 0]) < 0.01
    texts = {element.get("id"): element.text for element in root.iter(f"{SVG}text") if element.get("class") == "label"}
    assert len(picture.labels) >= 25, "lesmis has room for many labels"
    assert texts == {f"label-{label.node}": label.text for label in picture.labels}
    assert "Valjean" in texts.values(), "the highest-degree node is labelled first"
    paths = list(root.iter(f"{SVG}path"))
    assert sum(path.get("d").count("M") for path in paths) == graph.edge_count
    assert not any(path.get("class") for path in paths), "the default look: edges grouped by colour"
    background = root.find(f"{SVG}rect").get("fill")
    assert background == "#{:02x}{:02x}{:02x}".format(*(round(c * 255) for c in THEMES["dark"].background))


def test_placed_labels_never_overlap_and_stay_inside(lesmis):
    _, picture, _, _ = lesmis
    for label in picture.labels:
        assert 0 <= label.x and label.x + label.width <= picture.width
        assert 0 <= label.y and label.y + label.height <= picture.height
        node = label.node  # right of its node's rim, centred on it
        assert label.x > picture.centres[node, 0] + picture.radii[node]
        assert abs(label.y + label.height / 2 - picture.centres[node, 1]) < 1e-6
    for first, second in itertools.combinations(picture.labels, 2):
        apart = (first.x + first.width <= second.x or second.x + second.width <= first.x
                 or first.y + first.height <= second.y or second.y + second.height <= first.y)
        assert apart, (first, second)


def test_the_vector_picture_is_framed_like_the_png():
    """The discs' extent equals the PNG's drawn extent (centres and radii as rendered), in 2D and in 3D."""
    for name, dimensions in (("lesmis.gml", 2), ("karate.gml", 3)):
        _, picture, pixels, _ = picture_of(name, dimensions=dimensions, labels=False)
        background = np.round(np.array(THEMES["dark"].background) * 255)
        rows, columns = np.nonzero(np.abs(pixels.astype(int) - background).sum(axis=2) > 40)
        centres, radii = picture.centres, picture.radii
        drawn = [columns.min(), columns.max(), rows.min(), rows.max()]
        vector = [(centres[:, 0] - radii).min(), (centres[:, 0] + radii).max(),
                  (centres[:, 1] - radii).min(), (centres[:, 1] + radii).max()]
        assert np.allclose(drawn, vector, atol=2.5), (name, drawn, vector)
        if dimensions == 2:  # the PNG shows each node's own colour at its centre
            at_centres = pixels[np.round(centres[:, 1]).astype(int), np.round(centres[:, 0]).astype(int)]
            matching = np.abs(at_centres.astype(int) - picture.node_colors).sum(axis=1) <= 6
            assert matching.mean() > 0.9


def test_node_discs_have_the_png_sizes():
    """Walking out from a node's centre in 48 directions, the PNG's disc ends at the vector radius (edges
    leave it in a few directions only: the median over them)."""
    for name, dimensions in (("lesmis.gml", 2), ("karate.gml", 3)):
        _, picture, pixels, _ = picture_of(name, dimensions=dimensions, labels=False, theme="light")
        background = np.round(np.array(THEMES["light"].background) * 255)  # the dark rim shows on it
        drawn = np.abs(pixels.astype(int) - background).sum(axis=2) > 40
        centres, radii = picture.centres, picture.radii
        gaps = np.hypot(*(centres[:, None, :] - centres[None, :, :]).transpose(2, 0, 1)) - radii[:, None] - radii
        np.fill_diagonal(gaps, np.inf)
        lonely = np.flatnonzero(gaps.min(axis=1) > radii)  # no other disc within a radius of the rim
        assert len(lonely) >= 20  # enough discs to measure (karate in 3D has 34 nodes)
        angles = np.linspace(0, 2 * np.pi, 48, endpoint=False)
        steps = np.arange(0, 3, 0.02)
        ratios = []
        for node in lonely:
            xs = centres[node, 0] + np.outer(np.cos(angles), steps * radii[node])
            ys = centres[node, 1] + np.outer(np.sin(angles), steps * radii[node])
            ends = np.argmin(drawn[ys.astype(int), xs.astype(int)], axis=1)  # the first background step
            ratios.append(np.median(steps[ends]))
        assert 0.97 < np.median(ratios) < 1.06, (name, np.median(ratios))


def test_3d_nodes_are_drawn_far_to_near_and_shrink_with_distance():
    graph, picture, _, depth = picture_of("karate.gml", dimensions=3)
    assert sorted(picture.node_order.tolist()) == list(range(graph.node_count))
    assert np.all(np.diff(depth[picture.node_order]) <= 0), "farthest first"
    root = parse_svg(picture)
    drawn = [int(element.get("id").removeprefix("node-")) for element in root.iter(f"{SVG}circle")
             if element.get("class") == "node"]
    assert drawn == picture.node_order.tolist()
    # Under perspective a node's radius over its size factor falls as 1 / depth.
    from helios_app.session import view_encoding

    scale = picture.radii / view_encoding(graph, ViewConfig(dimensions=3)).size_factors
    assert np.ptp(depth) > 0.3
    assert np.allclose(scale * depth, (scale * depth)[0], rtol=1e-4)


def test_nodes_a_filter_hides_are_left_out_with_their_edges():
    graph, config, positions = settled("karate.gml")
    scene = build_scene(graph, config)
    try:
        scene.set_positions(positions, moving=False)
        shown = degrees(graph) >= 3
        scene.set_emphasis(shown=shown, hide=True)
        picture = vector_picture(scene, display_labels(graph), degrees(graph))
    finally:
        scene.close()
    root = parse_svg(picture)
    drawn = {int(element.get("id").removeprefix("node-")) for element in root.iter(f"{SVG}circle")
             if element.get("class") == "node"}
    assert drawn == set(np.flatnonzero(shown).tolist()) and 0 < len(drawn) < graph.node_count
    edges = graph.edges
    kept = shown[edges[:, 0]] & shown[edges[:, 1]]
    assert sum(path.get("d").count("M") for path in root.iter(f"{SVG}path")) == kept.sum()
    assert {label.node for label in picture.labels} <= drawn


def test_svg_legend_lists_the_categories(football):
    graph, picture, _, _ = football
    root = parse_svg(picture)
    legend_names = [element.text for element in root.iter(f"{SVG}text") if element.get("class") == "legend"]
    values = {str(value) for value in graph.node_attributes["value"]}
    assert len(values) == 12 and sorted(legend_names) == sorted(values)
    discs = [element.get("fill") for element in root.iter(f"{SVG}circle") if element.get("class") == "legend"]
    assert discs == ["#{:02x}{:02x}{:02x}".format(*rgb) for _, rgb in picture.legend]
    nodes = [element for element in root.iter(f"{SVG}circle") if element.get("class") == "node"]
    assert len(nodes) == graph.node_count == 115
    # The legend sits in the top-right corner, inside the picture.
    legend_texts = [element for element in root.iter(f"{SVG}text") if element.get("class") == "legend"]
    assert all(float(element.get("x")) > 0.75 * picture.width for element in legend_texts)
    assert all(float(element.get("y")) < 0.5 * picture.height for element in legend_texts)
    assert root.find(f"{SVG}rect").get("fill") == "#fafaf7", "light theme background"


def test_colorbar_has_its_title_and_end_values():
    _, picture, _, _ = picture_of("karate.gml", size_by="uniform")  # colour by degree with a colour bar
    title, low, high = picture.colorbar
    assert (title, low, high) == ("degree", 1.0, 17.0)
    root = parse_svg(picture)
    legend_texts = [element.text for element in root.iter(f"{SVG}text") if element.get("class") == "legend"]
    assert legend_texts == ["degree", "17", "1"]
    bands = [element for element in root.iter(f"{SVG}rect") if element.get("class") == "colorbar"]
    assert len(bands) == 5 and bands[0].get("fill") == "#d73027", "the highest colour on top"
    text = pypdf.PdfReader(io.BytesIO(pdf_document(picture))).pages[0].extract_text()
    assert "degree" in text and "17" in text


def test_pdf_parses_with_one_node_mark_per_node_and_the_labels_as_text(lesmis):
    graph, picture, _, _ = lesmis
    data = pdf_document(picture)
    reader = pypdf.PdfReader(io.BytesIO(data), strict=True)
    assert len(reader.pages) == 1
    page = reader.pages[0]
    assert [float(value) for value in page.mediabox] == [0, 0, 1280, 720]
    text = page.extract_text()
    for label in picture.labels:
        assert label.text in text
    stream = page.get_contents().get_data()
    assert len(re.findall(rb"/Node Do\b", stream)) == graph.node_count
    assert stream.count(b" Tj") == len(picture.labels)
    assert len(re.findall(rb" m [\d.-]+ [\d.-]+ l", stream)) == graph.edge_count
    # The raw file: a FlateDecode content stream and an xref table whose offsets point at their objects.
    assert data.startswith(b"%PDF-1.4") and b"/FlateDecode" in data
    start = int(data[data.rindex(b"startxref") + 9:].split()[0])
    lines = data[start:].split(b"\n")
    assert lines[0] == b"xref"
    count = int(lines[1].split()[1])
    for number, line in enumerate(lines[3:2 + count], start=1):
        offset = int(line[:10])
        assert data[offset:].startswith(f"{number} 0 obj".encode()), number
    compressed = data[data.index(b"stream\n", data.index(b"/FlateDecode")) + 7:]
    assert zlib.decompressobj().decompress(compressed).startswith(b"0.071 0.071 0.090 rg")


def test_pdf_text_is_escaped_and_non_latin_characters_replaced():
    assert pdf_string("a(b)c\\") == "(a\\(b\\)c\\\\)"
    assert pdf_string("Zoë") == "(Zo\\353)"
    assert pdf_string("東京 1\n") == "(?? 1?)"
    graph = read_graph(SHARED_DATA / "karate.gml")
    special = ["(Valjean)", "back\\slash", "Zoë", "東京"]
    texts = [f"n{node}" for node in range(graph.node_count)]
    for node, text in zip(np.argsort(-degrees(graph), kind="stable"), special):  # the first labels placed
        texts[node] = text
    _, picture, _, _ = picture_of("karate.gml", texts=texts)
    assert set(special) <= {label.text for label in picture.labels}
    text = pypdf.PdfReader(io.BytesIO(pdf_document(picture)), strict=True).pages[0].extract_text()
    assert "(Valjean)" in text and "back\\slash" in text and "Zoë" in text and "??" in text
    root = parse_svg(picture)  # SVG keeps every character, XML-escaped
    assert {"(Valjean)", "東京"} <= {element.text for element in root.iter(f"{SVG}text")}


def test_many_edges_write_in_seconds():
    """ca-CondMat's 91,342 edge records (56 self-loops among them) in the default look: the straight edges
    share a path per colour, each loop is a path of its own."""
    graph = read_graph(SHARED_DATA / "ca-CondMat.txt.gz")
    edge_count = graph.edge_count
    loop_count = int((graph.edges[:, 0] == graph.edges[:, 1]).sum())
    assert edge_count > 90_000 and loop_count == 56
    scene = build_scene(graph, ViewConfig(width=1920, height=1080))
    try:
        scene.set_positions(np.random.default_rng(0).normal(size=(graph.node_count, 2)).astype(np.float32),
                            moving=False)
        started = time.perf_counter()
        picture = vector_picture(scene, display_labels(graph), degrees(graph))
        svg = svg_document(picture)
        pdf = pdf_document(picture)
        seconds = time.perf_counter() - started
    finally:
        scene.close()
    assert seconds < 15, seconds
    root = ElementTree.fromstring(svg)
    paths = list(root.iter(f"{SVG}path"))
    assert sum(path.get("d").count("M") for path in paths) == edge_count
    assert len(paths) < 1000 + loop_count, "edges share a path per colour"
    assert sum(path.get("class") == "edge loop" for path in paths) == loop_count
    assert len(svg) < 12_000_000 and len(pdf) < 4_000_000
    assert len(re.findall(rb"/Node Do\b", content_stream(pdf))) == graph.node_count


def helios(*arguments):
    return subprocess.run([sys.executable, "-m", "helios_app", *arguments], check=False, capture_output=True,
                          text=True, timeout=300)


def test_helios_render_writes_svg_and_pdf(tmp_path):
    svg_path, pdf_path = tmp_path / "lesmis.svg", tmp_path / "football.pdf"
    result = helios("render", str(SHARED_DATA / "lesmis.gml"), "-o", str(svg_path), "--size", "960x540")
    assert result.returncode == 0, result.stderr
    assert f"wrote {svg_path}" in result.stdout
    root = ElementTree.parse(svg_path).getroot()
    assert root.get("width") == "960"
    assert len([element for element in root.iter(f"{SVG}circle") if element.get("class") == "node"]) == 77
    assert "Valjean" in {element.text for element in root.iter(f"{SVG}text")}
    result = helios("render", str(SHARED_DATA / "football.gml"), "-o", str(pdf_path), "--color-by", "value",
                    "--3d")
    assert result.returncode == 0, result.stderr
    reader = pypdf.PdfReader(pdf_path, strict=True)
    assert len(re.findall(rb"/Node Do\b", reader.pages[0].get_contents().get_data())) == 115
    text = reader.pages[0].extract_text()
    assert "10" in text and "11" in text, "the legend's categories (the labels are team names)"
    teams = read_graph(SHARED_DATA / "football.gml").labels
    assert sum(team in text for team in teams) >= 20


def test_helios_render_refuses_other_suffixes(tmp_path):
    out = tmp_path / "karate.jpg"
    result = helios("render", str(SHARED_DATA / "karate.gml"), "-o", str(out))
    assert result.returncode == 1
    assert "cannot write a picture as .jpg" in result.stderr and "OUT.pdf or OUT.html" in result.stderr
    assert not out.exists()
    result = helios("render", str(SHARED_DATA / "karate.gml"), "-o", str(tmp_path / "karate"))
    assert result.returncode == 1 and "a file with no suffix" in result.stderr
