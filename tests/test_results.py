"""Recorded results: the record() call, the budget runner's record format, and README/results agreement."""
import argparse
import functools
import importlib.util
import json
import math
import os
import time
from pathlib import Path

import nbformat
import pytest

from d2lnotes import results

ROOT = Path(__file__).resolve().parents[1]
spec = importlib.util.spec_from_file_location("run_budget", ROOT / "tools" / "run_budget.py")
run_budget = importlib.util.module_from_spec(spec)
spec.loader.exec_module(run_budget)


def test_record_asserts_the_floor_in_the_right_direction(monkeypatch, tmp_path):
    monkeypatch.delenv(results.RESULTS_FILE_VARIABLE, raising=False)
    assert results.record("acc", 0.9, floor=0.8) == 0.9
    with pytest.raises(AssertionError, match=r"acc = 0.7, expected >= 0.8"):
        results.record("acc", 0.7, floor=0.8)
    assert results.record("ppl", 90.0, floor=100.0, better="lower") == 90.0
    with pytest.raises(AssertionError, match="expected <= 100"):
        results.record("ppl", 110.0, floor=100.0, better="lower")
    with pytest.raises(ValueError, match="finite"):
        results.record("acc", math.nan)
    with pytest.raises(ValueError, match="better"):
        results.record("acc", 0.5, better="more")


def test_record_appends_json_lines_for_the_runner(monkeypatch, tmp_path):
    target = tmp_path / "figures.jsonl"
    monkeypatch.setenv(results.RESULTS_FILE_VARIABLE, str(target))
    results.record("acc", 0.91, floor=0.5, note="epoch 3")
    results.record("ppl", 120.5)
    lines = [json.loads(line) for line in target.read_text().splitlines()]
    assert lines == [{"name": "acc", "value": 0.91, "floor": 0.5, "better": "higher", "note": "epoch 3"},
                     {"name": "ppl", "value": 120.5, "floor": None, "better": "higher", "note": ""}]


def _one_cell_notebook(path, source):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(source)]
    nbformat.write(nb, path)
    return path


def _notebook(path):
    return _one_cell_notebook(path, (
        "from d2lnotes.config import budget\nfrom d2lnotes.results import record\n"
        "import os\nrecord('budget_is_cpu', 1.0 if budget() == 'cpu' else 0.0, floor=0.5)\nrecord('answer', 42.0)\n"
        "record('resume_off', float(os.environ['D2LNOTES_RESUME'] == '0'), floor=1.0)"))


@pytest.mark.slow
def test_runner_records_time_figures_machine_and_versions(tmp_path, monkeypatch):
    monkeypatch.setenv("D2LNOTES_SMOKE", "1")  # the runner must override it with the budget it was given
    path = _notebook(tmp_path / "tiny.ipynb")
    record = run_budget.run_notebook(path, "cpu", timeout=120)
    assert record["status"] == "passed", record.get("error")
    assert record["figures"]["budget_is_cpu"] == {"value": 1.0, "floor": 0.5, "better": "higher", "note": ""}
    assert record["figures"]["answer"]["value"] == 42.0
    assert record["figures"]["resume_off"]["value"] == 1.0  # a recorded run never resumes a checkpoint
    assert record["seconds"] > 0 and record["date"]
    assert record["machine"]["cores"] >= 1 and "gpus" in record["machine"]
    assert record["versions"]["mxnet"] == "1.9.1" and record["versions"]["numpy"] == "1.23.5"
    failed = run_budget.run_notebook(path, "smoke", timeout=120, keep=tmp_path / "kept")  # floor not reached
    assert failed["status"] == "failed" and "budget_is_cpu" in failed["error"]
    kept = nbformat.read(tmp_path / "kept" / f"{tmp_path.name}__tiny.ipynb", as_version=4)
    assert "AssertionError" in str(kept.cells[-1].outputs)   # the executed copy, with the failing cell's output


