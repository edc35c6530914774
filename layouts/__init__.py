"""Layout algorithms, the shared position buffer, and the worker that drives a layout.

Usable on its own: ``layouts`` imports only numpy, scipy, numba and the standard library.

- :class:`ForceDirectedLayout` (``"fr"``): Fruchterman-Reingold with Barnes-Hut repulsion;
- :class:`ForceAtlas2` (``"fa2"``): ForceAtlas2 as published, with Barnes-Hut repulsion;
- both in 2D and 3D, multilevel from 1,000 nodes, with pins and live parameter and graph changes;
- :data:`LAYOUT_ALGORITHMS` maps the names to the classes; :func:`run_layout` runs one headless;
- :func:`layout_quality`: normalised stress and neighbourhood preservation of any layout;
- :class:`LayoutWorker` steps a layout on an :class:`IntervalTimerThreading` thread and publishes into
  a :class:`PositionBuffer`.

Examples
--------
>>> import numpy as np
>>> from layouts import ForceDirectedLayout, LayoutWorker, PositionBuffer
>>> layout = ForceDirectedLayout(np.array([[0, 1], [1, 2]], dtype=np.int32), node_count=3)
>>> with PositionBuffer(layout.node_count, layout.dimensions) as buffer:
...     with LayoutWorker(layout, buffer):
...         version, positions = buffer.read_latest()
"""

from .base import ForceLayout
from .buffer import PositionBuffer
from .force_atlas2 import ForceAtlas2, ForceAtlas2Parameters
from .force_directed import ForceDirectedLayout, FruchtermanReingoldParameters
from .quality import layout_quality
from .run import LAYOUT_ALGORITHMS, run_layout, settle_layout
from .timer import IntervalTimerThreading
from .worker import LayoutState, LayoutWorker, SettleDetector, let_idle_kernel_threads_sleep

__all__ = [
    "LAYOUT_ALGORITHMS",
    "ForceAtlas2",
    "ForceAtlas2Parameters",
    "ForceDirectedLayout",
    "ForceLayout",
    "FruchtermanReingoldParameters",
    "IntervalTimerThreading",
    "LayoutState",
    "LayoutWorker",
    "PositionBuffer",
    "SettleDetector",
    "layout_quality",
    "let_idle_kernel_threads_sleep",
    "run_layout",
    "settle_layout",
]
