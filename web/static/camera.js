// The camera maths of helios_app/render/interaction.py (Camera, Flight, framing) in the browser, for the
// self-contained snapshot page that draws without a server. Same conventions: x, y are fractions of the
// frame from its top-left, aspect is width / height, the view angle is vertical in degrees, the parallel
// scale is the visible half height under parallel projection. Every method returns a new Camera.
// tests/test_snapshot_camera.py checks the results against the Python class on the same inputs.

export const VIEW_MARGIN = 1.1;
export const ZOOM_PER_WHEEL_UNIT = 1.0015;
export const MIN_VISIBLE_HALF_HEIGHT = 1e-4;
export const MAX_VISIBLE_HALF_HEIGHT = 1e3;
export const MAX_FOCAL_DISTANCE = 1e3;
export const CLICK_TOLERANCE = 0.004;
export const ROTATE_DEGREES_PER_FRAME_WIDTH = 360.0;
export const ROTATE_DEGREES_PER_FRAME_HEIGHT = 180.0;
export const FOCUS_DURATION_S = 0.6;
export const FOCUS_HALF_HEIGHT = 0.35;

const RADIANS_PER_DEGREE = Math.PI / 180.0;  // as Python's math.radians multiplies

function subtract(a, b) {
  return [a[0] - b[0], a[1] - b[1], a[2] - b[2]];
}

function add(a, b) {
  return [a[0] + b[0], a[1] + b[1], a[2] + b[2]];
}

function scaled(vector, factor) {
  return [vector[0] * factor, vector[1] * factor, vector[2] * factor];
}

function dot(a, b) {
  return a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
}

function cross(a, b) {
  return [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]];
}

function length(vector) {
  return Math.sqrt(dot(vector, vector));  // as numpy's norm of a vector (not Math.hypot, which rounds otherwise)
}

// The vector scaled to length 1; a zero (or not finite) length leaves it as it is, as vtkMath::Normalize does.
function normalised(vector) {
  const size = length(vector);
  return size > 0.0 ? [vector[0] / size, vector[1] / size, vector[2] / size] : [vector[0], vector[1], vector[2]];
}

function clipped(value) {
  return Math.min(Math.max(value, -MAX_FOCAL_DISTANCE), MAX_FOCAL_DISTANCE);
}

function vector3(values) {
  return [Number(values[0]), Number(values[1]), Number(values[2])];
}

// The 3x3 right-handed rotation by angleDegrees about axis (Rodrigues' formula, as a list of rows);
// a zero angle or a zero axis is no rotation, as in vtkTransform.RotateWXYZ.
function rotation(angleDegrees, axis) {
  const unit = normalised(axis);
  if (angleDegrees === 0.0 || !(unit[0] !== 0 || unit[1] !== 0 || unit[2] !== 0)) {
    return [[1, 0, 0], [0, 1, 0], [0, 0, 1]];
  }
  const angle = angleDegrees * RADIANS_PER_DEGREE;
  const crossMatrix = [[0.0, -unit[2], unit[1]], [unit[2], 0.0, -unit[0]], [-unit[1], unit[0], 0.0]];
  const sine = Math.sin(angle), versine = 1.0 - Math.cos(angle);
  const rows = [];
  for (let row = 0; row < 3; row++) {
    const values = [];
    for (let column = 0; column < 3; column++) {
      let squared = 0.0;
      for (let k = 0; k < 3; k++) squared += crossMatrix[row][k] * crossMatrix[k][column];
      values.push((row === column ? 1.0 : 0.0) + sine * crossMatrix[row][column] + versine * squared);
    }
    rows.push(values);
  }
  return rows;
}

function applied(matrix, vector) {
  return [dot(matrix[0], vector), dot(matrix[1], vector), dot(matrix[2], vector)];
}

export class Camera {
  constructor({position, focal_point, view_up, parallel_scale = VIEW_MARGIN, view_angle = 30.0,
               parallel_projection = false}) {
    this.position = vector3(position);
    this.focal_point = vector3(focal_point);
    this.view_up = normalised(vector3(view_up));  // stored at length 1, as vtkCamera.SetViewUp does
    this.parallel_scale = Number(parallel_scale);
    this.view_angle = Number(view_angle);
    this.parallel_projection = Boolean(parallel_projection);
    Object.freeze(this.position);
    Object.freeze(this.focal_point);
    Object.freeze(this.view_up);
    Object.freeze(this);
  }

  // A copy with some fields changed (Python's dataclasses.replace).
  replaced(changes) {
    return new Camera({
      position: this.position, focal_point: this.focal_point, view_up: this.view_up,
      parallel_scale: this.parallel_scale, view_angle: this.view_angle,
      parallel_projection: this.parallel_projection, ...changes,
    });
  }

  // ---- derived quantities ----
  get distance() {
    return length(subtract(this.focal_point, this.position));
  }

  // The unit direction of projection, from the position toward the focal point.
  get direction() {
    return normalised(subtract(this.focal_point, this.position));
  }

