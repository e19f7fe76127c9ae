"""Class-balanced subsamples and the mode-dependent split sizes shared by the image loaders."""
from __future__ import annotations

from typing import Callable

import numpy as np

from .. import config


def stratified_subsample(labels: np.ndarray, n: int, seed: int = 0) -> np.ndarray:
    """Indices of ``n`` examples with (as near as possible) equal counts per class, in a seeded random order.

    Raises:
        ValueError: if ``n`` exceeds the number of labels.
    """
    if n > len(labels):
        raise ValueError(f"cannot take {n} examples from {len(labels)}")
    rng = np.random.default_rng(seed)
    classes = np.unique(labels)
    per_class = [rng.permutation(np.flatnonzero(labels == c)) for c in classes]
    take = [n // len(classes) + (i < n % len(classes)) for i in range(len(classes))]
    idx = np.concatenate([p[:k] for p, k in zip(per_class, take)])
    return rng.permutation(idx)


def mode_splits(load_arrays: Callable[[bool], tuple[np.ndarray, np.ndarray]], n_train: int | None,
                n_test: int | None, seed: int = 0, smoke_sizes: tuple[int, int] = (2000, 1000)):
    """Yield ``(train, images, labels)`` for the training and then the test split of a data set.

    ``n_train``/``n_test`` None means the mode's default: in smoke mode a class-balanced real subsample of
    ``smoke_sizes``, in full mode every example. ``load_arrays(train)`` returns ``(images, labels)``.

    Raises:
        ValueError: a subsample larger than the split.
    """
    default_train, default_test = config.by_mode(smoke=smoke_sizes, full=(None, None))
    n_train = default_train if n_train is None else n_train
    n_test = default_test if n_test is None else n_test
    for train, n in ((True, n_train), (False, n_test)):
        images, labels = load_arrays(train)
        if n is not None:
            idx = stratified_subsample(labels, n, seed)
            images, labels = images[idx], labels[idx]
        yield train, images, labels
