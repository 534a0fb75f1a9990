"""Drawing the computation graph: the Graphviz source (rendering needs the ``dot`` program),
and the text that stands in for it where Graphviz is not installed."""

from __future__ import annotations

import pytest

from classroom.autograd import Tensor
from classroom.autograd import viz
from classroom.autograd.viz import GraphText, draw_graph, graph_as_text, operation_name


@pytest.fixture
def with_graphviz(monkeypatch):
    """Build the Digraph even where ``dot`` is missing: its source needs only the Python package."""
    pytest.importorskip("graphviz", reason="the graphviz Python package is a docs extra")
    monkeypatch.setattr(viz, "graphviz_available", lambda: True)


def test_operation_names_come_from_the_recording_method():
    a = Tensor(2.0, requires_grad=True)
    assert operation_name(a) == ""
    assert operation_name(a * 3.0) == "*"
    assert operation_name(a + a) == "+"
    assert operation_name(a.tanh()) == "tanh"
    assert operation_name(a - 1.0) == "+"  # subtraction is recorded as adding a negation


def test_draw_graph_has_one_node_per_tensor_and_operation(with_graphviz):
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


def test_without_graphviz_the_graph_is_written_as_text(monkeypatch):
    monkeypatch.setattr(viz, "graphviz_available", lambda: False)
    a = Tensor(2.0, requires_grad=True)
    b = Tensor(-3.0, requires_grad=True)
    output = (a * b + a).tanh()
    output.backward()
    drawing = draw_graph(output, {a: "a", b: "b", output: "out"})
    assert isinstance(drawing, GraphText)
    lines = drawing.lines
    assert lines[0].startswith("t0: out | data") and lines[0].endswith("<- tanh")
    assert lines[1].startswith("    t1:") and lines[1].endswith("<- +")
    assert sum("a | data 2 | grad" in line for line in lines) == 1, "a tensor used twice is written once"
    assert any(line.strip().endswith("(above)") for line in lines)
    assert "apt install graphviz" in drawing._repr_html_()


def test_graph_text_escapes_names_in_html():
    a = Tensor(1.0, requires_grad=True)
    text = graph_as_text(a * 2.0, {a: "<a>"}, show_grad=False)
    assert "&lt;a&gt; | data 1" in text._repr_html_() and "grad" not in str(text)
