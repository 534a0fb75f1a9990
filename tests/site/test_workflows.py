"""The GitHub workflows: valid against GitHub's schema, and doing what CONTRIBUTING.md promises.

* ci.yml: quick mode on every pull request and push; full mode and the Pages
  deploy only for main; no repository variable or secret, so a fork's CI runs
  as it is; datasets from their official sources, cached.
* release.yml: a ``v*`` tag builds, checks and publishes to PyPI through
  trusted publishing (OIDC), with no stored token.

The ``if:`` conditions are evaluated here by a small interpreter of GitHub's
expression syntax (strings, ``==``, ``!=``, ``!``, ``&&``, ``||``, brackets,
``always()``), so the tests check which jobs run for which event rather than
how the condition is spelt.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import yaml

from site_helpers import ROOT

WORKFLOWS = ROOT / ".github" / "workflows"
WORKFLOW_FILES = sorted(path for path in WORKFLOWS.iterdir() if path.is_file())


def load(name: str) -> dict:
    return yaml.safe_load((WORKFLOWS / name).read_text(encoding="utf-8"))


CI = load("ci.yml")
RELEASE = load("release.yml")


def triggers(workflow: dict) -> dict:
    return workflow[True]  # YAML 1.1 reads the key `on` as True


def steps(workflow: dict, job: str) -> list[dict]:
    return workflow["jobs"][job]["steps"]


def step_named(workflow: dict, job: str, prefix: str) -> dict:
    found = [step for step in steps(workflow, job) if step.get("name", "").startswith(prefix)]
    assert len(found) == 1, f"{job}: expected one step named {prefix!r}..., found {len(found)}"
    return found[0]


def runs(workflow: dict, job: str) -> str:
    return "\n".join(str(step.get("run", "")) for step in steps(workflow, job))


def uses(workflow: dict, job: str) -> list[str]:
    return [step["uses"] for step in steps(workflow, job) if "uses" in step]


# --- A small interpreter of GitHub expressions -------------------------------------

_TOKEN = re.compile(
    r"\s*(?:(?P<string>'(?:[^']|'')*')|(?P<op>&&|\|\||==|!=|!|\(|\))"
    r"|(?P<call>[A-Za-z_][\w-]*\(\))|(?P<name>[A-Za-z_][\w.-]*))"
)
_OPS = {"&&": " and ", "||": " or ", "!": " not ", "==": " == ", "!=": " != ", "(": "(", ")": ")"}


def evaluate(expression: str, context: dict) -> bool:
    """Evaluate a GitHub ``if:`` expression; names not in ``context`` are empty strings."""
    expression = expression.strip()
    if expression.startswith("${{") and expression.endswith("}}"):
        expression = expression[3:-2].strip()
    python, position = [], 0
    while position < len(expression):
        match = _TOKEN.match(expression, position)
        if match is None or match.end() == position:
            raise ValueError(f"cannot read {expression[position:]!r} in {expression!r}")
        position = match.end()
        if match["string"] is not None:
            python.append(repr(match["string"][1:-1].replace("''", "'")))
        elif match["op"] is not None:
            python.append(_OPS[match["op"]])
        elif match["call"] is not None:
            function = match["call"][:-2]
            assert function in {"always", "success"}, f"unexpected function {function}() in {expression!r}"
            python.append("True")
        elif match["name"] in {"true", "false"}:
            python.append(str(match["name"] == "true"))
        else:
            python.append(f"_get({match['name']!r})")
    return bool(eval("".join(python), {"__builtins__": {}, "_get": lambda name: context.get(name, "")}))


def event(name: str, ref: str) -> dict:
    return {"github.event_name": name, "github.ref": ref}


PULL_REQUEST = event("pull_request", "refs/pull/7/merge")
PUSH_MAIN = event("push", "refs/heads/main")
PUSH_BRANCH = event("push", "refs/heads/feature")
DISPATCH_MAIN = event("workflow_dispatch", "refs/heads/main")


def job_runs(workflow: dict, job: str, context: dict) -> bool:
    """Whether a job runs for an event: its own condition and those of every job it needs."""
    spec = workflow["jobs"][job]
    if "if" in spec and not evaluate(str(spec["if"]), context):
        return False
    needs = spec.get("needs", [])
    needs = [needs] if isinstance(needs, str) else needs
    return all(job_runs(workflow, need, context) for need in needs)


def test_expression_interpreter_reads_githubs_operators():
    context = {"github.ref": "refs/heads/main", "steps.a-b.outputs.hit": "true"}
    assert evaluate("github.ref == 'refs/heads/main' && !(steps.a-b.outputs.hit != 'true')", context)
    assert not evaluate("${{ github.ref != 'refs/heads/main' || steps.missing.outputs.x == 'true' }}", context)
    assert evaluate("always() && steps.missing.outputs.x == ''", context)
    with pytest.raises(ValueError):
        evaluate("github.ref === 'x'", context)


# --- Schema ------------------------------------------------------------------------


def check_jsonschema(paths: list[Path]) -> subprocess.CompletedProcess:
    pytest.importorskip("check_jsonschema", reason="check-jsonschema is not installed (it is in the tests extra)")
    return subprocess.run(
        [sys.executable, "-m", "check_jsonschema", "--builtin-schema", "vendor.github-workflows", *map(str, paths)],
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_every_workflow_file_is_a_yaml_workflow():
    assert {path.name for path in WORKFLOW_FILES} >= {"ci.yml", "release.yml"}
    assert all(path.suffix in {".yml", ".yaml"} for path in WORKFLOW_FILES), "GitHub only runs .yml/.yaml files"


@pytest.mark.parametrize("path", WORKFLOW_FILES, ids=lambda path: path.name)
def test_workflow_validates_against_githubs_schema(path):
    result = check_jsonschema([path])
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_schema_check_rejects_a_broken_workflow(tmp_path):
    broken = tmp_path / "broken.yml"
    broken.write_text(
        textwrap.dedent(
            """\
            on: push
            jobs:
              test:
                runs-on: ubuntu-latest
                permissions:
                  id-token: sometimes
                steps:
                  - run: echo hi
            """
        )
    )
    result = check_jsonschema([broken])
    assert result.returncode != 0, "the schema check accepted an invalid permission value"


# --- ci.yml: works in a fork ----------------------------------------------------------

#: Contexts GitHub fills in by itself, which a fork has too.
BUILT_IN_SECRETS = {"GITHUB_TOKEN"}


def test_ci_needs_no_repository_variable_or_secret():
    text = (WORKFLOWS / "ci.yml").read_text(encoding="utf-8")
    variables = set(re.findall(r"\bvars\.(\w+)", text))
    secrets = set(re.findall(r"\bsecrets\.(\w+)", text)) - BUILT_IN_SECRETS
    assert not variables and not secrets, f"a fork has none of these: vars {variables}, secrets {secrets}"
    assert "secrets[" not in text and "vars[" not in text


def test_permissions_are_least_privilege_and_id_token_only_where_it_is_exchanged():
    for workflow in (CI, RELEASE):
        assert workflow["permissions"] == {"contents": "read"}
    holders = {
        (name, job_name)
        for name, workflow in (("ci", CI), ("release", RELEASE))
        for job_name, job in workflow["jobs"].items()
        if (job.get("permissions") or {}).get("id-token") == "write"
    }
    assert holders == {("ci", "deploy"), ("release", "publish")}
    assert CI["jobs"]["deploy"]["permissions"] == {"pages": "write", "id-token": "write"}
    assert RELEASE["jobs"]["publish"]["permissions"] == {"id-token": "write"}
    for name, job in {**CI["jobs"], **{f"release/{key}": value for key, value in RELEASE["jobs"].items()}}.items():
        if name not in {"deploy", "release/publish"}:
            assert "permissions" not in job, f"{name} must keep the read-only default"


# --- ci.yml: which job runs when -------------------------------------------------------


def test_ci_runs_on_every_pull_request_and_push():
    assert {"pull_request", "push", "workflow_dispatch"} <= set(triggers(CI))
    assert triggers(CI)["push"] is None, "pushes to any branch (a fork's too) get the quick checks"


@pytest.mark.parametrize("context", [PULL_REQUEST, PUSH_BRANCH, PUSH_MAIN, DISPATCH_MAIN], ids=lambda c: c["github.ref"])
def test_the_quick_test_job_always_runs_in_quick_mode(context):
    assert job_runs(CI, "test", context)
    assert CI["jobs"]["test"]["env"]["CLASSROOM_QUICK"] == "1"
    assert "CLASSROOM_QUICK" not in CI.get("env", {}), "the mode is set per job"


@pytest.mark.parametrize(
    ("context", "expected"),
    [(PULL_REQUEST, False), (PUSH_BRANCH, False), (PUSH_MAIN, True), (DISPATCH_MAIN, True)],
    ids=["pull-request", "push-branch", "push-main", "dispatch-main"],
)
def test_full_mode_and_deploy_run_only_for_main(context, expected):
    assert job_runs(CI, "site-full", context) is expected
    assert job_runs(CI, "deploy", context) is expected


def test_pull_request_checks_do_not_wait_for_the_full_build():
    assert "needs" not in CI["jobs"]["test"]


def test_deploy_needs_the_full_build_and_the_tests():
    needs = CI["jobs"]["deploy"]["needs"]
    needs = [needs] if isinstance(needs, str) else needs
    assert set(needs) == {"site-full", "test"}
    assert uses(CI, "deploy") == ["actions/deploy-pages@v4"]
    assert CI["jobs"]["deploy"]["environment"]["name"] == "github-pages"


def test_full_job_builds_strictly_in_full_mode_and_uploads_the_pages_artifact():
    full = CI["jobs"]["site-full"]
    assert full["env"]["CLASSROOM_QUICK"] == "0"
    build = step_named(CI, "site-full", "Build the site")
    assert build["run"].strip() == "python3 scripts/dev.py build --full"
    assert "continue-on-error" not in build, "a full-mode failure must block the deploy"
    assert any(action.startswith("actions/upload-pages-artifact@") for action in uses(CI, "site-full"))
    assert not any(action.startswith("actions/upload-pages-artifact@") for action in uses(CI, "test")), (
        "only the full-mode site is published"
    )


def test_test_job_installs_with_dev_py_and_runs_the_suite_and_the_quick_build():
    job = CI["jobs"]["test"]
    assert job["container"].startswith("python:3") and job["container"].endswith("-bookworm")
    commands = runs(CI, "test")
    assert "python3 scripts/dev.py setup --torch" in commands
    assert 'python3 scripts/dev.py test --torch -m "not slow"' in commands
    assert "python3 scripts/dev.py test --torch -m slow" in commands
    assert re.search(r"^python3 scripts/dev\.py build$", commands, re.MULTILINE)
    assert "apt-get install" in commands and "chromium" in commands
    assert CI["env"]["CLASSROOM_TORCH_INDEX_URL"] == "https://download.pytorch.org/whl/cpu"
    assert "python3 scripts/dev.py setup --torch" in runs(CI, "site-full")


# --- ci.yml: caches ------------------------------------------------------------------


def cache_steps(job: str) -> list[dict]:
    return [step for step in steps(CI, job) if str(step.get("uses", "")).startswith("actions/cache")]


@pytest.mark.parametrize(("job", "mode"), [("test", "quick"), ("site-full", "full")])
def test_executed_notebooks_are_cached_per_mode_and_restored_from_the_newest_cache(job, mode):
    notebook_caches = [step for step in cache_steps(job) if step["with"]["path"] == ".cache/notebooks"]
    assert notebook_caches, f"{job} does not cache .cache/notebooks"
    restore = notebook_caches[0]
    prefix = restore["with"]["restore-keys"].strip()
    assert prefix.startswith(f"notebooks-{mode}-")
    assert restore["with"]["key"].startswith(prefix), "the restore key must be a prefix of the key"
    # Keyed by what the notebooks depend on, computed before anything writes bytecode into src/.
    key_step = step_named(CI, job, "Notebook cache key")
    assert "hashFiles(" in key_step["run"] and "docs/" in key_step["run"] and "hooks/notebooks.py" in key_step["run"]
    names = [step.get("name", "") for step in steps(CI, job)]
    first_python = next(index for index, step in enumerate(steps(CI, job)) if "dev.py" in str(step.get("run", "")))
    assert names.index(key_step["name"]) < first_python
    for step in notebook_caches:
        assert step["with"]["key"] == f"notebooks-{mode}-v1-${{{{ steps.notebook-key.outputs.hash }}}}"


def test_full_notebook_cache_is_saved_even_when_the_build_fails():
    save = [step for step in cache_steps("site-full") if step["uses"].startswith("actions/cache/save@")]
    save = [step for step in save if step["with"]["path"] == ".cache/notebooks"]
    assert len(save) == 1
    names = [step.get("name") for step in steps(CI, "site-full")]
    assert names.index(save[0]["name"]) > names.index(step_named(CI, "site-full", "Build the site")["name"])
    condition = save[0]["if"]
    assert evaluate(condition, {"steps.notebooks-restore.outputs.cache-hit": "false"})
    assert not evaluate(condition, {"steps.notebooks-restore.outputs.cache-hit": "true"})
    assert "always()" in condition


DATASET_STEPS = ("Restore the datasets", "Download the missing datasets", "Save the datasets")


def test_both_jobs_get_the_datasets_the_same_way():
    for prefix in DATASET_STEPS:
        assert step_named(CI, "test", prefix) == step_named(CI, "site-full", prefix)
    names = [step.get("name", "") for step in steps(CI, "test")]
    fetch = next(i for i, name in enumerate(names) if name.startswith("Download the missing datasets"))
    first_test = next(i for i, step in enumerate(steps(CI, "test")) if "dev.py test" in str(step.get("run", "")))
    assert fetch < first_test


def test_dataset_cache_is_keyed_by_a_version_and_save_uses_the_restored_paths():
    restore = step_named(CI, "test", "Restore the datasets")
    save = step_named(CI, "test", "Save the datasets")
    assert restore["uses"].startswith("actions/cache/restore@") and save["uses"].startswith("actions/cache/save@")
    assert restore["with"]["path"] == save["with"]["path"], "restore and save must name the same paths"
    assert set(restore["with"]["path"].split()) == {".data/mnist", ".data/fashion_mnist", ".data/cifar10", ".data/celeba"}
    assert re.fullmatch(r"datasets-v\d+-complete", restore["with"]["key"])
    assert re.fullmatch(r"datasets-v\d+-", restore["with"]["restore-keys"].strip())
    assert restore["with"]["key"].startswith(restore["with"]["restore-keys"].strip())
    for text in (restore["with"]["key"], save["with"]["key"]):
        assert not re.search(r"date|run_id|run_number|sha|hashFiles", text), "the key is a version, not a date"


@pytest.mark.parametrize(
    ("restored", "fetched", "saved"),
    [
        ("datasets-v3-complete", "datasets-v3-complete", False),  # second run: nothing new
        ("", "datasets-v3-complete", True),  # first run, everything downloaded
        ("", "datasets-v3-partial", True),  # first run, CelebA refused: keep MNIST and CIFAR-10
        ("datasets-v3-partial", "datasets-v3-partial", False),  # CelebA still refused
        ("datasets-v3-partial", "datasets-v3-complete", True),  # CelebA arrived: save the full set
    ],
)
def test_datasets_are_saved_only_when_the_run_added_to_the_cache(restored, fetched, saved):
    condition = step_named(CI, "test", "Save the datasets")["if"]
    context = {
        "steps.data-restore.outputs.cache-hit": "true" if restored == "datasets-v3-complete" else "false",
        "steps.data-restore.outputs.cache-matched-key": restored,
        "steps.datasets.outputs.cache-key": fetched,
    }
    assert evaluate(condition, context) is saved


# --- ci.yml: the dataset download step, run against a stand-in package -------------

STUB_DATA = '''
import os


class MissingDataError(Exception):
    pass


class ChecksumError(Exception):
    pass


def _log(line):
    with open(os.environ["STUB_LOG"], "a") as log:
        log.write(line + "\\n")


def load_mnist(split, *, download=None):
    _log(f"mnist {split} download={download}")
    if os.environ.get("STUB_FAIL") == "mnist":
        raise MissingDataError("MNIST host unreachable")


def load_fashion_mnist(split, *, download=None):
    _log(f"fashion_mnist {split} download={download}")


def load_cifar10(split, *, download=None):
    _log(f"cifar10 {split} download={download}")


def download_celeba(data_dir=None, *, progress=True):
    _log("celeba")
    if os.environ.get("STUB_FAIL") == "celeba":
        raise MissingDataError("CelebA is not in the data directory D.\\nGoogle Drive refused the file (quota).")
'''


def run_dataset_step(tmp_path: Path, fail: str | None) -> tuple[subprocess.CompletedProcess, dict]:
    script = step_named(CI, "test", "Download the missing datasets")["run"]
    match = re.search(r"<<'PY'\n(.*?)\nPY\n", script, re.DOTALL)
    assert match, "the step runs its Python through a quoted heredoc"
    package = tmp_path / "stub" / "classroom"
    (package / "data").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "data" / "__init__.py").write_text(STUB_DATA)
    files = {name: tmp_path / name for name in ("GITHUB_ENV", "GITHUB_OUTPUT", "GITHUB_STEP_SUMMARY", "log")}
    for path in files.values():
        path.write_text("")
    env = {key: value for key, value in os.environ.items() if not key.startswith("GITHUB_")}
    env.update({name: str(path) for name, path in files.items() if name.startswith("GITHUB_")})
    env.update({"PYTHONPATH": str(tmp_path / "stub"), "STUB_LOG": str(files["log"]), "STUB_FAIL": fail or ""})
    result = subprocess.run(
        [sys.executable, "-c", match.group(1)], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=60
    )
    return result, {name: path.read_text() for name, path in files.items()}


def test_dataset_step_downloads_all_three_and_marks_the_set_complete(tmp_path):
    result, files = run_dataset_step(tmp_path, fail=None)
    assert result.returncode == 0, result.stderr
    log = files["log"].splitlines()
    assert {
        "mnist train download=True",
        "mnist test download=True",
        "fashion_mnist train download=True",
        "fashion_mnist test download=True",
        "cifar10 train download=True",
    } <= set(log)
    assert "celeba" in log
    assert "CLASSROOM_DATA_UNAVAILABLE=\n" in files["GITHUB_ENV"]
    assert "cache-key=datasets-v3-complete" in files["GITHUB_OUTPUT"].splitlines()
    assert "::warning" not in result.stdout


def test_refused_celeba_download_warns_and_lets_the_job_go_on(tmp_path):
    result, files = run_dataset_step(tmp_path, fail="celeba")
    assert result.returncode == 0, result.stderr
    assert "CLASSROOM_DATA_UNAVAILABLE=celeba\n" in files["GITHUB_ENV"]
    assert "cache-key=datasets-v3-partial" in files["GITHUB_OUTPUT"].splitlines()
    warnings = [line for line in result.stdout.splitlines() if line.startswith("::warning")]
    assert len(warnings) == 1 and "quota" in warnings[0], result.stdout
    assert "celeba: not available" in files["GITHUB_STEP_SUMMARY"]


def test_failed_mnist_download_fails_the_step(tmp_path):
    result, files = run_dataset_step(tmp_path, fail="mnist")
    assert result.returncode != 0
    assert "MNIST host unreachable" in result.stderr
    assert files["GITHUB_OUTPUT"] == ""


# --- release.yml ------------------------------------------------------------------------


def test_release_runs_only_for_version_tags():
    assert triggers(RELEASE) == {"push": {"tags": ["v*"]}}


def test_release_builds_checks_and_hands_the_dists_to_the_publish_job():
    commands = runs(RELEASE, "build")
    assert "python -m build" in commands
    assert re.search(r"twine check( --strict)? dist/\*", commands)
    upload = next(step for step in steps(RELEASE, "build") if str(step.get("uses", "")).startswith("actions/upload-artifact@"))
    download = next(
        step for step in steps(RELEASE, "publish") if str(step.get("uses", "")).startswith("actions/download-artifact@")
    )
    assert upload["with"]["name"] == download["with"]["name"]
    assert upload["with"]["path"].rstrip("/") == download["with"]["path"].rstrip("/") == "dist"
    names = [step.get("name") for step in steps(RELEASE, "build")]
    assert names.index(upload["name"]) == len(names) - 1, "upload only after every check passed"


def test_publish_uses_trusted_publishing_without_a_stored_token():
    publish = RELEASE["jobs"]["publish"]
    assert publish["needs"] == "build"
    assert publish["environment"]["name"] == "pypi"
    action = next(step for step in publish["steps"] if str(step.get("uses", "")).startswith("pypa/gh-action-pypi-publish@"))
    assert not set(action.get("with") or {}) & {"password", "user", "repository-url"}
    text = (WORKFLOWS / "release.yml").read_text(encoding="utf-8")
    assert "secrets." not in text and "vars." not in text
    assert "actions/checkout" not in str(publish["steps"]), "the publish job needs nothing but the built files"


# --- Documentation of the workflows -----------------------------------------------------


def test_readme_says_how_to_install_the_package_without_cloning():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "pip install ml-classroom" in readme
    assert 'pip install "ml-classroom[serve]"' in readme


def test_contributing_explains_releases_by_tag_and_trusted_publishing():
    contributing = (ROOT / "CONTRIBUTING.md").read_text(encoding="utf-8")
    section = " ".join(contributing[contributing.index("## Releases") :].split())
    assert "git tag v" in section and "release.yml" in section and "trusted publish" in section.lower()
