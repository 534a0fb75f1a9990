# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Why pickle, and is there a standard interchange format?
#
# > *"Python tutorials save models with `pickle`, this course saves `.npz`
# > files, and people online share `.safetensors` and `.onnx` files. What is
# > the difference, and which one should I use?"*
#
# **Short answer.** This page saves the same trained weekend-1 network in
# five ways and measures the size on disk, the time to save and the time to
# load each file back into a model that answers: `pickle` of the whole model
# object, `pickle` of its weights only, the course's `.npz` file
# (`classroom.io.save_model`), safetensors and ONNX. The weights themselves
# are the same bytes in every file; what differs is what goes in *around*
# them. Pickling the whole object also stores its gradients and the arrays
# it cached during its last forward pass, so that file is the largest in the
# table below. More importantly, a pickle is a small program: loading one
# calls whatever functions it names, as the harmless demonstration in the
# middle of the page shows, while `np.load(..., allow_pickle=False)`, the
# safetensors reader and ONNX only ever read arrays. That, and not speed, is
# why the course's model files are `.npz` archives of plain arrays with a
# JSON metadata entry. safetensors is the common interchange format for
# weights; ONNX is the one for a whole network, graph included.
#
# **Quick mode.** When the site is built with `CLASSROOM_QUICK=1`, the
# network trains for one epoch on 10,000 MNIST images (a few seconds), and
# each save and load is timed 5 times instead of 21. The file sizes do not
# depend on the mode; the times are small and noisy on a shared machine.
# The recorded full run at the end adds the weekend-4 CIFAR-10 CNN.

# %%
import importlib.util
import io
import json
import pickle
import pickletools
import tempfile
import time
import zipfile
from pathlib import Path

import numpy as np

from classroom.config import quick_mode
from classroom.data import load_mnist, mnist_as_float, stratified_split
from classroom.evaluation import markdown_table
from classroom.evaluation.timing import time_call
from classroom.io import load_model_state, load_npz, save_model
from classroom.io.atomic import atomic_write
from classroom.io.model_files import atomic_save_npz
from classroom.io.safetensors import load_safetensors, save_safetensors
from classroom.models.registry import build_model
from classroom.nn import CrossEntropyLoss
from classroom.nn.flops import total_parameters
from classroom.nn.module import Parameter
from classroom.nn.parallel import use_threads
from classroom.optim import Adam
from classroom.train import Trainer
from classroom.train.runs import describe_run, read_run

QUICK = quick_mode()
TRAIN_SIZE, EPOCHS, REPEATS = (10_000, 1, 5) if QUICK else (55_000, 3, 21)
HAVE_ONNX = importlib.util.find_spec("onnx") is not None
HAVE_ORT = importlib.util.find_spec("onnxruntime") is not None
use_threads(2)
print(f"{'quick' if QUICK else 'full'} mode: {TRAIN_SIZE:,} training images, {EPOCHS} epoch(s), "
      f"{REPEATS} timed repeats per save and load")
print(f"onnx installed: {HAVE_ONNX}; onnxruntime installed: {HAVE_ORT}")

# %% [markdown]
# ## The model: weekend 1's network, trained briefly
#
# `MLP(784, [512], 10)` with Adam, as in the weekend-1 notebook. It is built
# from an **architecture dict** with `build_model`, the way the server
# rebuilds a model from a file: that dict is what every weights-only format
# needs to store (or be told) besides the numbers.

# %%
train_images, train_labels = load_mnist("train")
test_images, test_labels = load_mnist("test")
fraction = TRAIN_SIZE / len(train_labels)
train_index = stratified_split(train_labels, (fraction, 1 - fraction), seed=0)[0]
x_train, y_train = mnist_as_float(train_images[train_index]), train_labels[train_index]
x_check = mnist_as_float(test_images[:1000])

architecture = {"name": "mlp", "in_features": 784, "hidden_sizes": [512], "out_features": 10}
model = build_model(architecture)
trainer = Trainer(model, CrossEntropyLoss(), Adam(model.parameters(), lr=1e-3), progress=False)
started = time.perf_counter()
trainer.fit((x_train, y_train), epochs=EPOCHS, batch_size=128, rng=np.random.default_rng(0))
model.eval()
reference = model(x_check)  # the answers every reloaded copy must reproduce
accuracy = float(np.mean(np.argmax(reference, axis=1) == test_labels[:1000]))
parameters = total_parameters(model)
print(f"trained in {time.perf_counter() - started:.1f} s; accuracy on 1,000 test images {accuracy:.3f}")
print(f"{parameters:,} parameters = {4 * parameters / 1e6:.2f} MB as float32")

