"""fastText's subwords: the character n-grams of ``<word>`` hashed into a fixed number of buckets.

A word ``w`` is represented by its own vector plus the vectors of its n-grams of length ``minn .. maxn`` taken
from ``"<" + w + ">"`` (the markers tell a prefix ``<wh`` from the same letters inside a word). The n-grams are
hashed with FNV-1a (32 bit) into ``num_buckets`` rows, so the table has a fixed size whatever the corpus, and a
word never seen in training still gets a vector from its n-grams.

Source: Bojanowski et al., "Enriching Word Vectors with Subword Information", TACL 2017; fastText's
``Dictionary::computeSubwords`` and ``hash`` (which XORs each byte as a *signed* char, as gensim's
``ft_hash_bytes`` does); d2l, "Subword Embedding" (Sec. 15.6). Taught in book/08_embeddings/03_fasttext.ipynb.
"""
from __future__ import annotations

from typing import Sequence

import numpy as onp

_FNV_OFFSET, _FNV_PRIME, _MASK = 2166136261, 16777619, 0xFFFFFFFF


def char_ngrams(word: str, minn: int = 3, maxn: int = 6) -> list[str]:
    """The n-grams of ``"<" + word + ">"`` of lengths ``minn .. maxn``, all of length ``minn`` first, as gensim's
    ``compute_ngrams`` lists them. The word itself is not an n-gram unless ``<word>`` is short enough (fastText
    keeps the word in its own row; see :func:`subwords`).

    Example: ``char_ngrams("where", 3, 3) == ["<wh", "whe", "her", "ere", "re>"]``.

    Raises:
        ValueError: ``minn < 1`` or ``maxn < minn``.
    """
    if minn < 1 or maxn < minn:
        raise ValueError(f"need 1 <= minn <= maxn, got minn={minn}, maxn={maxn}")
    marked = f"<{word}>"
    out = []
    for n in range(minn, maxn + 1):
        out += [marked[i:i + n] for i in range(len(marked) - n + 1)]
    return out


def subwords(word: str, minn: int = 3, maxn: int = 6) -> list[str]:
    """d2l's subword set of a word: its n-grams (:func:`char_ngrams`) plus the special sequence ``<word>`` itself,
    e.g. ``subwords("where", 3, 3) == ["<wh", "whe", "her", "ere", "re>", "<where>"]``."""
    grams = char_ngrams(word, minn, maxn)
    return grams if f"<{word}>" in grams else grams + [f"<{word}>"]


def fnv1a_hash(text: str) -> int:
    """fastText's 32-bit FNV-1a hash of ``text``'s UTF-8 bytes, each byte taken as a signed char (so non-ASCII
    letters hash as in fastText and gensim)."""
    h = _FNV_OFFSET
    for b in text.encode("utf-8"):
        h = ((h ^ ((b - 256 if b > 127 else b) & _MASK)) * _FNV_PRIME) & _MASK
    return h


def subword_rows(word: str, word_index: int | None, num_words: int, num_buckets: int, minn: int = 3,
                 maxn: int = 6) -> list[int]:
    """Rows of the input table that make up ``word``: its own row ``word_index`` (when it is in the vocabulary),
    then ``num_words + hash(g) % num_buckets`` for each n-gram ``g``. The table has ``num_words + num_buckets``
    rows."""
    rows = [] if word_index is None else [word_index]
    return rows + [num_words + fnv1a_hash(g) % num_buckets for g in char_ngrams(word, minn, maxn)]


def subword_table(words: Sequence[str], num_buckets: int, minn: int = 3, maxn: int = 6
                  ) -> tuple[onp.ndarray, onp.ndarray]:
    """The rows of every vocabulary word, padded: ``(rows, mask)`` of shape ``(len(words), max_rows)``, int64 and
    float32 (1 on real rows). Word ``i``'s own row is ``i``.

    Raises:
        ValueError: ``num_buckets < 1``.
    """
    if num_buckets < 1:
        raise ValueError(f"num_buckets must be positive, got {num_buckets}")
    lists = [subword_rows(w, i, len(words), num_buckets, minn, maxn) for i, w in enumerate(words)]
    width = max(len(r) for r in lists)
    rows = onp.zeros((len(words), width), onp.int64)
    mask = onp.zeros((len(words), width), onp.float32)
    for i, r in enumerate(lists):
        rows[i, :len(r)], mask[i, :len(r)] = r, 1
    return rows, mask
