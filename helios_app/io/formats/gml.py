"""GML: Newman's files (ids without labels, ``multigraph 1``), Gephi's (unquoted string ids, ``graphics``).

The text is cut into tokens (``str.split`` when that is provably the same as the full tokenizer, a regular
expression otherwise) and the whole token list is checked and read with numpy: bracket depth, key/value
roles, the blocks that hold each token. Only when that check finds a problem does the recursive parser run,
to report the first problem with its line and column exactly. Semantic problems (a duplicate id, an edge to
an unknown node) are reported with the position of the token at fault.

What is read: ``graph [ directed D multigraph M node [ id I label L ... graphics [ x y z w fill ] ] edge [
source S target T weight W | value V ... ] ]``. Node ids keep their text (numbers as Python prints them;
a number Python cannot hold, such as ``1e400`` or a 5,000-digit integer, as written);
``label`` becomes the label; other scalar node keys become ``node_attributes``; ``graphics`` gives the
initial position (``x``, ``y``, ``z``), the size (``w``) and the colour (``fill "#RRGGBB"``); an edge's
``weight`` (or else its ``value``) becomes its weight; other scalar edge keys become ``edge_attributes``.
"""

from __future__ import annotations

import html
import logging
import math
import re
from typing import Any

import numpy as np

from helios_app.graph import Graph
from helios_app.io.formats._common import (
    GraphFileError,
    NodeEncodings,
    line_and_column,
    number_value,
    parse_hex_color,
)

logger = logging.getLogger(__name__)

__all__ = ["looks_like_gml", "read_gml"]

# A comment (group 1 empty) or a token: a string, a bracket, a bare word or number, or a lone quote that
# starts a string never closed.
_TOKEN = re.compile(r'#[^\n]*|("[^"]*"|\[|\]|[^\s\[\]"#]+|")')
_ENTITY = re.compile(r"&(?:#[0-9]+|#[xX][0-9a-fA-F]+|[A-Za-z][A-Za-z0-9]*);")
_NUMBER_START = frozenset("0123456789+-.")
_UNTERMINATED = "unterminated string: this '\"' is never closed"
_LIST_START = re.compile(r'(?:^|\s)[A-Za-z_][^\s\[\]"]*\s*\[')
MAX_DEPTH = 64
_WHITESPACE_BYTES = np.zeros(256, dtype=bool)
_WHITESPACE_BYTES[[9, 10, 11, 12, 13, 32]] = True  # what str.split() and the regex's \s split ASCII text on
_GRAPHICS_KEYS = {"x": 0, "y": 1, "z": 2}


def looks_like_gml(significant_lines: list[str]) -> bool:
    """Whether the first non-blank, non-comment lines of a text read as GML."""
    if not significant_lines:
        return False
    first_tokens = re.findall(r"\[|\]|[^\s\[\]]+", significant_lines[0])
    if first_tokens[0] in ("Creator", "Version", "creator", "version") or first_tokens == ["graph"]:
        return True
    return _LIST_START.search("\n".join(significant_lines)) is not None  # a 'key [': edge lists have none


def _unescape(text: str) -> str:
    """Replace HTML character references (``&amp;``, ``&#38;``) in a GML string; a bare ``&`` stays."""
    return _ENTITY.sub(lambda match: html.unescape(match.group(0)), text)


def shown(value: Any) -> str:
    """A value for an error message: numbers and plain words as they are, other text quoted and cut short."""
    if isinstance(value, str):
        if len(value) > 40:
            value = value[:37] + "..."
        return value if value and value.isprintable() and " " not in value else repr(value)
    return str(value)


def value_of(token: str) -> Any:
    """The Python value of a scalar token: a str for a string or a bare word, an int or a float."""
    first = token[0]
    if first == '"':
        text = token[1:-1]
        return _unescape(text) if "&" in text else text
    if first in _NUMBER_START:
        try:
            return number_value(token)  # 1e400 and 5,000-digit integers stay text, never inf
        except ValueError:
            return token  # a bare word such as "-x": kept as text
    return token


# ----------------------------------------------------------------------------------------------------------
# Tokens


