// Picks the snapshot page's renderer: WebGL2 where the browser has it, else Canvas 2D. Both have one
// interface:
//   renderer.kind                  "webgl2" | "canvas2d"
//   renderer.setScene({dimensions, positions, edges, background, lodEdges})
//       dimensions 2 | 3; positions Float32Array n*3 (view units, the view space spans [-1, 1]);
//       edges Uint32Array 2m (node indices); background [r, g, b] 0-255;
//       lodEdges Uint32Array of edge records drawn while moving, or null (all drawn edges).
//   renderer.setNodeColors(Uint8Array n*3)      renderer.setRadii(Float32Array n; view units, 0 = hidden)
//   renderer.setEdgeColors(Uint8Array m*3)      renderer.setDrawnEdges(Uint32Array of records, or null = all)
//   renderer.setOverlay({points, colors} | null) triangles in pixels (x right, y down), 6 numbers and a colour
//                                               (3 bytes) each, over the lines, under the nodes (edge_shapes.js);
//                                               not in the moving picture of a CPU-drawn one (the page clears it)
//   renderer.draw(camera, {moving})             camera: a camera.js Camera; into canvas.width x canvas.height
//   renderer.onContextLost(callback)            WebGL: the context was lost and not restored within 3 s
//   renderer.dispose()
// After a lost WebGL context the canvas cannot take a 2D context: give the Canvas 2D renderer a new canvas.

import {createWebGLRenderer} from "./render_webgl.js";
import {createCanvasRenderer} from "./render_canvas.js";

export function createRenderer(canvas, {prefer = "webgl"} = {}) {
  if (prefer !== "canvas") {
    const renderer = createWebGLRenderer(canvas);
    if (renderer) return renderer;
  }
  return createCanvasRenderer(canvas);
}
