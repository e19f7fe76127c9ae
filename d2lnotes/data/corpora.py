"""Raw-text readers for the language-model corpora: *The Time Machine* and Penn Treebank, read through the hub.

Source: d2l, "Text Preprocessing" (Sec. 8.2) and "Language Models and the Dataset" (Sec. 8.3); Mikolov's
preprocessed Penn Treebank. Taught in book/07_rnn/01_text_sequences.ipynb.
"""
from __future__ import annotations

import re

from .hub import extracted_dir, fetch

PTB_SPLITS = ("train", "valid", "test")


def read_time_machine() -> list[str]:
    """The lines of H. G. Wells' *The Time Machine*, lower-cased, with every non-letter run replaced by a space."""
    with open(fetch("time-machine").path, encoding="utf-8") as f:
        lines = f.readlines()
    return [re.sub("[^A-Za-z]+", " ", line).strip().lower() for line in lines]


def read_ptb(split: str = "train") -> list[list[str]]:
    """Penn Treebank (Mikolov's preprocessing) as a list of sentences, each a list of word tokens.

    Args:
        split: ``"train"``, ``"valid"`` or ``"test"``.

    Raises:
        ValueError: unknown split.
    """
    if split not in PTB_SPLITS:
        raise ValueError(f"unknown PTB split {split!r}: use train, valid or test")
    root = extracted_dir(fetch("ptb"))
    with open(root / "ptb" / f"ptb.{split}.txt", encoding="utf-8") as f:
        return [line.split() for line in f]
