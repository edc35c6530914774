"""The ``helios`` command line."""

from __future__ import annotations

import argparse
import faulthandler
import logging
import os
import re
import signal
import sys
import traceback
import webbrowser

from helios_app.errors import HeliosError

logger = logging.getLogger(__name__)


def _size(text: str) -> tuple[int, int]:
    try:
        width, height = (int(part) for part in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected WIDTHxHEIGHT such as 960x540, got {text!r}") from None
    return width, height


_BYTE_UNITS = {"": 1, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30, "t": 1 << 40}
MAX_INPUT_SIZE_HELP = (
    "refuse a graph file holding more than SIZE bytes after decompression: 500M, 8G (powers of 1024) "
    "or bytes (default: 4G)"
)


def _byte_size(text: str) -> int:
    """A size such as ``500M``, ``8G``, ``1.5G`` (powers of 1024) or a number of bytes."""
    match = re.fullmatch(r"(\d+(?:\.\d+)?)\s*([kmgt]?)(?:i?b)?", text.strip().lower())
    if match is None or float(match.group(1)) <= 0:
        raise argparse.ArgumentTypeError(f"expected a size such as 500M, 8G or a byte count, got {text!r}")
    return int(float(match.group(1)) * _BYTE_UNITS[match.group(2)])


LAYOUT_OPTION_HELP = (
    "a layout parameter, repeatable: fr: theta, gravity (default: from the graph), cooling_factor, "
    "repulsion_exponent, ...; fa2: scaling_ratio, gravity, strong_gravity, lin_log, dissuade_hubs, "
    "prevent_overlap, ... (e.g. --set lin_log=true)"
)


def _layout_parameters(layout: str, assignments: list[str]) -> dict[str, object]:
    """``--set NAME=VALUE`` options as typed parameters of the ``layout`` algorithm."""
    import dataclasses

    from helios_app.config import LAYOUTS, check_layout_parameters

    types = {field.name: field.type for field in dataclasses.fields(LAYOUTS[layout].parameters_type)}
    parameters: dict[str, object] = {}
    for assignment in assignments:
        name, separator, text = assignment.partition("=")
        name = name.strip().replace("-", "_")
        if not separator or name not in types:
            raise HeliosError(
                f"--set {assignment}: expected NAME=VALUE, NAME one of the {layout} layout's parameters: "
                f"{', '.join(types)}"
            )
        parameters[name] = _parameter_value(assignment, types[name], text.strip())
    check_layout_parameters(layout, parameters)
    return parameters


def _parameter_value(assignment: str, type_text: str, text: str) -> object:
    """``text`` as the type named by a parameter's annotation (``float | None``, ``bool``, ...)."""
    lowered = text.lower()
    if "None" in type_text and lowered in ("none", "auto"):
        return None
    if type_text.startswith("bool"):
        if lowered in ("true", "yes", "on", "1"):
            return True
        if lowered in ("false", "no", "off", "0"):
            return False
        raise HeliosError(f"--set {assignment}: expected true or false")
    number = int if type_text.startswith("int") else float
    try:
        return number(text)
    except ValueError:
        kind = "an integer" if number is int else "a number"
        raise HeliosError(f"--set {assignment}: {text!r} is not {kind}") from None


WEIGHT_HELP = ("what pulls an edge's ends together: the file's weights (default), another numeric edge "
               "attribute, or none")


def _look_options() -> argparse.ArgumentParser:
    """Options shared by every command that draws a graph: layout and encodings."""
    from helios_app.config import LAYOUTS, MARKER_CHOICES, THEME_CHOICES

    options = argparse.ArgumentParser(add_help=False)
    options.add_argument("path", metavar="PATH", help="graph file: GML or an edge list, optionally .gz")
    options.add_argument("--max-input-size", type=_byte_size, metavar="SIZE", help=MAX_INPUT_SIZE_HELP)
    options.add_argument("--layout", default="fr", choices=sorted(LAYOUTS), help="layout algorithm")
    options.add_argument("--seed", type=int, default=0, help="seed of the initial layout (default: %(default)s)")
    options.add_argument("--set", dest="layout_options", action="append", default=[], metavar="NAME=VALUE",
                         help=LAYOUT_OPTION_HELP)
    options.add_argument("--3d", dest="dimensions", action="store_const", const=3, default=2, help="3D layout")
    options.add_argument("--weight", default="weight", metavar="ATTR|none", help=WEIGHT_HELP)
    options.add_argument("--time-column", metavar="N|NAME", default=None,
                         help="an edge list's column of edge times (3 or 4, or its header name): a dynamic graph")
    options.add_argument("--color-by", default="degree", metavar="ATTR",
                         help="node colour: degree, community, a measure (pagerank, louvain...) or a node attribute "
                         "(default: degree)")
    options.add_argument("--size-by", default="degree", metavar="ATTR",
                         help="node size: degree, uniform, a measure (betweenness...) or a numeric node attribute "
                         "(default: degree)")
    options.add_argument("--measure", dest="measures", type=_measure_list, default={}, metavar="NAME[,NAME...]",
                         help="compute these measures at start (in the background in a live view); each becomes "
                         "a node attribute: degree, in_degree, out_degree, weighted_degree, pagerank, betweenness, "
                         "closeness, harmonic, eigenvector, clustering, k_core, component, louvain, leiden")
    options.add_argument("--theme", default="dark", choices=THEME_CHOICES, help="colour theme (default: dark)")
    options.add_argument("--marker", default="circle", choices=MARKER_CHOICES,
                         help="node shape in 2D (default: circle; 3D draws spheres)")
    options.add_argument("--no-labels", dest="labels", action="store_false", help="draw no node labels")
    options.add_argument("--arrows", default="auto", choices=("auto", "on", "off"),
                         help="arrowheads at the targets: auto (directed edges), on or off (default: auto)")
    options.add_argument("--edge-color-by", default="none", metavar="ATTR",
                         help="edge colour: none (tinted by the ends), weight, source, target or an edge attribute")
    options.add_argument("--edge-width-by", default="none", metavar="ATTR",
                         help="edge width: none, weight or a numeric edge attribute (log scale for heavy tails)")
    options.add_argument("--edge-width-range", default="0.5,6", metavar="LOW,HIGH",
                         help="narrowest and widest edge in pixels (default: 0.5,6)")
    options.add_argument("--edge-opacity", type=float, default=1.0, metavar="0..1", help="edge opacity (default: 1)")
    options.add_argument("--edge-curvature", type=float, default=0.0, metavar="BEND",
                         help="bend every edge (0.2: a gentle curve); parallel and reciprocal edges bend apart anyway")
    options.add_argument("--edge-labels", default=None, metavar="ATTR",
                         help="an edge attribute (or weight) shown along the edges of the selection, and when zoomed in")
    return options


def build_parser() -> argparse.ArgumentParser:
    from helios_app.config import LAYOUTS

    parser = argparse.ArgumentParser(prog="helios", description="Live force-directed views of networks.")
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress and show tracebacks")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    look = _look_options()

    view = commands.add_parser("view", parents=[look], help="lay out a graph and serve a live, shared view of it")
    view.add_argument("--host", default="127.0.0.1", help="address to listen on (default: %(default)s)")
    view.add_argument("--port", type=int, default=8000, help="port, 0 for any free one (default: %(default)s)")
    view.add_argument("--size", type=_size, default=(960, 540), help="picture size WxH (default: 960x540)")
    view.add_argument("--max-fps", type=float, default=30.0, help="frame-rate cap (default: %(default)s)")
    view.add_argument("--token", default="", help="the editors' access token (default: a random one)")
    view.add_argument("--watch-token", default="", help="the watchers' access token (default: a random one)")
    view.add_argument("--max-size", type=_size, default=(1920, 1080),
                      help="largest picture; it follows the steering editor's window up to this (default: 1920x1080)")
    view.add_argument("--allow-origin", dest="allowed_origins", action="append", default=[], metavar="ORIGIN",
                      help="let pages of another site (scheme://host[:port]) drive the view; repeatable")
    view.add_argument("--ice-server", dest="ice_servers", action="append", default=[], metavar="URL",
                      help="a STUN or TURN server (stun:HOST:PORT, turn:HOST:PORT) for the server and every page, "
                      "so viewers behind NAT connect; repeatable (default: none, nothing outside is contacted)")
    view.add_argument("--ice-username", default="", metavar="USER",
                      help="the TURN servers' user name (a static user: every page gets it)")
    view.add_argument("--ice-credential", default="", metavar="PASSWORD",
                      help="the TURN servers' password (a static user: every page gets it)")
    view.add_argument("--ice-secret", default=os.environ.get("HELIOS_TURN_SECRET", ""), metavar="SECRET",
                      help="the TURN servers' static-auth-secret (coturn --use-auth-secret): each page gets its own "
                      "credential that expires, never the secret; instead of --ice-username/--ice-credential. "
                      "Default: the HELIOS_TURN_SECRET environment variable, which keeps it out of the process list")
    view.add_argument("--ice-credential-ttl", dest="ice_credential_ttl_s", type=float, default=3600.0,
                      metavar="SECONDS", help="how long a page's TURN credential is valid; a relay made in time "
                      "outlives it, a reconnect gets a new one (default: %(default)g)")
    view.add_argument("--publish", default="", metavar="SFU",
                      help="publish the stream to a Janus VideoRoom (janus:http://HOST:8088/janus?room=N) and let "
                      "viewers watch through it; they fall back to helios's own stream if it is unreachable")
    view.add_argument("--stamp-frames", action="store_true", help="draw a latency bar code for the probes")
    view.add_argument("--session", default="", metavar="FILE",
                      help="restore a saved view (positions, pins, camera, encodings) of this graph")
    view.add_argument("--resume", action="store_true",
                      help="start from this graph's autosaved view (after a crash or a stop): pins, positions, "
                      "camera, filters, highlights, live edits and history; `helios sessions` lists them")
    view.add_argument("--no-autosave", dest="autosave", action="store_false",
                      help="do not save the view every few seconds in the state directory (see `helios sessions`)")
    view.add_argument("--no-window", dest="window", action="store_false",
                      help="no desktop window even when a display is available")
    view.add_argument("--open", action="store_true", help="open the view in this machine's web browser")

    layout = commands.add_parser("layout", help="lay a graph out headless and write the positions")
    layout.add_argument("path", metavar="PATH", help="graph file")
    layout.add_argument("--max-input-size", type=_byte_size, metavar="SIZE", help=MAX_INPUT_SIZE_HELP)
    layout.add_argument("-o", "--output", required=True, metavar="OUT",
                        help="positions file: .csv (id,x,y[,z]), .gexf, .graphml, .gml or .json (optionally .gz)")
    layout.add_argument("--layout", default="fr", choices=sorted(LAYOUTS), help="layout algorithm")
    layout.add_argument("--iterations", type=int, default=None, help="run exactly N iterations (default: until settled)")
    layout.add_argument("--seed", type=int, default=0, help="seed (default: %(default)s)")
    layout.add_argument("--set", dest="layout_options", action="append", default=[], metavar="NAME=VALUE",
                        help=LAYOUT_OPTION_HELP)
    layout.add_argument("--3d", dest="dimensions", action="store_const", const=3, default=2, help="3D layout")
    layout.add_argument("--weight", default="weight", metavar="ATTR|none", help=WEIGHT_HELP)
    layout.add_argument("--time-column", metavar="N|NAME", default=None,
                         help="an edge list's column of edge times (3 or 4, or its header name): a dynamic graph")

    commands.add_parser("sessions", help="list the autosaved views that `helios view GRAPH --resume` can restore")

    render = commands.add_parser("render", parents=[look],
                                 help="write a picture (PNG, SVG, PDF) or a self-contained page (HTML) of the "
                                      "settled layout, or a video")
    render.add_argument("-o", "--output", metavar="OUT.png|OUT.svg|OUT.pdf|OUT.html",
                        help="picture of the settled layout: PNG, or SVG or PDF with labels and legend as text, or "
                             "HTML: one file that anyone explores in a browser, offline, without Helios")
    render.add_argument("--video", metavar="OUT.mp4", help="H.264 video of the layout settling")
    render.add_argument("--seconds", type=float, default=20.0, help="video length (default: %(default)s)")
    render.add_argument("--size", type=_size, default=(1920, 1080), help="picture size WxH (default: 1920x1080)")

    stats = commands.add_parser("stats", help="print a graph's statistics; with -o, write per-node measures as CSV")
    stats.add_argument("path", metavar="PATH", help="graph file")
    stats.add_argument("--max-input-size", type=_byte_size, metavar="SIZE", help=MAX_INPUT_SIZE_HELP)
    stats.add_argument("--time-column", metavar="N|NAME", default=None,
                       help="an edge list's column of edge times (3 or 4, or its header name): a dynamic graph")
    stats.add_argument("--json", action="store_true", help="print the statistics as JSON")
    stats.add_argument("-o", "--output", metavar="NODES.csv",
                       help="also write one row per node: id, label and the measures (see --measures)")
    stats.add_argument("--measures", metavar="LIST", default=None,
                       help="comma-separated measures for -o (default: all): " + ", ".join(_measure_names()))
    stats.add_argument("--weight", default="weight", metavar="ATTR|none",
                       help="edge weights of the measures: the file's (default), another numeric edge attribute, "
                       "or none")
    stats.add_argument("--samples", type=int, default=None, metavar="N",
                       help="betweenness: source nodes sampled (default: the measure's own choice)")
    stats.add_argument("--seed", type=int, default=0, help="seed of sampled betweenness and communities "
                       "(default: %(default)s)")
    return parser


def _measure_names() -> list[str]:
    from helios_app.graph.measures import MEASURES

    return list(MEASURES)


def _measure_list(text: str) -> dict[str, dict]:
    """``--measure pagerank,betweenness``: each name checked against the measures."""
    from helios_app.graph.measures import MEASURES

    names = [name.strip() for name in text.split(",") if name.strip()]
    unknown = [name for name in names if name not in MEASURES]
    if unknown or not names:
        raise argparse.ArgumentTypeError(f"no measure {(unknown or [text])[0]!r}; choose from {', '.join(MEASURES)}")
    return {name: {} for name in names}


LOOK_SETTINGS = ("color_by", "size_by", "theme", "labels", "marker", "weight", "arrows", "edge_color_by",
                 "edge_width_by", "edge_width_range", "edge_opacity", "edge_curvature", "edge_labels", "measures")
"""The look options (_look_options) that go to ViewConfig under the same name."""


def _config(arguments: argparse.Namespace, **server_options):
    from helios_app.config import ViewConfig

    return ViewConfig(
        layout=arguments.layout,
        seed=arguments.seed,
        dimensions=arguments.dimensions,
        width=arguments.size[0],
        height=arguments.size[1],
        **{name: getattr(arguments, name) for name in LOOK_SETTINGS},
        layout_parameters=_layout_parameters(arguments.layout, arguments.layout_options),
        **server_options,
    )


def _read(path: str, time_column: str | None = None, max_input_size: int | None = None):
    """Read a graph file, with a progress bar on a terminal for big files."""
    from helios_app.io import read_graph
    from helios_app.progress import TerminalProgress

    column = int(time_column) if time_column is not None and time_column.isdigit() else time_column
    options = {} if max_input_size is None else {"max_input_size": max_input_size}
    with TerminalProgress(f"reading {path}") as progress:
        if column is None:
            return read_graph(path, progress=progress, **options)
        return read_graph(path, progress=progress, time_column=column, **options)


def run_layout_command(arguments: argparse.Namespace) -> int:
    import time

    from helios_app.config import ViewConfig, build_layout
    from helios_app.io.writers import output_format, write_positions
    from layouts import layout_quality, settle_layout

    if arguments.iterations is not None and arguments.iterations < 0:
        raise HeliosError(f"--iterations must be at least 0, got {arguments.iterations}")
    config = ViewConfig(layout=arguments.layout, seed=arguments.seed, dimensions=arguments.dimensions,
                        weight=arguments.weight,
                        layout_parameters=_layout_parameters(arguments.layout, arguments.layout_options))
    output_format(arguments.output)  # a bad suffix or a missing directory fails before any work
    graph = _read(arguments.path, arguments.time_column, arguments.max_input_size)
    started = time.perf_counter()
    layout = build_layout(graph, config)
    iterations = settle_layout(layout, arguments.iterations)
    positions, seconds = layout.positions.copy(), time.perf_counter() - started
    write_positions(graph, positions, arguments.output)
    edges = graph.layout_edges()
    quality = layout_quality(edges, graph.node_count, positions, seed=arguments.seed)
    print(
        f"helios: {arguments.layout} layout of {graph.node_count} nodes, {len(edges)} edges: {iterations} iterations "
        f"in {seconds:.2f} s; normalised stress {quality['stress']:.4f}, "
        f"neighbourhood preservation {quality['neighbourhood_preservation']:.3f}; wrote {arguments.output}",
        flush=True,
    )
    return 0


def run_render(arguments: argparse.Namespace) -> int:
    from helios_app.io.writers import check_output_directory
    from helios_app.output import picture_format, render_picture, render_video

    if not arguments.output and not arguments.video:
        raise HeliosError("render needs -o OUT.png|OUT.svg|OUT.pdf|OUT.html, --video OUT.mp4, or both")
    if arguments.output:
        picture_format(arguments.output)  # a bad suffix or a missing directory fails before the graph is read
    if arguments.video:
        check_output_directory(arguments.video)
    config = _config(arguments)
    graph = _read(arguments.path, arguments.time_column, arguments.max_input_size)
    if arguments.output:
        result = render_picture(graph, config, arguments.output)
        size = f", {result['bytes'] / 1e6:.1f} MB" if "bytes" in result else ""
        print(f"helios: wrote {arguments.output} after {result['iterations']} layout iterations "
              f"({result['seconds']:.1f} s{size})", flush=True)
    if arguments.video:
        result = render_video(graph, config, arguments.video, arguments.seconds)
        print(f"helios: wrote {arguments.video}: {result['frames']} frames", flush=True)
    return 0


def run_sessions() -> int:
    import datetime

    from helios_app.autosave import list_sessions, printable, state_directory

    sessions = list_sessions()
    if not sessions:
        print(f"helios: no autosaved views in {printable(str(state_directory() / 'sessions'))}")
        return 0
    print(f"{'saved (UTC)':<20} {'nodes':>9} {'edges':>10} {'size':>9}  graph (resume with: helios view GRAPH "
          "--resume, while GRAPH's content is the same as when saved)")
    for session in sessions:
        saved = datetime.datetime.fromtimestamp(session.saved_at, datetime.UTC).strftime("%Y-%m-%d %H:%M:%S")
        # The source is text from a file: escapes, not a terminal's commands (a colour, a cleared screen).
        print(f"{saved:<20} {session.node_count:>9,} {session.edge_count:>10,} "
              f"{session.size_bytes / 1e6:>7.1f}MB  {printable(session.source)}")
    return 0


def run_view(arguments: argparse.Namespace) -> int:
    from helios_app.render.display import display_available
    from helios_app.session import ViewSession, is_loopback

    if arguments.window and os.environ.get("DISPLAY") and not display_available():
        print(f"helios: no X server answers at DISPLAY={os.environ['DISPLAY']}; showing no window", flush=True)
    has_display = display_available()
    config = _config(
        arguments, max_fps=arguments.max_fps, host=arguments.host, port=arguments.port, token=arguments.token,
        watch_token=arguments.watch_token, max_width=arguments.max_size[0], max_height=arguments.max_size[1],
        stamp_frames=arguments.stamp_frames, window=arguments.window and has_display,
        session_file=arguments.session, autosave=arguments.autosave, resume=arguments.resume,
        allowed_origins=tuple(arguments.allowed_origins), ice_servers=tuple(arguments.ice_servers),
        ice_username=arguments.ice_username,
        ice_credential=arguments.ice_credential, ice_secret=arguments.ice_secret,
        ice_credential_ttl_s=arguments.ice_credential_ttl_s, publish=arguments.publish,
    )
    graph = _read(arguments.path, arguments.time_column, arguments.max_input_size)
    session = ViewSession(graph, config)
    for signal_number in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signal_number, lambda *_: session.stop_requested.set())
    session.start()
    try:
        shown_graph = session.graph  # a restored view's live edits included (graph is the file as read)
        print(
            f"helios: {shown_graph.node_count} nodes, {len(shown_graph.layout_edges())} edges from {arguments.path}",
            flush=True,
        )
        if not is_loopback(config.host):
            print("helios: listening beyond this machine; anyone with the link below can view", flush=True)
        if arguments.resume:
            entries = session.history.entries
            print(f"helios: resumed the autosaved view: {len(session.worker.pinned)} pinned nodes, "
                  f"{len(entries)} history entries", flush=True)
        elif session.earlier_autosave is not None:
            print(f"helios: this graph has an autosaved view ({session.earlier_autosave}); `helios view "
                  f"{arguments.path} --resume` restores it; this view replaces it once you change something",
                  flush=True)
        print(f"helios: open {session.url}", flush=True)
        print(f"helios: watch {session.watch_url}", flush=True)
        print("helios: press Ctrl-C to stop", flush=True)
        if arguments.open:
            webbrowser.open(session.url)
        if config.window:
            print("helios: the view is also in a desktop window; closing it stops helios", flush=True)
        while not session.stop_requested.wait(0.5):
            pass
    finally:
        try:
            session.stop(timeout_s=1.5)
        except TimeoutError as error:
            # A thread stuck in native code (a kernel, a driver) must not keep the command alive; the
            # port and the shared memory are already released.
            print(f"helios: error: {error}; exiting anyway", file=sys.stderr, flush=True)
            sys.stdout.flush()
            os._exit(1)
    print("helios: stopped", flush=True)
    return 0


