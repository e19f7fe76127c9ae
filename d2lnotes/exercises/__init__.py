"""Exercises that answer back: a student computes a value or writes a function, calls :func:`check`, and is told
right, close or wrong (with a hint). The answers are computed here, never printed in the notebooks.

One module per chapter registers its exercises: :mod:`.ch01_foundations`, :mod:`.ch02_training`,
:mod:`.ch03_cnn_basics`, :mod:`.ch04_cnn_families`, :mod:`.ch05_project_cifar10`, :mod:`.ch07_rnn`, :mod:`.ch10_nlp_projects`. A notebook's
exercise cell reads::

    from d2lnotes.exercises import check
    answer_3 = None                             # the student replaces None by a number (or an array)
    check("03_softmax_regression.3", answer_3)
    check("04_mlp_backprop.2", my_relu_grad)    # a function, run on the exercise's own inputs

A test runs every registered exercise with its right answer and with a typical wrong one.
"""
from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as onp

__all__ = ["Exercise", "Verdict", "check", "register", "exercises"]


@dataclass(frozen=True)
class Exercise:
    """One self-checked exercise.

    Attributes:
        key: ``"<notebook stem>.<exercise number>"``, e.g. ``"03_softmax_regression.3"``.
        question: the exercise in one line (the notebook holds the full text).
        solution: for ``kind="value"`` a function of no arguments computing the right value; for
            ``kind="function"`` a reference implementation.
        kind: ``"value"`` or ``"function"``.
        inputs: for ``kind="function"``: a function returning a list of argument tuples to call both with.
        hint: shown with a wrong or close answer; it must not give the answer away.
        rtol, atol: the answer is right when ``|answer - solution| <= atol + rtol * |solution|`` everywhere.
        close: the answer is close (but not right) within ``close`` relative error.
        wrong: a typical wrong answer (a value, or a function), used by the tests to show the check can fail.
    """

    key: str
    question: str
    solution: Callable
    wrong: Any
    kind: str = "value"
    inputs: Callable[[], list] | None = None
    hint: str = ""
    rtol: float = 1e-4
    atol: float = 1e-6
    close: float = 0.05

    def __post_init__(self):
        if self.kind not in ("value", "function"):
            raise ValueError(f"{self.key}: kind must be 'value' or 'function', got {self.kind!r}")
        if self.kind == "function" and self.inputs is None:
            raise ValueError(f"{self.key}: a function exercise needs inputs=")


@dataclass
class Verdict:
    """The result of :func:`check`: ``status`` is ``"right"``, ``"close"``, ``"wrong"`` or ``"unanswered"`` (the
    answer is still None); ``message`` says why."""

    key: str
    status: str
    message: str = ""
    details: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return self.status == "right"

    def __repr__(self) -> str:
        mark = {"right": "right", "close": "close, but not right", "wrong": "not right",
                "unanswered": "no answer yet"}[self.status]
        if self.status == "unanswered" and not self.message:
            return f"Exercise {self.key}: {mark} (replace None by yours)."
        text = f"Exercise {self.key}: {mark}."
        return f"{text} {self.message}".strip()


_REGISTRY: dict[str, Exercise] = {}


def register(*items: Exercise) -> None:
    """Add exercises to the registry.

    Raises:
        ValueError: a key registered twice.
    """
    for ex in items:
        if ex.key in _REGISTRY:
            raise ValueError(f"exercise {ex.key!r} is registered twice")
        _REGISTRY[ex.key] = ex


def exercises() -> dict[str, Exercise]:
    """Every registered exercise, by key (importing every chapter module first)."""
    _load_all()
    return dict(_REGISTRY)


def check(key: str, answer: Any) -> Verdict:
    """Check a student's ``answer`` to exercise ``key``; the returned :class:`Verdict` shows itself in a notebook.

    Raises:
        KeyError: no exercise ``key`` (the message lists the exercises of that notebook).
    """
    _load_all()
    if key not in _REGISTRY:
        stem = key.rsplit(".", 1)[0]
        same = sorted(k for k in _REGISTRY if k.startswith(stem + "."))
        raise KeyError(f"no exercise {key!r}" + (f"; this notebook has {', '.join(same)}" if same else ""))
    ex = _REGISTRY[key]
    if answer is None:
        return Verdict(key, "unanswered")
    if ex.kind == "value":
        status, message = _compare(answer, ex.solution(), ex)
    else:
        if not callable(answer):
            return Verdict(key, "wrong", "This exercise asks for a function; pass the function itself.")
        status, message = "right", ""
        for args in ex.inputs():
            try:
                got = answer(*args)
            except Exception as e:  # the student's code: report it, do not crash the notebook
                return Verdict(key, "wrong", f"Your function raised {type(e).__name__}: {e}. {ex.hint}".strip())
            if got is None:
                return Verdict(key, "unanswered", "Your function returns None: write its body.")
            status, message = _compare(got, ex.solution(*args), ex)
            if status != "right":
                break
    if status != "right" and ex.hint:
        message = f"{message} Hint: {ex.hint}".strip()
    return Verdict(key, status, message)


def _as_array(x) -> onp.ndarray:
    if hasattr(x, "asnumpy"):
        x = x.asnumpy()
    return onp.asarray(x, dtype=float)


def _compare(answer, expected, ex: Exercise) -> tuple[str, str]:
    if isinstance(expected, (str, bool)) or expected is None:
        return ("right", "") if answer == expected else ("wrong", "")
    try:
        a, e = _as_array(answer), _as_array(expected)
    except (TypeError, ValueError):
        return "wrong", f"Expected a number or an array, got {type(answer).__name__}."
    if a.shape != e.shape:
        return "wrong", f"Expected shape {e.shape}, got {a.shape}."
    if not onp.all(onp.isfinite(a)):
        return "wrong", "Your answer contains inf or nan."
    if onp.all(onp.abs(a - e) <= ex.atol + ex.rtol * onp.abs(e)):
        return "right", ""
    scale = onp.maximum(onp.abs(e), ex.atol)
    if onp.all(onp.abs(a - e) <= ex.close * scale):
        return "close", f"Within {100 * ex.close:.0f}% but not exact: look for a rounding or an off-by-one."
    return "wrong", ""


def _load_all() -> None:
    for info in pkgutil.iter_modules(__path__):
        importlib.import_module(f"{__name__}.{info.name}")
