"""Fashion-MNIST: the official IDX ``.gz`` files read into arrays and Gluon ``DataLoader``s.

Source: Xiao, Rasul & Vollgraf (2017); the loading recipe follows d2l, "The Image Classification Dataset"
(Sec. 3.5 of the MXNet edition), but reads the IDX files itself instead of ``gluon.data.vision.FashionMNIST``,
whose download would bypass the data hub.
"""
from __future__ import annotations

import functools
import gzip
import struct

import numpy as np

from .hub import fetch
from .sampling import ArrayLoader, check_batch_size, make_splits

TEXT_LABELS = ("t-shirt", "trouser", "pullover", "dress", "coat", "sandal", "shirt", "sneaker", "bag", "ankle boot")

_IDX_MAGIC = {2049: 1, 2051: 3}  # labels are 1-D, images 3-D


def read_idx(path) -> np.ndarray:
    """Read a gzip-compressed IDX file (uint8 payload) into a NumPy array.

    Returns:
        ``(n,)`` uint8 labels or ``(n, rows, cols)`` uint8 images.

    Raises:
        ValueError: unknown magic number or a payload of the wrong length (a truncated file).
    """
    with gzip.open(path, "rb") as f:
        data = f.read()
    magic = struct.unpack(">I", data[:4])[0]
    if magic not in _IDX_MAGIC:
        raise ValueError(f"{path}: IDX magic {magic} is neither 2049 (labels) nor 2051 (images)")
    ndim = _IDX_MAGIC[magic]
    shape = struct.unpack(f">{ndim}I", data[4:4 + 4 * ndim])
    payload = np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim)
    if payload.size != int(np.prod(shape)):
        raise ValueError(f"{path}: expected {int(np.prod(shape))} values for shape {shape}, found {payload.size}")
    return payload.reshape(shape)


def load_arrays(train: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """The whole training (60,000) or test (10,000) split as ``(images, labels)``.

    Returns:
        images: ``(n, 28, 28)`` uint8, labels: ``(n,)`` int32 in 0..9 (see :data:`TEXT_LABELS`).
    """
    prefix = "train" if train else "t10k"
    images = read_idx(fetch("fashion-mnist", f"{prefix}-images").path)
    labels = read_idx(fetch("fashion-mnist", f"{prefix}-labels").path).astype(np.int32)
    if len(images) != len(labels):
        raise ValueError(f"fashion-mnist {prefix}: {len(images)} images but {len(labels)} labels")
    return images, labels


def get_text_labels(labels) -> list[str]:
    """Class names for integer labels (any iterable of ints or an MXNet/NumPy array)."""
    return [TEXT_LABELS[int(i)] for i in labels]


def load_data_fashion_mnist(batch_size: int, resize: int | None = None, n_train: int | None = None,
                            n_test: int | None = None, seed: int = 0,
                            n_valid: int = 0) -> tuple[ArrayLoader, ...]:
    """Fashion-MNIST as two :class:`~d2lnotes.data.sampling.ArrayLoader` s (training shuffled, test in order).

    Each batch is ``X: (batch, 1, h, w)`` float32 in [0, 1] and ``y: (batch,)`` int32, where ``h = w = resize`` or
    28. A notebook's smoke mode passes ``n_train``/``n_test`` explicitly, e.g.
    ``n_train=by_mode(smoke=2000, full=None)``; ``loader.num_examples`` tells how many a loader holds.

    Args:
        batch_size: examples per batch.
        resize: side length to resize to, or None for 28. Bilinear with half-pixel centres, as d2l's
            ``transforms.Resize`` (OpenCV) does.
        n_train, n_test: class-balanced, seeded subsample sizes, or None for all 60,000/10,000.
        seed: seed of the subsample and of the training loader's shuffling.
        n_valid: with ``n_valid > 0``, a class-balanced validation split of that many images is held out of the
            60,000 training images first (disjoint from the training subsample), and three loaders are returned:
            ``(train_iter, valid_iter, test_iter)``. Choices (epochs, hyperparameters) are made on it, never on
            the test split.

    Raises:
        ValueError: ``batch_size`` or ``resize`` not a whole number of at least 1; a subsample size outside
            1..60,000 (1..10,000 for the test split), or more than the training images left after ``n_valid``.

    Source: d2l ``load_data_fashion_mnist`` (Sec. 3.5).
    """
    check_batch_size(batch_size)
    if resize is not None and (not isinstance(resize, (int, np.integer)) or resize < 1):
        raise ValueError(f"resize must be None or a side length of at least 1 pixel, got {resize!r}")
    transform = functools.partial(_to_float, resize=resize)
    return tuple(ArrayLoader(x[:, None], y, batch_size, shuffle=train, transform=transform, seed=seed)
                 for train, x, y in make_splits(load_arrays, n_train, n_test, n_valid, seed))


def _to_float(batch: np.ndarray, rng=None, resize: int | None = None) -> np.ndarray:
    """uint8 ``(n, 1, 28, 28)`` to float32 in [0, 1], resized as a whole batch when ``resize`` is given.

    Resizing per batch instead of up front keeps memory small: all 60,000 images at 224x224 would need 12 GB.
    """
    X = batch.astype(np.float32) / 255
    if resize and resize != X.shape[-1]:
        import mxnet as mx

        X = mx.nd.contrib.BilinearResize2D(mx.nd.array(X), height=resize, width=resize,
                                           align_corners=False).asnumpy()
    return X
