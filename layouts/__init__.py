"""Layout algorithms, the shared position buffer, and the worker that drives a layout.

Usable on its own: ``layouts`` imports only numpy, scipy, numba and the standard library.

Examples
--------
>>> import numpy as np
>>> from layouts import ForceDirectedLayout, LayoutWorker, PositionBuffer
>>> layout = ForceDirectedLayout(np.array([[0, 1], [1, 2]], dtype=np.int32), node_count=3)
>>> with PositionBuffer(layout.node_count, layout.dimensions) as buffer:
...     with LayoutWorker(layout, buffer):
...         version, positions = buffer.read_latest()
"""

from .buffer import PositionBuffer
from .force_directed import ForceDirectedLayout
from .timer import IntervalTimerThreading
from .worker import LayoutState, LayoutWorker

__all__ = ["ForceDirectedLayout", "IntervalTimerThreading", "LayoutState", "LayoutWorker", "PositionBuffer"]
