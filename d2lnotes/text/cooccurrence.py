"""GloVe's data and weights: word-word co-occurrence counts weighted by 1/distance, and the weight function h.

Source: Pennington, Socher & Manning, "GloVe: Global Vectors for Word Representation", EMNLP 2014 (Sec. 3 and
4.2: symmetric window, each pair at distance d adds 1/d; h(x) = (x / x_max)^alpha capped at 1 with x_max = 100,
alpha = 3/4); d2l, "Word Embedding with Global Vectors" (Sec. 15.5). Taught in book/08_embeddings/04_glove.ipynb.
"""
from __future__ import annotations

from typing import Sequence

import numpy as onp


def cooccurrence_counts(corpus: Sequence[Sequence[int]], vocab_size: int, window: int = 10,
                        drop: Sequence[int] = ()) -> tuple[onp.ndarray, onp.ndarray, onp.ndarray]:
    """Sparse symmetric co-occurrence counts ``x_ij = sum over occurrences of j within `window` words of i
    (same sentence) of 1 / distance``.

    Args:
        corpus: sentences of token indices in ``0 .. vocab_size - 1``.
        window: the largest distance counted.
        drop: indices left out (``<unk>``).

    Returns:
        ``(rows, cols, values)``: the nonzero ``x_ij`` as int64, int64, float64 arrays of equal length, sorted by
        ``(i, j)``; the matrix is symmetric, so ``(j, i)`` is there whenever ``(i, j)`` is.

    Raises:
        ValueError: ``window < 1`` or an index outside the vocabulary.
    """
    if window < 1:
        raise ValueError(f"window must be at least 1, got {window}")
    flat = onp.concatenate([onp.asarray(s, onp.int64) for s in corpus]) if len(corpus) else onp.zeros(0, onp.int64)
    if flat.size and (flat.min() < 0 or flat.max() >= vocab_size):
        raise ValueError(f"token indices must lie in 0 .. {vocab_size - 1}")
    sentence = onp.repeat(onp.arange(len(corpus)), [len(s) for s in corpus])
    dropped = onp.isin(flat, onp.asarray(drop, onp.int64))
    keys, weights = [], []
    for d in range(1, window + 1):
        i, j = flat[:-d], flat[d:]
        ok = (sentence[:-d] == sentence[d:]) & ~dropped[:-d] & ~dropped[d:]
        i, j = i[ok], j[ok]
        keys += [i * vocab_size + j, j * vocab_size + i]
        weights += [onp.full(2 * i.size, 1.0 / d)]
    keys = onp.concatenate(keys) if keys else onp.zeros(0, onp.int64)
    weights = onp.concatenate(weights) if weights else onp.zeros(0)
    unique, inverse = onp.unique(keys, return_inverse=True)
    values = onp.bincount(inverse, weights=weights, minlength=unique.size)
    return unique // vocab_size, unique % vocab_size, values


def glove_weight(x, x_max: float = 100.0, alpha: float = 0.75):
    """GloVe's weight ``h(x) = min(1, (x / x_max) ** alpha)`` for co-occurrence counts ``x >= 0`` (NumPy or MXNet
    arrays, or floats); ``h(0) = 0``, so pairs never seen cost nothing.

    Raises:
        ValueError: ``x_max <= 0``.
    """
    if x_max <= 0:
        raise ValueError(f"x_max must be positive, got {x_max}")
    scaled = (x / x_max) ** alpha
    if isinstance(scaled, float):
        return min(1.0, scaled)
    return scaled.clip(0.0, 1.0) if hasattr(scaled, "clip") else onp.minimum(1.0, scaled)
