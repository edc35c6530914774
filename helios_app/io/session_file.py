"""Session files: a whole view kept as JSON (graph fingerprint, positions, pins, camera, encodings, layout).

:func:`save_session` writes one atomically; :func:`load_session` reads one back and checks every field before
anything starts, naming the file and the field at fault.
"""

from __future__ import annotations

import base64
import json
import math
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from helios_app.errors import HeliosError
from helios_app.graph import Graph, graph_fingerprint
from helios_app.io.formats._common import GraphFileError
from helios_app.io.writers import write_atomically

__all__ = ["SESSION_FORMAT", "SESSION_VERSION", "load_session", "save_session"]

SESSION_FORMAT = "helios-session"
SESSION_VERSION = 1



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
) -> Path:
    """Save a view of ``graph`` as a session file (JSON, replaced atomically).

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
          "layout": {"name": "fr", "parameters": {...}, "seed": 0}
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
    document = {
        "format": SESSION_FORMAT,
        "version": SESSION_VERSION,
        "graph": {
            "fingerprint": graph_fingerprint(graph),
            "node_count": node_count,
            "edge_count": graph.edge_count,
            "source": graph.source,
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
    }
    target = Path(path)
    write_atomically(target, (json.dumps(document, indent=1) + "\n").encode("utf-8"))
    return target


def load_session(path: str | os.PathLike, graph: Graph | None) -> dict[str, Any]:
    """Read a session file and check that it belongs to ``graph``.

    Parameters
    ----------
    path : str or os.PathLike
    graph : Graph or None
        The graph to restore the view of; None skips the check (to inspect a file).

    Returns
    -------
    dict
        ``version`` (int), ``fingerprint`` (str), ``node_count``, ``edge_count`` (int), ``source`` (str),
        ``dimensions`` (2 or 3), ``positions`` (numpy array ``(node_count, dimensions)``, float32 or float64
        as saved), ``pins`` (int64 array of node indices), ``camera``, ``encodings``, ``parameters`` (dicts),
        ``layout`` (str), ``seed`` (int or None).

    Raises
    ------
    HeliosError
        A :class:`~helios_app.io.formats.GraphFileError` naming the file if it is not a session file, is damaged,
        comes from a newer Helios, or was saved for another graph (the message gives both graphs' sizes).
    """
    display = os.fsdecode(os.fspath(path))
    try:
        raw = Path(display).read_bytes()
    except FileNotFoundError:
        raise GraphFileError(display, "no such file") from None
    except OSError as error:
        raise GraphFileError(display, f"cannot be read ({error.strerror or error})") from None
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

    def fail(message: str) -> GraphFileError:
        return GraphFileError(display, message)

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
    if graph is not None and fingerprint != graph_fingerprint(graph):
        saved_from = f" from {source}" if source else ""
        raise fail(
            f"this session was saved for another graph ({node_count} nodes, {edge_count} edges{saved_from}); "
            f"{graph.source or 'the graph given'} has {graph.node_count} nodes and {graph.edge_count} edges "
            f"(fingerprint {graph_fingerprint(graph)}, the session's is {fingerprint})"
        )
    stored = _field(document, "positions", dict, fail)
    dtype_name = _field(stored, "dtype", str, fail, "positions.")
    if dtype_name not in ("float32", "float64"):
        raise fail(f"positions.dtype {dtype_name!r} is not float32 or float64")
    shape = stored.get("shape")
    if (
        not isinstance(shape, list) or len(shape) != 2 or not all(isinstance(n, int) for n in shape)
        or shape[0] != node_count or shape[1] not in (2, 3)
    ):  # fmt: skip
        raise fail(
            f"positions.shape {shape!r} does not match the graph's {node_count} nodes in 2 or 3 dimensions"
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
        raise fail("positions hold a value that is not finite")
    pins_list = document.get("pins", [])
    if not isinstance(pins_list, list) or not all(
        isinstance(pin, int) and not isinstance(pin, bool) and 0 <= pin < node_count for pin in pins_list
    ):
        raise fail(f"pins must be a list of node indices in 0 .. {node_count - 1}")
    layout_part = document.get("layout", {})
    if not isinstance(layout_part, dict):
        raise fail("layout must be an object")
    seed = layout_part.get("seed")
    if seed is not None and (not isinstance(seed, int) or isinstance(seed, bool)):
        raise fail(f"layout.seed {seed!r} is not an integer")
    result = {
        "version": version,
        "fingerprint": fingerprint,
        "node_count": node_count,
        "edge_count": edge_count,
        "source": str(source),
        "dimensions": shape[1],
        "positions": positions,
        "pins": np.array(pins_list, dtype=np.int64),
        "camera": document.get("camera", {}),
        "encodings": document.get("encodings", {}),
        "parameters": layout_part.get("parameters", {}),
        "layout": str(layout_part.get("name", "")),
        "seed": seed,
    }
    for name in ("camera", "encodings", "parameters"):
        if not isinstance(result[name], dict):
            raise fail(f"{name} must be an object")
    return result


def _field(container: dict, name: str, kind: type, fail: Any, prefix: str = "") -> Any:
    value = container.get(name)
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        if value is None:
            raise fail(f"{prefix}{name} is missing")
        raise fail(f"{prefix}{name} is {type(value).__name__}, expected {kind.__name__}")
    return value
