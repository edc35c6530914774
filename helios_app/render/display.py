"""Is there a display to open a window on? Asked once, without loading VTK."""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import os


@functools.lru_cache(maxsize=1)
def display_available() -> bool:
    """True if ``$DISPLAY`` names an X server that accepts a connection (or Wayland is set).

    A ``DISPLAY`` left over from an SSH session or a stopped Xvfb would otherwise make VTK warn,
    fall back to off-screen rendering, and fail to open the window it was asked for.
    """
    if os.environ.get("WAYLAND_DISPLAY"):
        return True
    name = os.environ.get("DISPLAY")
    if not name:
        return False
    try:
        x11 = ctypes.CDLL(ctypes.util.find_library("X11") or "libX11.so.6")
    except OSError:
        return False
    x11.XOpenDisplay.argtypes = [ctypes.c_char_p]
    x11.XOpenDisplay.restype = ctypes.c_void_p
    x11.XCloseDisplay.argtypes = [ctypes.c_void_p]
    handle = x11.XOpenDisplay(name.encode())
    if not handle:
        return False
    x11.XCloseDisplay(handle)
    return True
