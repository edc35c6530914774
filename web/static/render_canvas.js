// The snapshot page's Canvas 2D renderer: the fallback where WebGL2 is missing or its context was lost.
// Same interface as render_webgl.js (see render.js) and, as near as a 2D canvas allows, the same look:
// - edges: 1-pixel lines, batched by colour (rounded to COLOUR_STEP) into one path per colour;
// - nodes: discs with the server's shading and dark rim, as sprites made once per colour and size with the
//   shader's formula pixel by pixel; nodes too small for shading are squares. 2D nodes are drawn in index
//   order (the later on top, as the depth test at equal depth leaves them), 3D ones far to near;
// - while moving: only the level-of-detail edges, and beyond POINT_NODES_OVER nodes squares, drawn pixel by
//   pixel in JS (SoftwarePicture) and put on the canvas at once.
//
// SoftwarePicture also draws the WebGL renderer's moving pictures where WebGL itself runs on the CPU
// (SwiftShader, llvmpipe): there JS writing pixels is about ten times faster than the emulated GPU, whose
// cost is per primitive (100k one-pixel points took 60 ms a frame on two cores, JS 2 ms).

export const POINT_NODES_OVER = 50_000;   // more nodes than this are drawn as squares while moving

const SEGMENTS_PER_STROKE = 2000;   // lines stroked as one path at most (see draw)
const COLOUR_STEP = 8;             // edge colours rounded to multiples of this: few paths, invisible change
const SPRITE_RADIUS_STEP = 0.25;   // px: sprites are made for radii rounded to this
const SMALLEST_SPRITE_RADIUS = 1.5;  // px: smaller nodes are plain squares (their shading would not show)
const LARGEST_SPRITE_RADIUS = 256;   // px: larger ones are drawn as arcs with a gradient
const MOST_SPRITES = 4096;         // the sprite cache is emptied beyond this many
const NEAREST_DEPTH = 1e-6;        // view units in front of the eye: nearer points (behind it) are not drawn
const SHADE_STEPS = 1024;          // the software disc's shading is looked up by squared radius in this many steps

// The node splat's colour at squared distance `edge` (of the radius) from the centre: NODE_SPLAT_SHADER.
function splatChannel(channel, edge) {
  const shade = 0.55 + 0.45 * Math.sqrt(Math.max(1.0 - edge, 0.0));
  const step = Math.min(Math.max((edge - 0.72) / (0.95 - 0.72), 0.0), 1.0);
  const rim = step * step * (3.0 - 2.0 * step);
  const value = (channel / 255) * shade * (1 - rim * 0.7) + 0.02 * rim * 0.7;
  return Math.round(value * 255);
}

function colourText(r, g, b) {
  return `rgb(${r},${g},${b})`;
}

function newCanvas(width, height) {
  if (typeof OffscreenCanvas !== "undefined") return new OffscreenCanvas(width, height);
  const canvas = document.createElement("canvas");
  canvas.width = width;
  canvas.height = height;
  return canvas;
}

// Records sorted by their colour bucket: [{colour, records}] with one entry per rounded colour.
function groupedByColour(records, colours) {
  const groups = new Map();
  for (let index = 0; index < records.length; index++) {
    const record = records[index];
    const r = Math.min(255, Math.round(colours[3 * record] / COLOUR_STEP) * COLOUR_STEP);
    const g = Math.min(255, Math.round(colours[3 * record + 1] / COLOUR_STEP) * COLOUR_STEP);
    const b = Math.min(255, Math.round(colours[3 * record + 2] / COLOUR_STEP) * COLOUR_STEP);
    const key = (r << 16) | (g << 8) | b;
    let group = groups.get(key);
    if (!group) groups.set(key, group = {colour: colourText(r, g, b), records: []});
    group.records.push(record);
  }
  return [...groups.values()].map(({colour, records: list}) => ({colour, records: Uint32Array.from(list)}));
}

// The records drawn while moving: the level-of-detail sample less what the filter hides; without a sample,
// the drawn records (null: all).
export function movingRecords(lodEdges, drawnEdges, edgeCount) {
  if (lodEdges === null) return drawnEdges;
  if (drawnEdges === null) return lodEdges;
  const kept = new Uint8Array(edgeCount);
  for (let index = 0; index < drawnEdges.length; index++) kept[drawnEdges[index]] = 1;
  return Uint32Array.from(lodEdges).filter((record) => kept[record]);
}

