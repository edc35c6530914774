"""A ViewSession in this process: it starts, serves, and leaves nothing behind when stopped."""

import json
import os
import socket
import threading
import time
import urllib.request
from pathlib import Path

import numpy as np
import pytest
from browser import remaining, shared_memory_segments
from conftest import SHARED_DATA

from helios_app import HeliosError
from helios_app.io import read_graph
from helios_app.io.session_file import load_session
from helios_app.render.render_loop import RenderLoop
from helios_app.session import ViewConfig, ViewSession


def helios_threads() -> set[str]:
    return {thread.name for thread in threading.enumerate() if thread.name.startswith("helios")}


@pytest.fixture(scope="module")
def karate():
    return read_graph(SHARED_DATA / "karate.gml")


def test_session_serves_and_cleans_up(karate):
    assert helios_threads() == set()
    session = ViewSession(karate, ViewConfig(port=0, dimensions=3, seed=5)).start()
    try:
        segments = shared_memory_segments(os.getpid())
        assert segments, "the position buffer is mapped while the session runs"
        assert {"helios-layout", "helios-render", "helios-web"} <= helios_threads()
        jpeg = urllib.request.urlopen(session.url.replace("/?", "/frame.jpg?"), timeout=10).read()
        assert jpeg.startswith(b"\xff\xd8")
        assert session.describe()["node_count"] == 34
        picture = session.screenshot(Path(os.environ.get("TMPDIR", "/tmp")) / f"helios-test-{os.getpid()}.png")
        assert picture.shape == (540, 960, 3) and picture.std() > 1
        port = session.port
    finally:
        session.stop()
    assert helios_threads() == set()
    assert not remaining(segments)
    with socket.socket() as probe:
        assert probe.connect_ex(("127.0.0.1", port)) != 0
    session.stop()  # a second stop is harmless


def test_failed_start_undoes_everything(karate):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(HeliosError, match=f"cannot listen on 127.0.0.1:{port}"):
            ViewSession(karate, ViewConfig(port=port)).start()
    assert helios_threads() == set()


@pytest.mark.parametrize(
    "options, match",
    [
        ({"layout": "magic"}, "layout must be one of fr"),
        ({"dimensions": 4}, "dimensions must be 2 or 3"),
        ({"width": 10}, "size must be between"),
        ({"port": 70000}, "port must be between"),
        ({"layout_parameters": {"gravty": 1.0}}, "fr layout has no parameter gravty; its parameters: theta"),
        ({"layout": "fa2", "layout_parameters": {"theta": -1.0}}, "fa2 layout: .*theta"),
    ],
)
def test_bad_options_name_the_field(options, match):
    with pytest.raises(HeliosError, match=match):
        ViewConfig(**options)


def test_a_flood_of_events_is_bounded():
    loop = RenderLoop(lambda: None, positions=None, publish_frame=lambda pixels: None, event_capacity=8)
    for _ in range(100):
        loop.submit_event({"type": "wheel", "delta_y": 1.0, "x": 0.5, "y": 0.5})
    assert loop.events_dropped == 92


def test_a_saved_session_restores_positions_pins_camera_and_encodings(karate, tmp_path):
    config = ViewConfig(port=0, layout="fa2", seed=3, color_by="community", theme="light")
    with ViewSession(karate, config).start() as session:
        session._worker.pin([0, 33])
        deadline = time.monotonic() + 10
        while session.status()["layout"]["pinned"] != 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        session._render_loop.submit_event({"type": "wheel", "delta_y": -300.0, "x": 0.5, "y": 0.5, "viewer_id": "t"})
        time.sleep(0.5)
        path = session.save_session(tmp_path / "view.helios.json")
        saved = load_session(path, karate)
        downloaded = urllib.request.urlopen(session.url.replace("/?", "/session.json?"), timeout=10).read()
        assert json.loads(downloaded)["graph"]["fingerprint"] == saved["fingerprint"]
    restored = ViewSession(karate, ViewConfig(port=0, session_file=str(path)))
    assert (restored.config.layout, restored.config.seed, restored.config.color_by, restored.config.theme) == (
        "fa2", 3, "community", "light")
    with restored.start():
        _, first = restored._buffer.read_latest()
        pinned = np.flatnonzero(restored._worker.layout.pinned)
        assert list(pinned) == [0, 33]
        assert np.allclose(first[[0, 33]], saved["positions"][[0, 33]], atol=1e-4), "pinned nodes stay put"
        deadline = time.monotonic() + 10
        while restored._render_loop.camera_state is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert restored._render_loop.camera_state["parallel_scale"] == pytest.approx(
            saved["camera"]["parallel_scale"])


