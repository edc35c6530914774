"""web/static/camera.js, the snapshot page's camera, against the Python Camera it mirrors
(helios_app/render/interaction.py): the same inputs give the same numbers (to 1e-9 relative), in a real
headless Chromium."""

from __future__ import annotations

import functools
import http.server
import math
import threading
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pytest
from browser import launch_chromium

from helios_app.render import interaction
from helios_app.render.interaction import Camera, Flight, framing

STATIC = Path(__file__).resolve().parents[1] / "web" / "static"
RELATIVE_TOLERANCE = 1e-9
ABSOLUTE_TOLERANCE = 1e-12  # for results that cancel to about zero (a view up's component of 1e-17)
CONSTANTS = ("VIEW_MARGIN", "ZOOM_PER_WHEEL_UNIT", "MIN_VISIBLE_HALF_HEIGHT", "MAX_VISIBLE_HALF_HEIGHT",
             "MAX_FOCAL_DISTANCE", "CLICK_TOLERANCE", "ROTATE_DEGREES_PER_FRAME_WIDTH",
             "ROTATE_DEGREES_PER_FRAME_HEIGHT", "FOCUS_DURATION_S", "FOCUS_HALF_HEIGHT")


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *arguments) -> None:
        pass


@contextmanager
def static_site():
    """web/static served over HTTP on a free loopback port (modules cannot be imported from file:// pages);
    yields its base URL."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_QuietHandler, directory=str(STATIC)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(10)


def open_page(browser, base: str, body: str):
    """A page at ``base`` (so its modules import from web/static) made of ``body``; it must set
    ``window.harnessReady``. Page errors fail the test."""
    page = browser.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.route(base + "/__harness.html", lambda route: route.fulfill(
        body=f"<!doctype html><html><body style='margin:0'>{body}</body></html>", content_type="text/html"))
    page.goto(base + "/__harness.html")
    page.wait_for_function("window.harnessReady === true || window.harnessError", timeout=30_000)
    assert not errors, errors
    page.errors = errors
    return page


# Runs every operation of a case on the JS camera; run_python below does the same with the Python one.
CAMERA_PAGE = """<script type="module">
import * as cameraModule from "./camera.js";
const {Camera, Flight, framing} = cameraModule;
window.cameraModule = cameraModule;
const summary = (camera) => ({position: camera.position, focal_point: camera.focal_point, view_up: camera.view_up,
  parallel_scale: camera.parallel_scale, view_angle: camera.view_angle, parallel_projection: camera.parallel_projection});
