"""Self-contained HTML snapshots (issue 23): the file's data, the bundle, and the page opened as a colleague
would, from file:// with every network request refused, in headless Chromium with WebGL and without it.

Filters are checked against networkx on the real graph; the picture by its pixels.
"""

from __future__ import annotations

import base64
import gzip
import json
import re
import subprocess
import sys
from pathlib import Path

import networkx as nx
import numpy as np
import pytest
from browser import CHROMIUM, CHROMIUM_FLAGS
from playwright.sync_api import sync_playwright

from helios_app.graph.filters import ViewFilter
from helios_app.io import read_graph
from helios_app.io.snapshot import ViewState, snapshot_html
from helios_app.output import settled_positions, snapshot_page, to_html
from helios_app.session import ViewConfig, build_scene, display_labels
from web.bundle import BundleError, bundle_modules

REPOSITORY = Path(__file__).resolve().parent.parent
WEBGL_OFF = ["--disable-3d-apis"]


def read_payload(page: str) -> tuple[dict, dict]:
    """The header and the arrays of a snapshot page, read as the browser reads them."""
    header = json.loads(re.search(r'<script type="application/json" id="helios-snapshot-header">(.*?)</script>',
                                  page, re.DOTALL).group(1))
    encoded = re.search(r'id="helios-snapshot-data">(.*?)</script>', page, re.DOTALL).group(1)
    data = gzip.decompress(base64.b64decode(encoded))
    arrays = {}
    for name, spec in header["arrays"].items():
        count = int(np.prod(spec["shape"])) if spec["shape"] else 1
        arrays[name] = np.frombuffer(data, dtype=spec["dtype"], count=count, offset=spec["offset"]).reshape(spec["shape"])
    return header, arrays


@pytest.fixture(scope="module")
def football(shared_data, tmp_path_factory) -> dict:
    """football.gml coloured by conference, written by `helios render -o x.html` as a user would."""
    path = tmp_path_factory.mktemp("snapshot") / "football.html"
    result = subprocess.run([sys.executable, "-m", "helios_app", "render", str(shared_data / "football.gml"),
                             "-o", str(path), "--color-by", "value", "--seed", "1"],
                            check=False, capture_output=True, text=True, timeout=300, cwd=REPOSITORY)
    assert result.returncode == 0, result.stderr
    graph = nx.Graph(nx.read_gml(shared_data / "football.gml"))
    return {"path": path, "graph": graph}


def open_page(playwright, path: Path, flags: list[str] = (), query: str = ""):
    """Chromium on ``path`` from file:// with every other request aborted and counted."""
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=[*CHROMIUM_FLAGS, *flags])
    page = browser.new_page(viewport={"width": 1100, "height": 760})
    refused: list[str] = []

    def route(request_route):
        if request_route.request.url.startswith("file://"):
            request_route.continue_()
        else:
            refused.append(request_route.request.url)
            request_route.abort()

    page.route("**/*", route)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(path.as_uri() + query)
    page.wait_for_function("window.__helios && (window.__helios.ready || window.__helios.errors.length)",
                           timeout=60_000)
    page.wait_for_function("window.__helios.framesDrawn > 0 && !window.__helios.moving", timeout=30_000)
    return browser, page, refused, errors


def non_background_fraction(page) -> float:
    """The share of the picture's pixels that differ from its background (read from a screenshot)."""
    from io import BytesIO

    from PIL import Image

    picture = np.asarray(Image.open(BytesIO(page.locator("#frames").screenshot())).convert("RGB")).astype(int)
    background = np.median(picture.reshape(-1, 3), axis=0)
    return float((np.abs(picture - background).sum(axis=2) > 30).mean())


