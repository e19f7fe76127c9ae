"""Class-balanced subsamples, and the minibatch loop (:class:`BatchLoader`) that every in-memory loader shares."""
from __future__ import annotations

from typing import Callable

import numpy as np


def stratified_subsample(labels: np.ndarray, n: int, seed: int = 0) -> np.ndarray:
    """Indices of ``n`` examples with (as near as possible) equal counts per class, in a seeded random order.

    Raises:
        ValueError: ``n`` is not a whole number from 1 to the number of labels.
    """
    if not isinstance(n, (int, np.integer)) or not 1 <= n <= len(labels):
        raise ValueError(f"cannot take {n!r} examples from {len(labels)}: give a whole number from 1 to "
                         f"{len(labels)}, or None for all")
    rng = np.random.default_rng(seed)
    classes = np.unique(labels)
    per_class = [rng.permutation(np.flatnonzero(labels == c)) for c in classes]
    take = [n // len(classes) + (i < n % len(classes)) for i in range(len(classes))]
    idx = np.concatenate([p[:k] for p, k in zip(per_class, take)])
    return rng.permutation(idx)


def holdout_split(labels: np.ndarray, n_holdout: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Indices ``(keep, holdout)`` of a class-balanced, seeded holdout of ``n_holdout`` examples (e.g. a validation
    split carved out of a training set); the two are disjoint and together cover every example.

    Raises:
        ValueError: ``n_holdout`` not a whole number from 1 to ``len(labels) - 1``.
    """
    if not isinstance(n_holdout, (int, np.integer)) or not 1 <= n_holdout < len(labels):
        raise ValueError(f"a holdout of {n_holdout!r} from {len(labels)} examples: give 1 to {len(labels) - 1}")
    holdout = stratified_subsample(labels, n_holdout, seed)
    keep = np.setdiff1d(np.arange(len(labels)), holdout)
    return keep, holdout


def subsample(images: np.ndarray, labels: np.ndarray, n: int | None, seed: int = 0):
    """``(images, labels)`` cut to a class-balanced subsample of ``n`` (None: all of them, unchanged).

    Raises:
        ValueError: see :func:`stratified_subsample`.
    """
    if n is None:
        return images, labels
    idx = stratified_subsample(labels, n, seed)
    return images[idx], labels[idx]


def make_splits(load_arrays: Callable[[bool], tuple[np.ndarray, np.ndarray]], n_train: int | None,
                n_test: int | None, n_valid: int = 0, seed: int = 0) -> list[tuple[bool, np.ndarray, np.ndarray]]:
    """The splits a loader function returns, as ``(is_training, examples, labels)``: train, then (with
    ``n_valid > 0``) a class-balanced validation split held out of the training examples first, then test.

    ``load_arrays(train)`` returns a split's ``(examples, labels)``; ``n_train``/``n_test`` are subsample sizes
    (None: all); the training subsample is drawn from what the validation split leaves.

    Raises:
        ValueError: see :func:`holdout_split` and :func:`stratified_subsample`.
    """
    examples, labels = load_arrays(True)
    valid = []
    if n_valid:
        keep, held = holdout_split(labels, n_valid, seed)
        valid = [(False, examples[held], labels[held])]
        examples, labels = examples[keep], labels[keep]
    return [(True, *subsample(examples, labels, n_train, seed)), *valid,
            (False, *subsample(*load_arrays(False), n_test, seed))]


def check_batch_size(batch_size) -> None:
    """Raises ValueError unless ``batch_size`` is a whole number of at least 1."""
    if not isinstance(batch_size, (int, np.integer)) or batch_size < 1:
        raise ValueError(f"batch_size must be a whole number of at least 1, got {batch_size!r}")


class BatchLoader:
    """The minibatch loop every in-memory loader of the book shares: ``num_examples`` examples cut into batches of
    ``batch_size`` in a seeded order; a subclass says how a batch is built from its indices in :meth:`collate`.

    Each pass draws a new order from the loader's own generator ``rng`` (when ``shuffle``), so two loaders built
    with the same seed yield the same batches; ``collate`` may draw from ``rng`` too (random crops, flips), after
    the pass's order. The last, smaller batch is kept. :class:`~d2lnotes.checkpoint.Checkpoint` saves ``rng``'s
    state, so a resumed run draws what the uninterrupted one would have drawn.

    Args:
        num_examples: how many examples there are.
        batch_size: examples per batch.
        shuffle: a new random order every pass (training) or the stored order (evaluation).
        seed: seed of the loader's generator.

    Raises:
        ValueError: a bad ``batch_size``.
    """

    def __init__(self, num_examples: int, batch_size: int, shuffle: bool = False, seed: int = 0):
        check_batch_size(batch_size)
        self._num_examples, self.batch_size, self.shuffle = int(num_examples), batch_size, shuffle
        self.rng = np.random.default_rng(seed)

    @property
    def num_examples(self) -> int:
        return self._num_examples

    def __len__(self) -> int:
        return -(-self.num_examples // self.batch_size)

    def __iter__(self):
        order = self.rng.permutation(self.num_examples) if self.shuffle else np.arange(self.num_examples)
        for start in range(0, len(order), self.batch_size):
            yield self.collate(order[start:start + self.batch_size])

    def collate(self, idx: np.ndarray):
        """The batch of the examples ``idx`` (a ``(b,)`` int array); subclasses define it."""
        raise NotImplementedError


class ArrayLoader(BatchLoader):
    """Minibatches ``(X, y)`` as MXNet arrays on the CPU, cut from examples held in memory as NumPy arrays.

    A :class:`BatchLoader` that applies ``transform`` to every batch at once (vectorised: no per-example Python
    work).

    Args:
        examples: ``(n, ...)`` array of examples (e.g. uint8 images).
        labels: ``(n,)`` integer labels.
        batch_size: examples per batch.
        shuffle: a new random order every pass (training) or the stored order (evaluation).
        transform: ``transform(batch, rng) -> float32 array``, applied to each batch of examples (``rng`` is the
            loader's ``numpy.random.Generator``, for random augmentation); None: the batch as float32.
        seed: seed of the loader's generator.

    Attributes:
        num_examples: the number of examples (``len(loader)`` is the number of batches).

    Raises:
        ValueError: ``examples`` and ``labels`` of different lengths, or a bad ``batch_size``.
    """

    def __init__(self, examples: np.ndarray, labels: np.ndarray, batch_size: int, shuffle: bool = False,
                 transform: Callable | None = None, seed: int = 0):
        if len(examples) != len(labels):
            raise ValueError(f"{len(examples)} examples but {len(labels)} labels")
        super().__init__(len(examples), batch_size, shuffle, seed)
        self.examples, self.labels, self.transform = examples, np.asarray(labels, np.int32), transform

    def collate(self, idx: np.ndarray):
        from mxnet import np as mnp

        batch = self.examples[idx]
        X = self.transform(batch, self.rng) if self.transform is not None else batch
        return mnp.array(X, dtype="float32"), mnp.array(self.labels[idx], dtype="int32")
