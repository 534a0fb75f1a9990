"""Generate one API reference page per module of ``src/classroom`` at build time.

Run by the ``gen-files`` plugin (see ``mkdocs.yml``); nothing is written to
``docs/``. For every ``.py`` file below ``src/classroom`` it creates a virtual
page ``reference/<dotted/path>.md`` holding a mkdocstrings directive
(``::: classroom.nn.linear``), and a ``reference/SUMMARY.md`` that
literate-nav turns into the navigation. A package's ``__init__.py`` becomes
the section's index page (section-index plugin). Private modules (a name
starting with ``_``, other than ``__init__``) and ``__main__`` are skipped, and
so are folders without an ``__init__.py`` (not importable as a regular
package, so mkdocstrings could not collect them; a log line names them).
New modules appear automatically; there is nothing to register.
"""

from __future__ import annotations

import logging
from pathlib import Path

import mkdocs_gen_files

log = logging.getLogger("mkdocs.gen_ref_pages")

ROOT = Path(__file__).resolve().parent.parent
SOURCE_ROOT = ROOT / "src"
PACKAGE = SOURCE_ROOT / "classroom"


def module_parts(path: Path) -> tuple[str, ...] | None:
    """Return the dotted-name parts of a source file, or None when it gets no page."""
    parts = path.relative_to(SOURCE_ROOT).with_suffix("").parts
    if parts[-1] == "__init__":
        parts = parts[:-1]
    elif parts[-1] == "__main__" or parts[-1].startswith("_"):
        return None
    if any(part.startswith("_") for part in parts):
        return None
    return parts


def in_regular_package(path: Path) -> bool:
    """True when every folder from ``src/classroom`` down to the file has an ``__init__.py``."""
    folder = path.parent
    while folder != SOURCE_ROOT:
        if not (folder / "__init__.py").exists():
            return False
        folder = folder.parent
    return True


def main() -> None:
    navigation = mkdocs_gen_files.Nav()
    for path in sorted(PACKAGE.rglob("*.py")):
        if "__pycache__" in path.parts:
            continue
        parts = module_parts(path)
        if parts is None:
            continue
        if not in_regular_package(path):
            log.info("API reference: skipping %s (its folder has no __init__.py)", path.relative_to(ROOT))
            continue
        relative = path.relative_to(SOURCE_ROOT).with_suffix("")
        is_package = path.name == "__init__.py"
        doc_path = (relative.parent / "index.md") if is_package else relative.with_suffix(".md")
        navigation[parts] = doc_path.as_posix()
        with mkdocs_gen_files.open(Path("reference") / doc_path, "w") as page:
            page.write(f"# `{'.'.join(parts)}`\n\n::: {'.'.join(parts)}\n")
        mkdocs_gen_files.set_edit_path(Path("reference") / doc_path, path.relative_to(ROOT))
    with mkdocs_gen_files.open("reference/SUMMARY.md", "w") as summary:
        summary.writelines(navigation.build_literate_nav())


main()
