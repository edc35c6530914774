"""A ViewSession in this process: it starts, serves, and leaves nothing behind when stopped."""

import os
import socket
import threading
import urllib.request

import pytest

from browser import remaining, shared_memory_segments
from conftest import SHARED_DATA
from helios_app import HeliosError
from helios_app.io import read_graph
from helios_app.render_loop import RenderLoop
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