# %% [markdown]
# ## Five ways to save it
#
# Each format gets a `save(path)` and a `load(path)` that returns a model
# ready to answer (for the weights-only formats: build the empty model from
# the architecture, then fill in the weights). Every file is written through
# the same `atomic_write` (temporary file, `fsync`, rename), so the save
# times compare formats, not durability. ONNX is "loaded" by creating an
# ONNX Runtime session, the object that runs it.

# %%
def pickle_whole(path):
    with atomic_write(path) as stream:
        pickle.dump(model, stream, protocol=pickle.HIGHEST_PROTOCOL)


def unpickle_whole(path):
    with open(path, "rb") as stream:
        return pickle.load(stream)


def pickle_state(path):
    with atomic_write(path) as stream:
        pickle.dump(model.state_dict(), stream, protocol=pickle.HIGHEST_PROTOCOL)


def unpickle_state(path):
    fresh = build_model(architecture)
    with open(path, "rb") as stream:
        fresh.load_state_dict(pickle.load(stream))
    return fresh.eval()


def npz_save(path):
    save_model(path, model, metadata={"name": "mnist-mlp", "architecture": architecture, "input_shape": [784]})


def npz_load(path):
    state, metadata = load_model_state(path)  # the file itself says how to rebuild the model
    fresh = build_model(metadata["architecture"])
    fresh.load_state_dict(state)
    return fresh.eval()


def safetensors_save(path):
    save_safetensors(path, model.state_dict(), metadata={"architecture": json.dumps(architecture)})


def safetensors_load(path):
    arrays, metadata = load_safetensors(path)
    fresh = build_model(json.loads(metadata["architecture"]))
    fresh.load_state_dict(arrays)
    return fresh.eval()


formats = {
    "pickle, whole model object": (".pkl", pickle_whole, unpickle_whole),
    "pickle, state_dict only": (".pkl", pickle_state, unpickle_state),
    ".npz + JSON metadata (save_model)": (".npz", npz_save, npz_load),
    "safetensors": (".safetensors", safetensors_save, safetensors_load),
}
if HAVE_ONNX:
    from classroom.io.onnx_export import save_onnx

    def onnx_save(path):
        save_onnx(model, path, (784,))

    def onnx_load(path):
        if HAVE_ORT:
            import onnxruntime

            session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
            return lambda x: session.run(None, {"input": x})[0]
        import onnx

        onnx.load(str(path))  # no runtime: parse only (this model cannot answer)
        return None

    formats["ONNX (graph + weights)"] = (".onnx", onnx_save, onnx_load)
else:
    print("the onnx package is not installed: the ONNX row is skipped (pip install 'ml-classroom[onnx]')")


def atomic_write_bytes(path, data):
    with atomic_write(path) as stream:
        stream.write(data)


def measure(formats, folder, repeats):
    """Size, median save and load time, and agreement with the original, for every format."""
    results = {}
    for name, (suffix, save, load) in formats.items():
        path = Path(folder) / f"model{suffix}"
        save_timing = time_call(lambda: save(path), repeats=repeats, warmup=1)
        load_timing = time_call(lambda: load(path), repeats=repeats, warmup=1)
        loaded = load(path)
        difference = None if loaded is None else float(np.max(np.abs(loaded(x_check) - reference)))
        results[name] = {"bytes": path.stat().st_size, "save_ms": save_timing.median_ms,
                         "load_ms": load_timing.median_ms, "max_difference": difference}
    return results


with tempfile.TemporaryDirectory() as folder:
    raw = b"".join(parameter.data.tobytes() for parameter in model.parameters())
    floor_ms = time_call(lambda: atomic_write_bytes(Path(folder) / "raw.bin", raw), repeats=REPEATS).median_ms
    results = measure(formats, folder, REPEATS)
build_ms = time_call(lambda: build_model(architecture), repeats=REPEATS).median_ms
print(f"floor: writing the {len(raw) / 1e6:.2f} MB of raw weight bytes through the same atomic write takes "
      f"{floor_ms:.2f} ms (most of it the fsync)")
