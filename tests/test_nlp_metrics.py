"""Pearson/Spearman equal to scipy's, exact-span P/R/F1 equal to seqeval's, the BIO round trip."""
import numpy as np
import pytest
import scipy.stats
from seqeval.metrics import f1_score, precision_score, recall_score

from d2lnotes.text.metrics import bio_spans, pearson, rankdata, span_prf, spans_to_bio, spearman


def test_correlations_equal_scipy():
    rng = np.random.default_rng(0)
    x = rng.normal(size=200)
    y = x + rng.normal(size=200)
    y_tied = np.round(y)  # many ties: average ranks matter
    assert pearson(x, y) == pytest.approx(scipy.stats.pearsonr(x, y)[0], abs=1e-12)
    assert spearman(x, y_tied) == pytest.approx(scipy.stats.spearmanr(x, y_tied)[0], abs=1e-12)
    np.testing.assert_allclose(rankdata(y_tied), scipy.stats.rankdata(y_tied))
    assert pearson([1, 2, 3], [2, 4, 6]) == pytest.approx(1) and spearman([1, 2, 3], [3, 1, 0]) == pytest.approx(-1)


def test_correlation_errors():
    with pytest.raises(ValueError, match="constant"):
        pearson([1, 1, 1], [1, 2, 3])
    with pytest.raises(ValueError, match="same length"):
        spearman([1, 2], [1, 2, 3])


def test_bio_spans_follow_conlleval():
    assert bio_spans(["B-ASP", "I-ASP", "O", "I-ASP", "B-ASP", "B-ASP"]) == [
        ("ASP", 0, 2), ("ASP", 3, 4), ("ASP", 4, 5), ("ASP", 5, 6)]
    assert bio_spans(["B-A", "I-B", "I-B"]) == [("A", 0, 1), ("B", 1, 3)]
    with pytest.raises(ValueError, match="tag 1"):
        bio_spans(["O", "X"])


def test_bio_round_trip():
    rng = np.random.default_rng(1)
    for _ in range(200):  # well-formed random BIO sequences
        tags, inside = [], False
        for _ in range(rng.integers(0, 12)):
            tag = rng.choice(["O", "B-ASP", "I-ASP"] if inside else ["O", "B-ASP"])
            tags.append(str(tag))
            inside = tag != "O"
        assert spans_to_bio(bio_spans(tags), len(tags)) == tags
    with pytest.raises(ValueError, match="overlaps"):
        spans_to_bio([("A", 0, 2), ("A", 1, 3)], 4)


def test_span_prf_equals_seqeval():
    rng = np.random.default_rng(2)
    tags = ["O", "B-ASP", "I-ASP", "B-OTH", "I-OTH"]
    gold = [[str(t) for t in rng.choice(tags, size=rng.integers(1, 10), p=[.5, .2, .2, .05, .05])] for _ in range(300)]
    pred = [[t if rng.random() < 0.7 else str(rng.choice(tags)) for t in g] for g in gold]  # ill-formed I- too
    p, r, f = span_prf(gold, pred)
    assert (p, r, f) == pytest.approx((precision_score(gold, pred), recall_score(gold, pred), f1_score(gold, pred)),
                                      abs=1e-12)
    assert 0.3 < f < 0.95
    assert span_prf(gold, gold) == (1.0, 1.0, 1.0)
    assert span_prf([["O"]], [["O"]]) == (0.0, 0.0, 0.0)
    with pytest.raises(ValueError, match="sentence 0"):
        span_prf([["O"]], [["O", "O"]])
