"""Word2vec's data side: subsampling, centre/context examples, noise words, and minibatches of them.

Everything works on token indices (a corpus is a list of sentences, each a list or array of indices into a
:class:`~d2lnotes.text.vocab.Vocab`) and is vectorised with NumPy, so that a minibatch of a few hundred centre
words costs one array operation, not a Python loop per word.

Source: Mikolov et al., "Distributed Representations of Words and Phrases and their Compositionality", NeurIPS
2013 (subsampling, negative sampling, the 3/4 power); d2l, "The Dataset for Pretraining Word Embeddings"
(Sec. 15.3 of the MXNet edition). Taught in book/08_embeddings/01_word2vec_skipgram.ipynb.
"""
from __future__ import annotations

import math
from typing import Iterator, Sequence

import numpy as onp


def token_counts(corpus: Sequence[Sequence[int]], vocab_size: int) -> onp.ndarray:
    """Occurrences of every index ``0 .. vocab_size - 1`` in ``corpus``: an int64 array of shape ``(vocab_size,)``.

    Raises:
        ValueError: an index outside ``0 .. vocab_size - 1``.
    """
    flat = _flatten(corpus)
    if flat.size and (flat.min() < 0 or flat.max() >= vocab_size):
        raise ValueError(f"token indices must lie in 0 .. {vocab_size - 1}, found {flat.min()} .. {flat.max()}")
    return onp.bincount(flat, minlength=vocab_size).astype(onp.int64)


def keep_probability(counts, t: float = 1e-4) -> onp.ndarray:
    """Probability that subsampling keeps an occurrence of each word: ``min(1, sqrt(t / f(w)))`` with ``f(w)`` the
    word's relative frequency, so ``P_drop(w) = max(1 - sqrt(t / f(w)), 0)``.

    Args:
        counts: ``(vocab_size,)`` occurrences of every word; words that never occur get probability 1.
        t: the threshold (Mikolov et al. use 1e-5 on billions of words, d2l 1e-4 on PTB).

    Returns:
        ``(vocab_size,)`` float64 array in (0, 1].

    Raises:
        ValueError: ``t <= 0``, a negative count, or no occurrence at all.
    """
    counts = onp.asarray(counts, dtype=onp.float64)
    if t <= 0:
        raise ValueError(f"the threshold t must be positive, got {t}")
    if (counts < 0).any() or counts.sum() == 0:
        raise ValueError("counts must be non-negative with at least one occurrence")
    freq = counts / counts.sum()
    with onp.errstate(divide="ignore"):
        return onp.minimum(1.0, onp.sqrt(t / freq))


def subsample(corpus: Sequence[Sequence[int]], counts, t: float = 1e-4, rng: onp.random.Generator | None = None,
              drop: Sequence[int] = ()) -> list[onp.ndarray]:
    """Drop each occurrence of word ``w`` with probability ``max(1 - sqrt(t / f(w)), 0)``.

    Args:
        corpus: sentences of token indices.
        counts: ``(vocab_size,)`` word counts defining ``f(w)`` (those of the whole training corpus).
        t: the threshold of :func:`keep_probability`.
        rng: NumPy generator (default: a fresh ``default_rng(0)``).
        drop: indices removed always (d2l removes ``<unk>``).

    Returns:
        The subsampled sentences as int64 arrays (a sentence may become empty).
    """
    rng = rng or onp.random.default_rng(0)
    keep = keep_probability(counts, t)
    keep[list(drop)] = 0.0
    lengths = [len(s) for s in corpus]
    flat = _flatten(corpus)
    kept = rng.random(flat.size) < keep[flat]
    out, start = [], 0
    for n in lengths:
        out.append(flat[start:start + n][kept[start:start + n]])
        start += n
    return out


def skipgram_examples(corpus: Sequence[Sequence[int]], max_window: int = 5,
                      rng: onp.random.Generator | None = None) -> tuple[onp.ndarray, onp.ndarray, onp.ndarray]:
    """Every centre word with its context words: a window size drawn uniformly from ``1 .. max_window`` per centre,
    the context being the words at most that far away inside the same sentence.

    Returns:
        ``(centers, contexts, context_mask)``: ``centers`` ``(n,)`` int64; ``contexts`` ``(n, 2 * max_window)``
        int64 holding the context indices (offsets ``-max_window .. -1, 1 .. max_window`` in that order; 0 where
        there is none); ``context_mask`` ``(n, 2 * max_window)`` float32, 1 for a real context word. Centres
        without any context word (one-word sentences) are left out.

    Raises:
        ValueError: ``max_window < 1``.
    """
    if max_window < 1:
        raise ValueError(f"max_window must be at least 1, got {max_window}")
    rng = rng or onp.random.default_rng(0)
    flat = _flatten(corpus)
    sentence = onp.repeat(onp.arange(len(corpus)), [len(s) for s in corpus])
    n = flat.size
    window = rng.integers(1, max_window + 1, size=n)
    offsets = onp.concatenate([onp.arange(-max_window, 0), onp.arange(1, max_window + 1)])
    positions = onp.arange(n)[:, None] + offsets[None, :]
    inside = (positions >= 0) & (positions < n)
    positions = onp.clip(positions, 0, max(n - 1, 0))
    valid = inside & (sentence[positions] == sentence[:, None]) & (onp.abs(offsets)[None, :] <= window[:, None])
    contexts = onp.where(valid, flat[positions], 0)
    has_context = valid.any(axis=1)
    return flat[has_context], contexts[has_context], valid[has_context].astype(onp.float32)


