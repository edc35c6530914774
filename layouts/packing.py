"""Component packing: small connected components sit in rings around the big ones.

A graph in several pieces has no force holding the pieces together except gravity, which either lets
small pieces float far away (weak gravity) or squeezes the big one (strong gravity). When a layout packs
components, each component feels only its own nodes' forces and gravity toward its own centre, and
:func:`pack_components` then translates whole components (never rotates or deforms them):

- the *anchor* (the largest component, or the largest one holding a pinned node) stays where it is;
- components holding a pinned node stay where they are (pins never move);
- every other component, largest first, goes on a ring around the anchor's centre: in 2D consecutive
  components take consecutive arcs of the ring (each as wide as the component), and a ring that is
  full starts the next one farther out; in 3D the rings are spherical shells with slots on a Fibonacci
  spiral sized for the shell's first (largest) component.

The placement depends only on the component sizes and radii and the anchor's centre, so it is stable
from one iteration to the next while the components grow slowly, and it costs O(n).
"""

from __future__ import annotations

import math

import numba
import numpy as np

__all__ = ["component_geometry", "pack_components"]

_GOLDEN_ANGLE = math.pi * (3.0 - math.sqrt(5.0))


@numba.njit(nogil=True, cache=True, error_model="numpy")
def component_geometry(
    positions: np.ndarray, labels: np.ndarray, component_count: int, node_radius: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Centroid, radius (farthest node from the centroid, plus ``node_radius``) and size of each component.

    Parameters
    ----------
    positions : numpy.ndarray
        ``(n, d)`` positions.
    labels : numpy.ndarray
        ``(n,)`` component of each node.
    component_count : int
        Number of components.
    node_radius : float
        Added to every radius so that single nodes take room too.

    Returns
    -------
    tuple of numpy.ndarray
        ``(component_count, d)`` centroids, ``(component_count,)`` radii and node counts.
    """
    node_count, dimensions = positions.shape
    centroids = np.zeros((component_count, dimensions))
    counts = np.zeros(component_count, dtype=np.int64)
    for node in range(node_count):
        label = labels[node]
        counts[label] += 1
        for dimension in range(dimensions):
            centroids[label, dimension] += positions[node, dimension]
    for label in range(component_count):
        if counts[label] > 0:
            for dimension in range(dimensions):
                centroids[label, dimension] /= counts[label]
    radii = np.zeros(component_count)
    for node in range(node_count):
        label = labels[node]
        squared = 0.0
        for dimension in range(dimensions):
            difference = positions[node, dimension] - centroids[label, dimension]
            squared += difference * difference
        radii[label] = max(radii[label], squared)
    for label in range(component_count):
        radii[label] = math.sqrt(radii[label]) + node_radius
    return centroids, radii, counts


@numba.njit(nogil=True, cache=True, error_model="numpy")
def _ring_targets(
    center: np.ndarray,
    anchor_radius: float,
    radii: np.ndarray,
    placement_order: np.ndarray,
    gap: float,
    targets: np.ndarray,
) -> None:
    """Write the new centre of every component in ``placement_order`` into ``targets``."""
    dimensions = center.shape[0]
    inner_radius = anchor_radius + gap
    ring_width = 0.0
    ring_center_radius = 0.0
    cursor = 0.0  # 2D: angle used on the current ring; 3D: slots used
    capacity = 0.0
    ring_index = 0
    new_ring = True
    for position in range(placement_order.shape[0]):
        component = placement_order[position]
        radius = radii[component]
        half_extent = radius + 0.5 * gap
        if dimensions == 2:
            if not new_ring:
                angle = 2.0 * math.asin(min(1.0, half_extent / ring_center_radius))
                if cursor + angle > 2.0 * math.pi:
                    inner_radius = ring_center_radius + ring_width + gap
                    ring_index += 1
                    new_ring = True
            if new_ring:
                ring_width = radius
                ring_center_radius = inner_radius + radius
                cursor = 0.0
                new_ring = False
            angle = 2.0 * math.asin(min(1.0, half_extent / ring_center_radius))
            middle = cursor + 0.5 * angle + ring_index * _GOLDEN_ANGLE
            targets[component, 0] = center[0] + ring_center_radius * math.cos(middle)
            targets[component, 1] = center[1] + ring_center_radius * math.sin(middle)
            cursor += angle
        else:
            if not new_ring and cursor >= capacity:
                inner_radius = ring_center_radius + ring_width + gap
                new_ring = True
            if new_ring:
                ring_width = radius
                ring_center_radius = inner_radius + radius
                # Slots of angular radius half_extent / R: about 4 R^2 / half_extent^2 * 0.7 fit on a sphere.
                slots = 0.7 * 4.0 * ring_center_radius**2 / (half_extent * half_extent)
                capacity = max(1.0, math.floor(slots))
                cursor = 0.0
                new_ring = False
            slot = cursor
            height = 1.0 - 2.0 * (slot + 0.5) / capacity
            ring = math.sqrt(max(0.0, 1.0 - height * height))
            angle = slot * _GOLDEN_ANGLE
            direction_x = ring * math.cos(angle)
            direction_y = ring * math.sin(angle)
            targets[component, 0] = center[0] + ring_center_radius * direction_x
            targets[component, 1] = center[1] + ring_center_radius * direction_y
            if dimensions > 2:
                targets[component, 2] = center[2] + ring_center_radius * height
            cursor += 1.0


def pack_components(
    positions: np.ndarray,
    labels: np.ndarray,
    component_count: int,
    fixed_components: np.ndarray | None = None,
    gap: float = 1.0,
    node_radius: float = 0.5,
) -> None:
    """Translate components so that they sit in rings around the anchor (see the module docstring).

    Parameters
    ----------
    positions : numpy.ndarray
        ``(n, d)`` float64 positions, updated in place. ``d`` is 2 or 3 (1D layouts are left alone).
    labels : numpy.ndarray
        ``(n,)`` component of every node, in ``[0, component_count)``.
    component_count : int
        Number of components.
    fixed_components : numpy.ndarray, optional
        ``(component_count,)`` bool: components that must not move (they hold a pinned node).
    gap : float, optional
        Empty space between neighbouring components.
    node_radius : float, optional
        Room taken by a node around its position.
    """
    dimensions = positions.shape[1]
    if component_count < 2 or dimensions < 2:
        return
    centroids, radii, counts = component_geometry(positions, labels, component_count, node_radius)
    if fixed_components is None:
        fixed_components = np.zeros(component_count, dtype=bool)
    # Largest first; ties by label, so the order never depends on floating point noise.
    by_size = np.lexsort((np.arange(component_count), -counts))
    fixed_in_order = fixed_components[by_size]
    anchor = int(by_size[np.argmax(fixed_in_order)]) if fixed_in_order.any() else int(by_size[0])
    movable = by_size[~fixed_components[by_size] & (by_size != anchor) & (counts[by_size] > 0)]
    if len(movable) == 0:
        return
    targets = centroids.copy()
    _ring_targets(
        np.ascontiguousarray(centroids[anchor]), float(radii[anchor]), radii, movable.astype(np.int64),
        gap, targets,
    )  # fmt: skip
    shift = targets - centroids
    shift[fixed_components] = 0.0
    shift[anchor] = 0.0
    positions += shift[labels]
