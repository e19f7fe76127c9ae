"""Export the code cells of every notebook as one ``.py`` file each, for code-reading tools (duplicate finders,
linters) that do not read notebooks.

    python tools/notebook_code.py OUT_DIR [book]

writes ``OUT_DIR/<chapter>__<notebook>.py`` (cells separated by two blank lines, IPython magics commented out).
"""
from __future__ import annotations

import sys
from pathlib import Path

import nbformat


def export(book: Path, out: Path) -> list[Path]:
    """Write the code of every notebook under ``book`` into ``out``; returns the files written."""
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for path in sorted(book.rglob("*.ipynb")):
        if ".ipynb_checkpoints" in path.parts:
            continue
        cells = nbformat.read(path, as_version=4).cells
        code = "\n\n\n".join("\n".join(("# " + line) if line.lstrip().startswith(("%", "!")) else line
                                       for line in c.source.splitlines())
                             for c in cells if c.cell_type == "code")
        target = out / ("__".join(path.relative_to(book).with_suffix("").parts) + ".py")
        target.write_text(code + "\n", encoding="utf-8")
        written.append(target)
    return written


if __name__ == "__main__":
    if len(sys.argv) not in (2, 3):
        sys.exit(__doc__)
    files = export(Path(sys.argv[2] if len(sys.argv) == 3 else "book"), Path(sys.argv[1]))
    print(f"{len(files)} notebooks exported to {sys.argv[1]}")
