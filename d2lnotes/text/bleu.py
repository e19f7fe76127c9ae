"""BLEU from scratch (modified n-gram precision, brevity penalty, smoothing), equal to sacrebleu's on the same
tokens, d2l's variant, and the sacrebleu call the book reports.

BLEU (Papineni et al., 2002) of a corpus of hypotheses against one reference each::

    BLEU = BP * exp(sum_{n=1}^{N} (1/N) log p_n),   BP = min(1, exp(1 - r / c)),

with ``p_n`` the clipped n-gram matches of all hypotheses over their n-gram count, ``c`` the total hypothesis
length and ``r`` the total reference length (statistics are summed over the corpus before dividing). Scores are
on sacrebleu's 0-100 scale. Smoothing (Chen & Cherry, 2014, as sacrebleu names it): ``"none"``, ``"exp"`` (each
order without a match gets ``1 / (2^k * total)``, ``k`` counting such orders so far) and ``"floor"``.

Source: Papineni et al., BLEU: a method for automatic evaluation of machine translation, ACL 2002; Post, A call
for clarity in reporting BLEU scores, WMT 2018 (sacrebleu, whose ``compute_bleu`` this mirrors); d2l ``bleu``
(Sec. 9.7). Taught in book/09_seq2seq/03_bleu.ipynb.
"""
from __future__ import annotations

import collections
import math
from typing import Sequence


def ngrams(tokens: Sequence[str], n: int) -> collections.Counter:
    """Counts of the n-grams (tuples) of a token list."""
    return collections.Counter(tuple(tokens[i:i + n]) for i in range(len(tokens) - n + 1))


def bleu_statistics(hyp: Sequence[str], ref: Sequence[str], max_n: int = 4):
    """Sufficient statistics of one sentence pair: ``(matches[n-1], totals[n-1], hyp_len, ref_len)``, with
    ``matches`` the clipped n-gram matches ``sum_g min(count_hyp(g), count_ref(g))``."""
    matches, totals = [], []
    for n in range(1, max_n + 1):
        h, r = ngrams(hyp, n), ngrams(ref, n)
        matches.append(sum(min(c, r[g]) for g, c in h.items()))
        totals.append(max(len(hyp) - n + 1, 0))
    return matches, totals, len(hyp), len(ref)


def bleu_from_statistics(matches, totals, hyp_len: int, ref_len: int, smooth: str = "none",
                         smooth_value: float = 0.1, effective_order: bool = False) -> float:
    """BLEU (0-100) from summed statistics, as sacrebleu's ``BLEU.compute_bleu``.

    ``effective_order``: average only over the orders ``n`` with at least one hypothesis n-gram (sacrebleu's
    sentence-level default).

    Raises:
        ValueError: unknown ``smooth``.
    """
    if smooth not in ("none", "exp", "floor"):
        raise ValueError(f"unknown smoothing {smooth!r}: use 'none', 'exp' or 'floor'")
    bp = 1.0 if hyp_len >= ref_len else (math.exp(1 - ref_len / hyp_len) if hyp_len > 0 else 0.0)
    if not any(matches):
        return 0.0
    max_n = len(matches)
    precisions = [0.0] * max_n
    order, halvings = max_n, 1.0
    for n in range(1, max_n + 1):
        if totals[n - 1] == 0:
            break
        if effective_order:
            order = n
        if matches[n - 1] == 0:
            if smooth == "exp":
                halvings *= 2
                precisions[n - 1] = 100.0 / (halvings * totals[n - 1])
            elif smooth == "floor":
                precisions[n - 1] = 100.0 * smooth_value / totals[n - 1]
        else:
            precisions[n - 1] = 100.0 * matches[n - 1] / totals[n - 1]
    # sacrebleu takes log(0) as -9999999999, which makes the score 0
    return bp * math.exp(sum(math.log(p) if p > 0 else -9999999999 for p in precisions[:order]) / order)


def sentence_bleu(hyp: Sequence[str], ref: Sequence[str], max_n: int = 4, smooth: str = "exp",
                  effective_order: bool = True) -> float:
    """BLEU (0-100) of one tokenised hypothesis against one tokenised reference, with sacrebleu's sentence-level
    defaults (``exp`` smoothing, effective order)."""
    return bleu_from_statistics(*bleu_statistics(hyp, ref, max_n), smooth=smooth, effective_order=effective_order)


def corpus_bleu(hyps: Sequence[Sequence[str]], refs: Sequence[Sequence[str]], max_n: int = 4,
                smooth: str = "exp") -> float:
    """Corpus BLEU (0-100): the statistics of every pair are summed first, then combined once (not an average of
    sentence scores). Defaults as sacrebleu's ``corpus_bleu``.

    Raises:
        ValueError: different numbers of hypotheses and references.
    """
    if len(hyps) != len(refs):
        raise ValueError(f"{len(hyps)} hypotheses but {len(refs)} references")
    matches, totals, hyp_len, ref_len = [0] * max_n, [0] * max_n, 0, 0
    for h, r in zip(hyps, refs):
        m, t, hl, rl = bleu_statistics(h, r, max_n)
        matches = [a + b for a, b in zip(matches, m)]
        totals = [a + b for a, b in zip(totals, t)]
        hyp_len, ref_len = hyp_len + hl, ref_len + rl
    return bleu_from_statistics(matches, totals, hyp_len, ref_len, smooth=smooth)


def d2l_bleu(hyp: Sequence[str], ref: Sequence[str], k: int = 2) -> float:
    """d2l's sentence BLEU (Sec. 9.7), on a 0-1 scale: ``exp(min(0, 1 - len_ref / len_hyp)) * prod_{n=1}^{k}
    p_n^(1/2^n)``. The weights ``1/2^n`` favour long n-grams less than the standard ``1/N``; there is no
    smoothing, and it is a sentence score only. A hypothesis shorter than ``n`` tokens gives ``p_n = 0``."""
    if not hyp:
        return 0.0
    score = math.exp(min(0.0, 1 - len(ref) / len(hyp)))
    for n in range(1, k + 1):
        total = len(hyp) - n + 1
        if total <= 0:
            return 0.0
        matches = sum(min(c, ngrams(ref, n)[g]) for g, c in ngrams(hyp, n).items())
        score *= (matches / total) ** (0.5 ** n)
    return score


def sacrebleu_corpus(hyps: Sequence[str], refs: Sequence, token: str = "word") -> float:
    """The number the book reports: sacrebleu's corpus BLEU (0-100) of text hypotheses, with its standard tokeniser
    (``13a``) for words and ``zh`` for Chinese (``token="char"``).

    Args:
        hyps: one translation (text) per segment.
        refs: per segment, one reference (text) or a list of references (any number per segment).

    Raises:
        ValueError: different numbers of hypotheses and reference entries, or a segment without a reference.
    """
    import sacrebleu

    if len(hyps) != len(refs):
        raise ValueError(f"{len(hyps)} hypotheses but {len(refs)} reference entries")
    refs = [[r] if isinstance(r, str) else list(r) for r in refs]
    if any(not r for r in refs):
        raise ValueError("a segment has no reference")
    streams = [[r[i] if i < len(r) else None for r in refs] for i in range(max(map(len, refs)))]
    return sacrebleu.corpus_bleu(list(hyps), streams, tokenize="zh" if token == "char" else "13a",
                                 force=True).score