  // The view's axes in world coordinates (the rows of VTK's view transform).
  basis() {
    const backward = normalised(subtract(this.position, this.focal_point));
    const right = normalised(cross(this.view_up, backward));
    return {right, up: cross(backward, right), backward};
  }

  visibleHalfHeight() {
    if (this.parallel_projection) return this.parallel_scale;
    return this.distance * Math.tan(this.view_angle * RADIANS_PER_DEGREE / 2.0);
  }

  isFinite() {
    return [...this.position, ...this.focal_point, ...this.view_up, this.parallel_scale].every(Number.isFinite);
  }

  // ---- moves ----
  dolly(factor) {
    if (!(factor > 0.0)) return this;
    const position = subtract(this.focal_point, scaled(this.direction, this.distance / factor));
    return this.replaced({position});
  }

  withVisibleHalfHeight(halfHeight) {
    if (this.parallel_projection) return this.replaced({parallel_scale: halfHeight});
    return this.dolly(this.visibleHalfHeight() / halfHeight);
  }

  movedTo(focalPoint) {
    const target = vector3(focalPoint);
    const shift = subtract(target, this.focal_point);
    return this.replaced({focal_point: target, position: add(this.position, shift)});
  }

  // Move by fractions of the visible frame (x right, y down) in the focal plane; the focal point stays
  // within MAX_FOCAL_DISTANCE and a move that is not finite is ignored.
  panned(fractionX, fractionY, aspect) {
    const halfHeight = this.visibleHalfHeight();
    const up = this.view_up;
    const right = cross(this.direction, up);
    const shift = subtract(scaled(right, fractionX * 2.0 * halfHeight * aspect), scaled(up, fractionY * 2.0 * halfHeight));
    const moved = add(this.focal_point, shift).map(clipped);
    if (!moved.every(Number.isFinite)) return this;
    return this.movedTo(moved);
  }

  // Zoom in by factor (> 1 magnifies) keeping what lies under the pointer (x, y) where it is; the visible
  // half height stays within [MIN_VISIBLE_HALF_HEIGHT, MAX_VISIBLE_HALF_HEIGHT].
  zoomed(factor, x, y, aspect) {
    const halfHeight = this.visibleHalfHeight();
    const wanted = Math.min(Math.max(halfHeight / factor, MIN_VISIBLE_HALF_HEIGHT), MAX_VISIBLE_HALF_HEIGHT);
    const applied = halfHeight / wanted;
    if (!Number.isFinite(applied) || applied === 1.0) return this;
    const zoomed = this.parallel_projection ? this.replaced({parallel_scale: this.parallel_scale / applied})
      : this.dolly(applied);
    // What was at (x, y) is now (x - 0.5) * factor from the centre: shift it back under the pointer.
    return zoomed.panned((x - 0.5) * (applied - 1.0), (y - 0.5) * (applied - 1.0), aspect);
  }

  // Turn the eye about the view up through the focal point (vtkCamera.Azimuth).
  azimuth(angleDegrees) {
    const turned = applied(rotation(angleDegrees, this.view_up), subtract(this.position, this.focal_point));
    return this.replaced({position: add(this.focal_point, turned)});
  }

  // Turn the eye about the right axis through the focal point (vtkCamera.Elevation); the view up stays.
  elevation(angleDegrees) {
    return this.elevated(angleDegrees).camera;
  }

  // elevation(), and the view up turned with the eye (what VTK's OrthogonalizeViewUp takes right after).
  elevated(angleDegrees) {
    const {right} = this.basis();
    const turn = rotation(angleDegrees, scaled(right, -1.0));
    const position = add(this.focal_point, applied(turn, subtract(this.position, this.focal_point)));
    return {camera: this.replaced({position}), turnedUp: applied(turn, this.view_up)};
  }

  orthogonalized() {
    return this.replaced({view_up: this.basis().up});
  }

  // Azimuth, elevation, then orthogonalise the view up, as vtkCamera does: how a 3D drag turns the view.
  rotated(azimuthDegrees, elevationDegrees) {
    const {camera, turnedUp} = this.azimuth(azimuthDegrees).elevated(elevationDegrees);
    return camera.replaced({view_up: turnedUp}).orthogonalized();
  }

  // ---- projection ----
  // Where points (flat x, y, z triples) land in the frame: fractions, x right, y down from the top-left.
  // `out` may be any array of 2n numbers (a Float64Array keeps full precision); by default a Float32Array.
  project(points, aspect, out = null) {
    const count = Math.floor(points.length / 3);
    const result = out || new Float32Array(2 * count);
    const {right, up, backward} = this.basis();
    const [eyeX, eyeY, eyeZ] = this.position;
    const parallel = this.parallel_projection;
    const tangent = Math.tan(this.view_angle * RADIANS_PER_DEGREE / 2.0);
    for (let index = 0; index < count; index++) {
      const x = points[3 * index] - eyeX, y = points[3 * index + 1] - eyeY, z = points[3 * index + 2] - eyeZ;
      let halfWidth, halfHeight;
      if (parallel) {
        halfWidth = this.parallel_scale * aspect;
        halfHeight = this.parallel_scale;
      } else {
        const depth = -(x * backward[0] + y * backward[1] + z * backward[2]);
        halfWidth = depth * tangent * aspect;
        halfHeight = depth * tangent;
      }
      const normalisedX = (x * right[0] + y * right[1] + z * right[2]) / halfWidth;
      const normalisedY = (x * up[0] + y * up[1] + z * up[2]) / halfHeight;
      result[2 * index] = (normalisedX + 1.0) / 2.0;
      result[2 * index + 1] = (1.0 - normalisedY) / 2.0;
    }
    return result;
  }

