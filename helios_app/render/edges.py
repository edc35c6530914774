"""The edges of a scene: straight lines over the nodes' shared points, curves and self-loops with points of
their own, arrowheads (flat triangles in 2D, cones in 3D for up to :data:`MAX_CONES`), one actor per width.

:class:`EdgeLayer` owns every edge actor of a :class:`~helios_app.render.scene.GraphScene` (the scene keeps
the colours and what is drawn, and calls it). Straight edges share the nodes' points, so a moving layout costs
them nothing (an arrowhead is drawn over the line's end, whose part inside the target node the node hides);
curves, loops and arrowheads are recomputed from the positions with numpy
(:mod:`helios_app.graph.edge_geometry`) when the positions or the zoom changed, only for the drawing shown
(the level-of-detail sample while moving, every edge at rest). Widths are binned: a VTK actor draws all its
lines at one width, so edges of similar width share an actor (:data:`WIDTH_BINS` at most).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from helios_app.graph.edge_encodings import EdgeEncoding
from helios_app.graph.edge_geometry import (
    ARROW_LENGTH_PER_WIDTH,
    CURVE_SEGMENTS,
    arrowheads,
    directed_paths,
    edge_bends,
    edge_paths,
    loop_paths,
    loop_ranks,
    midpoints,
    nearest_edge,
    straight_directed,
)
from helios_app.render import _vtk

__all__ = ["MIN_ARROW_PX", "WIDTH_BINS", "EdgeLayer"]

WIDTH_BINS = 8
MIN_ARROW_PX = 8.0
MIN_LOOP_NODE_PX = 12.0  # a self-loop is drawn as for a node at least this many pixels wide
LOOP_SEGMENTS = 2 * CURVE_SEGMENTS
EDGE_PICK_PX = 4.0  # a pointer this near an edge's line (plus half its width) points at it
MAX_EDGE_LABELS = 300  # candidates sent to the pages; they place what fits
MAX_LABEL_SCAN = 200_000  # beyond this many drawn edges, label lengths are estimated
LABEL_PX_PER_CHARACTER = 7.0
EDGE_LABEL_MARGIN_PX = 12.0
ARROW_MIN_EDGE_LENGTHS = 2.5  # an edge gets an arrowhead when it is at least this many arrowheads long on screen
MAX_CONES = 20_000  # beyond this many arrowheads in a 3D drawing, flat triangles facing the camera (cones cost
# ~20 triangles each on a CPU rasteriser: a million took 12 s a frame)
ARROW_LIFT = 0.005  # 2D arrowheads sit in front of the edges, behind the nodes (which sit at 0.01)


class _Drawing:
    """The actors of one set of edge records (every drawn one, or the level-of-detail sample)."""

    def __init__(self, layer: EdgeLayer, records: np.ndarray) -> None:
        self.records = records
        self.actors: list = []
        self.stale = True
        self.geometry_key: tuple | None = None  # the zoom and viewing direction its geometry was made for
        self.own_data: list = []  # the polydata whose points this drawing computes (curves, loops, arrowheads)
        self._color_targets: list[tuple[np.ndarray, np.ndarray, object]] = []  # (records, colours, VTK array)
        edges = layer.edges[records]
        loops = edges[:, 0] == edges[:, 1]
        arrows = layer.arrows[records] & ~loops
        bent = (layer.bends[records] != 0) & ~loops
        plain = ~loops & ~bent  # straight lines share the node points; an arrowhead is drawn over the line's end
        bins = layer.width_bins[records]
        self.shaped: list[dict] = []  # per width bin: the records with points of their own, and those points
        for width_bin in np.unique(bins) if len(records) else []:
            in_bin = bins == width_bin
            width = float(layer.bin_widths[width_bin])
            chosen = records[in_bin & plain]
            if len(chosen):
                self._add(layer, layer.plain_lines(chosen), chosen, width)
            groups = {"curves": records[in_bin & bent], "loops": records[in_bin & loops]}
            if sum(len(group) for group in groups.values()):
                points, cells, owner = layer.own_point_lines(groups)
                self._add(layer, cells, owner, width, points)
                self.shaped.append({**groups, "points": points})
        self.arrow_records = records[arrows]
        self.straight_arrow_records = records[arrows & ~bent]
        self.arrow_shapes = layer.arrow_actor(self.arrow_records) if len(self.arrow_records) else None
        if self.arrow_shapes is not None:
            actor, colors, array, self.arrow_geometry = self.arrow_shapes
            self.actors.append(actor)
            # Triangles are coloured by their three corners (the cells change with what is long enough to show).
            owner = np.repeat(self.arrow_records, 3) if "points" in self.arrow_geometry else self.arrow_records
            self._color_targets.append((owner, colors, array))
            self.own_data.append(self.arrow_geometry["data"])

    def _add(self, layer: EdgeLayer, cells, owner: np.ndarray, width: float, points=None) -> None:
        actor, colors, array, own_data = layer.lines_actor(cells, owner, width, points)
        self.actors.append(actor)
        self._color_targets.append((owner, colors, array))
        if own_data is not None:
            self.own_data.append(own_data)

    def set_colors(self, colors: np.ndarray) -> None:
        for owner, target, array in self._color_targets:
            target[:] = colors[owner]
            array.Modified()


class EdgeLayer:
    """Every edge actor of a scene.

    Parameters
    ----------
    renderer :
        The scene's vtkRenderer.
    points :
        The vtkPoints of the nodes (view positions), shared with the node actors.
    view_positions : numpy.ndarray
        float32 ``(n, 3)``: the array behind ``points`` (read when curves and arrows are recomputed).
    edges : numpy.ndarray
        int64 ``(m, 2)`` edge records (directed, parallel ones and self-loops kept).
    encoding : EdgeEncoding
        Widths, arrows, opacity and curvature (colours come through :meth:`set_colors`).
    dimensions : int
    keep_alive : callable
        ``keep_alive(array, id_type=False)`` wraps a numpy array as a VTK array that lives as long as the scene.
    """

    def __init__(self, renderer, points, view_positions: np.ndarray, edges: np.ndarray, encoding: EdgeEncoding,
                 dimensions: int, keep_alive: Callable) -> None:
        self.renderer = renderer
        self.points = points
        self.view_positions = view_positions
        self.edges = edges
        self.encoding = encoding
        self.dimensions = dimensions
        self._keep = keep_alive
        count = len(edges)
        arrows = encoding.arrows if len(encoding.arrows) == count else np.zeros(count, dtype=bool)
        self.arrows = np.asarray(arrows, dtype=bool)
        self.bends = edge_bends(edges, encoding.curvature)
        widths = encoding.widths_px if encoding.widths_px is not None and len(encoding.widths_px) == count \
            else np.ones(count, dtype=np.float32)
        self.widths_px = np.asarray(widths, dtype=np.float32)
        self.width_bins, self.bin_widths = _width_bins(self.widths_px)
        self.loop_rank = loop_ranks(edges)
        self._drawings: dict[str, _Drawing] = {}
        self._shown = "full"
        self._tips = np.zeros((count if self.arrows.any() else 0, dimensions), dtype=np.float32)  # by record
        self._tip_directions = np.zeros_like(self._tips)
        self._chords = np.zeros(len(self._tips), dtype=np.float32)  # each arrowed edge's length, view units

    # ---- building ------------------------------------------------------------------------------
    def rebuild(self, drawn: np.ndarray, sample: np.ndarray, colors: np.ndarray) -> None:
        """Make the actors of the drawn records and of the level-of-detail sample (both index arrays)."""
        self.remove()
        self._drawings = {"full": _Drawing(self, drawn), "lod": _Drawing(self, sample)}
        for drawing in self._drawings.values():
            for actor in drawing.actors:
                self.renderer.AddActor(actor)
            drawing.set_colors(colors)
        self.show(self._shown == "lod")

    def remove(self) -> None:
        for drawing in self._drawings.values():
            for actor in drawing.actors:
                self.renderer.RemoveActor(actor)
        self._drawings = {}

    @property
    def actors(self) -> list:
        return [actor for drawing in self._drawings.values() for actor in drawing.actors]

    def plain_lines(self, records: np.ndarray):
        """Cells drawing ``records`` as lines between the shared node points."""
        lines = _vtk.vtkCellArray()
        lines.SetData(self._keep(np.arange(0, 2 * len(records) + 1, 2, dtype=np.int64), id_type=True),
                      self._keep(np.ascontiguousarray(self.edges[records], dtype=np.int64).ravel(), id_type=True))
        return lines

    def own_point_lines(self, groups: dict[str, np.ndarray]) -> tuple[np.ndarray, object, np.ndarray]:
        """Points (zeros until :meth:`update`) and polyline cells for curves (``CURVE_SEGMENTS + 1``) and
        loops (``LOOP_SEGMENTS + 1``); and the record of each cell."""
        sizes = np.concatenate([np.full(len(groups["curves"]), CURVE_SEGMENTS + 1),
                                np.full(len(groups["loops"]), LOOP_SEGMENTS + 1)]).astype(np.int64)
        owner = np.concatenate([groups["curves"], groups["loops"]])
        points = np.zeros((int(sizes.sum()), 3), dtype=np.float32)
        lines = _vtk.vtkCellArray()
        lines.SetData(self._keep(np.r_[0, np.cumsum(sizes)].astype(np.int64), id_type=True),
                      self._keep(np.arange(len(points), dtype=np.int64), id_type=True))
        return points, lines, owner

    def lines_actor(self, cells, owner: np.ndarray, width: float, points: np.ndarray | None = None):
        """An unlit actor of line cells, one colour per cell, ``width`` pixels wide; its colours and array."""
        polydata = _vtk.vtkPolyData()
        if points is None:
            polydata.SetPoints(self.points)
        else:
            own = _vtk.vtkPoints()
            own.SetData(self._keep(points))
            polydata.SetPoints(own)
        polydata.SetLines(cells)
        colors = np.zeros((len(owner), 3), dtype=np.uint8)
        array = self._keep(colors)
        polydata.GetCellData().SetScalars(array)
        mapper = _vtk.vtkPolyDataMapper()
        mapper.SetInputData(polydata)
        mapper.SetColorModeToDirectScalars()
        mapper.SetScalarModeToUseCellData()
        actor = _vtk.vtkActor()
        actor.SetMapper(mapper)
        actor.GetProperty().LightingOff()
        actor.GetProperty().SetLineWidth(width)
        if self.encoding.opacity < 1.0:
            actor.GetProperty().SetOpacity(self.encoding.opacity)
        return actor, colors, array, (None if points is None else polydata)

    def arrow_actor(self, records: np.ndarray):
        """The arrowheads of ``records``: filled triangles in 2D, cones in 3D; points filled by :meth:`update`."""
        flat = self.dimensions == 2 or len(records) > MAX_CONES
        colors = np.zeros((3 * len(records) if flat else len(records), 3), dtype=np.uint8)
        array = self._keep(colors)
        actor = _vtk.vtkActor()
        if flat:
            points = np.zeros((3 * len(records), 3), dtype=np.float32)
            own = _vtk.vtkPoints()
            own.SetData(self._keep(points))
            polydata = _vtk.vtkPolyData()
            polydata.SetPoints(own)
            polydata.SetPolys(_vtk.vtkCellArray())  # the arrows long enough to show: set by update
            polydata.GetPointData().SetScalars(array)
            mapper = _vtk.vtkPolyDataMapper()
            mapper.SetInputData(polydata)
            mapper.SetScalarModeToUsePointData()
            if self.dimensions == 2:
                actor.SetPosition(0.0, 0.0, ARROW_LIFT)
            geometry = {"points": points, "data": polydata, "cells": None}
        else:  # a cone per arrow, placed, turned and sized by arrays (drawn as GPU instances)
            centres = np.zeros((len(records), 3), dtype=np.float32)
            directions = np.zeros((len(records), 3), dtype=np.float32)
            scales = np.zeros((len(records), 3), dtype=np.float32)
            own = _vtk.vtkPoints()
            own.SetData(self._keep(centres))
            polydata = _vtk.vtkPolyData()
            polydata.SetPoints(own)
            direction_array = self._keep(directions)
            direction_array.SetName("direction")
            scale_array = self._keep(scales)
            scale_array.SetName("scale")
            polydata.GetPointData().SetScalars(array)
            polydata.GetPointData().AddArray(direction_array)
            polydata.GetPointData().AddArray(scale_array)
            cone = _vtk.vtkConeSource()
            cone.SetResolution(10)
            cone.SetHeight(1.0)
            cone.SetRadius(0.45)
            mapper = _vtk.vtkGlyph3DMapper()
            mapper.SetInputData(polydata)
            mapper.SetSourceConnection(cone.GetOutputPort())
            mapper.SetOrientationArray("direction")
            mapper.SetOrientationModeToDirection()
            mapper.SetScaleArray("scale")
            mapper.SetScaleModeToScaleByVectorComponents()
            geometry = {"centres": centres, "directions": directions, "scales": scales,
                        "arrays": (own, direction_array, scale_array), "data": polydata}
        mapper.SetColorModeToDirectScalars()
        actor.SetMapper(mapper)
        if "points" in geometry:
            actor.GetProperty().LightingOff()
        else:  # shaded cones, bright enough to keep their edge's colour
            actor.GetProperty().SetAmbient(0.5)
            actor.GetProperty().SetDiffuse(0.6)
        if self.encoding.opacity < 1.0:
            actor.GetProperty().SetOpacity(self.encoding.opacity)
        return actor, colors, array, geometry

    # ---- showing -------------------------------------------------------------------------------
    def show(self, level_of_detail: bool) -> None:
        """Show the level-of-detail drawing (in motion) or the full one."""
        self._shown = "lod" if level_of_detail else "full"
        for name, drawing in self._drawings.items():
            for actor in drawing.actors:
                actor.SetVisibility(name == self._shown)

    def set_colors(self, colors: np.ndarray) -> None:
        """Colour every record (uint8 ``(m, 3)``), in both drawings."""
        for drawing in self._drawings.values():
            drawing.set_colors(colors)

    def colors_shown(self, level_of_detail: bool) -> tuple[np.ndarray, np.ndarray]:
        """The records a drawing colours and their colours (every cell of every actor, in actor order)."""
        drawing = self._drawings["lod" if level_of_detail else "full"]
        if not drawing._color_targets:
            return np.zeros(0, dtype=np.int64), np.zeros((0, 3), dtype=np.uint8)
        return (np.concatenate([owner for owner, _, _ in drawing._color_targets]),
                np.concatenate([colors for _, colors, _ in drawing._color_targets]))

    def pick(self, point_px: tuple[float, float], node_pixels: np.ndarray, drawn: np.ndarray) -> int | None:
        """The drawn record passing nearest the point (pixels), within :data:`EDGE_PICK_PX` of its line."""
        drawn = drawn[self.edges[drawn, 0] != self.edges[drawn, 1]] if len(drawn) else drawn
        if not len(drawn):
            return None
        starts, ends = node_pixels[self.edges[drawn, 0]], node_pixels[self.edges[drawn, 1]]
        finite = np.isfinite(starts).all(axis=1) & np.isfinite(ends).all(axis=1)
        drawn, starts, ends = drawn[finite], starts[finite], ends[finite]
        # Pixels run downwards: a bend to the left in the view is a bend to the right on the screen.
        bends = -self.bends[drawn]
        found = nearest_edge(point_px, starts, ends, bends, EDGE_PICK_PX + self.widths_px[drawn] / 2.0)
        return None if found is None else int(drawn[found])

    def label_candidates(self, texts: list[str], node_pixels: np.ndarray, drawn: np.ndarray, first: np.ndarray,
                         width: int, height: int) -> list[dict]:
        """Edge labels the pages may draw at rest, in priority order: the records ``first`` (the selection's
        edges), then every drawn edge long enough on screen for a label (longest first), each ``{edge, text,
        x, y}`` with its curve's middle as fractions of the picture."""
        if not len(drawn):
            return []
        starts, ends = node_pixels[self.edges[drawn, 0]], node_pixels[self.edges[drawn, 1]]
        length = np.linalg.norm(ends - starts, axis=1)
        middle = midpoints(starts, ends, -self.bends[drawn])  # pixels run downwards: the bend flips
        inside = np.isfinite(middle).all(axis=1) & (middle[:, 0] >= 0) & (middle[:, 0] < width) & \
            (middle[:, 1] >= 0) & (middle[:, 1] < height)
        lengths = np.array([len(texts[record]) for record in drawn.tolist()]) if len(drawn) <= MAX_LABEL_SCAN \
            else np.full(len(drawn), 8)
        fits = length >= LABEL_PX_PER_CHARACTER * lengths + 2 * EDGE_LABEL_MARGIN_PX
        priority = np.isin(drawn, first)
        chosen = np.flatnonzero(inside & (priority | fits) & (self.edges[drawn, 0] != self.edges[drawn, 1]))
        order = chosen[np.lexsort((-length[chosen], ~priority[chosen]))][:MAX_EDGE_LABELS]
        return [{"edge": int(drawn[index]), "text": texts[int(drawn[index])],
                 "x": round(float(middle[index, 0]) / width, 5), "y": round(float(middle[index, 1]) / height, 5)}
                for index in order.tolist() if texts[int(drawn[index])]]

    def positions_changed(self) -> None:
        for drawing in self._drawings.values():
            drawing.stale = True

    def update(self, radii: np.ndarray, pixels_per_unit: float, view_direction: np.ndarray | None = None) -> None:
        """Recompute the shown drawing's curves, loops and arrowheads if the positions or the zoom changed.

        ``radii``: each node's drawn radius in view units (arrows stop at the rim; 0 for a hidden node).
        """
        drawing = self._drawings.get(self._shown)
        if drawing is None:
            return
        key = (round(float(pixels_per_unit), 6), None if view_direction is None else tuple(np.round(view_direction, 4)))
        if not drawing.stale and key == drawing.geometry_key:
            return
        drawing.geometry_key, drawing.stale = key, False
        dimensions = self.dimensions
        positions = self.view_positions[:, :dimensions]  # float32: half the memory traffic of float64
        radii = np.asarray(radii, dtype=np.float32)
        arrow_world = (np.maximum(ARROW_LENGTH_PER_WIDTH * self.widths_px, MIN_ARROW_PX)
                       / np.float32(max(pixels_per_unit, 1e-9))).astype(np.float32)
        chosen = drawing.straight_arrow_records
        if len(chosen):
            starts, ends = positions[self.edges[chosen, 0]], positions[self.edges[chosen, 1]]
            _, tips, directions = straight_directed(starts, ends, radii[self.edges[chosen, 1]], arrow_world[chosen])
            self._tips[chosen], self._tip_directions[chosen] = tips, directions
            delta = ends - starts
            self._chords[chosen] = np.sqrt(np.einsum("ij,ij->i", delta, delta))
        for group in drawing.shaped:
            pieces = []
            chosen = group["curves"]
            if len(chosen):
                starts, ends = positions[self.edges[chosen, 0]], positions[self.edges[chosen, 1]]
                arrowed = self.arrows[chosen]
                paths = np.empty((len(chosen), CURVE_SEGMENTS + 1, dimensions))
                if (~arrowed).any():
                    paths[~arrowed] = edge_paths(starts[~arrowed], ends[~arrowed], self.bends[chosen[~arrowed]],
                                                 view_direction=view_direction)
                if arrowed.any():
                    picked = chosen[arrowed]
                    paths[arrowed], tips, directions = directed_paths(
                        starts[arrowed], ends[arrowed], self.bends[picked], radii[self.edges[picked, 1]],
                        arrow_world[picked], view_direction=view_direction)
                    self._tips[picked], self._tip_directions[picked] = tips, directions
                    self._chords[picked] = np.linalg.norm(ends[arrowed] - starts[arrowed], axis=1)
                pieces.append(paths.reshape(-1, dimensions))
            chosen = group["loops"]
            if len(chosen):
                nodes = self.edges[chosen, 0]
                loop_radii = np.maximum(radii[nodes], MIN_LOOP_NODE_PX / max(pixels_per_unit, 1e-9))
                pieces.append(loop_paths(positions[nodes], loop_radii, self.loop_rank[chosen],
                                         segments=LOOP_SEGMENTS).reshape(-1, dimensions))
            target = group["points"]
            target[:, :dimensions] = np.concatenate(pieces)
            target[:, dimensions:] = 0.0
        self._mark_points_modified(drawing)
        if drawing.arrow_shapes is not None and len(drawing.arrow_records):
            self._update_arrows(drawing, arrow_world, view_direction, pixels_per_unit)

    def _update_arrows(self, drawing: _Drawing, arrow_world: np.ndarray, view_direction: np.ndarray | None,
                       pixels_per_unit: float) -> None:
        """Arrowheads at the tips; none (a triangle of no area) on an edge too short on screen to read one: a
        million 8-pixel arrows on 2-pixel edges cost a frame 0.4 s and show nothing but a smudge."""
        records = drawing.arrow_records
        geometry = drawing.arrow_geometry
        if "points" in geometry:  # flat triangles: in 2D, and facing the camera for many 3D arrows
            shown = np.flatnonzero(self._chords[records] >= ARROW_MIN_EDGE_LENGTHS * arrow_world[records])
            chosen = records[shown]
            triangles = arrowheads(self._tips[chosen], self._tip_directions[chosen], arrow_world[chosen],
                                   view_direction)
            corners = (3 * shown[:, None] + np.arange(3)).ravel()
            geometry["points"][corners, :self.dimensions] = triangles.reshape(-1, self.dimensions)
            geometry["points"][corners, self.dimensions:] = 0.0
            offsets = np.arange(0, 3 * len(shown) + 1, 3, dtype=np.int64)
            connectivity = corners.astype(np.int64)
            cells = _vtk.vtkCellArray()
            cells.SetData(_vtk.numpy_to_vtkIdTypeArray(offsets, deep=False),
                          _vtk.numpy_to_vtkIdTypeArray(connectivity, deep=False))
            geometry["data"].SetPolys(cells)
            geometry["cells"] = (offsets, connectivity)  # alive while VTK reads them: replaced with the cells
        else:
            tips, directions, lengths = self._tips[records], self._tip_directions[records], arrow_world[records]
            geometry["centres"][:] = tips - directions * (lengths / 2.0)[:, None]
            geometry["directions"][:] = directions
            geometry["scales"][:] = lengths[:, None]
            for array in geometry["arrays"]:
                array.Modified()
        self._mark_points_modified(drawing)

    def _mark_points_modified(self, drawing: _Drawing) -> None:
        for data in drawing.own_data:
            data.GetPoints().Modified()
            data.Modified()


def _width_bins(widths: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each record's width bin and each bin's width: :data:`WIDTH_BINS` equal steps between the extremes."""
    if not len(widths):
        return np.zeros(0, dtype=np.int64), np.ones(1, dtype=np.float32)
    low, high = float(widths.min()), float(widths.max())
    if high - low < 1e-6:
        return np.zeros(len(widths), dtype=np.int64), np.array([max(low, 0.5)], dtype=np.float32)
    bins = np.minimum(((widths - low) / (high - low) * WIDTH_BINS).astype(np.int64), WIDTH_BINS - 1)
    centres = low + (np.arange(WIDTH_BINS) + 0.5) * (high - low) / WIDTH_BINS
    return bins, np.maximum(centres, 0.5).astype(np.float32)
