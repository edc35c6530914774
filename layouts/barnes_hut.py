"""Barnes-Hut repulsion: a flat quadtree (2D) or octree (3D) over Morton-sorted points.

One call of :func:`repulsive_forces` builds the tree and evaluates the repulsion of every node, in
O(n log n):

1. **Morton keys** (parallel): every point's cell on a ``2**bits`` grid over the bounding box, its
   coordinates' bits interleaved (16 bits per axis in 2D, 10 in 3D), with the point's *group* (a
   connected component, when components are laid out apart) in the bits above;
2. **sort** by key: an LSD radix sort (11-bit digits) for large inputs, a merge sort for small ones;
   after it the points of every tree cell lie in one contiguous range;
3. **tree** (sequential, O(cells * 2**d * log n)): cells are created top-down in pre-order by binary
   search of the digit boundaries in the sorted keys; a cell whose points all share the next digit is
   not stored (path compression), so clustered points cost no empty chains. Each stored cell keeps its
   point range, its mass, its centre of mass, its bounding box and a *skip* index (the cell after its
   subtree), so a traversal needs no stack: "open" a cell by going to ``cell + 1``, "accept" or "skip"
   it by going to ``skip[cell]``. Mass and geometry are summed bottom-up in reverse pre-order;
4. **forces** (parallel over points, in Morton order for cache locality): a cell of size ``s`` (twice
   the largest distance from its centre of mass to a corner of its bounding box) at distance ``d`` from
   the point is accepted as one body when ``d * theta > s`` (the criterion of Gephi's ForceAtlas2 and
   fa2); otherwise its children are visited, and a leaf that is not accepted is summed point by point.

The force on point ``i`` from a body ``j`` (a point or an accepted cell) is
``coefficient * mass_i * mass_j * (x_i - x_j) / max(|x_i - x_j|**2, minimum_squared_distance)``:
magnitude ``coefficient * mass_i * mass_j / d``. Fruchterman-Reingold uses ``coefficient = k**2`` and
unit masses; ForceAtlas2 uses ``coefficient = scaling_ratio`` and ``mass = degree + 1``. For
ForceAtlas2's *prevent overlap* the point-point term uses the gap ``d - size_i - size_j`` instead of
``d`` and pushes overlapping nodes apart with ``100 * coefficient * mass_i * mass_j`` (Gephi's
``linRepulsion_antiCollision``); accepted cells use the plain term, as in Gephi.

With ``theta = 0`` no cell is ever accepted and the result is the exact O(n^2) sum: that is the exact
path the tests compare against a numpy reference. Every point's force is a sum in a fixed order that
does not depend on the thread count, so results are reproducible.

All kernels are compiled with ``nogil=True, cache=True``.
"""

from __future__ import annotations

import math
import threading

import numba
import numpy as np
from numba import prange

__all__ = ["EXACT_MAXIMUM", "LEAF_SIZE", "BarnesHutTree", "build_tree", "radix_argsort", "repulsive_forces", "tree_forces"]

LEAF_SIZE = 32
"""A cell with at most this many points is a leaf. The walk runs once per leaf and the sums over its
points vectorise, so fairly large leaves are fastest (measured: 32 beats 8, 12, 16 and 24 by 1.3-3x
on real 2D layouts at the same accuracy)."""

BITS_PER_AXIS_2D = 16
"""Morton grid resolution in 2D: 65,536 cells per axis (a 32-bit key)."""

BITS_PER_AXIS_3D = 10
"""Morton grid resolution in 3D: 1,024 cells per axis (a 30-bit key). Points closer than a grid cell
end up in one leaf and are summed exactly, so a coarse grid costs speed only in absurd layouts."""

EXACT_MAXIMUM = 128
"""Up to this many points :func:`repulsive_forces` sums every pair (exact, whatever theta) instead of
building a tree: cheaper per step, and a small graph's layout loads one kernel instead of eight,
which is most of its start-up (``bench/startup.py``)."""

RADIX_SORT_MINIMUM = 4096
"""Below this many points a merge sort beats the radix sort's fixed histogram costs."""

_RADIX_BITS = 11
_LEAF_CHUNKS = 256  # parallel tasks of the force walk: many more than cores, for balance
_BODY_CAPACITY = 1024  # bodies gathered per walk before they are summed
_FASTMATH = {"nsz", "arcp", "contract", "reassoc"}  # vectorisable sums; no nnan/ninf assumptions

# numba's "workqueue" threading layer (used when neither TBB nor OpenMP is available) aborts the
# process if two threads launch parallel kernels at once: serialise our launches. A kernel uses every
# core anyway, so two layouts gain nothing from running one concurrently.
PARALLEL_LAUNCH_LOCK = threading.Lock()


# ------------------------------------------------------------------------------- keys and sort
@numba.njit(nogil=True, cache=True)
def _spread_bits_2d(value: int) -> int:
    value &= 0x0000FFFF
    value = (value | (value << 8)) & 0x00FF00FF
    value = (value | (value << 4)) & 0x0F0F0F0F
    value = (value | (value << 2)) & 0x33333333
    value = (value | (value << 1)) & 0x55555555
    return value


