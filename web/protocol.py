"""The interaction wire protocol between the browser client and the server.

Every message is a JSON object with a ``type`` and named fields. This module is the one
definition: :data:`MESSAGE_FIELDS` lists each client message and the kind of each field, and
``web/static/protocol.js`` mirrors it for the browser (a test checks that the two agree).

Coordinates are normalised to [0, 1] from the top-left corner of the video.
"""

from __future__ import annotations

import json
import math
from typing import Any

PROTOCOL_VERSION = 1
TRANSPORTS = ("webrtc", "mjpeg")
MAX_MESSAGE_BYTES = 4096

# Field kinds: "unit" is a float in [0, 1], "number" any finite float, "bool", "size" an int pixel
# count in [MIN_SIZE_PX, MAX_SIZE_PX], "index" an int >= 0, "text" a string of at most MAX_TEXT_LENGTH
# characters, or a tuple of allowed strings.
MIN_SIZE_PX = 64
MAX_SIZE_PX = 3840
MAX_TEXT_LENGTH = 200
MESSAGE_FIELDS: dict[str, dict[str, Any]] = {
    "pointer": {
        "action": ("down", "move", "up"),
        "button": ("left", "middle", "right"),
        "x": "unit",
        "y": "unit",
        "shift": "bool",
        "ctrl": "bool",
    },
    "wheel": {"delta_y": "number", "x": "unit", "y": "unit"},
    "resize": {"width": "size", "height": "size"},
    "hover": {"x": "unit", "y": "unit"},
    "double_click": {"x": "unit", "y": "unit"},
    "reset_camera": {},
    "search": {"query": "text"},
    "focus": {"node": "index"},
    "ping": {"sent_ms": "number"},
}


class ProtocolError(ValueError):
    """A client message that does not follow the protocol; the text says which field is wrong."""


def _check_field(message_type: str, name: str, kind: Any, value: Any) -> Any:
    where = f"{message_type}.{name}"
    if isinstance(kind, tuple):
        if value not in kind:
            raise ProtocolError(f"{where} must be one of {', '.join(kind)}, got {value!r}")
        return value
    if kind == "bool":
        if not isinstance(value, bool):
            raise ProtocolError(f"{where} must be true or false, got {value!r}")
        return value
    if kind == "text":
        if not isinstance(value, str):
            raise ProtocolError(f"{where} must be a string, got {value!r}")
        if len(value) > MAX_TEXT_LENGTH:
            raise ProtocolError(f"{where} must be at most {MAX_TEXT_LENGTH} characters, got {len(value)}")
        return value
    if kind == "index":
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise ProtocolError(f"{where} must be a non-negative integer, got {value!r}")
        return value
    if kind == "size":
        if isinstance(value, bool) or not isinstance(value, int):
            raise ProtocolError(f"{where} must be an integer number of pixels, got {value!r}")
        if not MIN_SIZE_PX <= value <= MAX_SIZE_PX:
            raise ProtocolError(f"{where} must be between {MIN_SIZE_PX} and {MAX_SIZE_PX}, got {value}")
        return value
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ProtocolError(f"{where} must be a finite number, got {value!r}")
    if kind == "unit" and not 0.0 <= value <= 1.0:
        raise ProtocolError(f"{where} must be between 0 and 1, got {value}")
    return float(value)


def parse_message(text: str | bytes) -> dict[str, Any]:
    """Parse and validate one client message.

    Parameters
    ----------
    text : str or bytes
        The raw WebSocket or data-channel payload.

    Returns
    -------
    dict
        The message with ``type`` and exactly the fields of that type, numbers as floats.

    Raises
    ------
    ProtocolError
        If the payload is not JSON, too long, of an unknown type, or a field is missing,
        unexpected or out of range. The message names the field.
    """
    if len(text) > MAX_MESSAGE_BYTES:
        raise ProtocolError(f"message is {len(text)} bytes; the limit is {MAX_MESSAGE_BYTES}")
    try:
        message = json.loads(text)
    except (ValueError, UnicodeDecodeError) as error:
        raise ProtocolError(f"message is not valid JSON: {error}") from None
    if not isinstance(message, dict):
        raise ProtocolError(f"message must be a JSON object, got {type(message).__name__}")
    message_type = message.get("type")
    if message_type not in MESSAGE_FIELDS:
        allowed = ", ".join(MESSAGE_FIELDS)
        raise ProtocolError(f"type must be one of {allowed}, got {message_type!r}")
    fields = MESSAGE_FIELDS[message_type]
    unexpected = sorted(set(message) - set(fields) - {"type"})
    if unexpected:
        raise ProtocolError(f"{message_type} has unexpected field(s): {', '.join(unexpected)}")
    parsed: dict[str, Any] = {"type": message_type}
    for name, kind in fields.items():
        if name not in message:
            raise ProtocolError(f"{message_type}.{name} is missing")
        parsed[name] = _check_field(message_type, name, kind, message[name])
    return parsed


def hello_message(viewer_id: str, view: dict[str, Any]) -> dict[str, Any]:
    """The server's first message on a connection: protocol version, transports, the view."""
    return {
        "type": "hello",
        "protocol_version": PROTOCOL_VERSION,
        "transports": list(TRANSPORTS),
        "viewer_id": viewer_id,
        "view": view,
    }


def error_message(text: str) -> dict[str, Any]:
    """The reply to a malformed message; the connection stays open."""
    return {"type": "error", "message": text}
