"""Time-limited TURN credentials, one per viewer: the "TURN REST API" scheme coturn implements.

A TURN server started with ``--use-auth-secret --static-auth-secret=SECRET`` accepts any user name of
the form ``"<expiry unix time>:<user>"`` whose password is ``base64(HMAC-SHA1(SECRET, user name))``, and
refuses it once the expiry has passed (draft-uberti-behave-turn-rest-00, section 2.2). The view server
keeps the secret; each page's hello carries a credential minted for that page alone, so a link (a
watcher's included) leaks nothing that outlives the credential, and never the secret or a static password.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import math
import time
from collections.abc import Iterable

DEFAULT_CREDENTIAL_TTL_S = 3600.0
"""How long a minted TURN credential is valid: one hour. coturn (4.6) checks the expiry when a relay is
allocated, not when an allocation is refreshed (measured: Refresh and CreatePermission still succeed past
it), so a page keeps watching through its relay for as long as it stays; the credential only has to cover
the allocations a page makes after its hello (at once, then when it switches between the SFU and helios's
own stream), and each reconnect brings a new hello with a new credential. An hour covers a page's start
with room to spare and keeps a credential copied out of a page (a devtools dump, a log) useful for no
longer; a switch made later than that finds its credential expired, and a relay-only page then watches
over MJPEG until it reconnects."""

MAX_CREDENTIAL_TTL_S = 365 * 86400.0
"""The longest life :func:`rest_credential` mints: a year (``helios_app.config`` refuses longer options
with the same bound). An infinite TTL made the expiry an OverflowError in every page's hello."""


def check_credential_ttl(ttl_s: float) -> float:
    """``ttl_s`` as a float if it is a finite number of seconds of at most :data:`MAX_CREDENTIAL_TTL_S`
    either way (negative: already expired, for tests); else a TypeError or ValueError saying so."""
    if isinstance(ttl_s, bool) or not isinstance(ttl_s, (int, float)):
        raise TypeError(f"a TURN credential's lifetime is a number of seconds; got {ttl_s!r}")
    try:
        seconds = float(ttl_s)
    except OverflowError:
        seconds = math.inf
    if not (math.isfinite(seconds) and abs(seconds) <= MAX_CREDENTIAL_TTL_S):
        raise ValueError(f"a TURN credential lives at most {MAX_CREDENTIAL_TTL_S:g} seconds (a year); got {ttl_s!r}")
    return seconds


def rest_credential(secret: str, user: str, ttl_s: float, now_s: float | None = None) -> tuple[str, str]:
    """A TURN user name and password valid for ``ttl_s`` seconds from ``now_s``.

    Parameters
    ----------
    secret : str
        The TURN server's ``static-auth-secret``.
    user : str
        Who the credential is for (a viewer id); it must not contain ``:``.
    ttl_s : float
        Seconds until the credential expires; negative gives one that has already expired. A ValueError
        if it is not finite or longer than :data:`MAX_CREDENTIAL_TTL_S` either way.
    now_s : float, optional
        Unix time to count from; the current time by default.

    Returns
    -------
    username, credential : str
        ``"<expiry unix time>:<user>"`` and ``base64(HMAC-SHA1(secret, username))``.
    """
    if ":" in user:
        raise ValueError(f"a TURN REST user must not contain ':'; got {user!r}")
    expiry_s = int((time.time() if now_s is None else now_s) + check_credential_ttl(ttl_s))
    username = f"{expiry_s}:{user}"
    digest = hmac.new(secret.encode(), username.encode(), hashlib.sha1).digest()
    return username, base64.b64encode(digest).decode("ascii")


def ice_servers_for(servers: Iterable[dict[str, str]], secret: str, ttl_s: float, user: str) -> list[dict[str, str]]:
    """The ICE servers one WebRTC peer should use: with ``secret``, every TURN server gets a credential
    minted for ``user`` (and never a static password); without it, ``servers`` as they are.

    Parameters
    ----------
    servers : iterable of dict
        ``{"urls": ..., "username": ..., "credential": ...}`` (credentials on TURN servers only).
    secret : str
        The TURN servers' shared ``static-auth-secret``; empty for static credentials.
    ttl_s : float
        Lifetime of a minted credential in seconds.
    user : str
        Who the credential is for (a viewer id, or the server's own peer).
    """
    if not secret:
        return [dict(server) for server in servers]
    username, credential = rest_credential(secret, user, ttl_s)
    return [
        {"urls": server["urls"]} if server["urls"].startswith("stun:")
        else {"urls": server["urls"], "username": username, "credential": credential}
        for server in servers
    ]
