"""MkDocs hook: the models and the in-browser runtime of the "Try it" page.

The page (``docs/try-it/index.md``) runs two of the course's models in the
reader's browser, with no server: the weekend-1 network reads a digit drawn
on a canvas, the weekend-4 CNN classifies a photo. For each build this hook

1. **gets the models.** A recorded full run is used when the project has
   one (``runs/mnist/mnist_mlp.npz`` with its ``metrics.json``, written by
   ``scripts/train_mnist.py``; ``runs/cifar10/model.npz`` with its
   ``metrics.json``, written by ``scripts/train_cifar10.py``). Otherwise the
   model is trained by the same script, in the build's mode: quick mode
   (``CLASSROOM_QUICK=1``) uses the notebooks' quick recipe (a small subset,
   few epochs), full mode the script's full recipe. Trained models are kept
   in ``.cache/try-it/<model>-<key>/``; the key hashes the script, the
   package files it imports (as ``hooks/notebooks.py`` follows them), its
   options and the mode, so an unchanged build trains nothing;
2. **exports them to ONNX** from the model file, read and checked as the
   weekend-8 server reads it (:func:`classroom.serve.model_file.load_served_model`),
   with :func:`classroom.io.onnx_export.export_model_file`; the page gets the
   preprocessing saved in the file, the classes, and where the model came
   from (command, date, mode, test accuracy), which the page prints;
3. **copies onnxruntime-web** (npm, pinned below) into the site, checking
   every file against the SHA-256 recorded here, so the page needs nothing
   from another host. The package is read from ``CLASSROOM_ORT_WEB_DIR``
   (an unpacked ``npm pack`` of it), else from
   ``.cache/onnxruntime-web/package``; when neither has it and ``npm`` is
   installed, the hook fetches it there with ``npm pack`` and checks the
   tarball's SHA-256 first.

A dataset that is missing does not stop a build made for reading
(``mkdocs serve``, a build without ``--strict``): that model's panel says
what is missing and how to get it, and the log warns once. A strict build
fails, except in quick mode for the datasets named in
``CLASSROOM_DATA_UNAVAILABLE`` (as for the notebooks). A missing runtime is
handled the same way, without the exception.
"""

from __future__ import annotations

import datetime as _dt
import functools
import hashlib
import importlib.util
import io
import json
import logging
import os
import shlex
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path
from typing import NamedTuple

log = logging.getLogger("mkdocs.hooks.try_it")

#: The page this hook fills, and the marker it replaces with the models' provenance.
PAGE = "try-it/index.md"
MARKER = "<!-- classroom:try-it-models -->"
#: Where the models, samples and runtime go in the built site.
SITE_ASSETS = Path("try-it") / "assets"
#: Trained models and exports, relative to the folder holding mkdocs.yml.
CACHE_FOLDER = Path(".cache") / "try-it"
#: Bump when the recipe below changes, so old cache entries are not reused.
RECIPE_VERSION = "1"

#: onnxruntime-web, from npm: the version, the SHA-256 of its ``npm pack`` tarball,
#: and the files the page needs with their SHA-256 (checked when copied into the site).
ORT_WEB_PACKAGE = "onnxruntime-web"
ORT_WEB_VERSION = "1.31.1"
ORT_WEB_TARBALL_SHA256 = "bdccdb9fbb9ab537247c0c734e9b1d2b1b338b4f2a09faa58f0dc1cfa27c312c"
ORT_WEB_FILES = {
    "dist/ort.wasm.min.js": "b8a78c408c40da65fdc8ba0846f7b2948e92a4c6d6b23cc8e4165e428ad95443",
    "dist/ort-wasm-simd-threaded.mjs": "30ed0b5cd1182ede931fea448afb567d4dc705ec957af09f108a2be5f770dac3",
    "dist/ort-wasm-simd-threaded.wasm": "4b884c203b0fa48d057be3332c65513ff85aa3c5bddd6946acc0fab7ecda001d",
}
ORT_WEB_LICENSE = "MIT"
#: An unpacked ``onnxruntime-web`` npm package (the folder holding ``dist/``).
ORT_WEB_ENV = "CLASSROOM_ORT_WEB_DIR"
ORT_WEB_CACHE = Path(".cache") / "onnxruntime-web"
ORT_WEB_FETCH = (
    f"mkdir -p .cache/onnxruntime-web && cd .cache/onnxruntime-web && "
    f"npm pack {ORT_WEB_PACKAGE}@{ORT_WEB_VERSION} && tar -xzf {ORT_WEB_PACKAGE}-{ORT_WEB_VERSION}.tgz"
)

