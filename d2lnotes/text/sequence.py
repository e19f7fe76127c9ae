"""Minibatches of subsequences for language models: random sampling and sequential partitioning.

Source: d2l, "Language Models and the Dataset" (Sec. 8.3). Taught in book/07_rnn/01_text_sequences.ipynb.
"""
from __future__ import annotations

import random
from typing import Iterator, Sequence


def seq_data_iter_random(corpus: Sequence[int], batch_size: int, num_steps: int,
                         rng: random.Random | None = None) -> Iterator:
    """Random sampling (随机采样): minibatches of subsequences taken from random positions.

    The corpus is cut at a random offset into non-overlapping subsequences of ``num_steps`` tokens, which are
    shuffled; two neighbouring minibatches are not adjacent in the text, so a model's hidden state must be
    re-initialised for every minibatch.

    Yields:
        ``X, Y``: ``(batch_size, num_steps)`` int32 MXNet arrays, ``Y`` is ``X`` shifted by one token.

    Raises:
        ValueError: the corpus is too short for one minibatch at every offset, i.e. shorter than
            ``batch_size * num_steps + num_steps`` tokens (whatever offset is drawn).
    """
    from mxnet import np

    _check_length(corpus, batch_size, num_steps, max_offset=num_steps - 1)
    rng = rng or random
    corpus = corpus[rng.randint(0, num_steps - 1):]
    num_subseqs = (len(corpus) - 1) // num_steps
    starts = list(range(0, num_subseqs * num_steps, num_steps))
    rng.shuffle(starts)
    for i in range(0, batch_size * (num_subseqs // batch_size), batch_size):
        batch = starts[i:i + batch_size]
        X = [corpus[j:j + num_steps] for j in batch]
        Y = [corpus[j + 1:j + 1 + num_steps] for j in batch]
        yield np.array(X, dtype="int32"), np.array(Y, dtype="int32")


def seq_data_iter_sequential(corpus: Sequence[int], batch_size: int, num_steps: int,
                             rng: random.Random | None = None) -> Iterator:
    """Sequential partitioning (顺序分区): row ``i`` of minibatch ``t + 1`` continues row ``i`` of minibatch ``t``.

    The corpus (from a random offset) is laid out as ``batch_size`` parallel streams; minibatches walk along
    them, so a model may carry its hidden state from one minibatch to the next (detaching it from the graph).

    Yields:
        ``X, Y``: ``(batch_size, num_steps)`` int32 MXNet arrays, ``Y`` is ``X`` shifted by one token.

    Raises:
        ValueError: the corpus is too short for one minibatch at every offset, i.e. shorter than
            ``batch_size * num_steps + num_steps + 1`` tokens (whatever offset is drawn).
    """
    from mxnet import np

    _check_length(corpus, batch_size, num_steps, max_offset=num_steps)
    rng = rng or random
    offset = rng.randint(0, num_steps)
    num_tokens = ((len(corpus) - offset - 1) // batch_size) * batch_size
    Xs = np.array(corpus[offset:offset + num_tokens], dtype="int32").reshape(batch_size, -1)
    Ys = np.array(corpus[offset + 1:offset + 1 + num_tokens], dtype="int32").reshape(batch_size, -1)
    for i in range(0, (Xs.shape[1] // num_steps) * num_steps, num_steps):
        yield Xs[:, i:i + num_steps], Ys[:, i:i + num_steps]


def _check_length(corpus: Sequence[int], batch_size: int, num_steps: int, max_offset: int) -> None:
    """Raise unless every offset up to ``max_offset`` leaves one minibatch and its shifted labels.

    d2l's samplers yield a batch or nothing depending on the random offset for corpora near this length; here
    the answer does not depend on the draw.
    """
    if batch_size < 1 or num_steps < 1:
        raise ValueError(f"batch_size and num_steps must be at least 1, got {batch_size} and {num_steps}")
    needed = batch_size * num_steps + max_offset + 1
    if len(corpus) < needed:
        raise ValueError(f"a corpus of {len(corpus)} tokens is too short for minibatches of batch_size="
                         f"{batch_size} x num_steps={num_steps}: at least {needed} tokens are needed")


class SeqDataLoader:
    """An iterable over language-model minibatches, random or sequential, re-drawn every epoch.

    Args:
        corpus: token indices.
        batch_size, num_steps: minibatch shape ``(batch_size, num_steps)``.
        use_random_iter: random sampling (True) or sequential partitioning (False).
        seed: seed of this loader's own random generator (offsets and shuffling), so runs repeat.
    """

    def __init__(self, corpus: Sequence[int], batch_size: int, num_steps: int, use_random_iter: bool = False,
                 seed: int = 0):
        self.corpus, self.batch_size, self.num_steps = list(corpus), batch_size, num_steps
        self.use_random_iter = use_random_iter
        self.rng = random.Random(seed)
        self._fn = seq_data_iter_random if use_random_iter else seq_data_iter_sequential

    def __iter__(self):
        return self._fn(self.corpus, self.batch_size, self.num_steps, self.rng)

    def __len__(self) -> int:
        """An upper bound on the minibatches per epoch (the random offset may cost one)."""
        return max(1, (len(self.corpus) - 1) // (self.batch_size * self.num_steps))
