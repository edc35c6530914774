"""Session files: a whole view kept as JSON (graph fingerprint, positions, pins, camera, encodings, layout).

:func:`save_session` writes one atomically; :func:`load_session` reads one back and checks every field before
anything starts, naming the file and the field at fault.
"""

from __future__ import annotations

import base64
import contextlib
import errno
import json
import math
import os
import stat
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from helios_app.errors import HeliosError
from helios_app.graph import Graph, graph_fingerprint
from helios_app.io.formats._common import GraphFileError
from helios_app.io.writers import write_atomically

__all__ = ["SESSION_FORMAT", "SESSION_VERSION", "check_style", "load_session", "save_session"]

SESSION_FORMAT = "helios-session"
SESSION_VERSION = 2  # 2: live edits, style and history
MIN_SESSION_BYTES = 16 << 20
SESSION_BYTES_PER_NODE = 256  # positions (3 x float64 in base64: 32 bytes), pins, style, history
MAX_INSPECTED_NODES = 10_000_000  # the size bound for a file read without its graph
CAMERA_FIELDS = frozenset({"position", "focal_point", "view_up", "parallel_scale"})



def _jsonable(value: Any, field: str) -> Any:
    """``value`` with numpy scalars and arrays and tuples turned into JSON types; raise for anything else."""
    if isinstance(value, np.ndarray):
        value = value.tolist()
    if isinstance(value, np.generic):
        value = value.item()
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise HeliosError(f"save_session: {field} is {value}; numbers must be finite")
        return value
    if isinstance(value, Mapping):
        result = {}
        for key, item in value.items():
            if not isinstance(key, str):
                raise HeliosError(f"save_session: {field} has key {key!r}; keys must be strings")
            result[key] = _jsonable(item, f"{field}.{key}")
        return result
    if isinstance(value, (list, tuple)):
        return [_jsonable(item, f"{field}[{number}]") for number, item in enumerate(value)]
    raise HeliosError(f"save_session: {field} is a {type(value).__name__}, which a session file cannot hold")