@numba.njit(nogil=True, cache=True)
def _spread_bits_3d(value: int) -> int:
    value &= 0x3FF
    value = (value | (value << 16)) & 0x030000FF
    value = (value | (value << 8)) & 0x0300F00F
    value = (value | (value << 4)) & 0x030C30C3
    value = (value | (value << 2)) & 0x09249249
    return value


@numba.njit(nogil=True, cache=True, parallel=True)
def _morton_keys(
    positions: np.ndarray, groups: np.ndarray, lower: np.ndarray, inverse_side: float, bits_per_axis: int
) -> np.ndarray:
    """Key = group << (bits * d) | interleaved cell coordinates."""
    node_count, dimensions = positions.shape
    cells_per_axis = 1 << bits_per_axis
    largest_cell = cells_per_axis - 1
    morton_bits = bits_per_axis * dimensions
    keys = np.empty(node_count, dtype=np.int64)
    for node in prange(node_count):
        key = 0
        for dimension in range(dimensions):
            cell = int((positions[node, dimension] - lower[dimension]) * inverse_side * cells_per_axis)
            cell = min(max(cell, 0), largest_cell)
            if dimensions == 2:
                key |= _spread_bits_2d(cell) << dimension
            else:
                key |= _spread_bits_3d(cell) << dimension
        keys[node] = key | (np.int64(groups[node]) << morton_bits)
    return keys


@numba.njit(nogil=True, cache=True)
def radix_argsort(keys: np.ndarray, key_bits: int) -> np.ndarray:
    """Stable argsort of non-negative int64 keys below ``2**key_bits`` (LSD radix, 11-bit digits).

    Parameters
    ----------
    keys : numpy.ndarray
        ``(n,)`` int64 keys, ``0 <= key < 2**key_bits``.
    key_bits : int
        Number of significant bits.

    Returns
    -------
    numpy.ndarray
        ``(n,)`` int64 permutation that sorts ``keys``.
    """
    count = keys.shape[0]
    if count < RADIX_SORT_MINIMUM:
        return np.argsort(keys, kind="mergesort").astype(np.int64)
    bucket_count = 1 << _RADIX_BITS
    mask = bucket_count - 1
    order = np.arange(count, dtype=np.int64)
    order_swap = np.empty(count, dtype=np.int64)
    current = keys.copy()
    swap = np.empty(count, dtype=np.int64)
    histogram = np.empty(bucket_count + 1, dtype=np.int64)
    shift = 0
    while shift < key_bits:
        histogram[:] = 0
        for index in range(count):
            histogram[((current[index] >> shift) & mask) + 1] += 1
        for bucket in range(bucket_count):
            histogram[bucket + 1] += histogram[bucket]
        for index in range(count):
            digit = (current[index] >> shift) & mask
            target = histogram[digit]
            histogram[digit] = target + 1
            swap[target] = current[index]
            order_swap[target] = order[index]
        current, swap = swap, current
        order, order_swap = order_swap, order
        shift += _RADIX_BITS
    return order


# --------------------------------------------------------------------------------------- tree
@numba.njit(nogil=True, cache=True)
def _digit(key: int, level: int, bits_per_axis: int, dimensions: int) -> int:
    """The ``dimensions``-bit digit of ``key`` that picks the child at depth ``level`` (0 = root)."""
    return (key >> ((bits_per_axis - 1 - level) * dimensions)) & ((1 << dimensions) - 1)


