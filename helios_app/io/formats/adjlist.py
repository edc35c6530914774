"""networkx adjacency lists: ``write_adjlist`` (a node and its neighbours per line) and
``write_multiline_adjlist`` (a node and its neighbour count, then one line per neighbour).

Single-line (``nx.write_adjlist``)::

    # networkx writes three comment lines: its command line, "# GMT <date>", the graph's name
    0 1 2
    1 2
    3

Multi-line (``nx.write_multiline_adjlist``): ``node count``, then ``count`` lines ``neighbour {attributes}``::

    0 2
    1 {'weight': 2.0}
    2 {}
    1 0

Both are read as networkx's ``read_adjlist`` and ``read_multiline_adjlist`` read them by default, into an
undirected graph (``nx.Graph``): an edge written from both of its ends (what a directed graph's adjacency list
holds) is one edge, and so is a repeated neighbour; a self-loop is kept; a node without neighbours is a node.
Nodes are whitespace-separated tokens kept as text, numbered in order of first appearance (networkx's node
order); ``#`` starts a comment anywhere on a line, as networkx cuts lines (but not inside an attribute dict).
A multi-line list's attribute dicts are parsed, never evaluated (text keys, simple values); ``weight`` is the
edge's weight (1 where an edge has none), other keys are ``edge_attributes``, and an edge listed twice takes
the union of its dicts, the later value winning (networkx's ``add_edge``). A dict networkx would silently drop
(one that does not parse) is refused with its line.

Which of the two a file is: multi-line when its first node line is ``node count`` and its first neighbour line
carries a dict (networkx always writes one); else single-line. A file whose node lines all have count 0 and no
neighbour lines is read single-line (``0 0`` is then a self-loop), as the two formats cannot be told apart.

Files are read as adjacency lists when their name ends in ``.adjlist``, or when their content says so:
networkx's header (a comment line, then ``# GMT <date>``) or multi-line neighbour lines with dicts. Without
either, ``0 1 2`` lines are an edge list with a weight (see :mod:`helios_app.io.formats.edgelist`).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator

import numpy as np

from helios_app.graph import Graph
from helios_app.io.formats._common import GraphFileError

logger = logging.getLogger(__name__)

__all__ = ["looks_like_adjlist", "read_adjlist"]

# The first two of the three comment lines networkx's adjacency list writers start with: its command line,
# then "# GMT Mon Dec  7 20:41:40 2026".
_NETWORKX_HEADER = re.compile(
    rb"#[^\n]*\n#[ \t]*GMT [A-Z][a-z]{2} [A-Z][a-z]{2} [ 0-9][0-9] [0-9]{2}:[0-9]{2}:[0-9]{2} [0-9]{4}[ \t]*\n"
)
_WRITER_NAME = "write_multiline_adjlist"
_WRITER = f"as networkx's {_WRITER_NAME} writes"


def _data_lines(text: str) -> Iterator[tuple[int, str]]:
    """The 1-based number and the text of each line that holds something once its comment is cut."""
    for number, line in enumerate(text.split("\n"), start=1):
        comment = line.find("#")
        if comment >= 0 and not 0 <= line.find("{") < comment:
            line = line[:comment]
        line = line.strip()
        if line:
            yield number, line


def _node_count(line: str) -> int | None:
    """The count of a multi-line list's ``node count`` line, None when the line is not one."""
    fields = line.split()
    if len(fields) != 2 or not (fields[1].isascii() and fields[1].isdigit()):
        return None
    return int(fields[1])


def _is_multiline(lines: Iterator[str]) -> bool:
    """Whether lines start as a multi-line list: node lines of count 0, then one of count n > 0 whose first
    neighbour line carries a dict."""
    for line in lines:
        count = _node_count(line)
        if count is None:
            return False
        if count:
            neighbour = next(lines, None)
            if neighbour is None:
                return False
            rest = neighbour.split(None, 1)[1:]
            return bool(rest) and rest[0].startswith("{") and rest[0].endswith("}")
    return False