def cbow_examples(corpus: Sequence[Sequence[int]], max_window: int = 5,
                  rng: onp.random.Generator | None = None) -> tuple[onp.ndarray, onp.ndarray, onp.ndarray]:
    """The same windows as :func:`skipgram_examples`, read the other way round for CBOW: the context words are the
    input and the centre word the target. Returns ``(targets, contexts, context_mask)`` with the shapes of
    :func:`skipgram_examples`. Taught in book/08_embeddings/02_cbow_hierarchical_softmax.ipynb."""
    return skipgram_examples(corpus, max_window, rng)


class NegativeSampler:
    """Noise words (噪声词) drawn from the unigram distribution raised to a power: ``P(w) ∝ count(w) ** power``.

    Args:
        counts: ``(vocab_size,)`` word counts; words with count 0 are never drawn.
        power: 0.75 as in word2vec (1 is the unigram distribution, 0 the uniform one over seen words).

    ``sampler.probs`` is the ``(vocab_size,)`` distribution; ``sampler.draw(shape, rng)`` an int64 array of that
    shape (inverse-CDF sampling: one ``searchsorted`` per draw, no Python loop).

    Raises:
        ValueError: negative counts or none positive.
    """

    def __init__(self, counts, power: float = 0.75):
        counts = onp.asarray(counts, dtype=onp.float64)
        if (counts < 0).any() or not (counts > 0).any():
            raise ValueError("counts must be non-negative with at least one positive")
        weights = onp.where(counts > 0, counts, 0.0) ** power
        weights[counts == 0] = 0.0
        self.probs = weights / weights.sum()
        self._cdf = onp.cumsum(self.probs)
        self._cdf[-1] = 1.0

    def draw(self, shape, rng: onp.random.Generator | None = None) -> onp.ndarray:
        rng = rng or onp.random.default_rng()
        u = rng.random(shape)
        return onp.searchsorted(self._cdf, u, side="right").astype(onp.int64)


def negatives_for(contexts: onp.ndarray, context_mask: onp.ndarray, sampler: NegativeSampler, num_noise: int,
                  rng: onp.random.Generator) -> tuple[onp.ndarray, onp.ndarray]:
    """``num_noise`` noise words for every real context word of every centre.

    Args:
        contexts, context_mask: ``(n, c)`` from :func:`skipgram_examples`.

    Returns:
        ``(negatives, negative_mask)``, both ``(n, c * num_noise)``: the first ``num_noise * (number of context
        words)`` entries of a row are used (mask 1). A noise word that happens to be a context word is kept, as in
        gensim (d2l redraws it; with 6,700 words and the 3/4 power this changes almost nothing).
    """
    n, c = contexts.shape
    negatives = sampler.draw((n, c * num_noise), rng)
    used = onp.arange(c * num_noise)[None, :] < (num_noise * context_mask.sum(axis=1))[:, None]
    return negatives, used.astype(onp.float32)


