"""What a view is asked for, and the one place its layout is built: no server, no VTK, so that
``helios layout`` and other light doors import only this (and :mod:`layouts`)."""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from helios_app.errors import HeliosError, shown
from helios_app.graph import Graph
from layouts import LAYOUT_ALGORITHMS

LAYOUTS = LAYOUT_ALGORITHMS
THEME_CHOICES = ("dark", "light")
MARKER_CHOICES = ("circle", "square", "diamond", "triangle")
MAX_CREDENTIAL_TTL_S = 365 * 86400.0
"""The longest life of a minted TURN credential: a year (``web.turn`` refuses more, with the same bound; it
cannot import this package). Longer defeats an expiring credential, and an infinite one made the expiry an
OverflowError in every page's hello."""


@dataclass(frozen=True)
class ViewConfig:
    """Everything a live view can be asked for; the CLI and Jupyter build the same object.

    Attributes
    ----------
    layout : str
        Layout algorithm, one of :data:`LAYOUTS`.
    seed : int
        Seed of the layout's initial positions; the same seed gives the same layout.
    dimensions : int
        2 or 3.
    width, height : int
        Size of the streamed picture in pixels until a browser's page reports its size: then the
        picture follows the steering editor's stage, up to ``max_width`` x ``max_height``.
    max_width, max_height : int
        The largest picture a page's stage can ask for.
    max_fps : float
        Upper bound on rendered and streamed frames per second.
    host, port : str, int
        Where the server listens (port 0: any free port).
    token : str
        The editors' access token; empty means a random one is made.
    watch_token : str
        The watchers' token (watch, point, hover, search); empty means a random one is made.
    stamp_frames : bool
        Draw a latency bar code into each frame for the measuring probes (``shared/probes``).
    color_by : str
        ``degree``, ``community`` or a node attribute (see :func:`helios_app.graph.encodings.encode_nodes`).
    size_by : str
        ``degree``, ``uniform`` or a numeric node attribute.
    arrows : str
        ``auto`` (arrowheads on directed edges), ``on`` or ``off``.
    edge_color_by, edge_width_by : str
        Edge colour (``none``: tinted by the ends, ``weight``, ``source``, ``target`` or an edge attribute)
        and width (``none``, ``weight`` or a numeric edge attribute, scaled into ``edge_width_range`` pixels);
        see :func:`helios_app.graph.edge_encodings.encode_edges`.
    edge_opacity, edge_curvature : float
        0 to 1; the bend of every edge (parallel and reciprocal edges are bent apart anyway).
    edge_labels : str or None
        An edge attribute (or ``weight``) shown along the edges of the selection, and of any edge when zoomed
        in enough for its label to fit.
    theme : str
        ``dark`` or ``light``.
    labels : bool
        Label the most connected nodes (and the picked one).
    marker : str
        Node shape in 2D: one of :data:`MARKER_CHOICES`; 3D views draw shaded spheres.
    window : bool
        Also show the view in a desktop window (needs a display); closing it ends the session.
    session_file : str
        A session file (see :func:`helios_app.io.session_file.save_session`) whose positions, pins, camera,
        encodings, layout and seed this view starts from; its graph must be this graph.
    autosave : bool
        Save the view's session every few seconds while it changes, in the per-user state directory
        (:mod:`helios_app.autosave`), so that a crash loses at most the last interval.
    resume : bool
        Start from this graph's autosaved session (pins, positions, camera, filters, highlights, style, live
        edits, history); an error if there is none. Not with ``session_file``.
    layout_parameters : dict
        Parameters of the layout algorithm (fields of its ``parameters_type``, e.g. ``gravity``,
        ``lin_log``); the algorithm's defaults for the others.
    allowed_origins : tuple of str
        Origins of other sites whose pages may drive the view (``/ws``, ``/offer``), e.g.
        ``https://lab.example.org``; the view's own origin always may.
    weight : str
        What pulls an edge's ends together: ``weight`` (the weights the file or graph gives; none
        means all alike), another numeric edge attribute, or ``none``.
    ice_servers : tuple of str
        STUN/TURN servers (``stun:host:3478``, ``turn:host:3478``, ``turns:host:5349``) both the
        server and every page use for WebRTC; none by default, and then nothing outside is contacted.
    ice_username, ice_credential : str
        The TURN servers' user name and password (one static user, sent to every page).
    ice_secret : str
        The TURN servers' ``static-auth-secret`` (coturn's ``--use-auth-secret``): instead of a static
        user, each page gets its own credential, minted from it, that expires (``web.turn``).
    ice_credential_ttl_s : float
        Seconds a minted credential is valid (an hour; ``web.turn.DEFAULT_CREDENTIAL_TTL_S`` says why).
    publish : str
        An SFU to publish the view's stream to, which viewers then watch through:
        ``janus:http://HOST:8088/janus?room=N`` (a Janus VideoRoom, created if missing; add
        ``&viewers=URL`` if browsers reach Janus's API at another address). Empty: viewers get helios's
        own stream.
    measures : dict of str to dict
        Measures to compute in the background once the view starts (``--measure pagerank,betweenness``),
        each with its options (``{"betweenness": {"samples": 500}}``); see ``helios_app.graph.measures``.
    """

    layout: str = "fr"
    seed: int = 0
    dimensions: int = 2
    width: int = 960
    height: int = 540
    max_width: int = 1920
    max_height: int = 1080
    max_fps: float = 30.0
    host: str = "127.0.0.1"
    port: int = 0
    token: str = ""
    watch_token: str = ""
    stamp_frames: bool = False
    color_by: str = "degree"
    size_by: str = "degree"
    arrows: str = "auto"
    edge_color_by: str = "none"
    edge_width_by: str = "none"
    edge_width_range: tuple[float, float] = (0.5, 6.0)
    edge_opacity: float = 1.0
    edge_curvature: float = 0.0
    edge_labels: str | None = None
    theme: str = "dark"
    labels: bool = True
    marker: str = "circle"
    window: bool = False
    session_file: str = ""
    autosave: bool = True
    resume: bool = False
    layout_parameters: dict[str, Any] = dataclasses.field(default_factory=dict)
    allowed_origins: tuple[str, ...] = ()
    weight: str = "weight"
    ice_servers: tuple[str, ...] = ()
    ice_username: str = ""
    ice_credential: str = ""
    ice_secret: str = dataclasses.field(default="", repr=False)
    ice_credential_ttl_s: float = 3600.0
    publish: str = ""
    measures: dict[str, dict[str, Any]] = dataclasses.field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "ice_servers", tuple(self.ice_servers))
        for url in self.ice_servers:
            scheme, _, address = url.partition(":")
            if scheme not in ("stun", "turn", "turns") or not address:
                raise HeliosError(f"an ICE server is stun:HOST[:PORT], turn:HOST[:PORT] or turns:HOST[:PORT]; got {url!r}")
            if scheme != "stun" and not (self.ice_username and self.ice_credential) and not self.ice_secret:
                raise HeliosError(f"the TURN server {url} needs --ice-secret, or --ice-username and --ice-credential")
        if self.ice_secret and (self.ice_username or self.ice_credential):
            raise HeliosError("--ice-secret (or HELIOS_TURN_SECRET) mints a credential per page; "
                              "drop --ice-username and --ice-credential")
        try:
            object.__setattr__(self, "ice_credential_ttl_s", check_credential_ttl(self.ice_credential_ttl_s))
        except (TypeError, ValueError) as error:
            raise HeliosError(f"--ice-credential-ttl {error}") from None
        if self.publish:
            sfu_target(self)  # raises naming what is wrong
        from helios_app.measuring import check_options

        object.__setattr__(self, "measures", {name: check_options(name, dict(options), "--measure")
                                              for name, options in dict(self.measures).items()})
        from helios_app.graph.edge_encodings import ARROW_CHOICES, parse_width_range

        if self.arrows not in ARROW_CHOICES:
            raise HeliosError(f"arrows must be one of {', '.join(ARROW_CHOICES)}, got {self.arrows!r}")
        object.__setattr__(self, "edge_width_range", parse_width_range(self.edge_width_range))
        if not 0.0 <= self.edge_opacity <= 1.0:
            raise HeliosError(f"edge_opacity must be from 0 to 1, got {self.edge_opacity}")
        if not -1.0 <= self.edge_curvature <= 1.0:
            raise HeliosError(f"edge_curvature must be from -1 to 1, got {self.edge_curvature}")
        if self.resume and self.session_file:
            raise HeliosError("--resume starts from the autosaved session; --session from a file: choose one")
        origins = tuple(origin.rstrip("/") for origin in self.allowed_origins)
        for origin in origins:
            if not origin.startswith(("http://", "https://")) or "/" in origin.split("://", 1)[1]:
                raise HeliosError(f"an allowed origin is scheme://host[:port], such as https://lab.example.org; got {origin!r}")
        object.__setattr__(self, "allowed_origins", origins)
        if self.marker not in MARKER_CHOICES or (self.dimensions == 3 and self.marker != "circle"):
            raise HeliosError(
                f"marker must be one of {', '.join(MARKER_CHOICES)} (3D views draw spheres), got {self.marker!r}"
            )
        if self.theme not in THEME_CHOICES:
            raise HeliosError(f"theme must be one of {', '.join(THEME_CHOICES)}, got {self.theme!r}")
        if self.layout not in LAYOUTS:
            raise HeliosError(f"layout must be one of {', '.join(LAYOUTS)}, got {self.layout!r}")
        check_layout_parameters(self.layout, self.layout_parameters)
        if self.dimensions not in (2, 3):
            raise HeliosError(f"dimensions must be 2 or 3, got {self.dimensions}")
        if not (64 <= self.width <= 3840 and 64 <= self.height <= 2160):
            raise HeliosError(f"size must be between 64x64 and 3840x2160, got {self.width}x{self.height}")
        if not (64 <= self.max_width <= 3840 and 64 <= self.max_height <= 2160):
            raise HeliosError(f"max size must be between 64x64 and 3840x2160, got {self.max_width}x{self.max_height}")
        if self.token and self.token == self.watch_token:
            raise HeliosError("the watch token must differ from the editors' token")
        if not 0 <= self.port <= 65535:
            raise HeliosError(f"port must be between 0 and 65535, got {self.port}")
        if not 1 <= self.max_fps <= 120:
            raise HeliosError(f"max_fps must be between 1 and 120, got {self.max_fps}")


