"""Self-checked exercises of chapter 9, sequence to sequence (book/09_seq2seq/).

Keys are ``"<notebook stem>.<exercise number>"``; the solutions compute their answers (from the book's data where
the exercise is about it), so nothing here is printed in a notebook.
"""
from __future__ import annotations

import math

import numpy as onp

from . import Exercise, register


# ------------------------------------------------------------------------------------- 01_translation_data

def _distinct_english() -> int:
    from ..data.translation import normalize, read_pairs

    return len({normalize(s) for s, _ in read_pairs("fra-eng")})


def _truncate_pad(line, num_steps, padding_token):
    return list(line[:num_steps]) + [padding_token] * max(0, num_steps - len(line))


def _pad_without_truncation(line, num_steps, padding_token):
    return list(line) + [padding_token] * max(0, num_steps - len(line))


def _pad_inputs():
    return [([5, 6, 7], 5, 1), ([5, 6, 7, 8, 9, 10, 11], 4, 1), ([], 3, 0), ([2, 3], 2, 1)]


# ------------------------------------------------------------------------------------- 02_encoder_decoder

def _decoder_input(Y, bos):
    Y = onp.asarray(Y)
    return onp.concatenate([onp.full((Y.shape[0], 1), bos, dtype=Y.dtype), Y[:, :-1]], axis=1)


def _decoder_input_shifted_left(Y, bos):  # a typical slip: the decoder reads the token after the one it predicts
    Y = onp.asarray(Y)
    return onp.concatenate([Y[:, 1:], onp.full((Y.shape[0], 1), bos, dtype=Y.dtype)], axis=1)


def _decoder_inputs():
    rng = onp.random.default_rng(2)
    return [(onp.array([[5, 6, 3, 1]]), 2), (rng.integers(4, 30, size=(3, 6)), 2)]


# ------------------------------------------------------------------------------------------------ 03_bleu

def _bleu_cat() -> float:
    from ..text.bleu import corpus_bleu

    return corpus_bleu(["the cat is on the mat".split()], ["the cat sat on the mat".split()], smooth="none")


def _brevity_penalty(c, r):
    return 1.0 if c >= r else (math.exp(1 - r / c) if c > 0 else 0.0)


def _brevity_penalty_inverted(c, r):
    return 1.0 if c >= r else math.exp(1 - c / r)


def _bp_inputs():
    return [(5, 7), (7, 5), (1, 10), (10, 10)]


# ----------------------------------------------------------------------------------------- 04_beam_search

def _num_candidates(vocab_size=10, max_len=5) -> int:
    others = vocab_size - 1
    return sum(others ** (length - 1) for length in range(1, max_len + 1)) + others ** max_len


def _score(log_prob, length, alpha):
    return log_prob / length ** alpha


def _score_times(log_prob, length, alpha):
    return log_prob * length ** alpha


def _score_inputs():
    return [(-3.2, 4, 0.75), (-10.0, 9, 0.75), (-1.5, 2, 0.0), (-7.0, 6, 1.0)]


# -------------------------------------------------------------------------------------------- 05_attention

def _masked_softmax(X, valid_lens):
    X, out = onp.asarray(X, dtype=float), onp.zeros(onp.shape(X))
    for i in range(X.shape[0]):
        n = int(valid_lens[i])
        if n:
            e = onp.exp(X[i, ..., :n] - X[i, ..., :n].max(axis=-1, keepdims=True))
            out[i, ..., :n] = e / e.sum(axis=-1, keepdims=True)
    return out


