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
    assert panel.status.value.startswith("done: lr=0.1, epochs=3") and "result-1" in panel.status.value
    assert not panel.button.disabled and panel.stop_button.disabled


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


def test_one_epoch_run_draws_visible_points():
    plot = TrainingPlot(legend=("train", "valid"), xlim=(1, 2))
    plot.add(1, (2.0, 2.5))
    plot.finish()
    assert all(line.get_marker() == "o" for line in plot.axes.get_lines())


def test_labels_are_not_cut_off():
    panel = _panel(lambda **kw: None)
    assert all(widget.style.description_width == "initial" for widget in panel.controls.values())


def _slow_run(num_batches=400, pause=0.002):
    """A training function steered like train_classifier: lr is live, the batch step sleeps a little."""
    import time

    from d2lnotes.train import fit

    def train(lr, width, control=None):
        state = {"lr": lr}
        if control is not None:
            control.bind("lr", lambda v: state.update(lr=v), lr)

        def step(i, X, y):
            time.sleep(pause)
            return 1, (state["lr"],)
        return fit(step, [(None, None)] * num_batches, 1, train_metrics={"mean_lr": lambda s, n: s[0] / n},
                   control=control)
    return train


@pytest.fixture
def kernel_like(monkeypatch):
    """Pretend to run in a kernel, so that Train starts a background thread (nothing is displayed)."""
    import d2lnotes.widgets as widgets

    monkeypatch.setattr(widgets, "in_kernel", lambda: True)


def _wait_for(condition, timeout=10.0):
    import time

    end = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < end, "timed out"
        time.sleep(0.005)


def test_live_slider_changes_the_running_run(kernel_like):
    panel = HyperparameterPanel(_slow_run(), live=("lr",), lr=LogSlider(0.1, 0.001, 1.0),
                                width=IntSlider(8, 1, 64))
    panel.button.click()
    _wait_for(lambda: len(panel.control.values) > 0 and panel.running)
    import time
    time.sleep(0.1)
    panel.controls["lr"].value = 0.01
    panel.wait(30)
    history = panel.result
    lrs = history.hparams["lr"]
    assert len(lrs) == 400 and lrs[0] == pytest.approx(0.1) and lrs[-1] == pytest.approx(0.01)
    assert [(name, round(v, 6)) for _, name, v in history.changes] == [("lr", 0.01)]
    step = lrs.index(lrs[-1])
    assert 0 < step < 400 and history.changes[0][0] == pytest.approx(step / 400)
    assert history["mean_lr"][0] == pytest.approx(sum(lrs) / 400)  # the loop used the value in force
    assert panel.runs == [{"lr": pytest.approx(0.1), "width": 8}] and not panel.running


def test_pause_resume_and_stop(kernel_like):
    import time

    panel = HyperparameterPanel(_slow_run(num_batches=5000), live=("lr",), lr=LogSlider(0.1, 0.001, 1.0),
                                width=IntSlider(8, 1, 64))
    panel.button.click()
    _wait_for(lambda: panel.running and panel.control.values)
    panel.pause_button.click()
    time.sleep(0.05)
    assert panel.control.paused and panel.pause_button.description == "Resume"
    panel.pause_button.click()
    assert not panel.control.paused
    panel.stop_button.click()
    panel.wait(30)
    assert panel.result.stopped and panel.result.epochs == 1 and len(panel.result.hparams["lr"]) < 5000
    assert "stopped" in panel.status.value


def test_moving_a_structural_control_restarts_the_run(kernel_like):
    panel = HyperparameterPanel(_slow_run(num_batches=2000), live=("lr",), lr=LogSlider(0.1, 0.001, 1.0),
                                width=IntSlider(8, 1, 64))
    panel.button.click()
    _wait_for(lambda: panel.running and panel.control.values)
    panel.controls["width"].value = 16
    _wait_for(lambda: len(panel.runs) == 2, timeout=30)
    assert "restarting" in panel.status.value or panel.running
    panel.stop()
    panel.wait(30)
    assert [r["width"] for r in panel.runs] == [8, 16]


def test_live_controls_need_a_steerable_function():
    with pytest.raises(TypeError, match="control=None"):
        HyperparameterPanel(lambda lr: None, live=("lr",), lr=LogSlider(0.1, 0.001, 1.0))
    with pytest.raises(ValueError, match="not controls"):
        HyperparameterPanel(_slow_run(), live=("momentum",), lr=LogSlider(0.1, 0.001, 1.0),
                            width=IntSlider(8, 1, 64))


def test_panel_checkpoint_arguments_are_checked():
    with pytest.raises(TypeError, match="checkpoint=None"):
        HyperparameterPanel(lambda lr: lr, checkpoint="tests/panel", lr=LogSlider(0.1, 0.001, 1.0))
    with pytest.raises(ValueError, match="give checkpoint="):
        HyperparameterPanel(lambda lr, checkpoint=None: lr, settings={"n": 1}, lr=LogSlider(0.1, 0.001, 1.0))
    with pytest.raises(ValueError, match=r"\['lr'\] are controls"):
        HyperparameterPanel(lambda lr, checkpoint=None: lr, checkpoint="t", settings={"lr": 1},
                            lr=LogSlider(0.1, 0.001, 1.0))
    seen = []
    panel = HyperparameterPanel(lambda lr, checkpoint=None: seen.append(checkpoint), checkpoint="t/p",
                                settings={"n_train": 5}, lr=LogSlider(0.1, 0.001, 1.0))
    panel.show()
    assert seen[0].name == "t/p" and seen[0].settings["n_train"] == 5 and seen[0].settings["lr"] == 0.1