@numba.njit(nogil=True, cache=True)
def _build_cells(
    sorted_keys: np.ndarray,
    group_bounds: np.ndarray,
    bits_per_axis: int,
    dimensions: int,
    leaf_size: int,
):
    """Create the cells top-down in pre-order; return their point ranges, parents and leaf flags.

    ``group_bounds`` holds the first sorted index of every group plus the total: the groups are the
    roots (a forest), each over its contiguous range of sorted points.
    """
    point_count = sorted_keys.shape[0]
    capacity = 2 * point_count + 1
    cell_start = np.empty(capacity, dtype=np.int64)
    cell_end = np.empty(capacity, dtype=np.int64)
    cell_parent = np.empty(capacity, dtype=np.int64)
    cell_is_leaf = np.zeros(capacity, dtype=np.bool_)
    group_count = group_bounds.shape[0] - 1
    group_root = np.full(group_count, -1, dtype=np.int64)
    child_count = 1 << dimensions
    stack_capacity = group_count + (bits_per_axis + 2) * child_count + 8
    stack_start = np.empty(stack_capacity, dtype=np.int64)
    stack_end = np.empty(stack_capacity, dtype=np.int64)
    stack_level = np.empty(stack_capacity, dtype=np.int64)
    stack_parent = np.empty(stack_capacity, dtype=np.int64)  # cell index, or -(group + 1) for a root
    boundaries = np.empty(child_count + 1, dtype=np.int64)
    top = 0
    for group in range(group_count - 1, -1, -1):  # reversed: group 0 is popped first
        if group_bounds[group + 1] > group_bounds[group]:
            stack_start[top] = group_bounds[group]
            stack_end[top] = group_bounds[group + 1]
            stack_level[top] = 0
            stack_parent[top] = -(group + 1)
            top += 1
    cell_count = 0
    while top > 0:
        top -= 1
        start = stack_start[top]
        end = stack_end[top]
        level = stack_level[top]
        parent = stack_parent[top]
        cell = cell_count
        cell_count += 1
        cell_start[cell] = start
        cell_end[cell] = end
        if parent < 0:
            group_root[-parent - 1] = cell
            cell_parent[cell] = -1
        else:
            cell_parent[cell] = parent
        if end - start <= leaf_size:
            cell_is_leaf[cell] = True
            continue
        # Path compression: skip levels at which all points fall in the same child.
        while level < bits_per_axis:
            first_digit = _digit(sorted_keys[start], level, bits_per_axis, dimensions)
            if first_digit != _digit(sorted_keys[end - 1], level, bits_per_axis, dimensions):
                break
            level += 1
        if level == bits_per_axis:  # identical cells all the way down: one (large) leaf
            cell_is_leaf[cell] = True
            continue
        # Digits at this level are sorted within [start, end): binary-search each boundary.
        boundaries[0] = start
        for child_digit in range(1, child_count):
            low = boundaries[child_digit - 1]
            high = end
            while low < high:
                middle = (low + high) // 2
                if _digit(sorted_keys[middle], level, bits_per_axis, dimensions) < child_digit:
                    low = middle + 1
                else:
                    high = middle
            boundaries[child_digit] = low
        boundaries[child_count] = end
        for child_digit in range(child_count - 1, -1, -1):  # reversed: the lowest digit comes out first
            if boundaries[child_digit + 1] > boundaries[child_digit]:
                stack_start[top] = boundaries[child_digit]
                stack_end[top] = boundaries[child_digit + 1]
                stack_level[top] = level + 1
                stack_parent[top] = cell
                top += 1
    return (
        cell_start[:cell_count],
        cell_end[:cell_count],
        cell_parent[:cell_count],
        cell_is_leaf[:cell_count],
        group_root,
    )


# Columns of the packed cell record: one 64-byte cache line per visited cell.
_CENTER = 0  # 0, 1, 2: centre of mass (z = 0 in 2D)
_MASS = 3
_SIZE_SQUARED = 4  # (2 * radius)**2, radius = largest distance from the centre of mass to a box corner
_SKIP = 5  # index of the cell after this one's subtree
_LEAF_START = 6  # first sorted point of a leaf; -1 for an inner cell
_LEAF_END = 7
_LOWER = 8  # 8, 9, 10: bounding box (only leaves' boxes are read by the walk)
_UPPER = 11  # 11, 12, 13
_CELL_FIELDS = 14


@numba.njit(nogil=True, cache=True)
def _summarise_cells(
    cell_start: np.ndarray,
    cell_end: np.ndarray,
    cell_parent: np.ndarray,
    cell_is_leaf: np.ndarray,
    sorted_coordinates: np.ndarray,
    sorted_masses: np.ndarray,
) -> np.ndarray:
    """Mass, centre of mass, size, skip index and bounding box of every cell, bottom-up."""
    cell_count = cell_start.shape[0]
    cells = np.zeros((cell_count, _CELL_FIELDS))
    for cell in range(cell_count):
        cells[cell, _SKIP] = cell + 1
        cells[cell, _LEAF_START] = cell_start[cell] if cell_is_leaf[cell] else -1
        cells[cell, _LEAF_END] = cell_end[cell]
        for axis in range(3):
            cells[cell, _LOWER + axis] = np.inf
            cells[cell, _UPPER + axis] = -np.inf
    for cell in range(cell_count - 1, -1, -1):
        if cell_is_leaf[cell]:
            for point in range(cell_start[cell], cell_end[cell]):
                mass = sorted_masses[point]
                cells[cell, _MASS] += mass
                for axis in range(3):
                    value = sorted_coordinates[axis, point]
                    cells[cell, _CENTER + axis] += mass * value
                    cells[cell, _LOWER + axis] = min(cells[cell, _LOWER + axis], value)
                    cells[cell, _UPPER + axis] = max(cells[cell, _UPPER + axis], value)
        # Children (higher indices) are done: turn the weighted sum into the centre of mass.
        mass = cells[cell, _MASS]
        squared_radius = 0.0
        for axis in range(3):
            lower = cells[cell, _LOWER + axis]
            upper = cells[cell, _UPPER + axis]
            center = cells[cell, _CENTER + axis] / mass if mass > 0.0 else 0.5 * (lower + upper)
            center = min(max(center, lower), upper)  # rounding never puts it outside the box
            cells[cell, _CENTER + axis] = center
            reach = max(center - lower, upper - center)
            squared_radius += reach * reach
        cells[cell, _SIZE_SQUARED] = 4.0 * squared_radius  # size = 2 * radius, as in fa2's Region
        parent = cell_parent[cell]
        if parent >= 0:
            cells[parent, _MASS] += mass
            for axis in range(3):
                cells[parent, _CENTER + axis] += mass * cells[cell, _CENTER + axis]
                cells[parent, _LOWER + axis] = min(cells[parent, _LOWER + axis], cells[cell, _LOWER + axis])
                cells[parent, _UPPER + axis] = max(cells[parent, _UPPER + axis], cells[cell, _UPPER + axis])
            cells[parent, _SKIP] = max(cells[parent, _SKIP], cells[cell, _SKIP])
    return cells


