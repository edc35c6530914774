"""The graph and everything computed from it without drawing (numpy, scipy and numba only): the model
(:mod:`.model`), node encodings (:mod:`.encodings`), filters (:mod:`.filters`), time (:mod:`.timeline`) and
live edits by id (:mod:`.edits`).

The model's names are re-exported here: ``from helios_app.graph import Graph``.
"""

from helios_app.graph.model import (
    DEFAULT_NODE_RGB,
    LARGEST_LAYOUT_WEIGHT,
    TIME_ATTRIBUTES,
    Graph,
    TimeIntervals,
    graph_fingerprint,
    graph_from_networkx,
    graph_from_scipy,
    intervals_from_attributes,
    parse_time,
    seconds_since_epoch,
)

__all__ = [
    "DEFAULT_NODE_RGB",
    "LARGEST_LAYOUT_WEIGHT",
    "TIME_ATTRIBUTES",
    "Graph",
    "TimeIntervals",
    "graph_fingerprint",
    "graph_from_networkx",
    "graph_from_scipy",
    "intervals_from_attributes",
    "parse_time",
    "seconds_since_epoch",
]