def check_layout_parameters(layout: str, parameters: dict[str, Any]) -> None:
    """Raise a HeliosError naming the parameter if ``parameters`` do not suit the ``layout`` algorithm."""
    parameters_type = LAYOUTS[layout].parameters_type
    names = [field.name for field in dataclasses.fields(parameters_type)]
    unknown = sorted(set(parameters) - set(names))
    if unknown:
        raise HeliosError(
            f"{layout} layout has no parameter {', '.join(unknown)}; its parameters: {', '.join(names)}"
        )
    types = {field.name: field.type for field in dataclasses.fields(parameters_type)}
    for name, value in parameters.items():
        problem = _parameter_type_problem(types[name], value)
        if problem:
            raise HeliosError(f"{layout} layout: {name} {problem}, got {_short(value)}")
    try:
        parameters_type(**parameters)
    except (TypeError, ValueError, OverflowError, ArithmeticError) as error:
        # The parameters' own checks name the parameter; another error (a value of a type no annotation
        # above foresees) is named by the parameter that fails alone.
        culprit = next((name for name in parameters if _fails_alone(parameters_type, name, parameters[name])), None)
        if isinstance(error, ValueError) and (culprit is None or culprit in str(error)):
            raise HeliosError(f"{layout} layout: {error}") from None
        if culprit is not None:
            raise HeliosError(f"{layout} layout: {culprit} cannot be {_short(parameters[culprit])} ({error})") \
                from None
        raise HeliosError(f"{layout} layout: these parameters do not go together ({error})") from None


