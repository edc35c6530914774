"""The wire protocol: every malformed message is refused with a message naming the field."""

import json
import re
from pathlib import Path

import pytest

from web.protocol import (
    MAX_WHEEL_DELTA,
    MESSAGE_FIELDS,
    PROTOCOL_VERSION,
    SERVER_MESSAGE_FIELDS,
    ProtocolError,
    parse_message,
    server_message,
)

STATIC = Path(__file__).resolve().parents[1] / "web" / "static"

GOOD_POINTER = {"type": "pointer", "action": "down", "button": "left", "x": 0.42, "y": 0.13,
                "shift": False, "ctrl": False}


def with_(base, **changes):
    message = dict(base)
    for key, value in changes.items():
        if value is ...:
            message.pop(key)
        else:
            message[key] = value
    return json.dumps(message)


def test_valid_messages_parse():
    assert parse_message(json.dumps(GOOD_POINTER)) == GOOD_POINTER
    assert parse_message('{"type": "wheel", "delta_y": -120, "x": 0.5, "y": 0.5}') == {
        "type": "wheel", "delta_y": -120.0, "x": 0.5, "y": 0.5}
    assert parse_message('{"type": "resize", "width": 960, "height": 540}')["width"] == 960
    assert parse_message('{"type": "reset_camera"}') == {"type": "reset_camera"}


@pytest.mark.parametrize(
    "raw, match",
    [
        ("not json", "not valid JSON"),
        ("[1, 2]", "must be a JSON object"),
        ('"pointer"', "must be a JSON object"),
        ("{}", "type must be one of"),
        ('{"type": "explode"}', "type must be one of .* got 'explode'"),
        (with_(GOOD_POINTER, x=...), r"pointer\.x is missing"),
        (with_(GOOD_POINTER, x=1.5), r"pointer\.x must be between 0 and 1"),
        (with_(GOOD_POINTER, y=-0.1), r"pointer\.y must be between 0 and 1"),
        (with_(GOOD_POINTER, x="0.5"), r"pointer\.x must be a finite number"),
        (with_(GOOD_POINTER, x=True), r"pointer\.x must be a finite number"),
        (with_(GOOD_POINTER, action="hover"), r"pointer\.action must be one of down, move, up"),
        (with_(GOOD_POINTER, button=3), r"pointer\.button must be one of"),
        (with_(GOOD_POINTER, button=[]), r"pointer\.button must be one of"),
        (with_(GOOD_POINTER, shift="yes"), r"pointer\.shift must be true or false"),
        (with_(GOOD_POINTER, extra=1), "unexpected field"),
        ('{"type": "wheel", "delta_y": NaN, "x": 0.5, "y": 0.5}', r"wheel\.delta_y must be a finite number"),
        ('{"type": "wheel", "delta_y": 1e999, "x": 0.5, "y": 0.5}', r"wheel\.delta_y must be a finite number"),
        ('{"type": "wheel", "delta_y": -470000, "x": 0.5, "y": 0.5}', r"wheel\.delta_y must be between -2400 and 2400"),
        ('{"type": "ping", "sent_ms": ' + "9" * 400 + "}", r"ping\.sent_ms must be between .* 400 digits"),
        ('{"type": "ping", "sent_ms": 1e300}', r"ping\.sent_ms must be between"),
        ('{"type": ["ping"]}', "type must be one of .* got \\['ping'\\]"),
        ('{"type": {"a": 1}}', "type must be one of"),
        ('{"type": null}', "type must be one of"),
        ("[" * 2000 + "]" * 2000, "nests deeper than 32"),
        ('{"type": "ping", "sent_ms": ' + "[" * 40 + "]" * 40 + "}", "nests deeper"),
        ('{"type": "pointer", "action": ["down"], "button": "left", "x": 0, "y": 0, "shift": false, "ctrl": false}',
         r"pointer\.action must be one of"),
        ('{"type": "focus", "node": ' + "9" * 30 + "}", r"focus\.node must be between 0 and"),
        ('{"type": "focus", "node": {"x": 1}}', r"focus\.node must be an integer"),
        (b'{"type": "search", "query": "\xc3\x28"}', "not UTF-8"),
        ('{"type": "resize", "width": 10, "height": 540}', r"resize\.width must be between"),
        ('{"type": "resize", "width": 960.5, "height": 540}', r"resize\.width must be an integer"),
        ('{"type": "resize", "width": [960], "height": 540}', r"resize\.width must be an integer"),
        ('{"type": "resize", "width": 99999999, "height": 540}', r"resize\.width must be between"),
        ("{" + '"a": 1,' * 2000 + '"type": "ping"}', "limit is"),
        (b"\xff\xfe\x00", "not valid JSON"),
        ('{"type": "search", "query": 5}', r"search\.query must be a string"),
        ('{"type": "search", "query": "' + "a" * 300 + '"}', r"search\.query must be at most 200"),
        ('{"type": "focus", "node": -1}', r"focus\.node must be between 0 and"),
        ('{"type": "focus", "node": 1.5}', r"focus\.node must be an integer"),
        ('{"type": "double_click", "x": 0.5}', r"double_click\.y is missing"),
    ],
)
def test_malformed_messages_are_refused_with_the_field(raw, match):
    with pytest.raises(ProtocolError, match=match):
        parse_message(raw)


def test_browser_client_mirrors_the_protocol():
    """web/static/protocol.js declares the same version, types and fields as web/protocol.py."""
    source = (STATIC / "protocol.js").read_text()
    version = re.search(r"PROTOCOL_VERSION = (\d+);", source)
    assert version and int(version.group(1)) == PROTOCOL_VERSION
    literal = re.search(r"MESSAGE_FIELDS = (\{.*?\n\});", source, re.DOTALL).group(1)
    mirrored = json.loads(literal)
    expected = {
        name: {field: list(kind) if isinstance(kind, tuple) else kind for field, kind in fields.items()}
        for name, fields in MESSAGE_FIELDS.items()
    }
    assert mirrored == expected
    server_literal = re.search(r"SERVER_MESSAGE_FIELDS = (\{.*?\n\});", source, re.DOTALL).group(1)
    assert json.loads(server_literal) == {name: list(fields) for name, fields in SERVER_MESSAGE_FIELDS.items()}
    wheel = re.search(r"MAX_WHEEL_DELTA = ([\d.]+);", source)
    assert wheel and float(wheel.group(1)) == MAX_WHEEL_DELTA


def test_server_messages_are_built_from_the_table():
    assert server_message("pong", sent_ms=5.0) == {"type": "pong", "sent_ms": 5.0}
    with pytest.raises(ValueError, match="unknown server message"):
        server_message("explode")
    with pytest.raises(ValueError, match="takes the fields message"):
        server_message("error", text="x")


def test_client_handles_every_server_message_type():
    """client.js has a branch for each server message type, and for no other."""
    source = (STATIC / "client.js").read_text()
    handled = set(re.findall(r'message\.type === "(\w+)"', source))
    assert handled == set(SERVER_MESSAGE_FIELDS)


def test_client_only_sends_protocol_message_types():
    """Every send("type", ...) in client.js names a message type the server accepts."""
    source = (STATIC / "client.js").read_text()
    sent = set(re.findall(r'send\("(\w+)"', source)) | set(re.findall(r'pointer\("(\w+)"', source))
    types = {name for name in sent if name not in {"down", "move", "up"}}
    actions = sent - types
    assert types and types <= set(MESSAGE_FIELDS)
    assert actions <= set(MESSAGE_FIELDS["pointer"]["action"])
