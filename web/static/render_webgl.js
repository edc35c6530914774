// The snapshot page's WebGL2 renderer: draws the graph as the server's VTK scene does
// (helios_app/render/scene.py), so the page at rest looks like the server's picture.
//
// - Nodes are camera-facing discs of their world radius (VTK's vtkPointGaussianMapper splats with
//   NODE_SPLAT_SHADER): a quad each, shaded 0.55 + 0.45 * sqrt(1 - r^2) toward the rim and darkened
//   by smoothstep(0.72, 0.95, r^2) * 0.7 toward vec3(0.02). In 2D they sit 0.01 in front of the edges.
// - Edges are 1-pixel gl.LINES with a colour per edge record (both vertices carry it).
// - The depth test is on (LEQUAL, as VTK's).
// - An overlay of triangles in pixels (setOverlay: the page's bent edges, loops, arrowheads and wide edges,
//   web/static/edge_shapes.js) is drawn over the lines, under the nodes, without depth.
// - While moving: only the level-of-detail edges, and beyond POINT_NODES_OVER nodes flat square points.
//   Where WebGL runs on the CPU (SwiftShader, llvmpipe: `software`), the moving picture is drawn by JS
//   instead (render_canvas.js SoftwarePicture, the same level of detail) and shown as one texture: the
//   emulated GPU pays per primitive (100k points cost 60 ms a frame on two cores; JS and the upload 20 ms).
//
// Render.js's createRenderer picks this renderer or the Canvas 2D one (render_canvas.js); both have the
// same interface (see the header of render.js).

import {POINT_NODES_OVER, SoftwarePicture, movingRecords} from "./render_canvas.js";

const SOFTWARE_RENDERERS = /SwiftShader|llvmpipe|softpipe|Software Rasterizer|Microsoft Basic Render/i;
export const NODE_LIFT_2D = 0.01;         // view units: 2D nodes in front of edges drawn in the same plane
export const CONTEXT_RESTORE_WAIT_MS = 3000;  // a lost context not restored by then is given up
const NEAR_PLANE_TOLERANCE = 0.001;       // near >= far * this, as VTK's clipping range for 24-bit depth
const CLIPPING_RANGE_EXPANSION = 0.5;     // vtkRenderer's default
const FRAMED_BOUNDS = [-2, 2, -2, 2, -2, 2];

// Each node is four vertices (a quad, two triangles by the element buffer), not an instance: SwiftShader
// sets up every instance of an instanced draw as a draw of its own, which made 100k nodes 10x slower.
const NODE_VERTEX_SHADER = `#version 300 es
layout(location = 0) in vec4 centreAndRadius;
layout(location = 1) in vec4 colour;
uniform mat4 view;
uniform mat4 projection;
uniform vec3 lift;
out vec2 offset;
out vec3 nodeColour;
void main() {
  int corner = gl_VertexID & 3;
  offset = vec2(float(corner & 1), float(corner >> 1)) * 2.0 - 1.0;
  // The quad faces the camera: its corners are offset in view coordinates, as VTK's splats are.
  vec4 eye = view * vec4(centreAndRadius.xyz + lift, 1.0);
  eye.xy += offset * centreAndRadius.w;
  nodeColour = colour.rgb;
  gl_Position = projection * eye;
}`;

const NODE_FRAGMENT_SHADER = `#version 300 es
precision highp float;
in vec2 offset;
in vec3 nodeColour;
out vec4 fragmentColour;
void main() {
  float edge = dot(offset, offset);
  if (edge > 1.0) { discard; }
  float shade = 0.55 + 0.45 * sqrt(max(1.0 - edge, 0.0));
  float rim = smoothstep(0.72, 0.95, edge);
  fragmentColour = vec4(mix(nodeColour * shade, vec3(0.02), rim * 0.7), 1.0);
}`;

const POINT_VERTEX_SHADER = `#version 300 es
layout(location = 0) in vec4 centreAndRadius;
layout(location = 1) in vec4 colour;
uniform mat4 view;
uniform mat4 projection;
uniform vec3 lift;
uniform float pixelsPerUnit;
out vec3 nodeColour;
void main() {
  gl_Position = projection * (view * vec4(centreAndRadius.xyz + lift, 1.0));
  // w is 1 under parallel projection and the depth under perspective: the node's diameter in pixels.
  gl_PointSize = max(1.0, 2.0 * centreAndRadius.w * pixelsPerUnit / gl_Position.w);
  nodeColour = colour.rgb;
}`;