_STATISTICS_TABLE = (
    ("nodes", "nodes"), ("edges", "edges"), ("edge_records", "edge records"), ("self_loops", "self-loops"),
    ("directed", "directed"), ("weighted", "weighted"), ("density", "density"), ("components", "components"),
    ("largest_component", "largest component"), ("average_degree", "average degree"),
    ("max_degree", "max degree"), ("average_in_degree", "average in/out-degree"),
    ("max_in_degree", "max in-degree"), ("max_out_degree", "max out-degree"),
    ("average_clustering", "average clustering"), ("diameter", "diameter"), ("assortativity", "assortativity"),
)


def _statistics_table(statistics: dict) -> list[str]:
    """The statistics as aligned ``name  value`` lines; the degree distribution as one short line."""
    rows = []
    for key, title in _STATISTICS_TABLE:
        if key not in statistics or statistics[key] is None and key != "assortativity":
            continue
        value = statistics[key]
        if key == "diameter":
            text = f"{value} hops (largest component, {'exact' if statistics['diameter_exact'] else 'lower bound'})"
        elif value is None:
            text = "undefined"
        elif isinstance(value, bool):
            text = "yes" if value else "no"
        elif isinstance(value, int):
            text = f"{value:,}"
        else:
            text = f"{value:.6g}"
        rows.append((title, text))
    distribution = statistics["degree_distribution"]["total"]
    pairs = [f"{degree}: {count:,}" for degree, count in zip(distribution["degrees"], distribution["counts"],
                                                              strict=True)]
    shown = ", ".join(pairs[:6]) + (f", ... ({len(pairs)} distinct degrees)" if len(pairs) > 6 else "")
    rows.append(("degree: nodes", shown or "none"))
    width = max(len(title) for title, _ in rows)
    return [f"{title:<{width}}  {text}" for title, text in rows]