def save_session(
    path: str | os.PathLike,
    graph: Graph,
    positions: Any,
    *,
    pins: Any = (),
    camera: Mapping[str, Any] | None = None,
    encodings: Mapping[str, Any] | None = None,
    layout: str = "",
    parameters: Mapping[str, Any] | None = None,
    seed: int | None = None,
    base_graph: Graph | None = None,
    edits: Sequence[Mapping[str, Any]] = (),
    style: Mapping[str, Any] | None = None,
    history: Mapping[str, Any] | None = None,
) -> Path:
    """Save a view of ``graph`` as a session file (JSON, written to disk and moved into place atomically).

    Parameters
    ----------
    path : str or os.PathLike
        The file to write (``.json`` by convention, ``.helios.json`` to tell it apart).
    graph : Graph
        The graph shown; its :func:`graph_fingerprint` is stored so that :func:`load_session` can tell
        whether a graph matches.
    positions : array_like
        ``(node_count, 2|3)`` finite positions; float32 and float64 are stored exactly.
    pins : sequence of int, optional
        Indices of the pinned nodes.
    camera, encodings, parameters : dict, optional
        JSON-able dicts (numbers, strings, booleans, None, lists, dicts; numpy values are converted) owned by
        the scene, the encodings and the layout.
    layout : str, optional
        Name of the layout algorithm.
    seed : int, optional
        The layout's seed.
    base_graph : Graph, optional
        The graph as read from its file, when ``graph`` is that graph after live ``edits``; the session
        then belongs to ``base_graph`` (its fingerprint is stored) and :func:`load_session` replays the
        edits on it.
    edits : sequence of dict, optional
        The live edits (:meth:`helios_app.graph.edits.GraphEdit.as_dict`) that make ``graph`` from ``base_graph``,
        in order.
    style : dict, optional
        Colours, sizes and labels set from Python: ``{"colors": {id: [r, g, b]}, "sizes": {id: factor},
        "labels": {id: text}}``.
    history : dict, optional
        The view's history (:meth:`helios_app.history.History.as_dict`).

    Returns
    -------
    pathlib.Path

    Notes
    -----
    The file holds one JSON object::

        {
          "format": "helios-session",          # always this
          "version": 1,                        # SESSION_VERSION; a newer file is refused with a message
          "graph": {"fingerprint": "sha256:...", "node_count": n, "edge_count": m, "source": "..."},
          "dimensions": 2,                     # 2 or 3
          "positions": {"dtype": "float32",    # or "float64"
                        "shape": [n, 2],
                        "encoding": "base64",  # little-endian, row-major
                        "data": "..."},
          "pins": [3, 17],                     # node indices
          "camera": {...}, "encodings": {...},
          "layout": {"name": "fr", "parameters": {...}, "seed": 0},
          "edits": [...], "style": {...}, "history": {...},   # version 2
          "saved_at": 1765000000.0                # seconds since the epoch
        }
    """
    node_count = graph.node_count
    array = np.asarray(positions)
    if array.dtype not in (np.float32, np.float64):
        try:
            array = array.astype(np.float64)
        except (TypeError, ValueError):
            raise HeliosError(f"save_session: positions must be numbers, got dtype {array.dtype}") from None
    if array.ndim != 2 or array.shape[0] != node_count or array.shape[1] not in (2, 3):
        raise HeliosError(f"save_session: positions must have shape ({node_count}, 2|3), got {array.shape}")
    if not np.all(np.isfinite(array)):
        raise HeliosError("save_session: positions must be finite")
    pin_array = np.asarray(pins, dtype=np.int64).reshape(-1) if len(pins) else np.zeros(0, dtype=np.int64)
    if len(pin_array) and (pin_array.min() < 0 or pin_array.max() >= node_count):
        raise HeliosError(f"save_session: pins must be node indices in 0 .. {node_count - 1}")
    little = array.astype(array.dtype.newbyteorder("<"), copy=False)
    base = base_graph if base_graph is not None else graph
    document = {
        "format": SESSION_FORMAT,
        "version": SESSION_VERSION,
        "saved_at": time.time(),
        "graph": {
            "fingerprint": graph_fingerprint(base),
            "node_count": base.node_count,
            "edge_count": base.edge_count,
            "source": base.source,
            "edited_node_count": node_count,
        },
        "dimensions": int(array.shape[1]),
        "positions": {
            "dtype": str(array.dtype),
            "shape": list(array.shape),
            "encoding": "base64",
            "data": base64.b64encode(np.ascontiguousarray(little).tobytes()).decode("ascii"),
        },
        "pins": pin_array.tolist(),
        "camera": _jsonable(dict(camera or {}), "camera"),
        "encodings": _jsonable(dict(encodings or {}), "encodings"),
        "layout": {
            "name": str(layout),
            "parameters": _jsonable(dict(parameters or {}), "parameters"),
            "seed": None if seed is None else int(seed),
        },
        "edits": _jsonable(list(edits), "edits"),
        "style": _jsonable(dict(style or {}), "style"),
        "history": _jsonable(dict(history or {}), "history"),
    }
    target = Path(path)
    write_atomically(target, (json.dumps(document, indent=1) + "\n").encode("utf-8"))
    return target


def open_regular_file(path: str | os.PathLike) -> Any:
    """``path`` opened for binary reading if it is a regular file, else None (a context manager either
    way); OSErrors (a missing file, a directory) are raised.

    Checked before opening (``os.stat``): opening a FIFO for reading waits for a writer, for ever. The
    open itself does not wait either (``O_NONBLOCK``, if the path became a FIFO meanwhile), and the file
    opened is checked again."""
    mode = os.stat(path).st_mode
    if stat.S_ISDIR(mode):
        raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), os.fspath(path))
    if not stat.S_ISREG(mode):
        return contextlib.nullcontext(None)
    descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    if not stat.S_ISREG(os.fstat(descriptor).st_mode):
        os.close(descriptor)
        return contextlib.nullcontext(None)
    return os.fdopen(descriptor, "rb")


