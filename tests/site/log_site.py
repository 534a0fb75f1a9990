"""A copy of the site without notebooks and API reference, for the learning-log tests.

``make_log_site`` copies ``docs/`` into a temporary folder and writes a
``mkdocs.yml`` that inherits the real one (theme, Markdown extensions, the
blog, tags, callouts and feed plugins, the content hooks) but leaves out the
notebook execution, mkdocs-jupyter, mkdocstrings and the generated API
reference, so a strict build takes seconds and a test can add posts to it
without touching the repository. Notebook files stay in the copy as plain
files, so the lesson pages' links to them still resolve.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import yaml

from site_helpers import ROOT, build_environment, site_content

#: Plugins that need the notebooks, the package sources or generated pages.
LEFT_OUT_PLUGINS = {"gen-files", "literate-nav", "mkdocstrings", "mkdocs-jupyter"}
#: The hooks the learning log and the lesson pages need (notebook execution and
#: the hooks of other pages, which may need datasets, are left out).
KEPT_HOOKS = {"site_content.py", "workbooks.py", "obsidian.py", "quizzes.py", "feed.py"}


def _plugin_name(entry) -> str:
    return next(iter(entry)) if isinstance(entry, dict) else entry


def _markdown_nav(nav):
    """The real nav without notebooks and the API reference (they are not built here)."""
    kept = []
    for item in nav:
        if isinstance(item, str):
            if item.endswith(".md"):
                kept.append(item)
            continue
        (title, value), = item.items()
        if isinstance(value, list):
            children = _markdown_nav(value)
            if children:
                kept.append({title: children})
        elif isinstance(value, str) and value.endswith(".md"):
            kept.append({title: value})
    return kept


def make_log_site(tmp_path: Path) -> Path:
    """Create the copy under ``tmp_path`` and return its root (holds mkdocs.yml and docs/)."""
    root = tmp_path / "log-site"
    shutil.copytree(ROOT / "docs", root / "docs", ignore=shutil.ignore_patterns("__pycache__", ".ipynb_checkpoints"))
    shutil.copy(ROOT / "CONTRIBUTING.md", root / "CONTRIBUTING.md")  # docs/contributing.md includes it
    workbooks = root / "src" / "classroom" / "check" / "workbooks"  # published by hooks/workbooks.py
    workbooks.parent.mkdir(parents=True)
    workbooks.symlink_to(ROOT / "src" / "classroom" / "check" / "workbooks", target_is_directory=True)
    base = site_content.read_mkdocs_config(ROOT / "mkdocs.yml")
    hooks = [str(ROOT / hook) for hook in base["hooks"] if Path(hook).name in KEPT_HOOKS]
    plugins = [entry for entry in base["plugins"] if _plugin_name(entry) not in LEFT_OUT_PLUGINS]
    config = {
        "INHERIT": str(ROOT / "mkdocs.yml"),
        "docs_dir": str(root / "docs"),
        "hooks": hooks,
        "plugins": plugins,
        "nav": _markdown_nav(base["nav"]),
        "watch": [],
    }
    (root / "mkdocs.yml").write_text(yaml.safe_dump(config, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return root


def build_log_site(root: Path, site_dir: Path, site_url: str = "http://127.0.0.1:8000/") -> subprocess.CompletedProcess:
    """``mkdocs build --strict`` of a copy made by ``make_log_site``."""
    command = [sys.executable, "-m", "mkdocs", "build", "--strict", "-f", str(root / "mkdocs.yml"), "-d", str(site_dir)]
    return subprocess.run(command, cwd=root, env=build_environment(site_url), capture_output=True, text=True, timeout=600)


def built_post(site_dir: Path, slug: str) -> Path:
    """The published ``index.html`` of the post whose URL ends in ``slug``."""
    matches = sorted((site_dir / "blog").rglob(f"{slug}/index.html"))
    assert matches, f"no post {slug!r} in the built site: {sorted(p.parent.name for p in (site_dir / 'blog').rglob('index.html'))}"
    return matches[0]