def _plain_softmax(X, valid_lens):
    X = onp.asarray(X, dtype=float)
    e = onp.exp(X - X.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def _softmax_inputs():
    rng = onp.random.default_rng(5)
    return [(rng.normal(size=(2, 3, 4)), onp.array([2, 4])), (rng.normal(size=(3, 1, 5)), onp.array([1, 5, 3]))]


# ----------------------------------------------------------------------------------------- 06_transformer

def _pe_value() -> float:
    return math.cos(3 / 10000 ** (4 / 8))  # P[3, 5] with d = 8: column 5 = 2j + 1 with j = 2


register(
    Exercise("01_translation_data.1", "Distinct normalised English sentences in the whole fra-eng file.",
             solution=_distinct_english, wrong=167130, rtol=0, atol=0.5,
             hint="Normalise every English side with d2lnotes.data.translation.normalize and count the set."),
    Exercise("01_translation_data.2", "truncate_pad(line, num_steps, padding_token).",
             solution=_truncate_pad, wrong=_pad_without_truncation, kind="function", inputs=_pad_inputs,
             hint="A long line must be cut to num_steps items; a short one padded up to num_steps."),
    Exercise("02_encoder_decoder.1", "The decoder input under teacher forcing for targets Y (NumPy, (b, T)).",
             solution=_decoder_input, wrong=_decoder_input_shifted_left, kind="function", inputs=_decoder_inputs,
             hint="At step t the decoder reads the reference token of step t - 1; at step 0 it reads <bos>. The "
                  "output has the shape of Y."),
    Exercise("02_encoder_decoder.2", "Loss per token (nats) of a model that predicts uniformly over 3,000 tokens.",
             solution=lambda: math.log(3000), wrong=3000.0,
             hint="Cross-entropy of one token is -log of the probability given to the right token."),
    Exercise("03_bleu.1", "Corpus BLEU (0-100, no smoothing) of 'the cat is on the mat' vs 'the cat sat on the mat'.",
             solution=_bleu_cat, wrong=100 * 5 / 6,
             hint="Count the matching 1- to 4-grams (clipped), divide by the hypothesis' n-grams, take the "
                  "geometric mean of the four precisions and the brevity penalty."),
    Exercise("03_bleu.2", "The brevity penalty for hypothesis length c and reference length r.",
             solution=_brevity_penalty, wrong=_brevity_penalty_inverted, kind="function", inputs=_bp_inputs,
             hint="Only a hypothesis shorter than its reference is penalised, and a shorter one more."),
    Exercise("04_beam_search.1", "Sequences exhaustive search scores with 10 tokens (<eos> included), max_len=5.",
             solution=_num_candidates, wrong=10 ** 5, rtol=0, atol=0.5,
             hint="Count the sequences that end at their first <eos> for each length, plus those of max_len tokens "
                  "without <eos>; <eos> cannot appear before the end."),
    Exercise("04_beam_search.2", "The length-normalised score of a hypothesis.",
             solution=_score, wrong=_score_times, kind="function", inputs=_score_inputs,
             hint="Log-probabilities are negative; the penalty must make long hypotheses less penalised."),
    Exercise("05_attention.1", "Masked softmax in NumPy: X (b, q, k), valid_lens (b,).",
             solution=_masked_softmax, wrong=_plain_softmax, kind="function", inputs=_softmax_inputs, rtol=1e-6,
             hint="Positions at or beyond a row's valid length get weight exactly 0; the rest sum to 1."),
    Exercise("05_attention.2", "Parameters of AdditiveAttention(num_hiddens=16) with queries of size 32, keys of 24.",
             solution=lambda: 16 * 32 + 16 * 24 + 16, wrong=16 * 32 + 16 * 24,
             hint="Count the weights of W_q, W_k and w_v; none of them has a bias."),
    Exercise("06_transformer.1", "The positional encoding P[3, 5] for num_hiddens=8.",
             solution=_pe_value, wrong=math.sin(3 / 10000 ** (4 / 8)),
             hint="Odd columns use the cosine; column 2j+1 shares its frequency with column 2j."),
    Exercise("06_transformer.2", "Parameters of MultiHeadAttention(32 hiddens, 4 heads, no bias) on inputs of size 32.",
             solution=lambda: 4 * 32 * 32, wrong=4 * 32 * 8,
             hint="The four projections W_q, W_k, W_v, W_o each map all 32 features to all 32; the heads split "
                  "the output, they do not shrink the matrices."),
)
