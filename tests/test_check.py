"""d2lnotes.check: same-function checks that can fail, and parameter counts against hand-computed ones."""
import mxnet as mx
import pytest
from mxnet import np
from mxnet.gluon import nn

import d2lnotes  # noqa: F401  (NumPy interface)
from d2lnotes.check import assert_same_function, conv_params, dense_params, layer_table, num_params
from d2lnotes.vision import models as M


def _bn_net(channels=4):
    net = nn.HybridSequential()
    net.add(nn.Conv2D(channels, 3, padding=1), nn.BatchNorm(), nn.Activation("relu"), nn.Dense(3))
    net.initialize(mx.init.Xavier())
    return net


def test_same_design_passes_in_both_modes():
    X = np.random.uniform(size=(4, 2, 6, 6))
    diffs = assert_same_function(_bn_net(), _bn_net(), X)
    assert set(diffs) == {"inference", "training"} and max(diffs.values()) < 1e-6


def test_a_different_function_fails():
    X = np.random.uniform(size=(4, 2, 6, 6))
    ours, theirs = _bn_net(), _bn_net()
    with pytest.raises(AssertionError, match="inference mode"):
        assert_same_function(ours, theirs, X, copy=False)  # independently initialised


def test_training_mode_difference_is_caught():
    """Two nets equal in inference but not in training mode: batch norm against a frozen affine layer."""
    X = np.random.uniform(size=(8, 5))
    ours = nn.HybridSequential()
    ours.add(nn.BatchNorm(in_channels=5))
    theirs = nn.HybridSequential()
    theirs.add(nn.BatchNorm(in_channels=5, use_global_stats=True))
    for net in (ours, theirs):
        net.initialize()
    with pytest.raises(AssertionError, match="training mode"):
        assert_same_function(ours, theirs, X)
    assert "training" not in assert_same_function(ours, theirs, X, train_mode=False)


def test_parameter_counts_by_hand_match_the_network():
    net = M.lenet()
    net.initialize()
    net(np.zeros((1, 1, 28, 28)))
    by_hand = (conv_params(1, 6, 5) + conv_params(6, 16, 5) + dense_params(16 * 5 * 5, 120)
               + dense_params(120, 84) + dense_params(84, 10))
    assert num_params(net) == by_hand == 61706  # d2l's LeNet (first convolution padded by 2)
    assert conv_params(3, 8, (1, 3), bias=False) == 72 and dense_params(4, 2, bias=False) == 8


def test_trainable_only_leaves_out_running_statistics():
    net = _bn_net(4)
    net(np.zeros((1, 2, 6, 6)))
    assert num_params(net, trainable_only=False) - num_params(net) == 2 * 4  # running mean and variance


def test_layer_table_walks_the_children_and_counts_by_hand(capsys):
    net = nn.HybridSequential()
    net.add(nn.Conv2D(6, kernel_size=5, padding=2), nn.MaxPool2D(2), nn.Dense(10))
    net.initialize()
    Y, rows = layer_table(net, np.zeros((2, 1, 28, 28)), label=lambda i, layer: f"#{i}")
    assert Y.shape == (2, 10)
    assert rows == [("#0", (2, 6, 28, 28), conv_params(1, 6, 5)), ("#1", (2, 6, 14, 14), 0),
                    ("#2", (2, 10), dense_params(6 * 14 * 14, 10))]
    out = capsys.readouterr().out.splitlines()
    assert len(out) == 3 and out[1].startswith("#1 output shape: (2, 6, 14, 14) parameters:")
    with pytest.raises(TypeError, match="Sequential"):
        layer_table(nn.Dense(3), np.zeros((1, 4)))
