"""MR, the movie-review sentence polarity dataset v1.0 (Pang & Lee 2005): 5,331 positive and 5,331 negative
snippets, one lower-cased, tokenised sentence per line, latin-1 encoded.

Source: Pang & Lee, "Seeing stars", ACL 2005; the benchmark of Kim, "Convolutional Neural Networks for Sentence
Classification", EMNLP 2014 (10-fold cross-validation). Taught in book/10_nlp_projects/01_sentiment_birnn.ipynb.
"""
from __future__ import annotations

from typing import Iterable

import numpy as np

from .hub import DataError, fetch

MR_COUNTS = {"pos": 5331, "neg": 5331}  # from the mirror's MANIFEST.md


def parse_mr(lines: Iterable[str], source: str = "<text>") -> list[list[str]]:
    """One sentence per line -> a list of token lists (split on whitespace; the file is tokenised already).

    Raises:
        DataError: an empty line (the message gives the line number).
    """
    sentences = []
    for lineno, line in enumerate(lines, start=1):
        tokens = line.split()
        if not tokens:
            raise DataError(f"{source}, line {lineno}: empty sentence")
        sentences.append(tokens)
    return sentences


def load_mr() -> tuple[list[list[str]], np.ndarray]:
    """The whole MR dataset: positive sentences first, then negative ones.

    Returns:
        ``(sentences, labels)``: 10,662 token lists and an ``(10662,)`` int64 array, 1 = positive, 0 = negative.

    Raises:
        DataError: a malformed line, or a file that does not hold the 5,331 sentences of the MANIFEST.
    """
    sentences, labels = [], []
    for key, label in (("pos", 1), ("neg", 0)):
        path = fetch("rt-polarity", key).path
        with open(path, encoding="latin-1") as f:
            part = parse_mr(f, source=path.name)
        if len(part) != MR_COUNTS[key]:
            raise DataError(f"{path.name}: {len(part)} sentences, expected {MR_COUNTS[key]}")
        sentences += part
        labels += [label] * len(part)
    return sentences, np.asarray(labels, np.int64)
