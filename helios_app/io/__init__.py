"""Bytes in and out: graph files (:mod:`.read`, one reader per format in :mod:`.formats`), graph and
position files written (:mod:`.writers`), and session files (:mod:`.session_file`).

The entry points are re-exported here: ``from helios_app.io import read_graph``.
"""

from helios_app.io.read import FORMATS, GraphFileError, ProgressCallback, as_graph, read_graph, read_positions

__all__ = ["FORMATS", "GraphFileError", "ProgressCallback", "as_graph", "read_graph", "read_positions"]