// The overlay's triangles, in pixels from the top-left, a colour each (on all three corners).
const OVERLAY_VERTEX_SHADER = `#version 300 es
layout(location = 0) in vec2 pixel;
layout(location = 1) in vec4 colour;
uniform vec2 frame;
out vec3 nodeColour;
void main() {
  gl_Position = vec4(pixel.x / frame.x * 2.0 - 1.0, 1.0 - pixel.y / frame.y * 2.0, 0.0, 1.0);
  nodeColour = colour.rgb;
}`;

// A full-frame quad showing the software picture (its rows from the top).
const PICTURE_VERTEX_SHADER = `#version 300 es
out vec2 place;
void main() {
  vec2 corner = vec2(float(gl_VertexID & 1), float(gl_VertexID >> 1));
  place = vec2(corner.x, 1.0 - corner.y);
  gl_Position = vec4(corner * 2.0 - 1.0, 0.0, 1.0);
}`;

const PICTURE_FRAGMENT_SHADER = `#version 300 es
precision highp float;
uniform sampler2D picture;
in vec2 place;
out vec4 fragmentColour;
void main() { fragmentColour = vec4(texture(picture, place).rgb, 1.0); }`;

const FLAT_FRAGMENT_SHADER = `#version 300 es
precision highp float;
in vec3 nodeColour;
out vec4 fragmentColour;
void main() { fragmentColour = vec4(nodeColour, 1.0); }`;

const EDGE_VERTEX_SHADER = `#version 300 es
layout(location = 0) in vec3 position;
layout(location = 1) in vec4 colour;
uniform mat4 view;
uniform mat4 projection;
out vec3 nodeColour;
void main() {
  gl_Position = projection * (view * vec4(position, 1.0));
  nodeColour = colour.rgb;
}`;

// ---- camera matrices (column-major, as WebGL takes them) ----------------------------------------------
export function viewMatrix(camera) {
  const {right, up, backward} = camera.basis();
  const eye = camera.position;
  const translate = (axis) => -(axis[0] * eye[0] + axis[1] * eye[1] + axis[2] * eye[2]);
  return new Float32Array([
    right[0], up[0], backward[0], 0,
    right[1], up[1], backward[1], 0,
    right[2], up[2], backward[2], 0,
    translate(right), translate(up), translate(backward), 1,
  ]);
}

// VTK's projection: the view angle is vertical; near and far bound what is drawn.
export function projectionMatrix(camera, aspect, near, far) {
  if (camera.parallel_projection) {
    const halfHeight = camera.parallel_scale;
    return new Float32Array([
      1 / (halfHeight * aspect), 0, 0, 0,
      0, 1 / halfHeight, 0, 0,
      0, 0, -2 / (far - near), 0,
      0, 0, -(far + near) / (far - near), 1,
    ]);
  }
  const focal = 1 / Math.tan(camera.view_angle * Math.PI / 360.0);
  return new Float32Array([
    focal / aspect, 0, 0, 0,
    0, focal, 0, 0,
    0, 0, (far + near) / (near - far), -1,
    0, 0, 2 * far * near / (near - far), 0,
  ]);
}

// VTK's clipping range (vtkRenderer::ResetCameraClippingRange) around the box `bounds` [xmin, xmax, ymin,
// ymax, zmin, zmax]: the nearest and farthest corners along the viewing direction, widened by half the
// depth range (ClippingRangeExpansion), the near plane at least a thousandth of the far one (24-bit depth).
// The same planes give the same depth precision, so a line and a node at nearly the same depth come out
// in the same order as in the server's picture.
export function clippingRange(camera, bounds) {
  const direction = camera.direction, eye = camera.position;
  const offset = -(direction[0] * eye[0] + direction[1] * eye[1] + direction[2] * eye[2]);
  let near = direction[0] * bounds[0] + direction[1] * bounds[2] + direction[2] * bounds[4] + offset;
  let far = 1e-18;
  for (const z of [bounds[4], bounds[5]]) {
    for (const y of [bounds[2], bounds[3]]) {
      for (const x of [bounds[0], bounds[1]]) {
        const distance = direction[0] * x + direction[1] * y + direction[2] * z + offset;
        near = Math.min(near, distance);
        far = Math.max(far, distance);
      }
    }
  }
  if (near < 0.0) near = 0.0;
  near = 0.99 * near - (far - near) * CLIPPING_RANGE_EXPANSION;
  far = 1.01 * far + (far - near) * CLIPPING_RANGE_EXPANSION;
  if (near >= far) near = 0.01 * far;
  if (near < NEAR_PLANE_TOLERANCE * far) near = NEAR_PLANE_TOLERANCE * far;
  return [near, far];
}

