"""Which node labels to show, and where, so that no two overlap: pure numpy, no VTK.

Labels are placed greedily in priority order (the selected node, the hovered node, then the
nodes of highest priority: degree or a chosen attribute), each as a box to the right of its
node; a box that would overlap one already placed, or leave the picture, is dropped. Boxes are
looked up in a uniform grid of cells, so placing k labels costs O(k) box tests.

The live view sends the candidates (:func:`label_candidates`) to the pages, which measure the
text they draw and run the same greedy placement on their own boxes (``web/static/client.js``):
their boxes are exact, so what a page shows never overlaps. Vector output (SVG, PDF) uses
:func:`place_labels` with :func:`text_width`'s estimate, which errs on the wide side.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

LABEL_FONT_PX = 12.0  # the size of label text in CSS pixels (the page) or picture pixels (vector output)
LABEL_GAP_PX = 3.0  # between a node's rim and its label
LABEL_SPACING_PX = 6.0  # between two labels side by side: "1165" and "539" touching read as "1165539"
LINE_HEIGHT = 1.25  # a label box's height in font sizes
MAX_CANDIDATES = 600  # the highest-priority nodes in the picture considered for a label
# Advance widths in ems of Helvetica/Arial, rounded up, by character class; other characters count as wide.
_NARROW = set("ijlI.,:;!|'`()[]{} ")
_WIDE = set("mwMW@%")


@dataclass(frozen=True)
class PlacedLabel:
    """One label's box, in pixels from the picture's top-left corner."""

    node: int
    text: str
    x: float
    y: float
    width: float
    height: float

    def as_dict(self) -> dict:
        return {"node": self.node, "text": self.text, "x": self.x, "y": self.y, "width": self.width,
                "height": self.height}


def text_width(text: str, font_px: float = LABEL_FONT_PX) -> float:
    """An upper estimate of ``text``'s width in a sans-serif font of ``font_px``."""
    ems = sum(0.32 if character in _NARROW else 0.95 if character in _WIDE else
              0.72 if character.isupper() else 0.6 for character in text)
    return ems * font_px


def label_order(priority: np.ndarray, first: list[int | None] = ()) -> np.ndarray:
    """Nodes in label order: those in ``first`` (selection, hover; None skipped), then by ``priority``
    from high to low, ties by index."""
    order = np.argsort(-np.asarray(priority, dtype=np.float64), kind="stable")
    leading = [int(node) for node in dict.fromkeys(first) if node is not None and 0 <= node < len(order)]
    if not leading:
        return order
    return np.concatenate([np.array(leading, dtype=np.int64), order[~np.isin(order, leading)]])


def label_candidates(pixels: np.ndarray, order: np.ndarray, width: int, height: int,
                     shown: np.ndarray | None = None, limit: int = MAX_CANDIDATES) -> np.ndarray:
    """The first ``limit`` nodes of ``order`` whose centres lie inside the picture (and are ``shown``)."""
    order = np.asarray(order, dtype=np.int64)
    centres = pixels[order]
    inside = (centres[:, 0] >= 0) & (centres[:, 0] < width) & (centres[:, 1] >= 0) & (centres[:, 1] < height)
    inside &= np.isfinite(centres).all(axis=1)
    if shown is not None:
        inside &= shown[order]
    return order[inside][:limit]


def place_labels(pixels: np.ndarray, radii_px: np.ndarray, texts: list[str], candidates: np.ndarray,
                 width: int, height: int, font_px: float = LABEL_FONT_PX) -> list[PlacedLabel]:
    """Greedy placement of the candidates' labels, in their order, with no two boxes overlapping.

    Parameters
    ----------
    pixels : numpy.ndarray
        (n, 2) node centres in pixels, x right, y down.
    radii_px : numpy.ndarray
        (n,) node radii in pixels (a label starts right of its node's rim).
    texts : list of str
        Label text per node; an empty text is never placed.
    candidates : numpy.ndarray
        Node indices in priority order (see :func:`label_order`, :func:`label_candidates`).
    width, height : int
        The picture's size: a box must lie inside it.
    """
    box_height = font_px * LINE_HEIGHT
    cell = max(box_height * 4.0, 1.0)
    grid: dict[tuple[int, int], list[tuple[float, float, float, float]]] = {}
    placed: list[PlacedLabel] = []
    for node in np.asarray(candidates, dtype=np.int64).tolist():
        text = texts[node]
        if not text:
            continue
        box_width = text_width(text, font_px)
        left = float(pixels[node, 0] + radii_px[node] + LABEL_GAP_PX)
        top = float(pixels[node, 1] - box_height / 2.0)
        right, bottom = left + box_width, top + box_height
        if left < 0 or top < 0 or right > width or bottom > height:
            continue
        cells = [(column, row) for column in range(int((left - LABEL_SPACING_PX) // cell),
                                                   int((right + LABEL_SPACING_PX) // cell) + 1)
                 for row in range(int(top // cell), int(bottom // cell) + 1)]
        if any(left < other_right + LABEL_SPACING_PX and other_left < right + LABEL_SPACING_PX
               and top < other_bottom and other_top < bottom
               for key in cells for other_left, other_top, other_right, other_bottom in grid.get(key, ())):
            continue
        for key in cells:
            grid.setdefault(key, []).append((left, top, right, bottom))
        placed.append(PlacedLabel(node, text, left, top, box_width, box_height))
    return placed