function allRecords(count) {
  const records = new Uint32Array(count);
  for (let index = 0; index < count; index++) records[index] = index;
  return records;
}

export class CanvasRenderer {
  constructor(canvas, context) {
    this.kind = "canvas2d";
    this.canvas = canvas;
    this.context = context;
    this.scene = null;
    this.sprites = new Map();  // "r,g,b,radius" -> canvas with the shaded disc
  }

  setScene({dimensions, positions, edges, background, lodEdges = null}) {
    const nodeCount = Math.floor(positions.length / 3), edgeCount = Math.floor(edges.length / 2);
    this.scene = {dimensions, positions, edges, background, lodEdges, nodeCount, edgeCount};
    this.projected = new Float64Array(2 * nodeCount);
    this.depth = new Float64Array(nodeCount);
    this.nodeColours = new Uint8Array(3 * nodeCount).fill(200);
    const spacing = 2.0 / Math.max(nodeCount, 1) ** (1.0 / dimensions);
    this.radii = new Float32Array(nodeCount).fill(Math.min(Math.max(spacing * 0.12, 0.003), 0.025));
    this.edgeColours = new Uint8Array(3 * edgeCount).fill(120);
    this.drawnEdges = null;
    this.overlay = null;
    this.groupEdges();
  }

  setNodeColors(rgb) {
    this.nodeColours = rgb;
  }

  setRadii(radii) {
    this.radii = radii;
  }

  setEdgeColors(rgb) {
    this.edgeColours = rgb;
    this.groupEdges();
  }

  setDrawnEdges(records) {
    this.drawnEdges = records === null ? null : Uint32Array.from(records);
    this.groupEdges();
  }

  // Triangles in pixels (x right, y down from the top-left) drawn over the lines, under the nodes:
  // {points: Float32Array, 6 numbers a triangle; colors: Uint8Array, 3 a triangle}, or null for none.
  setOverlay(overlay) {
    this.overlay = overlay && overlay.points.length ? overlay : null;
  }

  onContextLost() {}  // a lost 2D context comes back by itself (the browser restores it; the next draw repaints)

  dispose() {
    this.scene = this.picture = this.overlay = null;
    this.sprites.clear();
  }

  // The drawn edges and the moving ones (the level-of-detail sample less what the filter hides), by colour.
  groupEdges() {
    if (!this.scene) return;
    const {edgeCount, lodEdges} = this.scene;
    const drawn = this.drawnEdges === null ? allRecords(edgeCount) : this.drawnEdges;
    this.drawnGroups = groupedByColour(drawn, this.edgeColours);
    this.movingRecords = movingRecords(lodEdges, this.drawnEdges, edgeCount);
  }