def looks_like_adjlist(raw: bytes, significant: list[str]) -> bool:
    """Whether a text is one of networkx's adjacency lists: its header, or multi-line neighbour lines with
    dicts. ``significant`` are its first lines that are neither blank nor comments, stripped."""
    return _NETWORKX_HEADER.match(raw) is not None or _is_multiline(iter(significant))


class _Edges:
    """Nodes numbered by first appearance; undirected edges, each pair once, with merged attribute dicts."""

    def __init__(self) -> None:
        self.index_of: dict[str, int] = {}
        self.edge_of: dict[tuple[int, int], int] = {}  # (low, high) node pair -> edge index
        self.ends: list[tuple[int, int]] = []
        self.attributes: list[dict] = []

    def node(self, node_id: str) -> int:
        return self.index_of.setdefault(node_id, len(self.index_of))

    def add(self, source: int, target: int, attributes: dict | None = None) -> None:
        key = (source, target) if source <= target else (target, source)
        index = self.edge_of.get(key)
        if index is None:
            self.edge_of[key] = len(self.ends)
            self.ends.append((source, target))
            self.attributes.append(dict(attributes or {}))
        elif attributes:
            self.attributes[index].update(attributes)

    def graph(self, path: str) -> Graph:
        weights = None
        if any("weight" in record for record in self.attributes):
            weights = np.array([record.get("weight", 1.0) for record in self.attributes], dtype=np.float64)
        names = dict.fromkeys(name for record in self.attributes for name in record if name != "weight")
        columns = {name: [record.get(name) for record in self.attributes] for name in names}
        return Graph(
            node_ids=list(self.index_of),
            edges=np.array(self.ends, dtype=np.int32).reshape(-1, 2),
            weights=weights,
            source=path,
            edge_attributes=columns,
        )


def read_adjlist(raw: bytes, path: str) -> Graph:
    """Read one of networkx's adjacency lists, single-line or multi-line (see the module's docstring).

    Parameters
    ----------
    raw : bytes
        The text, UTF-8 with ``\\n`` line ends.
    path : str
        The file, for messages.

    Returns
    -------
    Graph
        Undirected, as networkx reads these files by default.

    Raises
    ------
    GraphFileError
        Naming the line at fault.
    """
    text = raw.decode("utf-8")
    if _is_multiline(line for _, line in _data_lines(text)):
        logger.debug("%s: networkx multi-line adjacency list", path)
        edges = _read_multiline(_data_lines(text), path)
    else:
        logger.debug("%s: networkx adjacency list", path)
        edges = _Edges()
        for _, line in _data_lines(text):
            node, *neighbours = line.split()
            source = edges.node(node)
            for neighbour in neighbours:
                edges.add(source, edges.node(neighbour))
    if not edges.index_of:
        raise GraphFileError(path, "the file has only comments and blank lines, no nodes")
    return edges.graph(path)


def _read_multiline(lines: Iterator[tuple[int, str]], path: str) -> _Edges:
    from helios_app.io.formats.edgelist import _attribute_dict  # the dict parser of networkx's edge lists

    edges = _Edges()
    for number, line in lines:
        count = _node_count(line)
        if count is None:
            raise GraphFileError(
                path, f"expected a node and its neighbour count ('0 2', {_WRITER}), found {line!r}", number
            )
        node = line.split()[0]
        source = edges.node(node)
        for done in range(count):
            following = next(lines, None)
            if following is None:
                raise GraphFileError(
                    path,
                    f"node {node!r} has {count} neighbours, but the file ends after {done}; the file may be "
                    "incomplete",
                    number,
                )
            neighbour_number, neighbour_line = following
            neighbour, *rest = neighbour_line.split(None, 1)
            attributes = (
                _attribute_dict(rest[0].encode("utf-8"), path, neighbour_number, _WRITER_NAME) if rest else {}
            )
            edges.add(source, edges.node(neighbour), attributes)
    return edges