_TRUE_WORDS = {"1", "true", "yes", "on"}


class ModelSpec(NamedTuple):
    """One model of the page and the script that trains it."""

    key: str  #: "mnist" or "cifar10": the dataset's folder, and the model's name on the page
    title: str
    lesson: str
    script: str  #: the training script, relative to the project root
    quick_options: tuple[str, ...]
    full_options: tuple[str, ...]
    model_file: str  #: the file the script writes into its --out folder
    recorded: str  #: the folder of a recorded full run
    onnx_name: str  #: the names the files get in the site
    npz_name: str
    test_set: str


MODELS = (
    ModelSpec(
        key="mnist",
        title="Digit reader",
        lesson="weekend 1's two-layer network (784 → 512 → 10)",
        script="scripts/train_mnist.py",
        # The weekend-1 notebook's quick mode: 6,000 training images, 3 epochs.
        quick_options=("--epochs", "3", "--train-limit", "6000"),
        full_options=(),
        model_file="mnist_mlp.npz",
        recorded="runs/mnist",
        onnx_name="mnist_mlp.onnx",
        npz_name="mnist_mlp.npz",
        test_set="MNIST test digits",
    ),
    ModelSpec(
        key="cifar10",
        title="Photo classifier",
        lesson="weekend 4's CNN (four conv-batch-norm-pool stages, global pooling)",
        script="scripts/train_cifar10.py",
        # The weekend-4 notebook's quick mode: 10,000 training images, 3 epochs.
        quick_options=("--limit", "10000", "--epochs", "3", "--test-limit", "2000"),
        full_options=(),
        model_file="model.npz",
        recorded="runs/cifar10",
        onnx_name="cifar10_cnn.onnx",
        npz_name="cifar10_cnn.npz",
        test_set="CIFAR-10 test images",
    ),
)


def quick_mode_enabled(environ=None) -> bool:
    """True when ``CLASSROOM_QUICK`` asks for quick runs (as ``classroom.config.quick_mode``)."""
    environ = os.environ if environ is None else environ
    return environ.get("CLASSROOM_QUICK", "").strip().lower() in _TRUE_WORDS