def max_session_bytes(node_count: int) -> int:
    """The largest session file read for a graph of ``node_count`` nodes: room for its positions (as base64
    float64 in 3D), pins, style and a long history, and no more, so that junk cannot fill the memory."""
    return MIN_SESSION_BYTES + SESSION_BYTES_PER_NODE * node_count


def load_session(path: str | os.PathLike, graph: Graph | None) -> dict[str, Any]:
    """Read a session file and check that it belongs to ``graph``, every field before anything starts.

    Parameters
    ----------
    path : str or os.PathLike
    graph : Graph or None
        The graph (as read from its file) to restore the view of; None skips the graph checks and the
        replay of live edits (to inspect a file).

    Returns
    -------
    dict
        ``version`` (int), ``fingerprint`` (str), ``node_count``, ``edge_count`` (int), ``source`` (str),
        ``saved_at`` (float or None), ``dimensions`` (2 or 3), ``positions`` (numpy array ``(n, dimensions)``
        for the graph after the live edits, float32 or float64 as saved), ``pins`` (int64 array of node
        indices), ``camera``, ``encodings``, ``parameters``, ``style``, ``history`` (dicts, shapes checked
        here, values checked by the view that takes them), ``layout`` (str), ``seed`` (int or None),
        ``edits`` (list of :class:`helios_app.graph.edits.GraphEdit`) and ``graph`` (the graph after the edits, or
        None when ``graph`` is None).

    Raises
    ------
    HeliosError
        A :class:`~helios_app.io.formats.GraphFileError` naming the file and the field if it is not a session
        file, is damaged or too large, comes from a newer Helios, or was saved for another graph (the message
        gives both graphs' sizes).
    """
    from helios_app.graph.edits import (  # the graph model's edits; io reads, edits replays
        GraphEdit,
        apply_edit,
    )

    display = os.fsdecode(os.fspath(path))

    def fail(message: str) -> GraphFileError:
        return GraphFileError(display, message)

    limit = max_session_bytes(graph.node_count if graph is not None else MAX_INSPECTED_NODES)
    try:
        with open_regular_file(display) as stream:
            if stream is None:
                raise fail("is not a regular file; a session file is a JSON file")
            raw = stream.read(limit + 1)
    except FileNotFoundError:
        raise GraphFileError(display, "no such file") from None
    except IsADirectoryError:
        raise GraphFileError(display, "is a directory, not a session file") from None
    except OSError as error:
        raise GraphFileError(display, f"cannot be read ({error.strerror or error})") from None
    if len(raw) > limit:
        raise fail(f"is larger than a session of this graph can be ({limit:,} bytes at most); it is not a "
                   "session file of this graph, or it is damaged")
    try:
        document = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as error:
        raise GraphFileError(
            display, f"not a session file: byte 0x{raw[error.start]:02x} is not UTF-8 text"
        ) from None
    except json.JSONDecodeError as error:
        raise GraphFileError(
            display, f"not a session file: invalid JSON ({error.msg})", error.lineno, error.colno
        ) from None
    except (ValueError, RecursionError) as error:
        raise GraphFileError(display, f"not a session file: {error}") from None

    if not isinstance(document, dict) or document.get("format") != SESSION_FORMAT:
        raise fail(f"not a Helios session file (no \"format\": \"{SESSION_FORMAT}\")")
    version = document.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise fail(f"session format version {version!r} is not a positive integer")
    if version > SESSION_VERSION:
        raise fail(
            f"saved by a newer Helios (session format version {version}); "
            f"this one reads version {SESSION_VERSION}"
        )
    graph_part = _field(document, "graph", dict, fail)
    fingerprint = _field(graph_part, "fingerprint", str, fail, "graph.")
    node_count = _field(graph_part, "node_count", int, fail, "graph.")
    edge_count = _field(graph_part, "edge_count", int, fail, "graph.")
    source = graph_part.get("source", "")
    if not isinstance(source, str):
        raise fail("graph.source must be a string")
    saved_at = document.get("saved_at")
    if saved_at is not None and (not isinstance(saved_at, (int, float)) or isinstance(saved_at, bool)):
        raise fail("saved_at must be a number (seconds since the epoch)")
    if graph is not None and fingerprint != graph_fingerprint(graph):
        saved_from = f" from {source}" if source else ""
        raise fail(
            f"this session was saved for another graph ({node_count} nodes, {edge_count} edges{saved_from}); "
            f"{graph.source or 'the graph given'} has {graph.node_count} nodes and {graph.edge_count} edges "
            f"(fingerprint {graph_fingerprint(graph)}, the session's is {fingerprint})"
        )

    edit_list = document.get("edits", [])
    if not isinstance(edit_list, list):
        raise fail("edits must be a list of live edits")
    edits = []
    for number, item in enumerate(edit_list):
        try:
            edits.append(GraphEdit.from_dict(item, f"edits[{number}]"))
        except HeliosError as error:
            raise fail(str(error)) from None
    edited = graph
    if graph is not None:
        _check_edit_weights(edits, graph, fail)
        for number, edit in enumerate(edits):
            try:
                edited, _ = apply_edit(edited, edit)
            except HeliosError as error:
                raise fail(f"edits[{number}] does not apply to the graph: {error}") from None
    current_count = edited.node_count if edited is not None else graph_part.get("edited_node_count", node_count)
    if not isinstance(current_count, int) or isinstance(current_count, bool) or current_count < 0:
        raise fail("graph.edited_node_count must be a whole number")

    stored = _field(document, "positions", dict, fail)
    dtype_name = _field(stored, "dtype", str, fail, "positions.")
    if dtype_name not in ("float32", "float64"):
        raise fail(f"positions.dtype {dtype_name!r} is not float32 or float64")
    shape = stored.get("shape")
    if (
        not isinstance(shape, list) or len(shape) != 2 or not all(isinstance(n, int) for n in shape)
        or shape[0] != current_count or shape[1] not in (2, 3)
    ):  # fmt: skip
        raise fail(
            f"positions.shape {shape!r} does not match the graph's {current_count} nodes in 2 or 3 dimensions"
        )
    try:
        data = base64.b64decode(_field(stored, "data", str, fail, "positions."), validate=True)
    except ValueError:
        raise fail("positions.data is not valid base64") from None
    dtype = np.dtype(dtype_name).newbyteorder("<")
    if len(data) != shape[0] * shape[1] * dtype.itemsize:
        needed = shape[0] * shape[1] * dtype.itemsize
        raise fail(
            f"positions.data holds {len(data)} bytes; {shape[0]} x {shape[1]} {dtype_name} need {needed}"
        )
    positions = np.frombuffer(data, dtype=dtype).reshape(shape).astype(dtype_name)
    if not np.all(np.isfinite(positions)):
        row = int(np.flatnonzero(~np.isfinite(positions).all(axis=1))[0])
        raise fail(f"positions row {row} holds a value that is not finite")
    pins_list = document.get("pins", [])
    if not isinstance(pins_list, list) or not all(
        isinstance(pin, int) and not isinstance(pin, bool) and 0 <= pin < current_count for pin in pins_list
    ):
        raise fail(f"pins must be a list of node indices in 0 .. {current_count - 1}")
    layout_part = document.get("layout", {})
    if not isinstance(layout_part, dict):
        raise fail("layout must be an object")
    layout_name = layout_part.get("name", "")
    if not isinstance(layout_name, str):
        raise fail("layout.name must be a string")
    seed = layout_part.get("seed")
    if seed is not None and (not isinstance(seed, int) or isinstance(seed, bool) or not 0 <= seed < 2**32):
        raise fail(f"layout.seed {seed!r} is not a whole number from 0 to 2**32 - 1")
    result = {
        "version": version,
        "fingerprint": fingerprint,
        "node_count": node_count,
        "edge_count": edge_count,
        "source": source,
        "saved_at": None if saved_at is None else float(saved_at),
        "dimensions": shape[1],
        "positions": positions,
        "pins": np.array(pins_list, dtype=np.int64),
        "camera": document.get("camera", {}),
        "encodings": document.get("encodings", {}),
        "parameters": layout_part.get("parameters", {}),
        "style": document.get("style", {}),
        "history": document.get("history", {}),
        "layout": layout_name,
        "seed": seed,
        "edits": edits,
        "graph": edited,
    }
    for name in ("camera", "encodings", "parameters", "style", "history"):
        if not isinstance(result[name], dict):
            raise fail(f"{name} must be an object")
    if "parameters" in layout_part and not isinstance(layout_part["parameters"], dict):
        raise fail("layout.parameters must be an object")
    _check_camera_shape(result["camera"], fail)
    check_style(result["style"], fail)
    return result


