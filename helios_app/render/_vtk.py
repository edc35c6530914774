"""Every VTK import of Helios lives here; the rest of the code imports VTK names from this module.

Importing only the VTK modules we use keeps start-up fast (``import vtk`` loads them all). With
no reachable display, :func:`new_render_window` makes an EGL window, which renders off-screen
through Mesa without first failing (and warning) on X. (Setting ``VTK_DEFAULT_OPENGL_WINDOW``
instead would leak into every child process, including one that has a display.)
"""

from __future__ import annotations

from helios_app.render.display import display_available

# isort: off
import vtkmodules.vtkRenderingOpenGL2
from vtkmodules.util.numpy_support import numpy_to_vtk, numpy_to_vtkIdTypeArray, vtk_to_numpy
import vtkmodules.vtkRenderingFreeType
import vtkmodules.vtkRenderingUI  # noqa: F401 - registers the X11 window interactor
from vtkmodules.vtkCommonCore import (
    vtkFloatArray,
    vtkIntArray,
    vtkObject,
    vtkPoints,
    vtkStringArray,
    vtkUnsignedCharArray,
)
from vtkmodules.vtkCommonDataModel import vtkCellArray, vtkPolyData
from vtkmodules.vtkCommonCore import vtkLookupTable
from vtkmodules.vtkFiltersSources import vtkConeSource, vtkRegularPolygonSource
from vtkmodules.vtkIOImage import vtkPNGWriter
from vtkmodules.vtkRenderingAnnotation import vtkLegendBoxActor, vtkScalarBarActor
from vtkmodules.vtkRenderingLabel import vtkLabelPlacementMapper, vtkPointSetToLabelHierarchy
from vtkmodules.vtkRenderingCore import (
    vtkActor,
    vtkActor2D,
    vtkGlyph3DMapper,
    vtkPointGaussianMapper,
    vtkPolyDataMapper,
    vtkRenderer,
    vtkRenderWindow,
    vtkRenderWindowInteractor,
    vtkTextActor,
)


from vtkmodules.vtkRenderingOpenGL2 import vtkEGLRenderWindow

# isort: on


def new_render_window() -> vtkRenderWindow:
    """An X11 window where a display answers, otherwise an off-screen EGL one."""
    return vtkRenderWindow() if display_available() else vtkEGLRenderWindow()


__all__ = [
    "new_render_window",
    "numpy_to_vtk",
    "numpy_to_vtkIdTypeArray",
    "vtkActor",
    "vtkActor2D",
    "vtkCellArray",
    "vtkConeSource",
    "vtkFloatArray",
    "vtkGlyph3DMapper",
    "vtkIntArray",
    "vtkLabelPlacementMapper",
    "vtkLegendBoxActor",
    "vtkLookupTable",
    "vtkObject",
    "vtkPNGWriter",
    "vtkPointGaussianMapper",
    "vtkPointSetToLabelHierarchy",
    "vtkPoints",
    "vtkPolyData",
    "vtkPolyDataMapper",
    "vtkRegularPolygonSource",
    "vtkRenderWindow",
    "vtkRenderWindowInteractor",
    "vtkRenderer",
    "vtkScalarBarActor",
    "vtkStringArray",
    "vtkTextActor",
    "vtkUnsignedCharArray",
    "vtk_to_numpy",
]
