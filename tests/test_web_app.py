"""The web app on a real aiohttp server (port 0), with real aiortc peers and no VTK at all."""

import asyncio
import json
import threading
import time

import numpy as np
import pytest
from aiortc import RTCConfiguration, RTCPeerConnection, RTCSessionDescription

from web import LatestFrameSlot, ServerConfig, ViewChannel, create_app
from web.protocol import PROTOCOL_VERSION

TOKEN = "test-token"
WIDTH, HEIGHT = 320, 240


class SyntheticView:
    """Publishes moving test frames from a thread, the way the render loop does, and records events."""

    def __init__(self, fps: float = 30.0):
        self.frames = LatestFrameSlot()
        self.events: list[dict] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(fps,), daemon=True)

    def _run(self, fps):
        step = 0
        while not self._stop.wait(1 / fps):
            pixels = np.zeros((HEIGHT, WIDTH, 3), np.uint8)
            pixels[:, :, 2] = 40
            x = (step * 4) % (WIDTH - 40)
            pixels[100:140, x : x + 40] = (250, 200, 50)
            self.frames.publish(pixels)
            step += 1

    def channel(self):
        names = ["alpha", "beta", "alphabet"]

        def search(query):
            return [{"node": i, "label": name} for i, name in enumerate(names) if query in name]

        self.view_channel = ViewChannel(
            self.frames, self.events.append, lambda: {"title": "synthetic", "node_count": 0},
            status=lambda: {"fps": 30.0, "layout": {}, "nodes": 0, "edges": 0, "viewers": 1}, search=search)
        return self.view_channel

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join(2)
        self.frames.close()


@pytest.fixture
async def view_client(aiohttp_client):
    with SyntheticView() as view:
        app = create_app(view.channel(), ServerConfig(token=TOKEN, max_viewers=3))
        client = await aiohttp_client(app)
        client.view = view
        yield client


@pytest.mark.parametrize("path", ["/", "/ws", "/mjpeg", "/frame.jpg", "/view.json", "/video.h264"])
async def test_every_endpoint_needs_the_token(view_client, path):
    response = await view_client.get(path)
    assert response.status == 403
    assert "token" in await response.text()
    response = await view_client.get(path + "?token=wrong")
    assert response.status == 403


async def test_page_and_client_are_served_without_external_resources(view_client):
    page = await (await view_client.get(f"/?token={TOKEN}")).text()
    assert "client.js" in page and "http" not in page.replace("http-equiv", "")
    script = await view_client.get("/static/client.js")
    assert script.status == 200
    assert "stun:" not in await script.text()


BROADCASTS = {"viewers", "cursors", "status", "selection"}


async def next_reply(socket, timeout_s: float = 5.0) -> dict:
    """The next message that answers this socket (broadcasts to everyone are skipped)."""
    while True:
        message = await socket.receive_json(timeout=timeout_s)
        if message["type"] not in BROADCASTS:
            return message


async def test_socket_says_hello_and_survives_malformed_messages(view_client):
    socket = await view_client.ws_connect(f"/ws?token={TOKEN}")
    hello = await socket.receive_json(timeout=5)
    assert hello["type"] == "hello"
    assert hello["protocol_version"] == PROTOCOL_VERSION
    assert set(hello["transports"]) == {"webrtc", "mjpeg"}
    for bad in ["nonsense", '{"type": "pointer"}', '{"type": "wheel", "delta_y": "x", "x": 0, "y": 0}']:
        await socket.send_str(bad)
        reply = await next_reply(socket)
        assert reply["type"] == "error" and reply["message"]
    await socket.send_bytes(b"\x00\x01")
    assert (await next_reply(socket))["type"] == "error"
    good = {"type": "wheel", "delta_y": -120, "x": 0.5, "y": 0.5}
    await socket.send_str(json.dumps(good))
    await socket.send_str(json.dumps({"type": "ping", "sent_ms": 12}))
    assert (await next_reply(socket)) == {"type": "pong", "sent_ms": 12.0}
    events = view_client.view.events
    assert len(events) == 1 and events[0]["type"] == "wheel" and events[0]["viewer_id"] == hello["viewer_id"]
    await socket.close()


