"""Attention: masked softmax, additive and scaled dot-product scoring, multi-head attention, positional encoding.

Shapes use ``b`` for the batch, ``q`` for the number of queries, ``k`` for the number of key-value pairs.

Source: d2l, "Attention Mechanisms" (Ch. 10 of the MXNet edition: ``masked_softmax``, ``AdditiveAttention``,
``DotProductAttention``, ``MultiHeadAttention``, ``PositionalEncoding``); Bahdanau, Cho & Bengio, Neural machine
translation by jointly learning to align and translate, 2015; Vaswani et al., Attention is all you need, 2017.
Unlike d2l, :func:`masked_softmax` gives exactly 0 on padded keys and an all-zero row where no key is valid.
Taught in book/09_seq2seq/05_attention.ipynb and book/09_seq2seq/06_transformer.ipynb.
"""
from __future__ import annotations

import math

from mxnet import np, npx
from mxnet.gluon import nn


def valid_mask(valid_lens, num_keys: int, num_queries: int | None = None):
    """Float mask ``(b, k)`` (or ``(b, q, k)`` when ``num_queries`` is given or ``valid_lens`` is ``(b, q)``):
    1 where the key position is below the valid length, else 0.

    Args:
        valid_lens: ``(b,)`` one length per sequence, or ``(b, q)`` one per query.
    """
    positions = np.arange(num_keys, ctx=valid_lens.ctx)
    if valid_lens.ndim == 2:
        return (positions.reshape(1, 1, -1) < valid_lens.reshape(*valid_lens.shape, 1)).astype("float32")
    mask = (positions.reshape(1, -1) < valid_lens.reshape(-1, 1)).astype("float32")
    if num_queries is not None:
        mask = np.broadcast_to(mask.reshape(mask.shape[0], 1, -1), (mask.shape[0], num_queries, num_keys))
    return mask


def masked_softmax(X, valid_lens=None):
    """Softmax over the last axis of ``X`` that ignores the positions at or beyond each valid length.

    Args:
        X: ``(b, q, k)`` attention scores.
        valid_lens: None (all keys valid), ``(b,)`` (one length per sequence, the same for all its queries) or
            ``(b, q)`` (one per query, e.g. the causal mask of a decoder).

    Returns:
        ``(b, q, k)`` weights: every row sums to 1 over its valid keys and is exactly 0 on the others; a row
        with no valid key (length 0) is all zeros (a defined result, never NaN).

    Raises:
        ValueError: ``X`` not 3-d, or ``valid_lens`` of a shape that matches neither ``(b,)`` nor ``(b, q)``.
    """
    if X.ndim != 3:
        raise ValueError(f"X must be (batch, queries, keys), got shape {X.shape}")
    if valid_lens is None:
        return npx.softmax(X, axis=-1)
    b, q, k = X.shape
    if valid_lens.shape not in ((b,), (b, q)):
        raise ValueError(f"valid_lens must be ({b},) or ({b}, {q}) for scores of shape {X.shape}, "
                         f"got {valid_lens.shape}")
    mask = valid_mask(valid_lens.astype("float32"), k, q).astype(X.dtype)
    # a very negative score, not -inf: exp() gives exactly 0 and no inf - inf = NaN can appear
    weights = npx.softmax(X * mask - 1e6 * (1 - mask), axis=-1)
    return weights * mask


class AdditiveAttention(nn.Block):
    """Additive (Bahdanau) attention: ``score(q, k) = w_v^T tanh(W_q q + W_k k)``.

    ``forward(queries (b, q, d_q), keys (b, k, d_k), values (b, k, d_v), valid_lens (b,) or (b, q) or None)``
    returns ``(b, q, d_v)``; the weights ``(b, q, k)`` are kept in :attr:`attention_weights`.

    A decoder that queries the same keys at every step projects them once with :meth:`project_keys` and
    passes the result as the fifth argument, ``projected_keys`` (positionally: Gluon's ``Block`` takes no
    keywords); ``keys`` is then not read. Same numbers, one ``(b, k, d_k) x (d_k, h)`` product per sentence
    instead of one per step.

    Source: Bahdanau et al., 2015; d2l Sec. 10.3.
    """

    def __init__(self, num_hiddens: int, dropout: float = 0.0, **kwargs):
        super().__init__(**kwargs)
        self.W_k = nn.Dense(num_hiddens, use_bias=False, flatten=False)
        self.W_q = nn.Dense(num_hiddens, use_bias=False, flatten=False)
        self.w_v = nn.Dense(1, use_bias=False, flatten=False)
        self.dropout = nn.Dropout(dropout)
        self.attention_weights = None

    def project_keys(self, keys):
        """``W_k keys``: ``(b, k, d_k) -> (b, k, h)``."""
        return self.W_k(keys)

    def forward(self, queries, keys, values, valid_lens=None, projected_keys=None):
        queries = self.W_q(queries)
        keys = self.W_k(keys) if projected_keys is None else projected_keys
        # (b, q, 1, h) + (b, 1, k, h): every query with every key
        features = np.tanh(np.expand_dims(queries, axis=2) + np.expand_dims(keys, axis=1))
        scores = np.squeeze(self.w_v(features), axis=-1)
        self.attention_weights = masked_softmax(scores, valid_lens)
        return npx.batch_dot(self.dropout(self.attention_weights), values)