def test_a_session_of_another_graph_is_refused(karate, tmp_path):
    with ViewSession(karate, ViewConfig(port=0)).start() as session:
        path = session.save_session(tmp_path / "karate.helios.json")
    other = read_graph(SHARED_DATA / "lesmis.gml")
    with pytest.raises(HeliosError, match="karate.helios.json"):
        ViewSession(other, ViewConfig(session_file=str(path)))


def wait_until(condition, timeout_s=20.0):
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_layout_parameters_apply_at_start_and_change_live(karate):
    config = ViewConfig(port=0, layout="fa2", layout_parameters={"lin_log": True, "gravity": 2.0})
    with ViewSession(karate, config).start() as session:
        layout = session._worker.layout
        assert layout.parameters.lin_log and layout.parameters.gravity == 2.0
        wait_until(lambda: session.status()["layout"]["state"] == "settled")
        settled_at = session.status()["layout"]["iteration"]
        session.set_layout_parameters(gravity=5.0, strong_gravity=True)
        wait_until(lambda: session.status()["layout"]["iteration"] > settled_at)  # the change woke the layout
        assert layout.parameters.gravity == 5.0 and layout.parameters.strong_gravity
        with pytest.raises(HeliosError, match="fa2 layout has no parameter repulsion_exponent"):
            session.set_layout_parameters(repulsion_exponent=2)
        with pytest.raises(HeliosError, match="gravity"):
            session.set_layout_parameters(gravity=-1.0)
        assert layout.parameters.gravity == 5.0


class _FaultyScene:
    """A real scene with a fault injected: one event kind raises, and rendering can be made to fail."""

    def __init__(self, scene, state):
        self._scene, self._state = scene, state

    def __getattr__(self, name):
        return getattr(self._scene, name)

    def apply_event(self, event):
        if event["type"] == "hover":
            raise ValueError("a bug in hover handling")
        return self._scene.apply_event(event)

    def render(self):
        if self._state["fail_render"]:
            raise ZeroDivisionError("float division by zero")
        return self._scene.render()


def test_a_failing_event_is_dropped_and_a_failing_render_stops_the_session_loudly(karate, monkeypatch, caplog):
    import helios_app.session as session_module

    state = {"fail_render": False}
    real_build = session_module.build_scene
    monkeypatch.setattr(session_module, "build_scene",
                        lambda *arguments, **options: _FaultyScene(real_build(*arguments, **options), state))
    session = ViewSession(karate, ViewConfig(port=0)).start()
    try:
        loop = session._render_loop
        for viewer in range(50):
            loop.submit_event({"type": "hover", "x": 0.5, "y": 0.5, "viewer_id": str(viewer)})
        deadline = time.monotonic() + 10
        while loop.events_failed < 50 and time.monotonic() < deadline:
            time.sleep(0.02)
        assert loop.events_failed == 50
        rendered = loop.frames_rendered
        loop.submit_event({"type": "wheel", "delta_y": -100.0, "x": 0.5, "y": 0.5, "viewer_id": "a"})
        while loop.frames_rendered == rendered and time.monotonic() < deadline:
            time.sleep(0.02)
        assert loop.frames_rendered > rendered, "the loop goes on rendering after events that fail"
        logged = [record for record in caplog.records if "hover event failed" in record.getMessage()]
        assert len(logged) == 1, "a failing kind of event is logged once"
        state["fail_render"] = True
        loop.submit_event({"type": "reset_camera", "viewer_id": "a"})
        assert session.stop_requested.wait(10), "a render loop that cannot go on stops the session"
    finally:
        with pytest.raises(HeliosError, match="rendering failed .*ZeroDivisionError"):
            session.stop()
    assert helios_threads() == set()
