"""The package rules of ARCHITECTURE.md: one-way imports, and VTK imported by one module only."""

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FORBIDDEN = {
    "layouts": {"vtk", "vtkmodules", "aiohttp", "aiortc", "av", "web", "helios_app"},
    "web": {"vtk", "vtkmodules", "layouts", "helios_app"},
}
VTK_MODULE = ROOT / "helios_app" / "render" / "_vtk.py"


def imported_top_level_names(path: Path) -> dict[str, int]:
    """Top-level module names imported anywhere in the file (also inside functions), with a line."""
    names: dict[str, int] = {}
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                names.setdefault(alias.name.split(".")[0], node.lineno)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.setdefault(node.module.split(".")[0], node.lineno)
    return names


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_package_never_imports_what_it_must_not(package):
    offences = [
        f"{path.relative_to(ROOT)}:{line} imports {name}"
        for path in sorted((ROOT / package).rglob("*.py"))
        for name, line in imported_top_level_names(path).items()
        if name in FORBIDDEN[package]
    ]
    assert offences == []


def test_only_one_module_imports_vtk():
    offences = [
        f"{path.relative_to(ROOT)}:{line}"
        for package in ("helios_app", "layouts", "web")
        for path in sorted((ROOT / package).rglob("*.py"))
        if path != VTK_MODULE
        for name, line in imported_top_level_names(path).items()
        if name in {"vtk", "vtkmodules"}
    ]
    assert offences == []


def test_web_and_layouts_load_without_vtk():
    """Importing web and layouts in a fresh interpreter loads no VTK module."""
    code = "import sys, layouts, web; print(sorted(m for m in sys.modules if m.startswith('vtk')))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"


def test_only_the_peer_modules_import_aiortc():
    """aiortc (~0.15 s to import) is loaded by web.peers (the first page) and web.sfu (publishing) only."""
    allowed = {ROOT / "web" / "peers.py", ROOT / "web" / "sfu.py"}
    offences = [
        f"{path.relative_to(ROOT)}:{line}"
        for package in ("helios_app", "layouts", "web")
        for path in sorted((ROOT / package).rglob("*.py"))
        if path not in allowed
        for name, line in imported_top_level_names(path).items()
        if name == "aiortc"
    ]
    assert offences == []


def test_each_command_loads_only_what_it_needs(tmp_path):
    """`helios layout` loads no VTK, aiohttp or aiortc; a view's server code loads no aiortc until a
    page asks for its video (checked in fresh interpreters, after the command ran)."""
    layout = (
        "import sys; from helios_app.cli import main; main(['layout', sys.argv[1], '-o', sys.argv[2]]); "
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'vtkmodules', 'aiohttp', 'aiortc', 'av'}))"
    )
    result = subprocess.run([sys.executable, "-c", layout, str(ROOT / "data" / "karate.gml"), str(tmp_path / "x.csv")],
                            capture_output=True, text=True, check=True)
    assert result.stdout.strip().splitlines()[-1] == "[]"
    assert (tmp_path / "x.csv").read_text().count("\n") == 35
    view = "import sys, helios_app.session, web.app; print('aiortc' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", view], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"


def test_only_the_worker_thread_touches_a_running_layout():
    """Outside layouts/, nothing reaches into ``LayoutWorker.layout``: pins, parameters, positions and
    edits go through the worker's snapshots and queued commands (base.py's one-thread rule)."""
    offences = []
    for package in ("helios_app", "web"):
        for path in sorted((ROOT / package).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text(), str(path))):
                if (isinstance(node, ast.Attribute) and node.attr == "layout" and isinstance(node.value, ast.Attribute)
                        and node.value.attr in ("worker", "_worker")):
                    offences.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert offences == []
