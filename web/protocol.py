"""The interaction wire protocol between the browser client and the server.

Every message is a JSON object with a ``type`` and named fields. This module is the one
definition: :data:`MESSAGE_FIELDS` lists each client message and the kind of each field, and
``web/static/protocol.js`` mirrors it for the browser (a test checks that the two agree).

Coordinates are normalised to [0, 1] from the top-left corner of the video.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

PROTOCOL_VERSION = 1
TRANSPORTS = ("webrtc", "mjpeg")
MAX_MESSAGE_BYTES = 4096

# Field kinds: "unit" is a float in [0, 1], "number" a finite float of magnitude at most MAX_NUMBER,
# "wheel" a finite float of magnitude at most MAX_WHEEL_DELTA, "bool", "size" an int pixel count in
# [MIN_SIZE_PX, MAX_SIZE_PX], "index" an int in [0, MAX_INDEX], "text" a string of at most
# MAX_TEXT_LENGTH characters, "colour" a string #rrggbb, "object" a JSON object (its criteria are
# checked by whoever acts on it, naming the field), "points" a list of 3 to MAX_POINTS [x, y] pairs of
# units (a polygon on the picture), "indices" a list of at most MAX_INDICES indices, or a tuple of allowed strings. Every number has a range, so no message
# can push the camera maths past what a float holds (a wheel delta of 5e5 once zoomed to 0 and froze
# the render loop for every viewer).
MIN_SIZE_PX = 64
MAX_SIZE_PX = 3840
MAX_TEXT_LENGTH = 200
MAX_NUMBER = 1e15  # a millisecond clock (1.7e12 today) fits with room to spare
MAX_WHEEL_DELTA = 2400.0  # three pages of 800 px; the page sums a frame's wheel events and clamps to this
MAX_INDEX = 2**31 - 1
MAX_POINTS = 200  # a lasso's corners (the page thins it): 200 pairs fit in a message
MAX_INDICES = 400  # node indices one message may name (the rest of a large selection goes by area or range)
MAX_NESTING = 32  # deeper JSON is refused before it is parsed (json recurses once per level)
MESSAGE_FIELDS: dict[str, dict[str, Any]] = {
    "pointer": {
        "action": ("down", "move", "up"),
        "button": ("left", "middle", "right"),
        "x": "unit",
        "y": "unit",
        "shift": "bool",
        "ctrl": "bool",
    },
    "wheel": {"delta_y": "wheel", "x": "unit", "y": "unit"},
    "resize": {"width": "size", "height": "size"},
    "hover": {"x": "unit", "y": "unit"},
    "double_click": {"x": "unit", "y": "unit"},
    "reset_camera": {},
    "search": {"query": "text"},
    "focus": {"node": "index"},
    "ping": {"sent_ms": "number"},
    "identify": {"name": "text", "colour": "colour"},
    "cursor": {"x": "unit", "y": "unit", "inside": "bool"},
    "take_camera": {},
    # The view's filter (helios_app.graph.filters.ViewFilter as JSON) and the legend's highlight: editors only.
    "filter": {"filter": "object"},
    "legend": {"category": "index", "action": ("highlight", "hide", "isolate", "reset")},
    "relayout": {"shown_only": "bool"},
    # The view's shared history: undo, redo, or jump to an entry (its number; 0: before every entry).
    "history": {"action": ("undo", "redo", "jump"), "entry": "index"},
    "edge_legend": {"category": "index", "action": ("highlight", "hide", "isolate", "reset")},
    # The view's node selection (shared, editors only): the nodes inside a box or lasso on the picture, the
    # node under a point (shift-click toggles it), the nodes whose measure lies in a range (a degree bar),
    # or nodes by index; then an action on it.
    "select_area": {"points": "points", "mode": ("replace", "add", "remove")},
    "select_toggle": {"x": "unit", "y": "unit"},
    "select_range": {"measure": "text", "low": "number", "high": "number", "mode": ("replace", "add", "remove")},
    "select_nodes": {"nodes": "indices", "mode": ("replace", "add", "remove")},
    "selection_action": {"action": ("clear", "pin", "unpin", "hide", "keep_only", "layout_only")},
    # The shortest path between two nodes (all of them with all=true), shown to everyone; path_clear ends it.
    "path": {"source": "index", "target": "index", "all": "bool"},
    "path_clear": {},
    # Compute a measure in the background (or cancel it); its values become a node attribute.
    "measure": {"name": "text", "action": ("compute", "cancel")},
}

# Server-to-browser messages: each type and its fields, in the order the builders set them. The
# page (web/static/protocol.js) mirrors this table and ignores a message it does not know.
SERVER_MESSAGE_FIELDS: dict[str, tuple[str, ...]] = {
    "hello": ("protocol_version", "transports", "viewer_id", "role", "name", "colour", "view", "ice_servers", "sfu"),
    "viewers": ("viewers", "steering"),
    "cursors": ("cursors",),
    "status": ("fps", "layout", "nodes", "edges", "viewers", "video"),
    "selection": ("node",),
    "search_results": ("query", "matches"),
    "pong": ("sent_ms",),
    "error": ("message",),
    "view": ("view",),
    "stopped": ("reason",),
    "sfu": ("sfu",),  # the SFU publication came up ({url, room, feed}) or went down (null)
    # Label candidates for the still picture, in priority order, each {node, text, x, y, r}: the page
    # places them without overlap; [] while the picture moves. And the hovered and selected node's.
    "labels": ("labels",),
    "pointed_labels": ("hover", "selection"),
    # The legend as a control: entries [{category, name, colour, count}], what is highlighted and hidden.
    "legend": ("title", "entries", "highlighted", "hidden"),
    "filter": ("filter", "shown", "nodes", "shown_only"),
    # The history panel: the newest entries [{number, kind, who, when, summary}] and the newest one done.
    "history": ("entries", "done"),
    # Edges: the one under a viewer's pointer and the one selected ({index, source, target, source_label,
    # target_label, directed, weight, attributes}, or null), and edge label candidates at rest, each
    # {edge, text, x, y} (the curve's middle), placed by the page around the node labels.
    "edge_hover": ("edge", "viewer_id"),  # viewer_id: whose pointer it is under (that page shows the tooltip)
    "edge_selection": ("edge",),
    "edge_labels": ("labels",),
    # The edge legend as a control, like the node legend.
    "edge_legend": ("title", "entries", "highlighted", "hidden"),
    # The node selection: its size, its first nodes (indices, at most MAX_INDICES) and a summary
    # ({top: [{node, id, label, degree}], measures: {name: {min, max, mean}}}).
    "node_selection": ("count", "nodes", "summary"),
    # The graph's statistics (helios_app.graph.measures.statistics), or null while they are worked out.
    "statistics": ("statistics",),
    # The measures computed ([{name, title, categorical, details}]) and the one running ({name, fraction}).
    "measures": ("measures", "running"),
    # The shortest path shown: {source, target, source_label, target_label, length, hops, paths, weighted,
    # directed, all}, length null when there is none; or null.
    "path": ("path",),
}


class ProtocolError(ValueError):
    """A client message that does not follow the protocol; the text says which field is wrong."""


def _check_field(message_type: str, name: str, kind: Any, value: Any) -> Any:
    where = f"{message_type}.{name}"
    if isinstance(kind, tuple):
        if not isinstance(value, str) or value not in kind:
            raise ProtocolError(f"{where} must be one of {', '.join(kind)}, got {_shown(value)}")
        return value
    if kind == "bool":
        if not isinstance(value, bool):
            raise ProtocolError(f"{where} must be true or false, got {_shown(value)}")
        return value
    if kind == "colour":
        if not isinstance(value, str) or not re.fullmatch(r"#[0-9a-fA-F]{6}", value):
            raise ProtocolError(f"{where} must be a colour such as #3cb44b, got {_shown(value)}")
        return value
    if kind == "object":
        if not isinstance(value, dict):
            raise ProtocolError(f"{where} must be an object, got {_shown(value)}")
        return value
    if kind == "points":
        if not isinstance(value, list) or not 3 <= len(value) <= MAX_POINTS:
            raise ProtocolError(f"{where} must be a list of 3 to {MAX_POINTS} [x, y] points, got {_shown(value)}")
        points = []
        for number, point in enumerate(value):
            if not isinstance(point, list) or len(point) != 2:
                raise ProtocolError(f"{where}[{number}] must be an [x, y] pair, got {_shown(point)}")
            points.append([_check_field(message_type, f"{name}[{number}][{axis}]", "unit", coordinate)
                           for axis, coordinate in enumerate(point)])
        return points
    if kind == "indices":
        if not isinstance(value, list) or len(value) > MAX_INDICES:
            raise ProtocolError(f"{where} must be a list of at most {MAX_INDICES} node indices, got {_shown(value)}")
        return [_check_field(message_type, f"{name}[{number}]", "index", item) for number, item in enumerate(value)]
    if kind == "text":
        if not isinstance(value, str):
            raise ProtocolError(f"{where} must be a string, got {_shown(value)}")
        if len(value) > MAX_TEXT_LENGTH:
            raise ProtocolError(f"{where} must be at most {MAX_TEXT_LENGTH} characters, got {len(value)}")
        return value
    if kind in ("index", "size"):
        if isinstance(value, bool) or not isinstance(value, int):
            raise ProtocolError(f"{where} must be an integer, got {_shown(value)}")
        low, high = (0, MAX_INDEX) if kind == "index" else (MIN_SIZE_PX, MAX_SIZE_PX)
        if not low <= value <= high:
            raise ProtocolError(f"{where} must be between {low} and {high}, got {_shown(value)}")
        return value
    # Check the magnitude before float(): an integer of 400 digits overflows a float.
    if isinstance(value, bool) or not isinstance(value, (int, float)) or (
        isinstance(value, float) and not math.isfinite(value)
    ):
        raise ProtocolError(f"{where} must be a finite number, got {_shown(value)}")
    low, high = {"unit": (0.0, 1.0), "wheel": (-MAX_WHEEL_DELTA, MAX_WHEEL_DELTA)}.get(kind, (-MAX_NUMBER, MAX_NUMBER))
    if not low <= value <= high:
        raise ProtocolError(f"{where} must be between {low:g} and {high:g}, got {_shown(value)}")
    return float(value)


def _shown(value: Any) -> str:
    """A client's value as it may appear in a reply or a log line: short, whatever it is."""
    text = repr(value) if not isinstance(value, int) or abs(value) < 10**18 else f"an integer of {len(str(value))} digits"
    return text if len(text) <= 40 else text[:37] + "..."


