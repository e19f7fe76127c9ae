"""Translation readers (d2lnotes.data.translation): malformed lines, normalisation, tokens, splits by source."""
import numpy as onp
import pytest

from d2lnotes.data.translation import normalize, read_pairs, read_pairs_file, split_pairs, tokenize_sentence
from tests.conftest import real_mirror


def test_read_pairs_file_and_malformed_line(tmp_path):
    good = tmp_path / "good.txt"
    good.write_text("Go.\tVa !\nHi.\tSalut !\n", encoding="utf-8")
    assert read_pairs_file(good) == [("Go.", "Va !"), ("Hi.", "Salut !")]
    bad = tmp_path / "bad.txt"
    bad.write_text("Go.\tVa !\nHi.\tSalut !\tCC-BY\nRun!\tCours !\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"bad.txt:2: .*3 field"):
        read_pairs_file(bad)
    bad.write_text("Go.\tVa !\n\nHi.\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"bad.txt:3:"):
        read_pairs_file(bad)


def test_normalize_and_tokenize():
    assert normalize("Go.") == "go ."
    assert normalize("Va\u202f!") == "va !"
    assert normalize("Hello, world!") == "hello , world !"
    assert tokenize_sentence("J'ai faim.") == ["j'ai", "faim", "."]
    assert tokenize_sentence("我很好。 OK", "char") == ["我", "很", "好", "。", "o", "k"]
    with pytest.raises(ValueError, match="token"):
        tokenize_sentence("x", "byte")


def test_split_by_source_is_disjoint_and_seeded():
    sources = [f"s{i % 50}" for i in range(120)]  # 50 distinct sources, most with several translations
    train, valid, test = split_pairs(sources, n_valid=5, n_test=7)
    assert sorted(onp.concatenate([train, valid, test]).tolist()) == list(range(120))
    groups = [{sources[i] for i in split} for split in (train, valid, test)]
    assert len(groups[1]) == 5 and len(groups[2]) == 7
    assert not (groups[0] & groups[1]) and not (groups[0] & groups[2]) and not (groups[1] & groups[2])
    again = split_pairs(sources, n_valid=5, n_test=7)
    assert all((a == b).all() for a, b in zip((train, valid, test), again))
    other = split_pairs(sources, n_valid=5, n_test=7, seed=1)
    assert not (other[2].shape == test.shape and (other[2] == test).all())
    with pytest.raises(ValueError, match="distinct"):
        split_pairs(sources, n_valid=30, n_test=30)


@pytest.mark.skipif(real_mirror() is None, reason="needs the course's data mirror")
def test_real_files(monkeypatch, tmp_path):
    monkeypatch.setenv("D2LNOTES_DATA_MIRROR", str(real_mirror()))
    fra, cmn = read_pairs("fra-eng"), read_pairs("cmn-eng")
    assert len(fra) == 167130 and fra[:2] == [("Go.", "Va !"), ("Hi.", "Salut !")]
    assert len(cmn) == 21116 and cmn[0] == ("Hi.", "嗨。")
    with pytest.raises(ValueError, match="unknown"):
        read_pairs("deu-eng")