def _checkpoint(root, folder, name, budget):
    (root / folder).mkdir(parents=True)
    (root / folder / "checkpoint.json").write_text(json.dumps({"name": name, "settings": {"budget": budget}}))
    return root / folder


def test_resumed_segments_are_logged_summed_and_start_from_a_clean_slate(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("OMP_NUM_THREADS", "3")   # each attempt logs its thread count (times depend on it)
    root = tmp_path / "checkpoints"
    mine = _checkpoint(root, "ch_nb_net-1", "ch/nb/net", "full")
    other_budget = _checkpoint(root, "ch_nb_net-2", "ch/nb/net", "cpu")
    other_notebook = _checkpoint(root, "ch_nb2_net-3", "ch/nb2/net", "full")
    segments = run_budget.Segments("ch/nb.ipynb", "full", root=root)
    with segments.attempt(load_before=1.5, commit="abc1234") as entry:   # the first attempt: the old checkpoints
        assert not mine.exists() and other_budget.exists() and other_notebook.exists()   # of ch/nb, full, go
        assert segments.load() == [{"date": entry["date"], "seconds": 0.0, "status": "running", "load_before": 1.5,
                                    "threads": "3", "commit": "abc1234"}]
        entry["status"] = "failed"
    saved = _checkpoint(root, "ch_nb_net-1", "ch/nb/net", "full")  # what the first attempt saved: epoch 2 of 5
    (saved / "checkpoint.json").write_text(json.dumps({"name": "ch/nb/net", "epoch": 2,
                                                       "settings": {"budget": "full", "epochs": 5}}))
    [logged] = run_budget.Segments.logged(root)
    assert (logged.key, logged.budget) == ("ch/nb.ipynb", "full")
    assert logged.status().startswith("full ch/nb.ipynb: 1 attempt, 0.0 min logged (last failed)")
    assert logged.status().endswith("saved epochs: net 2/5")
    (saved / "checkpoint.json").write_text(json.dumps({    # with the history: the last epoch's wall time
        "name": "ch/nb/net", "epoch": 2, "settings": {"budget": "full", "epochs": 5},
        "history": {"metrics": {"seconds": [600.0, 534.0]}}}))
    assert logged.status().endswith("saved epochs: net 2/5, 8.9 min an epoch")
    (saved / "checkpoint.json").write_text(json.dumps({    # the run length as fit saves it, whatever the settings
        "name": "ch/nb/net", "epoch": 2, "num_epochs": 7, "settings": {"budget": "full", "lr": 0.1}}))
    assert logged.status().endswith("saved epochs: net 2/7")
    entries = segments.load()
    entries[-1]["status"] = "running"   # an attempt killed without a status: its heartbeat stopped
    segments._write(entries)
    assert "(last running)" in logged.status() and segments.in_progress()

    def must_not_run(*args, **kwargs):
        raise AssertionError("a second runner started a notebook that another runner is running")
    with monkeypatch.context() as m:   # a second runner on the same notebook skips it
        m.setattr(run_budget, "run_notebook", must_not_run)
        m.setattr(run_budget, "Segments", functools.partial(run_budget.Segments, root=root))
        m.setattr(run_budget, "notebook_key", lambda path: "ch/nb.ipynb")
        args = argparse.Namespace(notebooks=[Path("nb.ipynb")], budget="full", skip_recorded=False, resume=True,
                                  timeout=None, keep=None)
        assert run_budget._run_all(args) == 0
    assert "another runner is running it" in capsys.readouterr().out
    old = time.time() - 4 * run_budget.HEARTBEAT
    os.utime(segments.path, (old, old))
    assert "(last killed: no heartbeat)" in logged.status() and not segments.in_progress()
    entries[-1]["status"] = "failed"
    segments._write(entries)
    with segments.attempt(load_before=0.5) as entry:   # a later attempt keeps them and appends itself
        assert mine.exists()
        entry["status"] = "passed"
    runs = segments.finish()
    assert [r["status"] for r in runs] == ["failed", "passed"] and [r["load_before"] for r in runs] == [1.5, 0.5]
    assert all(r["seconds"] >= 0 for r in runs)
    assert not segments.path.exists() and segments.load() == []


def _flaky_notebook(path, marker):
    """Fails on its first run (as an interrupted attempt would), passes on the next; records whether it resumed."""
    return _one_cell_notebook(path, (
        "import os, pathlib, time\nfrom d2lnotes.results import record\ntime.sleep(0.5)\n"
        f"marker = pathlib.Path({str(marker)!r})\n"
        "if not marker.exists():\n    marker.touch()\n    raise RuntimeError('interrupted')\n"
        "record('resume_on', float(os.environ['D2LNOTES_RESUME'] == '1'), floor=1.0)"))


@pytest.mark.slow
def test_a_resumed_run_records_the_sum_of_its_attempts(tmp_path, monkeypatch):
    monkeypatch.setenv("D2LNOTES_DATA", str(tmp_path / "cache"))
    path = _flaky_notebook(tmp_path / "flaky.ipynb", tmp_path / "marker")
    first = run_budget.run_notebook(path, "full", timeout=120, resume=True)
    assert first["status"] == "failed" and "interrupted" in first["error"] and "segments" not in first
    log = run_budget.Segments(run_budget.notebook_key(path), "full")
    assert [s["status"] for s in log.load()] == ["failed"] and log.load()[0]["seconds"] >= 0.5
    second = run_budget.run_notebook(path, "full", timeout=120, resume=True)
    assert second["status"] == "passed" and second["figures"]["resume_on"]["value"] == 1.0
    assert [s["status"] for s in second["segments"]] == ["failed", "passed"]
    assert second["seconds"] == pytest.approx(sum(s["seconds"] for s in second["segments"]))
    assert second["seconds"] >= 1.0 and not log.path.exists()
    table = run_budget.table({"notebooks": {"x/flaky.ipynb": second}})
    assert " in 2 runs |" in table


@pytest.mark.slow
def test_the_commit_recorded_is_the_one_the_run_started_on(tmp_path, monkeypatch):
    """A commit made while a long run trains (here: the notebook itself moves the "commit") is not recorded as the
    code that ran; each attempt of a resumed run logs the commit it started on."""
    monkeypatch.setenv("D2LNOTES_DATA", str(tmp_path / "cache"))
    head = tmp_path / "HEAD"
    head.write_text("first")
    monkeypatch.setattr(run_budget, "versions", lambda: {"d2lnotes": head.read_text()})
    path = _flaky_notebook(tmp_path / "flaky.ipynb", tmp_path / "marker")
    nb = nbformat.read(path, as_version=4)
    nb.cells[0].source = f"import pathlib\npathlib.Path({str(head)!r}).write_text('second')\n" + nb.cells[0].source
    nbformat.write(nb, path)
    assert run_budget.run_notebook(path, "full", timeout=120, resume=True)["status"] == "failed"
    record = run_budget.run_notebook(path, "full", timeout=120, resume=True)
    assert record["status"] == "passed" and record["versions"] == {"d2lnotes": "second"}
    assert [s["commit"] for s in record["segments"]] == ["first", "second"]
    plain = run_budget.run_notebook(_one_cell_notebook(tmp_path / "plain.ipynb", (
        f"import pathlib\npathlib.Path({str(head)!r}).write_text('third')")), "cpu", timeout=120)
    assert plain["status"] == "passed" and plain["versions"] == {"d2lnotes": "second"}


@pytest.mark.slow
def test_a_stopped_resumable_attempt_is_logged_but_not_recorded(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("D2LNOTES_DATA", str(tmp_path / "cache"))
    monkeypatch.setattr(run_budget, "RESULTS", tmp_path / "results")
    monkeypatch.setattr(run_budget, "readmes", lambda: [])      # leave the book's READMEs alone
    path = _flaky_notebook(tmp_path / "flaky.ipynb", tmp_path / "marker")
    argv = ["--budget", "full", "--resume", "--timeout", "120", str(path)]
    assert run_budget.main(argv) == 1
    assert run_budget.load("full")["notebooks"] == {}
    assert "not recorded" in capsys.readouterr().out
    log = run_budget.Segments(run_budget.notebook_key(path), "full")
    assert [(s["status"], "interrupted" in s["error"]) for s in log.load()] == [("failed", True)]
    assert run_budget.main(argv) == 0
    record = run_budget.load("full")["notebooks"][run_budget.notebook_key(path)]
    assert record["status"] == "passed" and len(record["segments"]) == 2
    # a queue across sessions: --skip-recorded passes over what is recorded and runs the rest
    other = _one_cell_notebook(tmp_path / "other.ipynb", "from d2lnotes.results import record\nrecord('x', 1.0)")
    capsys.readouterr()
    assert run_budget.main(["--budget", "full", "--resume", "--skip-recorded", str(path), str(other)]) == 0
    assert "flaky.ipynb: recorded in the full budget already, skipped" in capsys.readouterr().out
    assert run_budget.load("full")["notebooks"][run_budget.notebook_key(path)] == record
    assert run_budget.load("full")["notebooks"][run_budget.notebook_key(other)]["status"] == "passed"


def test_readme_tables_agree_with_the_results_files():
    assert run_budget.main(["--check"]) == 0, "run: python tools/run_budget.py --readme"


def test_generated_table_changes_when_a_result_changes(monkeypatch):
    """The agreement check can fail: a README built from other figures differs."""
    readme = ROOT.joinpath("README.md").read_text(encoding="utf-8")
    budgets = [b for b in run_budget.BUDGETS if run_budget.BEGIN.format(b) in readme]
    assert budgets, "the README has no generated results section"
    real_load = run_budget.load

    def altered(budget):
        data = real_load(budget)
        data["notebooks"]["00_fake/00_x.ipynb"] = {"status": "passed", "seconds": 60, "date": "2000-01-01",
                                                   "figures": {}, "machine": {"load_before": 0}}
        return data
    monkeypatch.setattr(run_budget, "load", altered)
    assert run_budget.readme_text(readme) != readme


def test_a_chapter_table_holds_only_that_chapter():
    data = {"notebooks": {name: {"status": "passed", "seconds": 60, "date": "2000-01-01", "figures": {},
                                 "machine": {"load_before": 0}}
                          for name in ("04_cnn_families/01_alexnet.ipynb", "05_project_cifar10/02_lenet5.ipynb")}}
    chapter = run_budget.table(data, "04_cnn_families")
    assert "| 01_alexnet.ipynb |" in chapter and "lenet5" not in chapter
    assert "04_cnn_families/01_alexnet.ipynb" in run_budget.table(data)
    assert run_budget.table(data, "07_rnn") == "No recorded run in this budget yet."
    paths = [path for path, _ in run_budget.readmes()]
    assert paths[0] == ROOT / "README.md" and ROOT / "book" / "04_cnn_families" / "README.md" in paths


def test_figures_keep_their_digits_in_the_tables():
    def shown(value, floor, better="higher"):
        return run_budget._figure("x", {"value": value, "floor": floor, "better": better})
    assert shown(0.8512, 0.84) == "x 0.851 (≥ 0.840)"
    assert shown(7.18e-05, 1e-04, "lower") == "x 7.2e-05 (≤ 0.0001)"
    assert shown(123.45, None) == "x 123.5" and shown(0.0, 0.0) == "x 0.000 (≥ 0.000)"


@pytest.mark.parametrize("budget", run_budget.BUDGETS)
def test_recorded_figures_meet_their_floors_and_name_real_notebooks(budget):
    data = run_budget.load(budget)
    for name, record in data["notebooks"].items():
        assert (ROOT / "book" / name).is_file(), f"results/{budget}.json names {name}, which is not in book/"
        for figure, f in record["figures"].items():
            if f["floor"] is not None:
                ok = f["value"] >= f["floor"] if f["better"] == "higher" else f["value"] <= f["floor"]
                assert ok, f"{name}: {figure} {f['value']} does not meet its floor {f['floor']}"


def test_two_runners_of_one_budget_keep_each_others_records(monkeypatch, tmp_path):
    monkeypatch.setattr(run_budget, "RESULTS", tmp_path)
    run_budget.add_record("cpu", "a.ipynb", {"status": "passed"})
    stale = run_budget.load("cpu")                      # what a second runner read before the first one saved
    run_budget.add_record("cpu", "b.ipynb", {"status": "failed"})
    assert set(run_budget.load("cpu")["notebooks"]) == {"a.ipynb", "b.ipynb"}
    assert "b.ipynb" not in stale["notebooks"]


@pytest.mark.slow
def test_a_killed_attempt_is_logged_as_killed(tmp_path, monkeypatch):
    """SIGTERM (kill, the end of a session) while a resumable notebook runs: the runner exits with 143, the attempt
    is logged as "killed: SIGTERM" with its wall time so far (not as a failure of the notebook), nothing is
    recorded, and --status says so."""
    import signal
    import subprocess
    import sys

    marker = tmp_path / "started"
    path = _one_cell_notebook(tmp_path / "long.ipynb", (
        f"import os, pathlib, time\npathlib.Path({str(marker)!r}).write_text(str(os.getpid()))\ntime.sleep(120)"))
    env = {**os.environ, "D2LNOTES_DATA": str(tmp_path / "cache")}
    runner = subprocess.Popen([sys.executable, str(ROOT / "tools" / "run_budget.py"), "--budget", "full",
                               "--resume", str(path)], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True, cwd=tmp_path)
    try:
        deadline = time.time() + 60
        while not marker.exists():
            assert time.time() < deadline and runner.poll() is None, "the notebook did not start"
            time.sleep(0.2)
        time.sleep(1.0)
        runner.send_signal(signal.SIGTERM)
        out, err = runner.communicate(timeout=60)
    finally:
        runner.kill()
    assert runner.returncode == 143 and "stopped by SIGTERM" in out
    # the kernel was shut down before the runner exited, not raced by an exit hook (which printed tracebacks)
    assert "Traceback" not in err and "never retrieved" not in err, err
    kernel = int(marker.read_text())
    with pytest.raises(ProcessLookupError):
        os.kill(kernel, 0)
    monkeypatch.setenv("D2LNOTES_DATA", env["D2LNOTES_DATA"])
    log = run_budget.Segments(run_budget.notebook_key(path), "full")
    [attempt] = log.load()
    assert attempt["status"] == "killed: SIGTERM" and attempt["seconds"] >= 1.0
    assert "(last killed: SIGTERM)" in log.status()
    assert run_budget.notebook_key(path) not in run_budget.load("full")["notebooks"]


def test_the_runners_sigterm_handler_survives_a_notebook(tmp_path):
    """nbclient's event loop removes its SIGTERM handler by setting SIG_DFL; the runner's own handler (a kill between
    two notebooks is still logged) must be back once a notebook has run."""
    import signal

    path = _one_cell_notebook(tmp_path / "short.ipynb", "1 + 1")
    previous = signal.signal(signal.SIGTERM, run_budget._terminate)
    try:
        run_budget._notebook_client(nbformat.read(path, as_version=4), 60, tmp_path).execute()
        assert signal.getsignal(signal.SIGTERM) is run_budget._terminate
    finally:
        signal.signal(signal.SIGTERM, previous)
