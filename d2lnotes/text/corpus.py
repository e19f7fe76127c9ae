"""Corpora for language models, read through the data hub.

Source: d2l, "Text Preprocessing" (Sec. 8.2) and "Language Models and the Dataset" (Sec. 8.3).
Taught in book/07_rnn/01_text_sequences.ipynb.
"""
from __future__ import annotations

import re

from ..data import extracted_dir, fetch
from .vocab import Vocab, tokenize


def read_time_machine() -> list[str]:
    """The lines of H. G. Wells' *The Time Machine*, lower-cased, with every non-letter run replaced by a space."""
    with open(fetch("time-machine").path, encoding="utf-8") as f:
        lines = f.readlines()
    return [re.sub("[^A-Za-z]+", " ", line).strip().lower() for line in lines]


def load_corpus_time_machine(token: str = "char", max_tokens: int | None = None) -> tuple[list[int], Vocab]:
    """The Time Machine as one list of token indices, and its vocabulary.

    Args:
        token: ``"char"`` (each letter and the space is a token) or ``"word"``.
        max_tokens: keep only the first ``max_tokens`` tokens (None: all of them).
    """
    tokens = tokenize(read_time_machine(), token)
    vocab = Vocab(tokens)
    joiner = [" "] if token == "char" else []
    flat = [t for line in tokens if line for t in line + joiner]  # keep a separator between lines
    corpus = [vocab[t] for t in flat]
    return (corpus if max_tokens is None else corpus[:max_tokens]), vocab


def split_corpus(corpus: list[int], valid_fraction: float = 0.1) -> tuple[list[int], list[int]]:
    """Split a token sequence into a leading training part and a trailing validation part (no overlap).

    Raises:
        ValueError: ``valid_fraction`` not in (0, 1).
    """
    if not 0 < valid_fraction < 1:
        raise ValueError(f"valid_fraction must be in (0, 1), got {valid_fraction}")
    cut = int(len(corpus) * (1 - valid_fraction))
    return corpus[:cut], corpus[cut:]


def read_ptb(split: str = "train") -> list[list[str]]:
    """Penn Treebank (Mikolov's preprocessing) as a list of sentences, each a list of word tokens.

    Args:
        split: ``"train"``, ``"valid"`` or ``"test"``.

    Raises:
        ValueError: unknown split.
    """
    if split not in ("train", "valid", "test"):
        raise ValueError(f"unknown PTB split {split!r}: use train, valid or test")
    root = extracted_dir(fetch("ptb"))
    with open(root / "ptb" / f"ptb.{split}.txt", encoding="utf-8") as f:
        return [line.split() for line in f]
