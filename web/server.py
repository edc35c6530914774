"""Runs an aiohttp application on its own event loop in a background thread.

The CLI and Jupyter use the same runner: the caller's thread stays free (the CLI waits for a
signal, a notebook kernel keeps running cells), and ``stop()`` releases the port and joins the
thread within its timeout.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable

from aiohttp import web

from web.app import CONFIG_KEY, GUARD_KEY

logger = logging.getLogger(__name__)


class _GuardedSite(web.BaseSite):
    """A TCP site whose connections pass the app's :class:`web.connections.ConnectionGuard` first."""

    def __init__(self, runner: web.BaseRunner, host: str, port: int, guard) -> None:
        super().__init__(runner)
        self._host, self._port, self._guard = host, port, guard

    @property
    def name(self) -> str:
        return f"http://{self._host}:{self._port}"

    async def start(self) -> None:
        await super().start()
        self._server = await asyncio.get_running_loop().create_server(
            self._guard.protocol_factory(self._runner.server), self._host, self._port, backlog=self._backlog
        )


class BackgroundServer:
    """An aiohttp app served from a dedicated thread.

    Parameters
    ----------
    app_factory : callable
        Builds the application (:func:`web.create_app`); called on the server's loop.
    host : str
        Address to bind.
    port : int
        Port to bind; 0 picks a free one (read it from :attr:`port` after :meth:`start`).
    """

    def __init__(self, app_factory: Callable[[], web.Application], host: str, port: int) -> None:
        self._app_factory = app_factory
        self.host = host
        self.port = port
        self._loop: asyncio.AbstractEventLoop | None = None
        self._runner: web.AppRunner | None = None
        self._thread: threading.Thread | None = None
        self._started = threading.Event()
        self._start_error: BaseException | None = None
        self._stopped: asyncio.Event | None = None

    def start(self, timeout_s: float = 10.0) -> None:
        """Bind and start serving; raises the bind error (e.g. port in use) in the caller."""
        self._thread = threading.Thread(target=self._run, name="helios-web", daemon=True)
        self._thread.start()
        if not self._started.wait(timeout_s):
            raise TimeoutError(f"web server did not start within {timeout_s} s")
        if self._start_error is not None:
            self._thread.join(timeout_s)
            raise self._start_error

    def _run(self) -> None:
        self._loop = asyncio.new_event_loop()
        asyncio.set_event_loop(self._loop)
        try:
            self._loop.run_until_complete(self._serve())
        finally:
            # Whatever is still pending (a viewer's sender, a relay) is cancelled and let finish, as
            # asyncio.run does: a task left pending would be destroyed with the loop, mid-await.
            pending = asyncio.all_tasks(self._loop)
            for task in pending:
                task.cancel()
            self._loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
            self._loop.run_until_complete(self._loop.shutdown_default_executor())
            self._loop.close()

    async def _serve(self) -> None:
        self._stopped = asyncio.Event()
        try:
            app = self._app_factory()
            # keepalive_timeout also closes a connection whose request headers do not arrive in time
            # (aiohttp's default waits an hour, so half-sent requests used to hold their sockets for ever).
            self._runner = web.AppRunner(
                app, shutdown_timeout=0.5, access_log=None, keepalive_timeout=app[CONFIG_KEY].request_timeout_s
            )
            await self._runner.setup()
            site = _GuardedSite(self._runner, self.host, self.port, app[GUARD_KEY])
            await site.start()
            self.port = self._runner.addresses[0][1]
        except BaseException as error:  # noqa: BLE001 - handed to the caller of start()
            self._start_error = error
            self._started.set()
            if self._runner is not None:
                await self._runner.cleanup()
            return
        logger.info("serving on %s:%s", self.host, self.port)
        self._started.set()
        await self._stopped.wait()
        await self._runner.cleanup()

    def call(self, coroutine_function, *args, timeout_s: float = 5.0):
        """Run ``coroutine_function(*args)`` on the server loop from another thread; return its result."""
        future = asyncio.run_coroutine_threadsafe(coroutine_function(*args), self._loop)
        return future.result(timeout_s)

    def submit(self, coroutine_function, *args):
        """Start ``coroutine_function(*args)`` on the server loop from another thread, without waiting;
        returns its ``concurrent.futures.Future`` (an error in it is logged)."""
        future = asyncio.run_coroutine_threadsafe(coroutine_function(*args), self._loop)
        future.add_done_callback(_log_failure)
        return future

    def stop(self, timeout_s: float = 2.0) -> None:
        """Close every connection, release the port and join the thread."""
        if self._thread is None or not self._thread.is_alive():
            return
        self._loop.call_soon_threadsafe(self._stopped.set)
        self._thread.join(timeout_s)
        if self._thread.is_alive():
            raise TimeoutError(f"web server did not stop within {timeout_s} s")


def _log_failure(future) -> None:
    if not future.cancelled() and future.exception() is not None:
        logger.error("a task on the server loop failed", exc_info=future.exception())
