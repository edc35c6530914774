"""The notebook relay against a real view: messages, JPEG frames and the shared H.264 stream, flow
control for a page that stops showing frames, and a silent page's relay closing itself."""

import json
import time

import networkx
import pytest

import helios_app
from web import relay as relay_module
from web.relay import PACKETS_IN_FLIGHT, ViewRelay


def _run(view, coroutine_function, *args, timeout_s=20.0):
    return view.session.run_on_server(coroutine_function, *args).result(timeout_s)


@pytest.fixture
def view():
    with helios_app.show(networkx.les_miserables_graph()) as running:
        yield running


def _open(view, video, received):
    async def open_relay():
        relay = ViewRelay(view.session.loopback_url, view.session.token,
                          lambda content, buffers: received.append((content, buffers)), video)
        await relay.open()
        return relay

    return _run(view, open_relay)


def _wait(predicate, timeout_s=15.0):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError("timed out")


@pytest.mark.parametrize("video", ["jpeg", "h264"])
def test_a_relay_carries_messages_and_the_shared_video(view, video):
    received: list = []
    relay = _open(view, video, received)
    _wait(lambda: any(c["helios"] == "message" and json.loads(c["text"])["type"] == "hello" for c, _ in received))
    kind = "frame" if video == "jpeg" else "packet"
    _wait(lambda: any(c["helios"] == kind for c, _ in received))
    content, buffers = next((c, b) for c, b in received if c["helios"] == kind)
    if video == "jpeg":
        assert bytes(buffers[0][:2]) == b"\xff\xd8"
    else:
        assert content["key"] and bytes(buffers[0][:4]) in (b"\x00\x00\x00\x01", b"\x00\x00\x01\x67")
    # The page's messages act as the page: a ping is answered through the relay.
    _run(view, _call, relay, "receive", json.dumps({"type": "ping", "sent_ms": 1.0}))
    _wait(lambda: any(c["helios"] == "message" and json.loads(c["text"])["type"] == "pong" for c, _ in received))
    _run(view, relay.close)


async def _call(relay, method, *args):
    getattr(relay, method)(*args)


def test_an_h264_page_that_shows_nothing_gets_only_key_frames_past_the_window(view):
    received: list = []
    relay = _open(view, "h264", received)
    _wait(lambda: sum(c["helios"] == "packet" for c, _ in received) >= 1)
    # Within SHOWN_TIMEOUT_S (after it, unshown packets count as lost and the window opens again).
    deadline = time.monotonic() + 0.9 * relay_module.SHOWN_TIMEOUT_S
    while time.monotonic() < deadline:  # keep the picture changing: every frame is a new packet
        view.session.render_loop.submit_event({"type": "wheel", "delta_y": 5.0, "x": 0.5, "y": 0.5})
        time.sleep(0.03)
    packets = [c for c, _ in received if c["helios"] == "packet"]
    deltas_after_window = [c for c in packets[PACKETS_IN_FLIGHT:] if not c["key"]]
    assert len(packets) > PACKETS_IN_FLIGHT and deltas_after_window == [], len(packets)
    _run(view, relay.close)


def test_a_silent_pages_relay_closes_and_its_viewer_leaves(view, monkeypatch):
    monkeypatch.setattr(relay_module, "PAGE_SILENCE_S", 1.0)
    received: list = []
    relay = _open(view, "jpeg", received)
    _wait(lambda: view.session.status()["viewers"] == 1)
    _wait(lambda: any(c["helios"] == "close" for c, _ in received), 15)
    _wait(lambda: view.session.status()["viewers"] == 0)
    _run(view, relay.close)
