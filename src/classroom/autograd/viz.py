"""Draw the computation graph behind a ``Tensor`` with Graphviz.

Needs the ``graphviz`` Python package and its ``dot`` program (the docs
extras of the project install the former; ``dot`` comes from your system's
package manager, e.g. ``apt install graphviz``). Without them
:func:`draw_graph` returns the same graph as indented text
(:class:`GraphText`), with a note on how to get the drawing, so a notebook
still runs on a machine that lacks Graphviz.

The engine stores no operation names; each node's ``backward_fn`` is a
function defined inside the ``Tensor`` method that made it, so the method
name is read from the function's qualified name (``Tensor.__mul__.<locals>...``).
Subtraction and division therefore appear as what the engine records:
``+`` of a negation and ``*`` of a power.
"""

from __future__ import annotations

import html
import importlib.util
import shutil

import numpy as np

from .engine import Tensor

OPERATION_SYMBOLS = {
    "__add__": "+",
    "__mul__": "*",
    "__neg__": "neg",
    "__pow__": "**",
    "__matmul__": "@",
    "__getitem__": "[ ]",
}


def operation_name(tensor: Tensor) -> str:
    """Return the name of the operation that produced ``tensor`` ("" for a leaf).

    Parameters
    ----------
    tensor : Tensor

    Returns
    -------
    str
        A symbol such as ``"+"`` or ``"@"``, or a method name such as ``"tanh"``.
    """
    if tensor.backward_fn is None:
        return ""
    method = tensor.backward_fn.__qualname__.split(".")[1]
    return OPERATION_SYMBOLS.get(method, method)


def _describe(array) -> str:
    """Short text for a value or gradient: the number for one element, else the shape."""
    if array is None:
        return "None"
    array = np.asarray(array)
    return f"{array.item():.4g}" if array.size == 1 else f"shape {array.shape}"


def graphviz_available() -> bool:
    """True when both the ``graphviz`` Python package and Graphviz's ``dot`` program are installed."""
    return importlib.util.find_spec("graphviz") is not None and shutil.which("dot") is not None


def _graph_tensors(root: Tensor) -> tuple[list[Tensor], dict[int, str]]:
    """Every tensor ``root`` was computed from (``root`` first), and a node id ``"t0", "t1", ...`` for each."""
    tensors, node_ids, stack = [], {}, [root]
    while stack:
        tensor = stack.pop()
        if id(tensor) not in node_ids:
            node_ids[id(tensor)] = f"t{len(tensors)}"
            tensors.append(tensor)
            stack.extend(tensor.parents)
    return tensors, node_ids


def _label(tensor: Tensor, names: dict, show_grad: bool) -> str:
    """``"name | data 6 | grad 1"``: what a node shows."""
    label = f"{names.get(tensor, '')} | data {_describe(tensor.data)}"
    if show_grad:
        label += f" | grad {_describe(tensor.grad)}"
    return label.lstrip(" |")


class GraphText:
    """The computation graph as indented text, for machines without Graphviz.

    Each line is a tensor; the lines indented below it are the tensors its
    operation combined (``<- *`` names the operation). A tensor used twice is
    written out once and referred to by its id afterwards.

    Attributes
    ----------
    lines : list of str
        The graph, output first.
    """

    NOTE = (
        "Graphviz is not installed, so the graph is written as text. For the drawing install "
        "its dot program (apt install graphviz, brew install graphviz or conda install graphviz) "
        "and the Python package (pip install graphviz)."
    )

    def __init__(self, lines: list[str]):
        self.lines = lines

    def __str__(self) -> str:
        return "\n".join(self.lines)

    def _repr_html_(self) -> str:
        return f"<p><em>{html.escape(self.NOTE)}</em></p><pre>{html.escape(str(self))}</pre>"

    def _repr_pretty_(self, printer, cycle) -> None:
        printer.text(f"{self}\n({self.NOTE})")


def graph_as_text(root: Tensor, names: dict | None = None, *, show_grad: bool = True) -> GraphText:
    """Return the graph :func:`draw_graph` draws, as indented text.

    Parameters
    ----------
    root : Tensor
        The output (for example a loss).
    names : dict of Tensor to str, optional
        Labels for some tensors.
    show_grad : bool, default True
        Also print each tensor's ``grad``.

    Returns
    -------
    GraphText
    """
    names = names or {}
    _, node_ids = _graph_tensors(root)
    lines: list[str] = []
    written: set[int] = set()

    def write(tensor: Tensor, depth: int) -> None:
        node_id = node_ids[id(tensor)]
        indent = "    " * depth
        if id(tensor) in written:
            lines.append(f"{indent}{node_id} (above)")
            return
        written.add(id(tensor))
        operation = f"  <- {operation_name(tensor)}" if tensor.backward_fn is not None else ""
        lines.append(f"{indent}{node_id}: {_label(tensor, names, show_grad)}{operation}")
        for parent in tensor.parents:
            write(parent, depth + 1)

    write(root, 0)
    return GraphText(lines)


def draw_graph(root: Tensor, names: dict | None = None, *, show_grad: bool = True, rankdir: str = "LR"):
    """Return a Graphviz drawing of every tensor that ``root`` was computed from.

    Parameters
    ----------
    root : Tensor
        The output (for example a loss).
    names : dict of Tensor to str, optional
        Labels for some tensors, e.g. ``{a: "a", b: "b"}``.
    show_grad : bool, default True
        Also print each tensor's ``grad`` (run ``backward()`` first).
    rankdir : {"LR", "TB"}, default "LR"
        Draw left to right or top to bottom.

    Returns
    -------
    graphviz.Digraph or GraphText
        The Digraph displays as SVG in a notebook; ``.pipe("svg")`` gives the
        SVG text. Where Graphviz is not installed (see
        :func:`graphviz_available`), the same graph as :class:`GraphText`.
    """
    if not graphviz_available():
        return graph_as_text(root, names, show_grad=show_grad)
    import graphviz

    names = names or {}
    tensors, node_ids = _graph_tensors(root)
    graph = graphviz.Digraph(graph_attr={"rankdir": rankdir}, node_attr={"fontname": "Helvetica"})
    for tensor in tensors:
        node_id = node_ids[id(tensor)]
        graph.node(node_id, "{" + _label(tensor, names, show_grad) + "}", shape="record")
        if tensor.backward_fn is not None:
            operation_id = node_id + "_op"
            graph.node(operation_id, operation_name(tensor), shape="circle", style="filled", fillcolor="#fde68a")
            graph.edge(operation_id, node_id)
            for parent in tensor.parents:
                graph.edge(node_ids[id(parent)], operation_id)
    return graph