def _split_is_exact(raw: bytes) -> bool:
    """Whether ``raw.split()`` yields exactly the tokens of :data:`_TOKEN` (comments aside).

    True for ASCII text with no ``#`` where every bracket stands alone between whitespace and every string
    is one token: its quotes open after whitespace, close before whitespace, with neither whitespace nor a
    bracket inside.
    """
    if not raw.isascii() or b"#" in raw:
        return False
    data = np.frombuffer(raw, dtype=np.uint8)
    size = len(data)
    space = _WHITESPACE_BYTES[data]
    for special in (91, 93):  # '[' and ']'
        where = np.flatnonzero(data == special)
        if len(where):
            before_ok = (where == 0) | space[np.maximum(where - 1, 0)]
            after_ok = (where == size - 1) | space[np.minimum(where + 1, size - 1)]
            if not (before_ok.all() and after_ok.all()):
                return False
    quotes = np.flatnonzero(data == 34)
    if len(quotes):
        if len(quotes) % 2:
            return False
        opens, closes = quotes[0::2], quotes[1::2]
        if not ((opens == 0) | space[np.maximum(opens - 1, 0)]).all():
            return False
        if not ((closes == size - 1) | space[np.minimum(closes + 1, size - 1)]).all():
            return False
        breaks = np.flatnonzero(space | (data == 91) | (data == 93))
        if np.any(np.searchsorted(breaks, opens) != np.searchsorted(breaks, closes)):
            return False
    return True


def tokenize(text: str, raw: bytes | None = None) -> list[str]:
    """Return the GML tokens of ``text`` (comments dropped)."""
    if raw is not None and _split_is_exact(raw):
        return text.split()
    tokens = _TOKEN.findall(text)
    if "#" in text:
        tokens = [token for token in tokens if token]
    return tokens


# ----------------------------------------------------------------------------------------------------------
# The exact recursive parser: run only to report the first structural problem


class _Parser:
    """Recursive-descent parser over the tokens, used to find and describe the first structural error."""

    def __init__(self, text: str, path: str, tokens: list[str]) -> None:
        self.text = text
        self.path = path
        self.tokens = tokens

    # -- error reporting ----------------------------------------------------------------------------------

    def offset(self, token_index: int) -> int:
        """Return the character offset of token ``token_index`` (the end of the text past the last)."""
        if token_index >= len(self.tokens):
            return len(self.text.rstrip())
        seen = 0
        for match in _TOKEN.finditer(self.text):
            if match.group(1) is None:
                continue
            if seen == token_index:
                return match.start(1)
            seen += 1
        return len(self.text)  # not reached: the tokens came from the same pattern

    def position(self, token_index: int) -> tuple[int, int]:
        """Return the 1-based line and column of token ``token_index``."""
        return line_and_column(self.text, self.offset(token_index))

    def error(self, token_index: int, message: str) -> GraphFileError:
        """Build the error ``PATH:LINE:COLUMN: message`` for token ``token_index``."""
        line, column = self.position(token_index)
        return GraphFileError(self.path, message, line, column)

    @staticmethod
    def describe(token: str) -> str:
        """Describe a token for an error message."""
        if len(token) > 40:
            token = token[:37] + "..."
        return repr(token) if token in ("[", "]") or not token.isprintable() else token

    def expected_key_error(self, index: int) -> GraphFileError:
        """The error for a token found where a key or ``]`` must be."""
        token = self.tokens[index]
        if token == '"':
            return self.error(index, _UNTERMINATED + self.open_quote_hint(index))
        message = f"expected ']' or a key, found {self.describe(token)}"
        if index >= 2:
            key, value = self.tokens[index - 2], self.tokens[index - 1]
            bare_word = value[0] not in '"[]' and value[0] not in _NUMBER_START
            if bare_word and token[0] not in '"[]' and (key[0].isalpha() or key[0] == "_"):
                message += f'; a value with spaces must be quoted, e.g. {key} "{value} {token}"'
        return self.error(index, message + self.open_quote_hint(index))

    def open_quote_hint(self, index: int) -> str:
        """A hint when a string shortly before token ``index`` spans lines (a lost closing quote)."""
        for before in range(index - 1, max(index - 8, -1), -1):
            token = self.tokens[before]
            if token[0] == '"' and "\n" in token:
                line, column = self.position(before)
                return f"; the string that starts at {line}:{column} spans lines: is a closing quote missing?"
        return ""

    # -- parsing ------------------------------------------------------------------------------------------

    def parse(self) -> None:
        """Walk the whole token list; raise the GraphFileError of the first structural problem."""
        self.parse_list(0, 0, -1)

    def parse_list(self, position: int, depth: int, open_index: int) -> int:
        """Check ``key value`` pairs from ``position`` up to the ``]`` that closes ``open_index``.

        Returns the index of the token after that ``]`` (after the last token at depth 0).
        """
        tokens = self.tokens
        count = len(tokens)
        while position < count:
            key = tokens[position]
            first = key[0]
            if first == "]":
                if depth == 0:
                    raise self.error(position, "unexpected ']' with no '[' before it to close")
                return position + 1
            if not (first.isalpha() or first == "_"):
                raise self.expected_key_error(position)
            position += 1
            if position == count:
                raise self.error(position - 1, f"key '{key}' has no value: the file ends after it")
            value = tokens[position]
            first = value[0]
            if first == "[":
                if depth >= MAX_DEPTH:
                    raise self.error(position, f"lists are nested more than {MAX_DEPTH} deep")
                position = self.parse_list(position + 1, depth + 1, position)
                continue
            if first == "]":
                raise self.error(position, f"expected a value for key '{key}', found ']'")
            if value == '"':
                raise self.error(position, _UNTERMINATED + self.open_quote_hint(position))
            position += 1
        if depth > 0:
            raise self.error(
                open_index, "this '[' is never closed: the file ends first (unbalanced brackets)"
            )
        return position


