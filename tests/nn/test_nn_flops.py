"""``classroom.nn.flops``: parameters and multiply-adds per layer (synthetic models, random weights)."""

import numpy as np

from classroom.models.cnn import cifar_cnn
from classroom.models.mlp import MLP
from classroom.nn import Linear, ReLU, Sequential
from classroom.nn.conv import Conv2d
from classroom.nn.conv_transpose import ConvTranspose2d
from classroom.nn.flops import layer_costs, total_macs, total_parameters


def test_mlp_macs_are_the_weight_matrix_sizes():
    model = MLP(784, [256, 64], 10, rng=0)
    costs = layer_costs(model, (784,))
    assert [cost.kind for cost in costs] == ["Linear", "ReLU", "Linear", "ReLU", "Linear"]
    assert [cost.macs for cost in costs] == [784 * 256, 0, 256 * 64, 0, 64 * 10]
    assert costs[0].parameters == 784 * 256 + 256
    assert costs[-1].output_shape == (10,)
    assert total_parameters(model) == sum(cost.parameters for cost in costs)


def test_conv_macs_match_a_count_of_every_window_product():
    conv = Conv2d(3, 5, 3, stride=2, padding=1, rng=np.random.default_rng(0))
    (cost,) = layer_costs(conv, (3, 9, 7))
    out_h, out_w = (9 + 2 - 3) // 2 + 1, (7 + 2 - 3) // 2 + 1
    assert cost.output_shape == (5, out_h, out_w)
    # one multiply-add per (output channel, output pixel, input channel, kernel cell)
    assert cost.macs == 5 * out_h * out_w * 3 * 3 * 3


def test_conv_transpose_counts_each_input_pixel_times_each_weight():
    layer = ConvTranspose2d(4, 2, 3, stride=2, rng=np.random.default_rng(0))
    (cost,) = layer_costs(layer, (4, 5, 6))
    assert cost.macs == 4 * 2 * 3 * 3 * 5 * 6


def test_cnn_macs_grow_with_depth_and_the_mode_is_restored():
    shallow = cifar_cnn(widths=(8, 16), convs_per_stage=1, rng=0)
    deep = cifar_cnn(widths=(8, 16), convs_per_stage=2, rng=0)
    shallow.train()
    assert total_macs(deep, (3, 32, 32)) > total_macs(shallow, (3, 32, 32))
    assert shallow.training
    first = layer_costs(shallow, (3, 32, 32))[0]
    assert first.kind == "Conv2d" and first.macs == 8 * 32 * 32 * 3 * 3 * 3


def test_nested_sequentials_are_walked_and_named_by_path():
    model = Sequential(Sequential(Linear(6, 4), ReLU()), Linear(4, 2))
    assert [cost.name for cost in layer_costs(model, (6,))] == ["0.0", "0.1", "1"]
    assert total_macs(model, (6,)) == 6 * 4 + 4 * 2