async def test_oversized_socket_message_closes_only_that_socket(view_client):
    hostile = await view_client.ws_connect(f"/ws?token={TOKEN}")
    await hostile.receive_json(timeout=5)
    await hostile.send_str("x" * 100_000)
    message = await hostile.receive(timeout=5)
    while message.type.name == "TEXT":  # the broadcasts sent before the socket closed
        message = await hostile.receive(timeout=5)
    assert message.type.name in ("CLOSE", "CLOSED", "CLOSING")
    other = await view_client.ws_connect(f"/ws?token={TOKEN}")
    assert (await other.receive_json(timeout=5))["type"] == "hello"
    await other.close()


async def test_mjpeg_stream_delivers_changing_jpeg_frames(view_client):
    response = await view_client.get(f"/mjpeg?token={TOKEN}")
    assert response.headers["Content-Type"].startswith("multipart/x-mixed-replace")
    data = b""
    deadline = time.monotonic() + 10
    while data.count(b"\xff\xd9") < 5 and time.monotonic() < deadline:
        data += await response.content.read(65536)
    response.close()
    parts = [p for p in data.split(b"--heliosframe") if b"image/jpeg" in p]
    assert len(parts) >= 4
    jpegs = [p[p.index(b"\xff\xd8") :] for p in parts[:4]]
    assert all(j.startswith(b"\xff\xd8") for j in jpegs)
    assert len(set(jpegs)) > 1  # the picture moves


async def test_snapshot_is_a_jpeg(view_client):
    response = await view_client.get(f"/frame.jpg?token={TOKEN}")
    assert response.status == 200
    assert (await response.read()).startswith(b"\xff\xd8")


async def test_bad_offers_get_400_and_server_keeps_serving(view_client):
    for body in ["nonsense", json.dumps({"sdp": "v=0 garbage", "type": "offer"}), json.dumps({"type": "offer"}),
                 json.dumps({"sdp": "x", "type": "answer"})]:
        response = await view_client.post(f"/offer?token={TOKEN}", data=body)
        assert response.status == 400, body
        assert (await response.json())["type"] == "error"
    assert (await view_client.get(f"/frame.jpg?token={TOKEN}")).status == 200


def first_video_codec(sdp: str) -> str:
    """The codec name of the first (preferred) payload type of the m=video line."""
    media_line = next(line for line in sdp.splitlines() if line.startswith("m=video"))
    payload_type = media_line.split()[3]
    rtpmap = next(line for line in sdp.splitlines() if line.startswith(f"a=rtpmap:{payload_type} "))
    return rtpmap.split()[1].split("/")[0]


async def _connect_peer(client, frames_wanted: int):
    """A real aiortc receiver: offer, answer, then decode frames from the server's track."""
    peer = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    peer.addTransceiver("video", direction="recvonly")
    received: list = []
    done = asyncio.get_running_loop().create_future()

    @peer.on("track")
    def on_track(track):
        async def read():
            while len(received) < frames_wanted:
                received.append(await track.recv())
            done.set_result(True)

        asyncio.ensure_future(read())

    await peer.setLocalDescription(await peer.createOffer())
    response = await client.post(
        f"/offer?token={TOKEN}",
        json={"sdp": peer.localDescription.sdp, "type": peer.localDescription.type},
    )
    assert response.status == 200
    answer = await response.json()
    await peer.setRemoteDescription(RTCSessionDescription(**answer))
    return peer, received, done, answer


async def test_two_webrtc_peers_receive_the_same_live_video(view_client):
    peers = [await _connect_peer(view_client, 15) for _ in range(2)]
    try:
        await asyncio.wait_for(asyncio.gather(*(done for _, _, done, _ in peers)), 30)
        for _, received, _, answer in peers:
            assert first_video_codec(answer["sdp"]) == "H264"
            assert (received[-1].width, received[-1].height) == (WIDTH, HEIGHT)
            images = [f.to_ndarray(format="rgb24") for f in received[-5:]]
            assert any(np.abs(images[0].astype(int) - image).mean() > 1 for image in images[1:])
    finally:
        for peer, *_ in peers:
            await peer.close()


