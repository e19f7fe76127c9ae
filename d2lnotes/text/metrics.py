"""Evaluation metrics of the NLP projects: correlation for semantic similarity, exact-span precision, recall and
F1 for sequence tagging (BIO tags).

Each is checked against the library the field uses: :func:`pearson` and :func:`spearman` equal
``scipy.stats.pearsonr``/``spearmanr``; :func:`bio_spans` and :func:`span_prf` equal ``seqeval``'s default
(CoNLL-2000 ``conlleval``) chunking and micro-averaged scores (tests/test_nlp_metrics.py).
Taught in book/10_nlp_projects/03_sts_siamese.ipynb (correlations) and book/10_nlp_projects/05_bilstm_crf.ipynb
(spans).
"""
from __future__ import annotations

from typing import Sequence

import numpy as np


def _as_pair(x, y) -> tuple[np.ndarray, np.ndarray]:
    x, y = np.asarray(x, np.float64).ravel(), np.asarray(y, np.float64).ravel()
    if x.shape != y.shape or len(x) < 2:
        raise ValueError(f"need two arrays of the same length >= 2, got {x.shape} and {y.shape}")
    return x, y


def pearson(x, y) -> float:
    """Pearson correlation coefficient ``cov(x, y) / (std(x) std(y))`` of two ``(n,)`` arrays.

    Raises:
        ValueError: different lengths, fewer than 2 values, or a constant array (the correlation is undefined).
    """
    x, y = _as_pair(x, y)
    dx, dy = x - x.mean(), y - y.mean()
    denom = np.sqrt((dx ** 2).sum() * (dy ** 2).sum())
    if denom == 0:
        raise ValueError("a constant array has no correlation")
    return float((dx * dy).sum() / denom)


def rankdata(x) -> np.ndarray:
    """Ranks 1..n of an ``(n,)`` array; tied values share the mean of their ranks (scipy's ``method='average'``)."""
    x = np.asarray(x, np.float64).ravel()
    order = np.argsort(x, kind="mergesort")
    ranks = np.empty(len(x))
    sorted_x = x[order]
    start = 0
    for end in range(1, len(x) + 1):
        if end == len(x) or sorted_x[end] != sorted_x[start]:
            ranks[order[start:end]] = (start + end + 1) / 2  # mean of ranks start+1 .. end
            start = end
    return ranks


def spearman(x, y) -> float:
    """Spearman rank correlation: the Pearson correlation of the ranks (ties get their mean rank).

    Raises:
        ValueError: as :func:`pearson`.
    """
    x, y = _as_pair(x, y)
    return pearson(rankdata(x), rankdata(y))


def bio_spans(tags: Sequence[str]) -> list[tuple[str, int, int]]:
    """The chunks of one BIO tag sequence as ``(type, start, end)`` with ``end`` exclusive.

    Follows ``conlleval`` (and seqeval's default mode): a chunk starts at ``B-X``, or at ``I-X`` after ``O`` or
    after a chunk of another type; it ends before ``O``, ``B-*`` or a tag of another type.
    Example: ``["B-ASP", "I-ASP", "O", "I-ASP"] -> [("ASP", 0, 2), ("ASP", 3, 4)]``.

    Raises:
        ValueError: a tag that is neither ``O`` nor ``B-X``/``I-X``.
    """
    spans, start, kind = [], None, None
    for i, tag in enumerate(list(tags) + ["O"]):
        if tag == "O":
            prefix, t = "O", None
        elif len(tag) > 2 and tag[1] == "-" and tag[0] in "BI":
            prefix, t = tag[0], tag[2:]
        else:
            raise ValueError(f"tag {i}: {tag!r} is not O, B-X or I-X")
        if start is not None and (prefix in ("O", "B") or t != kind):
            spans.append((kind, start, i))
            start = None
        if prefix in ("B", "I") and start is None:
            start, kind = i, t
    return spans


def spans_to_bio(spans: Sequence[tuple[str, int, int]], length: int) -> list[str]:
    """The inverse of :func:`bio_spans` for well-formed tags: ``B-X`` on a span's first token, ``I-X`` on the rest.

    Raises:
        ValueError: a span outside ``0 .. length`` or overlapping another.
    """
    tags = ["O"] * length
    for kind, start, end in spans:
        if not 0 <= start < end <= length or any(t != "O" for t in tags[start:end]):
            raise ValueError(f"span {(kind, start, end)} is outside the sentence or overlaps another")
        tags[start:end] = [f"B-{kind}"] + [f"I-{kind}"] * (end - start - 1)
    return tags


def span_prf(gold: Sequence[Sequence[str]], pred: Sequence[Sequence[str]]) -> tuple[float, float, float]:
    """Exact-span precision, recall and F1, micro-averaged over all sentences (seqeval's ``precision_score``,
    ``recall_score``, ``f1_score``). A predicted span counts only when its type, start and end all match.

    Args:
        gold, pred: lists of BIO tag sequences, sentence by sentence, of equal lengths.

    Returns:
        ``(precision, recall, f1)``; 0 where the denominator is 0.

    Raises:
        ValueError: different numbers of sentences or a sentence whose two tag sequences differ in length.
    """
    if len(gold) != len(pred):
        raise ValueError(f"{len(gold)} gold sentences but {len(pred)} predicted ones")
    correct = n_gold = n_pred = 0
    for i, (g, p) in enumerate(zip(gold, pred)):
        if len(g) != len(p):
            raise ValueError(f"sentence {i}: {len(g)} gold tags but {len(p)} predicted ones")
        g_spans, p_spans = set(bio_spans(g)), set(bio_spans(p))
        correct += len(g_spans & p_spans)
        n_gold += len(g_spans)
        n_pred += len(p_spans)
    precision = correct / n_pred if n_pred else 0.0
    recall = correct / n_gold if n_gold else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1
