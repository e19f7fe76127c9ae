"""Segmentation helpers against MXNet's own operators and hand-computed cases."""
import mxnet as mx
import numpy as onp
import pytest
from mxnet import np
from mxnet.gluon import nn

import d2lnotes  # noqa: F401
from d2lnotes.vision import segmentation as seg


def test_trans_conv_hand_case_and_mxnet():
    X, K = onp.array([[0.0, 1.0], [2.0, 3.0]]), onp.array([[0.0, 1.0], [2.0, 3.0]])
    onp.testing.assert_array_equal(seg.trans_conv(X, K), [[0, 0, 1], [0, 4, 6], [4, 12, 9]])
    rng = onp.random.default_rng(0)
    X, K = rng.normal(size=(4, 5)), rng.normal(size=(3, 2))
    layer = nn.Conv2DTranspose(1, kernel_size=K.shape, use_bias=False)
    layer.initialize()
    layer(np.zeros((1, 1, 4, 5)))
    layer.weight.set_data(np.array(K[None, None], dtype='float32'))
    ref = layer(np.array(X[None, None], dtype='float32')).asnumpy()[0, 0]
    onp.testing.assert_allclose(seg.trans_conv(X, K), ref, rtol=1e-5, atol=1e-6)
    with pytest.raises(ValueError):
        seg.trans_conv(X[None], K)


@pytest.mark.parametrize("n, k, s, p", [(3, 2, 1, 0), (10, 64, 32, 16), (7, 4, 2, 1), (5, 3, 2, 1)])
def test_trans_conv_output_size_matches_mxnet(n, k, s, p):
    layer = nn.Conv2DTranspose(1, kernel_size=k, strides=s, padding=p)
    layer.initialize()
    assert layer(np.zeros((1, 1, n, n))).shape[-1] == seg.trans_conv_output_size(n, k, s, p)
    with pytest.raises(ValueError):
        seg.trans_conv_output_size(1, 2, 1, 2)


@pytest.mark.parametrize("k", [4, 5, 8, 16, 64])
def test_bilinear_kernel_equals_mxnet_initializer(k):
    arr = mx.nd.zeros((1, 1, k, k))
    mx.init.Bilinear()._init_weight("up_weight", arr)
    w = seg.bilinear_kernel(3, 3, k)
    for c in range(3):
        onp.testing.assert_allclose(w[c, c], arr.asnumpy()[0, 0], atol=1e-7)
    assert not w[0, 1].any()


def test_bilinear_kernel_differs_from_caffe_formula_for_k3():
    arr = mx.nd.zeros((1, 1, 3, 3))
    mx.init.Bilinear()._init_weight("up_weight", arr)
    assert onp.abs(seg.bilinear_kernel(1, 1, 3)[0, 0] - arr.asnumpy()[0, 0]).max() > 0.1
    assert seg.bilinear_kernel(1, 1, 3)[0, 0, 1, 1] == 1.0  # centred on the middle pixel


def test_bilinear_upsampling_doubles_a_ramp_exactly_inside():
    x = onp.arange(8.0)[None, :].repeat(8, 0)
    up = nn.Conv2DTranspose(1, kernel_size=4, strides=2, padding=1, use_bias=False)
    up.initialize()
    up(np.zeros((1, 1, 8, 8)))
    up.weight.set_data(np.array(seg.bilinear_kernel(1, 1, 4)))
    y = up(np.array(x[None, None], dtype='float32')).asnumpy()[0, 0]
    assert y.shape == (16, 16)
    onp.testing.assert_allclose(onp.diff(y[4, 2:-2]), 0.5, atol=1e-6)  # a linear ramp stays linear


def test_label_color_round_trip_and_errors():
    cmap = onp.array([(0, 0, 0), (255, 0, 0), (0, 255, 0)], onp.uint8)
    labels = onp.random.default_rng(0).integers(0, 3, size=(2, 5, 7))
    rgb = seg.label_to_color(labels, cmap)
    assert rgb.shape == (2, 5, 7, 3) and rgb.dtype == onp.uint8
    onp.testing.assert_array_equal(seg.color_to_label(rgb, cmap), labels)
    rgb[0, 0, 0] = (1, 2, 3)
    with pytest.raises(ValueError, match="not in the colour map"):
        seg.color_to_label(rgb, cmap)
    with pytest.raises(ValueError):
        seg.label_to_color(onp.array([[3]]), cmap)


