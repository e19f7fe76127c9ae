"""Execute every notebook of book/ into _build/ (executed .ipynb plus HTML); book/ itself is never written.

The mode follows D2LNOTES_SMOKE as everywhere else. Used by `make book`.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbconvert import HTMLExporter

BOOK = Path(__file__).resolve().parents[1] / "book"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="_build", help="output folder")
    parser.add_argument("--timeout", type=int, default=36000, help="seconds per cell")
    parser.add_argument("notebooks", nargs="*", help="only these (default: all)")
    args = parser.parse_args(argv)
    out = Path(args.out)
    paths = [Path(p).resolve() for p in args.notebooks] or sorted(
        p for p in BOOK.rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts)
    exporter = HTMLExporter()
    failed = []
    for path in paths:
        rel = path.relative_to(BOOK)
        start = time.perf_counter()
        nb = nbformat.read(path, as_version=4)
        try:
            NotebookClient(nb, timeout=args.timeout, kernel_name="python3",
                           resources={"metadata": {"path": str(path.parent)}}).execute()
        except Exception as e:  # keep going: the executed notebook shows where it stopped
            failed.append(f"{rel}: {type(e).__name__}")
        target = out / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, target)
        html, _ = exporter.from_notebook_node(nb)
        target.with_suffix(".html").write_text(html, encoding="utf-8")
        print(f"{rel}: {time.perf_counter() - start:.1f} s", flush=True)
    if failed:
        print("failed:\n  " + "\n  ".join(failed), file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
