// The edges a snapshot cannot draw as plain 1-pixel lines — bent ones (parallel and reciprocal edges,
// --edge-curvature), self-loops, directed ones ending in an arrowhead at their target's rim, and encoded
// widths — as triangles in pixels (x right, y down), the renderers' overlay. The rules are the server's:
// helios_app/render/vector.py `_edge_marks` on helios_app/graph/edge_geometry.py (control points, loops,
// arrowheads), and helios_app/render/edges.py for when an arrowhead is drawn (an edge at least
// ARROW_MIN_EDGE_LENGTHS arrowheads long on screen). Curves are bent on the picture's plane, as in vector.py.

export const CURVE_SEGMENTS = 12;
export const LOOP_RADIUS = 1.6;              // a self-loop's circle, in node radii
export const LOOP_GROWTH = 0.8;              // each further loop of a node grows by this many node radii
export const ARROW_LENGTH_PER_WIDTH = 4.0;
export const ARROW_HALF_WIDTH_PER_LENGTH = 0.45;
export const MIN_ARROW_PX = 8.0;
export const MIN_LOOP_NODE_PX = 12.0;
export const ARROW_MIN_EDGE_LENGTHS = 2.5;
export const EDGE_WIDTH_PX = 1.0;
const LOOP_SEGMENTS = 2 * CURVE_SEGMENTS;

// Which records need shapes: bent, loops, arrows or a width other than one pixel (a Uint8Array per record).
export function specialRecords({edges, bends, arrows, widths}) {
  const count = edges.length / 2, special = new Uint8Array(count);
  for (let record = 0; record < count; record++) {
    const loop = edges[2 * record] === edges[2 * record + 1];
    special[record] = loop || (bends && bends[record] !== 0) || (arrows && arrows[record]) ||
      (widths && Math.abs(widths[record] - EDGE_WIDTH_PX) > 0.05) ? 1 : 0;
  }
  return special;
}

