"""Semantic segmentation (语义分割) helpers: transposed convolution, the bilinear kernel, labels and colours,
crops that keep image and labels aligned, a minibatch loader, and the scores (pixel accuracy, mean IoU).

Source: d2l Sec. 14.9-14.11 (MXNet edition); Long, Shelhamer & Darrell, Fully convolutional networks for semantic
segmentation, CVPR 2015 (the metrics of their Sec. 5). Taught in book/06_vision_apps/07_segmentation_data.ipynb
and book/06_vision_apps/08_fcn.ipynb.
"""
from __future__ import annotations

import numpy as np

from ..data.sampling import BatchLoader
from .augment import crop

__all__ = ["trans_conv", "trans_conv_output_size", "bilinear_kernel", "label_to_color", "color_to_label",
           "random_crop_pair", "center_crop_pair", "SegmentationLoader", "confusion_matrix", "pixel_accuracy",
           "mean_iou"]


def trans_conv(X: np.ndarray, K: np.ndarray) -> np.ndarray:
    """Transposed convolution (转置卷积) of one channel, stride 1, no padding: every input element ``X[i, j]``
    adds ``X[i, j] * K`` to the output window at ``(i, j)``.

    ``X: (h, w)``, ``K: (kh, kw)`` -> ``(h + kh - 1, w + kw - 1)``. Source: d2l Sec. 14.10.

    Raises:
        ValueError: inputs that are not 2-D.
    """
    X, K = np.asarray(X), np.asarray(K)
    if X.ndim != 2 or K.ndim != 2:
        raise ValueError(f"X and K must be 2-D, got {X.shape} and {K.shape}")
    h, w = K.shape
    Y = np.zeros((X.shape[0] + h - 1, X.shape[1] + w - 1), dtype=np.result_type(X, K))
    for i in range(X.shape[0]):
        for j in range(X.shape[1]):
            Y[i:i + h, j:j + w] += X[i, j] * K
    return Y


def trans_conv_output_size(n: int, kernel: int, stride: int = 1, padding: int = 0) -> int:
    """Output length of a transposed convolution along one axis: ``(n - 1) * stride + kernel - 2 * padding``
    (the inverse of a convolution's ``floor((n + 2p - k) / s) + 1``).

    Raises:
        ValueError: a result below 1.
    """
    out = (n - 1) * stride + kernel - 2 * padding
    if out < 1:
        raise ValueError(f"n={n}, kernel={kernel}, stride={stride}, padding={padding} give no output")
    return out


def bilinear_kernel(in_channels: int, out_channels: int, kernel_size: int) -> np.ndarray:
    """Weights ``(in_channels, out_channels, k, k)`` float32 of a transposed convolution that upsamples each
    channel by bilinear interpolation (双线性插值) (channel ``c`` to channel ``c`` only; zero across channels):
    ``w[i, j] = (1 - |i - center| / f) (1 - |j - center| / f)`` with ``f = ceil(k / 2)``, ``center = f - 1`` for
    odd ``k`` else ``f - 0.5``. With ``k = 2s``, stride ``s`` and padding ``s / 2`` it upsamples by ``s``.

    Each ``c -> c`` filter equals MXNet's ``mx.init.Bilinear`` (Caffe's formula) when ``k`` and ``ceil(k / 2)``
    have the same parity (k = 4, 5, 8, 16, 64, ...); for k = 2, 3, 6 that formula puts the centre half a pixel
    off. MXNet's initializer also fills every cross-channel pair, this kernel only ``c -> c``.
    Source: d2l Sec. 14.11; Long et al., 2015.

    Raises:
        ValueError: a kernel size below 1.
    """
    if kernel_size < 1:
        raise ValueError(f"kernel_size must be at least 1, got {kernel_size}")
    factor = (kernel_size + 1) // 2
    center = factor - 1 if kernel_size % 2 == 1 else factor - 0.5
    og = np.arange(kernel_size).reshape(-1, 1), np.arange(kernel_size).reshape(1, -1)
    filt = (1 - np.abs(og[0] - center) / factor) * (1 - np.abs(og[1] - center) / factor)
    weight = np.zeros((in_channels, out_channels, kernel_size, kernel_size), np.float32)
    idx = np.arange(min(in_channels, out_channels))
    weight[idx, idx, :, :] = filt
    return weight


def label_to_color(labels: np.ndarray, colormap: np.ndarray) -> np.ndarray:
    """Class indices ``(..., h, w)`` to RGB ``(..., h, w, 3)`` uint8 through ``colormap`` ``(classes, 3)``.

    Raises:
        ValueError: an index outside the colour map.
    """
    labels = np.asarray(labels)
    if labels.size and (labels.min() < 0 or labels.max() >= len(colormap)):
        raise ValueError(f"labels must be in 0..{len(colormap) - 1}, got {labels.min()}..{labels.max()}")
    return np.asarray(colormap, np.uint8)[labels]


