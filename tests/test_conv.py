"""From-scratch convolution and pooling against hand-computed values and Gluon layers with copied weights."""
import mxnet as mx
import numpy as onp
import pytest
from mxnet import autograd, np
from mxnet.gluon import nn

import d2lnotes  # noqa: F401  (NumPy interface)
from d2lnotes.vision.conv import (conv_output_size, corr1d, corr1d_multi_in, corr2d, corr2d_multi_in,
                                  corr2d_multi_in_out, pool2d)
from d2lnotes.vision.models import lenet


def _conv2d_layer(K, padding=0, stride=1):
    """A bias-free nn.Conv2D holding the weight ``K: (c_o, c_i, k_h, k_w)``."""
    layer = nn.Conv2D(K.shape[0], kernel_size=K.shape[2:], padding=padding, strides=stride, use_bias=False,
                      in_channels=K.shape[1])
    layer.initialize()
    layer.weight.set_data(K)
    return layer


def test_corr2d_hand_computed():
    X = np.arange(9.0).reshape(3, 3)
    K = np.arange(4.0).reshape(2, 2)
    assert corr2d(X, K).tolist() == [[19.0, 25.0], [37.0, 43.0]]  # d2l Sec. 7.2, Fig. 7.2.1


def test_corr2d_detects_a_vertical_edge():
    X = np.ones((2, 6))
    X[:, 2:4] = 0
    assert corr2d(X, np.array([[1.0, -1.0]])).tolist() == [[0, 1, 0, -1, 0]] * 2


@pytest.mark.parametrize("shape,kernel,padding,stride", [
    ((7, 8), (3, 3), 0, 1), ((7, 8), (3, 3), 1, 1), ((8, 8), (3, 5), (0, 1), (3, 4)), ((6, 5), (1, 1), 2, 2),
    ((5, 9), (2, 3), (1, 2), (2, 1)),
])
def test_corr2d_matches_conv2d(shape, kernel, padding, stride):
    rng = onp.random.default_rng(0)
    X = np.array(rng.normal(size=shape), dtype="float32")
    K = np.array(rng.normal(size=kernel), dtype="float32")
    Y = corr2d(X, K, padding, stride)
    expected = _conv2d_layer(K.reshape(1, 1, *kernel), padding, stride)(X.reshape(1, 1, *shape))[0, 0]
    assert Y.shape == expected.shape
    assert onp.allclose(Y.asnumpy(), expected.asnumpy(), atol=1e-5)
    p = (padding, padding) if isinstance(padding, int) else padding
    s = (stride, stride) if isinstance(stride, int) else stride
    assert Y.shape == tuple(conv_output_size(n, k, pp, ss) for n, k, pp, ss in zip(shape, kernel, p, s))


def test_corr2d_carries_leading_axes_and_is_differentiable():
    X = np.array(onp.random.default_rng(1).normal(size=(2, 3, 5, 5)), dtype="float32")
    K = np.array([[1.0, 2.0], [3.0, 4.0]])
    Y = corr2d(X, K)
    assert Y.shape == (2, 3, 4, 4)
    assert onp.allclose(Y[1, 2].asnumpy(), corr2d(X[1, 2], K).asnumpy())
    K.attach_grad()
    with autograd.record():
        loss = corr2d(X[0, 0], K).sum()
    loss.backward()
    # d loss / d K[a, b] is the sum of the input entries the kernel entry meets
    assert onp.allclose(K.grad.asnumpy(), [[X[0, 0, :4, :4].sum().item(), X[0, 0, :4, 1:].sum().item()],
                                           [X[0, 0, 1:, :4].sum().item(), X[0, 0, 1:, 1:].sum().item()]],
                        rtol=1e-5)


def test_multi_channel_cross_correlation_matches_conv2d():
    rng = onp.random.default_rng(2)
    X = np.array(rng.normal(size=(3, 6, 7)), dtype="float32")
    K = np.array(rng.normal(size=(4, 3, 3, 2)), dtype="float32")
    expected = _conv2d_layer(K, padding=1, stride=2)(X[None])[0]
    Y = corr2d_multi_in_out(X, K, padding=1, stride=2)
    assert Y.shape == expected.shape == (4, 3, 4)
    assert onp.allclose(Y.asnumpy(), expected.asnumpy(), atol=1e-5)
    assert onp.allclose(corr2d_multi_in(X, K[1], 1, 2).asnumpy(), expected[1].asnumpy(), atol=1e-5)
    # d2l Sec. 7.4: two input channels, hand-computed
    X2 = np.array([[[0.0, 1, 2], [3, 4, 5], [6, 7, 8]], [[1.0, 2, 3], [4, 5, 6], [7, 8, 9]]])
    K2 = np.array([[[0.0, 1], [2, 3]], [[1.0, 2], [3, 4]]])
    assert corr2d_multi_in(X2, K2).tolist() == [[56.0, 72.0], [104.0, 120.0]]
    with pytest.raises(ValueError, match="input channels"):
        corr2d_multi_in(X2, K2[:1])


