"""The figures a notebook's check cells assert, recorded for ``tools/run_budget.py`` (``results/<budget>.json``).

A check cell states its figure, the floor it asserts and which way is better, in one call::

    record("test_acc", test_acc, floor=by_mode(smoke=majority + 0.1, cpu=0.88, full=0.90))

:func:`record` asserts the floor (``value >= floor``, or ``value <= floor`` with ``better="lower"`` for
losses and perplexities) and, when the runner set ``D2LNOTES_RESULTS_FILE``, appends the figure to that file as
one JSON line. Run interactively, it only asserts and returns the value. A floor that a recorded run did not
reach fails the run, so floors in the repository are never above what was measured.
"""
from __future__ import annotations

import json
import math
import os

__all__ = ["record", "RESULTS_FILE_VARIABLE"]

RESULTS_FILE_VARIABLE = "D2LNOTES_RESULTS_FILE"


def record(name: str, value: float, floor: float | None = None, better: str = "higher",
           note: str = "") -> float:
    """Assert ``value`` against ``floor`` and record it for the results runner.

    Args:
        name: the figure's name, unique in the notebook, e.g. ``"test_acc"``, ``"valid_ppl_lstm"``, ``"bleu"``.
        value: the measured number (a float, or anything ``float()`` accepts, such as a 0-d array).
        floor: the bound the notebook asserts in the current budget, or None for a figure that is only reported.
        better: ``"higher"`` (accuracies, BLEU, AP: the value must be ``>= floor``) or ``"lower"`` (losses,
            perplexities, errors: ``<= floor``).
        note: a few words for the results table (e.g. ``"epoch chosen on validation"``).

    Returns:
        ``value`` as a float.

    Raises:
        ValueError: ``value`` is NaN or infinite, or ``better`` is neither ``"higher"`` nor ``"lower"``.
        AssertionError: the value does not reach the floor.
    """
    value = float(value)
    if better not in ("higher", "lower"):
        raise ValueError(f"better must be 'higher' or 'lower', got {better!r}")
    if not math.isfinite(value):
        raise ValueError(f"{name} = {value}: a figure must be a finite number")
    if floor is not None:
        floor = float(floor)
        ok = value >= floor if better == "higher" else value <= floor
        relation = ">=" if better == "higher" else "<="
        assert ok, f"{name} = {value:.4g}, expected {relation} {floor:.4g}"
    path = os.environ.get(RESULTS_FILE_VARIABLE)
    if path:
        entry = {"name": name, "value": value, "floor": floor, "better": better, "note": note}
        with open(path, "a", encoding="utf-8") as f:
            f.write(json.dumps(entry) + "\n")
    return value