class DotProductAttention(nn.Block):
    """Scaled dot-product attention: ``score(q, k) = q . k / sqrt(d)`` with ``d`` the query/key size.

    ``forward(queries (b, q, d), keys (b, k, d), values (b, k, d_v), valid_lens)`` returns ``(b, q, d_v)``;
    the weights ``(b, q, k)`` are kept in :attr:`attention_weights`.

    Source: Vaswani et al., 2017; d2l Sec. 10.3.
    """

    def __init__(self, dropout: float = 0.0, **kwargs):
        super().__init__(**kwargs)
        self.dropout = nn.Dropout(dropout)
        self.attention_weights = None

    def forward(self, queries, keys, values, valid_lens=None):
        if queries.shape[-1] != keys.shape[-1]:
            raise ValueError(f"queries and keys need the same size, got {queries.shape[-1]} and {keys.shape[-1]}")
        scores = npx.batch_dot(queries, keys, transpose_b=True) / math.sqrt(queries.shape[-1])
        self.attention_weights = masked_softmax(scores, valid_lens)
        return npx.batch_dot(self.dropout(self.attention_weights), values)


def split_heads(X, num_heads: int):
    """``(b, n, h * d)`` -> ``(b * h, n, d)``: each head becomes its own batch entry (head-major within a batch
    entry). Inverse: :func:`merge_heads`."""
    b, n, _ = X.shape
    X = X.reshape(b, n, num_heads, -1).transpose(0, 2, 1, 3)
    return X.reshape(b * num_heads, n, -1)


def merge_heads(X, num_heads: int):
    """``(b * h, n, d)`` -> ``(b, n, h * d)``, the inverse of :func:`split_heads`."""
    X = X.reshape(-1, num_heads, X.shape[1], X.shape[2]).transpose(0, 2, 1, 3)
    return X.reshape(X.shape[0], X.shape[1], -1)


class MultiHeadAttention(nn.Block):
    """Multi-head attention: ``num_heads`` scaled dot-product attentions on learned projections of size
    ``num_hiddens / num_heads`` each, concatenated and projected: ``W_o [head_1; ...; head_h]``.

    ``forward(queries (b, q, d_q), keys (b, k, d_k), values (b, k, d_v), valid_lens (b,) or (b, q) or None)``
    returns ``(b, q, num_hiddens)``; the weights of all heads, ``(b * num_heads, q, k)``, are kept in
    ``self.attention.attention_weights``.

    Raises:
        ValueError: ``num_hiddens`` not divisible by ``num_heads``.

    Source: Vaswani et al., 2017, Sec. 3.2.2; d2l Sec. 10.5.
    """

    def __init__(self, num_hiddens: int, num_heads: int, dropout: float = 0.0, use_bias: bool = False, **kwargs):
        super().__init__(**kwargs)
        if num_hiddens % num_heads:
            raise ValueError(f"num_hiddens={num_hiddens} is not divisible by num_heads={num_heads}")
        self.num_heads = num_heads
        self.attention = DotProductAttention(dropout)
        self.W_q = nn.Dense(num_hiddens, use_bias=use_bias, flatten=False)
        self.W_k = nn.Dense(num_hiddens, use_bias=use_bias, flatten=False)
        self.W_v = nn.Dense(num_hiddens, use_bias=use_bias, flatten=False)
        self.W_o = nn.Dense(num_hiddens, use_bias=use_bias, flatten=False)

    def forward(self, queries, keys, values, valid_lens=None):
        h = self.num_heads
        queries = split_heads(self.W_q(queries), h)
        keys, values = split_heads(self.W_k(keys), h), split_heads(self.W_v(values), h)
        if valid_lens is not None:  # each head sees the same valid lengths
            valid_lens = np.repeat(valid_lens, h, axis=0)
        output = self.attention(queries, keys, values, valid_lens)
        return self.W_o(merge_heads(output, h))


def positional_encoding(max_len: int, num_hiddens: int):
    """The sinusoidal positional encoding ``P (max_len, num_hiddens)``: ``P[i, 2j] = sin(i / 10000^(2j/d))``,
    ``P[i, 2j+1] = cos(i / 10000^(2j/d))`` (``d = num_hiddens``, even).

    Raises:
        ValueError: odd ``num_hiddens``.
    """
    if num_hiddens % 2:
        raise ValueError(f"num_hiddens must be even, got {num_hiddens}")
    angles = np.arange(max_len, dtype="float32").reshape(-1, 1) / np.power(
        10000, np.arange(0, num_hiddens, 2, dtype="float32") / num_hiddens)
    P = np.zeros((max_len, num_hiddens))
    P[:, 0::2] = np.sin(angles)
    P[:, 1::2] = np.cos(angles)
    return P


class PositionalEncoding(nn.Block):
    """Adds :func:`positional_encoding` to ``X (b, n, num_hiddens)`` (positions ``offset .. offset + n - 1``), then
    dropout. Source: Vaswani et al., 2017, Sec. 3.5; d2l Sec. 10.6.

    Raises:
        ValueError: a sequence longer than ``max_len``.
    """

    def __init__(self, num_hiddens: int, dropout: float = 0.0, max_len: int = 1000, **kwargs):
        super().__init__(**kwargs)
        self.dropout = nn.Dropout(dropout)
        self.P = np.expand_dims(positional_encoding(max_len, num_hiddens), 0)

    def forward(self, X, offset: int = 0):
        if offset + X.shape[1] > self.P.shape[1]:
            raise ValueError(f"positions up to {offset + X.shape[1]} exceed max_len={self.P.shape[1]}")
        return self.dropout(X + self.P[:, offset:offset + X.shape[1], :].as_in_ctx(X.ctx))
