"""The live plot and the hyperparameter panel, driven headless."""
import pytest

from d2lnotes.plot import TrainingPlot
from d2lnotes.widgets import Choice, FloatSlider, HyperparameterPanel, IntSlider, LogSlider, Text


def test_training_plot_keeps_points_per_curve():
    plot = TrainingPlot(legend=("loss", "acc"))
    plot.add(0.5, (2.0, None))
    plot.add(1.0, (1.0, 0.6))
    plot.finish()
    assert plot.X == [[0.5, 1.0], [1.0]] and plot.Y == [[2.0, 1.0], [0.6]]
    lines = plot.axes.get_lines()
    assert [line.get_label() for line in lines] == ["loss", "acc"]
    with pytest.raises(ValueError, match="expected 2 values"):
        plot.add(2, (1.0,))


def _panel(fn):
    return HyperparameterPanel(fn, title="test", lr=LogSlider(0.1, 0.001, 1.0), epochs=IntSlider(3, 1, 10),
                               dropout=FloatSlider(0.5, 0.0, 0.9), act=Choice("relu", ["relu", "sigmoid"]),
                               prefix=Text("time traveller"))


def test_default_run_uses_the_default_values():
    calls = []
    panel = _panel(lambda **kw: calls.append(kw) or "result-1")
    assert panel.show() == "result-1"
    assert calls == [{"lr": 0.1, "epochs": 3, "dropout": 0.5, "act": "relu", "prefix": "time traveller"}]
    assert panel.status.value == "done" and not panel.button.disabled


def test_button_click_trains_with_the_moved_controls():
    calls = []

    def train(lr, epochs, dropout, act, prefix):
        calls.append((lr, epochs, dropout, act, prefix))
        return f"run {len(calls)}"
    panel = _panel(train)
    panel.controls["lr"].value = 0.01
    panel.controls["epochs"].value = 7
    panel.controls["act"].value = "sigmoid"
    panel.controls["prefix"].value = "the"
    panel.button.click()
    assert calls == [(pytest.approx(0.01), 7, 0.5, "sigmoid", "the")]
    assert panel.result == "run 1" and panel.runs[-1]["epochs"] == 7


def test_error_in_a_click_is_shown_not_raised():
    def train(**kw):
        raise ValueError("learning rate too high: loss is nan")
    panel = _panel(train)
    panel.button.click()
    assert isinstance(panel.error, ValueError) and "loss is nan" in panel.status.value
    assert not panel.button.disabled
    with pytest.raises(ValueError):  # the unattended default run must fail loudly
        panel.show()


def test_panel_checks_controls_against_the_signature():
    def train(lr, epochs):
        return None
    with pytest.raises(TypeError, match="no parameter momentum"):
        HyperparameterPanel(train, lr=LogSlider(0.1, 0.01, 1), epochs=IntSlider(1, 1, 2),
                            momentum=FloatSlider(0.9, 0, 1))
    with pytest.raises(TypeError, match="required parameter.*epochs"):
        HyperparameterPanel(train, lr=LogSlider(0.1, 0.01, 1))
    with pytest.raises(ValueError, match="outside"):
        HyperparameterPanel(train, lr=LogSlider(5.0, 0.01, 1), epochs=IntSlider(1, 1, 2))
    with pytest.raises(ValueError, match="not one of"):
        HyperparameterPanel(train, lr=Choice(0.5, [0.1, 0.2]), epochs=IntSlider(1, 1, 2))
