"""Keep committed notebooks clean: outputs only in cells marked ``# NBVAL_CHECK_OUTPUT``.

    python tools/checked_outputs.py store book/01_foundations/03_softmax_regression.ipynb
        runs the notebook in smoke mode in a fresh kernel and stores the outputs of the marked cells only
    python tools/checked_outputs.py strip book/            strips every unmarked cell's outputs
"""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import nbformat

MARK = "# NBVAL_CHECK_OUTPUT"


def is_checked(cell) -> bool:
    return cell.cell_type == "code" and MARK in cell.source


def strip(nb) -> None:
    """Remove outputs and execution counts, except in checked cells, and the widget state JupyterLab saves.

    A checked cell keeps an execution count: nbval treats a cell with outputs but no count as an error
    ("Unrun reference cell has outputs").
    """
    nb.metadata.pop("widgets", None)
    for n, cell in enumerate(nb.cells, start=1):
        if cell.cell_type == "code" and not is_checked(cell):
            cell.outputs, cell.execution_count = [], None
        elif cell.cell_type == "code" and cell.outputs and cell.execution_count is None:
            cell.execution_count = n
        cell.metadata.pop("execution", None)


def store(path: Path, timeout: int) -> None:
    from nbclient import NotebookClient

    nb = nbformat.read(path, as_version=4)
    os.environ.setdefault("D2LNOTES_SMOKE", "1")
    NotebookClient(nb, timeout=timeout, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}
                   ).execute()
    strip(nb)
    nbformat.write(nb, path)


def notebooks(paths):
    for p in map(Path, paths):
        yield from (sorted(p.rglob("*.ipynb")) if p.is_dir() else [p])


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("action", choices=["store", "strip"])
    parser.add_argument("paths", nargs="+")
    parser.add_argument("--timeout", type=int, default=600, help="seconds per cell")
    args = parser.parse_args(argv)
    for path in notebooks(args.paths):
        if ".ipynb_checkpoints" in path.parts:
            continue
        if args.action == "store":
            store(path, args.timeout)
        else:
            nb = nbformat.read(path, as_version=4)
            strip(nb)
            nbformat.write(nb, path)
        print(f"{args.action}: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