def _fails_alone(parameters_type: type, name: str, value: Any) -> bool:
    try:
        parameters_type(**{name: value})
    except (TypeError, ValueError, OverflowError, ArithmeticError):
        return True
    return False


def _parameter_type_problem(annotation: str, value: Any) -> str:
    """What is wrong with ``value`` for a parameter annotated ``annotation`` (``float``, ``bool | None``,
    ...): empty if nothing is. The parameters' own checks compare numbers; a string or a list there raised
    a TypeError naming no parameter, and an integer beyond a float an OverflowError."""
    kinds = {part.strip() for part in annotation.split("|")}
    if value is None:
        return "" if "None" in kinds else "must not be None"
    if kinds <= {"bool", "None"}:
        if isinstance(value, (bool, np.bool_)) or (type(value) is int and value in (0, 1)):
            return ""
        return "must be true or false"
    if kinds <= {"float", "int", "None"}:
        if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.integer, np.floating)):
            return "must be a number"
        try:
            magnitude = abs(float(value))
        except OverflowError:
            return "is too large a number"
        if not math.isfinite(magnitude):
            return "must be a finite number"
        if "float" not in kinds and isinstance(value, (float, np.floating)) and not float(value).is_integer():
            return "must be a whole number"
    return ""  # another annotation (e.g. node sizes as an array): the parameters' own check decides


