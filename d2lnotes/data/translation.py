"""Bilingual sentence pairs (Tatoeba, via manythings.org/anki): reading, normalisation, tokenisation, splits.

Readers return raw or tokenised text; vocabularies, arrays and minibatches are built in
:mod:`d2lnotes.text.seq2seq`. Datasets: ``"fra-eng"`` (English–French, 167,130 pairs, the d2l corpus) and
``"cmn-eng"`` (English–Mandarin, 21,116 pairs), both registered in :mod:`d2lnotes.data.registry`.

Source: d2l, "Machine Translation and the Dataset" (Sec. 9.5 of the MXNet edition: ``read_data_nmt``,
``preprocess_nmt``, ``tokenize_nmt``); the split by source sentence and the character tokens for Chinese are ours.
Taught in book/09_seq2seq/01_translation_data.ipynb.
"""
from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from .hub import extracted_dir, fetch
from .sampling import holdout_split

#: file of each pair inside its extracted folder, and how its target side is tokenised
PAIRS = {"fra-eng": ("fra-eng/fra.txt", "word"), "cmn-eng": ("cmn.txt", "char")}


def read_pairs_file(path: str | Path) -> list[tuple[str, str]]:
    """The ``(English, other language)`` pairs of a tab-separated file, one pair per line, UTF-8.

    Raises:
        ValueError: a line without exactly two tab-separated fields (or with an empty field), named with the
            file and its line number (counted from 1).
    """
    pairs = []
    with open(path, encoding="utf-8") as f:
        for lineno, line in enumerate(f, start=1):
            line = line.rstrip("\n").rstrip("\r")
            if not line:
                continue
            fields = line.split("\t")
            if len(fields) != 2 or not fields[0].strip() or not fields[1].strip():
                raise ValueError(f"{path}:{lineno}: expected 'English<TAB>translation', got {len(fields)} "
                                 f"field(s): {line[:60]!r}")
            pairs.append((fields[0], fields[1]))
    return pairs


def read_pairs(name: str = "fra-eng") -> list[tuple[str, str]]:
    """The raw sentence pairs of a registered translation dataset, ``"fra-eng"`` or ``"cmn-eng"``, in file order
    (which is roughly by increasing length).

    Raises:
        ValueError: unknown ``name``, or a malformed line (see :func:`read_pairs_file`).
    """
    if name not in PAIRS:
        raise ValueError(f"unknown translation dataset {name!r}: use one of {sorted(PAIRS)}")
    return read_pairs_file(extracted_dir(fetch(name)) / PAIRS[name][0])


def target_token(name: str) -> str:
    """How the target side of dataset ``name`` is tokenised: ``"word"`` (French) or ``"char"`` (Chinese)."""
    if name not in PAIRS:
        raise ValueError(f"unknown translation dataset {name!r}: use one of {sorted(PAIRS)}")
    return PAIRS[name][1]


def normalize(text: str, token: str = "word") -> str:
    """Normalise one sentence: non-breaking and narrow spaces become spaces, letters are lower-cased; for word
    tokens a space is inserted before ``, . ! ?`` (so punctuation becomes a token), for character tokens all
    whitespace is removed.

    Source: d2l ``preprocess_nmt`` (Sec. 9.5), which does the word case.
    """
    text = text.replace("\u202f", " ").replace("\xa0", " ").replace("\u200b", "").lower()
    if token == "char":
        return re.sub(r"\s+", "", text)
    text = re.sub(r"(?<=\S)([,.!?])", r" \1", text)
    return " ".join(text.split())


def tokenize_sentence(text: str, token: str = "word") -> list[str]:
    """Tokens of one sentence: :func:`normalize`, then split on spaces (``"word"``) or into characters (``"char"``).

    Raises:
        ValueError: ``token`` is neither ``"word"`` nor ``"char"``.
    """
    if token not in ("word", "char"):
        raise ValueError(f"unknown token type {token!r}: use 'word' or 'char'")
    text = normalize(text, token)
    return list(text) if token == "char" else text.split()


def tokenize_pairs(pairs, tgt_token: str = "word") -> tuple[list[list[str]], list[list[str]]]:
    """``(source, target)`` token lists of every pair: English by words, the target by ``tgt_token``."""
    return ([tokenize_sentence(s, "word") for s, _ in pairs], [tokenize_sentence(t, tgt_token) for _, t in pairs])


def split_pairs(sources, n_valid: int, n_test: int, seed: int = 0):
    """Indices ``(train, valid, test)`` of a seeded random split **by source sentence**: all pairs sharing the same
    source (Tatoeba often has several translations of one English sentence) fall in the same split, so no test
    source was seen in training. ``n_valid`` and ``n_test`` count distinct source sentences.

    Args:
        sources: one hashable source per pair (e.g. the normalised English sentence or its token tuple).

    Returns:
        three int64 index arrays into ``sources``, each in increasing order, disjoint, covering every pair.

    Raises:
        ValueError: ``n_valid + n_test`` not smaller than the number of distinct sources, or not positive.
    """
    keys = [tuple(s) if isinstance(s, list) else s for s in sources]
    unique = list(dict.fromkeys(keys))
    if n_valid < 1 or n_test < 1 or n_valid + n_test >= len(unique):
        raise ValueError(f"cannot hold out {n_valid} + {n_test} of {len(unique)} distinct source sentences")
    group = {key: g for g, key in enumerate(unique)}
    groups = np.array([group[k] for k in keys])
    one_class = np.zeros(len(unique), dtype=np.int64)  # no strata: a plain seeded random holdout
    rest, test = holdout_split(one_class, n_test, seed)
    keep, valid = holdout_split(one_class[rest], n_valid, seed + 1)
    valid = rest[valid]
    membership = np.zeros(len(unique), dtype=np.int64)
    membership[valid], membership[test] = 1, 2
    split_of = membership[groups]
    return tuple(np.flatnonzero(split_of == s) for s in range(3))