def _check_edit_weights(edits: list, graph: Graph, fail: Any) -> None:
    """Weights the edits add must be > 0 as the layout wants them, unless the graph's own weights are not
    (a signed graph viewed with ``--weight none``, whose undone edge removals bring such weights back).
    Checked here, so that a bad weight names the session file and not the graph file (the layout refuses
    non-positive weights naming the graph's source)."""
    if graph.weights is not None and len(graph.weights) and not np.all(np.asarray(graph.weights) > 0):
        return
    for number, edit in enumerate(edits):
        for row_number, row in enumerate(edit.edge_rows):
            weight = row.get("weight", 1.0)
            if not weight > 0:
                raise fail(f"edits[{number}].edge_rows[{row_number}].weight is {weight!r}; weights must be > 0 "
                           "(as the graph's are)")


def _check_camera_shape(camera: dict, fail: Any) -> None:
    """A camera holds four known fields of a few numbers: nothing else is kept for the view's life."""
    unknown = sorted(set(camera) - CAMERA_FIELDS)
    if unknown:
        raise fail(f"camera.{unknown[0]} is not a camera field; a camera has {', '.join(sorted(CAMERA_FIELDS))}")
    for name in ("position", "focal_point", "view_up"):
        if name in camera and not (isinstance(camera[name], list) and len(camera[name]) == 3):
            raise fail(f"camera.{name} must be 3 numbers")


