"""The Python view API in a plain process: a real server, the real layout worker and renderer, and a
headless Chromium page as the user who clicks."""

import queue
import threading
import time

import networkx
import numpy as np
import pytest
from browser import PICTURE_JS, launch_chromium, wait_for
from playwright.sync_api import sync_playwright

import helios_app
from helios_app.errors import HeliosError


def _karate_with_tuple_ids():
    """Karate club with nodes named ("member", i): ids of any hashable type must work."""
    return networkx.relabel_nodes(networkx.karate_club_graph(), lambda node: ("member", node))


def _wait(predicate, timeout_s=30.0, what="condition"):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def _scene_value(view, function):
    """Run ``function(scene)`` on the render thread and return its result."""
    answer: queue.Queue = queue.Queue()
    view.session.render_loop.edit(lambda scene: answer.put(function(scene)))
    return answer.get(timeout=10)


def test_positions_pins_style_layout_and_camera_in_a_script():
    with helios_app.show(_karate_with_tuple_ids()) as view:
        assert view.node_ids[:2] == [("member", 0), ("member", 1)]
        first = view.positions
        assert first.shape == (34, 2) and first.dtype == np.float64
        first[:] = 0  # a copy: the view is untouched
        assert np.abs(view.positions).max() > 0
        _wait(lambda: view.layout.state == "settled", 60, "the layout to settle")
        settled = view.positions
        time.sleep(0.5)
        assert np.array_equal(view.positions, settled), "a settled layout holds still"

        view.layout.pause()
        paused = view.positions
        time.sleep(0.3)
        assert view.layout.state == "paused" and np.array_equal(view.positions, paused)
        view.layout.resume()

        view.set_colors({("member", 0): "#ff0000"})
        _wait(lambda: _scene_value(view, lambda scene: tuple(scene._base_node_colors[0])) == (255, 0, 0), 10,
              "the colour to reach the scene")
        view.set_colors(lambda node: (0.0, 1.0, 0.0) if node[1] % 2 else "#0000ff")
        _wait(lambda: _scene_value(view, lambda scene: tuple(scene._base_node_colors[1])) == (0, 255, 0), 10,
              "the function colours")
        assert _scene_value(view, lambda scene: tuple(scene._base_node_colors[2])) == (0, 0, 255)
        view.set_colors("club")  # a node attribute: two categories, two colours
        _wait(lambda: len({tuple(c) for c in _scene_value(view, lambda s: s._base_node_colors)}) == 2, 10,
              "the attribute colours")
        view.set_sizes({("member", 33): 3.0})
        view.set_labels({("member", 0): "Mr Hi"})
        _wait(lambda: view.session.search("mr hi") and view.session.search("mr hi")[0]["node"] == 0, 10,
              "the label")
        with pytest.raises(HeliosError, match="colour of node"):
            view.set_colors({("member", 0): "red"})
        with pytest.raises(HeliosError, match="no node"):
            view.pin(["nobody"])

        camera = _wait(lambda: view.session.render_loop.camera_state, 10, "a first frame")
        moved = {**camera, "parallel_scale": camera["parallel_scale"] * 2}
        view.camera = moved
        _wait(lambda: abs(view.camera["parallel_scale"] - moved["parallel_scale"]) < 1e-9, 10, "the camera")
        assert view.screenshot().shape[2] == 3
        assert set(view.links) == {"editor", "watcher"}
    assert view.stopped_reason and not any(t.name.startswith("helios") for t in threading.enumerate())


def test_a_pinned_node_holds_still_in_the_layout_and_on_screen_while_the_rest_moves():
    graph = networkx.relabel_nodes(networkx.connected_watts_strogatz_graph(3000, 6, 0.05, seed=1),
                                   lambda node: ("n", node))
    with helios_app.show(graph) as view:
        _wait(lambda: view.session.render_loop.camera_state, 30, "a first frame")
        view.pin([("n", 0)], [[0.0, 0.0]])
        _wait(lambda: view.pinned == [("n", 0)], 10, "the pin")
        view.layout.restart(seed=7)  # from scratch, keeping the pin: everything else moves a lot
        _wait(lambda: view.layout.state == "running", 10, "the restarted layout to run")
        time.sleep(0.15)  # the renderer shows the pinned position (it reads the layout at its own pace)
        samples, screen = [], []
        deadline = time.monotonic() + 3
        while view.layout.state == "running" and time.monotonic() < deadline:
            samples.append(view.positions)
            screen.append(_scene_value(view, lambda scene: scene.node_pixels()[0]))
            time.sleep(0.02)
        assert len(samples) > 5 and np.abs(samples[0][1:] - samples[-1][1:]).max() > 0, "the others move"
        assert all(np.array_equal(sample[0], [0.0, 0.0]) for sample in samples)
        assert np.abs(np.array(screen) - screen[0]).max() == 0.0, "0 px drift on screen"
        view.unpin()
        _wait(lambda: view.pinned == [], 10, "the unpin")