@numba.njit(nogil=True, cache=True)
def _gather(
    positions: np.ndarray, masses: np.ndarray, sizes: np.ndarray, groups: np.ndarray, order: np.ndarray
):
    """Copy the points into Morton order, coordinates as three rows (z = 0 below 3D)."""
    point_count, dimensions = positions.shape
    sorted_coordinates = np.zeros((3, point_count))
    sorted_masses = np.empty(point_count)
    sorted_sizes = np.zeros(point_count)
    sorted_groups = np.empty(point_count, dtype=np.int64)
    for index in range(point_count):
        node = order[index]
        for axis in range(dimensions):
            sorted_coordinates[axis, index] = positions[node, axis]
        sorted_masses[index] = masses[node]
        if sizes.shape[0] > 0:
            sorted_sizes[index] = sizes[node]
        sorted_groups[index] = groups[node]
    return sorted_coordinates, sorted_masses, sorted_sizes, sorted_groups


@numba.njit(nogil=True, cache=True)
def _bounds(positions: np.ndarray):
    point_count, dimensions = positions.shape
    lower = np.full(dimensions, np.inf)
    upper = np.full(dimensions, -np.inf)
    for node in range(point_count):
        for dimension in range(dimensions):
            value = positions[node, dimension]
            lower[dimension] = min(lower[dimension], value)
            upper[dimension] = max(upper[dimension], value)
    return lower, upper


@numba.njit(nogil=True, cache=True)
def _leaf_list(cells: np.ndarray) -> np.ndarray:
    count = 0
    for cell in range(cells.shape[0]):
        if cells[cell, _LEAF_START] >= 0:
            count += 1
    leaves = np.empty(count, dtype=np.int64)
    count = 0
    for cell in range(cells.shape[0]):
        if cells[cell, _LEAF_START] >= 0:
            leaves[count] = cell
            count += 1
    return leaves


class BarnesHutTree:
    """A built tree: the arrays :func:`tree_forces` walks (see the module docstring).

    Attributes
    ----------
    order : numpy.ndarray
        ``(n,)`` int64: ``order[i]`` is the original index of the ``i``-th point in Morton order.
    sorted_coordinates : numpy.ndarray
        ``(3, n)`` coordinates in Morton order (missing axes are 0).
    sorted_masses, sorted_sizes, sorted_groups : numpy.ndarray
        ``(n,)`` per point, in Morton order.
    cells : numpy.ndarray
        ``(cells, 14)`` packed cell records (centre, mass, size squared, skip, leaf range, box).
    leaves : numpy.ndarray
        Indices of the leaf cells, in pre-order (= Morton order).
    group_root : numpy.ndarray
        Root cell of every group (-1 for an empty group).
    dimensions : int
        Coordinates per point.
    """

    __slots__ = (
        "cells",
        "dimensions",
        "group_root",
        "leaves",
        "order",
        "sorted_coordinates",
        "sorted_groups",
        "sorted_masses",
        "sorted_sizes",
    )  # fmt: skip

    @property
    def cell_count(self) -> int:
        """Number of stored cells."""
        return int(self.cells.shape[0])