  draw(camera, {moving = false} = {}) {
    const context = this.context, width = this.canvas.width, height = this.canvas.height;
    if (moving && this.scene && this.scene.nodeCount) {
      if (!this.picture) this.picture = new SoftwarePicture();
      const {positions, edges, nodeCount, dimensions, background, edgeCount} = this.scene;
      this.picture.draw(camera, width, height, {dimensions, positions, nodeCount, edges, edgeCount, background,
                                                records: this.movingRecords,
                                                radii: this.radii, nodeColours: this.nodeColours,
                                                edgeColours: this.edgeColours});
      context.putImageData(this.picture.imageData(), 0, 0);
      return;
    }
    const background = this.scene ? this.scene.background : [0, 0, 0];
    context.setTransform(1, 0, 0, 1, 0, 0);
    context.globalAlpha = 1;
    context.fillStyle = colourText(...background.map(Math.round));
    context.fillRect(0, 0, width, height);
    if (!this.scene || !this.scene.nodeCount) return;
    const {positions, edges, nodeCount, dimensions} = this.scene;
    const aspect = width / height;
    const projected = camera.project(positions, aspect, this.projected);
    const depth = camera.depths(positions, this.depth);
    // Pixels per view unit at each node: fixed under parallel projection, shrinking with depth otherwise.
    const pixelsPerUnit = camera.parallel_projection ? height / (2 * camera.parallel_scale)
      : height / (2 * Math.tan(camera.view_angle * Math.PI / 360.0));
    const perspective = !camera.parallel_projection;
    const visible = (node) => !perspective || depth[node] > NEAREST_DEPTH;

    // Edges first: in 2D they lie behind the nodes; in 3D this is the painter's approximation.
    context.lineWidth = 1;
    context.lineCap = "butt";
    for (const {colour, records} of this.drawnGroups) {
      context.strokeStyle = colour;
      context.beginPath();
      for (let index = 0; index < records.length; index++) {
        const source = edges[2 * records[index]], target = edges[2 * records[index] + 1];
        if (!visible(source) || !visible(target)) continue;
        context.moveTo(projected[2 * source] * width, projected[2 * source + 1] * height);
        context.lineTo(projected[2 * target] * width, projected[2 * target + 1] * height);
        // A path of many crossing lines costs Skia far more than linearly (Email-Enron's 367k in one path
        // froze the page for minutes; in pieces of this many, seconds): stroke it piece by piece.
        if (index % SEGMENTS_PER_STROKE === SEGMENTS_PER_STROKE - 1) { context.stroke(); context.beginPath(); }
      }
      context.stroke();
    }

    if (this.overlay) this.drawOverlay();
    const radiusPixels = (node) => this.radii[node] * pixelsPerUnit / (perspective ? depth[node] : 1);
    let order = allRecords(nodeCount);
    if (dimensions === 3 || perspective) order.sort((a, b) => depth[b] - depth[a]);  // far first
    // Nodes too small to shade first, as squares batched by colour (in 3D most are the far ones), then discs.
    const small = [], discs = [];
    for (let index = 0; index < order.length; index++) {
      const node = order[index];
      const radius = radiusPixels(node);
      if (!(radius > 0) || !visible(node)) continue;
      (radius < SMALLEST_SPRITE_RADIUS ? small : discs).push(node);
    }
    if (small.length) this.drawSquares(small, radiusPixels, visible, width, height);
    for (const node of discs) {
      this.drawDisc(node, projected[2 * node] * width, projected[2 * node + 1] * height, radiusPixels(node));
    }
  }

  // The overlay's triangles, one path per colour.
  drawOverlay() {
    const {points, colors} = this.overlay, context = this.context, byColour = new Map();
    for (let triangle = 0; triangle < points.length / 6; triangle++) {
      const key = (colors[3 * triangle] << 16) | (colors[3 * triangle + 1] << 8) | colors[3 * triangle + 2];
      let list = byColour.get(key);
      if (!list) byColour.set(key, list = []);
      list.push(triangle);
    }
    for (const [key, triangles] of byColour) {
      context.fillStyle = colourText(key >> 16, (key >> 8) & 255, key & 255);
      context.beginPath();
      for (let index = 0; index < triangles.length; index++) {
        const at = 6 * triangles[index];
        context.moveTo(points[at], points[at + 1]);
        context.lineTo(points[at + 2], points[at + 3]);
        context.lineTo(points[at + 4], points[at + 5]);
        context.closePath();
        if (index % SEGMENTS_PER_STROKE === SEGMENTS_PER_STROKE - 1) { context.fill(); context.beginPath(); }  // as draw's lines
      }
      context.fill();
    }
  }

  // Nodes as squares of their diameter (at least a pixel), batched by colour.
  drawSquares(nodes, radiusPixels, visible, width, height) {
    const context = this.context, projected = this.projected, colours = this.nodeColours;
    const byColour = new Map();
    for (const node of nodes) {
      const radius = radiusPixels(node);
      if (!(this.radii[node] > 0) || !visible(node)) continue;
      const key = (colours[3 * node] << 16) | (colours[3 * node + 1] << 8) | colours[3 * node + 2];
      let list = byColour.get(key);
      if (!list) byColour.set(key, list = []);
      list.push(node, Math.max(radius, 0.5));
    }
    for (const [key, list] of byColour) {
      context.beginPath();
      for (let index = 0; index < list.length; index += 2) {
        const node = list[index], half = list[index + 1];
        context.rect(projected[2 * node] * width - half, projected[2 * node + 1] * height - half, 2 * half, 2 * half);
      }
      context.fillStyle = colourText(key >> 16, (key >> 8) & 255, key & 255);
      context.fill();
    }
  }

