"""A linear-chain conditional random field (CRF, 条件随机场) on top of per-token emission scores, and the
BiLSTM tagger it completes.

For emissions ``E (T, K)`` (token t, tag k), transitions ``A (K, K)`` (from tag i to tag j), start scores ``s``
and end scores ``e``, a tag path ``y`` scores

    score(y) = s[y_1] + sum_t E[t, y_t] + sum_{t>1} A[y_{t-1}, y_t] + e[y_T],

and ``p(y | x) = exp(score(y)) / Z`` with ``log Z = logsumexp over all K**T paths``, computed in ``O(T K^2)`` by the
forward algorithm; the best path comes from Viterbi decoding (dynamic programming with max in place of
logsumexp). Training minimises ``log Z - score(gold path)``.

Source: Lafferty, McCallum & Pereira, ICML 2001; Lample et al., "Neural Architectures for Named Entity
Recognition", NAACL 2016 (BiLSTM-CRF); Huang, Xu & Yu, arXiv:1508.01991. Taught (and checked against brute-force
enumeration of every path) in book/10_nlp_projects/05_bilstm_crf.ipynb.
"""
from __future__ import annotations

import numpy as onp
from mxnet import init, np, npx
from mxnet.gluon import nn

from .classify import MaskedBiLSTM, embedding_layer, lengths_of


def logsumexp(x, axis: int):
    """``log(sum(exp(x), axis))`` without overflow (the maximum is taken out first)."""
    m = x.max(axis=axis, keepdims=True)
    return (m + np.log(np.exp(x - m).sum(axis=axis, keepdims=True))).squeeze(axis=axis)


def crf_log_partition(emissions, mask, transitions, start, end):
    """``log Z`` of every sentence by the forward algorithm.

    Args:
        emissions: ``(batch, T, K)`` scores; mask: ``(batch, T)`` float, 1 at real tokens (a prefix of each row,
            at least one); transitions: ``(K, K)``; start, end: ``(K,)``.

    Returns:
        ``(batch,)``. ``alpha_t[j] = logsumexp_i(alpha_{t-1}[i] + A[i, j]) + E[t, j]``. At padding the step is the
        identity (score 0 to stay on the same tag, -1e4 to move), so ``alpha`` passes through unchanged; the
        step scores of all positions are formed at once, leaving few operations inside the loop over time.
    """
    K = emissions.shape[2]
    alpha = start[None, :] + emissions[:, 0]
    if emissions.shape[1] > 1:
        steps = emissions[:, 1:, None, :] + transitions[None, None]  # (batch, T - 1, from, to)
        m = mask[:, 1:, None, None]
        steps = m * steps + (1 - m) * ((np.eye(K, ctx=emissions.ctx, dtype=emissions.dtype) - 1) * 1e4)
        for t in range(emissions.shape[1] - 1):
            alpha = logsumexp(alpha[:, :, None] + steps[:, t], axis=1)
    return logsumexp(alpha + end[None, :], axis=1)


def crf_path_score(emissions, tags, mask, transitions, start, end):
    """``score(y)`` of the given tag paths.

    Args:
        emissions: ``(batch, T, K)``; tags: ``(batch, T)`` int (any valid tag at padding); mask: ``(batch, T)``;
        transitions, start, end: as :func:`crf_log_partition`.

    Returns:
        ``(batch,)``.
    """
    K = emissions.shape[2]
    tags = tags.astype("int32")
    emitted = (npx.pick(emissions, tags, axis=2) * mask).sum(axis=1)
    moves = np.take(transitions.reshape(-1), tags[:, :-1] * K + tags[:, 1:])
    moved = (moves * mask[:, 1:]).sum(axis=1)
    last = npx.pick(tags, mask.sum(axis=1).astype("int32") - 1, axis=1)
    return np.take(start, tags[:, 0]) + emitted + moved + np.take(end, last)