def build_tree(
    positions: np.ndarray,
    masses: np.ndarray,
    groups: np.ndarray | None = None,
    group_count: int = 1,
    sizes: np.ndarray | None = None,
    leaf_size: int = LEAF_SIZE,
) -> BarnesHutTree:
    """Sort the points along a Morton curve and build the flat tree (a forest: one tree per group).

    Parameters
    ----------
    positions : numpy.ndarray
        ``(n, d)`` float64, ``d`` in {1, 2, 3}.
    masses : numpy.ndarray
        ``(n,)`` float64 masses.
    groups : numpy.ndarray, optional
        ``(n,)`` int group of every point in ``[0, group_count)``; points only feel their own group.
        All in group 0 if omitted.
    group_count : int, optional
        Number of groups.
    sizes : numpy.ndarray, optional
        ``(n,)`` node radii for ForceAtlas2's prevent-overlap term.
    leaf_size : int, optional
        Largest number of points in a leaf.

    Returns
    -------
    BarnesHutTree
    """
    positions = np.ascontiguousarray(positions, dtype=np.float64)
    point_count, dimensions = positions.shape
    if not 1 <= dimensions <= 3:
        raise ValueError(f"build_tree: Barnes-Hut supports 1 to 3 dimensions, got {dimensions}")
    if groups is None:
        groups = np.zeros(point_count, dtype=np.int64)
        group_count = 1
    padded = positions
    if dimensions == 1:  # a 1D layout is a 2D one on a line
        padded = np.zeros((point_count, 2))
        padded[:, 0] = positions[:, 0]
    key_dimensions = padded.shape[1]
    bits_per_axis = BITS_PER_AXIS_2D if key_dimensions == 2 else BITS_PER_AXIS_3D
    if point_count:
        lower, upper = _bounds(padded)
        side = float(np.max(upper - lower))
    else:
        lower, side = np.zeros(key_dimensions), 0.0
    inverse_side = 1.0 / side if side > 0.0 and math.isfinite(side) else 0.0
    inverse_side *= 1.0 - 1e-12  # the largest coordinate maps inside the grid
    with PARALLEL_LAUNCH_LOCK:
        keys = _morton_keys(padded, groups, lower, inverse_side, bits_per_axis)
    group_bits = max(int(group_count - 1).bit_length(), 0)
    order = radix_argsort(keys, bits_per_axis * key_dimensions + group_bits)
    sorted_keys = keys[order]
    empty_sizes = np.empty(0) if sizes is None else np.ascontiguousarray(sizes, dtype=np.float64)
    tree = BarnesHutTree()
    tree.dimensions = dimensions
    tree.order = order
    tree.sorted_coordinates, tree.sorted_masses, tree.sorted_sizes, tree.sorted_groups = _gather(
        positions, np.ascontiguousarray(masses, dtype=np.float64), empty_sizes, groups, order
    )
    group_bounds = np.searchsorted(tree.sorted_groups, np.arange(group_count + 1)).astype(np.int64)
    cell_start, cell_end, cell_parent, cell_is_leaf, tree.group_root = _build_cells(
        sorted_keys, group_bounds, bits_per_axis, key_dimensions, leaf_size
    )
    tree.cells = _summarise_cells(
        cell_start, cell_end, cell_parent, cell_is_leaf, tree.sorted_coordinates, tree.sorted_masses
    )
    tree.leaves = _leaf_list(tree.cells)
    return tree


# ------------------------------------------------------------------------------------- forces
@numba.njit(nogil=True, cache=True, fastmath=_FASTMATH, error_model="numpy")
def _sum_bodies(
    xs: np.ndarray,
    ys: np.ndarray,
    zs: np.ndarray,
    first: int,
    last: int,
    body_x: np.ndarray,
    body_y: np.ndarray,
    body_z: np.ndarray,
    body_mass: np.ndarray,
    body_count: int,
    minimum_squared_distance: float,
    three_dimensional: bool,
    inverse_cube: bool,
    sum_x: np.ndarray,
    sum_y: np.ndarray,
    sum_z: np.ndarray,
) -> None:
    """Add ``sum_b mass_b * (x - x_b) / max(|x - x_b|**2, clip)`` to each point of ``[first, last)``.

    With ``inverse_cube`` the denominator is ``max(|x - x_b|**2, clip) ** 1.5`` (magnitude ``1 / d**2``).
    A point meets itself in its own leaf at distance 0: the select drops that term. The loops over
    the contiguous body list vectorise.
    """
    for point in range(first, last):
        x = xs[point]
        y = ys[point]
        z = zs[point]
        total_x = 0.0
        total_y = 0.0
        total_z = 0.0
        if inverse_cube:
            for body in range(body_count):
                delta_x = x - body_x[body]
                delta_y = y - body_y[body]
                delta_z = z - body_z[body]
                squared_distance = delta_x * delta_x + delta_y * delta_y + delta_z * delta_z
                clipped = max(squared_distance, minimum_squared_distance)
                factor = body_mass[body] / (clipped * math.sqrt(clipped))
                factor = factor if squared_distance > 0.0 else 0.0
                total_x += factor * delta_x
                total_y += factor * delta_y
                total_z += factor * delta_z
        elif three_dimensional:
            for body in range(body_count):
                delta_x = x - body_x[body]
                delta_y = y - body_y[body]
                delta_z = z - body_z[body]
                squared_distance = delta_x * delta_x + delta_y * delta_y + delta_z * delta_z
                factor = body_mass[body] / max(squared_distance, minimum_squared_distance)
                factor = factor if squared_distance > 0.0 else 0.0
                total_x += factor * delta_x
                total_y += factor * delta_y
                total_z += factor * delta_z
        else:
            for body in range(body_count):
                delta_x = x - body_x[body]
                delta_y = y - body_y[body]
                squared_distance = delta_x * delta_x + delta_y * delta_y
                factor = body_mass[body] / max(squared_distance, minimum_squared_distance)
                factor = factor if squared_distance > 0.0 else 0.0
                total_x += factor * delta_x
                total_y += factor * delta_y
        local = point - first
        sum_x[local] += total_x
        sum_y[local] += total_y
        sum_z[local] += total_z