# ----------------------------------------------------------------------------------------------------------
# The vectorized reader


class _Structure:
    """The token list as numpy arrays: which tokens are keys, their depth and the block that holds them."""

    def __init__(self, tokens: list[str]) -> None:
        self.tokens = tokens
        self.array = np.array(tokens, dtype=object) if tokens else np.zeros(0, dtype=object)
        array = self.array
        count = len(array)
        self.is_open = array == "["
        self.is_close = array == "]"
        bracket = self.is_open | self.is_close
        self.depth_after = np.cumsum(self.is_open, dtype=np.int64) - np.cumsum(self.is_close, dtype=np.int64)
        self.depth = self.depth_after - self.is_open + self.is_close  # the depth a token sits at
        index = np.arange(count)
        last_bracket = np.maximum.accumulate(np.where(bracket, index, -1)) if count else index
        previous_bracket = np.empty(count, dtype=np.int64)
        if count:
            previous_bracket[0] = -1
            previous_bracket[1:] = last_bracket[:-1]
        self.run_before = index - previous_bracket - 1  # non-bracket tokens just before a token (brackets)
        position_in_run = index - last_bracket - 1
        self.is_key = ~bracket & (position_in_run % 2 == 0)
        self.final_run = count - 1 - int(last_bracket[-1]) if count else 0
        self._closes: dict[int, np.ndarray] = {}

    def is_valid(self) -> bool:
        """Whether the recursive parser would accept the tokens (it runs, to explain, when not)."""
        if not len(self.array):
            return True
        if self.depth_after.min() < 0 or self.depth_after[-1] != 0:
            return False
        if np.any(self.run_before[self.is_open] % 2 != 1) or np.any(self.run_before[self.is_close] % 2 != 0):
            return False
        if self.final_run % 2:
            return False
        if np.any(self.depth[self.is_open] >= MAX_DEPTH):  # a '[' value at depth MAX_DEPTH or deeper
            return False
        for key in set(self.array[self.is_key].tolist()):
            if not (key[0].isalpha() or key[0] == "_"):
                return False
        values = ~self.is_key & ~self.is_open & ~self.is_close
        return not np.any(self.array[values] == '"')

    def matching_close(self, open_index: int) -> int:
        """Index of the ``]`` that closes the ``[`` at ``open_index``."""
        level = int(self.depth_after[open_index]) - 1
        closes = self._closes.get(level)
        if closes is None:
            closes = self._closes[level] = np.flatnonzero(self.is_close & (self.depth_after == level))
        return int(closes[np.searchsorted(closes, open_index)])

    def blocks_at(self, start: int, stop: int, depth: int) -> tuple[np.ndarray, np.ndarray]:
        """The keys at ``depth`` in ``[start, stop)`` and the ``[`` of the block each sits in."""
        window = slice(start, stop)
        keys = start + np.flatnonzero(self.is_key[window] & (self.depth[window] == depth))
        opens = start + np.flatnonzero(self.is_open[window] & (self.depth_after[window] == depth))
        owner = opens[np.maximum(np.searchsorted(opens, keys, side="right") - 1, 0)] if len(opens) else keys
        return keys, owner


