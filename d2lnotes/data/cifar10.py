"""CIFAR-10 read into arrays (official pickle batches or the course mirror's JPEG folder), and a loader.

Two layouts are read:

* The official archive ``cifar-10-python.tar.gz`` (Krizhevsky, 2009), fetched through the hub: five training
  batches of 10,000 images and one test batch, each a pickle dict with ``data`` (10000, 3072) uint8 (the R plane,
  then G, then B, row-major) and ``labels``. Whatever batches the archive holds are read. The course's offline
  mirror holds a partial copy (``data_batch_1`` and ``data_batch_2``, rebuilt from JPEGs).
* The course mirror's ``cifar-10/jpeg/`` folder: all 60,000 images as 32×32 JPEGs in ``train/<class>/*.jpg``
  and ``test/<class>/*.jpg``, listed with their sha256 in ``jpeg-SHA256SUMS`` (whose own sha256 is pinned here).
  The JPEGs are lossy copies (mean absolute error about 6/255) in class order, not the official batch order.
  Every file is checked against its sum and decoded once; the arrays are cached in the data cache
  (``<cache>/cifar-10/jpeg-{train,test}.npz`` with a sha256 beside each) and a corrupt cache is rebuilt.

:func:`load_arrays` picks, in order: a complete official archive already in the cache; the JPEG folder (its
cached arrays, or the mirror); the archive through the hub (cache, mirror, network). It warns when training
images are missing, so that a result is never mistaken for a full-data one; :func:`data_source` says which
layout is used.

Source: https://www.cs.toronto.edu/~kriz/cifar.html ; d2l Sec. 14.13 reads the Kaggle copy instead.
Taught in book/05_project_cifar10/01_data_pipeline.ipynb.
"""
from __future__ import annotations

import functools
import hashlib
import io
import os
import pickle
import tempfile
import warnings
from pathlib import Path

import numpy as np

from .. import config
from .hub import ChecksumError, DataError, extracted_dir, fetch, file_checksum
from .sampling import ArrayLoader, check_batch_size, make_splits

TEXT_LABELS = ("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck")
TRAIN_BATCHES = tuple(f"data_batch_{i}" for i in range(1, 6))
JPEG_SUMS = "jpeg-SHA256SUMS"
JPEG_SUMS_SHA256 = "c217601eebcfee757a51b381539a30bc3b0a89cac54850a81d992750b4fa8352"
"""sha256 of the mirror's ``jpeg-SHA256SUMS`` (from the mirror's MANIFEST.md), which pins every JPEG's sum."""
JPEG_COUNTS = {"train": 5000, "test": 1000}
"""Images per class in each split of the JPEG folder."""
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
    """All training images available (up to 50,000) or the 10,000 test images, from the layout
    :func:`data_source` names.

    Returns:
        images ``(n, 32, 32, 3)`` uint8 RGB (height, width, channel) and labels ``(n,)`` int32 in 0..9 (see
        :data:`TEXT_LABELS`), both read-only (they are read once per process and shared between calls).

    Warns:
        PartialDatasetWarning: when the archive in use has fewer than five training batches (``train=True``).

    Raises:
        FileNotFoundError: no training batch (or no test batch) in the archive.
        ChecksumError: a JPEG (or the sums file) of the mirror's folder does not match its sum (named).
        DataError: a JPEG listed in the sums file is missing or is not a 32×32 image (named).
    """
    if data_source() == "jpeg":
        return _read_jpeg_split("train" if train else "test")
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


def data_source() -> str:
    """Which layout :func:`load_arrays` reads: ``"archive"`` or ``"jpeg"`` (see the module docstring)."""
    cached = config.data_dir() / "cifar-10" / "cifar-10-python" / "cifar-10-batches-py"
    if all((cached / b).is_file() for b in TRAIN_BATCHES):
        return "archive"
    if all(_jpeg_cache(split).is_file() for split in JPEG_COUNTS) or jpeg_folder() is not None:
        return "jpeg"
    return "archive"


def describe_source() -> str:
    """One line for a notebook's setup cell: which CIFAR-10 files are read and how many training images."""
    if data_source() == "jpeg":
        return "all 50,000 training images (the course mirror's JPEG copies: lossy, PSNR about 30 dB)"
    names = available_training_batches()
    return f"{10000 * len(names):,} training images from the pickle archive ({', '.join(names)})"


def jpeg_folder() -> Path | None:
    """The mirror's ``cifar-10/jpeg`` folder, or None when there is no mirror or it has no such folder."""
    mirror = config.mirror_dir()
    folder = mirror / "cifar-10" / "jpeg" if mirror is not None else None
    return folder if folder is not None and folder.is_dir() else None