  drawDisc(node, x, y, radius) {
    const colours = this.nodeColours;
    const r = colours[3 * node], g = colours[3 * node + 1], b = colours[3 * node + 2];
    if (radius > LARGEST_SPRITE_RADIUS) {
      const context = this.context;
      const gradient = context.createRadialGradient(x, y, 0, x, y, radius);
      for (const stop of [0, 0.3, 0.5, 0.7, 0.8, 0.85, 0.9, 0.95, 1]) {
        const edge = stop * stop;
        gradient.addColorStop(stop, colourText(splatChannel(r, edge), splatChannel(g, edge), splatChannel(b, edge)));
      }
      context.fillStyle = gradient;
      context.beginPath();
      context.arc(x, y, radius, 0, 2 * Math.PI);
      context.fill();
      return;
    }
    const rounded = Math.max(SPRITE_RADIUS_STEP, Math.round(radius / SPRITE_RADIUS_STEP) * SPRITE_RADIUS_STEP);
    const sprite = this.sprite(r, g, b, rounded);
    // Whole-pixel placement copies the sprite as it is (no resampling blur); the centre moves by < 0.5 px.
    this.context.drawImage(sprite, Math.round(x - sprite.width / 2), Math.round(y - sprite.height / 2));
  }

  // A shaded disc of `radius` px, its centre at the middle of an even-sized square.
  sprite(r, g, b, radius) {
    const key = `${r},${g},${b},${radius}`;
    let sprite = this.sprites.get(key);
    if (sprite) return sprite;
    if (this.sprites.size >= MOST_SPRITES) this.sprites.clear();
    const size = 2 * Math.ceil(radius) + 2;
    sprite = newCanvas(size, size);
    const spriteContext = sprite.getContext("2d");
    const image = spriteContext.createImageData(size, size);
    const pixels = image.data, middle = size / 2;
    for (let row = 0; row < size; row++) {
      for (let column = 0; column < size; column++) {
        const dx = (column + 0.5 - middle) / radius, dy = (row + 0.5 - middle) / radius;
        const edge = dx * dx + dy * dy;
        if (edge > 1.0) continue;
        const offset = 4 * (row * size + column);
        pixels[offset] = splatChannel(r, edge);
        pixels[offset + 1] = splatChannel(g, edge);
        pixels[offset + 2] = splatChannel(b, edge);
        pixels[offset + 3] = 255;
      }
    }
    spriteContext.putImageData(image, 0, 0);
    this.sprites.set(key, sprite);
    return sprite;
  }
}

// A Canvas 2D renderer on `canvas`; throws if the canvas already has another (a WebGL) context.
export function createCanvasRenderer(canvas) {
  const context = canvas.getContext("2d", {alpha: false});
  if (!context) throw new Error("this canvas already has a WebGL context: give the 2D renderer a new canvas");
  return new CanvasRenderer(canvas, context);
}

// Shading by squared radius (of the node's), in SHADE_STEPS steps: NODE_SPLAT_SHADER's shade and rim.
const SHADE = new Float32Array(SHADE_STEPS + 1), RIM = new Float32Array(SHADE_STEPS + 1);
for (let step = 0; step <= SHADE_STEPS; step++) {
  const edge = step / SHADE_STEPS;
  const ramp = Math.min(Math.max((edge - 0.72) / (0.95 - 0.72), 0.0), 1.0);
  SHADE[step] = 0.55 + 0.45 * Math.sqrt(Math.max(1.0 - edge, 0.0));
  RIM[step] = ramp * ramp * (3.0 - 2.0 * ramp) * 0.7;
}

// A picture drawn pixel by pixel in JS: the moving picture (level of detail) of both renderers where
// pixels written by JS are cheaper than drawing calls. Edges are 1-pixel lines, nodes shaded discs (squares
// beyond POINT_NODES_OVER nodes); in 3D a depth buffer orders them (depth along the viewing direction,
// interpolated along a line on the screen: close enough for a picture in motion).
export class SoftwarePicture {
  constructor() {
    this.width = this.height = 0;
  }

