"""The book as files: clean notebooks with the agreed anatomy, and JupyterLab serving them."""
from __future__ import annotations

import json
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parents[1]
BOOK = ROOT / "book"
NOTEBOOKS = sorted(p for p in BOOK.rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts)
CHAPTERS = [p for p in NOTEBOOKS if p.parent != BOOK]


def _cells(path):
    return json.loads(path.read_text(encoding="utf-8"))["cells"]


def _source(cell):
    return "".join(cell["source"])


def test_there_are_notebooks():
    assert (BOOK / "index.ipynb") in NOTEBOOKS and CHAPTERS


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: str(p.relative_to(BOOK)))
def test_only_checked_cells_carry_outputs(path):
    for i, cell in enumerate(_cells(path)):
        if cell["cell_type"] != "code":
            continue
        if "# NBVAL_CHECK_OUTPUT" in _source(cell):
            assert cell["outputs"], f"cell {i} is marked NBVAL_CHECK_OUTPUT but has no stored output to compare"
        else:
            assert not cell["outputs"], f"cell {i} carries committed outputs: strip them"
            assert cell.get("execution_count") is None, f"cell {i} carries an execution count"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: str(p.relative_to(BOOK)))
def test_no_stale_widget_state(path):
    """A notebook saved from JupyterLab after a run keeps its widgets' state in the metadata: commit it without."""
    nb = json.loads(path.read_text(encoding="utf-8"))
    assert "widgets" not in nb.get("metadata", {}), "notebook metadata carries widget state: strip it"
    for i, cell in enumerate(nb["cells"]):
        outputs = json.dumps(cell.get("outputs", []))
        assert "application/vnd.jupyter.widget-view+json" not in outputs, f"cell {i} stores a widget view"


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: str(p.relative_to(BOOK)))
def test_exercises_answer_back(path):
    """At least two exercises of every notebook have a self-check whose key is registered."""
    from d2lnotes.exercises import exercises

    code = "\n".join(_source(c) for c in _cells(path) if c["cell_type"] == "code")
    keys = set(re.findall(r"check\(\s*[\"']([\w.]+)[\"']", code))
    registered = exercises()
    assert len(keys) >= 2, f"{len(keys)} self-checked exercises (want at least 2)"
    assert all(k.startswith(path.stem + ".") for k in keys), keys
    missing = sorted(k for k in keys if k not in registered)
    assert not missing, f"checks with no registered exercise: {missing}"


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: str(p.relative_to(BOOK)))
def test_chapter_notebook_anatomy(path):
    cells = _cells(path)
    markdown = "\n".join(_source(c) for c in cells if c["cell_type"] == "markdown")
    assert _source(cells[0]).startswith("# "), "the first cell is the title"
    assert "learning goals" in markdown.lower(), "state the learning goals at the top"
    assert "## Exercises" in markdown, "end with exercises"
    assert any("seed_everything" in _source(c) for c in cells if c["cell_type"] == "code"), "seed the run"
    assert any(ord(ch) > 0x4E00 for ch in markdown), "give the Chinese term at first use of key terms"
    assert path.name in (BOOK / "index.ipynb").read_text(encoding="utf-8"), "list it in book/index.ipynb"


def _by_mode_none_in_arithmetic(source: str) -> list[str]:
    """The ``by_mode(...)`` calls of ``source`` that are an operand of arithmetic (``baseline + by_mode(...)``) and
    give some budget ``None``: in that budget the cell raises a TypeError (it happened once, in a full run, after
    hours of training)."""
    import ast

    code = "\n".join(line for line in source.splitlines() if not line.lstrip().startswith(("%", "!")))
    found = []
    for node in ast.walk(ast.parse(code)):
        if not isinstance(node, ast.BinOp):
            continue
        for side in (node.left, node.right):
            if (isinstance(side, ast.Call) and getattr(side.func, "id", None) == "by_mode"
                    and any(isinstance(k.value, ast.Constant) and k.value.value is None for k in side.keywords)):
                found.append(ast.unparse(node))
    return found


def test_the_arithmetic_check_finds_a_none_budget():
    assert _by_mode_none_in_arithmetic("f(floor=baseline + by_mode(smoke=0.1, full=None))") == [
        "baseline + by_mode(smoke=0.1, full=None)"]
    assert _by_mode_none_in_arithmetic("f(floor=by_mode(smoke=b + 0.1, full=None), n=2 * by_mode(smoke=1, full=2))") == []


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: str(p.relative_to(BOOK)))
def test_no_budget_computes_with_none(path):
    """A budget whose setting is None (no floor, all the data) must not meet arithmetic: only the smoke budget runs
    in CI, so a None in the full budget would first fail there."""
    for i, cell in enumerate(_cells(path)):
        if cell["cell_type"] == "code":
            assert not _by_mode_none_in_arithmetic(_source(cell)), f"cell {i}"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_jupyterlab_serves_the_book():
    """Start JupyterLab as `make lab` does (without a browser), list the notebooks through its REST API."""
    port, token = _free_port(), secrets.token_hex(16)
    cmd = [sys.executable, "-m", "jupyterlab", "--no-browser", f"--notebook-dir={BOOK}",
           "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}", f"--IdentityProvider.token={token}"]
    if os.geteuid() == 0:  # containers and CI run as root, as `make lab` allows
        cmd.append("--allow-root")
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    headers = {"Authorization": f"token {token}"}
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if requests.get(f"{base}/api/status", headers=headers, timeout=2).ok:
                    break
            except requests.ConnectionError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"JupyterLab did not start: {proc.stderr.read().decode()[-2000:]}")
            time.sleep(0.5)
        assert requests.get(f"{base}/api/contents", timeout=5).status_code == 403, "the token must be required"
        assert requests.get(f"{base}/lab", headers=headers, timeout=10).ok

        def listing(path=""):
            reply = requests.get(f"{base}/api/contents/{path}", headers=headers, timeout=10)
            reply.raise_for_status()
            for item in reply.json()["content"]:
                if item["type"] == "directory":
                    yield from listing(item["path"])
                elif item["type"] == "notebook":
                    yield item["path"]
        served = sorted(listing())
        assert served == sorted(str(p.relative_to(BOOK)) for p in NOTEBOOKS)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=30)


def test_navigation_and_contents_are_up_to_date():
    result = subprocess.run([sys.executable, str(ROOT / "tools" / "navigation.py"), "--check"],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