def test_random_crop_pair_keeps_image_and_labels_aligned():
    rng = onp.random.default_rng(0)
    labels = rng.integers(0, 11, size=(6, 20, 30)).astype(onp.uint8)
    images = onp.stack([labels * 3, labels * 5, labels * 7], axis=-1).astype(onp.uint8)  # pixel encodes label
    X, Y = seg.random_crop_pair(images, labels, (8, 12), rng)
    assert X.shape == (6, 8, 12, 3) and Y.shape == (6, 8, 12)
    onp.testing.assert_array_equal(X[..., 0], Y * 3)
    onp.testing.assert_array_equal(X[..., 2], Y * 7)
    with pytest.raises(ValueError):
        seg.random_crop_pair(images, labels, (21, 5), rng)
    with pytest.raises(ValueError):
        seg.random_crop_pair(images, labels[:, :10], (4, 4), rng)
    Xc, Yc = seg.center_crop_pair(images, labels, (10, 10))
    onp.testing.assert_array_equal(Yc, labels[:, 5:15, 10:20])
    onp.testing.assert_array_equal(Xc[..., 1], Yc * 5)


def test_segmentation_loader_batches():
    labels = onp.zeros((5, 16, 16), onp.uint8)
    images = onp.zeros((5, 16, 16, 3), onp.uint8)
    loader = seg.SegmentationLoader(images, labels, 2, lambda b: b.astype("float32").transpose(0, 3, 1, 2),
                                    crop=(8, 8), shuffle=True)
    shapes = [(X.shape, Y.shape) for X, Y in loader]
    assert len(loader) == 3 and shapes[0] == ((2, 3, 8, 8), (2, 8, 8)) and shapes[-1][1] == (1, 8, 8)


def test_metrics_hand_computed():
    labels = onp.array([[0, 0, 1, 1], [2, 2, 3, 3]])  # class 3 ignored
    pred = onp.array([[0, 1, 1, 1], [2, 0, 0, 1]])
    conf = seg.confusion_matrix(pred, labels, 3, ignore_index=3)
    onp.testing.assert_array_equal(conf, [[1, 1, 0], [0, 2, 0], [1, 0, 1]])
    assert seg.pixel_accuracy(conf) == pytest.approx(4 / 6)
    # IoU: class 0: 1 / (2 + 2 - 1) = 1/3; class 1: 2 / (2 + 3 - 2) = 2/3; class 2: 1 / (2 + 1 - 1) = 1/2
    assert seg.mean_iou(conf) == pytest.approx((1 / 3 + 2 / 3 + 1 / 2) / 3)
    with pytest.raises(ValueError):
        seg.confusion_matrix(pred, labels, 3)  # label 3 not ignored: out of range
    assert seg.mean_iou(onp.zeros((3, 3), int)) == 0.0


def test_mean_iou_matches_scikit_learn():
    from sklearn.metrics import jaccard_score

    rng = onp.random.default_rng(1)
    labels, pred = rng.integers(0, 5, 400), rng.integers(0, 5, 400)
    conf = seg.confusion_matrix(pred, labels, 5)
    assert seg.mean_iou(conf) == pytest.approx(jaccard_score(labels, pred, average="macro"))


def test_gram_and_style_losses_against_numpy():
    from d2lnotes.vision import style

    rng = onp.random.default_rng(2)
    X = rng.normal(size=(1, 4, 5, 6))
    F = X.reshape(4, 30)
    onp.testing.assert_allclose(style.gram(np.array(X)).asnumpy(), F @ F.T / 120, rtol=1e-5)
    with pytest.raises(ValueError):
        style.gram(np.zeros((2, 4, 5, 6)))
    Y = rng.normal(size=(1, 3, 4, 5))
    tv = 0.5 * (onp.abs(onp.diff(Y, axis=2)).mean() + onp.abs(onp.diff(Y, axis=3)).mean())
    assert float(style.tv_loss(np.array(Y))) == pytest.approx(tv, rel=1e-5)
    assert float(style.tv_loss(np.ones((1, 3, 4, 5)))) == 0.0
    assert float(style.style_loss(np.array(X), style.gram(np.array(X)))) == pytest.approx(0.0, abs=1e-12)
    assert float(style.content_loss(np.array(Y), np.array(Y + 1))) == pytest.approx(1.0)
