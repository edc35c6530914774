"""Where edges are drawn, as arrays: bends that keep parallel and reciprocal edges apart, curves, self-loops
and arrowheads that stop at the target node's rim.

Pure numpy, vectorised over every edge at once (never a Python loop per edge), so the render thread can
recompute the geometry of a million edges when the layout moves, and the SVG/PDF writer draws the same shapes.

Bends: every edge record between the same two nodes (either direction) gets a place in a fan: one edge alone
stays straight (bend 0); two get -1/2 and +1/2 of :data:`FAN_SPACING`; three -1, 0, +1, and so on, measured in
each record's own direction (source to target), so A->B and B->A bend to opposite sides. ``curvature`` adds
the same bend to every edge (``--edge-curvature 0.2``). A bend of ``b`` puts a quadratic Bézier's control
point ``2 b`` edge lengths from the midpoint along the normal, so the curve passes ``b`` lengths from it.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "ARROW_LENGTH_PER_WIDTH",
    "CURVE_SEGMENTS",
    "FAN_SPACING",
    "LOOP_RADIUS",
    "arrowheads",
    "bezier",
    "control_points",
    "directed_paths",
    "edge_bends",
    "edge_paths",
    "loop_paths",
    "loop_ranks",
    "midpoints",
    "nearest_edge",
    "straight_directed",
]

FAN_SPACING = 0.18  # how far apart two edges of one pair bow, in edge lengths at their middle
CURVE_SEGMENTS = 12  # straight pieces a curve is drawn with
LOOP_RADIUS = 1.6  # a self-loop's circle, in node radii (a second loop of the same node is larger)
LOOP_GROWTH = 0.8  # each further loop of a node grows by this many node radii
ARROW_LENGTH_PER_WIDTH = 4.0  # an arrowhead is this many line widths long (at least MIN_ARROW_PX)
ARROW_HALF_WIDTH_PER_LENGTH = 0.45


def edge_bends(edges: np.ndarray, curvature: float = 0.0) -> np.ndarray:
    """The bend of each edge record (float64 ``(m,)``, in edge lengths, in its own direction).

    Self-loops get 0 (see :func:`loop_paths`).
    """
    edges = np.asarray(edges, dtype=np.int64).reshape(-1, 2)
    count = len(edges)
    bends = np.full(count, float(curvature))
    if not count:
        return bends
    low, high = edges.min(axis=1), edges.max(axis=1)
    keys = low * (int(edges.max()) + 1) + high
    order = np.lexsort((np.arange(count), keys))  # records of one pair together, in record order
    sorted_keys = keys[order]
    starts = np.flatnonzero(np.r_[True, sorted_keys[1:] != sorted_keys[:-1]])
    sizes = np.diff(np.r_[starts, count])
    group_size = np.repeat(sizes, sizes)
    place = np.arange(count) - np.repeat(starts, sizes)
    fan = np.empty(count)
    fan[order] = (place - (group_size - 1) / 2.0) * FAN_SPACING
    forward = edges[:, 0] <= edges[:, 1]  # the fan is laid out from the lower node id to the higher
    bends += np.where(forward, fan, -fan)
    bends[edges[:, 0] == edges[:, 1]] = 0.0
    return bends


def _normals(direction: np.ndarray, view_direction: np.ndarray | None) -> np.ndarray:
    """Unit vectors across each direction: in 2D a quarter turn left; in 3D across the line of sight."""
    if direction.shape[1] == 2:
        normal = np.stack([-direction[:, 1], direction[:, 0]], axis=1)
    else:
        axis = np.array([0.0, 0.0, 1.0]) if view_direction is None else np.asarray(view_direction, dtype=np.float64)
        normal = np.cross(direction, axis)
        along = np.linalg.norm(normal, axis=1) < 1e-9 * np.maximum(np.linalg.norm(direction, axis=1), 1e-300)
        if along.any():  # an edge along the line of sight: any perpendicular
            normal[along] = np.cross(direction[along], np.array([1.0, 0.0, 0.0]))
    length = np.linalg.norm(normal, axis=1, keepdims=True)
    return np.divide(normal, length, out=np.zeros_like(normal), where=length > 0)


def control_points(starts: np.ndarray, ends: np.ndarray, bends: np.ndarray,
                   view_direction: np.ndarray | None = None) -> np.ndarray:
    """The quadratic Bézier control point of each edge from ``starts`` to ``ends`` (``(k, d)``), bowed by
    ``bends`` (see the module's docstring; 0 gives the midpoint: a straight line)."""
    starts = np.asarray(starts, dtype=np.float64)
    ends = np.asarray(ends, dtype=np.float64)
    delta = ends - starts
    length = np.linalg.norm(delta, axis=1, keepdims=True)
    direction = np.divide(delta, length, out=np.zeros_like(delta), where=length > 0)
    return (starts + ends) / 2.0 + _normals(direction, view_direction) * (2.0 * np.asarray(bends)[:, None] * length)


def bezier(starts: np.ndarray, controls: np.ndarray, ends: np.ndarray, t: np.ndarray) -> np.ndarray:
    """Points of each curve at parameters ``t`` (``(k, s)`` or ``(s,)``): ``(k, s, d)``."""
    t = np.broadcast_to(np.asarray(t, dtype=np.float64), (len(starts), np.shape(t)[-1]))[:, :, None]
    return ((1 - t) ** 2) * starts[:, None, :] + (2 * (1 - t) * t) * controls[:, None, :] + (t**2) * ends[:, None, :]


def edge_paths(starts: np.ndarray, ends: np.ndarray, bends: np.ndarray, segments: int = CURVE_SEGMENTS,
               view_direction: np.ndarray | None = None) -> np.ndarray:
    """Points along each edge from ``starts`` to ``ends`` (``(k, d)`` each): ``(k, segments + 1, d)``."""
    controls = control_points(starts, ends, bends, view_direction)
    return bezier(np.asarray(starts, dtype=np.float64), controls, np.asarray(ends, dtype=np.float64),
                  np.linspace(0.0, 1.0, segments + 1))


def _parameter_at_distance(samples: np.ndarray, t: np.ndarray, end: np.ndarray, distance: np.ndarray) -> np.ndarray:
    """The last parameter at which each sampled curve is ``distance`` from its end point (linear between
    samples; 0 when the whole curve is nearer)."""
    away = np.linalg.norm(samples - end[:, None, :], axis=2)  # (k, s): falls to 0 at the end
    outside = away >= distance[:, None]
    last = np.where(outside.any(axis=1), outside.shape[1] - 1 - np.argmax(outside[:, ::-1], axis=1), 0)
    following = np.minimum(last + 1, outside.shape[1] - 1)
    rows = np.arange(len(samples))
    near, far = away[rows, following], away[rows, last]
    share = np.divide(far - distance, far - near, out=np.zeros_like(far), where=far > near)
    return np.where(outside.any(axis=1), t[last] + np.clip(share, 0.0, 1.0) * (t[following] - t[last]), 0.0)


def straight_directed(starts: np.ndarray, ends: np.ndarray, target_radii: np.ndarray,
                      arrow_lengths: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """:func:`directed_paths` for straight edges, exactly and much faster: the arrowheads' bases (where the
    lines stop), the tips on the targets' rims and the unit directions."""
    starts, ends = np.asarray(starts), np.asarray(ends)  # float32 stays float32 (the render thread's)
    delta = ends - starts
    length = np.sqrt(np.einsum("ij,ij->i", delta, delta))
    directions = delta / np.where(length > 0, length, 1)[:, None]
    reach = np.minimum(np.asarray(target_radii, dtype=length.dtype), length)  # nodes that overlap: tip at the start
    tips = ends - directions * reach[:, None]
    back = np.minimum(np.asarray(arrow_lengths, dtype=length.dtype), length - reach)
    return tips - directions * back[:, None], tips, directions


def directed_paths(starts: np.ndarray, ends: np.ndarray, bends: np.ndarray, target_radii: np.ndarray,
                   arrow_lengths: np.ndarray, segments: int = CURVE_SEGMENTS,
                   view_direction: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Edges that end in an arrowhead at their target's rim.

    Returns the paths ``(k, segments + 1, d)`` from the source to the arrowhead's base, the tips (where the
    curve meets the target's rim, ``target_radii`` from its centre) and the unit directions at the tips.
    """
    starts = np.asarray(starts, dtype=np.float64)
    ends = np.asarray(ends, dtype=np.float64)
    controls = control_points(starts, ends, bends, view_direction)
    t = np.linspace(0.0, 1.0, 4 * segments + 1)
    samples = bezier(starts, controls, ends, t)
    tip_t = _parameter_at_distance(samples, t, ends, np.asarray(target_radii, dtype=np.float64))
    base_t = _parameter_at_distance(samples, t, ends, np.asarray(target_radii) + np.asarray(arrow_lengths))
    paths = bezier(starts, controls, ends, base_t[:, None] * np.linspace(0.0, 1.0, segments + 1)[None, :])
    tips = bezier(starts, controls, ends, tip_t[:, None])[:, 0, :]
    delta = tips - paths[:, -1, :]
    length = np.linalg.norm(delta, axis=1, keepdims=True)
    directions = np.divide(delta, length, out=np.zeros_like(delta), where=length > 0)
    return paths, tips, directions


def loop_paths(centres: np.ndarray, radii: np.ndarray, rank: np.ndarray | None = None,
               segments: int = CURVE_SEGMENTS * 2) -> np.ndarray:
    """A small circle beside each node (``centres`` ``(k, d)``, node ``radii`` ``(k,)``): ``(k, segments + 1,
    d)``. It touches the node at its top right; ``rank`` (0, 1, ...) makes a node's further loops larger."""
    centres = np.asarray(centres, dtype=np.float64)
    rank = np.zeros(len(centres)) if rank is None else np.asarray(rank, dtype=np.float64)
    loop_radius = np.asarray(radii, dtype=np.float64) * (LOOP_RADIUS + LOOP_GROWTH * rank) / 2.0
    out = np.array([np.cos(np.pi / 4), np.sin(np.pi / 4)])
    angles = np.linspace(0.0, 2 * np.pi, segments + 1)
    # The circle passes through the node's centre-facing point: its centre is one loop radius out from the rim.
    middle = centres[:, :2] + out * (np.asarray(radii)[:, None] * 0.5 + loop_radius[:, None])
    ring = np.stack([np.cos(angles + 5 * np.pi / 4), np.sin(angles + 5 * np.pi / 4)], axis=1)
    points = np.zeros((len(centres), segments + 1, centres.shape[1]))
    points[:, :, :2] = middle[:, None, :] + loop_radius[:, None, None] * ring[None, :, :]
    if centres.shape[1] == 3:
        points[:, :, 2] = centres[:, None, 2]
    return points


def arrowheads(tips: np.ndarray, directions: np.ndarray, lengths: np.ndarray,
               view_direction: np.ndarray | None = None) -> np.ndarray:
    """A triangle per arrow ``(k, 3, d)``: the tip, then the base's two corners (the base is ``lengths`` back
    from the tip; its half width :data:`ARROW_HALF_WIDTH_PER_LENGTH` of the length)."""
    tips = np.asarray(tips)
    bases = tips - directions * lengths[:, None]
    across = _normals(directions, view_direction) * (lengths * ARROW_HALF_WIDTH_PER_LENGTH)[:, None]
    return np.stack([tips, bases + across, bases - across], axis=1)


def midpoints(starts: np.ndarray, ends: np.ndarray, bends: np.ndarray) -> np.ndarray:
    """Where each edge's curve passes halfway (``(k, d)``): its label goes there."""
    starts = np.asarray(starts, dtype=np.float64)
    ends = np.asarray(ends, dtype=np.float64)
    return 0.25 * starts + 0.5 * control_points(starts, ends, bends) + 0.25 * ends


def nearest_edge(point: tuple[float, float], starts: np.ndarray, ends: np.ndarray, bends: np.ndarray,
                 reach: np.ndarray, segments: int = 8) -> int | None:
    """The edge (an index into the arrays) passing nearest ``point`` within its ``reach``, or None.

    Everything in the same plane (pixels): straight edges by their segment, bent ones by ``segments`` pieces.
    """
    starts = np.asarray(starts, dtype=np.float64)
    ends = np.asarray(ends, dtype=np.float64)
    if not len(starts):
        return None
    target = np.asarray(point, dtype=np.float64)
    distance = _segment_distance(target, starts, ends)
    bent = np.flatnonzero(bends != 0)
    if len(bent):
        paths = edge_paths(starts[bent], ends[bent], bends[bent], segments)
        pieces = _segment_distance(target, paths[:, :-1].reshape(-1, 2), paths[:, 1:].reshape(-1, 2))
        distance[bent] = pieces.reshape(len(bent), segments).min(axis=1)
    near = distance <= reach
    if not near.any():
        return None
    candidates = np.flatnonzero(near)
    return int(candidates[np.argmin(distance[candidates])])


def _segment_distance(point: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    delta = ends - starts
    squared = (delta * delta).sum(axis=1)
    along = np.divide(((point - starts) * delta).sum(axis=1), squared, out=np.zeros(len(starts)), where=squared > 0)
    closest = starts + np.clip(along, 0.0, 1.0)[:, None] * delta
    offset = point - closest
    return np.sqrt((offset * offset).sum(axis=1))


def loop_ranks(edges: np.ndarray) -> np.ndarray:
    """0 for a node's first self-loop, 1 for its second, ... (other records 0)."""
    ranks = np.zeros(len(edges), dtype=np.int64)
    loops = np.flatnonzero(edges[:, 0] == edges[:, 1]) if len(edges) else np.zeros(0, dtype=np.int64)
    seen: dict[int, int] = {}
    for record in loops.tolist():  # loops are few; one pass over them only
        node = int(edges[record, 0])
        ranks[record] = seen.get(node, 0)
        seen[node] = ranks[record] + 1
    return ranks
