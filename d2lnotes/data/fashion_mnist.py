"""Fashion-MNIST: the official IDX ``.gz`` files read into arrays and Gluon ``DataLoader``s.

Source: Xiao, Rasul & Vollgraf (2017); the loading recipe follows d2l, "The Image Classification Dataset"
(Sec. 3.5 of the MXNet edition), but reads the IDX files itself instead of ``gluon.data.vision.FashionMNIST``,
whose download would bypass the data hub.
"""
from __future__ import annotations

import gzip
import struct

import numpy as np

from .hub import fetch
from .sampling import mode_splits, stratified_subsample  # noqa: F401  (stratified_subsample: re-exported)

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
                            n_test: int | None = None, num_workers: int = 0, seed: int = 0):
    """Fashion-MNIST as two Gluon ``DataLoader``s (training shuffled, test in order).

    Each batch is ``X: (batch, 1, h, w)`` float32 in [0, 1] and ``y: (batch,)`` int32, where ``h = w = resize`` or
    28. In smoke mode (see :func:`d2lnotes.config.is_smoke`) the defaults for ``n_train``/``n_test`` become a
    class-balanced real subsample of 2,000/1,000 images; pass them explicitly to override. Full mode uses all
    60,000/10,000.

    Args:
        batch_size: examples per batch.
        resize: side length to resize to (bilinear), or None for 28.
        n_train, n_test: subsample sizes (class-balanced, seeded), or None for the mode's default.
        num_workers: DataLoader worker processes (0 keeps everything in this process).
        seed: seed of the subsample.

    Source: d2l ``load_data_fashion_mnist`` (Sec. 3.5).
    """
    from mxnet import gluon

    loaders = []
    for train, images, labels in mode_splits(load_arrays, n_train, n_test, seed):
        dataset = gluon.data.ArrayDataset(images[:, None], labels)
        loaders.append(gluon.data.DataLoader(dataset, batch_size, shuffle=train, num_workers=num_workers,
                                             last_batch="keep", batchify_fn=_Batchify(resize)))
    return tuple(loaders)


class _Batchify:
    """Stack uint8 samples into float32 batches in [0, 1], resizing the whole batch at once (bilinear).

    Resizing per batch instead of up front keeps memory small: all 60,000 images at 224x224 would need 12 GB.
    """

    def __init__(self, resize: int | None):
        self.resize = resize

    def __call__(self, samples):
        from mxnet import np as mnp

        X = np.stack([s[0] for s in samples]).astype(np.float32) / 255
        y = np.array([s[1] for s in samples], dtype=np.int32)
        if self.resize:
            X = _resize(X, self.resize)
        return mnp.array(X, dtype="float32"), mnp.array(y, dtype="int32")


def _resize(X: np.ndarray, size: int) -> np.ndarray:
    """Bilinear resize of ``(n, c, h, w)`` float32 images to ``(n, c, size, size)``."""
    import mxnet as mx

    return mx.nd.contrib.BilinearResize2D(mx.nd.array(X), height=size, width=size).asnumpy()
