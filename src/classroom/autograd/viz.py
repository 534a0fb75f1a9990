"""Draw the computation graph behind a ``Tensor`` with Graphviz.

Needs the ``graphviz`` Python package and its ``dot`` program (the docs
extras of the project install the former; ``dot`` comes from your system's
package manager, e.g. ``apt install graphviz``).

The engine stores no operation names; each node's ``backward_fn`` is a
function defined inside the ``Tensor`` method that made it, so the method
name is read from the function's qualified name (``Tensor.__mul__.<locals>...``).
Subtraction and division therefore appear as what the engine records:
``+`` of a negation and ``*`` of a power.
"""

from __future__ import annotations

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
    graphviz.Digraph
        Displays as SVG in a notebook; ``.pipe("svg")`` gives the SVG text.
    """
    import graphviz

    names = names or {}
    tensors, node_ids, stack = [], {}, [root]  # node_ids: id(tensor) -> "t0", "t1", ...
    while stack:
        tensor = stack.pop()
        if id(tensor) not in node_ids:
            node_ids[id(tensor)] = f"t{len(tensors)}"
            tensors.append(tensor)
            stack.extend(tensor.parents)

    graph = graphviz.Digraph(graph_attr={"rankdir": rankdir}, node_attr={"fontname": "Helvetica"})
    for tensor in tensors:
        node_id = node_ids[id(tensor)]
        label = f"{names.get(tensor, '')} | data {_describe(tensor.data)}"
        if show_grad:
            label += f" | grad {_describe(tensor.grad)}"
        graph.node(node_id, "{" + label.lstrip(" |") + "}", shape="record")
        if tensor.backward_fn is not None:
            operation_id = node_id + "_op"
            graph.node(operation_id, operation_name(tensor), shape="circle", style="filled", fillcolor="#fde68a")
            graph.edge(operation_id, node_id)
            for parent in tensor.parents:
                graph.edge(node_ids[id(parent)], operation_id)
    return graph
