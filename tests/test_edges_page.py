"""Edges in real pages (issue 21, items 2 and 4): a `helios view` process and headless Chromium. Hovering an edge
shows its ends and attributes as page text; a click shows it in the info panel of every page; the edge legend is
a control for everyone; edge labels never overlap each other or the node labels, at two zooms; the edge filter
hides edges and keeps their nodes."""

import time

import pytest
from browser import EMPTY_POINT_JS, PIXELS_JS, HeliosProcess, launch_chromium, wait_for, wait_until_settled
from conftest import SHARED_DATA
from playwright.sync_api import sync_playwright

pytestmark = [pytest.mark.browser, pytest.mark.slow]

NODES = ["alpha", "beta", "gamma", "delta", "epsilon", "zeta"]
# (source, target, weight, kind) in file order: the graph's edge records 0..8. A reciprocal pair (0, 1),
# three parallel edges (2, 3, 4), a path round the rest.
EDGES = [(0, 1, 1.0, "excites"), (1, 0, 2.0, "inhibits"), (2, 3, 3.0, "excites"), (2, 3, 4.0, "gap"),
         (2, 3, 5.0, "inhibits"), (0, 4, 6.0, "gap"), (4, 5, 7.0, "excites"), (5, 2, 8.0, "gap"),
         (1, 3, 9.0, "inhibits")]
KINDS = ["excites", "gap", "inhibits"]  # the edge legend's entries, in its order


def write_multigraph(path):
    lines = ["graph [", "  directed 1", "  multigraph 1"]
    lines += [f'  node [ id {index} label "{name}" ]' for index, name in enumerate(NODES)]
    lines += [f'  edge [ source {source} target {target} weight {weight} kind "{kind}" ]'
              for source, target, weight, kind in EDGES]
    path.write_text("\n".join([*lines, "]"]) + "\n")
    return path


# Every label box the page drew (the DOM's own geometry): edge labels that meet one another or a node label,
# labels outside the picture, and how many there are against the page's own lists.
LABEL_CHECK = """(() => {
  const video = document.getElementById('video').getBoundingClientRect();
  const boxes = (selector) => [...document.querySelectorAll(selector)].map((label) => label.getBoundingClientRect());
  const nodes = boxes('#labels .label'), edges = boxes('#edge-labels .edge-label');
  const meet = (a, b) => a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
  let edgeEdge = 0, edgeNode = 0, outside = 0;
  edges.forEach((a, i) => {
    if (a.left < video.left - 0.5 || a.top < video.top - 0.5 || a.right > video.right + 0.5 || a.bottom > video.bottom + 0.5) outside++;
    for (const b of edges.slice(i + 1)) if (meet(a, b)) edgeEdge++;
    for (const b of nodes) if (meet(a, b)) edgeNode++;
  });
  return {nodes: nodes.length, edges: edges.length, listedNodes: window.__helios.labels.length,
          listedEdges: window.__helios.edge_labels.length, edgeEdge, edgeNode, outside};
})()"""

# How many pixels of the page's picture have each colour (the same hue, at least 45 % of its brightness):
# edges dimmed toward the background do not count.
COLOUR_COUNT_JS = """
(colours) => {
""" + PIXELS_JS + """  const targets = colours.map((hex) => [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16)));
  const counts = targets.map(() => 0);
  for (let offset = 0; offset < data.length; offset += 4) {
    const pixel = [data[offset], data[offset + 1], data[offset + 2]];
    const length = Math.hypot(...pixel);
    targets.forEach((target, index) => {
      const norm = Math.hypot(...target);
      const cosine = (pixel[0] * target[0] + pixel[1] * target[1] + pixel[2] * target[2]) / (length * norm || 1);
      if (cosine > 0.995 && length > 0.45 * norm) counts[index]++;
    });
  }
  return counts;
}
"""