@functools.lru_cache(maxsize=1)
def _notebooks_hook():
    """The notebooks hook's helpers (dependency tracking, excused datasets), loaded by path."""
    spec = importlib.util.spec_from_file_location("classroom_notebooks_hook_for_try_it", Path(__file__).with_name("notebooks.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        for chunk in iter(lambda: stream.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


# --------------------------------------------------------------------------
# The runtime: onnxruntime-web from npm
# --------------------------------------------------------------------------
class RuntimeFilesError(RuntimeError):
    """The runtime is missing or does not match its recorded checksums."""


def runtime_problems(package_dir: Path) -> list[str]:
    """Return what is wrong with an unpacked onnxruntime-web package (empty when every file checks out)."""
    problems = []
    for relative, expected in ORT_WEB_FILES.items():
        path = package_dir / relative
        if not path.is_file():
            problems.append(f"{relative} is missing")
        elif sha256_file(path) != expected:
            problems.append(f"{relative} has SHA-256 {sha256_file(path)[:16]}..., expected {expected[:16]}...")
    return problems


def _fetch_runtime(cache: Path) -> Path | None:
    """``npm pack`` the pinned package into ``cache``, check the tarball, unpack the files the page needs."""
    npm = shutil.which("npm")
    if npm is None:
        return None
    cache.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=cache, prefix=".fetch-") as scratch:
        result = subprocess.run(
            [npm, "pack", "--silent", f"{ORT_WEB_PACKAGE}@{ORT_WEB_VERSION}", "--pack-destination", scratch],
            capture_output=True, text=True, timeout=600,
        )
        tarball = Path(scratch) / f"{ORT_WEB_PACKAGE}-{ORT_WEB_VERSION}.tgz"
        if result.returncode != 0 or not tarball.is_file():
            log.info("try-it: npm pack %s@%s failed: %s", ORT_WEB_PACKAGE, ORT_WEB_VERSION, result.stderr.strip()[-500:])
            return None
        digest = sha256_file(tarball)
        if digest != ORT_WEB_TARBALL_SHA256:
            raise RuntimeFilesError(
                f"{tarball.name} from npm has SHA-256 {digest}, but hooks/try_it.py records "
                f"{ORT_WEB_TARBALL_SHA256}; refusing to publish it (check the version pinned there)"
            )
        unpacked = Path(scratch) / "package"
        wanted = {f"package/{relative}" for relative in ORT_WEB_FILES} | {"package/package.json"}
        with tarfile.open(tarball, "r:gz") as archive:
            for member in archive.getmembers():
                if member.name in wanted and member.isfile():
                    target = Path(scratch) / member.name
                    target.parent.mkdir(parents=True, exist_ok=True)
                    target.write_bytes(archive.extractfile(member).read())
        final = cache / "package"
        shutil.rmtree(final, ignore_errors=True)
        os.replace(unpacked, final)
        shutil.copyfile(tarball, cache / tarball.name)
    return cache / "package"


def find_runtime(root: Path, *, fetch: bool = True) -> tuple[Path | None, str]:
    """Return the unpacked onnxruntime-web package to publish, and where it was found (or why not).

    Raises
    ------
    RuntimeFilesError
        When a copy is found but a file's SHA-256 differs from the recorded one.
    """
    candidates = []
    if os.environ.get(ORT_WEB_ENV):
        candidates.append((Path(os.environ[ORT_WEB_ENV]), ORT_WEB_ENV))
    candidates.append((root / ORT_WEB_CACHE / "package", str(ORT_WEB_CACHE / "package")))
    for folder, where in candidates:
        if not (folder / "dist").is_dir():
            continue
        problems = runtime_problems(folder)
        if problems:
            raise RuntimeFilesError(
                f"the {ORT_WEB_PACKAGE} copy in {where} is not version {ORT_WEB_VERSION} as recorded in "
                f"hooks/try_it.py: {'; '.join(problems)}; delete it and fetch it again with: {ORT_WEB_FETCH}"
            )
        return folder, where
    if fetch:
        fetched = _fetch_runtime(root / ORT_WEB_CACHE)
        if fetched is not None:
            problems = runtime_problems(fetched)
            if problems:
                raise RuntimeFilesError(f"the fetched {ORT_WEB_PACKAGE} does not match hooks/try_it.py: {'; '.join(problems)}")
            return fetched, f"npm pack {ORT_WEB_PACKAGE}@{ORT_WEB_VERSION}"
    return None, (
        f"{ORT_WEB_PACKAGE} {ORT_WEB_VERSION} is not here: set {ORT_WEB_ENV} to an unpacked copy, or fetch it with: "
        f"{ORT_WEB_FETCH}"
    )


def read_runtime(package_dir: Path) -> dict[str, tuple[bytes, str]]:
    """Read the runtime's files for the site: ``{name: (bytes, sha256)}``, each checked on the bytes that are published."""
    files = {}
    for relative, expected in ORT_WEB_FILES.items():
        data = (package_dir / relative).read_bytes()
        digest = sha256_bytes(data)
        if digest != expected:
            raise RuntimeFilesError(
                f"{ORT_WEB_PACKAGE}/{relative} changed since it was checked (SHA-256 {digest[:16]}..., "
                f"expected {expected[:16]}...); fetch it again with: {ORT_WEB_FETCH}"
            )
        files[Path(relative).name] = (data, digest)
    return files


def runtime_notice(files: dict[str, tuple[bytes, str]]) -> str:
    """The third-party notice published beside the runtime: package, version, licence, checksums."""
    lines = [
        f"{ORT_WEB_PACKAGE} {ORT_WEB_VERSION} (npm), {ORT_WEB_LICENSE} licence, Copyright (c) Microsoft Corporation.",
        f"npm pack tarball SHA-256: {ORT_WEB_TARBALL_SHA256}",
        *(f"{name} SHA-256: {digest}" for name, (_, digest) in files.items()),
    ]
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------
# The models
# --------------------------------------------------------------------------
class MissingModelData(Exception):
    """The dataset a model needs is not in the data directory (``str`` is the loader's message)."""


def model_key(spec: ModelSpec, root: Path, quick: bool, options: tuple[str, ...]) -> str:
    """SHA-256 of what decides the trained model: the script, the package files it imports, its options, the mode."""
    notebooks = _notebooks_hook()
    script = root / spec.script
    package_dir = root / "src" / "classroom"
    digest = hashlib.sha256(f"recipe={RECIPE_VERSION}\nquick={quick}\noptions={list(options)}\n".encode())
    digest.update(script.read_bytes())
    for path in notebooks.notebook_dependencies(script, package_dir):
        digest.update(str(path.relative_to(package_dir)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def _load_test_split(spec: ModelSpec):
    """Load the model's test split in this process: checks the data are there and gives the sample images."""
    from classroom.data import load_cifar10, load_mnist
    from classroom.data.errors import MissingDataError

    try:
        return (load_mnist if spec.key == "mnist" else load_cifar10)("test")
    except MissingDataError as error:
        raise MissingModelData(str(error).strip()) from None


def _train(spec: ModelSpec, root: Path, quick: bool, options: tuple[str, ...], folder: Path) -> dict:
    """Run the training script into ``folder`` (atomically: a failed run leaves nothing behind)."""
    folder.parent.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(dir=folder.parent, prefix=f".{folder.name}."))
    command = [sys.executable, str(root / spec.script), *options, "--out", str(scratch)]
    environment = {**os.environ, "CLASSROOM_QUICK": "1" if quick else "0", "PYTHONUNBUFFERED": "1"}
    started_at = _dt.datetime.now(_dt.timezone.utc)
    started = time.perf_counter()
    log.info("try-it: training the %s model (%s mode): %s", spec.key, "quick" if quick else "full", shlex.join(["python", spec.script, *options]))
    try:
        result = subprocess.run(command, cwd=root, env=environment, capture_output=True, text=True)
        output = result.stdout + result.stderr
        if result.returncode != 0:
            if "MissingDataError" in output or "is not in the data directory" in output:
                raise MissingModelData(output.strip().splitlines()[-1])
            raise RuntimeError(
                f"try-it: {spec.script} failed (exit {result.returncode}) while training the page's "
                f"{spec.key} model:\n{output[-3000:]}"
            )
        run = {
            "command": shlex.join(["python", spec.script, *options]),
            "date": started_at.isoformat(timespec="seconds"),
            "mode": "quick" if quick else "full",
            "seconds": round(time.perf_counter() - started, 1),
        }
        (scratch / "run.json").write_text(json.dumps(run, indent=2) + "\n", encoding="utf-8")
        shutil.rmtree(folder, ignore_errors=True)
        os.replace(scratch, folder)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return run


def _recorded_run(spec: ModelSpec, root: Path):
    """Return ``(model_path, run)`` for a recorded full run in ``runs/``, or None."""
    folder = root / spec.recorded
    model_path, metrics_path = folder / spec.model_file, folder / "metrics.json"
    if not (model_path.is_file() and metrics_path.is_file()):
        return None
    metrics = json.loads(metrics_path.read_text(encoding="utf-8"))
    from classroom.io import load_model_state

    _, metadata = load_model_state(model_path)
    run = {
        "command": metrics.get("command", f"python {spec.script} (its options were not recorded)"),
        "date": metrics.get("date", metadata.get("created", "not recorded")),
        "mode": "recorded",
    }
    return model_path, run


def _accuracy(metadata: dict, model_path: Path) -> tuple[float | None, int | None]:
    """The test accuracy saved with the model, and on how many test images (from its metrics.json)."""
    accuracy = metadata.get("metrics", {}).get("test_accuracy")
    count = None
    metrics_path = model_path.parent / "metrics.json"
    if metrics_path.is_file():
        metrics = json.loads(metrics_path.read_text(encoding="utf-8"))
        count = metrics.get("test_images") or metrics.get("data", {}).get("test")
    return accuracy, count


def prepare_model(spec: ModelSpec, root: Path, quick: bool, cache_dir: Path) -> dict:
    """Train (or reuse, or take from a recorded run) one model, export it to ONNX; return its page entry.

    Raises
    ------
    MissingModelData
        When the model's dataset is not in the data directory.
    """
    from classroom.io.onnx_export import export_model_file
    from classroom.models.registry import build_model
    from classroom.serve.model_file import load_served_model

    test_images, test_labels = _load_test_split(spec)
    recorded = _recorded_run(spec, root)
    if recorded is not None:
        model_path, run = recorded
        reused = True
    else:
        options = spec.quick_options if quick else spec.full_options
        folder = cache_dir / f"{spec.key}-{model_key(spec, root, quick, options)[:16]}"
        model_path = folder / spec.model_file
        reused = model_path.is_file() and (folder / "run.json").is_file()
        run = json.loads((folder / "run.json").read_text()) if reused else _train(spec, root, quick, options, folder)

    served = load_served_model(model_path)  # the server's checks: checksums, metadata, weights, a test pass
    digest = served.sha256
    export_dir = cache_dir / "export" / f"{spec.key}-{digest[:16]}"
    onnx_path = export_dir / spec.onnx_name
    if not onnx_path.is_file():
        export_dir.mkdir(parents=True, exist_ok=True)
        export_model_file(model_path, onnx_path, build_model=build_model)
    accuracy, test_count = _accuracy(served.metadata, model_path)

    samples = []
    if spec.key == "cifar10":
        samples = _cifar_samples(test_images, test_labels, served.classes, export_dir)
    return {
        "available": True,
        "key": spec.key,
        "title": spec.title,
        "lesson": spec.lesson,
        "classes": served.classes,
        "input_shape": list(served.input_shape),
        "input_name": "input",
        "output_name": "output",
        "preprocess": served.preprocessing.to_dict(),
        "onnx": f"models/{spec.onnx_name}",
        "npz": f"models/{spec.npz_name}",
        "npz_sha256": digest,
        "onnx_sha256": sha256_file(onnx_path),
        "onnx_bytes": onnx_path.stat().st_size,
        "architecture": served.metadata.get("architecture"),
        "run": run,
        "test_accuracy": accuracy,
        "test_images": test_count,
        "test_set": spec.test_set,
        "samples": samples,
        "_files": {"onnx": onnx_path, "npz": model_path, "samples": export_dir},
        "_reused": reused,
    }


def _cifar_samples(images, labels, classes, folder: Path) -> list[dict]:
    """The first test image of each class as a PNG, for the page's "pick a photo" buttons."""
    from PIL import Image

    samples = []
    for label in range(len(classes)):
        index = int(next(i for i, value in enumerate(labels) if value == label))
        name = f"cifar10-test-{index:05d}.png"
        path = folder / name
        if not path.is_file():
            buffer = io.BytesIO()
            Image.fromarray(images[index]).save(buffer, format="PNG")
            path.write_bytes(buffer.getvalue())
        samples.append({"file": f"samples/{name}", "label": classes[label], "test_index": index})
    return samples


# --------------------------------------------------------------------------
# The page's text
# --------------------------------------------------------------------------
def _date(text: str) -> str:
    return str(text)[:10] if text else "an unrecorded date"


def provenance_markdown(entries: list[dict], runtime: dict | None) -> str:
    """The admonition that says where each model comes from, and which runtime runs it."""
    lines = ['!!! info "Where these models come from"', ""]
    for entry in entries:
        if not entry.get("available"):
            continue
        run = entry["run"]
        if run["mode"] == "recorded":
            origin = f"exported from a recorded run, `{run['command']}`, of {_date(run['date'])}"
        else:
            mode = (
                "**quick mode** (a small subset for a few epochs, so the site builds in minutes; "
                "the published site trains the full recipe)"
                if run["mode"] == "quick"
                else "**full mode** (the script's whole recipe)"
            )
            origin = f"trained when this site was built, in {mode}: `{run['command']}`, on {_date(run['date'])}"
        accuracy = ""
        if entry.get("test_accuracy") is not None:
            count = f"{entry['test_images']:,} " if entry.get("test_images") else ""
            accuracy = f" Test accuracy **{entry['test_accuracy']:.1%}** on {count}{entry['test_set']}."
        size = entry["onnx_bytes"] / 1e6
        lines.append(
            f"    - **{entry['title']}**, {entry['lesson']}: {origin}.{accuracy} Files: "
            f"[`{Path(entry['onnx']).name}`](assets/{entry['onnx']}) ({size:.1f} MB, ONNX) and "
            f"[`{Path(entry['npz']).name}`](assets/{entry['npz']}) (the model file the weekend-8 server loads)."
        )
    if runtime is not None:
        lines.append(
            f"    - **Inference**: [onnxruntime-web](https://www.npmjs.com/package/{ORT_WEB_PACKAGE}) "
            f"{ORT_WEB_VERSION} from npm ({ORT_WEB_LICENSE} licence), copied into this site when it was built and "
            "checked against the SHA-256 recorded in `hooks/try_it.py`; the models run on your "
            "machine, in WebAssembly, and nothing you draw or upload leaves the page."
        )
    for entry in entries:
        if entry.get("available"):
            continue
        lines += ["", f'!!! warning "The {entry["title"].lower()} is missing from this build"', ""]
        lines += ["    " + line if line else "" for line in entry["missing"].splitlines()]
    if runtime is None:
        lines += ["", '!!! warning "The inference runtime is missing from this build"', ""]
        lines.append(f"    {_state.get('runtime_problem', '')}")
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------
# MkDocs events
# --------------------------------------------------------------------------
_state: dict = {}


def _public(entry: dict) -> dict:
    return {key: value for key, value in entry.items() if not key.startswith("_")}


def on_pre_build(config):
    """Get the models and the runtime before the pages are read."""
    from mkdocs.exceptions import PluginError

    root = Path(config.config_file_path).resolve().parent
    quick = quick_mode_enabled()
    strict = bool(config.get("strict"))
    notebooks = _notebooks_hook()
    excused = notebooks.excused_datasets() if strict and quick else set()
    cache_dir = root / CACHE_FOLDER
    _state.clear()
    entries = []
    for spec in MODELS:
        started = time.perf_counter()
        try:
            entry = prepare_model(spec, root, quick, cache_dir)
        except MissingModelData as error:
            message = str(error)
            if strict and not notebooks.is_excused(message, excused):
                why = (
                    f"{notebooks.UNAVAILABLE_ENV} excuses only {sorted(excused)} in quick mode"
                    if excused
                    else "'python3 scripts/dev.py serve' builds the page without that model and says what is missing"
                )
                raise PluginError(
                    f"try-it: the {spec.key} model needs a dataset that is missing:\n{message}\n"
                    f"(a strict build needs every dataset; {why})"
                ) from None
            (log.info if strict else log.warning)("try-it: the %s model is left out: %s", spec.key, message.splitlines()[0])
            entry = {"available": False, "key": spec.key, "title": spec.title, "missing": message}
        except RuntimeError as error:
            raise PluginError(str(error)) from None
        else:
            how = "reused" if entry["_reused"] else "trained"
            log.info("try-it: %s model %s (%s, %.1f s)", spec.key, how, entry["run"]["mode"], time.perf_counter() - started)
        entries.append(entry)
    try:
        package_dir, where = find_runtime(root)
    except RuntimeFilesError as error:
        raise PluginError(f"try-it: {error}") from None
    if package_dir is None:
        if strict:
            raise PluginError(f"try-it: the page needs its inference runtime: {where}")
        log.warning("try-it: %s", where)
        _state["runtime_problem"] = where
    _state.update(entries=entries, runtime_dir=package_dir, runtime_source=where)


def on_page_markdown(markdown, page, config, files):
    """Replace the marker on the page with where the models come from."""
    if page.file.src_uri != PAGE or "entries" not in _state:
        return markdown
    from mkdocs.exceptions import PluginError

    if MARKER not in markdown:
        raise PluginError(f"try-it: {PAGE} lost its marker {MARKER}; put it back where the models are described")
    runtime = {"version": ORT_WEB_VERSION} if _state["runtime_dir"] is not None else None
    return markdown.replace(MARKER, provenance_markdown(_state["entries"], runtime))


def on_files(files, config):
    """Add the models, the sample photos, the runtime and the manifest to the site's files."""
    if "entries" not in _state:
        return files
    from mkdocs.exceptions import PluginError
    from mkdocs.structure.files import File

    def add(relative: str, **source):
        uri = (SITE_ASSETS / relative).as_posix()
        existing = files.get_file_from_path(uri)
        if existing is not None:
            files.remove(existing)
        files.append(File.generated(config, uri, **source))

    manifest = {"models": {}, "runtime": None}
    for entry in _state["entries"]:
        if entry.get("available"):
            sources = entry["_files"]
            add(entry["onnx"], abs_src_path=str(sources["onnx"]))
            add(entry["npz"], abs_src_path=str(sources["npz"]))
            # The download's checksum file, so `sha256sum -c` and the server check it.
            add(entry["npz"] + ".sha256", content=f"{entry['npz_sha256']}  {Path(entry['npz']).name}\n")
            for sample in entry["samples"]:
                add(sample["file"], abs_src_path=str(sources["samples"] / Path(sample["file"]).name))
        manifest["models"][entry["key"]] = _public(entry)
    if _state["runtime_dir"] is not None:
        try:
            runtime_files = read_runtime(_state["runtime_dir"])
        except RuntimeFilesError as error:
            raise PluginError(f"try-it: {error}") from None
        for name, (data, _) in runtime_files.items():
            add(f"ort/{name}", content=data)
        add("ort/THIRD-PARTY-NOTICE.txt", content=runtime_notice(runtime_files))
        manifest["runtime"] = {
            "package": ORT_WEB_PACKAGE,
            "version": ORT_WEB_VERSION,
            "script": "ort/ort.wasm.min.js",
            "wasm_paths": "ort/",
            "tarball_sha256": ORT_WEB_TARBALL_SHA256,
            "files": {name: {"sha256": digest, "bytes": len(data)} for name, (data, digest) in runtime_files.items()},
        }
    add("models.json", content=json.dumps(manifest, indent=2) + "\n")
    return files
