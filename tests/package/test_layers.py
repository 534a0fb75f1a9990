"""Imports only point down the layers that CONTRIBUTING lists (and the package docstring).

Every ``import`` statement of every module is read (also the ones inside
functions), relative imports resolved, and the layer it reaches compared with
the layer it stands in. ``config`` may be imported from anywhere: it imports
nothing of the package.
"""

from __future__ import annotations

import ast
from pathlib import Path

import classroom

PACKAGE = Path(classroom.__file__).parent
#: Lowest first: a layer may import the layers before it, never the ones after it.
LAYERS = ["nn", "autograd", "optim", "io", "data", "evaluation", "models", "train", "plots", "serve", "check", "cli"]
ANYWHERE = {"config"}


def imported_layers(path: Path, source: str | None = None) -> set[str]:
    """The top-level parts of ``classroom`` that the module at ``path`` imports (its text, or ``source``)."""
    package = ["classroom", *path.relative_to(PACKAGE).parts[:-1]]
    found = set()
    text = path.read_text(encoding="utf-8") if source is None else source
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            module = ".".join([*base, *([node.module] if node.module else [])])
            names = [module] + [f"{module}.{alias.name}" for alias in node.names]
        else:
            continue
        for name in names:
            parts = name.split(".")
            if parts[0] == "classroom" and len(parts) > 1 and parts[1] in {*LAYERS, *ANYWHERE}:
                found.add(parts[1])
    return found


def test_every_folder_of_the_package_is_a_listed_layer():
    folders = {path.name for path in PACKAGE.iterdir() if (path / "__init__.py").exists()}
    assert folders <= set(LAYERS), f"add {sorted(folders - set(LAYERS))} to LAYERS and to CONTRIBUTING's table"


def test_imports_only_point_down():
    upward = []
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE)
        if "workbooks" in relative.parts or relative.name == "__init__.py" and len(relative.parts) == 1:
            continue
        layer = relative.parts[0].removesuffix(".py")
        if layer in ANYWHERE:
            assert imported_layers(path) <= ANYWHERE, f"{relative} must import nothing of the package"
            continue
        position = LAYERS.index(layer)
        for other in imported_layers(path) - ANYWHERE - {layer}:
            if LAYERS.index(other) > position:
                upward.append(f"{relative} imports classroom.{other}")
    assert not upward, "imports that point up the layers:\n" + "\n".join(upward)


def test_the_scan_sees_absolute_relative_and_function_level_imports():
    module = PACKAGE / "nn" / "example.py"
    source = (
        "from . import init\n"
        "from ..serve import app\n"
        "def later():\n"
        "    import classroom.plots.training\n"
        "    from classroom.config import data_dir\n"
    )
    assert imported_layers(module, source) == {"nn", "serve", "plots", "config"}