// The box the clipping range is fitted around: the server frames the view space with the cube
// [-2, 2]^3 (GraphScene.reset_camera); positions beyond it (with their radius) widen it.
export function sceneBounds(positions, largestRadius) {
  const bounds = [...FRAMED_BOUNDS];
  for (let index = 0; index < positions.length; index += 3) {
    for (let axis = 0; axis < 3; axis++) {
      const value = positions[index + axis];
      if (value - largestRadius < bounds[2 * axis]) bounds[2 * axis] = value - largestRadius;
      if (value + largestRadius > bounds[2 * axis + 1]) bounds[2 * axis + 1] = value + largestRadius;
    }
  }
  return bounds;
}

// The default splat radius of helios_app.render.scene.base_radius, for radii not set yet.
function baseRadius(nodeCount, dimensions) {
  const spacing = 2.0 / Math.max(nodeCount, 1) ** (1.0 / dimensions);
  return Math.min(Math.max(spacing * 0.12, 0.003), 0.025);
}

// Each item's rgb (3 bytes) as rgba, `times` vertices in a row: four-byte vertex colours need no
// conversion on any driver.
function repeatedColours(rgb, count, times) {
  const words = new Uint32Array(count * times);
  const bytes = new Uint8Array(words.buffer);
  for (let index = 0; index < count; index++) {
    const first = 4 * times * index;
    bytes[first] = rgb[3 * index];
    bytes[first + 1] = rgb[3 * index + 1];
    bytes[first + 2] = rgb[3 * index + 2];
    bytes[first + 3] = 255;
    words.fill(words[first >> 2], times * index + 1, times * (index + 1));
  }
  return bytes;
}

// Each node's centre and radius (x, y, z, radius), `times` vertices in a row.
function repeatedCentres(positions, radii, count, times) {
  const data = new Float32Array(4 * count * times);
  for (let index = 0; index < count; index++) {
    for (let copy = 0; copy < times; copy++) {
      const first = 4 * (times * index + copy);
      data[first] = positions[3 * index];
      data[first + 1] = positions[3 * index + 1];
      data[first + 2] = positions[3 * index + 2];
      data[first + 3] = radii[index];
    }
  }
  return data;
}

// The vertex indices (two per record) that draw edge `records`.
function lineElements(records) {
  const elements = new Uint32Array(2 * records.length);
  for (let index = 0; index < records.length; index++) {
    elements[2 * index] = 2 * records[index];
    elements[2 * index + 1] = 2 * records[index] + 1;
  }
  return elements;
}

function compile(gl, vertexSource, fragmentSource) {
  const program = gl.createProgram();
  for (const [kind, source] of [[gl.VERTEX_SHADER, vertexSource], [gl.FRAGMENT_SHADER, fragmentSource]]) {
    const shader = gl.createShader(kind);
    gl.shaderSource(shader, source);
    gl.compileShader(shader);
    if (!gl.getShaderParameter(shader, gl.COMPILE_STATUS) && !gl.isContextLost()) {
      throw new Error(`WebGL shader: ${gl.getShaderInfoLog(shader)}`);
    }
    gl.attachShader(program, shader);
    gl.deleteShader(shader);  // freed with the program
  }
  gl.linkProgram(program);
  if (!gl.getProgramParameter(program, gl.LINK_STATUS) && !gl.isContextLost()) {
    throw new Error(`WebGL program: ${gl.getProgramInfoLog(program)}`);
  }
  const uniforms = {};
  for (const name of ["view", "projection", "lift", "pixelsPerUnit", "frame"]) uniforms[name] = gl.getUniformLocation(program, name);
  return {program, uniforms};
}

const BUFFER_NAMES = ["pointCentres", "pointColours", "pointElements", "quadCentres", "quadColours", "quadElements",
                      "edgePositions", "edgeColours", "drawnElements", "movingElements", "overlayPoints",
                      "overlayColours", "overlayElements"];