async def test_viewer_limit_refuses_extra_peers(view_client):
    peers = [await _connect_peer(view_client, 1) for _ in range(3)]
    try:
        await asyncio.wait_for(asyncio.gather(*(done for _, _, done, _ in peers)), 30)  # connected: slots taken
        extra = RTCPeerConnection()
        extra.addTransceiver("video", direction="recvonly")
        await extra.setLocalDescription(await extra.createOffer())
        response = await view_client.post(
            f"/offer?token={TOKEN}", json={"sdp": extra.localDescription.sdp, "type": "offer"})
        assert response.status == 503
        await extra.close()
    finally:
        for peer, *_ in peers:
            await peer.close()


def test_stamped_frames_decode_with_the_probes_decoder():
    """Frames published with stamp=True carry the bar code that shared/probes/stamp.py decodes."""
    import importlib.util

    from conftest import SHARED_DATA

    spec = importlib.util.spec_from_file_location("stamp", SHARED_DATA.parent / "probes" / "stamp.py")
    probe_stamp = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(probe_stamp)
    slot = LatestFrameSlot(stamp=True)
    for _ in range(3):
        frame = slot.publish(np.full((HEIGHT, WIDTH, 3), 30, np.uint8))
    decoded = probe_stamp.decode(frame.pixels)
    assert decoded is not None and decoded["seq"] == 3
    assert abs(decoded["ts_ms"] - (int(time.time() * 1000) & 0xFFFFFFFF)) < 5000


async def test_search_is_answered_to_the_asker_only(view_client):
    asker = await view_client.ws_connect(f"/ws?token={TOKEN}")
    await asker.receive_json(timeout=5)
    await asker.send_str(json.dumps({"type": "search", "query": "alpha"}))
    reply = await next_reply(asker)
    assert reply == {"type": "search_results", "query": "alpha",
                     "matches": [{"node": 0, "label": "alpha"}, {"node": 2, "label": "alphabet"}]}
    assert view_client.view.events == []  # searches are not view events
    await asker.close()


async def test_messages_published_from_another_thread_reach_every_viewer(view_client):
    sockets = [await view_client.ws_connect(f"/ws?token={TOKEN}") for _ in range(2)]
    for socket in sockets:
        await socket.receive_json(timeout=5)
    hub = view_client.view.view_channel.messages
    publisher = threading.Thread(target=hub.publish, args=({"type": "selection", "node": {"id": "7"}},))
    publisher.start()
    publisher.join()

    async def next_selection(socket):
        while True:
            message = await socket.receive_json(timeout=5)
            if message["type"] == "selection":
                return message

    for socket in sockets:
        assert (await next_selection(socket))["node"] == {"id": "7"}
    late = await view_client.ws_connect(f"/ws?token={TOKEN}")
    assert (await late.receive_json(timeout=5))["type"] == "hello"
    assert (await next_selection(late))["node"] == {"id": "7"}, "a newcomer gets the current selection"
    status = await late.receive_json(timeout=5)
    while status["type"] != "status":
        status = await late.receive_json(timeout=5)
    video = status.pop("video")
    assert status == {"type": "status", "fps": 30.0, "layout": {}, "nodes": 0, "edges": 0, "viewers": 1}
    assert video == {"peers": 0, "mjpeg": 0, "sfu": None, "frames_encoded": {}, "tracks": {}, "rtp_bytes_sent": 0}
    for socket in [*sockets, late]:
        await socket.close()


async def test_screenshot_is_a_lossless_png_of_the_latest_frame(view_client):
    import av

    response = await view_client.get(f"/screenshot.png?token={TOKEN}")
    assert response.status == 200 and response.headers["Content-Type"] == "image/png"
    data = await response.read()
    assert data.startswith(b"\x89PNG")
    import io

    decoded = next(av.open(io.BytesIO(data)).decode(video=0)).to_ndarray(format="rgb24")
    assert decoded.shape == (HEIGHT, WIDTH, 3)
    assert set(np.unique(decoded[:, :, 2])) <= {40, 50}  # exact pixel values survive: it is lossless


async def test_a_peer_contacts_no_stun_or_turn_server_nobody_named(view_client, monkeypatch):
    """aiortc's default configuration uses a public STUN server; the view must contact nothing unnamed."""
    import aiortc.rtcicetransport as ice

    servers = []
    real_connection = ice.Connection

    def recording_connection(*arguments, **options):
        servers.append({name: options.get(name) for name in ("stun_server", "turn_server")})
        return real_connection(*arguments, **options)

    monkeypatch.setattr(ice, "Connection", recording_connection)
    peer, *_ = await _connect_peer(view_client, 1)
    await peer.close()
    assert len(servers) == 2  # the test's peer and the server's
    assert all(entry == {"stun_server": None, "turn_server": None} for entry in servers), servers


