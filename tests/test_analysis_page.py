"""Measuring the network in the page (issue 22), in headless Chromium on polblogs: the statistics panel, a
degree bar that selects exactly those nodes (server state and picture), a box on the picture that selects the
nodes inside it, the shortest path between two clicked nodes against networkx, and a second page (a watcher)
that sees the selection and the path but cannot change them."""

import io
import json
import time
import urllib.request
from urllib.parse import parse_qs, urlparse

import networkx as nx
import numpy as np
import pytest
from browser import HeliosProcess, launch_chromium, wait_for, wait_until_settled
from conftest import SHARED_DATA
from PIL import Image
from playwright.sync_api import sync_playwright

from helios_app.graph.measures.statistics import graph_statistics
from helios_app.io.read import read_graph
from helios_app.selection import inside_polygon

pytestmark = [pytest.mark.browser, pytest.mark.slow]

POLBLOGS = SHARED_DATA / "polblogs.gml"
# helios_app.render.labels: the first 600 nodes in the picture are label candidates (the hovered and the selected
# one are sent apart): fewer than 600 in all are every node in the picture.
MAX_CANDIDATES = 600

# Every server message the page receives, the newest of each type in window.__latest (the label candidates
# tell where each node is drawn: {node, x, y, r} as fractions of the picture), counted in window.__received;
# and every message it sends, as sent, in window.__sent.
RECORD_MESSAGES = """
(() => {
  const Native = window.WebSocket;
  window.__latest = {};
  window.__received = {};
  window.__sent = [];
  const send = Native.prototype.send;
  Native.prototype.send = function (text) { window.__sent.push(text); return send.call(this, text); };
  window.WebSocket = class extends Native {
    constructor(...args) {
      super(...args);
      this.addEventListener('message', (event) => {
        try {
          const message = JSON.parse(event.data);
          window.__latest[message.type] = message;
          window.__received[message.type] = (window.__received[message.type] || 0) + 1;
        } catch { /* not JSON */ }
      });
    }
  };
})();
"""


def frame_brightness(url: str) -> float:
    """The brightness of the picture's lit pixels (nodes and edges, not the dark background) per pixel."""
    with urllib.request.urlopen(url.replace("/?", "/frame.jpg?"), timeout=10) as response:
        data = response.read()
    picture = np.asarray(Image.open(io.BytesIO(data)).convert("L"), dtype=np.float64)
    return float(picture[picture > 40].sum() / picture.size)


def open_page(browser, url: str, errors: list, width: int = 1200, height: int = 760):
    context = browser.new_context(viewport={"width": width, "height": height})
    context.add_init_script(RECORD_MESSAGES)
    page = context.new_page()
    page.on("pageerror", lambda error: errors.append(f"{url[-12:]}: {error}"))
    page.goto(url)
    wait_for(page, "window.__helios.transport === 'webrtc'", timeout_s=30)
    return page


def candidates(page) -> list[dict]:
    """The label candidates of the picture, and the hovered and selected nodes (sent apart from them)."""
    return page.evaluate("""(() => {
      const pointed = window.__latest.pointed_labels || {};
      const all = [...(window.__latest.labels ? window.__latest.labels.labels : []),
                   ...[pointed.hover, pointed.selection].filter(Boolean)];
      return [...new Map(all.map((place) => [place.node, place])).values()];
    })()""")


def new_labels(page, seen: int, timeout_s: float = 15.0) -> list[dict]:
    """The label candidates of a picture at rest after the ``seen``-th labels message."""
    deadline = time.monotonic() + timeout_s
    while True:  # the newest candidates, once no other message has come for 600 ms
        wait_for(page, f"(window.__received.labels || 0) > {seen} && window.__latest.labels.labels.length > 0",
                 max(0.1, deadline - time.monotonic()))
        seen = page.evaluate("window.__received.labels")
        page.wait_for_timeout(600)
        if page.evaluate("window.__received.labels") == seen and page.evaluate("window.__latest.labels.labels.length"):
            return candidates(page)
        seen -= 1


def nx_graph(graph) -> nx.DiGraph:
    """The simple graph the measures use (self-loops dropped, parallel records merged), on node indices."""
    result = nx.DiGraph() if graph.directed else nx.Graph()
    result.add_nodes_from(range(graph.node_count))
    result.add_edges_from((int(u), int(v)) for u, v in graph.edges.tolist() if u != v)
    return result