def read_gml(raw: bytes, path: str) -> Graph:
    """Parse GML (UTF-8 bytes, newlines normalised) into a :class:`Graph`.

    Raises
    ------
    GraphFileError
        ``PATH:LINE:COLUMN: ...`` for the first problem.
    """
    text = raw.decode("utf-8")
    tokens = tokenize(text, raw)
    parser = _Parser(text, path, tokens)
    structure = _Structure(tokens)
    if not structure.is_valid():
        parser.parse()  # raises the precise error
        raise GraphFileError(path, "the GML structure could not be read")  # not reached
    array = structure.array
    is_open = structure.is_open

    top_keys = np.flatnonzero(structure.is_key & (structure.depth == 0))
    graph_keys = top_keys[array[top_keys] == "graph"]
    if not len(graph_keys):
        message = "no 'graph [ ... ]' block: not a GML graph; if it is an edge list, name the file .txt"
        raise parser.error(0, message) if tokens else GraphFileError(path, message, 1)
    graph_key = int(graph_keys[0])
    if not is_open[graph_key + 1]:
        value = value_of(tokens[graph_key + 1])
        raise parser.error(graph_key + 1, f"expected '[' after 'graph', found {value!r}")
    if len(graph_keys) > 1:
        logger.warning("%s: holds %d graphs; reading the first", path, len(graph_keys))
    graph_open = graph_key + 1
    graph_close = structure.matching_close(graph_open)

    # Graph-level keys: node and edge blocks, flags.
    level_keys = graph_open + 1 + np.flatnonzero(
        structure.is_key[graph_open + 1 : graph_close] & (structure.depth[graph_open + 1 : graph_close] == 1)
    )
    level_names = array[level_keys]
    directed = multigraph = False
    for key_index in level_keys[(level_names == "directed") | (level_names == "multigraph")].tolist():
        if is_open[key_index + 1]:
            continue
        flag = value_of(tokens[key_index + 1]) in (1, "1", "true", "True")
        if tokens[key_index] == "directed":
            directed = flag
        else:
            multigraph = flag
    block_keys = level_keys[(level_names == "node") | (level_names == "edge")]
    not_lists = block_keys[~is_open[block_keys + 1]]
    if len(not_lists):
        index = int(not_lists[0])
        raise parser.error(
            index + 1, f"expected '[' after '{tokens[index]}', found {value_of(tokens[index + 1])!r}"
        )
    node_opens = block_keys[array[block_keys] == "node"] + 1
    edge_opens = block_keys[array[block_keys] == "edge"] + 1

    # Keys inside node and edge blocks, with the block (its '[' index) each belongs to.
    keys, owners = structure.blocks_at(graph_open + 1, graph_close, 2)
    in_node = np.isin(owners, node_opens)
    in_edge = np.isin(owners, edge_opens)
    node_number = np.searchsorted(node_opens, owners)
    edge_number = np.searchsorted(edge_opens, owners)
    names = array[keys]
    value_is_list = is_open[keys + 1]

    node_ids, index_of, raw_index_of = _read_node_ids(
        parser, tokens, keys, names, value_is_list, in_node, node_number, node_opens
    )
    node_count = len(node_ids)

    labels: list[str | None] = [None] * node_count
    has_labels = False
    node_attributes: dict[str, list] = {}
    graphics_opens: list[tuple[int, int]] = []
    node_pairs = np.flatnonzero(in_node & (names != "id"))
    for key_index, node, name, is_list in zip(
        keys[node_pairs].tolist(), node_number[node_pairs].tolist(), names[node_pairs].tolist(),
        value_is_list[node_pairs].tolist(),
    ):  # fmt: skip
        if is_list:
            if name == "graphics":
                graphics_opens.append((key_index + 1, node))
            continue  # other nested blocks are skipped
        value = value_of(tokens[key_index + 1])
        if name == "label":
            labels[node] = str(value)
            has_labels = True
        else:
            column = node_attributes.get(name)
            if column is None:
                column = node_attributes[name] = [None] * node_count
            column[node] = value

    encodings = NodeEncodings(node_count)
    if graphics_opens:
        _read_graphics(parser, structure, graph_open, graph_close, dict(graphics_opens), encodings)

    edges, weights, edge_attributes = _read_edges(
        parser, tokens, keys, names, value_is_list, in_edge, edge_number, edge_opens, index_of, raw_index_of
    )
    if not node_ids:
        logger.warning("%s: the graph has no nodes", path)
    final_labels = None
    if has_labels:
        final_labels = [label if label is not None else node_id for label, node_id in zip(labels, node_ids)]
    return Graph(
        node_ids=node_ids,
        edges=edges,
        weights=weights,
        directed=directed,
        labels=final_labels,
        node_attributes=node_attributes,
        source=path,
        multigraph=multigraph,
        edge_attributes=edge_attributes,
        **encodings.fields(),
    )