  // Each point's distance in front of the eye along the viewing direction (project's depth).
  depths(points, out = null) {
    const count = Math.floor(points.length / 3);
    const result = out || new Float32Array(count);
    const {backward} = this.basis();
    const [eyeX, eyeY, eyeZ] = this.position;
    for (let index = 0; index < count; index++) {
      result[index] = -((points[3 * index] - eyeX) * backward[0] + (points[3 * index + 1] - eyeY) * backward[1]
        + (points[3 * index + 2] - eyeZ) * backward[2]);
    }
    return result;
  }

  // The world point drawn at (x, y) in the plane through `through` that faces the camera.
  unproject(x, y, through, aspect) {
    const {right, up, backward} = this.basis();
    const depth = dot(subtract(vector3(through), this.position), scaled(backward, -1.0));
    let halfWidth, halfHeight;
    if (this.parallel_projection) {
      halfWidth = this.parallel_scale * aspect;
      halfHeight = this.parallel_scale;
    } else {
      const tangent = Math.tan(this.view_angle * RADIANS_PER_DEGREE / 2.0);
      halfWidth = depth * tangent * aspect;
      halfHeight = depth * tangent;
    }
    const offset = add(scaled(right, (2.0 * x - 1.0) * halfWidth), scaled(up, (1.0 - 2.0 * y) * halfHeight));
    return add(subtract(this.position, scaled(backward, depth)), offset);
  }

  // ---- plain numbers (the keys of Python's Camera.state) ----
  state() {
    return {position: [...this.position], focal_point: [...this.focal_point], view_up: [...this.view_up],
            parallel_scale: this.parallel_scale};
  }

  withState(state) {
    return this.replaced({position: state.position, focal_point: state.focal_point, view_up: state.view_up,
                          parallel_scale: state.parallel_scale});
  }
}

// The camera that frames the unit view space: from the front in 2D (parallel projection), at an angle in
// 3D (perspective, turned 25 degrees about and 20 over).
export function framing(dimensions) {
  const camera = new Camera({position: [0.0, 0.0, 5.0], focal_point: [0.0, 0.0, 0.0], view_up: [0.0, 1.0, 0.0],
                             parallel_scale: VIEW_MARGIN, view_angle: 30.0, parallel_projection: dimensions === 2});
  return dimensions === 3 ? camera.rotated(25.0, 20.0) : camera;
}

// The camera's flight to a node: the focal point glides and the visible half height changes
// geometrically, both eased in and out (smoothstep), over durationSeconds.
export class Flight {
  constructor({startSeconds, focalFrom, focalTo, halfHeightFrom, halfHeightTo, durationSeconds = FOCUS_DURATION_S}) {
    this.startSeconds = startSeconds;
    this.focalFrom = vector3(focalFrom);
    this.focalTo = vector3(focalTo);
    this.halfHeightFrom = halfHeightFrom;
    this.halfHeightTo = halfHeightTo;
    this.durationSeconds = durationSeconds;
    Object.freeze(this);
  }

  // A flight starting now from camera to look at target, zooming in to at least FOCUS_HALF_HEIGHT.
  static toward(camera, target, nowSeconds) {
    const halfHeight = camera.visibleHalfHeight();
    return new Flight({startSeconds: nowSeconds, focalFrom: camera.focal_point, focalTo: vector3(target).map(clipped),
                       halfHeightFrom: halfHeight, halfHeightTo: Math.min(halfHeight, FOCUS_HALF_HEIGHT)});
  }

  progress(nowSeconds) {
    return Math.min(1.0, Math.max(0.0, (nowSeconds - this.startSeconds) / this.durationSeconds));
  }

  eased(nowSeconds) {
    const progress = this.progress(nowSeconds);
    return progress * progress * (3.0 - 2.0 * progress);
  }

  finished(nowSeconds) {
    return this.progress(nowSeconds) >= 1.0;
  }

  focalPointAt(nowSeconds) {
    const eased = this.eased(nowSeconds);
    return add(this.focalFrom, scaled(subtract(this.focalTo, this.focalFrom), eased));
  }

  halfHeightAt(nowSeconds) {
    const ratio = this.halfHeightTo / this.halfHeightFrom;
    return this.halfHeightFrom * ratio ** this.eased(nowSeconds);
  }

  cameraAt(camera, nowSeconds) {
    return camera.movedTo(this.focalPointAt(nowSeconds)).withVisibleHalfHeight(this.halfHeightAt(nowSeconds));
  }
}
