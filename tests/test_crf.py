"""The CRF: log-partition = log-sum-exp over all K**T paths, Viterbi = argmax over all paths, the path score by
hand, the loss's gradient, and the tagger's shapes."""
import itertools

import mxnet as mx
import numpy as onp
import pytest
from mxnet import autograd, np

from d2lnotes.text.classify import PAD
from d2lnotes.text.crf import CRF, BiLSTMTagger, crf_log_partition, crf_path_score, viterbi


def _brute_force(E, A, s, e):
    paths = list(itertools.product(range(E.shape[1]), repeat=len(E)))
    scores = onp.array([s[p[0]] + sum(E[t, p[t]] for t in range(len(p)))
                        + sum(A[p[t - 1], p[t]] for t in range(1, len(p))) + e[p[-1]] for p in paths])
    return paths, scores


@pytest.fixture
def problem():
    rng = onp.random.default_rng(0)
    K, T, lengths = 3, 5, [5, 3, 1]
    E = rng.normal(size=(len(lengths), T, K)) * 2
    mask = (onp.arange(T)[None, :] < onp.array(lengths)[:, None]).astype(float)
    return E, mask, lengths, rng.normal(size=(K, K)), rng.normal(size=K), rng.normal(size=K)


def test_log_partition_and_viterbi_equal_brute_force(problem):
    E, mask, lengths, A, s, e = problem
    log_z = crf_log_partition(*(np.array(a, dtype="float64") for a in (E, mask, A, s, e))).asnumpy()
    for b, n in enumerate(lengths):
        paths, scores = _brute_force(E[b, :n], A, s, e)
        m = scores.max()
        assert log_z[b] == pytest.approx(m + onp.log(onp.exp(scores - m).sum()), abs=1e-10)
        path, score = viterbi(E[b, :n], A, s, e)
        assert tuple(path) == paths[scores.argmax()] and score == pytest.approx(scores.max(), abs=1e-10)
        tags = onp.zeros(E.shape[:2], int)
        tags[b, :n] = path
        got = crf_path_score(*(np.array(a, dtype="float64") for a in (E, tags, mask, A, s, e))).asnumpy()[b]
        assert got == pytest.approx(score, abs=1e-10)


def test_nll_is_positive_and_its_gradient_matches_finite_differences(problem):
    E, mask, lengths, A, s, e = problem
    crf = CRF(3)
    crf.initialize(ctx=mx.cpu())
    crf.cast("float64")
    crf.transitions.set_data(np.array(A, dtype="float64"))
    tags = np.array(onp.zeros(E.shape[:2], int))
    E_mx, mask_mx = np.array(E, dtype="float64"), np.array(mask, dtype="float64")
    E_mx.attach_grad()
    with autograd.record():
        nll = crf.neg_log_likelihood(E_mx, tags, mask_mx)
        total = nll.sum()
    total.backward()
    assert (nll.asnumpy() > 0).all()
    eps, (b, t, k) = 1e-6, (0, 2, 1)
    E2 = E.copy()
    E2[b, t, k] += eps
    nll2 = crf.neg_log_likelihood(np.array(E2, dtype="float64"), tags, mask_mx)
    assert float(E_mx.grad[b, t, k]) == pytest.approx(float((nll2 - nll).sum()) / eps, abs=1e-5)
    assert float(onp.abs(E_mx.grad.asnumpy()[2, 1:]).max()) == 0  # padding gets no gradient


def test_tagger_shapes_and_decoding_lengths():
    net = BiLSTMTagger(vocab_size=20, embed_size=8, num_hiddens=6, num_tags=3)
    net.initialize(ctx=mx.cpu())
    X = np.array([[5, 6, 7, 8], [9, 10, PAD, PAD]], dtype="int32")
    assert net.emissions(X).shape == (2, 4, 3)
    assert net.loss(X, np.zeros((2, 4))).shape == (2,)
    assert [len(p) for p in net.predict(X)] == [4, 2]
    softmax = BiLSTMTagger(vocab_size=20, embed_size=8, num_hiddens=6, num_tags=3, use_crf=False)
    softmax.initialize(ctx=mx.cpu())
    assert softmax.loss(X, np.zeros((2, 4))).shape == (2,)
    assert [len(p) for p in softmax.predict(X)] == [4, 2]
