"""Properties over arbitrary input: parse_message and the scene's event handling never raise, and the
camera stays finite and within its bounds whatever valid events arrive."""

import json
import math

import networkx as nx
import numpy as np
import pytest
from conftest import SHARED_DATA
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from helios_app.render.scene import MAX_VISIBLE_HALF_HEIGHT, MIN_VISIBLE_HALF_HEIGHT, GraphScene
from web.protocol import MAX_SIZE_PX, MESSAGE_FIELDS, ProtocolError, parse_message

EXTREME_NUMBERS = st.sampled_from(
    [0, 1, -1, 0.5, 2400, -2400, 2401, 1e15, -1e15, 1e308, -1e308, 5e-324, 10**400, -(10**400), 2**31, 2**63]
)
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=12) | EXTREME_NUMBERS,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=6), children, max_size=4),
    max_leaves=12,
)


def field_values(kind):
    """Values a field might be sent: valid ones of its kind, extremes, or any JSON at all."""
    if isinstance(kind, tuple):
        valid = st.sampled_from(kind)
    else:
        valid = {
            "unit": st.floats(0, 1), "number": st.floats(-1e15, 1e15), "wheel": st.floats(-2400, 2400),
            "bool": st.booleans(), "size": st.integers(64, MAX_SIZE_PX), "index": st.integers(0, 100),
            "text": st.text(max_size=30), "colour": st.from_regex(r"#[0-9a-f]{6}", fullmatch=True),
            "object": st.dictionaries(st.text(max_size=8), JSON_VALUES, max_size=4),
            "points": st.lists(st.lists(st.floats(0, 1), min_size=2, max_size=2), min_size=3, max_size=8),
            "indices": st.lists(st.integers(0, 100), max_size=8),
        }[kind]
    return st.one_of(valid, valid, valid, EXTREME_NUMBERS, JSON_VALUES)


def near_messages():
    """Messages of a known type with each field present, missing or wrong, sometimes an extra field."""
    def of_type(message_type):
        fields = MESSAGE_FIELDS[message_type]
        complete = st.fixed_dictionaries(
            {"type": st.just(message_type), **{name: field_values(kind) for name, kind in fields.items()}},
            optional={"extra": JSON_VALUES},
        )
        dropped = st.one_of(st.none(), st.none(), st.none(), st.sampled_from(["type", *fields]))
        return st.tuples(complete, dropped).map(lambda pair: {k: v for k, v in pair[0].items() if k != pair[1]})
    return st.sampled_from(sorted(MESSAGE_FIELDS)).flatmap(of_type)


def encode(value) -> str:
    return json.dumps(value, allow_nan=True)


def check_parsed(parsed):
    fields = MESSAGE_FIELDS[parsed["type"]]
    assert set(parsed) == set(fields) | {"type"}
    for name, kind in fields.items():
        value = parsed[name]
        if kind in ("unit", "number", "wheel"):
            assert isinstance(value, float) and math.isfinite(value)
        if kind == "object":
            assert isinstance(value, dict)


@settings(max_examples=400, deadline=None)
@given(st.one_of(JSON_VALUES.map(encode), near_messages().map(encode), st.text(max_size=200),
                 st.binary(max_size=200)))
def test_parse_message_gives_an_error_or_a_valid_event_never_anything_else(payload):
    try:
        parsed = parse_message(payload)
    except ProtocolError as error:
        assert str(error)
    else:
        check_parsed(parsed)


_scene = None


def shared_scene() -> GraphScene:
    """One real off-screen scene of karate for every example (building one costs a GL context)."""
    global _scene
    if _scene is None:
        graph = nx.read_gml(SHARED_DATA / "karate.gml", label="id")
        index = {node: i for i, node in enumerate(graph)}
        edges = np.array([(index[u], index[v]) for u, v in graph.edges()], dtype=np.int32)
        positions = nx.spring_layout(graph, seed=3)
        _scene = GraphScene(edges, len(index), 2, 320, 240, offscreen=True)
        _scene.set_positions(np.array([positions[node] for node in graph], dtype=np.float32))
    return _scene


@pytest.fixture(scope="module", autouse=True)
def release_scene():
    yield
    global _scene
    if _scene is not None:
        _scene.close()
        _scene = None


def camera_numbers(scene: GraphScene) -> list[float]:
    state = scene.camera_state()
    return [*state["position"], *state["focal_point"], *state["view_up"], state["parallel_scale"]]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(near_messages(), min_size=1, max_size=30), st.sampled_from(["a", "b"]))
def test_scene_survives_any_sequence_of_valid_events_with_a_finite_camera(messages, viewer):
    scene = shared_scene()
    scene.apply_event({"type": "reset_camera"})
    for message in messages:
        try:
            event = parse_message(encode(message))
        except ProtocolError:
            continue
        if event["type"] == "resize":  # sizes are the server's to bound; keep renders small here
            event = {**event, "width": min(event["width"], 640), "height": min(event["height"], 480)}
        scene.apply_event({**event, "viewer_id": viewer})
        assert all(math.isfinite(number) for number in camera_numbers(scene)), scene.camera_state()
        half_height = scene._visible_half_height()
        assert MIN_VISIBLE_HALF_HEIGHT * 0.999 <= half_height <= MAX_VISIBLE_HALF_HEIGHT * 1.001
    scene.needs_render()
    pixels = scene.render()
    assert pixels.ndim == 3 and pixels.shape[2] == 3
