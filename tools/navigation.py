"""Write the navigation lines of every notebook and the contents of book/index.ipynb.

Generated, never edited by hand (the Python Data Science Handbook's habit). Chapters are the folders of book/
in name order, notebooks the files in name order; a notebook's title is its first heading.

    python tools/navigation.py          # rewrite what is out of date
    python tools/navigation.py --check  # exit 1 if anything is out of date (the tests run this)
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

BOOK = Path(__file__).resolve().parents[1] / "book"
INDEX = BOOK / "index.ipynb"
NAV_TAG = "navigation"
CONTENTS_TAG = "contents"


def chapters() -> list[tuple[Path, list[Path]]]:
    """``(chapter folder, [notebooks])`` in reading order."""
    out = []
    for folder in sorted(p for p in BOOK.iterdir() if p.is_dir() and p.name[:2].isdigit()):
        notebooks = sorted(p for p in folder.glob("*.ipynb"))
        if notebooks:
            out.append((folder, notebooks))
    return out


def title(path: Path) -> str:
    for cell in _load(path)["cells"]:
        if cell["cell_type"] == "markdown":
            for line in "".join(cell["source"]).splitlines():
                if line.startswith("# "):
                    return line[2:].strip()
    raise ValueError(f"{path} has no '# title' heading")


def chapter_title(folder: Path) -> str:
    readme = folder / "README.md"
    if readme.is_file():
        return readme.read_text(encoding="utf-8").splitlines()[0].lstrip("# ").strip()
    return folder.name[3:].replace("_", " ").capitalize()


def _load(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def _save(path: Path, nb: dict) -> None:
    path.write_text(json.dumps(nb, indent=1, ensure_ascii=False, sort_keys=True) + "\n", encoding="utf-8")


def _markdown(text: str, tag: str, cell_id: str) -> dict:
    return {"cell_type": "markdown", "id": cell_id, "metadata": {"tags": [tag]},
            "source": text.splitlines(keepends=True)}


def _link(target: Path, start: Path, text: str) -> str:
    rel = Path(*([".."] * len(start.relative_to(BOOK).parts)), target.relative_to(BOOK)) if start != BOOK else \
        target.relative_to(BOOK)
    return f"[{text}]({rel.as_posix()})"


def navigation_line(order: list[Path], i: int) -> str:
    here = order[i].parent
    parts = []
    if i > 0:
        parts.append("< " + _link(order[i - 1], here, title(order[i - 1])))
    parts.append(_link(INDEX, here, "Contents"))
    if i + 1 < len(order):
        parts.append(_link(order[i + 1], here, title(order[i + 1])) + " >")
    return " | ".join(parts)


def contents() -> str:
    lines = ["## Contents", ""]
    for n, (folder, notebooks) in enumerate(chapters(), start=1):
        lines.append(f"**{int(folder.name[:2])}. {chapter_title(folder)}**")
        lines.append("")
        for nb in notebooks:
            lines.append(f"- {_link(nb, BOOK, title(nb))}")
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def _with_navigation(nb: dict, line: str) -> dict:
    cells = [c for c in nb["cells"] if NAV_TAG not in c.get("metadata", {}).get("tags", [])]
    first = 1 if cells and cells[0]["cell_type"] == "markdown" else 0
    cells = cells[:first] + [_markdown(line, NAV_TAG, "navigation-top")] + cells[first:] + [
        _markdown(line, NAV_TAG, "navigation-bottom")]
    return {**nb, "cells": cells}


def _with_contents(nb: dict, text: str) -> dict:
    cells = [c for c in nb["cells"] if CONTENTS_TAG not in c.get("metadata", {}).get("tags", [])]
    return {**nb, "cells": cells[:1] + [_markdown(text, CONTENTS_TAG, "contents")] + cells[1:]}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="report, do not write; exit 1 when out of date")
    args = parser.parse_args(argv)
    order = [nb for _, notebooks in chapters() for nb in notebooks]
    updates = {INDEX: _with_contents(_load(INDEX), contents())}
    for i, path in enumerate(order):
        updates[path] = _with_navigation(_load(path), navigation_line(order, i))
    stale = [p for p, nb in updates.items() if nb != _load(p)]
    for path in stale:
        if args.check:
            print(f"out of date: {path.relative_to(BOOK.parent)} (run python tools/navigation.py)")
        else:
            _save(path, updates[path])
            print(f"wrote {path.relative_to(BOOK.parent)}")
    return 1 if args.check and stale else 0


if __name__ == "__main__":
    sys.exit(main())
