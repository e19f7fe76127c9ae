"""Chapter 10's readers: MR, STS Benchmark and SemEval-2014 laptops. Counts from the mirror's MANIFESTs; malformed
lines are reported with their line number; the BIO conversion."""
import numpy as np
import pytest

from d2lnotes.data.hub import DataError
from d2lnotes.data.mr import load_mr, parse_mr
from d2lnotes.data.semeval import load_semeval_laptop, parse_conll, parse_tagged, to_bio
from d2lnotes.data.sts import load_sts, parse_sts
from d2lnotes.text.metrics import bio_spans


def test_mr_counts(real_data):
    sentences, labels = load_mr()
    assert len(sentences) == 10662 and labels.sum() == 5331 and labels[:5331].all() and not labels[5331:].any()
    assert sentences[0][:3] == ["the", "rock", "is"]


def test_mr_empty_line_names_it():
    with pytest.raises(DataError, match="bad.txt, line 2: empty sentence"):
        parse_mr(["good film\n", "\n"], source="bad.txt")


@pytest.mark.parametrize("split, n, mean", [("train", 5749, 2.701), ("dev", 1500, 2.364), ("test", 1379, 2.608)])
def test_sts_counts(real_data, split, n, mean):
    a, b, scores = load_sts(split)
    assert len(a) == len(b) == len(scores) == n
    assert scores.min() == 0 and scores.max() == 5 and abs(scores.mean() - mean) < 1e-3


def test_sts_keeps_quotes_and_extra_columns():
    line = 'g\tf\t2012\t1\t3.5\tHe said "hi\tShe said "bye"\textra\n'
    a, b, s = parse_sts([line])
    assert a == ['He said "hi'] and b == ['She said "bye"'] and s.tolist() == [3.5]


@pytest.mark.parametrize("line, match", [
    ("g\tf\t2012\t1\t3.5\tonly one sentence\n", "line 2: 6 tab-separated fields"),
    ("g\tf\t2012\t1\tx\ta\tb\n", "line 2: score 'x' is not a number"),
    ("g\tf\t2012\t1\t5.5\ta\tb\n", "line 2: score 5.5 outside"),
    ("g\tf\t2012\t1\t2\t \tb\n", "line 2: empty sentence"),
])
def test_sts_malformed_line_names_it(line, match):
    with pytest.raises(DataError, match=match):
        parse_sts(["g\tf\t2012\t0\t1.0\ta\tb\n", line], source="sts.csv")


@pytest.mark.parametrize("split, n, spans", [("train", 2741, 2044), ("valid", 304, 256), ("test", 800, 634)])
def test_semeval_counts(real_data, split, n, spans):
    sentences, tags = load_semeval_laptop(split)
    assert len(sentences) == len(tags) == n
    assert all(len(s) == len(t) for s, t in zip(sentences, tags))
    assert sum(len(bio_spans(t)) for t in tags) == spans  # train + valid = 2,300 spans, as in the MANIFEST


def test_semeval_parses_tokens_with_equal_signs():
    [(tokens, tags)] = parse_tagged(["a=b c####a=b=O c=T-POS\n"])
    assert tokens == ["a=b", "c"] and tags == ["O", "T-POS"]


@pytest.mark.parametrize("line, match", [
    ("no separator\n", "line 2: no '####'"),
    ("x####x\n", "line 2: 'x' is not token=TAG"),
    ("x####x=B-ASP\n", "line 2: unknown tag 'B-ASP'"),
])
def test_semeval_malformed_line_names_it(line, match):
    with pytest.raises(DataError, match=match):
        parse_tagged(["ok####ok=O\n", line], source="laptop.txt")


def test_conll_malformed_line_names_it():
    assert parse_conll(["a O\n", "b B-POS\n", "\n", "c O\n"]) == [["a", "b"], ["c"]]
    with pytest.raises(DataError, match="line 2: expected 'token TAG'"):
        parse_conll(["a O\n", "b\n"], source="x.conll")


def test_to_bio_merges_runs():
    assert to_bio(["O", "T-POS", "T-POS", "O", "T-NEG", "T-NEU"]) == ["O", "B-ASP", "I-ASP", "O", "B-ASP", "I-ASP"]
    assert to_bio([]) == []


def test_unknown_split():
    with pytest.raises(ValueError, match="unknown"):
        load_sts("validation")
    with pytest.raises(ValueError, match="unknown"):
        load_semeval_laptop("dev")