def viterbi(emissions: onp.ndarray, transitions: onp.ndarray, start: onp.ndarray, end: onp.ndarray
            ) -> tuple[list[int], float]:
    """The highest-scoring tag path of one sentence, and its score.

    Args:
        emissions: ``(T, K)`` NumPy array (one sentence, no padding); transitions ``(K, K)``; start, end ``(K,)``.

    Returns:
        ``(path, score)``: ``T`` tag indices and ``score(path)``.
    """
    delta = start + emissions[0]
    back = []
    for t in range(1, len(emissions)):
        scores = delta[:, None] + transitions + emissions[t][None, :]
        back.append(scores.argmax(axis=0))
        delta = scores.max(axis=0)
    delta = delta + end
    path = [int(delta.argmax())]
    for pointers in reversed(back):
        path.append(int(pointers[path[-1]]))
    return path[::-1], float(delta.max())


class CRF(nn.Block):
    """The CRF layer: learnable transition, start and end scores for ``num_tags`` tags.

    ``neg_log_likelihood(emissions (batch, T, K), tags (batch, T), mask (batch, T)) -> (batch,)`` is the training
    loss; ``decode(emissions, lengths) -> list of tag-index lists`` is Viterbi decoding.
    """

    def __init__(self, num_tags: int):
        super().__init__()
        self.num_tags = num_tags
        self.transitions = self.params.get("transitions", shape=(num_tags, num_tags), init=init.Uniform(0.1))
        self.start = self.params.get("start", shape=(num_tags,), init=init.Zero())
        self.end = self.params.get("end", shape=(num_tags,), init=init.Zero())

    def _scores(self, ctx):
        return self.transitions.data(ctx), self.start.data(ctx), self.end.data(ctx)

    def neg_log_likelihood(self, emissions, tags, mask):
        A, s, e = self._scores(emissions.ctx)
        return crf_log_partition(emissions, mask, A, s, e) - crf_path_score(emissions, tags, mask, A, s, e)

    def decode(self, emissions, lengths: onp.ndarray) -> list[list[int]]:
        A, s, e = (p.asnumpy() for p in self._scores(emissions.ctx))
        E = emissions.asnumpy()
        return [viterbi(E[b, :n], A, s, e)[0] for b, n in enumerate(lengths)]


class BiLSTMTagger(nn.Block):
    """Per-token tag scores from a bidirectional LSTM, decoded independently (softmax) or by a :class:`CRF`.

    ``emissions(X (batch, T)) -> (batch, T, num_tags)``; ``loss(X, tags (batch, T)) -> (batch,)`` summed over
    each sentence's tokens (cross-entropy or CRF negative log-likelihood); ``predict(X) -> list of tag lists``.

    Args:
        pretrained: initial embedding vectors (None: random), fine-tuned during training.
    """

    def __init__(self, vocab_size: int, embed_size: int, num_hiddens: int, num_tags: int, use_crf: bool = True,
                 pretrained: onp.ndarray | None = None, dropout: float = 0.5):
        super().__init__()
        self.embedding = embedding_layer(vocab_size, embed_size, pretrained, trainable=True)
        self.dropout = nn.Dropout(dropout)
        self.encoder = MaskedBiLSTM(num_hiddens, bidirectional=True)
        self.output = nn.Dense(num_tags, flatten=False)
        self.crf = CRF(num_tags) if use_crf else None

    def emissions(self, X):
        H = self.encoder(self.dropout(self.embedding(X.T)), lengths_of(X))
        return self.output(self.dropout(H)).transpose(1, 0, 2)

    def loss(self, X, tags):
        lengths = lengths_of(X)
        mask = np.array((onp.arange(X.shape[1])[None, :] < lengths[:, None]).astype(onp.float32), ctx=X.ctx)
        E = self.emissions(X)
        if self.crf is not None:
            return self.crf.neg_log_likelihood(E, tags, mask)
        return -(npx.pick(npx.log_softmax(E, axis=-1), tags.astype("int32"), axis=2) * mask).sum(axis=1)

    def predict(self, X) -> list[list[int]]:
        lengths = lengths_of(X)
        E = self.emissions(X)
        if self.crf is not None:
            return self.crf.decode(E, lengths)
        best = E.argmax(axis=-1).asnumpy().astype(int)
        return [list(best[b, :n]) for b, n in enumerate(lengths)]