@pytest.mark.parametrize("mode,Layer", [("max", nn.MaxPool2D), ("avg", nn.AvgPool2D)])
@pytest.mark.parametrize("pool_size,padding,stride", [(2, 0, None), (3, 1, 2), ((2, 3), (0, 1), (2, 3)),
                                                      (3, 0, 1)])
def test_pool2d_matches_gluon(mode, Layer, pool_size, padding, stride):
    X = np.array(onp.random.default_rng(3).normal(size=(2, 3, 7, 8)), dtype="float32") - 2  # mostly negative
    layer = Layer(pool_size=pool_size, strides=stride, padding=padding)
    expected = layer(X)
    Y = pool2d(X, pool_size, mode, padding, stride)
    assert Y.shape == expected.shape
    assert onp.allclose(Y.asnumpy(), expected.asnumpy(), atol=1e-6)


def test_pool2d_hand_computed():
    X = np.arange(9.0).reshape(3, 3)
    assert pool2d(X, 2, "max", stride=1).tolist() == [[4.0, 5.0], [7.0, 8.0]]
    assert pool2d(X, 2, "avg", stride=1).tolist() == [[2.0, 3.0], [5.0, 6.0]]
    with pytest.raises(ValueError, match="mode"):
        pool2d(X, 2, "min")


def test_corr1d_matches_conv1d():
    X = np.array([0.0, 1, 2, 3, 4, 5, 6])
    assert corr1d(X, np.array([1.0, 2])).tolist() == [2.0, 5, 8, 11, 14, 17]  # d2l Sec. 16.3
    Xm = np.array([[0.0, 1, 2, 3, 4, 5, 6], [1, 2, 3, 4, 5, 6, 7], [2, 3, 4, 5, 6, 7, 8]])
    Km = np.array([[1.0, 2], [3, 4], [-1, -3]])
    assert corr1d_multi_in(Xm, Km).tolist() == [2.0, 8, 14, 20, 26, 32]
    layer = nn.Conv1D(1, kernel_size=2, padding=1, strides=2, use_bias=False, in_channels=3)
    layer.initialize()
    layer.weight.set_data(Km[None])
    expected = layer(Xm[None])[0, 0]
    assert onp.allclose(corr1d_multi_in(Xm, Km, padding=1, stride=2).asnumpy(), expected.asnumpy())


def test_invalid_arguments_are_reported():
    with pytest.raises(ValueError, match="2-D kernel"):
        corr2d(np.ones((3, 3)), np.ones(2))
    with pytest.raises(ValueError, match="larger than"):
        corr2d(np.ones((2, 2)), np.ones((3, 3)))
    with pytest.raises(ValueError, match="stride"):
        corr2d(np.ones((4, 4)), np.ones((2, 2)), stride=0)
    with pytest.raises(ValueError, match="1-D kernel"):
        corr1d(np.ones(5), np.ones((1, 2)))
    assert conv_output_size(28, 5, 2, 1) == 28 and conv_output_size(8, 3, 1, 2) == 4


def test_lenet_layer_shapes():
    net = lenet()
    net.initialize(mx.init.Xavier())
    X = np.random.uniform(size=(1, 1, 28, 28))
    shapes = []
    for layer in net:
        X = layer(X)
        shapes.append(X.shape)
    assert shapes == [(1, 6, 28, 28), (1, 6, 14, 14), (1, 16, 10, 10), (1, 16, 5, 5), (1, 120), (1, 84), (1, 10)]
    relu_max = lenet(activation="relu", pool="max")
    assert isinstance(relu_max[1], nn.MaxPool2D) and isinstance(relu_max[3], nn.MaxPool2D)
    assert relu_max[0].act._act_type == relu_max[4].act._act_type == "relu"
    with pytest.raises(ValueError):
        lenet(pool="min")