def test_statistics_degree_bars_box_select_and_paths_on_polblogs():
    started = time.monotonic()
    graph = read_graph(POLBLOGS)
    expected = graph_statistics(graph)
    simple = nx_graph(graph)
    degree = dict(simple.degree())  # in + out for a directed graph
    errors: list[str] = []
    with HeliosProcess("view", str(POLBLOGS), "--port", "0", "--no-window") as helios, sync_playwright() as playwright:
        watch_url = next(line.split("watch ")[1].split()[0] for line in helios.output if "helios: watch" in line)
        browser = launch_chromium(playwright)
        page = open_page(browser, helios.url, errors)
        watcher = open_page(browser, watch_url, errors, 900, 600)
        wait_until_settled(page)

        # (a) The statistics panel: the counts of the graph, and the degree distribution as page SVG.
        page.click("#statistics summary")
        wait_for(page, "window.__helios.statistics !== null", timeout_s=30)
        shown = {key: page.get_attribute(f"#statistics-fields dd[data-statistic={key}]", "data-value")
                 for key in ("nodes", "edges", "components", "diameter")}
        assert int(shown["nodes"]) == expected["nodes"] == graph.node_count == simple.number_of_nodes()
        assert int(shown["edges"]) == expected["edges"] == simple.number_of_edges()
        assert int(shown["components"]) == expected["components"]
        assert page.locator("#statistics-fields dd[data-statistic=nodes]").inner_text() == f"{expected['nodes']:,}"
        assert page.locator("#degree-kind").is_visible()  # polblogs is directed: total, in, out
        bars = page.evaluate("""[...document.querySelectorAll('#degree-plot rect[data-low]')].map((rect) =>
            ({low: +rect.dataset.low, high: +rect.dataset.high, count: +rect.dataset.count}))""")
        assert sum(bar["count"] for bar in bars) == graph.node_count
        for bar in bars:
            assert bar["count"] == sum(1 for value in degree.values() if bar["low"] <= value <= bar["high"]), bar
        assert len(bars) < len(expected["degree_distribution"]["total"]["degrees"])  # wide: log bins
        page.uncheck("#degree-log")  # linear axes: one bar per degree
        assert page.locator("#degree-plot rect[data-low]").count() == len(expected["degree_distribution"]["total"]["degrees"])
        page.check("#degree-log")

        # Measures computed from the page: listed with their details, a node attribute (the filter offers it).
        page.click("#measures summary")
        for name in ("pagerank", "louvain"):
            page.select_option("#measure-choice", name)
            page.click("#measure-compute")
            wait_for(page, f"window.__helios.measures.some((measure) => measure.name === '{name}')", 60)
        assert "modularity 0.4" in page.locator("#measure-list li[data-measure=louvain]").inner_text()
        wait_for(page, "document.querySelector('#filter-attribute option[value=pagerank]') !== null", 10)
        wait_for(watcher, "window.__helios.measures.length === 2", 10)

        # (b) A click on a degree bar selects exactly the nodes of that degree, for every viewer; the others dim.
        page.wait_for_timeout(800)
        before = frame_brightness(helios.url)
        bar = max((bar for bar in bars if bar["low"] == bar["high"]), key=lambda bar: bar["count"])
        wanted = sorted(node for node, value in degree.items() if value == bar["low"])
        rect = page.locator(f"#degree-plot rect[data-low='{bar['low']}'][data-high='{bar['high']}']")
        rect.hover()
        assert page.locator("#degree-readout").inner_text() == f"degree {bar['low']}: {bar['count']:,} nodes"
        rect.click()
        for viewer in (page, watcher):
            wait_for(viewer, f"window.__helios.nodeSelection && window.__helios.nodeSelection.count === {len(wanted)}", 15)
        assert sorted(page.evaluate("window.__helios.nodeSelection.nodes")) == wanted[:400]
        assert page.locator("#selection-count").inner_text().startswith(f"{len(wanted):,} nodes selected")
        assert page.locator("#selection-measures dd[data-measure=pagerank]").is_visible()
        deadline, after = time.monotonic() + 10, before
        while time.monotonic() < deadline and after > 0.8 * before:
            page.wait_for_timeout(300)
            after = frame_brightness(helios.url)
        assert after < 0.8 * before, (before, after)  # the non-selected nodes (most of the picture) dimmed

        # A watcher sees the panels but steers nothing.
        for control in ("#measure-compute", "#path-pick", "#selection-actions button[data-action=clear]"):
            assert watcher.locator(control).is_disabled(), control

        seen = page.evaluate("window.__received.labels || 0")
        page.click("#selection-actions button[data-action=clear]")
        wait_for(page, "window.__helios.nodeSelection.count === 0", 10)
        assert "selection" not in parse_qs(urlparse(page.url).query)

        # (c) A box on the picture (shift-drag) selects the nodes drawn inside it. Zoom in until every node in
        # the picture is a label candidate (fewer than MAX_CANDIDATES): then their places are all known.
        media = page.locator("#video").bounding_box()
        places = new_labels(page, seen)  # while nodes were selected, only they were candidates
        for _ in range(6):
            if len(places) < MAX_CANDIDATES:
                break
            centre = np.median([[place["x"], place["y"]] for place in places], axis=0)
            seen = page.evaluate("window.__received.labels")
            page.mouse.move(media["x"] + centre[0] * media["width"], media["y"] + centre[1] * media["height"])
            page.mouse.wheel(0, -400)
            places = new_labels(page, seen)
        assert len(places) < MAX_CANDIDATES, len(places)
        at = {place["node"]: (place["x"], place["y"]) for place in places}
        xy = np.array(list(at.values()))
        centre = np.median(xy, axis=0)
        for half in (0.05, 0.08, 0.12, 0.18):
            low, high = np.clip(centre - half, 0.02, 0.98), np.clip(centre + half, 0.02, 0.98)
            inside = {node for node, (x, y) in at.items() if low[0] + 0.003 < x < high[0] - 0.003
                      and low[1] + 0.003 < y < high[1] - 0.003}
            if len(inside) >= 5:
                break
        maybe = {node for node, (x, y) in at.items() if low[0] - 0.003 <= x <= high[0] + 0.003
                 and low[1] - 0.003 <= y <= high[1] + 0.003}
        assert 5 <= len(inside) <= len(maybe) <= 400, (len(inside), len(maybe), len(at), centre, xy[:5])
        def clear_spot(node):  # no other node within 14 px: a click there is on this node
            x, y = at[node]
            others = np.delete(xy, list(at).index(node), axis=0)
            gaps = np.hypot((others[:, 0] - x) * media["width"], (others[:, 1] - y) * media["height"])
            return gaps.min() > 14 and 0.05 < x < 0.95 and 0.05 < y < 0.95

        def click(node):
            page.mouse.click(media["x"] + at[node][0] * media["width"], media["y"] + at[node][1] * media["height"])

        page.keyboard.down("Shift")
        page.mouse.move(media["x"] + low[0] * media["width"], media["y"] + low[1] * media["height"])
        page.mouse.down()
        for step in range(1, 11):
            fraction = low + (high - low) * step / 10
            page.mouse.move(media["x"] + fraction[0] * media["width"], media["y"] + fraction[1] * media["height"])
            page.wait_for_timeout(15)
        assert page.locator("#selection-overlay rect").is_visible()  # the box is drawn while dragging
        page.mouse.up()
        page.keyboard.up("Shift")
        assert not page.locator("#selection-overlay").is_visible()
        wait_for(page, "window.__helios.nodeSelection.count > 0", 10)
        selected = set(page.evaluate("window.__helios.nodeSelection.nodes"))
        assert inside <= selected <= maybe, (sorted(inside - selected), sorted(selected - maybe), len(places),
                                             [(node, at.get(node)) for node in selected - maybe], low, high)
        assert page.evaluate("window.__helios.nodeSelection.count") == len(selected)
        wait_for(watcher, f"window.__helios.nodeSelection.count === {len(selected)}", 10)
        # The drag moved no camera and no node: the picture's places are the same.
        assert page.evaluate("window.__helios.status.layout.state") == "settled"

        # The page's export is the selection's subgraph.
        with page.expect_download() as download:
            page.click("#selection-export")
        exported = nx.read_graphml(download.value.path())
        assert exported.number_of_nodes() == len(selected)
        assert download.value.suggested_filename == "selection.graphml"

        # A shift-click on a node (no drag) adds it to the selection or takes it out.
        lonely = [node for node in at if clear_spot(node)]
        toggled = lonely[0]
        page.keyboard.down("Shift")
        click(toggled)
        page.keyboard.up("Shift")
        wait_for(page, f"window.__helios.nodeSelection.count === {len(selected ^ {toggled})}", 10)
        assert set(page.evaluate("window.__helios.nodeSelection.nodes")) == selected ^ {toggled}
        selected ^= {toggled}

        # The address carries the selection: an editor who opens it selects the same nodes.
        address = page.url
        assert set(map(int, parse_qs(urlparse(address).query)["selection"][0].split(","))) == selected
        page.click("#selection-actions button[data-action=clear]")
        wait_for(page, "window.__helios.nodeSelection.count === 0", 10)
        shared = open_page(browser, address, errors, 900, 600)
        for viewer in (shared, page):
            wait_for(viewer, f"window.__helios.nodeSelection.count === {len(selected)}", 15)
        shared.context.close()

        # A lasso (alt-drag) of 300 steps goes as at most 200 corners in one message; it selects the nodes inside.
        radius = 0.6 * (high - low).min() * np.array([1.0, media["width"] / media["height"]])
        page.keyboard.down("Alt")
        for step in range(301):
            angle = 2 * np.pi * step / 300
            x, y = centre + radius * (np.cos(angle), np.sin(angle))
            page.mouse.move(media["x"] + x * media["width"], media["y"] + y * media["height"])
            if step == 0:
                page.mouse.down()
        page.mouse.up()
        page.keyboard.up("Alt")
        sent = page.evaluate("window.__sent.filter((text) => text.includes('select_area'))")[-1]
        assert len(sent.encode()) <= 4096
        polygon = np.array(json.loads(sent)["points"])
        assert 100 <= len(polygon) <= 200 and json.loads(sent)["mode"] == "replace"
        expected = {node for node, flag in zip(at, inside_polygon(xy, polygon), strict=True) if flag}
        starts, ends = polygon, np.roll(polygon, -1, axis=0)
        along = np.clip(((xy[:, None] - starts) * (ends - starts)).sum(axis=2)
                        / ((ends - starts) ** 2).sum(axis=1).clip(1e-12), 0, 1)
        edge_distance = np.linalg.norm(xy[:, None] - (starts + along[..., None] * (ends - starts)), axis=2).min(axis=1)
        unsure = {node for node, distance in zip(at, edge_distance, strict=True) if distance < 0.002}
        assert len(expected) >= 3
        wait_for(page, "JSON.stringify(window.__helios.nodeSelection.nodes) !== " + json.dumps(json.dumps(sorted(selected))), 10)
        page.wait_for_timeout(300)
        lassoed = set(page.evaluate("window.__helios.nodeSelection.nodes"))
        assert lassoed ^ expected <= unsure, (sorted(lassoed - expected), sorted(expected - lassoed))

        # (d) The shortest path between two clicked nodes: pick nodes apart from any other, joined by a path.
        pairs = [(a, b) for a in lonely for b in lonely if a != b and nx.has_path(simple, a, b)
                 and nx.shortest_path_length(simple, a, b) >= 2]
        assert pairs, "no two nodes apart from the others joined by a path"
        first, second = max(pairs, key=lambda pair: nx.shortest_path_length(simple, *pair))

        page.click("#path summary")
        page.click("#path-pick")
        click(first)
        wait_for(page, "window.__helios.pathPick && window.__helios.pathPick.source !== null", 10)
        source = page.evaluate("window.__helios.pathPick.source")
        click(second)
        wait_for(page, "window.__helios.path !== null", 15)
        path = page.evaluate("window.__helios.path")
        assert (path["source"], path["target"]) == (source, path["target"])
        assert source == first and path["target"] == second, (first, second, path)
        length = nx.shortest_path_length(simple, first, second)
        assert path["length"] == length and path["hops"] == length, path
        assert nx.is_path(simple, path["paths"][0]) and path["paths"][0][0] == first
        text = page.locator("#path-result").inner_text()
        assert f"length {length} ({length} hops)" in text, text

        # (e) The watcher sees the path too (and the selection, above).
        wait_for(watcher, f"window.__helios.path && window.__helios.path.target === {second}", 10)
        assert watcher.locator("#path-result").inner_text() == text
        page.click("#path-clear")
        for viewer in (page, watcher):
            wait_for(viewer, "window.__helios.path === null", 10)

        assert page.evaluate("window.__helios.errors") == [] and errors == [], errors
        browser.close()
        helios.interrupt(timeout_s=10)
    print(f"the page test took {time.monotonic() - started:.1f} s")
