"""Server-to-viewer messages: published from any thread, queued for every connected viewer.

The newest message of each type is kept, so a viewer who connects later is told the current
selection and status right after the hello. Each viewer's queue is bounded
(:class:`web.connections.ViewerConnection`): a viewer that does not read is dropped, never waited for.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from typing import Any

from web.connections import ViewerConnection

logger = logging.getLogger(__name__)


class MessageHub:
    """Broadcasts JSON messages to the viewers of one app; thread-safe ``publish``."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._connections: set[ViewerConnection] = set()
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

    def add(self, connection: ViewerConnection) -> list[dict[str, Any]]:
        """Register a viewer; returns the latest messages to bring it up to date."""
        with self._lock:
            self._connections.add(connection)
            return list(self._latest.values())

    def remove(self, connection: ViewerConnection) -> None:
        with self._lock:
            self._connections.discard(connection)

    @property
    def socket_count(self) -> int:
        return len(self._connections)

    def _send_to_all(self, message: dict[str, Any]) -> None:
        with self._lock:
            connections = list(self._connections)
        for connection in connections:
            connection.send(message)
