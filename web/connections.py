"""Budgets for everything a viewer can send and everything sent to a viewer.

A viewer holds a valid link, so nothing it sends can be trusted to be reasonable. Each interaction
socket is a :class:`ViewerConnection` with

- a message budget (:class:`MessageBudget`): a token bucket; messages over it are dropped and
  counted, and the drops are logged once per viewer per :data:`DROP_LOG_INTERVAL_S`, never once per
  message (20,000 messages once wrote 5,345 warning lines);
- a bounded send queue drained by one sender task: a viewer that does not read fills its queue and
  is disconnected, instead of being buffered for without bound (a non-reading socket once grew
  17.8 MB of send queue in 55 s); a send that does not finish within :data:`SEND_TIMEOUT_S`
  disconnects it too. One task per socket, so no send task is left with an exception nobody reads.

:class:`ConnectionGuard` caps the TCP connections that have not yet shown the access token (closing
the oldest), so requests that never finish their headers cannot use up the file descriptors of
everyone else.
Many legitimate viewers may share one address (a NAT, a notebook proxy), so the cap is on
connections without a token, not on addresses.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Callable
from typing import Any

logger = logging.getLogger(__name__)

MESSAGE_RATE_PER_S = 120.0
"""Sustained messages a viewer may send: a drag sends one move per animation frame (60 a second),
hover ten a second, the wheel one sum per frame; twice that leaves room for presence updates."""
MESSAGE_BURST = 240
SEND_QUEUE_LIMIT = 256
"""Messages waiting for one viewer; a viewer who reads nothing fills it within seconds (statuses,
replies to its own messages) and is then disconnected."""
SEND_TIMEOUT_S = 10.0
DROP_LOG_INTERVAL_S = 10.0
MAX_UNAUTHORISED_CONNECTIONS = 64
EVICTION_DELAY_S = 0.1
"""Connections over the cap are closed (oldest first) this long after they came, not at once: a burst
of new connections is accepted in one go, before any of them is read, and closing at once would push
out a viewer that arrived a moment before the burst and had no time to send its request."""
HARD_LIMIT_FACTOR = 4  # past this many times the cap, a new connection is refused at once


class MessageBudget:
    """A token bucket: ``rate_per_s`` messages a second, up to ``burst`` at once.

    Parameters
    ----------
    rate_per_s : float
        Tokens added per second.
    burst : int
        Size of the bucket (and its content at the start).
    clock : callable
        Monotonic seconds; injectable for tests.
    """

    def __init__(self, rate_per_s: float = MESSAGE_RATE_PER_S, burst: int = MESSAGE_BURST,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._rate_per_s = rate_per_s
        self._burst = float(burst)
        self._clock = clock
        self._tokens = float(burst)
        self._refilled_s = clock()

    def take(self) -> bool:
        """Spend one token; False (and nothing spent) when the bucket is empty."""
        now = self._clock()
        self._tokens = min(self._burst, self._tokens + (now - self._refilled_s) * self._rate_per_s)
        self._refilled_s = now
        if self._tokens < 1.0:
            return False
        self._tokens -= 1.0
        return True


class ViewerConnection:
    """One viewer's interaction socket with its budgets; lives on the server's event loop.

    Parameters
    ----------
    socket : aiohttp.web.WebSocketResponse
        The prepared socket.
    transport : asyncio.Transport
        Its transport, aborted when the viewer must be dropped (a graceful close would wait on a
        viewer that does not read).
    viewer_id : str
        The id the server gave this viewer.
    role : str
        ``editor`` or ``watcher``, from the token the viewer presented.
    """

    def __init__(self, socket, transport, viewer_id: str, role: str = "editor", budget: MessageBudget | None = None,
                 queue_limit: int = SEND_QUEUE_LIMIT, send_timeout_s: float = SEND_TIMEOUT_S) -> None:
        self.socket = socket
        self.viewer_id = viewer_id
        self.role = role
        self.name = viewer_id
        self.colour = "#888888"
        self.cursor: dict[str, float] | None = None  # {"x", "y"} normalised, None when the pointer is away
        self.stage: tuple[int, int] | None = None  # the page's stage in device pixels
        self.dragging = False  # a camera drag of this viewer is under way
        self.peers: set = set()  # WebRTC peers this viewer's page opened; closed with the socket
        self.messages_dropped = 0
        self.disconnect_reason: str | None = None
        self._transport = transport
        self._budget = budget or MessageBudget()
        self._send_timeout_s = send_timeout_s
        self._outgoing: asyncio.Queue[str] = asyncio.Queue(maxsize=queue_limit)
        self._dropped_since_log = 0
        self._last_drop_log_s = -DROP_LOG_INTERVAL_S
        self._sender = asyncio.create_task(self._send_loop(), name=f"helios-send-{viewer_id}")

    def send(self, message: dict[str, Any]) -> None:
        """Queue ``message`` for this viewer without waiting; a full queue disconnects the viewer."""
        if self.disconnect_reason is not None:
            return
        try:
            self._outgoing.put_nowait(json.dumps(message))
        except asyncio.QueueFull:
            self.disconnect(f"it read none of its last {self._outgoing.maxsize} messages")

    def admit(self) -> bool:
        """Spend one message of the viewer's budget; False if it is over (the message is dropped)."""
        if self._budget.take():
            return True
        self.messages_dropped += 1
        self._dropped_since_log += 1
        now = time.monotonic()
        if now - self._last_drop_log_s >= DROP_LOG_INTERVAL_S:
            logger.warning(
                "viewer %s sends more than %g messages a second; dropped %d (%d in all)",
                self.viewer_id, MESSAGE_RATE_PER_S, self._dropped_since_log, self.messages_dropped,
            )
            self._dropped_since_log = 0
            self._last_drop_log_s = now
        return False

    def disconnect(self, reason: str) -> None:
        """Drop the viewer at once: its socket's handler then ends and releases everything."""
        if self.disconnect_reason is not None:
            return
        self.disconnect_reason = reason
        logger.warning("disconnected viewer %s: %s", self.viewer_id, reason)
        self._transport.abort()

    def close(self) -> None:
        """Stop the sender (the socket's handler calls this when the socket ends)."""
        self._sender.cancel()

    async def _send_loop(self) -> None:
        while True:
            text = await self._outgoing.get()
            try:
                await asyncio.wait_for(self.socket.send_str(text), self._send_timeout_s)
            except TimeoutError:
                self.disconnect(f"a message took more than {self._send_timeout_s:g} s to send")
                return
            except (ConnectionError, RuntimeError) as error:  # the viewer left mid-send
                logger.debug("viewer %s: send failed: %s", self.viewer_id, error)
                return