  resize(width, height) {
    if (width === this.width && height === this.height) return;
    this.width = width;
    this.height = height;
    this.pixels = new Uint32Array(width * height);   // RGBA bytes (little-endian words), rows from the top
    this.bytes = new Uint8ClampedArray(this.pixels.buffer);
    this.depth = new Float32Array(width * height);
    this.image = null;
  }

  imageData() {
    if (!this.image) this.image = new ImageData(this.bytes, this.width, this.height);
    return this.image;
  }

  // records: the edge records to draw (a Uint32Array), or null for every edge.
  draw(camera, width, height, {dimensions, positions, nodeCount, edges, edgeCount, records, background, radii,
                               nodeColours, edgeColours}) {
    this.resize(width, height);
    const pixels = this.pixels, depth = this.depth;
    pixels.fill(packed(background[0], background[1], background[2]));
    const useDepth = dimensions === 3 || !camera.parallel_projection;
    if (useDepth) depth.fill(Infinity);
    // Where each node lands (pixels), its depth and its radius in pixels.
    if (!this.x || this.x.length < nodeCount) {
      this.x = new Float32Array(nodeCount);
      this.y = new Float32Array(nodeCount);
      this.z = new Float32Array(nodeCount);
    }
    const sx = this.x, sy = this.y, sz = this.z;
    const {right, up, backward} = camera.basis();
    const [eyeX, eyeY, eyeZ] = camera.position;
    const perspective = !camera.parallel_projection;
    const tangent = Math.tan(camera.view_angle * Math.PI / 360.0);
    const aspect = width / height;
    for (let node = 0; node < nodeCount; node++) {
      const x = positions[3 * node] - eyeX, y = positions[3 * node + 1] - eyeY, z = positions[3 * node + 2] - eyeZ;
      const along = -(x * backward[0] + y * backward[1] + z * backward[2]);
      const halfHeight = perspective ? along * tangent : camera.parallel_scale;
      sx[node] = ((x * right[0] + y * right[1] + z * right[2]) / (halfHeight * aspect) + 1) * 0.5 * width;
      sy[node] = (1 - (x * up[0] + y * up[1] + z * up[2]) / halfHeight) * 0.5 * height;
      sz[node] = along;
    }
    const count = records === null ? edgeCount : records.length;
    for (let index = 0; index < count; index++) {
      const record = records === null ? index : records[index];
      const source = edges[2 * record], target = edges[2 * record + 1];
      if (perspective && (!(sz[source] > NEAREST_DEPTH) || !(sz[target] > NEAREST_DEPTH))) continue;
      this.line(sx[source], sy[source], sz[source], sx[target], sy[target], sz[target],
                packed(edgeColours[3 * record], edgeColours[3 * record + 1], edgeColours[3 * record + 2]), useDepth);
    }
    const pixelsPerUnit = height / (2 * (perspective ? tangent : camera.parallel_scale));
    const squares = nodeCount > POINT_NODES_OVER;
    for (let node = 0; node < nodeCount; node++) {
      if (!(radii[node] > 0) || (perspective && !(sz[node] > NEAREST_DEPTH))) continue;
      const radius = radii[node] * pixelsPerUnit / (perspective ? sz[node] : 1);
      const r = nodeColours[3 * node], g = nodeColours[3 * node + 1], b = nodeColours[3 * node + 2];
      if (squares || radius < 1) this.square(sx[node], sy[node], sz[node], Math.max(1, 2 * radius), packed(r, g, b), useDepth);
      else this.disc(sx[node], sy[node], sz[node], radius, r, g, b, useDepth);
    }
  }

