"""Attention (d2lnotes.text.attention): masked softmax against a loop, padding, heads, positional encoding."""
import math

import mxnet as mx
import numpy as onp
import pytest
from mxnet import np

from d2lnotes.text.attention import (AdditiveAttention, DotProductAttention, MultiHeadAttention, masked_softmax,
                                     merge_heads, positional_encoding, split_heads)


def _loop_masked_softmax(X, lens):
    X, out = X.asnumpy().astype(onp.float64), onp.zeros(X.shape)
    for i in range(X.shape[0]):
        for j in range(X.shape[1]):
            n = int(lens[i] if lens.ndim == 1 else lens[i, j])
            if n:
                e = onp.exp(X[i, j, :n] - X[i, j, :n].max())
                out[i, j, :n] = e / e.sum()
    return out


@pytest.mark.parametrize("lens", [onp.array([2, 4, 0]), onp.array([[1, 2], [3, 4], [0, 4]])])
def test_masked_softmax_equals_a_loop_and_handles_empty_rows(lens):
    X = np.random.normal(size=(3, 2, 4)) * 3
    W = masked_softmax(X, np.array(lens))
    onp.testing.assert_allclose(W.asnumpy(), _loop_masked_softmax(X, lens), atol=1e-6)
    assert onp.isfinite(W.asnumpy()).all()
    sums = W.sum(axis=-1).asnumpy()
    lens2 = lens if lens.ndim == 2 else onp.repeat(lens[:, None], 2, axis=1)
    onp.testing.assert_allclose(sums, (lens2 > 0).astype(float), atol=1e-6)  # 1 over valid keys, 0 if none


def test_masked_softmax_errors_and_no_mask():
    X = np.random.normal(size=(2, 3, 4))
    onp.testing.assert_allclose(masked_softmax(X).asnumpy(), _loop_masked_softmax(X, onp.full(2, 4)), atol=1e-6)
    with pytest.raises(ValueError, match="valid_lens"):
        masked_softmax(X, np.array([1, 2, 3]))
    with pytest.raises(ValueError, match="batch, queries, keys"):
        masked_softmax(X[0], np.array([1]))


def test_padding_keys_get_zero_weight_and_do_not_change_the_output():
    mx.random.seed(0)
    for attention in (AdditiveAttention(8), DotProductAttention()):
        attention.initialize()
        Q, K, V = np.random.normal(size=(2, 3, 6)), np.random.normal(size=(2, 5, 6)), np.random.normal(size=(2, 5, 4))
        lens = np.array([2, 5])
        out = attention(Q, K, V, lens)
        assert out.shape == (2, 3, 4)
        W = attention.attention_weights.asnumpy()
        assert (W[0, :, 2:] == 0).all()
        onp.testing.assert_allclose(W.sum(-1), 1, atol=1e-6)
        K2, V2 = K.copy(), V.copy()
        K2[0, 2:], V2[0, 2:] = 100.0, -100.0  # whatever stands on padded positions
        onp.testing.assert_allclose(attention(Q, K2, V2, lens).asnumpy(), out.asnumpy(), atol=1e-5)


def test_scaled_dot_product_by_hand():
    attention = DotProductAttention()
    Q, K, V = np.random.normal(size=(1, 2, 4)), np.random.normal(size=(1, 3, 4)), np.random.normal(size=(1, 3, 2))
    attention(Q, K, V)
    scores = Q.asnumpy()[0] @ K.asnumpy()[0].T / math.sqrt(4)
    expected = onp.exp(scores) / onp.exp(scores).sum(-1, keepdims=True)
    onp.testing.assert_allclose(attention.attention_weights.asnumpy()[0], expected, rtol=1e-5)


def test_heads_round_trip_and_multi_head_shape():
    X = np.random.normal(size=(2, 3, 8))
    onp.testing.assert_array_equal(merge_heads(split_heads(X, 4), 4).asnumpy(), X.asnumpy())
    onp.testing.assert_array_equal(split_heads(X, 4)[1].asnumpy(), X.asnumpy()[0, :, 2:4])  # batch 0, head 1
    mha = MultiHeadAttention(8, 4)
    mha.initialize()
    assert mha(X, X, X, np.array([3, 2])).shape == (2, 3, 8)
    assert (mha.attention.attention_weights.asnumpy()[4:, :, 2] == 0).all()  # batch 1's 4 heads, key 2 padded
    with pytest.raises(ValueError, match="divisible"):
        MultiHeadAttention(10, 4)


def test_positional_encoding_values():
    P = positional_encoding(50, 8).asnumpy()
    i, j = 7, 2
    assert P[i, 2 * j] == pytest.approx(math.sin(i / 10000 ** (2 * j / 8)), abs=1e-6)
    assert P[i, 2 * j + 1] == pytest.approx(math.cos(i / 10000 ** (2 * j / 8)), abs=1e-6)
    with pytest.raises(ValueError, match="even"):
        positional_encoding(5, 7)


def test_projected_keys_give_the_same_output_and_gradients():
    """A decoder projects its fixed keys once (``project_keys``) and passes them at every step: same numbers."""
    from mxnet import autograd
    mx.random.seed(0)
    attention = AdditiveAttention(8)
    attention.initialize()
    Q, K = np.random.normal(size=(2, 1, 6)), np.random.normal(size=(2, 5, 6))
    lens = np.array([3, 5])
    grads = []
    for projected in (False, True):
        with autograd.record():
            out = attention(Q, K, K, lens, attention.project_keys(K) if projected else None)
        out.backward()
        grads.append((out.asnumpy(), attention.W_k.weight.grad().asnumpy().copy()))
    onp.testing.assert_allclose(grads[1][0], grads[0][0], rtol=1e-6, atol=1e-7)
    onp.testing.assert_allclose(grads[1][1], grads[0][1], rtol=1e-5, atol=1e-7)
