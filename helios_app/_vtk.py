"""Every VTK import of Helios lives here; the rest of the code imports VTK names from this module.

Importing only the VTK modules we use keeps start-up fast (``import vtk`` loads them all). With
no reachable display, :func:`new_render_window` makes an EGL window, which renders off-screen
through Mesa without first failing (and warning) on X. (Setting ``VTK_DEFAULT_OPENGL_WINDOW``
instead would leak into every child process, including one that has a display.)
"""

from __future__ import annotations

from helios_app.display import display_available

# isort: off
import vtkmodules.vtkRenderingOpenGL2  # noqa: F401,E402 - registers the OpenGL render window factories
from vtkmodules.util.numpy_support import numpy_to_vtk, numpy_to_vtkIdTypeArray, vtk_to_numpy  # noqa: E402
import vtkmodules.vtkRenderingFreeType  # noqa: F401,E402 - text rendering for labels and legends
import vtkmodules.vtkRenderingUI  # noqa: F401,E402 - registers the X11 window interactor
from vtkmodules.vtkCommonCore import (  # noqa: E402
    vtkFloatArray,
    vtkIntArray,
    vtkObject,
    vtkPoints,
    vtkStringArray,
    vtkUnsignedCharArray,
)
from vtkmodules.vtkCommonDataModel import vtkCellArray, vtkPolyData  # noqa: E402
from vtkmodules.vtkCommonCore import vtkLookupTable  # noqa: E402
from vtkmodules.vtkFiltersSources import vtkRegularPolygonSource  # noqa: E402
from vtkmodules.vtkIOImage import vtkPNGWriter  # noqa: E402
from vtkmodules.vtkRenderingAnnotation import vtkLegendBoxActor, vtkScalarBarActor  # noqa: E402
from vtkmodules.vtkRenderingLabel import vtkLabelPlacementMapper, vtkPointSetToLabelHierarchy  # noqa: E402
from vtkmodules.vtkRenderingCore import (  # noqa: E402
    vtkActor,
    vtkActor2D,
    vtkPointGaussianMapper,
    vtkPolyDataMapper,
    vtkRenderer,
    vtkRenderWindow,
    vtkRenderWindowInteractor,
    vtkTextActor,
)


from vtkmodules.vtkRenderingOpenGL2 import vtkEGLRenderWindow  # noqa: E402

# isort: on


def new_render_window() -> vtkRenderWindow:
    """An X11 window where a display answers, otherwise an off-screen EGL one."""
    return vtkRenderWindow() if display_available() else vtkEGLRenderWindow()


__all__ = [
    "new_render_window",
    "vtkActor2D",
    "vtkFloatArray",
    "vtkIntArray",
    "vtkLabelPlacementMapper",
    "vtkLegendBoxActor",
    "vtkLookupTable",
    "vtkPNGWriter",
    "vtkPointSetToLabelHierarchy",
    "vtkRegularPolygonSource",
    "vtkRenderWindowInteractor",
    "vtkScalarBarActor",
    "vtkStringArray",
    "vtkTextActor",
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