print(f"build_model(architecture) alone, part of every weights-only load: {build_ms:.2f} ms")


def format_table(results, parameters):
    rows = []
    for name, result in results.items():
        difference = "not run" if result["max_difference"] is None else f"{result['max_difference']:.1e}"
        rows.append([name, f"{result['bytes'] / 1e6:.2f}", f"{result['bytes'] / (4 * parameters):.2f}",
                     f"{result['save_ms']:.2f}", f"{result['load_ms']:.2f}", difference])
    return markdown_table(["format", "size (MB)", "size / float32 weights", "save (ms)", "load (ms)",
                           "largest output difference"], rows)


format_table(results, parameters)

# %% [markdown]
# "Largest output difference" compares the reloaded model's logits on 1,000
# test images with the original's: 0 means the same float32 numbers came
# back. ONNX Runtime computes with its own kernels, so it agrees to rounding
# (around $10^{-6}$), not bit for bit. The save times sit close to the
# floor printed above the table: for files of this size, writing and
# `fsync` cost more than encoding. Of the weights-only formats, `.npz` is
# usually the slowest to load, because NumPy reads each archive member
# through Python's `zipfile`, which checks the member's CRC-32 as it reads.
#
# All weights-only formats are about the size of the weights: `.npz` adds a
# few hundred bytes of zip headers per array and the metadata, safetensors
# one JSON header. The whole-object pickle is bigger. What is in it?

# %%
def arrays_inside(model):
    """Bytes of the NumPy arrays an object holds (what pickle must write), by kind."""
    totals = {"parameters (data)": 0, "gradients (grad)": 0, "buffers and cached arrays": 0}
    seen = set()

    def walk(value, kind):
        if id(value) in seen:
            return
        seen.add(id(value))
        if isinstance(value, np.ndarray):
            totals[kind] += value.nbytes
        elif isinstance(value, Parameter):
            walk(value.data, "parameters (data)")
            walk(value.grad, "gradients (grad)")
        elif isinstance(value, dict):
            for item in value.values():
                walk(item, kind)
        elif isinstance(value, (list, tuple)):
            for item in value:
                walk(item, kind)
        elif hasattr(value, "__dict__"):  # a layer, or a helper object such as a workspace
            for item in vars(value).values():
                walk(item, kind)

    walk(model, "buffers and cached arrays")
    return totals


pickled_after = {}
for rows in (1, len(x_check)):  # the table's pickle was written after the 1,000-image pass
    model(x_check[:rows])
    pickled_after[rows] = len(pickle.dumps(model, protocol=pickle.HIGHEST_PROTOCOL))
    inside = arrays_inside(model)
for rows, size in pickled_after.items():
    print(f"pickle of the whole model after a forward pass of {rows:>5,} image(s): {size / 1e6:.2f} MB")
markdown_table(["after 1,000 images, the model object holds", "MB"],
               [[key, f"{value / 1e6:.2f}"] for key, value in inside.items()]
               + [["total", f"{sum(inside.values()) / 1e6:.2f}"]])

# %% [markdown]
# `pickle` saves the object as it is: every `Parameter` carries its
# gradient, and each `Linear` keeps the input of its last forward pass for
# the backward pass, so the same model pickles to a different size
# depending on what it computed last. A state_dict, an `.npz` or a
# safetensors file holds only what a prediction needs. (Loading the
# whole-object pickle skips `build_model`, which the weights-only formats
# call to draw fresh random weights and then overwrite them.)

# %% [markdown]
# ## A pickle is a program
#
# Pickle does not store data in a fixed layout; it stores **instructions**
# that rebuild the object, and one of them is "call this function with these
# arguments". Any class can choose which function by defining `__reduce__`.
# Here is a harmless one: its pickle calls `print`, and a second one calls a
# function that appends to a list. (A hostile file would name `os.system`
# instead; nothing here touches files or the shell.)

# %%
events = []


def note(message):
    """Append ``message`` to ``events``: the 'payload' of the second pickle."""
    events.append(message)
    return message


class PrintsWhenLoaded:
    def __reduce__(self):
        return (print, ("-> this line was printed by pickle.loads, not by the code that called it",))


