"""Self-checked exercises of chapter 6, part 2: augmentation, fine-tuning, segmentation, FCN, style transfer
(book/06_vision_apps/05-09).

Keys are ``"<notebook stem>.<exercise number>"``; the solutions compute their answers, so nothing here is printed
in a notebook.
"""
from __future__ import annotations

import numpy as onp

from . import Exercise, register


def _trans_conv_strided(X, K, s):
    X, K = onp.asarray(X, float), onp.asarray(K, float)
    h, w = K.shape
    Y = onp.zeros(((X.shape[0] - 1) * s + h, (X.shape[1] - 1) * s + w))
    for i in range(X.shape[0]):
        for j in range(X.shape[1]):
            Y[i * s:i * s + h, j * s:j * s + w] += X[i, j] * K
    return Y


def _trans_conv_unstrided(X, K, s):  # the typical slip: the stride forgotten
    from ..vision.segmentation import trans_conv

    return trans_conv(onp.asarray(X, float), onp.asarray(K, float))


def _strided_inputs():
    rng = onp.random.default_rng(5)
    return [(onp.array([[0.0, 1.0], [2.0, 3.0]]), onp.array([[0.0, 1.0], [2.0, 3.0]]), 2),
            (rng.normal(size=(3, 4)), rng.normal(size=(3, 3)), 2), (rng.normal(size=(2, 3)), rng.normal(size=(4, 4)), 3)]


def _gram(X):
    X = onp.asarray(X.asnumpy() if hasattr(X, "asnumpy") else X, float)
    c = X.shape[0]
    F = X.reshape(c, -1)
    return F @ F.T / F.size


def _gram_unnormalised(X):
    X = onp.asarray(X.asnumpy() if hasattr(X, "asnumpy") else X, float)
    F = X.reshape(X.shape[0], -1)
    return F @ F.T


def _gram_inputs():
    rng = onp.random.default_rng(7)
    return [(rng.normal(size=(3, 4, 5)),), (rng.normal(size=(8, 6, 6)),)]


def _tv(Y):
    Y = onp.asarray(Y.asnumpy() if hasattr(Y, "asnumpy") else Y, float)
    return 0.5 * (onp.abs(Y[:, :, 1:, :] - Y[:, :, :-1, :]).mean() + onp.abs(Y[:, :, :, 1:] - Y[:, :, :, :-1]).mean())


def _tv_squared(Y):
    Y = onp.asarray(Y.asnumpy() if hasattr(Y, "asnumpy") else Y, float)
    return 0.5 * (((Y[:, :, 1:, :] - Y[:, :, :-1, :]) ** 2).mean() + ((Y[:, :, :, 1:] - Y[:, :, :, :-1]) ** 2).mean())


def _tv_inputs():
    rng = onp.random.default_rng(9)
    return [(rng.normal(size=(1, 3, 5, 6)),), (onp.arange(24.0).reshape(1, 2, 3, 4),)]


def _miou_from_confusion(conf):
    conf = onp.asarray(conf, float)
    tp = onp.diag(conf)
    union = conf.sum(0) + conf.sum(1) - tp
    present = union > 0
    return float((tp[present] / union[present]).mean())


def _miou_with_absent(conf):  # the typical slip: absent classes counted as IoU 0
    conf = onp.asarray(conf, float)
    tp = onp.diag(conf)
    union = conf.sum(0) + conf.sum(1) - tp
    return float(onp.where(union > 0, tp / onp.maximum(union, 1), 0).mean())


def _miou_inputs():
    return [(onp.array([[5, 1, 0], [2, 3, 0], [0, 0, 0]]),), (onp.array([[10, 0], [4, 6]]),),
            (onp.array([[3, 1, 1, 0], [0, 2, 0, 0], [1, 0, 4, 0], [0, 0, 0, 0]]),)]


def _area_fraction_in_crop(min_area=0.08, max_area=1.0):
    return (min_area + max_area) / 2


def _flip_crop_count():
    # horizontal flip x vertical flip: 4 different images of one asymmetric picture
    return 4


def _lr_mult_ratio():
    return 10


register(
    Exercise("07_segmentation_data.1",
             "(height, width) of Conv2DTranspose(11, kernel_size=64, strides=32, padding=16) applied to a 12x16 map.",
             solution=lambda: onp.array([(12 - 1) * 32 + 64 - 32, (16 - 1) * 32 + 64 - 32]),
             wrong=onp.array([(12 - 1) * 32 + 64, (16 - 1) * 32 + 64]),
             hint="(n - 1) * stride + kernel - 2 * padding along each axis."),
    Exercise("07_segmentation_data.2",
             "trans_conv_strided(X, K, s): a stride-s transposed convolution of a 2-D X with a 2-D K, from scratch.",
             solution=_trans_conv_strided, wrong=_trans_conv_unstrided, kind="function", inputs=_strided_inputs,
             hint="Input element (i, j) adds X[i, j] * K to the output window whose top-left corner is at "
                  "(i * s, j * s); the output has (n - 1) * s + k rows."),
    Exercise("08_fcn.1",
             "mean_iou(conf): the mean IoU from a confusion matrix (rows true, columns predicted), leaving out "
             "classes that occur neither in the labels nor in the predictions.",
             solution=_miou_from_confusion, wrong=_miou_with_absent, kind="function", inputs=_miou_inputs,
             hint="IoU of class c is conf[c, c] / (row c sum + column c sum - conf[c, c]); a class with an empty "
                  "union has no IoU at all, rather than IoU 0."),
    Exercise("08_fcn.2",
             "How many times larger than its input is the output of the FCN's transposed convolution (kernel 64, "
             "stride 32, padding 16) along each axis?",
             solution=lambda: 32, wrong=64,
             hint="(n - 1) * 32 + 64 - 32, divided by n."),
    Exercise("09_style_transfer.1",
             "gram(X): the Gram matrix of one (c, h, w) feature map, normalised by its number of elements c*h*w.",
             solution=_gram, wrong=_gram_unnormalised, kind="function", inputs=_gram_inputs,
             hint="Flatten to (c, h * w), multiply by its transpose, divide by the number of elements."),
    Exercise("09_style_transfer.2",
             "tv_loss(Y): the total-variation loss of a (1, c, h, w) image as 0.5 * (mean |vertical differences| "
             "+ mean |horizontal differences|).",
             solution=_tv, wrong=_tv_squared, kind="function", inputs=_tv_inputs,
             hint="Absolute values, not squares; each of the two means is over its own differences."),
    Exercise("06_fine_tuning.1",
             "By what factor does the output layer's learning rate exceed the rest of the network's in d2l's "
             "fine-tuning recipe?",
             solution=_lr_mult_ratio, wrong=1000,
             hint="Look at the lr_mult set on the new output layer."),
    Exercise("06_fine_tuning.2",
             "Parameters of the new output layer for the four vehicle classes on a trunk with 128 output channels.",
             solution=lambda: 4 * 128 + 4, wrong=4 * 128,
             hint="A dense layer from n to m units has m * (n + 1) parameters."),
    Exercise("05_image_augmentation.1",
             "Expected fraction of the image area a RandomResizedCrop with area range (0.08, 1.0) keeps, if the "
             "area is drawn uniformly and the crop always fits.",
             solution=_area_fraction_in_crop, wrong=0.08,
             hint="The mean of a uniform distribution on [a, b]."),
    Exercise("05_image_augmentation.2",
             "How many different images can random left-right and up-down flips make of one asymmetric picture?",
             solution=_flip_crop_count, wrong=2,
             hint="Two independent yes/no decisions."),
)