window.runCase = (spec) => {
  const camera = spec.framing ? framing(spec.framing) : new Camera(spec.camera);
  const {aspect, points} = spec;
  const basis = camera.basis();
  const flight = Flight.toward(camera, spec.target, spec.now);
  return {
    start: summary(camera), distance: camera.distance, direction: camera.direction,
    basis: [basis.right, basis.up, basis.backward], visible: camera.visibleHalfHeight(), finite: camera.isFinite(),
    project: Array.from(camera.project(points, aspect, new Float64Array(2 * points.length / 3))),
    depths: Array.from(camera.depths(points, new Float64Array(points.length / 3))),
    projectFloat32: Array.from(camera.project(new Float32Array(points), aspect)),
    panned: summary(camera.panned(spec.pan[0], spec.pan[1], aspect)),
    pannedNotFinite: summary(camera.panned(NaN, 0.1, aspect)),
    pannedFar: summary(camera.panned(1e9, -1e9, aspect)),
    zoomed: summary(camera.zoomed(spec.zoom[0], spec.zoom[1], spec.zoom[2], aspect)),
    zoomedOut: summary(camera.zoomed(1 / spec.zoom[0], spec.zoom[1], spec.zoom[2], aspect)),
    zoomedToBound: summary(camera.zoomed(1e12, spec.zoom[1], spec.zoom[2], aspect)),
    zoomedToOtherBound: summary(camera.zoomed(1e-12, spec.zoom[1], spec.zoom[2], aspect)),
    rotated: summary(camera.rotated(spec.rotate[0], spec.rotate[1])),
    rotatedOverTheTop: summary(camera.rotated(spec.rotate[0], 170).rotated(-spec.rotate[1], 95)),
    azimuth: summary(camera.azimuth(spec.rotate[0])), elevation: summary(camera.elevation(spec.rotate[1])),
    orthogonalized: summary(camera.orthogonalized()), dolly: summary(camera.dolly(spec.dolly)),
    notDollied: summary(camera.dolly(-1)),
    withVisibleHalfHeight: summary(camera.withVisibleHalfHeight(spec.halfHeight)),
    movedTo: summary(camera.movedTo(spec.target)),
    unproject: spec.unproject.map(([x, y, through]) => camera.unproject(x, y, through, aspect)),
    state: camera.state(), withState: summary(camera.withState(spec.otherState)),
    flight: spec.times.map((time) => ({camera: summary(flight.cameraAt(camera, time)), finished: flight.finished(time)})),
  };
};
window.harnessReady = true;
</script>"""


def summary(camera: Camera) -> dict:
    return {"position": list(camera.position), "focal_point": list(camera.focal_point), "view_up": list(camera.view_up),
            "parallel_scale": camera.parallel_scale, "view_angle": camera.view_angle,
            "parallel_projection": camera.parallel_projection}


def run_python(spec: dict) -> dict:
    camera = framing(spec["framing"]) if spec.get("framing") else Camera(**spec["camera"])
    aspect, points = spec["aspect"], np.array(spec["points"]).reshape(-1, 3)
    zoom, rotate = spec["zoom"], spec["rotate"]
    right, up, backward = camera.basis()
    flight = Flight.toward(camera, spec["target"], spec["now"])
    relative = points - np.array(camera.position)
    return {
        "start": summary(camera), "distance": camera.distance, "direction": list(camera.direction),
        "basis": [list(right), list(up), list(backward)], "visible": camera.visible_half_height(),
        "finite": camera.is_finite(),
        "project": camera.project(points, aspect).ravel().tolist(),
        "depths": (-(relative @ backward)).tolist(),
        "projectFloat32": camera.project(points.astype(np.float32), aspect).ravel().tolist(),
        "panned": summary(camera.panned(*spec["pan"], aspect)),
        "pannedNotFinite": summary(camera.panned(math.nan, 0.1, aspect)),
        "pannedFar": summary(camera.panned(1e9, -1e9, aspect)),
        "zoomed": summary(camera.zoomed(zoom[0], zoom[1], zoom[2], aspect)),
        "zoomedOut": summary(camera.zoomed(1 / zoom[0], zoom[1], zoom[2], aspect)),
        "zoomedToBound": summary(camera.zoomed(1e12, zoom[1], zoom[2], aspect)),
        "zoomedToOtherBound": summary(camera.zoomed(1e-12, zoom[1], zoom[2], aspect)),
        "rotated": summary(camera.rotated(*rotate)),
        "rotatedOverTheTop": summary(camera.rotated(rotate[0], 170).rotated(-rotate[1], 95)),
        "azimuth": summary(camera.azimuth(rotate[0])), "elevation": summary(camera.elevation(rotate[1])),
        "orthogonalized": summary(camera.orthogonalized()), "dolly": summary(camera.dolly(spec["dolly"])),
        "notDollied": summary(camera.dolly(-1)),
        "withVisibleHalfHeight": summary(camera.with_visible_half_height(spec["halfHeight"])),
        "movedTo": summary(camera.moved_to(spec["target"])),
        "unproject": [camera.unproject(x, y, through, aspect).tolist() for x, y, through in spec["unproject"]],
        "state": camera.state(), "withState": summary(camera.with_state(spec["otherState"])),
        "flight": [{"camera": summary(flight.camera_at(camera, time)), "finished": flight.finished(time)}
                   for time in spec["times"]],
    }


def random_case(rng: np.random.Generator, parallel: bool) -> dict:
    """A camera looking at the view space from somewhere at random, and random inputs for each operation."""
    focal = rng.uniform(-1, 1, 3)
    away = rng.normal(size=3)
    position = focal + away / np.linalg.norm(away) * rng.uniform(2.5, 8.0)
    up = rng.normal(size=3) * rng.uniform(0.1, 3.0)  # not unit length, not orthogonal: the constructor's job
    aspect = float(rng.uniform(0.5, 2.5))
    now = float(rng.uniform(0, 100))
    other = Camera(position=tuple(rng.normal(size=3) * 4), focal_point=tuple(rng.uniform(-1, 1, 3)),
                   view_up=tuple(rng.normal(size=3)))
    return {
        "camera": {"position": position.tolist(), "focal_point": focal.tolist(), "view_up": up.tolist(),
                   "parallel_scale": float(rng.uniform(0.05, 3)), "view_angle": float(rng.uniform(10, 70)),
                   "parallel_projection": parallel},
        "aspect": aspect, "points": rng.uniform(-1, 1, (40, 3)).ravel().tolist(),
        "pan": rng.uniform(-0.6, 0.6, 2).tolist(),
        "zoom": [float(rng.choice([rng.uniform(1.01, 3), rng.uniform(0.3, 0.99)])), *rng.uniform(0, 1, 2).tolist()],
        "rotate": rng.uniform(-200, 200, 2).tolist(), "dolly": float(rng.uniform(0.2, 4)),
        "halfHeight": float(rng.uniform(0.01, 5)), "target": rng.uniform(-1.5, 1.5, 3).tolist(),
        "unproject": [[*rng.uniform(0, 1, 2).tolist(), rng.uniform(-1, 1, 3).tolist()] for _ in range(5)],
        "otherState": other.state(), "now": now,
        "times": [now - 1, now, now + 0.1, now + 0.3, now + 0.45, now + 0.6, now + 5],
    }


def assert_same(js, python, where="") -> None:
    """Numbers to RELATIVE_TOLERANCE (ABSOLUTE_TOLERANCE near zero), booleans and keys exactly."""
    if isinstance(python, dict):
        assert isinstance(js, dict) and set(js) == set(python), f"{where}: keys {sorted(js)} != {sorted(python)}"
        for key in python:
            assert_same(js[key], python[key], f"{where}.{key}")
    elif isinstance(python, (list, tuple)):
        assert isinstance(js, list) and len(js) == len(python), f"{where}: {js} != {python}"
        for index, (left, right) in enumerate(zip(js, python, strict=True)):
            assert_same(left, right, f"{where}[{index}]")
    elif isinstance(python, (bool, np.bool_)):
        assert js is bool(python), f"{where}: {js} != {python}"
    else:
        expected = float(python)
        if js is None:  # JSON has no NaN or infinity: Playwright passes them through; None would be a bug
            raise AssertionError(f"{where}: got None, expected {expected}")
        assert math.isclose(js, expected, rel_tol=RELATIVE_TOLERANCE, abs_tol=ABSOLUTE_TOLERANCE) or (
            math.isnan(js) and math.isnan(expected)), f"{where}: JS {js!r} != Python {expected!r}"


@pytest.fixture(scope="module")
def camera_page():
    from playwright.sync_api import sync_playwright

    with static_site() as base, sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        try:
            yield open_page(browser, base, CAMERA_PAGE)
        finally:
            browser.close()


@pytest.mark.parametrize("parallel", [True, False], ids=["2d-parallel", "3d-perspective"])
def test_camera_operations_match_python(camera_page, parallel):
    rng = np.random.default_rng(23 if parallel else 32)
    for _ in range(12):
        spec = random_case(rng, parallel)
        result, expected = camera_page.evaluate("(spec) => window.runCase(spec)", spec), run_python(spec)
        # Without an output array, project writes float32 (what a renderer needs): the same to float32 precision.
        np.testing.assert_allclose(result.pop("projectFloat32"), expected.pop("projectFloat32"), rtol=1e-6, atol=1e-7)
        assert_same(result, expected, "camera")


@pytest.mark.parametrize("dimensions", [2, 3])
def test_framing_matches_python(camera_page, dimensions):
    spec = random_case(np.random.default_rng(dimensions), parallel=dimensions == 2)
    spec["framing"] = dimensions
    result, expected = camera_page.evaluate("(spec) => window.runCase(spec)", spec), run_python(spec)
    np.testing.assert_allclose(result.pop("projectFloat32"), expected.pop("projectFloat32"), rtol=1e-6, atol=1e-7)
    assert_same(result, expected, f"framing({dimensions})")
    assert result["start"]["parallel_projection"] is (dimensions == 2)


def test_constants_match_python(camera_page):
    values = camera_page.evaluate("""() => Object.fromEntries(Object.entries(window.cameraModule)
        .filter(([, value]) => typeof value === 'number'))""")
    assert values == {name: getattr(interaction, name) for name in CONSTANTS}
    exported = {name for name in interaction.__all__ if isinstance(getattr(interaction, name), float)}
    assert exported <= set(values), "every number interaction.py exports is mirrored"


def test_project_returns_float32_by_default(camera_page):
    kinds = camera_page.evaluate("""() => {
        const camera = window.cameraModule.framing(2);
        return [camera.project([0, 0, 0, 1, 1, 0], 1.5).constructor.name, camera.depths([0, 0, 0]).constructor.name,
                Object.isFrozen(camera), camera.panned(0.1, 0, 1) !== camera];
    }""")
    assert kinds == ["Float32Array", "Float32Array", True, True]