export class WebGLRenderer {
  constructor(canvas, gl) {
    this.kind = "webgl2";
    this.canvas = canvas;
    this.gl = gl;
    this.software = isSoftware(gl);  // moving pictures drawn by JS (see the header)
    this.picture = null;             // the SoftwarePicture, made when first needed
    this.scene = null;          // what setScene was given
    this.nodeColours = null;    // Uint8Array n*3, as set
    this.radii = null;          // Float32Array n, as set
    this.edgeColours = null;    // Uint8Array m*3, as set
    this.drawnEdges = null;     // Uint32Array of records, or null for all
    this.overlay = null;        // {points, colors} triangles in pixels, or null
    this.shownNodes = 0;        // nodes of radius > 0: those in the element buffers
    this.movingCount = null;    // vertices of the moving edges, or null: draw the drawn edges
    this.lastDraw = null;       // [camera, options] of the last draw, redrawn after a restored context
    this.lostCallbacks = [];
    this.giveUpTimer = null;
    this.lost = false;
    this.disposed = false;
    this.onLost = (event) => {
      event.preventDefault();  // tells the browser we want the context back
      this.lost = true;
      clearTimeout(this.giveUpTimer);
      this.giveUpTimer = setTimeout(() => {
        this.giveUpTimer = null;
        for (const callback of this.lostCallbacks) callback();
      }, CONTEXT_RESTORE_WAIT_MS);
    };
    this.onRestored = () => {
      clearTimeout(this.giveUpTimer);
      this.giveUpTimer = null;
      this.lost = false;
      this.createResources();
      this.uploadEverything();
      if (this.lastDraw) this.draw(...this.lastDraw);
    };
    canvas.addEventListener("webglcontextlost", this.onLost);
    canvas.addEventListener("webglcontextrestored", this.onRestored);
    this.createResources();
  }

  // Programs, buffers and vertex arrays: made at start and again after a restored context.
  createResources() {
    const gl = this.gl;
    this.programs = {
      nodes: compile(gl, NODE_VERTEX_SHADER, NODE_FRAGMENT_SHADER),
      points: compile(gl, POINT_VERTEX_SHADER, FLAT_FRAGMENT_SHADER),
      edges: compile(gl, EDGE_VERTEX_SHADER, FLAT_FRAGMENT_SHADER),
      picture: compile(gl, PICTURE_VERTEX_SHADER, PICTURE_FRAGMENT_SHADER),
      overlay: compile(gl, OVERLAY_VERTEX_SHADER, FLAT_FRAGMENT_SHADER),
    };
    this.pictureTexture = gl.createTexture();
    this.pictureSize = null;
    this.buffers = {};
    for (const name of BUFFER_NAMES) this.buffers[name] = gl.createBuffer();
    // A vertex array: attribute 0 (floats, `size` a vertex) and 1 (four bytes, a colour) and an element buffer.
    const vertexArray = (first, size, colours, elements) => {
      const made = gl.createVertexArray();
      gl.bindVertexArray(made);
      gl.bindBuffer(gl.ARRAY_BUFFER, this.buffers[first]);
      gl.enableVertexAttribArray(0);
      gl.vertexAttribPointer(0, size, gl.FLOAT, false, 0, 0);
      gl.bindBuffer(gl.ARRAY_BUFFER, this.buffers[colours]);
      gl.enableVertexAttribArray(1);
      gl.vertexAttribPointer(1, 4, gl.UNSIGNED_BYTE, true, 0, 0);
      gl.bindBuffer(gl.ELEMENT_ARRAY_BUFFER, this.buffers[elements]);
      return made;
    };
    this.vertexArrays = {
      quads: vertexArray("quadCentres", 4, "quadColours", "quadElements"),
      points: vertexArray("pointCentres", 4, "pointColours", "pointElements"),
      // The edges' two vertex arrays differ by their element buffer: the drawn edges, or the moving ones.
      drawnEdges: vertexArray("edgePositions", 3, "edgeColours", "drawnElements"),
      movingEdges: vertexArray("edgePositions", 3, "edgeColours", "movingElements"),
      overlay: vertexArray("overlayPoints", 2, "overlayColours", "overlayElements"),
    };
    gl.bindVertexArray(null);
  }

