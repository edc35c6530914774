"""Who is here: viewers' names, colours, roles and pointers, who steers the camera, and the picture size.

Every viewer is a :class:`web.connections.ViewerConnection`; this module keeps them in join order and
tells everyone about changes through the :class:`web.messages.MessageHub` (``viewers`` when someone
joins, leaves, renames or takes the camera; ``cursors`` at most every :data:`CURSOR_INTERVAL_S`, only
when a pointer moved). The hub keeps the latest of each, so a late joiner sees the list at once.

Roles come from the token a viewer presented: an editor may steer; a watcher may watch, point,
hover, search and read the info panel, and gets an ``error`` for anything that would change the
view for others. One editor steers at a time: an editor's camera input makes it the steering
viewer unless another editor steered within :data:`STEERING_HOLD_S`; ``take_camera`` takes it at
once (a drag in progress ends there). The picture is rendered at the steering editor's stage size in device pixels (the earliest
editor's while nobody has steered), bounded by the configured maximum.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

from web.connections import ViewerConnection
from web.messages import MessageHub
from web.protocol import server_message

EDITOR, WATCHER = "editor", "watcher"
CAMERA_MESSAGES = frozenset({"pointer", "wheel", "double_click", "reset_camera", "focus", "take_camera"})
WATCHER_MESSAGES = frozenset({"ping", "hover", "search", "cursor", "identify", "resize"})
STEERING_HOLD_S = 1.0  # after the steering editor's last camera input (and all through a drag)
CURSOR_INTERVAL_S = 0.05
COLOURS = ("#e6194b", "#3cb44b", "#ffe119", "#4363d8", "#f58231", "#911eb4", "#42d4f4", "#f032e6",
           "#bfef45", "#fabed4", "#469990", "#dcbeff")


class Presence:
    """The viewers of one view and who steers it; lives on the server's event loop.

    Parameters
    ----------
    hub : MessageHub
        Where ``viewers`` and ``cursors`` messages are published.
    submit_event : callable
        The view's event sink; receives ``resize`` events when the picture size should change.
    max_size : (int, int)
        The largest picture, in pixels.
    """

    def __init__(self, hub: MessageHub, submit_event: Callable[[dict[str, Any]], None],
                 max_size: tuple[int, int]) -> None:
        self._hub = hub
        self._submit_event = submit_event
        self._max_width, self._max_height = max_size
        self._viewers: dict[str, ViewerConnection] = {}
        self._joined = 0
        self.steering: str | None = None
        self._steered_s = 0.0
        self._cursors_changed = False
        self._picture_size: tuple[int, int] | None = None
        self._cursor_task: asyncio.Task | None = None

    @property
    def viewers(self) -> list[ViewerConnection]:
        return list(self._viewers.values())

    def get(self, viewer_id: str) -> ViewerConnection | None:
        return self._viewers.get(viewer_id)

    def join(self, connection: ViewerConnection) -> None:
        self._joined += 1
        connection.name = f"viewer {self._joined}"
        connection.colour = COLOURS[(self._joined - 1) % len(COLOURS)]
        self._viewers[connection.viewer_id] = connection
        if self._cursor_task is None:
            self._cursor_task = asyncio.create_task(self._publish_cursors())
        self._publish_viewers()

    def leave(self, connection: ViewerConnection) -> None:
        if self._viewers.pop(connection.viewer_id, None) is None:
            return
        if self.steering == connection.viewer_id:
            self.steering = None
        if connection.cursor is not None:
            self._cursors_changed = True
        self._publish_viewers()
        self._follow_size_source()

    def close(self) -> None:
        if self._cursor_task is not None:
            self._cursor_task.cancel()

    def identify(self, connection: ViewerConnection, name: str, colour: str) -> None:
        connection.name = name.strip()[:40] or connection.name
        connection.colour = colour.lower()
        self._publish_viewers()

    def point(self, connection: ViewerConnection, x: float, y: float, inside: bool) -> None:
        connection.cursor = {"x": x, "y": y} if inside else None
        self._cursors_changed = True

    def report_stage(self, connection: ViewerConnection, width: int, height: int) -> None:
        connection.stage = (width, height)
        self._follow_size_source()

    def may_send(self, connection: ViewerConnection, event: dict[str, Any]) -> str | None:
        """None if the viewer may send this message now; else why not, for an ``error`` reply.

        The empty string means held off: camera input from an editor while another editor steers.
        It is dropped without a reply, since the page shows who has the camera.
        """
        message_type = event["type"]
        if connection.role == WATCHER and message_type not in WATCHER_MESSAGES:
            return f"{message_type} is for editors; this link only lets you watch, point, hover and search"
        if message_type not in CAMERA_MESSAGES:
            return None
        now = time.monotonic()
        holder = self._viewers.get(self.steering or "")
        held_by_other = holder is not None and holder is not connection and (
            holder.dragging or now - self._steered_s < STEERING_HOLD_S
        )
        if held_by_other and message_type != "take_camera":
            return ""
        if holder is not None and holder is not connection:
            holder.dragging = False
        if message_type == "pointer":
            connection.dragging = event["action"] != "up"
        changed = self.steering != connection.viewer_id
        self.steering, self._steered_s = connection.viewer_id, now
        if changed:
            self._publish_viewers()
            self._follow_size_source()
        return None

    def describe(self) -> list[dict[str, Any]]:
        return [
            {"id": viewer.viewer_id, "name": viewer.name, "colour": viewer.colour, "role": viewer.role,
             "cursor": viewer.cursor}
            for viewer in self._viewers.values()
        ]

    def _publish_viewers(self) -> None:
        self._hub.publish(server_message("viewers", viewers=self.describe(), steering=self.steering))

    async def _publish_cursors(self) -> None:
        while True:
            await asyncio.sleep(CURSOR_INTERVAL_S)
            if self._cursors_changed:
                self._cursors_changed = False
                cursors = {viewer.viewer_id: viewer.cursor for viewer in self._viewers.values()}
                self._hub.publish(server_message("cursors", cursors=cursors))

    def _follow_size_source(self) -> None:
        """Render at the stage of the steering editor (else the earliest editor), within the maximum."""
        source = self._viewers.get(self.steering or "")
        if source is None or source.stage is None:
            source = next((viewer for viewer in self._viewers.values()
                           if viewer.role == EDITOR and viewer.stage is not None), None)
        if source is None:
            return
        size = fit_within(*source.stage, self._max_width, self._max_height)
        if size != self._picture_size:
            self._picture_size = size
            self._submit_event({"type": "resize", "width": size[0], "height": size[1], "viewer_id": source.viewer_id})


def fit_within(width: int, height: int, max_width: int, max_height: int, minimum: int = 64) -> tuple[int, int]:
    """``width`` x ``height`` scaled down (never up) to fit the maximum, aspect kept, even numbers."""
    scale = min(1.0, max_width / width, max_height / height)
    fitted_width = max(minimum, int(width * scale) // 2 * 2)
    fitted_height = max(minimum, int(height * scale) // 2 * 2)
    return fitted_width, fitted_height
