"""Server-to-viewer messages: published from any thread, sent to every open interaction socket.

The newest message of each type is kept, so a viewer who connects later is told the current
selection and status right after the hello.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from typing import Any

from aiohttp import web

logger = logging.getLogger(__name__)


class MessageHub:
    """Broadcasts JSON messages to the sockets of one app; thread-safe ``publish``."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._sockets: set[web.WebSocketResponse] = set()
        self._latest: dict[str, dict[str, Any]] = {}

    def attach(self, loop: asyncio.AbstractEventLoop) -> None:
        """Bind to the event loop that owns the sockets (called when the app starts)."""
        with self._lock:
            self._loop = loop

    def publish(self, message: dict[str, Any]) -> None:
        """Send ``message`` to every viewer and remember it as the latest of its type."""
        with self._lock:
            self._latest[message["type"]] = message
            loop = self._loop
        if loop is None or loop.is_closed():
            return
        try:
            loop.call_soon_threadsafe(self._send_to_all, message)
        except RuntimeError:  # the loop closed meanwhile
            pass

    def add(self, socket: web.WebSocketResponse) -> list[dict[str, Any]]:
        """Register a socket; returns the latest messages to bring it up to date."""
        with self._lock:
            self._sockets.add(socket)
            return list(self._latest.values())

    def remove(self, socket: web.WebSocketResponse) -> None:
        with self._lock:
            self._sockets.discard(socket)

    @property
    def socket_count(self) -> int:
        return len(self._sockets)

    def _send_to_all(self, message: dict[str, Any]) -> None:
        for socket in list(self._sockets):
            if not socket.closed:
                asyncio.ensure_future(_send_quietly(socket, message))


async def _send_quietly(socket: web.WebSocketResponse, message: dict[str, Any]) -> None:
    try:
        await socket.send_json(message)
    except (ConnectionResetError, RuntimeError) as error:  # the viewer left mid-send
        logger.debug("could not send %s: %s", message.get("type"), error)
