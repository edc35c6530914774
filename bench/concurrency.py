"""Does the view slow the layout down? Layout iterations per second alone, then with the view open.

"With the view open" is the live pipeline of `helios view` without the network: the layout worker
publishes positions, the render loop renders every new version off-screen at up to its frame cap
and hands frames to the latest-frame slot, and a consumer thread converts each frame to yuv420p
as the WebRTC track would. The ratio should stay at or above 0.8.

The layout kernels' OpenMP threads sleep between parallel loops, as in a view
(``layouts.let_idle_kernel_threads_sleep``); ``--kernel-threads spin`` keeps libgomp's default
spinning, as before that change.

Usage: python bench/concurrency.py [--graphs power.gml,ca-CondMat.txt.gz,Email-Enron.txt.gz] [--seconds 10]
                                   [--kernel-threads sleep|spin]
Writes a Markdown table to stdout and to bench/results/concurrency-sleep.md (or -spin.md).
"""

from __future__ import annotations

import argparse
import threading
import time
from pathlib import Path

from helios_app.io import read_graph
from helios_app.render.render_loop import RenderLoop
from helios_app.render.scene import GraphScene
from layouts import LAYOUT_ALGORITHMS, LayoutWorker, PositionBuffer, let_idle_kernel_threads_sleep
from web.encoders import YuvConverter
from web.frames import LatestFrameSlot

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


def iterations_per_second(graph, algorithm: str, seconds: float, with_view: bool) -> tuple[float, float]:
    """(layout iterations per second, frames per second) over ``seconds`` after a warm-up."""
    edges = graph.layout_edges()
    layout = LAYOUT_ALGORITHMS[algorithm](edges, graph.node_count, dimensions=2, seed=0)
    layout.step()  # compile outside the measurement
    frames = LatestFrameSlot()
    converter = YuvConverter()
    stop = threading.Event()

    def consume():  # what a WebRTC track does with each new frame
        last = 0
        while not stop.is_set():
            frame = frames.latest()
            if frame is not None and frame.sequence != last:
                converter.convert(frame)
                last = frame.sequence
            time.sleep(0.005)

    with PositionBuffer(graph.node_count, 2) as buffer:
        loop = RenderLoop(lambda: GraphScene(edges, graph.node_count, 2, 960, 540, labels=graph.node_ids),
                          buffer, frames.publish) if with_view else None
        consumer = threading.Thread(target=consume, daemon=True)
        worker = LayoutWorker(layout, buffer, settle_tolerance=0.0)  # never settles during the measurement
        if loop is not None:
            loop.start()
            consumer.start()
        worker.start()
        try:
            time.sleep(1.0)
            iterations, rendered, started = worker.state.iteration, loop.frames_rendered if loop else 0, time.perf_counter()
            time.sleep(seconds)
            elapsed = time.perf_counter() - started
            rate = (worker.state.iteration - iterations) / elapsed
            frame_rate = ((loop.frames_rendered if loop else 0) - rendered) / elapsed
        finally:
            worker.stop(5.0)
            stop.set()
            if loop is not None:
                loop.stop(5.0)
                consumer.join(5.0)
    return rate, frame_rate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--graphs", default="power.gml,ca-CondMat.txt.gz,Email-Enron.txt.gz")
    parser.add_argument("--layout", default="fr")
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--kernel-threads", choices=("sleep", "spin"), default="sleep")
    arguments = parser.parse_args()
    if arguments.kernel_threads == "sleep":
        let_idle_kernel_threads_sleep()
    rows = []
    for name in arguments.graphs.split(","):
        graph = read_graph(SHARED_DATA / name)
        alone, _ = iterations_per_second(graph, arguments.layout, arguments.seconds, with_view=False)
        together, frame_rate = iterations_per_second(graph, arguments.layout, arguments.seconds, with_view=True)
        rows.append(f"| {name} | {graph.node_count:,} | {alone:.1f} | {together:.1f} | {frame_rate:.1f} | "
                    f"{together / alone:.2f} |")
        print(rows[-1], flush=True)
    table = "\n".join([
        (f"Layout `{arguments.layout}` (2D), iterations per second over {arguments.seconds:.0f} s, alone and with "
         f"the view rendering every new version at 960x540; kernel threads {arguments.kernel_threads} when idle."),
        "",
        "| graph | nodes | iterations/s alone | iterations/s with view | view frames/s | ratio |",
        "|---|---:|---:|---:|---:|---:|",
        *rows,
    ])
    print(table)
    output = Path(__file__).parent / "results" / f"concurrency-{arguments.kernel_threads}.md"
    output.parent.mkdir(exist_ok=True)
    output.write_text(table + "\n")


if __name__ == "__main__":
    main()
