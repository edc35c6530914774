"""Exploring real graphs in headless Chromium: labels as page text without overlap, the legend as a
control, filters from the page and from a shared address."""

import json
import re
import time
import urllib.request
from urllib.parse import parse_qs, urlparse

import networkx as nx
import pytest
from browser import PIXELS_JS, HeliosProcess, launch_chromium, wait_for, wait_until_settled
from conftest import SHARED_DATA
from playwright.sync_api import sync_playwright

pytestmark = [pytest.mark.browser, pytest.mark.slow]

# Every label box the page drew (from the DOM's own geometry), and whether any two intersect, or sit side
# by side closer than 5 px (two numbers touching read as one), or one leaves the picture.
LABEL_CHECK = """(() => {
  const video = document.getElementById('video').getBoundingClientRect();
  const boxes = [...document.querySelectorAll('#labels .label')].map((label) => label.getBoundingClientRect());
  let overlaps = 0, outside = 0;
  boxes.forEach((a, i) => {
    if (a.left < video.left - 0.5 || a.top < video.top - 0.5 || a.right > video.right + 0.5 || a.bottom > video.bottom + 0.5) outside++;
    for (const b of boxes.slice(i + 1)) {
      if (a.left < b.right + 5 && b.left < a.right + 5 && a.top < b.bottom && b.top < a.bottom) overlaps++;
    }
  });
  return {count: boxes.length, listed: window.__helios.labels.length, overlaps, outside};
})()"""