  upload(name, data) {
    const gl = this.gl;
    const target = name.endsWith("Elements") ? gl.ELEMENT_ARRAY_BUFFER : gl.ARRAY_BUFFER;
    if (target === gl.ELEMENT_ARRAY_BUFFER) gl.bindVertexArray(null);  // keep the vertex arrays' element buffers
    gl.bindBuffer(target, this.buffers[name]);
    gl.bufferData(target, data, gl.STATIC_DRAW);
  }

  uploadEverything() {
    if (!this.scene) return;
    this.uploadEdgePositions();
    this.uploadNodeColours();
    this.uploadRadii();
    this.uploadEdgeColours();
    this.uploadDrawnEdges();
    this.uploadOverlay();
  }

  // ---- the interface ------------------------------------------------------------------------------
  setScene({dimensions, positions, edges, background, lodEdges = null}) {
    const nodeCount = Math.floor(positions.length / 3), edgeCount = Math.floor(edges.length / 2);
    this.scene = {dimensions, positions: positions instanceof Float32Array ? positions : new Float32Array(positions),
                  edges: edges instanceof Uint32Array ? edges : new Uint32Array(edges), background,
                  lodEdges: lodEdges === null ? null : Uint32Array.from(lodEdges), nodeCount, edgeCount};
    this.nodeColours = new Uint8Array(3 * nodeCount).fill(200);
    this.radii = new Float32Array(nodeCount).fill(baseRadius(nodeCount, dimensions));
    this.edgeColours = new Uint8Array(3 * edgeCount).fill(120);
    this.drawnEdges = null;
    this.overlay = null;
    this.uploadEverything();
  }

  setNodeColors(rgb) {
    this.nodeColours = rgb;
    this.uploadNodeColours();
  }

  setRadii(radii) {
    this.radii = radii instanceof Float32Array ? radii : new Float32Array(radii);
    this.uploadRadii();
  }

  setEdgeColors(rgb) {
    this.edgeColours = rgb;
    this.uploadEdgeColours();
  }

  setDrawnEdges(records) {
    this.drawnEdges = records === null ? null : Uint32Array.from(records);
    this.uploadDrawnEdges();
  }

  // Triangles in pixels (x right, y down from the top-left) drawn over the lines, under the nodes:
  // {points: Float32Array, 6 numbers a triangle; colors: Uint8Array, 3 a triangle}, or null for none.
  setOverlay(overlay) {
    this.overlay = overlay && overlay.points.length ? overlay : null;
    this.uploadOverlay();
  }

  onContextLost(callback) {
    this.lostCallbacks.push(callback);
  }

  draw(camera, {moving = false} = {}) {
    this.lastDraw = [camera, {moving}];
    const gl = this.gl;
    if (this.lost || this.disposed || gl.isContextLost()) return;
    const width = gl.drawingBufferWidth, height = gl.drawingBufferHeight;
    gl.viewport(0, 0, width, height);
    const background = this.scene ? this.scene.background : [0, 0, 0];
    gl.clearColor(background[0] / 255, background[1] / 255, background[2] / 255, 1.0);
    gl.clearDepth(1.0);
    gl.enable(gl.DEPTH_TEST);
    gl.depthFunc(gl.LEQUAL);
    gl.depthMask(true);
    gl.disable(gl.BLEND);
    gl.clear(gl.COLOR_BUFFER_BIT | gl.DEPTH_BUFFER_BIT);
    if (!this.scene || !this.scene.nodeCount) return;
    if (moving && this.software) {
      this.drawSoftware(camera, width, height);
      return;
    }
    const aspect = this.canvas.width / this.canvas.height;
    const [near, far] = clippingRange(camera, this.bounds);
    const view = viewMatrix(camera), projection = projectionMatrix(camera, aspect, near, far);
    const lift = this.scene.dimensions === 2 ? [0, 0, NODE_LIFT_2D] : [0, 0, 0];
    const setCamera = ({program, uniforms}) => {
      gl.useProgram(program);
      gl.uniformMatrix4fv(uniforms.view, false, view);
      gl.uniformMatrix4fv(uniforms.projection, false, projection);
      if (uniforms.lift) gl.uniform3fv(uniforms.lift, lift);
      if (uniforms.pixelsPerUnit) gl.uniform1f(uniforms.pixelsPerUnit, projection[5] * height / 2);
    };
    // Edges, the overlay (no depth: under whatever node covers it), then nodes, all depth-tested. (VTK adds
    // its node actor first; drawing nodes last changed no pixel of the look tests: no depth ties.)
    if (this.scene.edgeCount) {
      setCamera(this.programs.edges);
      if (moving && this.movingCount !== null) {
        gl.bindVertexArray(this.vertexArrays.movingEdges);
        gl.drawElements(gl.LINES, this.movingCount, gl.UNSIGNED_INT, 0);
      } else if (this.drawnEdges === null) {
        gl.bindVertexArray(this.vertexArrays.drawnEdges);
        gl.drawArrays(gl.LINES, 0, 2 * this.scene.edgeCount);
      } else {
        gl.bindVertexArray(this.vertexArrays.drawnEdges);
        gl.drawElements(gl.LINES, 2 * this.drawnEdges.length, gl.UNSIGNED_INT, 0);
      }
    }
    if (this.overlay) {
      const {program, uniforms} = this.programs.overlay;
      gl.useProgram(program);
      gl.uniform2f(uniforms.frame, this.canvas.width, this.canvas.height);  // the page's pixels
      gl.disable(gl.DEPTH_TEST);
      gl.bindVertexArray(this.vertexArrays.overlay);
      gl.drawArrays(gl.TRIANGLES, 0, this.overlay.points.length / 2);
      gl.enable(gl.DEPTH_TEST);
    }
    if (moving && this.scene.nodeCount > POINT_NODES_OVER) {
      setCamera(this.programs.points);
      gl.bindVertexArray(this.vertexArrays.points);
      gl.drawElements(gl.POINTS, this.shownNodes, gl.UNSIGNED_INT, 0);
    } else {
      setCamera(this.programs.nodes);
      gl.bindVertexArray(this.vertexArrays.quads);
      gl.drawElements(gl.TRIANGLES, 6 * this.shownNodes, gl.UNSIGNED_INT, 0);
    }
    gl.bindVertexArray(null);
  }