// Triangles for `records` (indices into edges): {points: Float32Array 6 per triangle, colors: Uint8Array 3 per
// triangle}. pixels: Float32Array n*2 node centres in pixels; radii: Float32Array n node radii in pixels.
export function edgeTriangles({edges, records, pixels, radii, bends, loopRanks, arrows, widths, colors}) {
  const points = [], triangleColors = [];
  const colour = (record) => [colors[3 * record], colors[3 * record + 1], colors[3 * record + 2]];
  function triangle(ax, ay, bx, by, cx, cy, rgb) {
    points.push(ax, ay, bx, by, cx, cy);
    triangleColors.push(...rgb);
  }
  function segment(ax, ay, bx, by, width, rgb) {            // a line of `width` pixels as two triangles
    const dx = bx - ax, dy = by - ay, length = Math.hypot(dx, dy);
    if (!(length > 0)) return;
    const nx = -dy / length * width / 2, ny = dx / length * width / 2;
    triangle(ax + nx, ay + ny, bx + nx, by + ny, bx - nx, by - ny, rgb);
    triangle(ax + nx, ay + ny, bx - nx, by - ny, ax - nx, ay - ny, rgb);
  }
  function polyline(path, width, rgb) {
    for (let index = 0; index + 3 < path.length; index += 2) segment(path[index], path[index + 1], path[index + 2], path[index + 3], width, rgb);
  }
  const bezier = (sx, sy, cx, cy, ex, ey, t) => [
    (1 - t) * (1 - t) * sx + 2 * (1 - t) * t * cx + t * t * ex,
    (1 - t) * (1 - t) * sy + 2 * (1 - t) * t * cy + t * t * ey];
  for (const record of records) {
    const source = edges[2 * record], target = edges[2 * record + 1];
    const sx = pixels[2 * source], sy = pixels[2 * source + 1], tx = pixels[2 * target], ty = pixels[2 * target + 1];
    if (!Number.isFinite(sx + sy + tx + ty)) continue;
    const rgb = colour(record), width = widths ? widths[record] : EDGE_WIDTH_PX;
    if (source === target) {                                 // a loop: edge_geometry.loop_paths, mirrored to y down
      const nodeRadius = Math.max(radii[source], MIN_LOOP_NODE_PX);
      const rank = loopRanks ? loopRanks[record] : 0;
      const loopRadius = nodeRadius * (LOOP_RADIUS + LOOP_GROWTH * rank) / 2;
      const out = Math.SQRT1_2, away = nodeRadius * 0.5 + loopRadius;
      const mx = sx + out * away, my = sy - out * away, path = [];
      for (let step = 0; step <= LOOP_SEGMENTS; step++) {
        const angle = 2 * Math.PI * step / LOOP_SEGMENTS + 5 * Math.PI / 4;
        path.push(mx + loopRadius * Math.cos(angle), my - loopRadius * Math.sin(angle));
      }
      polyline(path, width, rgb);
      continue;
    }
    const dx = tx - sx, dy = ty - sy, chord = Math.hypot(dx, dy);
    if (!(chord > 0)) continue;
    const bend = bends ? -bends[record] : 0;                 // the picture's y points down: turned over
    // control_points: the midpoint moved 2 * bend chords along the left normal.
    const cx = (sx + tx) / 2 + (-dy / chord) * 2 * bend * chord, cy = (sy + ty) / 2 + (dx / chord) * 2 * bend * chord;
    const arrowLength = Math.max(ARROW_LENGTH_PER_WIDTH * width, MIN_ARROW_PX);
    const arrowed = arrows && arrows[record] && chord >= ARROW_MIN_EDGE_LENGTHS * arrowLength;
    if (!arrowed) {
      if (bend === 0) { segment(sx, sy, tx, ty, width, rgb); continue; }
      const path = [];
      for (let step = 0; step <= CURVE_SEGMENTS; step++) path.push(...bezier(sx, sy, cx, cy, tx, ty, step / CURVE_SEGMENTS));
      polyline(path, width, rgb);
      continue;
    }
    // directed_paths: the last parameter at which the curve is the target's radius (the tip) and the radius
    // plus the arrow's length (the base) from the target's centre, by samples.
    const samples = 4 * CURVE_SEGMENTS, curve = [];
    for (let step = 0; step <= samples; step++) curve.push(bezier(sx, sy, cx, cy, tx, ty, step / samples));
    const parameterAt = (distance) => {
      for (let step = samples - 1; step >= 0; step--) {
        const far = Math.hypot(curve[step][0] - tx, curve[step][1] - ty);
        if (far >= distance) {
          const near = Math.hypot(curve[step + 1][0] - tx, curve[step + 1][1] - ty);
          const share = far > near ? Math.min(1, Math.max(0, (far - distance) / (far - near))) : 0;
          return (step + share) / samples;
        }
      }
      return 0;
    };
    const tipT = parameterAt(Math.min(radii[target], chord)), baseT = parameterAt(radii[target] + arrowLength);
    const path = [];
    for (let step = 0; step <= CURVE_SEGMENTS; step++) path.push(...bezier(sx, sy, cx, cy, tx, ty, baseT * step / CURVE_SEGMENTS));
    polyline(path, width, rgb);
    const [tipX, tipY] = bezier(sx, sy, cx, cy, tx, ty, tipT);
    const baseX = path[path.length - 2], baseY = path[path.length - 1];
    const length = Math.hypot(tipX - baseX, tipY - baseY);
    if (!(length > 0)) continue;
    const ux = (tipX - baseX) / length, uy = (tipY - baseY) / length, half = length * ARROW_HALF_WIDTH_PER_LENGTH;
    triangle(tipX, tipY, baseX - uy * half, baseY + ux * half, baseX + uy * half, baseY - ux * half, rgb);
  }
  return {points: Float32Array.from(points), colors: Uint8Array.from(triangleColors)};
}