# ---- the file -----------------------------------------------------------------------------------------
def test_the_payload_holds_the_scene_within_quantisation(shared_data):
    graph = read_graph(shared_data / "lesmis.gml")
    config = ViewConfig(seed=3, color_by="degree")
    positions, _ = settled_positions(graph, config)
    scene = build_scene(graph, config)
    try:
        scene.set_positions(positions, moving=False)
        expected = np.array(scene._view_positions[: graph.node_count], dtype=np.float64)
        colours = np.array(scene._base_node_colors)
    finally:
        scene.close()
    header, arrays = read_payload(snapshot_page(graph, config, positions))
    assert header["format"] == "helios-snapshot" and header["version"] == 1
    assert (header["nodes"], header["edges"]) == (graph.node_count, graph.edge_count)
    low, high = np.array(header["position_low"]), np.array(header["position_high"])
    decoded = low + arrays["positions"] / 65535.0 * (high - low)
    tolerance = (high - low).max() / 65535.0  # half a step, plus float32 rounding of the scene's positions
    assert np.abs(decoded - expected).max() <= tolerance
    assert np.array_equal(arrays["node_colors"], colours)
    assert np.array_equal(arrays["edges"], graph.edges)
    strings = json.loads(bytes(arrays["strings"]).decode("utf-8"))
    assert strings["labels"] == display_labels(graph)
    assert strings["ids"] == list(graph.node_ids)


def test_a_big_graph_keeps_a_sample_of_its_edges_and_says_so(monkeypatch, shared_data):
    from helios_app.io import snapshot

    monkeypatch.setattr(snapshot, "MAX_SNAPSHOT_EDGES", 100)
    graph = read_graph(shared_data / "lesmis.gml")
    header, arrays = read_payload(to_html(graph, seed=1))
    assert header["edges_sampled"] == {"kept": 100, "total": graph.edge_count}
    kept = {tuple(edge) for edge in arrays["edges"].tolist()}
    assert len(arrays["edges"]) == 100 and kept <= {tuple(edge) for edge in graph.edges.tolist()}
    assert header["nodes"] == graph.node_count  # every node stays


def test_the_view_state_is_written_into_the_header(shared_data):
    graph = read_graph(shared_data / "polbooks.gml")
    config = ViewConfig(seed=1, color_by="value")
    positions, _ = settled_positions(graph, config)
    scene = build_scene(graph, config)
    try:
        scene.set_positions(positions, moving=False)
        from helios_app.io.snapshot import capture_scene

        capture = capture_scene(scene, "light")
    finally:
        scene.close()
    state = ViewState(filter=ViewFilter(degree=(3, 1e15), mode="hide"), highlighted=(1,), selected=4,
                      node_selection=(4, 7))
    header, _ = read_payload(snapshot_html(graph, capture, display_labels(graph), state))
    assert header["filter"] == {"degree": [3, 1e15], "mode": "hide"}
    assert header["legend"]["highlighted"] == [1] and header["theme"] == "light"
    assert header["selected"] == 4 and header["node_selection"] == [4, 7]
    assert [entry["name"] for entry in header["legend"]["entries"]] == ["c", "l", "n"]


def test_the_bundle_has_no_module_statements_left_and_refuses_forms_it_cannot_join(tmp_path):
    bundle = bundle_modules("snapshot.js")
    assert not re.search(r"^\s*(import|export)\s", bundle, re.MULTILINE)
    for name in ("camera.js", "render.js", "local_view.js", "explore.js", "panels.js", "snapshot_data.js"):
        assert f"// ---- {name}" in bundle
    (tmp_path / "entry.js").write_text('import { thing } from "./other.js";\n')
    (tmp_path / "other.js").write_text("export default function thing() {}\n")
    with pytest.raises(BundleError, match="other.js"):
        bundle_modules("entry.js", tmp_path)
    (tmp_path / "other.js").write_text('import { x } from "./entry.js";\nexport const thing = 1;\n')
    with pytest.raises(BundleError, match="cycle"):
        bundle_modules("entry.js", tmp_path)


