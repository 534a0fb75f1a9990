"""Drawing the computation graph (the Graphviz source only; rendering needs the ``dot`` program)."""

from __future__ import annotations

import pytest

from classroom.autograd import Tensor
from classroom.autograd.viz import draw_graph, operation_name

pytest.importorskip("graphviz", reason="the graphviz Python package is a docs extra")


def test_operation_names_come_from_the_recording_method():
    a = Tensor(2.0, requires_grad=True)
    assert operation_name(a) == ""
    assert operation_name(a * 3.0) == "*"
    assert operation_name(a + a) == "+"
    assert operation_name(a.tanh()) == "tanh"
    assert operation_name(a - 1.0) == "+"  # subtraction is recorded as adding a negation


def test_draw_graph_has_one_node_per_tensor_and_operation():
    a = Tensor(2.0, requires_grad=True)
    b = Tensor(-3.0, requires_grad=True)
    product = a * b
    output = (product + a).tanh()
    output.backward()
    source = draw_graph(output, {a: "a", b: "b", output: "out"}).source
    assert source.count("shape=record") == 5  # a, b, a*b, a*b+a, tanh(...)
    assert source.count("shape=circle") == 3  # *, +, tanh
    assert "{a | data 2 | grad" in source and "{out | data" in source
    assert "tanh" in source