class NotesWhenLoaded:
    def __reduce__(self):
        return (note, ("pickle.loads called note()",))


payload = pickle.dumps(PrintsWhenLoaded(), protocol=4)
print(f"{len(payload)} bytes; the instructions inside:")
pickletools.dis(payload)

# %%
print("before pickle.loads")
loaded = pickle.loads(payload)
print("after pickle.loads; the object we got back is", repr(loaded))
print("events before:", events)
pickle.loads(pickle.dumps(NotesWhenLoaded()))
print("events after: ", events)

# %% [markdown]
# `STACK_GLOBAL` looked up `builtins.print`, `REDUCE` called it. Loading the
# model's own pickle works the same way: it imports every class it names and
# calls them to rebuild the object. Which ones?

# %%
with tempfile.TemporaryDirectory() as folder:
    path = Path(folder) / "model.pkl"
    pickle_whole(path)
    model_pickle = path.read_bytes()
named = []
strings = []
for opcode, argument, _ in pickletools.genops(model_pickle):
    if opcode.name in ("SHORT_BINUNICODE", "BINUNICODE", "UNICODE"):
        strings.append(argument)
    if opcode.name == "STACK_GLOBAL":
        named.append(f"{strings[-2]}.{strings[-1]}")
print("the model's pickle imports and calls:", sorted(set(named)))

# %% [markdown]
# So a pickle needs the *same code* to load (rename `classroom.nn.linear.Linear`
# and every old file breaks), and trusting the file means trusting whoever
# wrote it with your machine.
#
# NumPy can pickle too: an array of Python objects (`dtype=object`) is saved
# as a pickle inside the `.npy` file. Since NumPy 1.16.3, `np.load` refuses
# those unless told otherwise, and the course always passes
# `allow_pickle=False` explicitly:

# %%
buffer = io.BytesIO()
np.save(buffer, np.array([{"architecture": "mlp"}, PrintsWhenLoaded()], dtype=object), allow_pickle=True)
buffer.seek(0)
try:
    np.load(buffer, allow_pickle=False)
except ValueError as error:
    print(f"np.load(..., allow_pickle=False) -> ValueError: {error}")

with tempfile.TemporaryDirectory() as folder:
    path = Path(folder) / "with_objects.npz"
    np.savez(path, weight=np.zeros(3, np.float32), extra=np.array([PrintsWhenLoaded()], dtype=object))
    try:
        load_npz(path)
    except ValueError as error:
        print(f"classroom.io.load_npz -> ValueError: {error.args[0].split(': ', 1)[1]}")
    try:
        atomic_save_npz(Path(folder) / "refused.npz", {"extra": np.array([{"a": 1}], dtype=object)})
    except TypeError as error:
        print(f"classroom.io.atomic_save_npz -> TypeError: {error}")

# %% [markdown]
# Nothing was printed by those loads: the object array was refused before
# any of its instructions ran.

# %% [markdown]
# ## Why the course's model files are `.npz` with JSON metadata
#
# An `.npz` file is a zip archive of `.npy` files, and an `.npy` file is a
# short text header (dtype, shape, order) followed by the raw bytes. Open
# one written by `save_model`:

# %%
with tempfile.TemporaryDirectory() as folder:
    path = Path(folder) / "mnist_mlp.npz"
    save_model(path, model, metadata={"name": "mnist-mlp", "version": "1", "architecture": architecture,
                                      "input_shape": [784], "classes": [str(digit) for digit in range(10)]})
    with zipfile.ZipFile(path) as archive:
        members = [[info.filename, f"{info.file_size:,}", f"{info.CRC:08x}"] for info in archive.infolist()]
        npy_header = archive.read("0.weight.npy")[:128]
    _, metadata = load_model_state(path)
print("the first bytes of 0.weight.npy:", npy_header.split(b"\n")[0])
print("metadata:", json.dumps(metadata, indent=1))
markdown_table(["archive member", "bytes", "CRC-32"], members)