def _nesting_depth(text: str) -> int:
    """How deep brackets nest in ``text`` (an over-estimate: brackets inside strings count too)."""
    depth = deepest = 0
    for character in text:
        if character in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif character in "]}":
            depth -= 1
    return deepest


def parse_message(text: str | bytes) -> dict[str, Any]:
    """Parse and validate one client message.

    Parameters
    ----------
    text : str or bytes
        The raw WebSocket or data-channel payload (bytes must be UTF-8).

    Returns
    -------
    dict
        The message with ``type`` and exactly the fields of that type, numbers as floats.

    Raises
    ------
    ProtocolError
        If the payload is not JSON, too long, too deeply nested, of an unknown type, or a field is
        missing, unexpected, of the wrong type or out of range. The message names the field. No other
        exception escapes, whatever the payload.
    """
    if isinstance(text, (bytes, bytearray)):
        if len(text) > MAX_MESSAGE_BYTES:
            raise ProtocolError(f"message is {len(text)} bytes; the limit is {MAX_MESSAGE_BYTES}")
        try:
            text = bytes(text).decode("utf-8")
        except UnicodeDecodeError as error:
            raise ProtocolError(f"message is not valid JSON: not UTF-8 ({error.reason} at byte {error.start})") from None
    if not isinstance(text, str):
        raise ProtocolError(f"message must be text, got {type(text).__name__}")
    if len(text) > MAX_MESSAGE_BYTES or len(text.encode("utf-8", "surrogatepass")) > MAX_MESSAGE_BYTES:
        raise ProtocolError(f"message is {len(text.encode('utf-8', 'surrogatepass'))} bytes; the limit is {MAX_MESSAGE_BYTES}")
    if _nesting_depth(text) > MAX_NESTING:
        raise ProtocolError(f"message nests deeper than {MAX_NESTING} levels")
    try:
        message = json.loads(text)
    except (ValueError, RecursionError) as error:
        raise ProtocolError(f"message is not valid JSON: {error}") from None
    if not isinstance(message, dict):
        raise ProtocolError(f"message must be a JSON object, got {type(message).__name__}")
    message_type = message.get("type")
    if not isinstance(message_type, str) or message_type not in MESSAGE_FIELDS:
        allowed = ", ".join(MESSAGE_FIELDS)
        raise ProtocolError(f"type must be one of {allowed}, got {_shown(message_type)}")
    fields = MESSAGE_FIELDS[message_type]
    unexpected = sorted(set(message) - set(fields) - {"type"})
    if unexpected:
        raise ProtocolError(f"{message_type} has unexpected field(s): {_shown(', '.join(unexpected))}")
    parsed: dict[str, Any] = {"type": message_type}
    for name, kind in fields.items():
        if name not in message:
            raise ProtocolError(f"{message_type}.{name} is missing")
        parsed[name] = _check_field(message_type, name, kind, message[name])
    return parsed


