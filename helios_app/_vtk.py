"""Every VTK import of Helios lives here; the rest of the code imports VTK names from this module.

Importing only the VTK modules we use keeps start-up fast (``import vtk`` loads them all). With
no display, VTK is asked for an EGL window up front, which renders off-screen through Mesa
without first failing (and warning) on X.
"""

from __future__ import annotations

import os

if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
    os.environ.setdefault("VTK_DEFAULT_OPENGL_WINDOW", "vtkEGLRenderWindow")

# isort: off
import vtkmodules.vtkRenderingOpenGL2  # noqa: F401,E402 - registers the OpenGL render window factories
from vtkmodules.util.numpy_support import numpy_to_vtk, numpy_to_vtkIdTypeArray, vtk_to_numpy  # noqa: E402
from vtkmodules.vtkCommonCore import vtkObject, vtkPoints, vtkUnsignedCharArray  # noqa: E402
from vtkmodules.vtkCommonDataModel import vtkCellArray, vtkPolyData  # noqa: E402
from vtkmodules.vtkRenderingCore import (  # noqa: E402
    vtkActor,
    vtkPointGaussianMapper,
    vtkPolyDataMapper,
    vtkRenderer,
    vtkRenderWindow,
)


# isort: on

__all__ = [
    "numpy_to_vtk",
    "numpy_to_vtkIdTypeArray",
    "vtkActor",
    "vtkCellArray",
    "vtkObject",
    "vtkPointGaussianMapper",
    "vtkPoints",
    "vtkPolyData",
    "vtkPolyDataMapper",
    "vtkRenderWindow",
    "vtkRenderer",
    "vtkUnsignedCharArray",
    "vtk_to_numpy",
]