  // A 1-pixel line, clipped to the picture first (Liang-Barsky) unless both ends are in it, stepped one
  // pixel along its longer axis.
  line(x0, y0, z0, x1, y1, z1, colour, useDepth) {
    const width = this.width, height = this.height, pixels = this.pixels, depth = this.depth;
    const dx = x1 - x0, dy = y1 - y0, dz = z1 - z0;
    let start = 0, end = 1;
    const inside = (x, y) => x >= 0 && y >= 0 && x < width && y < height;
    if (!inside(x0, y0) || !inside(x1, y1)) {
      const right = width - 1e-3 - x0, bottom = height - 1e-3 - y0;
      // Each side of the picture cuts the parameter range [start, end] of the line's part inside it.
      const cut = (p, q) => {
        if (p === 0) return q >= 0;
        const ratio = q / p;
        if (p < 0) {
          if (ratio > end) return false;
          if (ratio > start) start = ratio;
        } else {
          if (ratio < start) return false;
          if (ratio < end) end = ratio;
        }
        return true;
      };
      if (!(cut(-dx, x0) && cut(dx, right) && cut(-dy, y0) && cut(dy, bottom)) || !(start <= end)) return;
    }
    const ax = x0 + start * dx, ay = y0 + start * dy, az = z0 + start * dz;
    const steps = Math.max(1, Math.ceil(Math.max(Math.abs(dx), Math.abs(dy)) * (end - start)));
    const stepX = dx * (end - start) / steps, stepY = dy * (end - start) / steps, stepZ = dz * (end - start) / steps;
    for (let step = 0; step <= steps; step++) {
      const offset = ((ay + step * stepY) | 0) * width + ((ax + step * stepX) | 0);  // floor: both are >= 0
      if (useDepth) {
        const z = az + step * stepZ;
        if (z > depth[offset]) continue;
        depth[offset] = z;
      }
      pixels[offset] = colour;
    }
  }

  // A square of `side` pixels centred on (x, y), as GL rasterises a point: the pixels whose centres it holds.
  square(x, y, z, side, colour, useDepth) {
    if (side === 1) {  // most squares of a big graph: one pixel
      if (!(x >= 0 && y >= 0 && x < this.width && y < this.height)) return;
      const offset = (y | 0) * this.width + (x | 0);
      if (useDepth) {
        if (z > this.depth[offset]) return;
        this.depth[offset] = z;
      }
      this.pixels[offset] = colour;
      return;
    }
    const half = side / 2;
    const left = Math.max(0, Math.ceil(x - half - 0.5)), right = Math.min(this.width, Math.ceil(x + half - 0.5));
    const top = Math.max(0, Math.ceil(y - half - 0.5)), bottom = Math.min(this.height, Math.ceil(y + half - 0.5));
    for (let row = top; row < bottom; row++) {
      for (let offset = row * this.width + left, last = row * this.width + right; offset < last; offset++) {
        if (useDepth) {
          if (z > this.depth[offset]) continue;
          this.depth[offset] = z;
        }
        this.pixels[offset] = colour;
      }
    }
  }

  // A disc shaded as the server's splat, sampled at pixel centres.
  disc(x, y, z, radius, r, g, b, useDepth) {
    const left = Math.max(0, Math.floor(x - radius)), right = Math.min(this.width - 1, Math.ceil(x + radius));
    const top = Math.max(0, Math.floor(y - radius)), bottom = Math.min(this.height - 1, Math.ceil(y + radius));
    const scale = SHADE_STEPS / (radius * radius), dark = 0.02 * 255;
    for (let row = top; row <= bottom; row++) {
      const dy = row + 0.5 - y;
      for (let column = left; column <= right; column++) {
        const dx = column + 0.5 - x;
        const step = Math.floor((dx * dx + dy * dy) * scale);
        if (step > SHADE_STEPS) continue;
        const offset = row * this.width + column;
        if (useDepth) {
          if (z > this.depth[offset]) continue;
          this.depth[offset] = z;
        }
        const shade = SHADE[step] * (1 - RIM[step]), rim = RIM[step] * dark;
        this.pixels[offset] = word(r * shade + rim, g * shade + rim, b * shade + rim);
      }
    }
  }
}

// An opaque RGBA pixel as one word: bytes r, g, b, 255 in memory on the little-endian machines browsers run on.
function packed(r, g, b) {
  return ((255 << 24) | (b << 16) | (g << 8) | r) >>> 0;
}

// The same from channels in [0, 255] that may have fractions.
function word(r, g, b) {
  return packed(Math.round(r), Math.round(g), Math.round(b));
}
