"""CIFAR-10: the official python pickle batches read into arrays, and a loader that augments per batch.

The archive is ``cifar-10-python.tar.gz`` (Krizhevsky, 2009): five training batches of 10,000 images and one
test batch, each a pickle dict with ``data`` (10000, 3072) uint8 (the R plane, then G, then B, row-major) and
``labels``. Whatever batches the archive holds are read; the course's offline mirror holds only
``data_batch_1`` and ``data_batch_2`` (20,000 of the 50,000 training images, rebuilt from JPEG copies), and
:func:`load_arrays` warns when training batches are missing, so that a result is never mistaken for a
full-data one.

Source: https://www.cs.toronto.edu/~kriz/cifar.html ; d2l Sec. 14.13 reads the Kaggle copy instead.
Taught in book/05_project_cifar10/01_data_pipeline.ipynb.
"""
from __future__ import annotations

import functools
import pickle
import warnings
from pathlib import Path

import numpy as np

from .hub import extracted_dir, fetch
from .sampling import ArrayLoader, check_batch_size, make_splits

TEXT_LABELS = ("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck")
TRAIN_BATCHES = tuple(f"data_batch_{i}" for i in range(1, 6))
MEAN = (0.4914, 0.4822, 0.4465)
"""Per-channel mean of the 50,000 training images (RGB, pixel values scaled to [0, 1])."""
STD = (0.2023, 0.1994, 0.2010)
"""The per-channel "std" in common use (and in the course reports). It is the mean of the per-image standard
deviations, not the standard deviation over all training pixels, which is about (0.247, 0.243, 0.261); see
book/05_project_cifar10/01_data_pipeline.ipynb."""


class PartialDatasetWarning(UserWarning):
    """Some of the official files of a dataset are missing (for example the course's partial mirror)."""


def batches_dir() -> Path:
    """The folder ``cifar-10-batches-py`` of the fetched and extracted archive."""
    folder = extracted_dir(fetch("cifar-10", "python"))
    inner = folder / "cifar-10-batches-py"
    return inner if inner.is_dir() else folder


def available_training_batches() -> list[str]:
    """Names of the training batches present, e.g. ``["data_batch_1", "data_batch_2"]`` on the course mirror."""
    folder = batches_dir()
    return [b for b in TRAIN_BATCHES if (folder / b).is_file()]


def read_batch(path) -> tuple[np.ndarray, np.ndarray]:
    """One pickle batch as ``(images (n, 32, 32, 3) uint8 RGB, labels (n,) int32)``.

    Raises:
        ValueError: if the file is not a CIFAR-10 batch (missing keys, wrong sizes, labels outside 0..9).
    """
    with open(path, "rb") as f:
        batch = pickle.load(f, encoding="bytes")
    if not isinstance(batch, dict) or b"data" not in batch or b"labels" not in batch:
        raise ValueError(f"{path} is not a CIFAR-10 batch (no b'data' and b'labels' keys)")
    data = np.asarray(batch[b"data"], dtype=np.uint8)
    labels = np.asarray(batch[b"labels"], dtype=np.int32)
    if data.ndim != 2 or data.shape[1] != 3 * 32 * 32 or len(data) != len(labels):
        raise ValueError(f"{path}: data {data.shape} and {len(labels)} labels do not form a CIFAR-10 batch")
    if labels.size and (labels.min() < 0 or labels.max() > 9):
        raise ValueError(f"{path}: labels outside 0..9")
    return data.reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1), labels