def color_to_label(image: np.ndarray, colormap: np.ndarray) -> np.ndarray:
    """RGB ``(..., h, w, 3)`` to class indices ``(..., h, w)`` int64: the row of ``colormap`` equal to each pixel
    (d2l's ``voc_label_indices``, via a lookup keyed on ``(r * 256 + g) * 256 + b``).

    Raises:
        ValueError: a pixel whose colour is in no row of the colour map (the first one is named).
    """
    image = np.asarray(image)
    if image.shape[-1] != 3:
        raise ValueError(f"expected RGB pixels (..., 3), got shape {image.shape}")
    cmap = np.asarray(colormap, np.int64)
    lookup = np.full(256 ** 3, -1, np.int64)
    lookup[(cmap[:, 0] * 256 + cmap[:, 1]) * 256 + cmap[:, 2]] = np.arange(len(cmap))
    px = image.astype(np.int64)
    labels = lookup[(px[..., 0] * 256 + px[..., 1]) * 256 + px[..., 2]]
    if (labels < 0).any():
        bad = tuple(px[labels < 0][0])
        raise ValueError(f"colour {bad} is not in the colour map")
    return labels


def _with_channel(labels: np.ndarray) -> np.ndarray:
    return labels[..., None]


def random_crop_pair(images: np.ndarray, labels: np.ndarray, size: tuple[int, int],
                     rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Cut the same random ``size = (h, w)`` window out of each image ``(n, H, W, 3)`` and its labels
    ``(n, H, W)``, one window per pair (d2l's ``voc_rand_crop``; resizing would blur the labels, cropping does not).

    Raises:
        ValueError: batches of different sizes, or a window larger than the images.
    """
    if images.shape[:3] != labels.shape:
        raise ValueError(f"images {images.shape} and labels {labels.shape} do not match")
    h, w = size
    if h > images.shape[1] or w > images.shape[2]:
        raise ValueError(f"a {h}x{w} crop does not fit in {images.shape[1]}x{images.shape[2]} images")
    top = rng.integers(0, images.shape[1] - h + 1, size=len(images))
    left = rng.integers(0, images.shape[2] - w + 1, size=len(images))
    return crop(images, top, left, size), crop(_with_channel(labels), top, left, size)[..., 0]


def center_crop_pair(images: np.ndarray, labels: np.ndarray, size: tuple[int, int]):
    """The central ``size = (h, w)`` window of every image ``(n, H, W, 3)`` and its labels ``(n, H, W)``."""
    if images.shape[:3] != labels.shape:
        raise ValueError(f"images {images.shape} and labels {labels.shape} do not match")
    top = np.full(len(images), (images.shape[1] - size[0]) // 2)
    left = np.full(len(images), (images.shape[2] - size[1]) // 2)
    return crop(images, top, left, size), crop(_with_channel(labels), top, left, size)[..., 0]


class SegmentationLoader(BatchLoader):
    """Minibatches ``(X (b, 3, h, w) float32, Y (b, h, w) int32)`` as MXNet arrays from images and labels in
    memory. Training loaders shuffle and cut a new random ``crop`` window of every pair each pass; ``normalize``
    maps a uint8 ``(b, h, w, 3)`` batch to float32 ``(b, 3, h, w)`` (e.g. ``Backbone.normalize``).

    Raises:
        ValueError: images and labels that do not match, or a bad batch size.
    """

    def __init__(self, images, labels, batch_size: int, normalize, crop: tuple[int, int] | None = None,
                 shuffle: bool = False, seed: int = 0):
        if images.shape[:3] != labels.shape:
            raise ValueError(f"images {images.shape} and labels {labels.shape} do not match")
        super().__init__(len(images), batch_size, shuffle, seed)
        self.images, self.labels, self.normalize, self.crop = images, labels, normalize, crop

    def collate(self, idx: np.ndarray):
        from mxnet import np as mnp

        X, Y = self.images[idx], self.labels[idx]
        if self.crop is not None:
            X, Y = random_crop_pair(X, Y, self.crop, self.rng)
        return mnp.array(self.normalize(X), dtype="float32"), mnp.array(Y, dtype="int32")


def confusion_matrix(pred: np.ndarray, labels: np.ndarray, num_classes: int, ignore_index: int | None = None
                     ) -> np.ndarray:
    """``(num_classes, num_classes)`` int64 counts: row = true class, column = predicted class, over all pixels
    whose label is not ``ignore_index``.

    Raises:
        ValueError: shapes that differ, or a label or prediction outside 0..num_classes-1 (ignored pixels aside).
    """
    pred, labels = np.asarray(pred).ravel(), np.asarray(labels).ravel()
    if pred.shape != labels.shape:
        raise ValueError(f"{pred.size} predictions but {labels.size} labels")
    keep = labels != ignore_index if ignore_index is not None else np.ones(labels.shape, bool)
    pred, labels = pred[keep].astype(np.int64), labels[keep].astype(np.int64)
    for name, a in (("labels", labels), ("predictions", pred)):
        if a.size and (a.min() < 0 or a.max() >= num_classes):
            raise ValueError(f"{name} outside 0..{num_classes - 1}: {a.min()}..{a.max()}")
    return np.bincount(labels * num_classes + pred, minlength=num_classes ** 2).reshape(num_classes, num_classes)


def pixel_accuracy(conf: np.ndarray) -> float:
    """Fraction of scored pixels classified correctly (SegNet's "global accuracy"): ``trace / total``."""
    total = conf.sum()
    return float(np.trace(conf) / total) if total else 0.0


def mean_iou(conf: np.ndarray) -> float:
    """Mean over classes of intersection over union (交并比), ``TP / (TP + FP + FN)``, for the classes that occur
    in the labels or the predictions (a class absent from both has no IoU and is left out, as in Long et al.)."""
    tp = np.diag(conf).astype(np.float64)
    union = conf.sum(0) + conf.sum(1) - tp
    present = union > 0
    return float((tp[present] / union[present]).mean()) if present.any() else 0.0