def _read_node_ids(
    parser: _Parser,
    tokens: list[str],
    keys: np.ndarray,
    names: np.ndarray,
    value_is_list: np.ndarray,
    in_node: np.ndarray,
    node_number: np.ndarray,
    node_opens: np.ndarray,
) -> tuple[list[str], dict[str, int], dict[str, int]]:
    """Node ids in block order, the index of each id and of each id's token text."""
    node_count = len(node_opens)
    id_pairs = np.flatnonzero(in_node & (names == "id"))
    id_keys = keys[id_pairs]
    id_nodes = node_number[id_pairs]
    lists = id_keys[value_is_list[id_pairs]]
    if len(lists):
        raise parser.error(int(lists[0]) + 1, "a node 'id' must be a number or a string, found a list")
    counts = np.bincount(id_nodes, minlength=node_count) if node_count else np.zeros(0, dtype=np.int64)
    if np.any(counts > 1):
        second = _second_occurrences(id_nodes)
        key_index = int(id_keys[second[0]])
        first_of = int(id_keys[np.flatnonzero(id_nodes == id_nodes[second[0]])[0]])
        raise parser.error(key_index + 1, f"this node already has id {shown(value_of(tokens[first_of + 1]))}")
    if np.any(counts == 0):
        missing = int(np.flatnonzero(counts == 0)[0])
        raise parser.error(int(node_opens[missing]) - 1, "this node has no 'id'")
    order = np.argsort(id_nodes, kind="stable")
    id_tokens = [tokens[index + 1] for index in id_keys[order].tolist()]
    node_ids = [str(value_of(token)) for token in id_tokens]
    index_of = {node_id: index for index, node_id in enumerate(node_ids)}
    if len(index_of) != node_count:
        seen: dict[str, int] = {}
        for index, node_id in enumerate(node_ids):
            if node_id in seen:
                first_line, _ = parser.position(int(id_keys[order[seen[node_id]]]) + 1)
                raise parser.error(
                    int(id_keys[order[index]]) + 1,
                    f"duplicate node id {shown(node_id)} (first used on line {first_line})",
                )
            seen[node_id] = index
    raw_index_of = dict(zip(id_tokens, range(node_count)))
    return node_ids, index_of, raw_index_of


def _second_occurrences(values: np.ndarray) -> np.ndarray:
    """Positions (ascending) of the items of ``values`` that repeat an earlier item."""
    _, first = np.unique(values, return_index=True)
    repeated = np.ones(len(values), dtype=bool)
    repeated[first] = False
    return np.flatnonzero(repeated)


def _read_graphics(
    parser: _Parser,
    structure: _Structure,
    graph_open: int,
    graph_close: int,
    node_of_block: dict[int, int],
    encodings: NodeEncodings,
) -> None:
    """Read ``x``, ``y``, ``z``, ``w`` and ``fill`` of the nodes' ``graphics [ ... ]`` blocks."""
    tokens = structure.tokens
    keys, owners = structure.blocks_at(graph_open + 1, graph_close, 3)
    for key_index, owner in zip(keys.tolist(), owners.tolist()):
        node = node_of_block.get(owner)
        name = tokens[key_index]
        if node is None or structure.is_open[key_index + 1] or name not in ("x", "y", "z", "w", "fill"):
            continue
        value = value_of(tokens[key_index + 1])
        if name == "fill":
            rgb = parse_hex_color(value) if isinstance(value, str) else None
            if rgb is not None:
                encodings.set_color(node, rgb)
            continue
        if isinstance(value, str) or not math.isfinite(value):
            raise parser.error(key_index + 1, f"graphics {name} {value!r} is not a finite number")
        if name == "w":
            if value < 0:
                raise parser.error(key_index + 1, f"graphics w {value!r} is negative; a size must be >= 0")
            encodings.sizes[node] = value
        else:
            encodings.positions[node, _GRAPHICS_KEYS[name]] = value


