"""One Chinese term per concept: every notebook agrees with book/glossary.md (see tools/glossary.py)."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tools"))
import glossary  # noqa: E402


def test_glossary_has_the_key_terms():
    rows = {r["zh"]: r for r in glossary.read_glossary()}
    assert len(rows) > 100
    assert "批量归一化" in rows["批量规范化"]["not"] and "数据增强" in rows["数据增广"]["not"]


def test_notebooks_use_the_glossary_terms():
    found = glossary.problems()
    assert not found, "\n".join(found) + "\n(fix the notebooks, or run python tools/glossary.py after adding a term)"


def test_the_check_catches_a_variant(tmp_path):
    table = tmp_path / "glossary.md"
    table.write_text("| English | 中文 | introduced in | not |\n|---|---|---|---|\n"
                     "| batch normalization | 批量规范化 | 02_training/02_batch_norm.ipynb | 批量归一化 |\n")
    rows = glossary.read_glossary(table)
    rows[0]["not"] = ["归一化"]  # a variant every notebook that mentions 局部响应归一化 would use
    assert any("uses 归一化" in p for p in glossary.problems(rows))


def test_a_chinese_term_may_end_in_latin_letters():
    found = [m.group(1) for m in glossary.PAREN.finditer("hierarchical softmax (分层softmax) and batch norm (批量规范化)")]
    assert found == ["分层softmax", "批量规范化"]