  // The moving picture drawn by JS, uploaded into a texture and drawn over the whole frame.
  drawSoftware(camera, width, height) {
    const gl = this.gl, scene = this.scene;
    if (!this.picture) this.picture = new SoftwarePicture();
    this.picture.draw(camera, width, height, {
      dimensions: scene.dimensions, positions: scene.positions, nodeCount: scene.nodeCount, edges: scene.edges,
      edgeCount: scene.edgeCount, records: movingRecords(scene.lodEdges, this.drawnEdges, scene.edgeCount),
      background: scene.background, radii: this.radii, nodeColours: this.nodeColours, edgeColours: this.edgeColours});
    gl.activeTexture(gl.TEXTURE0);
    gl.bindTexture(gl.TEXTURE_2D, this.pictureTexture);
    const bytes = new Uint8Array(this.picture.pixels.buffer);
    if (!this.pictureSize || this.pictureSize[0] !== width || this.pictureSize[1] !== height) {
      gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_MIN_FILTER, gl.NEAREST);
      gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_MAG_FILTER, gl.NEAREST);
      gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_WRAP_S, gl.CLAMP_TO_EDGE);
      gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_WRAP_T, gl.CLAMP_TO_EDGE);
      gl.texImage2D(gl.TEXTURE_2D, 0, gl.RGBA8, width, height, 0, gl.RGBA, gl.UNSIGNED_BYTE, bytes);
      this.pictureSize = [width, height];
    } else {
      gl.texSubImage2D(gl.TEXTURE_2D, 0, 0, 0, width, height, gl.RGBA, gl.UNSIGNED_BYTE, bytes);
    }
    gl.disable(gl.DEPTH_TEST);
    gl.useProgram(this.programs.picture.program);
    gl.bindVertexArray(null);
    gl.drawArrays(gl.TRIANGLE_STRIP, 0, 4);
  }

  dispose() {
    if (this.disposed) return;
    this.disposed = true;
    clearTimeout(this.giveUpTimer);
    this.canvas.removeEventListener("webglcontextlost", this.onLost);
    this.canvas.removeEventListener("webglcontextrestored", this.onRestored);
    const gl = this.gl;
    if (!gl.isContextLost()) {
      for (const buffer of Object.values(this.buffers)) gl.deleteBuffer(buffer);
      for (const vertexArray of Object.values(this.vertexArrays)) gl.deleteVertexArray(vertexArray);
      for (const {program} of Object.values(this.programs)) gl.deleteProgram(program);
      gl.deleteTexture(this.pictureTexture);
      const extension = gl.getExtension("WEBGL_lose_context");
      if (extension) extension.loseContext();  // one context per view: give this one back now
    }
    this.scene = this.nodeColours = this.radii = this.edgeColours = this.drawnEdges = this.lastDraw = null;
    this.picture = this.overlay = null;
  }

  // ---- uploads: each array set is kept, so a restored context can be filled again ----------------------
  uploadEdgePositions() {
    const {positions, edges, edgeCount} = this.scene;
    const vertices = new Float32Array(6 * edgeCount);
    for (let index = 0; index < 2 * edgeCount; index++) {
      const node = 3 * edges[index];
      vertices[3 * index] = positions[node];
      vertices[3 * index + 1] = positions[node + 1];
      vertices[3 * index + 2] = positions[node + 2];
    }
    this.upload("edgePositions", vertices);
  }

  uploadNodeColours() {
    if (!this.scene) return;
    const count = this.scene.nodeCount;
    this.upload("pointColours", repeatedColours(this.nodeColours, count, 1));
    this.upload("quadColours", repeatedColours(this.nodeColours, count, 4));
  }

  // The radii with the centres, and the element buffers of the nodes shown (radius > 0): a hidden node
  // costs nothing to draw.
  uploadRadii() {
    if (!this.scene) return;
    const {positions, nodeCount} = this.scene, radii = this.radii;
    this.upload("pointCentres", repeatedCentres(positions, radii, nodeCount, 1));
    this.upload("quadCentres", repeatedCentres(positions, radii, nodeCount, 4));
    let shown = 0, largest = 0;
    for (let node = 0; node < nodeCount; node++) {
      if (radii[node] > 0) shown += 1;
      if (radii[node] > largest) largest = radii[node];
    }
    const points = new Uint32Array(shown), quads = new Uint32Array(6 * shown);
    for (let node = 0, index = 0; node < nodeCount; node++) {
      if (!(radii[node] > 0)) continue;
      const first = 4 * node, at = 6 * index;
      points[index] = node;
      quads[at] = first;  // two triangles: corners 0 1 2 and 2 1 3
      quads[at + 1] = quads[at + 4] = first + 1;
      quads[at + 2] = quads[at + 3] = first + 2;
      quads[at + 5] = first + 3;
      index += 1;
    }
    this.upload("pointElements", points);
    this.upload("quadElements", quads);
    this.shownNodes = shown;
    this.bounds = sceneBounds(positions, largest + NODE_LIFT_2D);
  }

  uploadEdgeColours() {
    if (!this.scene) return;
    this.upload("edgeColours", repeatedColours(this.edgeColours, this.scene.edgeCount, 2));  // both ends alike
  }

  uploadOverlay() {
    if (!this.overlay) return;
    const points = this.overlay.points;
    this.upload("overlayPoints", points instanceof Float32Array ? points : new Float32Array(points));
    this.upload("overlayColours", repeatedColours(this.overlay.colors, points.length / 6, 3));
  }

  // The drawn edges, and the moving ones: the level-of-detail sample less what the filter hides.
  uploadDrawnEdges() {
    if (!this.scene) return;
    const {lodEdges, edgeCount} = this.scene;
    if (this.drawnEdges !== null) this.upload("drawnElements", lineElements(this.drawnEdges));
    const moving = movingRecords(lodEdges, this.drawnEdges, edgeCount);
    this.movingCount = moving === null ? null : 2 * moving.length;
    if (moving !== null) this.upload("movingElements", lineElements(moving));
  }
}

// True where WebGL is drawn by the CPU (the renderer's name says so, where the browser tells it).
function isSoftware(gl) {
  const information = gl.getExtension("WEBGL_debug_renderer_info");
  const name = information ? gl.getParameter(information.UNMASKED_RENDERER_WEBGL) : gl.getParameter(gl.RENDERER);
  return SOFTWARE_RENDERERS.test(String(name));
}

// A WebGL2 renderer on `canvas`, or null where WebGL2 is not available (the canvas then takes a 2D
// context: a canvas that returned no WebGL context has none).
export function createWebGLRenderer(canvas) {
  let gl = null;
  try {
    gl = canvas.getContext("webgl2", {antialias: false, alpha: false, depth: true, stencil: false,
                                      premultipliedAlpha: false, preserveDrawingBuffer: false});
  } catch {
    gl = null;
  }
  if (!gl) return null;
  return new WebGLRenderer(canvas, gl);
}