# %% [markdown]
# The choice follows from what a model file has to do in this course:
#
# * **Loading cannot run code.** Every entry is a plain array, read with
#   `allow_pickle=False`; a file from a stranger is data, not a program.
# * **Readable without this package.** `np.load("mnist_mlp.npz")["0.weight"]`
#   works in any NumPy, and the names are PyTorch's (`0.weight`, `0.bias`),
#   so the arrays map onto a PyTorch `state_dict`.
# * **Self-describing.** The `__metadata__` entry is one JSON string: the
#   architecture to rebuild the network, the input shape, the class names
#   and (for served models) the preprocessing. JSON is text any language
#   reads, and it cannot hold code either.
# * **Damage is caught.** Zip stores a CRC-32 of every member (the last
#   column), so a changed byte fails the load; the server also checks a
#   SHA-256 of the whole file.
# * **No new dependency.** NumPy is all it takes, which matters in a
#   pure-NumPy course.
#
# safetensors makes the same promises (JSON header, raw bytes, no code) and
# is what model hubs exchange, so `classroom.io.safetensors` reads and
# writes it too; its metadata may hold strings only. ONNX is different in
# kind: it stores the *computation* as a graph of standard operators, so a
# program without any of our Python code (ONNX Runtime in C++, a phone, a
# browser) can run the network. Use pickle only for your own short-lived
# objects, never for files you share or receive.

# %% [markdown]
# ## The recorded full run
#
# `scripts/question_formats.py` repeats the measurement with 21 timed
# repeats, for the weekend-1 network trained on 55,000 images and for the
# weekend-4 CIFAR-10 CNN (full width, trained for one short epoch: the file
# sizes and times do not depend on how well it learned).

# %%
record = read_run("runs/questions/formats.json")
recorded_tables = []
if record is not None:
    print(describe_run(record))
    print(record["timing_note"])
    for name, entry in record["models"].items():
        holds = entry["pickle_holds"]
        print(f"\n{name}: {entry['parameters']:,} parameters ({4 * entry['parameters'] / 1e6:.2f} MB as float32)")
        print(f"  {entry['training']}")
        print(f"  after answering {entry['check_inputs']:,} inputs the model object holds "
              + ", ".join(f"{key} {value / 1e6:.2f} MB" for key, value in holds.items())
              + f"; after one input its pickle is {entry['pickled_after_one_input'] / 1e6:.2f} MB")
        print(f"  floor (raw weight bytes, atomic write): {entry['floor_ms']:.1f} ms; "
              f"build_model alone: {entry['build_model_ms']:.1f} ms")
        recorded_tables.append(format_table(entry["formats"], entry["parameters"]))
    if record.get("onnx_note"):
        print(record["onnx_note"])

# %%
recorded_tables[0] if recorded_tables else None

# %%
recorded_tables[1] if len(recorded_tables) > 1 else None

# %% [markdown]
# ## What to take away
#
# * Every weights-only format (`.npz`, safetensors, a pickled state_dict,
#   ONNX) is about 4 bytes per parameter: the tables show sizes within 1%
#   of the float32 weights. Pickling the **whole model object** also
#   stores gradients and whatever the layers kept from their last forward
#   pass; for the recorded CNN after 100 images (its im2col workspaces),
#   that is the largest file in either table by far.
# * Save and load times are milliseconds for these models, close to the
#   floor of writing the raw bytes with an fsync, and are not the reason
#   to pick a format; the reloaded models give the same outputs in every
#   format (ONNX Runtime to rounding).
# * **Loading a pickle runs code** it names (`print` here, anything in a
#   hostile file) and needs the same classes at the same import paths.
#   `np.load(..., allow_pickle=False)` refuses object arrays with an error
#   before running anything.
# * The course's model files are `.npz` archives of plain arrays plus one
#   JSON metadata entry: no code on load, readable by NumPy alone,
#   self-describing, checksummed. safetensors is the interchange format
#   for weights, ONNX for a whole network that other runtimes run.
#
# Where this comes up: [Weekend 8: deploy](../weekends/08-deploy/index.md)
# (model files, the server's checks, ONNX export) and
# [Weekend 1: a network in NumPy](../weekends/01-numpy-network/index.md)
# (saving the first model).
# The code used here: [`save_model`, `load_model_state`, `load_npz`](../reference/classroom/io/model_files.md),
# [`safetensors`](../reference/classroom/io/safetensors.md),
# [`save_onnx`](../reference/classroom/io/onnx_export.md),
# [`atomic_write`](../reference/classroom/io/atomic.md),
# [`build_model`](../reference/classroom/models/registry.md),
# [`time_call`](../reference/classroom/evaluation/timing.md).