# How many pixels of the page's picture have each colour (as a node's shading draws it: the same hue,
# at least 45 % of its brightness): dimmed nodes, mixed toward the background, do not count.
COLOUR_COUNT_JS = """
(colours) => {
""" + PIXELS_JS + """  const targets = colours.map((hex) => [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16)));
  const counts = targets.map(() => 0);
  for (let offset = 0; offset < data.length; offset += 8) {
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


def frame(url: str) -> bytes:
    with urllib.request.urlopen(url.replace("/?", "/frame.jpg?"), timeout=10) as response:
        return response.read()


def wait_for_new_frame(url: str, before: bytes, timeout_s: float = 10.0) -> bytes:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        now = frame(url)
        if now != before:
            return now
        time.sleep(0.1)
    raise AssertionError("the picture did not change")


def open_page(browser, url: str, width: int = 1200, height: int = 760):
    page = browser.new_context(viewport={"width": width, "height": height}).new_page()
    page.goto(url)
    wait_for(page, "window.__helios.transport === 'webrtc'", timeout_s=30)
    return page


def assert_labels_apart(page, at_least: int) -> dict:
    wait_for(page, f"window.__helios.labels.length >= {at_least}", timeout_s=20)
    page.wait_for_timeout(300)
    check = page.evaluate(LABEL_CHECK)
    assert check["count"] == check["listed"] >= at_least, check
    assert check["overlaps"] == 0 and check["outside"] == 0, check
    listed = page.evaluate("window.__helios.labels")
    for index, first in enumerate(listed):  # the page's own list agrees
        for second in listed[index + 1:]:
            assert not (first["x"] < second["x"] + second["width"] and second["x"] < first["x"] + first["width"]
                        and first["y"] < second["y"] + second["height"] and second["y"] < first["y"] + first["height"])
    return check


def test_labels_are_page_text_that_never_overlaps_and_waits_for_the_camera():
    with HeliosProcess("view", str(SHARED_DATA / "power.gml"), "--port", "0", "--no-window") as helios, \
            sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        page = open_page(browser, helios.url)
        wait_until_settled(page)
        counts = [assert_labels_apart(page, 40)["count"]]
        texts = page.evaluate("window.__helios.labels.map((label) => label.text)")
        assert all(re.fullmatch(r"\d+", text) for text in texts)  # power.gml's node ids
        box = page.locator("#video").bounding_box()
        for _ in range(2):  # zoom in twice around the middle: new labels, still apart
            before = page.evaluate("JSON.stringify(window.__helios.labels.map((label) => label.node))")
            page.mouse.move(box["x"] + box["width"] * 0.5, box["y"] + box["height"] * 0.5)
            page.mouse.wheel(0, -500)
            wait_for(page, f"JSON.stringify(window.__helios.labels.map((label) => label.node)) !== {json.dumps(before)}"
                           " && window.__helios.labels.length > 0", timeout_s=10)
            counts.append(assert_labels_apart(page, 20)["count"])

        # Labels vanish while the camera moves, and return soon after it stops.
        x, y = box["x"] + 0.1 * box["width"], box["y"] + 0.5 * box["height"]
        page.mouse.move(x, y)
        page.mouse.down()
        during = []
        for step in range(1, 25):
            page.mouse.move(x + step * 6, y + step * 2)
            page.wait_for_timeout(25)
            during.append(page.evaluate("document.querySelectorAll('#labels .label').length"))
        page.mouse.up()
        stopped = time.monotonic()
        assert max(during[2:]) == 0, during
        wait_for(page, "window.__helios.labels.length > 0", timeout_s=5)
        returned_s = time.monotonic() - stopped
        assert returned_s < 1.5, returned_s
        assert_labels_apart(page, 20)
        assert page.evaluate("window.__helios.errors") == []
        print(f"labels at three zoom levels: {counts}; back {returned_s:.2f} s after the drag stopped")
        browser.close()
        code, _ = helios.interrupt(timeout_s=10)
        assert code == 0


def football_conferences():
    graph = nx.read_gml(SHARED_DATA / "football.gml", label="id")
    return graph, {node: str(data["value"]) for node, data in graph.nodes(data=True)}


def test_a_legend_click_highlights_that_category_for_every_viewer():
    nx_graph, conference = football_conferences()
    with HeliosProcess("view", str(SHARED_DATA / "football.gml"), "--port", "0", "--no-window",
                       "--color-by", "value") as helios, sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        page, other = open_page(browser, helios.url), open_page(browser, helios.url, 900, 600)
        wait_until_settled(page)
        wait_for(page, "window.__helios.legend && window.__helios.legend.entries.length > 5")
        entries = page.evaluate("window.__helios.legend.entries")
        assert {entry["name"]: entry["count"] for entry in entries} == {
            name: list(conference.values()).count(name) for name in set(conference.values())}
        # The entries are the page's own HTML, with their counts.
        assert page.locator("#legend-entries li").count() == len(entries)
        chosen = entries[2]
        assert page.locator(f"#legend-entries li[data-category='{chosen['category']}'] small").inner_text() == str(
            chosen["count"])
        page.wait_for_timeout(1500)
        before = frame(helios.url)

        colours = [entry["colour"] for entry in entries]
        counted_before = page.evaluate(COLOUR_COUNT_JS, colours)
        page.click(f"#legend-entries li[data-category='{chosen['category']}']")
        for viewer in (page, other):
            wait_for(viewer, f"JSON.stringify(window.__helios.legend.highlighted) === '[{chosen['category']}]'", 10)
        highlighted = wait_for_new_frame(helios.url, before)
        # In the picture: the chosen category keeps its colour, every other one has dimmed. The
        # picture may pass through a moving (smaller, blurrier) frame first: look until it settles.
        others_before = sum(counted_before) - counted_before[chosen["category"]]
        deadline = time.monotonic() + 10
        while True:
            page.wait_for_timeout(500)
            counted_after = page.evaluate(COLOUR_COUNT_JS, colours)
            others_after = sum(counted_after) - counted_after[chosen["category"]]
            kept = counted_after[chosen["category"]] > 0.6 * counted_before[chosen["category"]] > 0
            if (kept and others_after < 0.2 * others_before) or time.monotonic() > deadline:
                break
        assert kept, (counted_before, counted_after)
        assert others_after < 0.2 * others_before, (counted_before, counted_after)
        print("colour counts before/after", counted_before, counted_after)
        assert page.locator(f"#legend-entries li[data-category='{chosen['category']}']").get_attribute(
            "class") == "highlighted"
        # Only that category keeps labels: every label shown is one of its nodes.
        wait_for(page, "window.__helios.labels.length > 0", timeout_s=10)
        labelled = page.evaluate("window.__helios.labels.map((label) => label.text)")
        members = {nx_graph.nodes[node]["label"] for node, name in conference.items() if name == chosen["name"]}
        assert set(labelled) <= members and labelled

        # Shift-click hides it; alt-click keeps only it; "show all" brings everything back.
        page.click(f"#legend-entries li[data-category='{chosen['category']}']", modifiers=["Shift"])
        wait_for(other, f"window.__helios.filter.shown === {len(conference) - chosen['count']}", timeout_s=10)
        wait_for_new_frame(helios.url, highlighted)
        page.click(f"#legend-entries li[data-category='{chosen['category']}']", modifiers=["Alt"])
        wait_for(other, f"window.__helios.filter.shown === {chosen['count']}", timeout_s=10)
        page.click("#legend-reset")
        wait_for(other, f"window.__helios.filter.shown === {len(conference)}"
                        " && window.__helios.legend.highlighted.length === 0", timeout_s=10)
        assert page.evaluate("window.__helios.errors") == []
        browser.close()
        helios.interrupt(timeout_s=10)


def test_filters_from_the_page_and_from_a_shared_address():
    graph = nx.read_gml(SHARED_DATA / "power.gml", label="id")
    core = nx.k_core(graph, 3)
    with HeliosProcess("view", str(SHARED_DATA / "power.gml"), "--port", "0", "--no-window") as helios, \
            sync_playwright() as playwright:
        watch_url = next(re.search(r"watch (\S+)", line).group(1) for line in helios.output if "helios: watch" in line)
        browser = launch_chromium(playwright)
        page = open_page(browser, helios.url)
        wait_until_settled(page)
        wait_for(page, f"window.__helios.filter && window.__helios.filter.shown === {graph.number_of_nodes()}")
        page.wait_for_timeout(1500)
        before = frame(helios.url)
        page.click("#filters summary")
        page.fill("#filter-k-core", "3")
        page.select_option("#filter-mode", "hide")
        page.click("#filters button[type=submit]")
        wait_for(page, f"window.__helios.filter.shown === {core.number_of_nodes()}", timeout_s=15)
        filtered = wait_for_new_frame(helios.url, before)
        assert page.locator("#filter-count").inner_text().startswith(f"{core.number_of_nodes():,} of")

        # The address now carries the filter; whoever opens it gets that filter.
        address = page.url
        assert json.loads(parse_qs(urlparse(address).query)["filter"][0]) == {"k_core": 3, "mode": "hide"}
        page.click("#filter-clear")
        wait_for(page, f"window.__helios.filter.shown === {graph.number_of_nodes()}", timeout_s=15)
        wait_for_new_frame(helios.url, filtered)
        shared = open_page(browser, address)
        wait_for(shared, f"window.__helios.filter.shown === {core.number_of_nodes()}", timeout_s=15)
        wait_for(page, f"window.__helios.filter.shown === {core.number_of_nodes()}", timeout_s=15)

        # A degree range and the neighbourhood of a selected node, from the page's form.
        hub = max(graph.degree(), key=lambda pair: pair[1])[0]
        page.fill("#filter-k-core", "")
        page.fill("#filter-degree-min", "4")
        page.fill("#filter-degree-max", "6")
        page.click("#filters button[type=submit]")
        expected = sum(1 for _, degree in graph.degree() if 4 <= degree <= 6)
        wait_for(page, f"window.__helios.filter.shown === {expected}", timeout_s=15)
        page.fill("#search-input", str(hub))
        wait_for(page, "window.__helios.searchResults && window.__helios.searchResults.length > 0", timeout_s=10)
        page.locator("#search-results li").first.dispatch_event("mousedown")
        wait_for(page, f"window.__helios.selection && window.__helios.selection.id === '{hub}'", timeout_s=10)
        page.fill("#filter-degree-min", "")
        page.fill("#filter-degree-max", "")
        page.fill("#filter-hops", "2")
        page.click("#filters button[type=submit]")
        near = nx.single_source_shortest_path_length(graph, hub, cutoff=2)
        wait_for(page, f"window.__helios.filter.shown === {len(near)}", timeout_s=15)

        # A watcher may not filter: refused, nothing changes for anyone.
        watcher = open_page(browser, watch_url)
        watcher.evaluate("""(() => { const socket = new WebSocket(location.href.replace('http', 'ws').replace('/?', '/ws?'));
            window.__refusal = null;
            socket.onmessage = (event) => { const message = JSON.parse(event.data);
                                            if (message.type === 'error') window.__refusal = message.message; };
            socket.onopen = () => socket.send(JSON.stringify({type: 'filter', filter: {}})); })()""")
        wait_for(watcher, "window.__refusal !== null", timeout_s=10)
        assert watcher.evaluate("window.__refusal").startswith("filter is for editors")
        page.wait_for_timeout(1000)
        assert page.evaluate("window.__helios.filter.shown") == len(near)
        assert watcher.locator("#filter-k-core").is_disabled()
        assert page.evaluate("window.__helios.errors") == []
        browser.close()
        helios.interrupt(timeout_s=10)


def present_in_file(path, at: float) -> int:
    """Nodes of a dynamic GEXF present at ``at``, read with xml.etree: spells, else start/end, else always."""
    import datetime
    from xml.etree import ElementTree

    def seconds(text):
        return datetime.datetime.fromisoformat(text).replace(tzinfo=datetime.UTC).timestamp()

    root = ElementTree.parse(path).getroot()
    count = 0
    for node in root.iter("{http://gexf.net/1.3}node"):
        spells = [(spell.get("start"), spell.get("end")) for spell in node.iter("{http://gexf.net/1.3}spell")]
        intervals = spells or ([(node.get("start"), node.get("end"))] if node.get("start") or node.get("end") else [])
        if not intervals or any((start is None or seconds(start) <= at) and (end is None or at < seconds(end))
                                for start, end in intervals):
            count += 1
    return count


def test_a_time_slider_shows_a_dynamic_graph_as_of_three_times():
    path = "data/dynamic.gexf"
    with HeliosProcess("view", path, "--port", "0", "--no-window") as helios, sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        page, other = open_page(browser, helios.url), open_page(browser, helios.url, 900, 600)
        wait_for(page, "!document.getElementById('timeline').hidden && window.__helios.filter", timeout_s=10)
        first, last = page.evaluate("window.__helios.hello.view.time_range")
        counts = []
        for value in (30, 450, 880):
            before = frame(helios.url)
            page.evaluate(f"""(() => {{ const slider = document.getElementById('time-slider');
                slider.value = {value}; slider.dispatchEvent(new Event('input')); }})()""")
            wait_for(page, f"window.__helios.time && Math.abs(window.__helios.time.at - "
                           f"{first + (last - first) * value / 1000}) < 1", timeout_s=5)
            at = page.evaluate("window.__helios.time.at")
            expected = present_in_file(path, at)
            wait_for(page, f"window.__helios.filter.shown === {expected}"
                           f" && window.__helios.filter.filter.time[1] === {at}", timeout_s=10)
            wait_for(other, f"window.__helios.filter.shown === {expected}", timeout_s=10)  # everyone sees that time
            wait_for_new_frame(helios.url, before)
            counts.append(expected)
        assert len(set(counts)) == 3, counts  # three different graphs
        assert page.locator("#time-label").inner_text()[:2] == "20"  # a date: the file's timeformat is date
        page.click("#time-off")
        wait_for(page, "window.__helios.filter.shown === 30 && !('time' in window.__helios.filter.filter)", 10)
        assert page.evaluate("window.__helios.errors") == []
        browser.close()
        helios.interrupt(timeout_s=10)
