"""STS Benchmark (Cer et al. 2017): sentence pairs with a similarity score from 0 (unrelated) to 5 (equivalent).

The files are tab-separated with the columns genre, file, year, id, score, sentence1, sentence2 (and, on some
rows, extra source columns). They contain quote characters that are not CSV quoting, so lines are split on
``'\\t'``, never with a CSV parser. Taught in book/10_nlp_projects/03_sts_siamese.ipynb.
"""
from __future__ import annotations

from typing import Iterable

import numpy as np

from .hub import DataError, fetch

STS_COUNTS = {"train": 5749, "dev": 1500, "test": 1379}  # from the mirror's MANIFEST.md


def parse_sts(lines: Iterable[str], source: str = "<text>") -> tuple[list[str], list[str], np.ndarray]:
    """Parse STS Benchmark lines.

    Returns:
        ``(sentences1, sentences2, scores)``: two lists of raw sentences and a float32 ``(n,)`` array in [0, 5].

    Raises:
        DataError: a line with fewer than 7 tab-separated fields, a score that is not a number or lies outside
            [0, 5], or an empty sentence (the message gives the line number).
    """
    first, second, scores = [], [], []
    for lineno, line in enumerate(lines, start=1):
        fields = line.rstrip("\n").split("\t")
        if len(fields) < 7:
            raise DataError(f"{source}, line {lineno}: {len(fields)} tab-separated fields, expected at least 7")
        try:
            score = float(fields[4])
        except ValueError:
            raise DataError(f"{source}, line {lineno}: score {fields[4]!r} is not a number") from None
        if not 0 <= score <= 5:
            raise DataError(f"{source}, line {lineno}: score {score} outside [0, 5]")
        if not fields[5].strip() or not fields[6].strip():
            raise DataError(f"{source}, line {lineno}: empty sentence")
        first.append(fields[5])
        second.append(fields[6])
        scores.append(score)
    return first, second, np.asarray(scores, np.float32)


def load_sts(split: str = "train") -> tuple[list[str], list[str], np.ndarray]:
    """One split of the STS Benchmark, as :func:`parse_sts` returns it.

    Args:
        split: ``"train"`` (5,749 pairs), ``"dev"`` (1,500) or ``"test"`` (1,379).

    Raises:
        ValueError: unknown split. DataError: a malformed line or a pair count other than the MANIFEST's.
    """
    if split not in STS_COUNTS:
        raise ValueError(f"unknown STS split {split!r}: use train, dev or test")
    path = fetch("sts-benchmark", split).path
    with open(path, encoding="utf-8") as f:
        parsed = parse_sts(f, source=path.name)
    if len(parsed[2]) != STS_COUNTS[split]:
        raise DataError(f"{path.name}: {len(parsed[2])} pairs, expected {STS_COUNTS[split]}")
    return parsed