def test_render_refuses_an_unknown_suffix_naming_the_choices(tmp_path):
    result = subprocess.run([sys.executable, "-m", "helios_app", "render", str(REPOSITORY / "data" / "karate.gml"),
                             "-o", str(tmp_path / "view.htm")], check=False, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode != 0
    assert "OUT.html" in result.stderr and "view.htm" in result.stderr


# ---- the page, offline ----------------------------------------------------------------------------------
@pytest.mark.parametrize("flags", [[], WEBGL_OFF], ids=["webgl", "no-webgl"])
def test_the_page_opens_offline_and_explores(football, flags):
    graph = football["graph"]
    with sync_playwright() as playwright:
        browser, page, refused, errors = open_page(playwright, football["path"], flags)
        try:
            assert page.evaluate("__helios.errors") == [] and errors == []
            assert refused == []  # nothing asked of any host
            assert page.evaluate("__helios.renderer") == ("canvas2d" if flags else "webgl2")
            assert non_background_fraction(page) > 0.01  # the picture is drawn
            assert page.evaluate("__helios.labels.length") > 10  # labels placed, without overlap (explore.js)
            boxes = page.evaluate("__helios.labels.map((l) => [l.x, l.y, l.width, l.height])")
            for index, (x, y, width, height) in enumerate(boxes):
                for other_x, other_y, other_width, other_height in boxes[index + 1:]:
                    assert not (x < other_x + other_width and other_x < x + width and
                                y < other_y + other_height and other_y < y + height)

            # Search: Enter picks the best match and the camera flies to it.
            page.fill("#search-input", "Notre")
            page.press("#search-input", "Enter")
            page.wait_for_function("__helios.selection && __helios.selection.label === 'NotreDame'")
            page.wait_for_function("!__helios.moving", timeout=10_000)
            place = page.evaluate("__helios.project(__helios.selection.index)")
            assert abs(place[0] - 0.5) < 0.02 and abs(place[1] - 0.5) < 0.02  # flown to the middle
            assert page.locator("#info-title").inner_text() == "NotreDame"
            assert page.locator("#info-fields").inner_text().count("value") == 1

            # Hover: the node under the pointer gets its label.
            page.focus("#stage")
            page.keyboard.press("Escape")  # clears the selection
            page.keyboard.press("0")  # back to the whole graph
            page.wait_for_function("__helios.selection === null && !__helios.moving")
            target = page.evaluate("__helios.view.strings.labels.indexOf('Florida')")
            x, y = page.evaluate(f"__helios.project({target})")
            box = page.locator("#frames").bounding_box()
            page.mouse.move(box["x"] + x * box["width"], box["y"] + y * box["height"])
            page.wait_for_function("[...document.querySelectorAll('#labels .label.hovered')]"
                                   ".some((label) => label.textContent === 'Florida')")

            # The legend: a click highlights that conference (its nodes stay bright, the rest dim).
            entry = page.locator("#legend-entries li").first
            category = int(entry.get_attribute("data-category"))
            entry.click()
            page.wait_for_function(f"__helios.legend.highlighted.includes({category})")
            stressed = page.evaluate("Array.from(__helios.view.stressed)")
            categories = page.evaluate("Array.from(__helios.view.arrays.categories)")
            assert stressed == [int(value == category) for value in categories]
            assert page.locator("#legend-entries li.highlighted").count() == 1
            page.locator("#legend-reset").click()
            page.wait_for_function("__helios.legend.highlighted.length === 0")

            # The degree filter in "vanish" mode hides what networkx says it should.
            page.locator("#filters summary").click()
            page.fill("#filter-degree-min", "11")
            page.select_option("#filter-mode", "hide")
            page.locator("#filters button[type=submit]").click()
            expected = {node for node, degree in graph.degree() if degree >= 11}
            page.wait_for_function(f"__helios.filter.shown === {len(expected)}")
            hidden = page.evaluate("Array.from(__helios.view.hidden)")
            ids = page.evaluate("__helios.view.strings.labels")
            assert {ids[index] for index, flag in enumerate(hidden) if not flag} == expected

            # The k-core filter agrees with networkx's k_core.
            page.fill("#filter-degree-min", "")
            page.fill("#filter-k-core", "9")
            page.locator("#filters button[type=submit]").click()
            core = set(nx.k_core(graph, 9))
            page.wait_for_function(f"__helios.filter.shown === {len(core)}")
            hidden = page.evaluate("Array.from(__helios.view.hidden)")
            assert {ids[index] for index, flag in enumerate(hidden) if not flag} == core
            assert non_background_fraction(page) > 0.003  # what is left is still drawn
            assert refused == [] and errors == []
        finally:
            browser.close()


def test_pan_zoom_and_reset_move_the_picture(football):
    with sync_playwright() as playwright:
        browser, page, refused, errors = open_page(playwright, football["path"])
        try:
            box = page.locator("#frames").bounding_box()
            before = page.evaluate("__helios.project(0)")
            page.mouse.move(box["x"] + 300, box["y"] + 300)
            page.mouse.down()
            page.mouse.move(box["x"] + 400, box["y"] + 350, steps=5)
            page.mouse.up()
            after = page.evaluate("__helios.project(0)")
            assert after[0] - before[0] == pytest.approx(100 / box["width"], abs=0.01)
            assert after[1] - before[1] == pytest.approx(50 / box["height"], abs=0.01)
            half = page.evaluate("__helios.camera.parallel_scale")
            page.mouse.wheel(0, -400)
            page.wait_for_function(f"__helios.camera.parallel_scale < {half} * 0.8")
            page.focus("#stage")
            page.keyboard.press("0")
            page.wait_for_function("Math.abs(__helios.camera.parallel_scale - 1.1) < 1e-9")
            assert refused == [] and errors == []
        finally:
            browser.close()


# ---- from a running view -------------------------------------------------------------------------------
def _scene_value(view, function):
    """Run ``function(scene)`` on the render thread and return its result."""
    import queue

    answer: queue.Queue = queue.Queue()
    view.session.render_loop.edit(lambda scene: answer.put(function(scene)))
    return answer.get(timeout=10)


def test_save_as_page_after_a_drag_a_filter_and_a_selection(shared_data, tmp_path):
    import time

    from browser import launch_chromium, wait_for

    import helios_app

    graph = nx.read_gml(shared_data / "lesmis.gml")
    with helios_app.show(graph, seed=2) as view, sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        page = browser.new_page(viewport={"width": 1100, "height": 760}, accept_downloads=True)
        page.goto(view.url)
        wait_for(page, "window.__helios && window.__helios.transport === 'webrtc'", 30)
        deadline = time.monotonic() + 60
        while view.layout.state != "settled" and time.monotonic() < deadline:
            time.sleep(0.1)
        time.sleep(0.5)
        # Drag the node farthest from any other to a new place, with the mouse, in the live page.
        pixels, (width, height) = _scene_value(view, lambda scene: (scene.node_pixels(), scene.render_window.GetSize()))
        distances = np.linalg.norm(pixels[:, None] - pixels[None], axis=2) + np.eye(len(pixels)) * 1e9
        dragged = int(np.argmax(distances.min(axis=1)))
        box = page.locator("#video").bounding_box()
        start = (box["x"] + pixels[dragged][0] / width * box["width"], box["y"] + pixels[dragged][1] / height * box["height"])
        end = (box["x"] + box["width"] * 0.15, box["y"] + box["height"] * 0.2)
        page.mouse.move(*start)
        page.mouse.down()
        for step in range(1, 16):
            page.mouse.move(start[0] + (end[0] - start[0]) * step / 15, start[1] + (end[1] - start[1]) * step / 15)
            page.wait_for_timeout(20)
        page.mouse.up()
        node_id = view.session.graph.node_ids[dragged]
        deadline = time.monotonic() + 10
        while node_id not in view.pinned and time.monotonic() < deadline:
            time.sleep(0.05)
        assert node_id in view.pinned  # the drag moved and pinned it
        # A filter from the page's form, and a selection by a click on Valjean (found by search).
        page.click("#filters summary")
        page.fill("#filter-degree-min", "3")
        page.click("#filters button[type=submit]")
        expected_shown = sum(1 for _, degree in nx.Graph(graph).degree() if degree >= 3)
        wait_for(page, f"window.__helios.filter.shown === {expected_shown}", 15)
        page.fill("#search-input", "Valjean")
        page.press("#search-input", "Enter")
        wait_for(page, "window.__helios.selection && window.__helios.selection.id === 'Valjean'", 15)
        time.sleep(1.0)  # the flight to Valjean ends
        live = _scene_value(view, lambda scene: (np.array(scene._view_positions[: scene.node_count]),
                                                 scene.camera_state()))
        # Save as page, as a user would: the header's link.
        with page.expect_download() as download_info:
            page.click("#save-page")
        saved = tmp_path / "lesmis.html"
        download_info.value.save_as(saved)
        browser.close()

        header, arrays = read_payload(saved.read_text(encoding="utf-8"))
        low, high = np.array(header["position_low"]), np.array(header["position_high"])
        decoded = low + arrays["positions"] / 65535.0 * (high - low)
        assert np.abs(decoded - live[0]).max() <= (high - low).max() / 65535.0 + 1e-6
        assert header["camera"]["focal_point"] == pytest.approx(live[1]["focal_point"], abs=1e-6)
        assert header["filter"] == {"degree": [3, 1e15], "mode": "fade"}
        valjean = list(view.session.graph.node_ids).index("Valjean")
        assert header["selected"] == valjean

        browser, page, refused, errors = open_page(playwright, saved)
        try:
            assert page.evaluate("__helios.filter.shown") == expected_shown
            assert page.evaluate("__helios.selection.id") == "Valjean"
            assert page.locator("#info-title").inner_text() == "Valjean"
            assert page.evaluate("__helios.camera.focal_point") == pytest.approx(live[1]["focal_point"], abs=1e-6)
            assert refused == [] and errors == [] and page.evaluate("__helios.errors") == []
        finally:
            browser.close()


def test_the_time_slider_shows_a_dynamic_graph_as_of_three_times(tmp_path):
    from test_explore import present_in_file

    path = REPOSITORY / "data" / "dynamic.gexf"
    saved = tmp_path / "dynamic.html"
    to_html(path, saved, seed=1)
    with sync_playwright() as playwright:
        browser, page, refused, errors = open_page(playwright, saved)
        try:
            assert page.locator("#timeline").is_visible()
            first, last = page.evaluate("__helios.view.header.view.time_range")
            counts = []
            for value in (30, 450, 880):
                page.evaluate(f"""(() => {{ const slider = document.getElementById('time-slider');
                    slider.value = {value}; slider.dispatchEvent(new Event('input')); }})()""")
                page.wait_for_function(f"__helios.time && Math.abs(__helios.time.at - "
                                       f"{first + (last - first) * value / 1000}) < 1")
                at = page.evaluate("__helios.time.at")
                expected = present_in_file(path, at)
                page.wait_for_function(f"__helios.filter.shown === {expected} && __helios.filter.filter.time[1] === {at}")
                absent = page.evaluate("Array.from(__helios.view.hidden).filter((flag) => flag).length")
                assert absent == page.evaluate("__helios.view.nodeCount") - expected  # absent nodes vanish
                counts.append(expected)
            assert len(set(counts)) == 3, counts
            assert page.locator("#time-label").inner_text()[:2] == "20"  # dates, as the file's timeformat says
            page.click("#time-off")
            page.wait_for_function("__helios.filter.shown === 30 && !('time' in __helios.filter.filter)")
            assert refused == [] and errors == [] and page.evaluate("__helios.errors") == []
        finally:
            browser.close()


def test_a_lost_webgl_context_falls_back_to_canvas_2d(football):
    with sync_playwright() as playwright:
        browser, page, refused, errors = open_page(playwright, football["path"])
        try:
            assert page.evaluate("__helios.renderer") == "webgl2"
            page.evaluate("document.getElementById('frames').getContext('webgl2')"
                          ".getExtension('WEBGL_lose_context').loseContext()")
            page.wait_for_function("__helios.renderer === 'canvas2d'", timeout=10_000)  # after 3 s without a restore
            page.wait_for_function("!__helios.moving")
            page.wait_for_timeout(300)
            assert non_background_fraction(page) > 0.01  # drawn again, on a fresh canvas
            assert page.evaluate("__helios.errors") == ["the WebGL context was lost: drawing with Canvas 2D"]
            page.fill("#search-input", "Florida")
            page.press("#search-input", "Enter")
            page.wait_for_function("__helios.selection && __helios.selection.label === 'Florida'")
            assert refused == [] and errors == []
        finally:
            browser.close()


def test_hostile_labels_and_titles_stay_text(tmp_path):
    """Node labels, ids, attribute values and the title that look like markup stay text in the page."""
    hostile = ["</script><script>window.__pwned = 1</script>", "<!-- a comment -->", "<img src=x onerror=window.__pwned=2>",
               "\u2028line\u2029separators", "&amp; &lt;b&gt;"]
    graph = nx.path_graph(len(hostile))
    nx.relabel_nodes(graph, dict(enumerate(hostile)), copy=False)
    nx.set_node_attributes(graph, {node: f"</SCRIPT>{index}" for index, node in enumerate(graph)}, "note")
    saved = tmp_path / "hostile.html"
    graph.graph["name"] = "<b>x</b>"
    to_html(graph, saved, seed=1)
    with sync_playwright() as playwright:
        browser, page, refused, errors = open_page(playwright, saved)
        try:
            assert page.evaluate("window.__pwned") is None and errors == [] and page.evaluate("__helios.errors") == []
            assert page.evaluate("__helios.view.strings.ids") == hostile
            page.fill("#search-input", "img src")
            page.press("#search-input", "Enter")
            page.wait_for_function("__helios.selection !== null")
            assert page.locator("#info-title").inner_text() == hostile[2]
            assert "</SCRIPT>2" in page.locator("#info-fields").inner_text()
            assert page.evaluate("window.__pwned") is None and refused == []
        finally:
            browser.close()


def test_legend_hide_and_isolate_attribute_and_neighbourhood_filters_and_the_theme(football):
    graph = football["graph"]
    conference = nx.get_node_attributes(graph, "value")
    with sync_playwright() as playwright:
        browser, page, refused, errors = open_page(playwright, football["path"])
        try:
            assert page.locator("#hud").inner_text().startswith("a Helios snapshot, made 20")
            labels = page.evaluate("__helios.view.strings.labels")

            def shown() -> set[str]:
                return {labels[index] for index, flag in enumerate(page.evaluate("Array.from(__helios.view.shown)"))
                        if flag}

            entries = page.evaluate("__helios.legend.entries")
            category = entries[0]["category"]
            name = entries[0]["name"]  # the conference's value, as text
            page.locator(f"#legend-entries li[data-category='{category}']").click(modifiers=["Shift"])
            page.wait_for_function(f"__helios.legend.hidden.includes({category})")
            assert shown() == {node for node in graph if str(conference[node]) != name}
            page.locator(f"#legend-entries li[data-category='{category}']").click(modifiers=["Alt"])
            page.wait_for_function(f"__helios.legend.hidden.length === {len(entries) - 1}")
            assert shown() == {node for node in graph if str(conference[node]) == name}
            page.locator("#legend-reset").click()
            page.wait_for_function("__helios.legend.hidden.length === 0")

            # An attribute filter by value, then the neighbourhood of a selected node.
            page.locator("#filters summary").click()
            page.select_option("#filter-attribute", "value")
            page.fill("#filter-value", f"{name}, 3")
            page.locator("#filters button[type=submit]").click()
            expected = {node for node in graph if str(conference[node]) in (name, "3")}
            page.wait_for_function(f"__helios.filter.shown === {len(expected)}")
            assert shown() == expected
            page.fill("#filter-value", "")
            page.fill("#search-input", "Florida")
            page.press("#search-input", "Enter")
            page.wait_for_function("__helios.selection && __helios.selection.label === 'Florida'")
            page.fill("#filter-hops", "2")
            page.locator("#filters button[type=submit]").click()
            near = set(nx.single_source_shortest_path_length(graph, "Florida", cutoff=2))
            page.wait_for_function(f"__helios.filter.shown === {len(near)}")
            assert shown() == near

            # The theme: the picture's background turns light, and back.
            background = page.evaluate("__helios.view.theme")
            page.click("#theme")
            page.wait_for_function("__helios.view.theme === 'light' && !__helios.moving")
            page.wait_for_timeout(200)
            box = page.locator("#frames").bounding_box()
            corner = page.screenshot(clip={"x": box["x"] + 2, "y": box["y"] + 2, "width": 4, "height": 4})
            from io import BytesIO

            from PIL import Image
            assert np.asarray(Image.open(BytesIO(corner)).convert("RGB")).mean() > 230
            assert background == "dark" and page.evaluate("document.body.classList.contains('light')")
            assert refused == [] and errors == [] and page.evaluate("__helios.errors") == []
        finally:
            browser.close()


def test_arrowheads_curves_and_edge_labels_are_drawn_as_in_the_view(shared_data, tmp_path):
    """polblogs (directed, reciprocal links): arrowheads and bent pairs at rest; lesmis with --edge-labels."""
    polblogs = tmp_path / "polblogs.html"
    to_html(shared_data / "polblogs.gml", polblogs, seed=1)
    lesmis = tmp_path / "lesmis.html"
    to_html(REPOSITORY / "data" / "lesmis.gml", lesmis, seed=1, edge_labels="weight")
    with sync_playwright() as playwright:
        browser, page, refused, errors = open_page(playwright, polblogs)
        try:
            header = page.evaluate("__helios.view.header")
            assert page.evaluate("'arrows' in __helios.view.arrays && 'edge_bends' in __helios.view.arrays")
            shaped = page.evaluate("__helios.view.shapedEdges.length")
            assert shaped > 0.9 * header["edges"]  # directed: nearly every edge ends in an arrowhead
            triangles = page.evaluate("__helios.overlayTriangles")
            assert triangles >= 2 * shaped  # each at least a quad of two triangles
            page.mouse.move(400, 400)
            page.mouse.down()
            page.mouse.move(450, 420, steps=3)  # moving: plain lines, no overlay
            assert page.evaluate("__helios.overlayTriangles") == 0
            page.mouse.up()
            page.wait_for_function("!__helios.moving && __helios.overlayTriangles > 0")
            assert errors == [] and page.evaluate("__helios.errors") == []
        finally:
            browser.close()
        browser, page, refused, errors = open_page(playwright, lesmis)
        try:
            candidates = page.evaluate("__helios.edgeLabelCandidates")
            assert candidates and all(label["text"] for label in candidates)
            page.wait_for_function("__helios.edge_labels.length > 10")
            graph = read_graph(REPOSITORY / "data" / "lesmis.gml")
            for label in page.evaluate("__helios.edge_labels"):
                assert label["text"] == f"{graph.weights[label['edge']]:g}"
            assert errors == [] and refused == []
        finally:
            browser.close()
