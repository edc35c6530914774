"""Helios: live force-directed views of large networks, in a browser, a notebook or a window."""

from helios_app.errors import HeliosError

__all__ = ["HeliosError", "show"]


def show(graph_or_path, **options):
    """Start a live view of a graph in this process and return it for display (see :mod:`helios_app.jupyter`)."""
    from helios_app.jupyter import show as _show

    return _show(graph_or_path, **options)