async def test_a_closed_socket_closes_the_peer_its_page_opened(view_client):
    socket = await view_client.ws_connect(f"/ws?token={TOKEN}")
    hello = await socket.receive_json(timeout=5)
    peer = RTCPeerConnection()
    peer.addTransceiver("video", direction="recvonly")
    await peer.setLocalDescription(await peer.createOffer())
    response = await view_client.post(f"/offer?token={TOKEN}", json={
        "sdp": peer.localDescription.sdp, "type": "offer", "viewer_id": hello["viewer_id"]})
    await peer.setRemoteDescription(RTCSessionDescription(**await response.json()))
    from web.app import PEERS_KEY

    server_peers = view_client.server.app[PEERS_KEY]
    assert len(server_peers) == 1
    await socket.close()
    deadline = time.monotonic() + 2
    while server_peers and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    assert not server_peers, "the peer of a page whose socket closed is released at once"
    await peer.close()


async def test_the_encoded_video_socket_sends_the_shared_packets_and_bounds_key_frames(view_client):
    """/video.h264 carries the shared encoder's access units; a client asking for key frames 100 times a
    second gets at most two a second (they are large, and every viewer receives them)."""
    from web.stream import MIN_KEY_FRAME_INTERVAL_S

    socket = await view_client.ws_connect(f"/video.h264?token={TOKEN}")
    first = await socket.receive_bytes(timeout=10)
    assert first[0] == 1 and first[1:5] in (b"\x00\x00\x00\x01", b"\x00\x00\x01\x67")  # a key frame, Annex B
    keys, packets, started = 0, 0, time.monotonic()
    while time.monotonic() - started < 3.0:
        await socket.send_str("key")
        try:
            message = await socket.receive_bytes(timeout=0.01)
        except TimeoutError:
            continue
        keys, packets = keys + (message[0] == 1), packets + 1
    assert 1 <= keys <= 3.0 / MIN_KEY_FRAME_INTERVAL_S + 1, keys
    assert packets <= 3.0 * ServerConfig().max_fps * 1.2, "asking for key frames makes no extra encodes"
    await socket.close()


async def test_two_peers_receive_the_packets_of_one_encoder(view_client):
    """Each frame is encoded once, however many peers watch: the same packets go to every one."""
    from web.app import VIDEO_STREAMS_KEY

    peers = [await _connect_peer(view_client, 40) for _ in range(2)]
    try:
        await asyncio.wait_for(asyncio.gather(*(done for _, _, done, _ in peers)), 30)
        stream = view_client.server.app[VIDEO_STREAMS_KEY]["h264"]
        tracks = list(stream._subscribers)
        assert len(tracks) == 2 and stream.subscriber_count == 2
        delivered = [track.packets_sent for track in tracks]
        assert min(delivered) >= 40
        # One encode per frame: two peers' worth of packets from about one peer's worth of encodes.
        assert stream.frames_encoded < 0.75 * sum(delivered), (stream.frames_encoded, delivered)
        for _, received, _, _ in peers:
            assert (received[-1].width, received[-1].height) == (WIDTH, HEIGHT)
    finally:
        for peer, *_ in peers:
            await peer.close()
    deadline = time.monotonic() + 5
    while stream.subscriber_count and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    assert stream.subscriber_count == 0, "closed peers unsubscribe; nobody watching means no encoding"


def test_negotiated_codec_is_read_from_the_answer():
    from web.app import negotiated_codec

    sdp = "v=0\r\nm=video 9 UDP/TLS/RTP/SAVPF 97 96\r\na=rtpmap:96 VP8/90000\r\na=rtpmap:97 H264/90000\r\n"
    assert negotiated_codec(sdp) == "h264"
    assert negotiated_codec(sdp.replace("97 96", "96 97")) == "vp8"
    assert negotiated_codec("v=0\r\nm=video 9 RTP 98\r\na=rtpmap:98 AV1/90000\r\n") is None
    assert negotiated_codec("v=0\r\n") is None


WATCH_TOKEN = "watch-token"


