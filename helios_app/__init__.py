"""Helios: live force-directed views of large networks, in a browser, a notebook or a window."""

from helios_app.errors import HeliosError

__all__ = ["HeliosError", "show", "to_html"]


def show(graph_or_path, **options):
    """Start a live view of a graph in this process and return it for display (see :mod:`helios_app.jupyter`)."""
    from helios_app.jupyter import show as _show

    return _show(graph_or_path, **options)


def to_html(graph_or_path, path=None, **options) -> str:
    """A self-contained interactive page of a graph, laid out until it settles (see :func:`helios_app.output.to_html`)."""
    from helios_app.output import to_html as _to_html

    return _to_html(graph_or_path, path, **options)