# The centre of the first placed edge label that sits on the picture itself (no panel over it), in page
# pixels, with its edge: the middle of that edge's curve.
EDGE_TARGET_JS = """(() => {
  const stage = document.getElementById('stage').getBoundingClientRect();
  const video = document.getElementById('video');
  for (const label of window.__helios.edge_labels) {
    const x = stage.left + label.x + label.width / 2, y = stage.top + label.y + label.height / 2;
    if (document.elementFromPoint(x, y) === video) return {edge: label.edge, x, y};
  }
  return null;
})()"""


def open_page(browser, url, width=1000, height=660):
    page = browser.new_context(viewport={"width": width, "height": height}).new_page()
    page.goto(url)
    wait_for(page, "window.__helios.transport === 'webrtc'", timeout_s=30)
    return page


def assert_labels_apart(page, at_least_edges):
    wait_for(page, f"window.__helios.edge_labels.length >= {at_least_edges} && window.__helios.labels.length > 0", 20)
    page.wait_for_timeout(300)
    check = page.evaluate(LABEL_CHECK)
    assert check["edges"] == check["listedEdges"] >= at_least_edges, check
    assert check["nodes"] == check["listedNodes"] > 0, check
    assert check["edgeEdge"] == 0 and check["edgeNode"] == 0 and check["outside"] == 0, check
    placed = page.evaluate("[...window.__helios.labels, ...window.__helios.edge_labels]")
    for index, first in enumerate(placed):  # the page's own lists agree
        for second in placed[index + 1:]:
            assert not (first["x"] < second["x"] + second["width"] and second["x"] < first["x"] + first["width"]
                        and first["y"] < second["y"] + second["height"]
                        and second["y"] < first["y"] + first["height"]), (first, second)
    return check


def colour_counts_until(page, colours, done, timeout_s=10.0):
    """The page's colour counts once ``done(counts)`` holds (the video catches up), or the last ones."""
    deadline = time.monotonic() + timeout_s
    while True:
        counts = page.evaluate(COLOUR_COUNT_JS, colours)
        if done(counts) or time.monotonic() > deadline:
            return counts
        page.wait_for_timeout(300)


def ends_text(edge):
    source, target, _, _ = EDGES[edge]
    return f"{NODES[source]} → {NODES[target]}"