def test_live_edits_reach_the_layout_the_scene_and_the_page():
    graph = networkx.path_graph(30)
    with helios_app.show(graph) as view, sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        page = browser.new_page()
        page.goto(view.url)
        wait_for(page, "window.__helios && window.__helios.transport === 'webrtc'", 30)
        _wait(lambda: view.layout.state == "settled", 60, "the layout to settle")
        kept = view.positions[:30]
        before = page.evaluate(PICTURE_JS)

        # A star of 20 new nodes on node 29: they appear, next to it, and the old ones keep their places.
        view.add_edges([(29, f"leaf {index}") for index in range(20)])
        # Where the new nodes start: read as soon as the layout has them (the layout then spreads them out, and
        # a CI run that read them only after the scene grew found them 13 spacings away).
        def grown_positions():
            positions = view.positions
            return (positions,) if positions.shape == (50, 2) else None

        (grown,) = _wait(grown_positions, 10, "the layout to grow")
        _wait(lambda: _scene_value(view, lambda scene: scene.node_count) == 50, 10, "the scene to grow")
        assert np.abs(grown[:30] - kept).max() < np.abs(kept).max()  # not restarted: in the same region
        spread = np.linalg.norm(kept[1:] - kept[:-1], axis=1).mean()
        leaves_distance = np.linalg.norm(grown[30:] - grown[29], axis=1)
        assert np.median(leaves_distance) < 5 * spread, "new nodes start next to their neighbour"
        wait_for(page, "document.getElementById('title').textContent.includes('50 nodes')", 10)
        _wait(lambda: page.evaluate(PICTURE_JS)["count"] > before["count"] * 1.2, 20, "the page to show the leaves")

        view.remove_nodes([f"leaf {index}" for index in range(10)])
        view.remove_edges([(0, 1)])
        _wait(lambda: view.positions.shape == (40, 2), 10, "the layout to shrink")
        _wait(lambda: _scene_value(view, lambda scene: (scene.node_count, len(scene._edges))) == (40, 38), 10,
              "the scene to shrink")
        assert view.node_ids[-1] == "leaf 19" and 0 in view.node_ids
        wait_for(page, "document.getElementById('title').textContent.includes('40 nodes')", 10)
        with pytest.raises(HeliosError, match="no edge"):
            view.remove_edges([(0, 1)])
        with pytest.raises(HeliosError, match="already"):
            view.add_nodes([0])
        browser.close()


def test_a_click_in_the_page_calls_on_click_with_the_node_id():
    with helios_app.show(_karate_with_tuple_ids()) as view, sync_playwright() as playwright:
        clicks: queue.Queue = queue.Queue()
        hovers: list = []
        view.on_click(clicks.put)
        view.on_hover(hovers.append)

        @view.on_click
        def broken(node):
            raise RuntimeError("a user's bug")

        browser = launch_chromium(playwright)
        page = browser.new_page(viewport={"width": 1100, "height": 800})
        page.goto(view.url)
        wait_for(page, "window.__helios && window.__helios.transport === 'webrtc'", 30)
        _wait(lambda: view.layout.state == "settled", 60, "the layout to settle")
        time.sleep(0.5)
        pixels, (width, height) = _scene_value(view, lambda scene: (scene.node_pixels(), scene.render_window.GetSize()))
        distances = np.linalg.norm(pixels[:, None] - pixels[None], axis=2) + np.eye(len(pixels)) * 1e9
        node = int(np.argmax(distances.min(axis=1)))  # the node farthest from any other
        box = page.locator("#video").bounding_box()
        page.mouse.click(box["x"] + pixels[node][0] / width * box["width"],
                         box["y"] + pixels[node][1] / height * box["height"])
        assert clicks.get(timeout=10) == ("member", node)
        _wait(lambda: view.selection == [("member", node)], 10, "the selection")
        _wait(lambda: ("member", node) in hovers, 10, "the hover callback")
        _wait(lambda: view.callback_errors == 1, 10, "the failing callback to be reported")
        # The view goes on after the failing callback: a second click still arrives.
        page.mouse.click(box["x"] + 5, box["y"] + 5)
        page.mouse.click(box["x"] + pixels[node][0] / width * box["width"],
                         box["y"] + pixels[node][1] / height * box["height"])
        assert clicks.get(timeout=10) == ("member", node)
        browser.close()