def _short(value: Any) -> str:
    """``value`` as a message shows it, cut to 60 characters (a 400-digit number, a long list)."""
    text = shown(value)
    return text if len(text) <= 60 else text[:57] + "..."


def check_credential_ttl(ttl_s: Any) -> float:
    """``ttl_s`` as the seconds a minted TURN credential lives: a finite number > 0, at most
    :data:`MAX_CREDENTIAL_TTL_S`. Raise a TypeError or ValueError saying what is wrong."""
    if isinstance(ttl_s, (bool, np.bool_)) or not isinstance(ttl_s, (int, float, np.integer, np.floating)):
        raise TypeError(f"is a number of seconds, got {_short(ttl_s)}")
    try:
        seconds = float(ttl_s)
    except OverflowError:
        seconds = math.inf
    if not (math.isfinite(seconds) and 0 < seconds <= MAX_CREDENTIAL_TTL_S):
        raise ValueError(f"is a positive number of seconds, at most a year ({MAX_CREDENTIAL_TTL_S:,.0f}), "
                         f"got {_short(ttl_s)}")
    return seconds


def sfu_target(config: ViewConfig):
    """The SFU ``config.publish`` names (a ``web.sfu.SfuTarget``), or None."""
    if not config.publish:
        return None
    from web.sfu import SfuTarget  # here: only a view that publishes needs the web stack for this

    try:
        return SfuTarget.parse(config.publish)
    except ValueError as error:
        raise HeliosError(str(error)) from None


def ice_server_settings(config: ViewConfig) -> tuple[dict[str, str], ...]:
    """The ICE servers of ``config`` as WebRTC configurations want them (credentials on TURN only; none
    with a secret, from which the server mints each peer's)."""
    return tuple(
        {"urls": url} if url.startswith("stun:") or config.ice_secret else
        {"urls": url, "username": config.ice_username, "credential": config.ice_credential}
        for url in config.ice_servers
    )


def build_layout(graph: Graph, config: ViewConfig, restored: dict[str, Any] | None = None):
    """The layout of ``graph`` as ``config`` asks for it — the one place every door builds it (``helios
    view``, ``render``, ``layout``, Jupyter, the Python API).

    Its edges are the graph's layout edges weighted by ``config.weight``; it starts from a restored
    session's positions, pins and parameters if given, else from the positions the file gave (nodes it
    did not place start near the placed ones), else at random from ``config.seed``.
    """
    restored = restored or {}
    initial_positions = restored.get("positions")
    if initial_positions is None and graph.initial_positions is not None:
        initial_positions = _fit_dimensions(graph.initial_positions, config.dimensions)
    layout = LAYOUTS[config.layout](
        graph.layout_edges(), graph.node_count, dimensions=config.dimensions, seed=config.seed,
        weights=graph.layout_weights(config.weight), initial_positions=initial_positions,
        **{**restored.get("parameters", {}), **config.layout_parameters},
    )
    if len(restored.get("pins", ())):
        layout.set_pins(restored["pins"])
    return layout


def _fit_dimensions(positions: np.ndarray, dimensions: int) -> np.ndarray | None:
    """File positions (e.g. GEXF viz:position) as a starting layout of ``dimensions`` columns."""
    positions = np.asarray(positions, dtype=np.float64)
    if positions.shape[1] >= dimensions:
        positions = positions[:, :dimensions].copy()
    else:
        positions = np.c_[positions, np.zeros((len(positions), dimensions - positions.shape[1]))]
    missing = ~np.isfinite(positions).all(axis=1)
    if missing.all():
        return None
    if missing.any():  # nodes the file did not place start scattered over the placed ones
        placed = positions[~missing]
        spread = placed.std(axis=0) + 1e-9
        positions[missing] = placed.mean(axis=0) + np.random.default_rng(0).normal(size=(missing.sum(), dimensions)) * spread
    return positions