def run_stats(arguments: argparse.Namespace) -> int:
    import csv
    import json

    from helios_app.graph.measures import MEASURES, compute, measure_graph
    from helios_app.graph.measures.statistics import graph_statistics
    from helios_app.io.writers import check_output_directory

    names = list(MEASURES)
    if arguments.measures is not None:
        names = [name.strip() for name in arguments.measures.split(",") if name.strip()]
        unknown = [name for name in names if name not in MEASURES]
        if unknown or not names:
            raise HeliosError(f"--measures: unknown measure {', '.join(unknown) or '(none given)'}; choose from "
                              f"{', '.join(MEASURES)}")
    if arguments.samples is not None and arguments.samples < 1:
        raise HeliosError(f"--samples must be at least 1, got {arguments.samples}")
    if arguments.output:
        check_output_directory(arguments.output)  # a missing directory fails before any work
    graph = _read(arguments.path, arguments.time_column, arguments.max_input_size)
    structure = measure_graph(graph, arguments.weight)
    statistics = graph_statistics(structure)
    statistics["edge_records"] = int(graph.edge_count)
    statistics["self_loops"] = int((graph.edges[:, 0] == graph.edges[:, 1]).sum()) if graph.edge_count else 0
    if arguments.json:
        print(json.dumps(statistics, indent=2), flush=True)
    else:
        print(f"helios: statistics of {arguments.path}")
        print("\n".join(_statistics_table(statistics)), flush=True)
    if not arguments.output:
        return 0
    columns = []
    for name in names:
        options: dict[str, object] = {}
        if name == "betweenness":
            options["seed"] = arguments.seed
            if arguments.samples is not None:
                options["samples"] = arguments.samples
        elif name in ("louvain", "leiden"):
            options["seed"] = arguments.seed
        result = compute(structure, name, **options)
        if result.details:
            details = ", ".join(f"{key} {value}" for key, value in result.details.items())
            print(f"helios: {name}: {details}", file=sys.stderr, flush=True)
        categorical = MEASURES[name].categorical
        columns.append([str(int(value)) for value in result.values] if categorical else
                       [repr(float(value)) for value in result.values])
    labels = graph.labels or [""] * graph.node_count
    with open(arguments.output, "w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(["id", "label", *names])
        for index, node_id in enumerate(graph.node_ids):
            writer.writerow([node_id, labels[index], *(column[index] for column in columns)])
    print(f"helios: wrote {len(names)} measures of {graph.node_count:,} nodes to {arguments.output}", flush=True)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    arguments = parser.parse_args(argv)
    faulthandler.enable()  # a crash or SIGABRT (e.g. from a hung test) prints every thread's stack
    logging.basicConfig(
        level=logging.INFO if arguments.verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    try:
        if arguments.command == "view":
            code = run_view(arguments)
            # Everything the view owned is released (threads joined, port closed, segment unlinked).
            # Skip the interpreter's teardown of VTK, numba and aiortc: it costs 0.5 s of CPU here, more
            # on a loaded machine, and would stretch Ctrl-C past its 2 s.
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(code)
        if arguments.command == "render":
            return run_render(arguments)
        if arguments.command == "layout":
            return run_layout_command(arguments)
        if arguments.command == "sessions":
            return run_sessions()
        if arguments.command == "stats":
            return run_stats(arguments)
    except HeliosError as error:
        if arguments.verbose:
            traceback.print_exc()
        print(f"helios: error: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except Exception as error:  # noqa: BLE001 - an unexpected failure: one line, the traceback only with -v
        if arguments.verbose:
            traceback.print_exc()
        print(f"helios: error: {type(error).__name__}: {error}", file=sys.stderr)
        if not arguments.verbose:
            print("helios: (an unexpected error: run with -v for the traceback, and please report it)",
                  file=sys.stderr)
        return 1
    parser.error(f"unknown command {arguments.command}")
    return 2


if __name__ == "__main__":
    sys.exit(main())