@numba.njit(nogil=True, cache=True, error_model="numpy")
def _overlap_factor(squared_distance: float, size: float, other_size: float, other_mass: float) -> float:
    """ForceAtlas2's prevent-overlap pair term over ``delta``: ``m / gap**2`` apart, ``100 m`` overlapping."""
    gap = math.sqrt(squared_distance) - size - other_size
    if gap > 0.0:
        return other_mass / (gap * gap)
    if gap < 0.0:
        return 100.0 * other_mass
    return 0.0


@numba.njit(nogil=True, cache=True, error_model="numpy")
def _sum_overlapping(
    xs: np.ndarray,
    ys: np.ndarray,
    zs: np.ndarray,
    sorted_masses: np.ndarray,
    sorted_sizes: np.ndarray,
    first: int,
    last: int,
    near: np.ndarray,
    near_count: int,
    sum_x: np.ndarray,
    sum_y: np.ndarray,
    sum_z: np.ndarray,
) -> None:
    """ForceAtlas2's prevent-overlap pair term (mass-weighted, divided by the own mass afterwards)."""
    for point in range(first, last):
        local = point - first
        for index in range(near_count):
            other = near[index]
            if other == point:
                continue
            delta_x = xs[point] - xs[other]
            delta_y = ys[point] - ys[other]
            delta_z = zs[point] - zs[other]
            squared_distance = delta_x * delta_x + delta_y * delta_y + delta_z * delta_z
            factor = _overlap_factor(squared_distance, sorted_sizes[point], sorted_sizes[other], sorted_masses[other])
            sum_x[local] += factor * delta_x
            sum_y[local] += factor * delta_y
            sum_z[local] += factor * delta_z