def read_jpeg_folder(root: Path, split: str, sums: dict[str, str] | None = None
                     ) -> tuple[np.ndarray, np.ndarray]:
    """Decode ``root/<split>/<class>/*.jpg`` into arrays, in class order then file-name order.

    Args:
        root: the folder holding ``train/`` and ``test/``.
        split: ``"train"`` or ``"test"``.
        sums: ``{"./<split>/<class>/<name>.jpg": sha256}`` (the sums file's lines); every listed file of the split
            must exist and match, and no unlisted file is read. None: read every ``*.jpg`` found, unchecked.

    Returns:
        images ``(n, 32, 32, 3)`` uint8 RGB and labels ``(n,)`` int32.

    Raises:
        ValueError: unknown split.
        DataError: a listed file is missing, a class folder is empty, or an image is not 32×32 (the file named).
        ChecksumError: a file does not match its sum (the file named).
    """
    from PIL import Image

    if split not in JPEG_COUNTS:
        raise ValueError(f"unknown CIFAR-10 split {split!r}: use train or test")
    images, labels = [], []
    for label, name in enumerate(TEXT_LABELS):
        if sums is not None:
            prefix = f"./{split}/{name}/"
            files = sorted(k for k in sums if k.startswith(prefix))
        else:
            files = sorted(f"./{split}/{name}/{p.name}" for p in (root / split / name).glob("*.jpg"))
        if not files:
            raise DataError(f"CIFAR-10 JPEG folder {root}: no images of class {name!r} in {split}/")
        for key in files:
            path = root / key
            try:
                data = path.read_bytes()
            except FileNotFoundError:
                raise DataError(f"CIFAR-10 JPEG folder: {path} is listed in {JPEG_SUMS} but missing") from None
            if sums is not None and hashlib.sha256(data).hexdigest() != sums[key]:
                raise ChecksumError(f"CIFAR-10 JPEG folder: {path} does not match its sha256 in {JPEG_SUMS} "
                                    f"(corrupt copy): replace it from the mirror's source")
            with Image.open(io.BytesIO(data)) as im:
                array = np.asarray(im.convert("RGB"))
            if array.shape != (32, 32, 3):
                raise DataError(f"CIFAR-10 JPEG folder: {path} is {array.shape[1]}x{array.shape[0]}, not 32x32")
            images.append(array)
            labels.append(label)
    return np.stack(images), np.asarray(labels, dtype=np.int32)


def read_jpeg_sums(path: Path) -> dict[str, str]:
    """The sums file as ``{"./train/cat/0000.jpg": sha256, ...}``.

    Raises:
        ChecksumError: the file is not the pinned one (:data:`JPEG_SUMS_SHA256`).
        DataError: a malformed line (the line number named).
    """
    if file_checksum(path, "sha256") != JPEG_SUMS_SHA256:
        raise ChecksumError(f"{path} is not the course mirror's {JPEG_SUMS} (sha256 differs from the pinned one)")
    sums = {}
    for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        digest, _, name = line.partition("  ")
        if len(digest) != 64 or not name:
            raise DataError(f"{path}, line {lineno}: expected '<sha256>  <path>'")
        sums[name] = digest
    return sums


def _jpeg_cache(split: str) -> Path:
    return config.data_dir() / "cifar-10" / f"jpeg-{split}.npz"


def _array_digest(images: np.ndarray, labels: np.ndarray) -> str:
    h = hashlib.sha256(np.ascontiguousarray(images).data)
    h.update(np.ascontiguousarray(labels).data)
    return h.hexdigest()


@functools.lru_cache(maxsize=2)
def _read_jpeg_split(split: str) -> tuple[np.ndarray, np.ndarray]:
    """The JPEG folder's split, from the cached arrays when they are intact, else decoded and cached.

    The cache file holds the arrays and the sha256 of their bytes; it is written to a temporary file and renamed,
    so an interrupted write never leaves a half file under the final name.
    """
    cache = _jpeg_cache(split)
    if cache.is_file():
        try:
            with np.load(cache) as f:
                images, labels, digest = f["images"], f["labels"], str(f["sha256"])
            if _array_digest(images, labels) == digest:
                return _read_only(images, labels)
            problem = "its arrays do not match their recorded sha256"
        except Exception as e:  # a truncated or garbled file: zipfile, numpy and OS errors alike
            problem = f"it cannot be read ({e.__class__.__name__})"
        warnings.warn(f"{cache}: {problem}; decoding the JPEGs again", RuntimeWarning, stacklevel=3)
        cache.unlink()
    folder = jpeg_folder()
    if folder is None:
        raise DataError("CIFAR-10 JPEG arrays are not cached and D2LNOTES_DATA_MIRROR has no cifar-10/jpeg folder")
    images, labels = read_jpeg_folder(folder, split, read_jpeg_sums(folder.parent / JPEG_SUMS))
    expected = JPEG_COUNTS[split] * len(TEXT_LABELS)
    if len(labels) != expected:
        raise DataError(f"CIFAR-10 JPEG folder {folder}: {len(labels)} {split} images, expected {expected}")
    cache.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=cache.parent, suffix=".npz.part")
    with os.fdopen(fd, "wb") as f:
        np.savez(f, images=images, labels=labels, sha256=np.array(_array_digest(images, labels)))
    os.replace(tmp, cache)
    return _read_only(images, labels)


def _read_only(images: np.ndarray, labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    images.flags.writeable = False
    labels.flags.writeable = False
    return images, labels


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