def test_hover_click_legend_and_filter_of_edges_in_two_pages(tmp_path):
    path = write_multigraph(tmp_path / "synapses.gml")
    with HeliosProcess("view", str(path), "--port", "0", "--no-window", "--edge-color-by", "kind",
                       "--edge-width-by", "weight", "--edge-labels", "kind") as helios, \
            sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        ann, bo = open_page(browser, helios.url), open_page(browser, helios.url, 900, 600)
        wait_until_settled(ann)
        assert_labels_apart(ann, 4)
        assert_labels_apart(bo, 4)
        assert all(label["text"] == EDGES[label["edge"]][3] for label in ann.evaluate("window.__helios.edge_labels"))

        # Bo finds a node: it is selected for everyone, and the camera flies to it (close: few edges show).
        bo.fill("#search-input", "epsilon")
        wait_for(bo, "window.__helios.searchResults && window.__helios.searchResults.length > 0", 10)
        bo.locator("#search-results li").first.dispatch_event("mousedown")
        wait_for(ann, "window.__helios.selection && window.__helios.selection.label === 'epsilon'", 10)
        ann.wait_for_timeout(1500)  # the flight ends
        wait_for(ann, "window.__helios.edge_labels.length >= 1", 10)

        # Hover: the pointer rests on an edge's middle; its ends, weight and kind show beside the pointer.
        target = ann.evaluate(EDGE_TARGET_JS)
        assert target is not None
        edge = target["edge"]
        source, destination, weight, kind = EDGES[edge]
        bo_box = bo.locator("#video").bounding_box()  # Bo's own pointer rests on his picture too (a corner)
        bo.mouse.move(bo_box["x"] + 5, bo_box["y"] + 5)
        ann.mouse.move(target["x"] - 60, target["y"] - 60)
        ann.wait_for_timeout(200)
        ann.mouse.move(target["x"], target["y"])
        wait_for(ann, f"window.__helios.edge_hover && window.__helios.edge_hover.index === {edge}", 10)
        wait_for(ann, "!document.getElementById('edge-tooltip').hidden", 5)
        tooltip = ann.inner_text("#edge-tooltip")
        assert tooltip.splitlines() == [ends_text(edge), f"weight: {weight:g}", f"kind: {kind}"], tooltip
        box = ann.locator("#edge-tooltip").bounding_box()
        assert abs(box["x"] - target["x"]) < 80 and abs(box["y"] - target["y"]) < 80, (box, target)
        # The other page hears of it, and shows no tooltip: the hover names Ann, not Bo, whose pointer is fresh too.
        wait_for(bo, f"window.__helios.edge_hover && window.__helios.edge_hover.index === {edge}", 10)
        assert bo.evaluate("document.getElementById('edge-tooltip').hidden")
        hovered = bo.evaluate("window.__helios.edge_hover")
        assert (hovered["source_label"], hovered["target_label"], hovered["directed"]) == (
            NODES[source], NODES[destination], True)

        # Click: the edge is selected for everyone (and the node is not), and Bo's info panel shows it.
        ann.mouse.click(target["x"], target["y"])
        wait_for(bo, f"window.__helios.edge_selection && window.__helios.edge_selection.index === {edge}", 10)
        wait_for(bo, "window.__helios.selection === null", 10)
        wait_for(bo, "!document.getElementById('info').hidden", 5)
        assert bo.inner_text("#info-title") == ends_text(edge)
        fields = bo.eval_on_selector_all("#info-fields dt, #info-fields dd", "items => items.map((item) => item.textContent)")
        assert fields == ["source", f"{NODES[source]} (id {source})", "target", f"{NODES[destination]} (id {destination})",
                          "direction", "directed",
                          "weight", f"{weight:g}", "kind", kind], fields
        assert ann.inner_text("#info-title") == ends_text(edge)
        # Off the edge: the hover and its tooltip go; a double-click there clears the selection and Bo's panel,
        # and brings the whole graph back into view.
        empty = ann.evaluate(EMPTY_POINT_JS, 12)
        assert empty is not None
        video = ann.locator("#video").bounding_box()
        empty = (video["x"] + empty[0] * video["width"], video["y"] + empty[1] * video["height"])
        ann.mouse.move(*empty)
        wait_for(ann, "window.__helios.edge_hover === null && document.getElementById('edge-tooltip').hidden", 10)
        ann.mouse.dblclick(*empty)
        wait_for(bo, "window.__helios.edge_selection === null && document.getElementById('info').hidden", 10)
        wait_for(bo, "window.__helios.labels.length === 6 && window.__helios.edge_labels.length >= 4", 10)

        # The edge legend: Ann highlights "inhibits"; both pages list it, and Bo's picture dims the other kinds.
        wait_for(bo, "window.__helios.edge_legend && window.__helios.edge_legend.entries.length === 3")
        legend = bo.evaluate("window.__helios.edge_legend")
        assert [entry["name"] for entry in legend["entries"]] == KINDS
        assert [entry["count"] for entry in legend["entries"]] == [3, 3, 3]
        assert bo.locator("#edge-legend-entries li").count() == 3 and not bo.locator("#edge-legend").is_hidden()
        colours = [entry["colour"] for entry in legend["entries"]]
        inhibits, gap = KINDS.index("inhibits"), KINDS.index("gap")
        before = colour_counts_until(bo, colours, lambda counts: counts[inhibits] > 0 and counts[gap] > 0)
        assert before[inhibits] > 0 and before[gap] > 0, before
        ann.click(f"#edge-legend-entries li[data-category='{inhibits}']")
        for page in (ann, bo):
            wait_for(page, f"JSON.stringify(window.__helios.edge_legend.highlighted) === '[{inhibits}]'", 10)
        assert bo.locator(f"#edge-legend-entries li[data-category='{inhibits}']").get_attribute("class") == "highlighted"
        after = colour_counts_until(bo, colours, lambda counts: counts[gap] < 0.3 * before[gap])
        assert after[gap] < 0.3 * before[gap] and after[inhibits] > 0.6 * before[inhibits], (before, after)
        # Shift-click in Bo's page hides the "gap" edges for everyone; their nodes stay.
        bo.click(f"#edge-legend-entries li[data-category='{gap}']", modifiers=["Shift"])
        wait_for(ann, f"JSON.stringify(window.__helios.edge_legend.hidden) === '[{gap}]'", 10)
        wait_for(ann, "window.__helios.filter.shown === 6", 10)
        wait_for(ann, "window.__helios.edge_labels.length > 0 && window.__helios.edge_labels.every("
                      "(label) => label.text !== 'gap')", 10)
        bo.click("#edge-legend-reset")
        for page in (ann, bo):
            wait_for(page, "window.__helios.edge_legend.highlighted.length === 0"
                           " && window.__helios.edge_legend.hidden.length === 0", 10)
        restored = colour_counts_until(bo, colours, lambda counts: counts[gap] > 0.6 * before[gap])
        assert restored[gap] > 0.6 * before[gap], (before, restored)

        # The edge filter: weights 1..4 only. Heavier edges vanish from the picture; every node stays.
        wait_for(ann, "window.__helios.hello.view.edge_attributes.join() === 'kind,weight'")
        ann.click("#filters summary")
        ann.select_option("#filter-edge-attribute", "weight")
        ann.fill("#filter-edge-value", "1..4")
        ann.click("#filters button[type=submit]")
        for page in (ann, bo):
            wait_for(page, "JSON.stringify(window.__helios.filter.filter.edge_range) === '[1,4]'", 10)
            wait_for(page, "window.__helios.edge_labels.length > 0"
                           " && window.__helios.edge_labels.every((label) => label.edge <= 3)", 10)
            wait_for(page, "window.__helios.labels.length === 6", 10)  # every node is still drawn and labelled
            assert page.evaluate("window.__helios.filter.shown") == 6
            assert page.locator("#filter-count").inner_text().startswith("6 of 6 nodes shown")
        filtered = colour_counts_until(bo, colours, lambda counts: counts[gap] < 0.5 * before[gap])
        assert filtered[gap] < 0.5 * before[gap], (before, filtered)  # the "gap" edges of weight 6 and 8 are gone
        # By value: only the "excites" edges.
        ann.select_option("#filter-edge-attribute", "kind")
        ann.fill("#filter-edge-value", "excites")
        ann.click("#filters button[type=submit]")
        wait_for(bo, "JSON.stringify(window.__helios.filter.filter.edge_values) === '[\"excites\"]'", 10)
        wait_for(bo, "window.__helios.edge_labels.length > 0"
                     " && window.__helios.edge_labels.every((label) => label.text === 'excites')", 10)
        assert bo.evaluate("window.__helios.filter.shown") == 6
        assert bo.input_value("#filter-edge-value") == "excites"
        assert ann.evaluate("window.__helios.errors") == [] and bo.evaluate("window.__helios.errors") == []
        browser.close()
        code, _ = helios.interrupt(timeout_s=10)
        assert code == 0


def test_edge_labels_of_a_neural_network_stay_apart_at_two_zooms():
    with HeliosProcess("view", str(SHARED_DATA / "celegansneural.gml"), "--port", "0", "--no-window",
                       "--edge-labels", "weight") as helios, sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        page = open_page(browser, helios.url, 1200, 760)
        wait_until_settled(page, timeout_s=90)
        checks = [assert_labels_apart(page, 5)]
        box = page.locator("#video").bounding_box()
        before = page.evaluate("JSON.stringify(window.__helios.edge_labels.map((label) => label.edge))")
        page.mouse.move(box["x"] + box["width"] * 0.5, box["y"] + box["height"] * 0.5)
        page.mouse.wheel(0, -600)
        wait_for(page, "JSON.stringify(window.__helios.edge_labels.map((label) => label.edge)) !== "
                       f"{before!r} && window.__helios.edge_labels.length > 0", timeout_s=15)
        checks.append(assert_labels_apart(page, 5))
        print("labels (nodes, edges) at two zooms:", [(check["nodes"], check["edges"]) for check in checks])
        assert page.evaluate("window.__helios.errors") == []
        browser.close()
        helios.interrupt(timeout_s=10)
