"""Repository templates and scripts/refresh_constraints.py (the workflows: test_workflows.py)."""

from __future__ import annotations

import yaml

from site_helpers import ROOT, load_module

refresh = load_module("scripts/refresh_constraints.py", "refresh_constraints_under_test")


def test_issue_and_pull_request_templates_exist():
    templates = ROOT / ".github" / "ISSUE_TEMPLATE"
    for name in ("bug.yml", "lesson.yml", "book.yml"):
        form = yaml.safe_load((templates / name).read_text(encoding="utf-8"))
        assert form["name"] and form["body"]
    checklist = (ROOT / ".github" / "pull_request_template.md").read_text(encoding="utf-8")
    assert checklist.count("- [ ]") >= 5


def test_constraints_keep_pins_and_drop_the_project_torch_and_urls():
    frozen = "\n".join([
        "Jinja2==3.1.6",
        "ml-classroom==0.1.0",
        "-e git+https://example.org/repo@abc#egg=ml_classroom",
        "torch==2.13.0",
        "some_pkg @ file:///tmp/some_pkg",
        "numpy==2.4.0",
        "",
    ])
    assert refresh.pinned_lines(frozen) == ["jinja2==3.1.6", "numpy==2.4.0"]


def test_constraints_are_written_atomically(tmp_path):
    target = tmp_path / "requirements" / "constraints.txt"
    refresh.write_atomically(target, "numpy==2.4.0\n")
    assert target.read_text() == "numpy==2.4.0\n"
    assert [path.name for path in target.parent.iterdir()] == ["constraints.txt"]


def _lock_versions() -> dict[str, set[str]]:
    tomllib = __import__("pytest").importorskip("tomllib", reason="tomllib needs Python 3.11+")
    lock = tomllib.loads((ROOT / "uv.lock").read_text(encoding="utf-8"))
    versions: dict[str, set[str]] = {}
    for package in lock["package"]:
        versions.setdefault(refresh.normalise(package["name"]), set()).add(package.get("version", ""))
    return versions


def test_pyproject_uv_block_pins_exactly_what_the_constraints_pin():
    pins = refresh.read_pins()
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert refresh.uv_constraint_block(pins) in text, "run: python3 scripts/refresh_constraints.py --uv-only"


def test_uv_lock_holds_every_pinned_version():
    versions = _lock_versions()
    pins = dict(pin.split("==") for pin in refresh.read_pins())
    # Packages the project never asks for on Linux (pinned from a wider freeze) may be absent;
    # every one the lock has must carry the pinned version.
    wrong = {name: (version, sorted(versions[name])) for name, version in pins.items() if name in versions and version not in versions[name]}
    assert not wrong, f"uv.lock disagrees with the constraints: {wrong}; run scripts/refresh_constraints.py --uv-only"
    for core in ("numpy", "mkdocs", "mkdocs-material", "pytest", "fastapi"):
        assert core in versions, f"{core} missing from uv.lock"


def test_uv_block_is_replaced_in_place_not_appended_twice():
    text = "[project]\nname = 'x'\n"
    once = refresh.with_uv_constraints(text, ["numpy==2.4.0"])
    twice = refresh.with_uv_constraints(once, ["numpy==2.4.1"])
    assert twice.count(refresh.UV_BEGIN) == 1
    assert "numpy==2.4.1" in twice and "numpy==2.4.0" not in twice