def server_message(message_type: str, **fields: Any) -> dict[str, Any]:
    """A server-to-browser message of a type in :data:`SERVER_MESSAGE_FIELDS` with exactly its fields.

    Raises
    ------
    ValueError
        If the type is unknown or a field is missing or not part of that type (a bug in the server).
    """
    names = SERVER_MESSAGE_FIELDS.get(message_type)
    if names is None:
        raise ValueError(f"unknown server message type {message_type!r}")
    if set(fields) != set(names):
        raise ValueError(f"{message_type} takes the fields {', '.join(names)}; got {', '.join(sorted(fields))}")
    return {"type": message_type, **{name: fields[name] for name in names}}


def hello_message(viewer_id: str, role: str, name: str, colour: str, view: dict[str, Any],
                  ice_servers: list[dict[str, str]] | None = None, sfu: dict[str, Any] | None = None) -> dict[str, Any]:
    """The server's first message on a connection: protocol version, transports, who you are, the view,
    the STUN/TURN servers the page's WebRTC connection may use, and the SFU room to watch through
    (``{url, room, feed}``, or None: watch helios's own stream)."""
    return server_message(
        "hello", protocol_version=PROTOCOL_VERSION, transports=list(TRANSPORTS), viewer_id=viewer_id,
        role=role, name=name, colour=colour, view=view, ice_servers=ice_servers or [], sfu=sfu,
    )


def error_message(text: str) -> dict[str, Any]:
    """The reply to a malformed or refused message; the connection stays open."""
    return server_message("error", message=text)
