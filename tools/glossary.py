"""The book's glossary (book/glossary.md): read it, check the notebooks against it, fill in where each term is
introduced.

    python tools/glossary.py          # rewrite the "introduced in" column from the notebooks
    python tools/glossary.py --check  # list every problem, exit 1 if there is one

Rules checked (the package's docstrings too, for the "not" column): every Chinese term given in parentheses after an English term, "English (中文)", is a glossary term
(the first one in the parentheses; "also called ..." may follow); no notebook uses a term of the "not" column
except in an "also called" aside; each term's first notebook in reading order is the one the table names.
"""
from __future__ import annotations

import re
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
GLOSSARY = ROOT / "book" / "glossary.md"
HAN = "\u4e00-\u9fff"
PAREN = re.compile(rf"[A-Za-z][A-Za-z'\-]*\s*[(（]([{HAN}][{HAN}A-Za-z\-]*)")  # Latin letters may follow: 分层softmax


def read_glossary(path: Path = GLOSSARY) -> list[dict]:
    """The table's rows as dicts with keys ``en``, ``zh``, ``introduced``, ``not`` (a list)."""
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 4 and cells[0] != "English" and re.search(f"[{HAN}]", cells[1]):
            rows.append({"en": cells[0], "zh": cells[1], "introduced": cells[2],
                         "not": [t.strip() for t in cells[3].split(",") if t.strip()]})
    return rows


def notebooks() -> list[Path]:
    """Chapter notebooks in reading order."""
    return sorted(p for p in (ROOT / "book").glob("*/*.ipynb"))


def markdown(path: Path) -> str:
    nb = nbformat.read(path, as_version=4)
    return "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")


def first_use(rows: list[dict]) -> dict[str, str]:
    """``{中文: notebook path relative to book/}`` of the first notebook whose prose contains the term."""
    found = {}
    for path in notebooks():
        text = markdown(path)
        for row in rows:
            if row["zh"] not in found and row["zh"] in text:
                found[row["zh"]] = str(path.relative_to(ROOT / "book"))
    return found


def problems(rows: list[dict] | None = None) -> list[str]:
    rows = rows if rows is not None else read_glossary()
    known = {r["zh"] for r in rows}
    avoided = {t: r["zh"] for r in rows for t in r["not"]}
    out = []
    seen = {}
    for r in rows:
        if r["zh"] in seen:
            out.append(f"glossary: {r['zh']} is listed twice")
        seen[r["zh"]] = r
    for path in notebooks():
        name = str(path.relative_to(ROOT / "book"))
        text = markdown(path)
        for m in PAREN.finditer(text):
            if m.group(1) not in known:
                out.append(f"{name}: ({m.group(1)}) is not in book/glossary.md")
        plain = re.sub(rf"also called [{HAN}]+", "", text)
        for term, preferred in avoided.items():
            if term in plain:
                out.append(f"{name}: uses {term}; the book's term is {preferred}")
    for path in sorted((ROOT / "d2lnotes").rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        for term, preferred in avoided.items():
            if term in text:
                out.append(f"{path.relative_to(ROOT)}: uses {term}; the book's term is {preferred}")
    introduced = first_use(rows)
    for r in rows:
        where = introduced.get(r["zh"], "")
        if not where:
            out.append(f"glossary: {r['zh']} ({r['en']}) is used in no notebook")
        elif r["introduced"] != where:
            out.append(f"glossary: {r['zh']} is introduced in {where}, the table says {r['introduced'] or '-'}")
    return out


def fill_introduced() -> None:
    """Rewrite the "introduced in" column from the notebooks."""
    rows = read_glossary()
    introduced = first_use(rows)
    lines = []
    for line in GLOSSARY.read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 4 and cells[0] != "English" and re.search(f"[{HAN}]", cells[1]):
            cells[2] = introduced.get(cells[1], "")
            line = "| " + " | ".join(cells) + " |"
        lines.append(line)
    GLOSSARY.write_text("\n".join(lines) + "\n", encoding="utf-8")


if __name__ == "__main__":
    if sys.argv[1:] == ["--check"]:
        found = problems()
        print("\n".join(found) or "glossary: no problem")
        sys.exit(1 if found else 0)
    fill_introduced()