def check_style(style: Any, fail: Any, allow_missing: bool = False) -> None:
    """Raise ``fail(message)`` unless ``style`` holds only colours (3 whole numbers 0-255), sizes (positive
    numbers), labels (text of at most 1,000 characters), edge colours and edge widths (0 to 40 pixels), by id or
    edge key; ``allow_missing``: a value may be None (an undo state: the setting removed)."""
    if not isinstance(style, dict):
        raise fail("style must be an object")
    unknown = sorted(set(style) - {"colors", "sizes", "labels", "edge_colors", "edge_widths"})
    if unknown:
        raise fail(f"style.{str(unknown[0])[:40]} is not a style; a style has colors, sizes, labels, edge_colors "
                   "and edge_widths")
    for name, check in (("colors", _is_rgb), ("sizes", _is_positive_number), ("labels", _is_text),
                        ("edge_colors", _is_rgb), ("edge_widths", _is_width)):
        values = style.get(name, {})
        if not isinstance(values, dict):
            raise fail(f"style.{name} must map node ids to values")
        for node_id, value in values.items():
            if not (check(value) or (allow_missing and value is None)):
                raise fail(f"style.{name}[{str(node_id)[:60]!r}] is {repr(value)[:60]}, which is not a valid "
                           f"{name[:-1].replace('_', ' ')}")


def _is_width(value: Any) -> bool:
    return _is_positive_number(value) and value <= 40


def _is_rgb(value: Any) -> bool:
    return (isinstance(value, list) and len(value) == 3
            and all(isinstance(c, int) and not isinstance(c, bool) and 0 <= c <= 255 for c in value))


def _is_positive_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value) and 0 < value <= 1e6


def _is_text(value: Any) -> bool:
    return isinstance(value, str) and len(value) <= 1000


def _field(container: dict, name: str, kind: type, fail: Any, prefix: str = "") -> Any:
    value = container.get(name)
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        if value is None:
            raise fail(f"{prefix}{name} is missing")
        raise fail(f"{prefix}{name} is {type(value).__name__}, expected {kind.__name__}")
    return value
