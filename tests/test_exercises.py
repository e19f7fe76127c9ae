"""Self-checked exercises: every registered exercise accepts its right answer and rejects a typical wrong one."""
import numpy as onp
import pytest

import d2lnotes  # noqa: F401  (NumPy interface)
from d2lnotes import exercises as E

ALL = E.exercises()


@pytest.mark.parametrize("key", sorted(ALL))
def test_right_answer_is_right_and_wrong_answer_is_not(key):
    ex = ALL[key]
    right = ex.solution() if ex.kind == "value" else ex.solution
    assert E.check(key, right).status == "right"
    verdict = E.check(key, ex.wrong)
    assert verdict.status != "right", f"{key}: the typical wrong answer passes"
    assert ex.hint and ex.hint in repr(verdict)


@pytest.fixture
def toy():
    items = [E.Exercise("toy.1", "2 + 2", solution=lambda: 4.0, wrong=5.0, hint="add"),
             E.Exercise("toy.2", "square", solution=lambda x: x ** 2, wrong=lambda x: 2 * x, kind="function",
                        inputs=lambda: [(onp.arange(3.0),), (onp.array([-1.5]),)], hint="multiply")]
    E.register(*items)
    yield
    for ex in items:
        del E._REGISTRY[ex.key]


def test_verdicts(toy):
    assert E.check("toy.1", 4.0) and repr(E.check("toy.1", 4.0)) == "Exercise toy.1: right."
    assert E.check("toy.1", 4.1).status == "close" and "Hint: add" in repr(E.check("toy.1", 4.1))
    assert E.check("toy.1", 7).status == "wrong"
    assert E.check("toy.1", None).status == "unanswered" and not E.check("toy.1", None)
    assert "shape" in E.check("toy.1", [4.0, 4.0]).message
    assert "inf or nan" in E.check("toy.1", float("nan")).message
    assert E.check("toy.2", lambda x: x * x)
    assert E.check("toy.2", lambda x: 2 * x).status == "wrong"
    assert "raised ZeroDivisionError" in E.check("toy.2", lambda x: 1 / 0).message
    assert "function itself" in E.check("toy.2", 3.0).message
    assert E.check("toy.2", lambda x: None).status == "unanswered"


def test_unknown_key_and_double_registration(toy):
    with pytest.raises(KeyError, match="toy.1, toy.2"):
        E.check("toy.9", 1)
    with pytest.raises(ValueError, match="twice"):
        E.register(E.Exercise("toy.1", "", solution=lambda: 0, wrong=1))
    with pytest.raises(ValueError, match="inputs"):
        E.Exercise("toy.3", "", solution=abs, wrong=None, kind="function")