@numba.njit(nogil=True, cache=True, parallel=True, error_model="numpy")
def _tree_forces(
    order: np.ndarray,
    sorted_coordinates: np.ndarray,
    sorted_masses: np.ndarray,
    sorted_sizes: np.ndarray,
    sorted_groups: np.ndarray,
    cells: np.ndarray,
    leaves: np.ndarray,
    group_root: np.ndarray,
    theta: float,
    coefficient: float,
    minimum_squared_distance: float,
    use_sizes: bool,
    inverse_cube: bool,
    forces: np.ndarray,
) -> None:
    """Walk the tree once per leaf (a bucket of nearby points), then sum over the bodies found.

    A cell is accepted for the whole bucket when its distance to the bucket's bounding box, times
    theta, exceeds its size: stricter than the per-point test, so it is at least as accurate. The walk
    gathers the accepted cells and the points of the leaves it reaches into a contiguous list of
    bodies (position, mass), summed by :func:`_sum_bodies` whenever the list is full and at the end.
    With ``use_sizes`` the points of nearby leaves go to a second list, summed with the overlap rule.
    Scratch lists are allocated once per task, never reassigned inside the walk (a reassigned array
    costs reference counting at every loop iteration).
    """
    dimensions = forces.shape[1]
    three_dimensional = dimensions > 2
    theta_squared = theta * theta
    xs = sorted_coordinates[0]
    ys = sorted_coordinates[1]
    zs = sorted_coordinates[2]
    leaf_count = leaves.shape[0]
    largest_leaf = 1
    for leaf_index in range(leaf_count):
        leaf = leaves[leaf_index]
        largest_leaf = max(largest_leaf, np.int64(cells[leaf, _LEAF_END] - cells[leaf, _LEAF_START]))
    chunk_count = min(leaf_count, _LEAF_CHUNKS)
    for chunk in prange(chunk_count):
        body_x = np.empty(_BODY_CAPACITY)
        body_y = np.empty(_BODY_CAPACITY)
        body_z = np.zeros(_BODY_CAPACITY)
        body_mass = np.empty(_BODY_CAPACITY)
        near = np.empty(_BODY_CAPACITY, dtype=np.int64)
        sum_x = np.empty(largest_leaf)
        sum_y = np.empty(largest_leaf)
        sum_z = np.empty(largest_leaf)
        for leaf_index in range(chunk * leaf_count // chunk_count, (chunk + 1) * leaf_count // chunk_count):
            leaf = leaves[leaf_index]
            first = np.int64(cells[leaf, _LEAF_START])
            last = np.int64(cells[leaf, _LEAF_END])
            lower_x = cells[leaf, _LOWER]
            lower_y = cells[leaf, _LOWER + 1]
            lower_z = cells[leaf, _LOWER + 2]
            upper_x = cells[leaf, _UPPER]
            upper_y = cells[leaf, _UPPER + 1]
            upper_z = cells[leaf, _UPPER + 2]
            sum_x[:] = 0.0
            sum_y[:] = 0.0
            sum_z[:] = 0.0
            body_count = 0
            near_count = 0
            root = group_root[sorted_groups[first]]
            cell = root
            end = np.int64(cells[root, _SKIP])
            while cell < end:
                center_x = cells[cell, _CENTER]
                center_y = cells[cell, _CENTER + 1]
                center_z = cells[cell, _CENTER + 2]
                gap_x = max(max(lower_x - center_x, center_x - upper_x), 0.0)
                gap_y = max(max(lower_y - center_y, center_y - upper_y), 0.0)
                gap_z = max(max(lower_z - center_z, center_z - upper_z), 0.0)
                box_squared_distance = gap_x * gap_x + gap_y * gap_y + gap_z * gap_z
                leaf_start = np.int64(cells[cell, _LEAF_START])
                if box_squared_distance * theta_squared > cells[cell, _SIZE_SQUARED]:
                    # Far enough from every point of the bucket: the cell is one body.
                    if body_count == _BODY_CAPACITY:
                        _sum_bodies(
                            xs, ys, zs, first, last, body_x, body_y, body_z, body_mass, body_count,
                            minimum_squared_distance, three_dimensional, inverse_cube, sum_x, sum_y, sum_z,
                        )  # fmt: skip
                        body_count = 0
                    body_x[body_count] = center_x
                    body_y[body_count] = center_y
                    body_z[body_count] = center_z
                    body_mass[body_count] = cells[cell, _MASS]
                    body_count += 1
                    cell = np.int64(cells[cell, _SKIP])
                elif leaf_start >= 0:
                    for other in range(leaf_start, np.int64(cells[cell, _LEAF_END])):
                        if use_sizes:
                            if near_count == _BODY_CAPACITY:
                                _sum_overlapping(
                                    xs, ys, zs, sorted_masses, sorted_sizes, first, last, near, near_count,
                                    sum_x, sum_y, sum_z,
                                )  # fmt: skip
                                near_count = 0
                            near[near_count] = other
                            near_count += 1
                        else:
                            if body_count == _BODY_CAPACITY:
                                _sum_bodies(
                                    xs, ys, zs, first, last, body_x, body_y, body_z, body_mass, body_count,
                                    minimum_squared_distance, three_dimensional, inverse_cube,
                                    sum_x, sum_y, sum_z,
                                )  # fmt: skip
                                body_count = 0
                            body_x[body_count] = xs[other]
                            body_y[body_count] = ys[other]
                            body_z[body_count] = zs[other]
                            body_mass[body_count] = sorted_masses[other]
                            body_count += 1
                    cell = np.int64(cells[cell, _SKIP])
                else:
                    cell += 1  # open the cell: its first child follows it in pre-order
            _sum_bodies(
                xs, ys, zs, first, last, body_x, body_y, body_z, body_mass, body_count,
                minimum_squared_distance, three_dimensional, inverse_cube, sum_x, sum_y, sum_z,
            )  # fmt: skip
            if use_sizes:
                _sum_overlapping(
                    xs, ys, zs, sorted_masses, sorted_sizes, first, last, near, near_count,
                    sum_x, sum_y, sum_z,
                )  # fmt: skip
            for point in range(first, last):
                local = point - first
                own_mass = coefficient * sorted_masses[point]
                node = order[point]
                forces[node, 0] = own_mass * sum_x[local]
                if dimensions > 1:
                    forces[node, 1] = own_mass * sum_y[local]
                if dimensions > 2:
                    forces[node, 2] = own_mass * sum_z[local]


def tree_forces(
    tree: BarnesHutTree,
    theta: float,
    coefficient: float,
    forces: np.ndarray,
    minimum_squared_distance: float = 0.0,
    use_sizes: bool = False,
    repulsion_exponent: int = 1,
) -> np.ndarray:
    """Overwrite ``forces`` with the repulsion of every point, walking a built tree.

    Parameters
    ----------
    tree : BarnesHutTree
        From :func:`build_tree`.
    theta : float
        Opening angle: a cell of size ``s`` whose centre of mass lies at distance ``d`` from a bucket
        of points is one body for all of them when ``d * theta > s``; 0 gives the exact sum.
    coefficient : float
        Force constant (``k**2`` for Fruchterman-Reingold, the scaling ratio for ForceAtlas2).
    forces : numpy.ndarray
        ``(n, d)`` float64 output, in the original point order.
    minimum_squared_distance : float, optional
        Squared distances are clipped to at least this (0: coincident points exert no force).
    use_sizes : bool, optional
        ForceAtlas2's prevent-overlap term for point pairs (needs ``sizes`` in :func:`build_tree`).
    repulsion_exponent : int, optional
        1: magnitude ``coefficient * m_i * m_j / d``; 2: ``... / d**2`` (Hu 2005's ``p = 2``,
        shorter-ranged, less "peripheral effect"). ``use_sizes`` needs 1.

    Returns
    -------
    numpy.ndarray
        ``forces``.
    """
    if repulsion_exponent not in (1, 2):
        raise ValueError(f"tree_forces: repulsion_exponent must be 1 or 2, got {repulsion_exponent!r}")
    if forces.shape[0] == 0:
        return forces
    with PARALLEL_LAUNCH_LOCK:
        _tree_forces(
            tree.order, tree.sorted_coordinates, tree.sorted_masses, tree.sorted_sizes, tree.sorted_groups,
            tree.cells, tree.leaves, tree.group_root, float(theta), float(coefficient),
            max(float(minimum_squared_distance), 0.0), bool(use_sizes), repulsion_exponent == 2, forces,
        )  # fmt: skip
    return forces


@numba.njit(nogil=True, cache=True, error_model="numpy")
def _exact_forces(
    positions: np.ndarray,
    masses: np.ndarray,
    groups: np.ndarray,
    sizes: np.ndarray,
    coefficient: float,
    minimum_squared_distance: float,
    use_sizes: bool,
    inverse_cube: bool,
    forces: np.ndarray,
) -> None:
    """The sum of :func:`_tree_forces` with ``theta = 0``, pair by pair, with no tree (small inputs).

    The same terms as :func:`_sum_bodies` (and, with ``use_sizes``, :func:`_sum_overlapping`) in
    input order; points only meet points of their own group.
    """
    point_count, dimensions = positions.shape
    total = np.zeros(3)
    for point in range(point_count):
        total[:] = 0.0
        for other in range(point_count):
            if other == point or groups[other] != groups[point]:
                continue
            squared_distance = 0.0
            for axis in range(dimensions):
                delta = positions[point, axis] - positions[other, axis]
                squared_distance += delta * delta
            if use_sizes:
                factor = _overlap_factor(squared_distance, sizes[point], sizes[other], masses[other])
            elif squared_distance > 0.0:
                clipped = max(squared_distance, minimum_squared_distance)
                factor = masses[other] / (clipped * math.sqrt(clipped) if inverse_cube else clipped)
            else:
                continue
            for axis in range(dimensions):
                total[axis] += factor * (positions[point, axis] - positions[other, axis])
        own_mass = coefficient * masses[point]
        for axis in range(dimensions):
            forces[point, axis] = own_mass * total[axis]


def repulsive_forces(
    positions: np.ndarray,
    masses: np.ndarray,
    theta: float,
    coefficient: float,
    forces: np.ndarray,
    minimum_squared_distance: float = 0.0,
    groups: np.ndarray | None = None,
    group_count: int = 1,
    sizes: np.ndarray | None = None,
    repulsion_exponent: int = 1,
) -> np.ndarray:
    """Barnes-Hut repulsion ``coefficient * m_i * m_j / d`` of every point: build a tree and walk it.

    Parameters
    ----------
    positions : numpy.ndarray
        ``(n, d)`` float64 positions, ``d`` in {1, 2, 3}.
    masses : numpy.ndarray
        ``(n,)`` float64 masses.
    theta : float
        Opening angle (0: exact; at most :data:`EXACT_MAXIMUM` points are always summed exactly).
    coefficient : float
        Force constant.
    forces : numpy.ndarray
        ``(n, d)`` float64 output, overwritten.
    minimum_squared_distance : float, optional
        Clip of the squared distance (0: coincident points exert no force on each other).
    groups : numpy.ndarray, optional
        ``(n,)`` group of every point; points only repel points of their own group.
    group_count : int, optional
        Number of groups.
    sizes : numpy.ndarray, optional
        Node radii: ForceAtlas2's prevent-overlap term for point pairs.
    repulsion_exponent : int, optional
        1 (magnitude ``/ d``) or 2 (``/ d**2``).

    Returns
    -------
    numpy.ndarray
        ``forces``.
    """
    if len(positions) <= EXACT_MAXIMUM:
        if repulsion_exponent not in (1, 2):
            raise ValueError(f"repulsive_forces: repulsion_exponent must be 1 or 2, got {repulsion_exponent!r}")
        positions = np.ascontiguousarray(positions, dtype=np.float64)
        if not 1 <= positions.shape[1] <= 3:
            raise ValueError(f"repulsive_forces: 1 to 3 dimensions, got {positions.shape[1]}")
        _exact_forces(
            positions, np.ascontiguousarray(masses, dtype=np.float64),
            np.zeros(len(positions), dtype=np.int64) if groups is None else np.ascontiguousarray(groups, dtype=np.int64),
            np.zeros(len(positions)) if sizes is None else np.ascontiguousarray(sizes, dtype=np.float64),
            float(coefficient), max(float(minimum_squared_distance), 0.0), sizes is not None,
            repulsion_exponent == 2, forces,
        )  # fmt: skip
        return forces
    tree = build_tree(positions, masses, groups, group_count, sizes)
    return tree_forces(
        tree, theta, coefficient, forces, minimum_squared_distance, sizes is not None, repulsion_exponent
    )
