"""Self-checked exercises of chapter 8, word embeddings (book/08_embeddings/).

Keys are ``"<notebook stem>.<exercise number>"``; the solutions compute their answers from the book's data, so
nothing here is printed in a notebook.
"""
from __future__ import annotations

import functools

import numpy as onp

from . import Exercise, register


@functools.lru_cache(maxsize=1)
def _ptb_counts():
    """Counts of the PTB training vocabulary (``min_freq=10``) over all tokens, and the vocabulary."""
    from ..data.corpora import read_ptb
    from ..text.embedding import token_counts
    from ..text.vocab import Vocab

    sentences = read_ptb("train")
    vocab = Vocab(sentences, min_freq=10)
    return token_counts([vocab[s] for s in sentences], len(vocab)), vocab


# ------------------------------------------------------------------------------------ 01_word2vec_skipgram

def _keep_the() -> float:
    counts, vocab = _ptb_counts()
    return float(onp.sqrt(1e-4 / (counts[vocab["the"]] / counts.sum())))


def _noise_the(power: float = 0.75) -> float:
    counts, vocab = _ptb_counts()
    c = counts.astype(float)
    c[vocab.unk] = 0
    w = c ** power
    return float(w[vocab["the"]] / w.sum())


# ------------------------------------------------------------------------------ 02_cbow_hierarchical_softmax

def _expected_code_length() -> float:
    from ..text.huffman import HuffmanTree

    counts, vocab = _ptb_counts()
    c = counts.astype(float)
    c[vocab.unk] = 0
    return HuffmanTree(c[1:]).expected_code_length(c[1:])


def _sum_of_two_children(x) -> float:
    return float(1 / (1 + onp.exp(-x)) + 1 / (1 + onp.exp(x)))


# --------------------------------------------------------------------------------------------- 03_fasttext

def _fnv1a(text: str) -> int:
    from ..text.subwords import fnv1a_hash

    return fnv1a_hash(text)


def _fnv1(text: str) -> int:  # the typical slip: multiply first, then XOR (FNV-1, not FNV-1a)
    h = 2166136261
    for b in text.encode("utf-8"):
        h = ((h * 16777619) & 0xFFFFFFFF) ^ ((b - 256 if b > 127 else b) & 0xFFFFFFFF)
    return h


def _bucket_of(gram: str = "<wh", num_buckets: int = 2_000_000) -> int:
    from ..text.subwords import fnv1a_hash

    return fnv1a_hash(gram) % num_buckets


# ------------------------------------------------------------------------------------------------ 04_glove

def _glove_loss_term(w_i, w_j, b_i, b_j, x):
    from ..text.cooccurrence import glove_weight

    w_i, w_j = onp.asarray(w_i, float), onp.asarray(w_j, float)
    return float(glove_weight(float(x)) * (w_i @ w_j + b_i + b_j - onp.log(x)) ** 2)


def _glove_loss_on_x(w_i, w_j, b_i, b_j, x):  # the notes' slip: fit x itself
    from ..text.cooccurrence import glove_weight

    w_i, w_j = onp.asarray(w_i, float), onp.asarray(w_j, float)
    return float(glove_weight(float(x)) * (w_i @ w_j + b_i + b_j - x) ** 2)


def _glove_inputs():
    rng = onp.random.default_rng(8)
    return [(rng.normal(size=5), rng.normal(size=5), 0.3, -0.2, x) for x in (0.5, 3.0, 250.0)]


register(
    Exercise("01_word2vec_skipgram.1", "Keep probability of 'the' on the whole PTB training split, t = 1e-4.",
             solution=_keep_the, wrong=0.9582,  # the drop probability, 1 - sqrt(t / f)
             hint="f is the count of 'the' divided by all tokens (with <unk>); the keep probability is sqrt(t / f)."),
    Exercise("01_word2vec_skipgram.2", "Probability of drawing 'the' as a noise word (power 3/4) on PTB.",
             solution=_noise_the, wrong=0.0619,  # the unigram frequency (power 1)
             hint="Raise every count to the power 0.75 before normalising; <unk> gets weight 0."),
    Exercise("02_cbow_hierarchical_softmax.1", "Expected Huffman code length on PTB (words weighted by count).",
             solution=_expected_code_length, wrong=13.29,  # log2 |V|: a balanced tree
             hint="Build the tree from the counts without <unk> and average the code lengths weighted by count."),
    Exercise("02_cbow_hierarchical_softmax.2", "sigmoid(x) + sigmoid(-x) for x = 2.7.",
             solution=lambda: _sum_of_two_children(2.7), wrong=1.87,  # 2 sigmoid(x): a sign dropped
             hint="The two children of an inner node share the probability of the node."),
    Exercise("03_fasttext.1", "fastText's 32-bit FNV-1a hash of a string's UTF-8 bytes (bytes as signed chars).",
             solution=_fnv1a, kind="function", inputs=lambda: [("<wh",), ("where>",), ("naïve",), ("",)],
             wrong=_fnv1, hint="FNV-1a XORs the byte in first and multiplies by 16777619 after, modulo 2**32; "
                               "a byte above 127 is XORed as a negative number (sign-extended to 32 bits)."),
    Exercise("03_fasttext.2", "The bucket of the n-gram '<wh' with 2,000,000 buckets (FNV-1a).",
             solution=_bucket_of, wrong=_bucket_of("wh"),
             hint="Hash the bytes of '<wh' with FNV-1a: xor each byte, then multiply by 16777619, modulo 2**32."),
    Exercise("04_glove.1", "One term of GloVe's loss: h(x) (w_i . w_j + b_i + b_j - log x)^2.",
             solution=_glove_loss_term, kind="function", inputs=_glove_inputs, wrong=_glove_loss_on_x,
             hint="The model fits the logarithm of the co-occurrence count, and h(x) = min(1, (x / 100) ** 0.75)."),
    Exercise("04_glove.2", "The weight h(x) of a pair seen 25 times (x_max = 100, alpha = 3/4).",
             solution=lambda: float(0.25 ** 0.75), wrong=0.25,
             hint="h(x) = (x / x_max) ** alpha below x_max."),
)