@pytest.fixture
async def shared_view(aiohttp_client):
    with SyntheticView() as view:
        config = ServerConfig(token=TOKEN, watch_token=WATCH_TOKEN, max_frame_width=1280, max_frame_height=720)
        client = await aiohttp_client(create_app(view.channel(), config))
        client.view = view
        yield client


async def next_of(socket, wanted: str, condition=lambda message: True, timeout_s: float = 5.0) -> dict:
    """The next message of type ``wanted`` that meets ``condition`` (earlier ones are skipped)."""
    while True:
        message = await socket.receive_json(timeout=timeout_s)
        if message["type"] == wanted and condition(message):
            return message


def viewer_in(message: dict, viewer_id: str) -> dict | None:
    return next((viewer for viewer in message["viewers"] if viewer["id"] == viewer_id), None)


async def test_roles_presence_and_one_steering_editor(shared_view):
    events = shared_view.view.events
    editor_a = await shared_view.ws_connect(f"/ws?token={TOKEN}")
    hello_a = await next_of(editor_a, "hello")
    editor_b = await shared_view.ws_connect(f"/ws?token={TOKEN}")
    hello_b = await next_of(editor_b, "hello")
    watcher = await shared_view.ws_connect(f"/ws?token={WATCH_TOKEN}")
    hello_w = await next_of(watcher, "hello")
    assert (hello_a["role"], hello_w["role"]) == ("editor", "watcher")
    assert hello_a["name"] != hello_b["name"] and hello_a["colour"] != hello_b["colour"]
    listed = await next_of(editor_a, "viewers", lambda message: len(message["viewers"]) == 3)
    assert {viewer["role"] for viewer in listed["viewers"]} == {"editor", "watcher"}

    # A watcher may point and hover, not steer: an error, and nothing reaches the view.
    pointer = {"type": "pointer", "action": "down", "button": "left", "x": 0.5, "y": 0.5, "shift": False, "ctrl": False}
    await watcher.send_str(json.dumps(pointer))
    assert "for editors" in (await next_of(watcher, "error"))["message"]
    await watcher.send_str(json.dumps({"type": "cursor", "x": 0.25, "y": 0.75, "inside": True}))
    cursors = await next_of(editor_a, "cursors")
    assert cursors["cursors"][hello_w["viewer_id"]] == {"x": 0.25, "y": 0.75}
    await watcher.send_str(json.dumps({"type": "identify", "name": "Ada", "colour": "#123456"}))
    renamed = await next_of(editor_b, "viewers", lambda message: (viewer_in(message, hello_w["viewer_id"]) or {}).get("name") == "Ada")
    assert viewer_in(renamed, hello_w["viewer_id"])["colour"] == "#123456"

    # A steers; B's camera input is held off (no reply, nothing applied) until B takes the camera.
    await editor_a.send_str(json.dumps(pointer))
    await next_of(editor_b, "viewers", lambda message: message["steering"] == hello_a["viewer_id"])
    await editor_b.send_str(json.dumps({"type": "wheel", "delta_y": -100, "x": 0.5, "y": 0.5}))
    await editor_b.send_str(json.dumps({"type": "take_camera"}))
    await next_of(editor_a, "viewers", lambda message: message["steering"] == hello_b["viewer_id"])
    await editor_b.send_str(json.dumps({"type": "wheel", "delta_y": -100, "x": 0.5, "y": 0.5}))
    await asyncio.sleep(0.3)
    applied = [(event["type"], event["viewer_id"]) for event in events if event["type"] in ("pointer", "wheel")]
    assert applied == [("pointer", hello_a["viewer_id"]), ("wheel", hello_b["viewer_id"])]

    # The picture follows the steering editor's stage, scaled into the maximum; a watcher's stage does not count.
    await watcher.send_str(json.dumps({"type": "resize", "width": 3000, "height": 3000}))
    await editor_b.send_str(json.dumps({"type": "resize", "width": 1920, "height": 1200}))
    await asyncio.sleep(0.3)
    resizes = [(event["width"], event["height"]) for event in events if event["type"] == "resize"]
    assert resizes == [(1152, 720)]

    await watcher.close()
    left = await next_of(editor_a, "viewers", lambda message: len(message["viewers"]) == 2)
    assert [viewer["id"] for viewer in left["viewers"]] == [hello_a["viewer_id"], hello_b["viewer_id"]]
    for socket in (editor_a, editor_b):
        await socket.close()
