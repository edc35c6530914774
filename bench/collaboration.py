"""Several collaborators on one view: frames per second, latency and server CPU for 1, 2, 4, 6 viewers.

Starts `helios view data/power.gml --stamp-frames` (from ``--repo``, so an older checkout can be
measured with ``--label before``), waits for the layout to settle, then for each viewer count runs
``../shared/probes/webrtc_client_probe.py URL --pages N --mouse`` (headless Chromium, every page
dragging) while sampling the server's CPU time. Latency is the probes' frame stamp: production to
display. Results go to ``bench/results/collaboration-LABEL.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

import psutil

HERE = Path(__file__).resolve().parent
PROBE = HERE.parent.parent / "shared" / "probes" / "webrtc_client_probe.py"
GRAPH = HERE.parent / "data" / "power.gml"


def start_helios(repo: Path, extra: list[str]) -> tuple[subprocess.Popen, str]:
    environment = {**os.environ, "PYTHONPATH": str(repo), "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(
        [sys.executable, "-m", "helios_app", "view", str(GRAPH), "--port", "0", "--no-window", "--stamp-frames",
         *extra],
        cwd=repo, env=environment, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    found: list[str] = []
    ready = threading.Event()

    def read() -> None:
        for line in process.stdout:
            match = re.search(r"open (\S+)", line)
            if match:
                found.append(match.group(1))
                ready.set()

    threading.Thread(target=read, daemon=True).start()
    if not ready.wait(120):
        process.kill()
        raise SystemExit("helios printed no URL")
    return process, found[0]


def measure(url: str, pid: int, viewers: int, duration_s: float) -> dict:
    server = psutil.Process(pid)
    cpu_before, started = server.cpu_times(), time.monotonic()
    probe = subprocess.run(
        [sys.executable, str(PROBE), url, "--pages", str(viewers), "--mouse", "--duration", str(duration_s)],
        capture_output=True, text=True, timeout=180, check=False,
    )
    cpu_after, elapsed = server.cpu_times(), time.monotonic() - started
    try:
        report = json.loads(probe.stdout)
    except ValueError:
        return {"error": (probe.stdout + probe.stderr)[-800:]}
    pages = report["results"]
    errors = [page["error"] for page in pages if "error" in page]
    if errors:
        return {"error": errors}
    server_cpu = (cpu_after.user + cpu_after.system - cpu_before.user - cpu_before.system) / elapsed * 100
    return {
        "viewers": viewers,
        "fps_presented_each": [page["fps_presented"] for page in pages],
        "fps_decoded_each": [page.get("fps_decoded") for page in pages],
        "latency_median_ms_each": [page.get("latency_ms", {}).get("median") for page in pages],
        "first_frame_ms_each": [page["time_to_first_frame_ms"] for page in pages],
        "codec": pages[0].get("webrtc", [{}])[0].get("codec") if pages[0].get("webrtc") else None,
        "server_cpu_percent_of_one_core": round(server_cpu, 1),
        "host_cpu_busy_percent": report.get("host_cpu_busy_percent_all_cores"),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repo", type=Path, default=HERE.parent)
    parser.add_argument("--label", default="after")
    parser.add_argument("--viewers", default="1,2,4,6")
    parser.add_argument("--duration", type=float, default=8.0)
    parser.add_argument("--max-size", default="", help="helios's --max-size (the picture follows the page's stage)")
    arguments = parser.parse_args()
    extra = ["--max-size", arguments.max_size] if arguments.max_size else []
    process, url = start_helios(arguments.repo.resolve(), extra)
    results = []
    try:
        time.sleep(10)  # the layout settles: only the drags make new frames
        for viewers in (int(text) for text in arguments.viewers.split(",")):
            result = measure(url, process.pid, viewers, arguments.duration)
            results.append(result)
            print(json.dumps(result), flush=True)
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(15)
    summary = [
        {"viewers": row.get("viewers"), "fps_min": min(row["fps_presented_each"]) if "fps_presented_each" in row else None,
         "latency_median_ms": statistics.median([v for v in row.get("latency_median_ms_each", []) if v is not None] or [0]),
         "server_cpu": row.get("server_cpu_percent_of_one_core")}
        for row in results
    ]
    output = HERE / "results" / f"collaboration-{arguments.label}.json"
    output.write_text(json.dumps({"runs": results, "summary": summary}, indent=2) + "\n")
    print(json.dumps(summary, indent=2))
    print(f"wrote {output}")


if __name__ == "__main__":
    main()