class _GuardedProtocol:
    """Forwards every protocol call to aiohttp's handler, telling the guard when the connection ends."""

    def __init__(self, inner, guard: ConnectionGuard) -> None:
        self._inner = inner
        self._guard = guard
        self._transport = None
        self._admitted = False

    def connection_made(self, transport) -> None:
        self._transport = transport
        self._admitted = self._guard.connection_made(transport)
        if self._admitted:  # a refused connection is aborted before aiohttp ever sees it
            self._inner.connection_made(transport)

    def connection_lost(self, error) -> None:
        self._guard.connection_lost(self._transport)
        if self._admitted:
            self._inner.connection_lost(error)

    def __getattr__(self, name: str):  # data_received, eof_received, pause_writing, resume_writing
        return getattr(self._inner, name)


class ConnectionGuard:
    """Caps the connections that have not yet presented the token: past the cap, the oldest go.

    The excess is closed :data:`EVICTION_DELAY_S` after it arises, oldest first, so every newcomer has
    that long to show the token (a viewer's request does, within a round trip; a half-sent request never
    does). Past :data:`HARD_LIMIT_FACTOR` times the cap, a newcomer is refused at once. The access-token
    middleware calls :meth:`authorise`; aiohttp's keep-alive timeout (set by the runner) closes a
    connection that does not finish a request in time.
    """

    def __init__(self, max_unauthorised: int = MAX_UNAUTHORISED_CONNECTIONS) -> None:
        self.max_unauthorised = max_unauthorised
        self._unauthorised: dict = {}  # transport -> None, oldest first
        self._eviction_scheduled = False
        self.evicted = 0
        self._last_eviction_log_s = -DROP_LOG_INTERVAL_S

    def protocol_factory(self, inner_factory: Callable[[], Any]) -> Callable[[], Any]:
        """Wrap aiohttp's protocol factory (the runner's server) for ``loop.create_server``."""
        return lambda: _GuardedProtocol(inner_factory(), self)

    def connection_made(self, transport) -> bool:
        """Count a new connection; False if it is refused (and aborted) at once."""
        if len(self._unauthorised) >= HARD_LIMIT_FACTOR * self.max_unauthorised:
            transport.abort()
            self._count_eviction()
            return False
        self._unauthorised[transport] = None
        if len(self._unauthorised) > self.max_unauthorised and not self._eviction_scheduled:
            self._eviction_scheduled = True
            asyncio.get_running_loop().call_later(EVICTION_DELAY_S, self._evict_excess)
        return True

    def _evict_excess(self) -> None:
        self._eviction_scheduled = False
        while len(self._unauthorised) > self.max_unauthorised:
            oldest = next(iter(self._unauthorised))
            del self._unauthorised[oldest]
            oldest.abort()
            self._count_eviction()

    def _count_eviction(self) -> None:
        self.evicted += 1
        now = time.monotonic()
        if now - self._last_eviction_log_s >= DROP_LOG_INTERVAL_S:
            logger.warning(
                "more than %d connections have not shown the access token; closing the oldest (%d so far)",
                self.max_unauthorised, self.evicted,
            )
            self._last_eviction_log_s = now

    def authorise(self, transport) -> None:
        """The connection showed the token: it no longer counts against the cap."""
        self._unauthorised.pop(transport, None)

    def connection_lost(self, transport) -> None:
        self._unauthorised.pop(transport, None)