def _read_edges(
    parser: _Parser,
    tokens: list[str],
    keys: np.ndarray,
    names: np.ndarray,
    value_is_list: np.ndarray,
    in_edge: np.ndarray,
    edge_number: np.ndarray,
    edge_opens: np.ndarray,
    index_of: dict[str, int],
    raw_index_of: dict[str, int],
) -> tuple[np.ndarray, np.ndarray | None, dict[str, list]]:
    """The edge array, the weights (or None) and the other edge attributes."""
    edge_count = len(edge_opens)
    endpoints = np.zeros((edge_count, 2), dtype=np.int64)
    for column, name in enumerate(("source", "target")):
        pairs = np.flatnonzero(in_edge & (names == name))
        pair_keys, pair_edges = keys[pairs], edge_number[pairs]
        lists = pair_keys[value_is_list[pairs]]
        if len(lists):
            raise parser.error(int(lists[0]) + 1, f"an edge '{name}' must be a node id, found a list")
        # The last source (target) of an edge counts, as in the recursive reading.
        chosen = np.full(edge_count, -1, dtype=np.int64)
        np.maximum.at(chosen, pair_edges, pair_keys)
        if np.any(chosen < 0):
            missing = int(np.flatnonzero(chosen < 0)[0])
            raise parser.error(int(edge_opens[missing]) - 1, f"this edge has no '{name}'")
        value_tokens = [tokens[index + 1] for index in chosen.tolist()]
        found = list(map(raw_index_of.get, value_tokens))
        if None in found:
            for position, node in enumerate(found):
                if node is None:
                    value = value_of(value_tokens[position])
                    node = index_of.get(str(value))
                    if node is None:
                        raise parser.error(
                            int(chosen[position]) + 1, f"edge {name} {shown(value)} is not the id of any node"
                        )
                    found[position] = node
        endpoints[:, column] = found

    weight_pairs = np.flatnonzero(in_edge & ((names == "weight") | (names == "value")))
    lists = keys[weight_pairs][value_is_list[weight_pairs]]
    if len(lists):
        raise parser.error(int(lists[0]) + 1, "an edge weight must be a number, found a list")
    weights = None
    value_attribute_pairs: list[int] = []
    if len(weight_pairs):
        weights_by_edge = np.ones(edge_count, dtype=np.float64)
        has_weight_key = np.zeros(edge_count, dtype=bool)
        is_weight = names[weight_pairs] == "weight"
        has_weight_key[edge_number[weight_pairs[is_weight]]] = True
        for pair in weight_pairs.tolist():
            edge = int(edge_number[pair])
            key_index = int(keys[pair])
            if tokens[key_index] == "value" and has_weight_key[edge]:
                value_attribute_pairs.append(pair)  # 'weight' wins; 'value' stays an attribute
                continue
            weights_by_edge[edge] = _weight(parser, key_index + 1, value_of(tokens[key_index + 1]))
        weights = weights_by_edge

    edge_attributes: dict[str, list] = {}
    other = in_edge & ~value_is_list & (names != "source") & (names != "target") & (names != "weight")
    other &= names != "value"
    other_pairs = np.flatnonzero(other).tolist() + value_attribute_pairs
    for pair in sorted(other_pairs):
        name = str(names[pair])
        column = edge_attributes.get(name)
        if column is None:
            column = edge_attributes[name] = [None] * edge_count
        column[int(edge_number[pair])] = value_of(tokens[int(keys[pair]) + 1])
    return endpoints, weights, edge_attributes


def _weight(parser: _Parser, index: int, value: Any) -> float:
    """Return an edge weight as a finite float, or raise the error for its token."""
    try:
        weight = float(value)
    except (ValueError, OverflowError):
        raise parser.error(index, f"edge weight {value!r} is not a number") from None
    if not math.isfinite(weight):
        raise parser.error(index, f"edge weight {value!r} is not finite")
    return weight
