"""Self-checked exercises of chapter 10, text classification and the NLP projects (book/10_nlp_projects/).

Keys are ``"<notebook stem>.<exercise number>"``; the solutions compute their answers, so nothing here is printed
in a notebook.
"""
from __future__ import annotations

import numpy as onp

from . import Exercise, register


def _textcnn_conv_params(d: int = 300, widths=(3, 4, 5), channels: int = 100) -> int:
    return sum(channels * d * k + channels for k in widths)


def _pooled_candidates(T: int = 20, widths=(3, 4, 5), channels: int = 100) -> int:
    return sum(channels * (T - k + 1) for k in widths)


register(
    Exercise("02_textcnn.1", "parameters of Kim's three convolution banks with 300-d vectors",
             solution=_textcnn_conv_params, wrong=_textcnn_conv_params(d=50),
             hint="each filter of width k has k * d weights and one bias; there are 100 filters per width."),
    Exercise("02_textcnn.2", "values max-over-time pooling chooses from for a 20-token sentence",
             solution=_pooled_candidates, wrong=300,
             hint="a width-k filter has T - k + 1 windows; count every filter's windows."),
)


# ---------------------------------------------------------------------------------------- 05_bilstm_crf

def _log10_paths(T: int = 83, K: int = 3) -> float:
    return T * float(onp.log10(K))


def _brute_force_log_partition(E, A, s, e) -> float:
    """log Z by enumerating every tag sequence (the definition, not the forward algorithm)."""
    import itertools

    T, K = E.shape
    scores = [s[y[0]] + E[onp.arange(T), list(y)].sum() + sum(A[y[t - 1], y[t]] for t in range(1, T)) + e[y[-1]]
              for y in itertools.product(range(K), repeat=T)]
    m = max(scores)
    return float(m + onp.log(onp.exp(onp.asarray(scores) - m).sum()))


def _crf_inputs() -> list:
    rng = onp.random.default_rng(7)
    return [(rng.normal(size=(T, K)) * 2, rng.normal(size=(K, K)), rng.normal(size=K), rng.normal(size=K))
            for T, K in [(1, 3), (3, 3), (5, 2), (4, 4)]]


def _forgets_end(E, A, s, e) -> float:
    return _brute_force_log_partition(E, A, s, onp.zeros_like(e))


register(
    Exercise("05_bilstm_crf.1", "log10 of the number of tag sequences of an 83-token sentence with 3 tags",
             solution=_log10_paths, wrong=83 * 3,
             hint="there are K choices at each of the T positions, independently."),
    Exercise("05_bilstm_crf.2", "the forward algorithm: log Z of one sentence", solution=_brute_force_log_partition,
             kind="function", inputs=_crf_inputs, wrong=_forgets_end, rtol=1e-8, atol=1e-8,
             hint="start with alpha = s + E[0], add log-sum-exp over the previous tag at each step, and do not "
                  "forget the end scores."),
)


# ---------------------------------------------------------------------------------------- 03_sts_siamese

def _mean_score_mse() -> float:
    from ..data.sts import load_sts

    train, test = load_sts("train")[2], load_sts("test")[2]
    return float(((train.mean() - test.astype(onp.float64)) ** 2).mean())


register(
    Exercise("03_sts_siamese.1", "test MSE of predicting the mean training score", solution=_mean_score_mse,
             wrong=0.0, rtol=1e-3, hint="the mean of the training scores, then the squared error on every test pair."),
    Exercise("03_sts_siamese.2", "the STS score for h_a = (1, 0, 2), h_b = (0, 0.5, 1)",
             solution=lambda: 5 * float(onp.exp(-2.5)), wrong=float(onp.exp(-2.5)),
             hint="exp of minus the L1 distance is the similarity in (0, 1]; the model predicts 5 times that."),
)


# ---------------------------------------------------------------------------------------- 04_sts_improved

register(
    Exercise("04_sts_improved.1", "the SIF weight a / (a + p) for a = 1e-3, p = 0.05",
             solution=lambda: 1e-3 / (1e-3 + 0.05), wrong=0.05 / (1e-3 + 0.05),
             hint="the weight is a / (a + p(w)): small for frequent words."),
    Exercise("04_sts_improved.2", "the probability at which the SIF weight is 1/2 for a = 1e-3",
             solution=lambda: 1e-3, wrong=0.5, hint="solve a / (a + p) = 1/2 for p."),
)


# ---------------------------------------------------------------------------------------- 01_sentiment_birnn

def _bilstm_params(h: int = 100, d: int = 50) -> int:
    return 2 * (4 * h * d + 4 * h * h + 2 * 4 * h)


register(
    Exercise("01_sentiment_birnn.1", "parameters of MaskedBiLSTM(100) on 50-d inputs", solution=_bilstm_params,
             wrong=_bilstm_params() // 2,
             hint="per direction: four gate blocks, each with input weights, hidden weights and two biases."),
    Exercise("01_sentiment_birnn.5", "majority-class accuracy on a stratified MR fold", solution=lambda: 0.5,
             wrong=0.55, hint="both classes have 5,331 sentences and every fold keeps their proportion."),
)
