"""Jupyter embedding: ``helios_app.show(graph)`` runs a live view in the kernel and displays it inline.

The view is served by the kernel process (on a background thread, so cells keep running). The
output is an iframe of the view's page. When the kernel runs behind a Jupyter server that is not
on the user's machine, the iframe goes through jupyter-server-proxy (``{prefix}proxy/{port}/``) if
``proxy=True`` or ``JUPYTERHUB_SERVICE_PREFIX`` is set; the page's relative URLs and its MJPEG
fallback work through that proxy.
"""

from __future__ import annotations

import atexit
import html
import os
from typing import Any

from helios_app.errors import HeliosError
from helios_app.io import as_graph
from helios_app.session import ViewConfig, ViewSession

_running_views: list[View] = []


class View:
    """A live view shown in a notebook; ``stop()`` ends it (so does kernel shutdown)."""

    def __init__(self, session: ViewSession, width_px: int, height_px: int, proxy_prefix: str | None) -> None:
        self.session = session
        self._width_px = width_px
        self._height_px = height_px
        self._proxy_prefix = proxy_prefix

    @property
    def url(self) -> str:
        """The iframe's address: direct, or through the Jupyter server's proxy."""
        if self._proxy_prefix is None:
            return self.session.url
        return f"{self._proxy_prefix}proxy/{self.session.port}/?token={self.session.token}"

    @property
    def links(self) -> dict[str, str]:
        """The editors' and the watchers' addresses, to share: ``{"editor": ..., "watcher": ...}``."""
        if self._proxy_prefix is None:
            return self.session.links
        base = f"{self._proxy_prefix}proxy/{self.session.port}/?token="
        return {"editor": base + self.session.token, "watcher": base + self.session.watch_token}

    def _repr_html_(self) -> str:
        source = html.escape(self.url, quote=True)
        return (
            f'<iframe src="{source}" width="{self._width_px}" height="{self._height_px}" '
            'style="border:0" allow="autoplay; fullscreen" title="Helios live view"></iframe>'
        )

    def __repr__(self) -> str:
        return f"<helios View {self.url}>"

    def screenshot(self, path=None):
        """The current picture as a numpy array; also saved as PNG to ``path`` if given."""
        return self.session.screenshot(path)

    def set_layout_parameters(self, **changes):
        """Change layout parameters live, e.g. ``view.set_layout_parameters(gravity=1.0)``."""
        self.session.set_layout_parameters(**changes)

    def stop(self) -> None:
        """Stop the layout, renderer and server of this view."""
        self.session.stop()
        if self in _running_views:
            _running_views.remove(self)


def show(graph_or_path: Any, proxy: bool | None = None, **options: Any) -> View:
    """Start a live view of a graph in this kernel and return it for display.

    Parameters
    ----------
    graph_or_path : Graph, networkx.Graph, scipy sparse matrix, (m, 2) edge array, str or path
        What to show.
    proxy : bool, optional
        Route the iframe through jupyter-server-proxy; by default only when
        ``JUPYTERHUB_SERVICE_PREFIX`` is set.
    **options
        Fields of :class:`~helios_app.session.ViewConfig` (``layout``, ``seed``, ``dimensions``,
        ``width``, ``height``, ``port``, ...).

    Returns
    -------
    View
        Displays as an iframe of the live view.
    """
    allowed = set(ViewConfig.__dataclass_fields__)
    unknown = sorted(set(options) - allowed)
    if unknown:
        raise HeliosError(f"unknown option(s) {', '.join(unknown)}; choose from {', '.join(sorted(allowed))}")
    config = ViewConfig(**options)
    session = ViewSession(as_graph(graph_or_path), config).start()
    prefix = os.environ.get("JUPYTERHUB_SERVICE_PREFIX")
    if proxy and not prefix:
        prefix = "/"
    view = View(session, config.width + 20, config.height + 70, prefix if (proxy or proxy is None) else None)
    _running_views.append(view)
    return view


@atexit.register
def _stop_all_views() -> None:
    for view in list(_running_views):
        try:
            view.stop()
        except Exception:  # noqa: BLE001 - best effort at interpreter exit
            pass