def load_arrays(train: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """All training images present (up to 50,000) or the 10,000 test images.

    Returns:
        images ``(n, 32, 32, 3)`` uint8 RGB (height, width, channel) and labels ``(n,)`` int32 in 0..9, both
        read-only (they are read once per process and shared between calls)
        (see :data:`TEXT_LABELS`).

    Warns:
        PartialDatasetWarning: when fewer than five training batches are present (``train=True``).

    Raises:
        FileNotFoundError: no training batch (or no test batch) in the archive.
    """
    folder = batches_dir()
    names = available_training_batches() if train else (["test_batch"] if (folder / "test_batch").is_file() else [])
    if not names:
        raise FileNotFoundError(f"no CIFAR-10 {'training' if train else 'test'} batch in {folder}")
    if train and len(names) < len(TRAIN_BATCHES):
        missing = [b for b in TRAIN_BATCHES if b not in names]
        warnings.warn(f"CIFAR-10: only {', '.join(names)} present ({10000 * len(names):,} of 50,000 training "
                      f"images); missing {', '.join(missing)}. Results are not comparable with full-data ones.",
                      PartialDatasetWarning, stacklevel=2)
    return _read_batches(str(folder), tuple(names))


@functools.lru_cache(maxsize=2)
def _read_batches(folder: str, names: tuple[str, ...]) -> tuple[np.ndarray, np.ndarray]:
    """The named batches concatenated, read once per process (the arrays are read-only)."""
    parts = [read_batch(Path(folder) / n) for n in names]
    images, labels = np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts])
    images.flags.writeable = False
    labels.flags.writeable = False
    return images, labels


def normalize(images: np.ndarray, mean=MEAN, std=STD) -> np.ndarray:
    """``(n, h, w, 3)`` uint8 images to ``(n, 3, h, w)`` float32 ``(x / 255 - mean) / std`` per channel."""
    x = images.astype(np.float32) / 255
    x = (x - np.asarray(mean, np.float32)) / np.asarray(std, np.float32)
    return np.ascontiguousarray(x.transpose(0, 3, 1, 2))


class CifarLoader(ArrayLoader):
    """Minibatches ``(X (b, 3, 32, 32) float32 normalised, y (b,) int32)`` as MXNet arrays on the CPU.

    Each pass shuffles (when ``shuffle``) and applies ``augment`` (a function of a uint8 ``(b, 32, 32, 3)``
    batch and a ``numpy.random.Generator``, see :mod:`d2lnotes.vision.augment`) to every batch, so every epoch
    sees new random transformations; then :func:`normalize`. The last smaller batch is kept.

    Raises:
        ValueError: images that are not uint8 ``(n, h, w, 3)``, a label count that differs, a bad batch size.
    """

    def __init__(self, images: np.ndarray, labels: np.ndarray, batch_size: int, shuffle: bool = False,
                 augment=None, mean=MEAN, std=STD, seed: int = 0):
        if images.ndim != 4 or images.shape[-1] != 3 or images.dtype != np.uint8:
            raise ValueError(f"images must be uint8 (n, h, w, 3), got {images.dtype} {images.shape}")
        super().__init__(images, labels, batch_size, shuffle,
                         transform=functools.partial(_augment_normalize, augment=augment, mean=mean, std=std),
                         seed=seed)
        self.augment = augment

    @property
    def images(self) -> np.ndarray:
        """The uint8 ``(n, h, w, 3)`` images this loader cuts its batches from."""
        return self.examples


def _augment_normalize(batch: np.ndarray, rng, augment=None, mean=MEAN, std=STD) -> np.ndarray:
    return normalize(augment(batch, rng) if augment is not None else batch, mean, std)


def load_data_cifar10(batch_size: int, augment=None, n_train: int | None = None, n_test: int | None = None,
                      seed: int = 0, n_valid: int = 0) -> tuple[CifarLoader, ...]:
    """CIFAR-10 as ``(train_iter, test_iter)`` :class:`CifarLoader` s; the training one shuffles and augments.

    ``n_train``/``n_test``: class-balanced, seeded subsample sizes, or None for every image present (see
    :func:`load_arrays` about the partial mirror); a notebook's smoke mode passes them explicitly. With
    ``n_valid > 0`` a class-balanced validation split of that many training images is held out first (not
    augmented, disjoint from the training subsample) and ``(train_iter, valid_iter, test_iter)`` is returned.

    Raises:
        ValueError: a bad batch size, or a subsample size outside 1..the number of images.
    """
    check_batch_size(batch_size)
    return tuple(CifarLoader(x, y, batch_size, shuffle=train, augment=augment if train else None, seed=seed)
                 for train, x, y in make_splits(load_arrays, n_train, n_test, n_valid, seed))