class SkipGramBatches:
    """Minibatches for skip-gram with negative sampling, in d2l's layout, drawn afresh every epoch.

    Each epoch subsamples ``corpus``, draws windows and noise words, shuffles the centres and yields
    ``((centers, contexts_negatives), (mask, labels))`` as MXNet arrays:

    - ``centers``: ``(batch, 1)`` int32;
    - ``contexts_negatives``: ``(batch, c + c * num_noise)`` int32, the ``c = 2 * max_window`` context slots then
      the noise slots;
    - ``mask``: ``(batch, c + c * num_noise)`` float32, 1 where a slot holds a real context or noise word;
    - ``labels``: ``(batch, c + c * num_noise)`` float32, 1 on the context slots, 0 on the noise slots.

    ``len(batches)`` is the number of minibatches of the first epoch's draw (later epochs differ by a few, since
    subsampling and windows are random); ``batches.tokens`` is the number of corpus tokens one epoch reads.

    Args:
        corpus: sentences of token indices (before subsampling).
        counts: ``(vocab_size,)`` counts for subsampling and for the noise distribution.
        batch_size, max_window, num_noise, t: as in word2vec (d2l: 512, 5, 5, 1e-4).
        drop: indices never used (``<unk>``).
        seed: the generator's seed.
        ctx: the MXNet device of the arrays.
    """

    def __init__(self, corpus, counts, batch_size: int = 512, max_window: int = 5, num_noise: int = 5,
                 t: float = 1e-4, drop: Sequence[int] = (), seed: int = 0, ctx=None):
        if batch_size < 1 or num_noise < 1:
            raise ValueError(f"batch_size and num_noise must be positive, got {batch_size}, {num_noise}")
        self.corpus, self.counts = corpus, onp.asarray(counts)
        self.batch_size, self.max_window, self.num_noise, self.t = batch_size, max_window, num_noise, t
        self.drop = tuple(drop)
        noise_counts = self.counts.astype(onp.float64).copy()
        noise_counts[list(self.drop)] = 0
        self.sampler = NegativeSampler(noise_counts)
        self.rng = onp.random.default_rng(seed)
        self.ctx = ctx
        self.tokens = int(sum(len(s) for s in corpus))
        self._next = self._draw()

    def _draw(self):
        sentences = subsample(self.corpus, self.counts, self.t, self.rng, drop=self.drop)
        centers, contexts, context_mask = skipgram_examples(sentences, self.max_window, self.rng)
        negatives, negative_mask = negatives_for(contexts, context_mask, self.sampler, self.num_noise, self.rng)
        order = self.rng.permutation(centers.size)
        return centers[order], onp.concatenate([contexts, negatives], 1)[order], \
            onp.concatenate([context_mask, negative_mask], 1)[order]

    def __len__(self) -> int:
        return math.ceil(self._next[0].size / self.batch_size)

    def __iter__(self) -> Iterator:
        from mxnet import cpu, np

        ctx = self.ctx or cpu()
        centers, cn, mask = self._next
        c = 2 * self.max_window
        labels = onp.zeros(cn.shape[1], onp.float32)
        labels[:c] = 1
        for start in range(0, centers.size, self.batch_size):
            sl = slice(start, start + self.batch_size)
            m = mask[sl]
            yield ((np.array(centers[sl, None], dtype="int32", ctx=ctx), np.array(cn[sl], dtype="int32", ctx=ctx)),
                   (np.array(m, ctx=ctx), np.array(onp.broadcast_to(labels, m.shape), ctx=ctx)))
        self._next = self._draw()


class CBOWBatches(SkipGramBatches):
    """Minibatches for CBOW: each epoch subsamples ``corpus``, draws windows, shuffles and yields
    ``((contexts, context_mask), targets)`` as MXNet arrays: ``contexts`` ``(batch, 2 * max_window)`` int32,
    ``context_mask`` the same shape float32 (1 on real context words), ``targets`` ``(batch,)`` int32, the centre
    words to predict. Arguments as for :class:`SkipGramBatches` (no noise words: hierarchical softmax needs
    none). Taught in book/08_embeddings/02_cbow_hierarchical_softmax.ipynb.
    """

    def __init__(self, corpus, counts, batch_size: int = 512, max_window: int = 5, t: float = 1e-4,
                 drop: Sequence[int] = (), seed: int = 0, ctx=None):
        super().__init__(corpus, counts, batch_size, max_window, 1, t, drop, seed, ctx)

    def _draw(self):
        sentences = subsample(self.corpus, self.counts, self.t, self.rng, drop=self.drop)
        targets, contexts, mask = cbow_examples(sentences, self.max_window, self.rng)
        order = self.rng.permutation(targets.size)
        return targets[order], contexts[order], mask[order]

    def __iter__(self) -> Iterator:
        from mxnet import cpu, np

        ctx = self.ctx or cpu()
        targets, contexts, mask = self._next
        for start in range(0, targets.size, self.batch_size):
            sl = slice(start, start + self.batch_size)
            yield ((np.array(contexts[sl], dtype="int32", ctx=ctx), np.array(mask[sl], ctx=ctx)),
                   np.array(targets[sl], dtype="int32", ctx=ctx))
        self._next = self._draw()


def _flatten(corpus) -> onp.ndarray:
    if not len(corpus):
        return onp.zeros(0, onp.int64)
    return onp.concatenate([onp.asarray(s, dtype=onp.int64).reshape(-1) for s in corpus])


def masked_sigmoid_bce(scores, labels, mask):
    """Word2vec's negative-sampling loss per centre word, averaged over its used slots:
    ``sum_j mask_j * (-log sigmoid(s_j) if label_j == 1 else -log sigmoid(-s_j)) / sum_j mask_j``.

    Args:
        scores: ``(batch, L)`` dot products ``u_j . v_c`` (MXNet arrays).
        labels: ``(batch, L)`` 1 for context words, 0 for noise words.
        mask: ``(batch, L)`` 1 for used slots, 0 for padding.

    Returns:
        ``(batch,)`` losses. Uses ``-log sigmoid(s) = softplus(-s)``, which never overflows; equal to
        ``gluon.loss.SigmoidBCELoss()(scores, labels, mask) * L / mask.sum(axis=1)`` (d2l's form).
        Taught in book/08_embeddings/01_word2vec_skipgram.ipynb.
    """
    from mxnet import npx

    per_slot = labels * npx.activation(-scores, act_type="softrelu") \
        + (1 - labels) * npx.activation(scores, act_type="softrelu")
    return (per_slot * mask).sum(axis=1) / mask.sum(axis=1)
