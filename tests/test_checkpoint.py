"""Resumable runs: a run interrupted after two epochs and resumed ends where an uninterrupted run ends."""
import json

import mxnet as mx
import numpy as onp
import pytest
from mxnet import gluon
from mxnet.gluon import nn

from d2lnotes.checkpoint import Checkpoint, CorruptCheckpointWarning
from d2lnotes.config import seed_everything
from d2lnotes.data.sampling import ArrayLoader
from d2lnotes.train import train_classifier
from d2lnotes.widgets import HyperparameterPanel, IntSlider, LogSlider

EPOCHS = 4


class Interrupted(Exception):
    pass


class DyingLoader(ArrayLoader):
    """A loader whose process "dies" (raises) in the middle of epoch ``die_in`` (counted from 1)."""

    def __init__(self, *args, die_in=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.die_in, self.passes = die_in, 0

    def __iter__(self):
        self.passes += 1
        for i, batch in enumerate(super().__iter__()):
            if self.passes == self.die_in and i == 2:
                raise Interrupted
            yield batch


def _run(root, die_in=None, enabled=True):
    """Train a small MLP with dropout, augmentation noise, momentum and a schedule; return (params, history)."""
    seed_everything(0)
    rng = onp.random.default_rng(1)
    X = rng.normal(size=(256, 20)).astype("float32")
    y = (X[:, :2].sum(axis=1) > 0).astype("int32")
    noisy = lambda batch, g: (batch + 0.1 * g.normal(size=batch.shape)).astype("float32")  # noqa: E731
    train_iter = DyingLoader(X, y, 32, shuffle=True, transform=noisy, seed=3, die_in=die_in)
    test_iter = ArrayLoader(X[:64], y[:64], 64)
    net = nn.HybridSequential()
    net.add(nn.Dense(16, activation="relu"), nn.Dropout(0.3), nn.Dense(2))
    net.initialize(mx.init.Xavier())
    schedule = mx.lr_scheduler.FactorScheduler(step=8, factor=0.9, base_lr=0.1)
    trainer = gluon.Trainer(net.collect_params(), "sgd",
                            {"learning_rate": 0.1, "momentum": 0.9, "lr_scheduler": schedule})
    ckpt = Checkpoint("tests/tiny", {"lr": 0.1}, root=root, enabled=enabled)
    history = train_classifier(net, train_iter, test_iter, EPOCHS, trainer=trainer, init=None, plot=None,
                               ctx=mx.cpu(), checkpoint=ckpt)
    return [v.data().asnumpy() for v in net.collect_params().values()], history, train_iter


def test_resumed_run_equals_uninterrupted_run(tmp_path):
    reference, ref_history, _ = _run(tmp_path / "a")
    with pytest.raises(Interrupted):
        _run(tmp_path / "b", die_in=3)  # the process dies in epoch 3: epochs 1 and 2 are saved
    saved = json.loads(next((tmp_path / "b").glob("*/checkpoint.json")).read_text())
    assert saved["epoch"] == 2
    resumed, history, loader = _run(tmp_path / "b")
    assert loader.passes == EPOCHS - 2 and history.epochs == EPOCHS  # it trained only epochs 3 and 4
    for i, (ours, theirs) in enumerate(zip(reference, resumed)):
        assert onp.array_equal(ours, theirs), f"parameter {i}"
    assert history["train_loss"] == pytest.approx(ref_history["train_loss"], rel=1e-6)
    # the summary tells a student which epochs were restored rather than trained
    assert history.resumed == 2 and str(history).endswith("(epochs 1-2 restored from a checkpoint)")
    assert ref_history.resumed == 0 and "restored" not in str(ref_history)
    # a finished run restores instantly and trains nothing more
    again, history2, loader2 = _run(tmp_path / "b")
    assert history2.resumed == EPOCHS
    assert loader2.passes == 0 and history2.epochs == EPOCHS and all(onp.array_equal(a, r) for a, r in zip(again, reference))


def test_a_steered_run_stops_saving(tmp_path):
    """Once a live hyperparameter changes, the run is not the one its settings name: its later epochs are not saved,
    so the next run of those settings resumes from the last epoch trained as named."""
    from d2lnotes.steering import RunControl

    control = RunControl()
    X = onp.random.default_rng(0).normal(size=(64, 4)).astype("float32")
    loader = ArrayLoader(X, (X[:, 0] > 0).astype("int32"), 16, shuffle=True, seed=0)
    net = nn.Dense(2)
    ckpt = Checkpoint("tests/steered", {"lr": 0.1}, root=tmp_path, enabled=True)

    def on_epoch(epoch, history):
        if epoch == 2:
            control.set("lr", 0.01)   # applied at the first minibatch of epoch 3

    history = train_classifier(net, loader, loader, 4, lr=0.1, ctx=mx.cpu(), plot=None, control=control,
                               on_epoch=on_epoch, checkpoint=ckpt)
    assert history.epochs == 4 and history.changes == [(2.0, "lr", 0.01)]
    saved = json.loads(next(tmp_path.glob("*/checkpoint.json")).read_text())
    assert saved["epoch"] == 2 and saved["num_epochs"] == 4 and saved["history"]["changes"] == []


def test_without_reseeding_the_resumed_run_would_differ(tmp_path):
    """The check above can fail: a run that restarts from scratch without a checkpoint diverges from it."""
    reference, _, _ = _run(tmp_path / "a")
    plain, _, _ = _run(tmp_path / "c", enabled=False)
    assert any(not onp.array_equal(r, p) for r, p in zip(reference, plain))


def test_a_corrupt_checkpoint_is_detected_and_the_run_restarts(tmp_path):
    reference, _, _ = _run(tmp_path / "a")
    with pytest.raises(Interrupted):
        _run(tmp_path / "b", die_in=3)
    params = next((tmp_path / "b").glob("*/epoch-2.params"))
    data = bytearray(params.read_bytes())
    data[-10] ^= 0xFF
    params.write_bytes(bytes(data))
    with pytest.warns(CorruptCheckpointWarning, match="does not match its recorded sha256"):
        restarted, history, loader = _run(tmp_path / "b")
    assert loader.passes == EPOCHS and history.epochs == EPOCHS
    assert all(onp.array_equal(r, p) for r, p in zip(reference, restarted))


def test_settings_and_network_choose_the_folder(tmp_path):
    net = nn.Dense(2)
    a = Checkpoint("nb", {"lr": 0.1}, root=tmp_path, enabled=True).attach(net)
    b = Checkpoint("nb", {"lr": 0.2}, root=tmp_path, enabled=True).attach(net)
    c = Checkpoint("nb", {"lr": 0.1}, root=tmp_path, enabled=True).attach(nn.Dense(3))
    assert len({a.folder, b.folder, c.folder}) == 3
    net.initialize()
    net(mx.np.ones((1, 5)))  # shapes known now ("5 -> 2"): still the same run
    assert Checkpoint("nb", {"lr": 0.1}, root=tmp_path, enabled=True).attach(net).folder == a.folder
    with pytest.raises(RuntimeError, match="attach"):
        Checkpoint("nb", {}, root=tmp_path).folder


def test_no_resume_when_asked(tmp_path, monkeypatch):
    """D2LNOTES_RESUME=0 (set by the results runner): the run starts from scratch although a checkpoint exists."""
    _run(tmp_path / "a")
    monkeypatch.setenv("D2LNOTES_RESUME", "0")
    _, history, loader = _run(tmp_path / "a")
    assert loader.passes == EPOCHS and history.epochs == EPOCHS


def _tiny_classifier_run(lr, epochs, width, checkpoint=None, die_in=None, loaders=None):
    """A small MLP on a fixed two-class problem, trained by the book's loop with the panel's checkpoint."""
    seed_everything(0)
    rng = onp.random.default_rng(1)
    X = rng.normal(size=(256, 20)).astype("float32")
    y = (X[:, :2].sum(axis=1) > 0).astype("int32")
    train_iter = DyingLoader(X, y, 32, shuffle=True, seed=3, die_in=die_in)
    if loaders is not None:
        loaders.append(train_iter)
    net = nn.HybridSequential()
    net.add(nn.Dense(width, activation="relu"), nn.Dense(2))
    return train_classifier(net, train_iter, DyingLoader(X[:64], y[:64], 64), epochs, lr, plot=None,
                            ctx=mx.cpu(), checkpoint=checkpoint)


def test_a_panel_with_a_checkpoint_resumes_an_interrupted_run(tmp_path, monkeypatch):
    """checkpoint=: every run gets a Checkpoint keyed by the controls and settings; a rerun of an interrupted run
    of the same values trains only the epochs left and ends where an uninterrupted run ends. A finished run keeps
    its checkpoint only for the default values."""
    monkeypatch.setenv("D2LNOTES_DATA", str(tmp_path))
    monkeypatch.setenv("D2LNOTES_BUDGET", "cpu")
    monkeypatch.delenv("D2LNOTES_SMOKE", raising=False)
    monkeypatch.delenv("D2LNOTES_RESUME", raising=False)
    reference = _tiny_classifier_run(0.1, 4, 16)  # no checkpoint: the uninterrupted run
    loaders, die_in = [], [3]

    def train(lr, epochs, width, checkpoint=None):
        return _tiny_classifier_run(lr, epochs, width, checkpoint, die_in=die_in[0], loaders=loaders)

    panel = HyperparameterPanel(train, checkpoint="tests/panel", settings={"n_train": 256},
                                lr=LogSlider(0.1, 0.001, 1.0), epochs=IntSlider(4, 1, 10), width=IntSlider(16, 4, 32))
    with pytest.raises(Interrupted):
        panel.show()
    [saved] = list((tmp_path / "checkpoints").iterdir())
    assert saved.name.startswith("tests_panel-")
    die_in[0] = None
    resumed = panel.train(raise_errors=True)
    assert loaders[-1].passes == 2  # epochs 3 and 4 only
    assert resumed.epochs == 4 and resumed["test_acc"] == pytest.approx(reference["test_acc"])
    assert "(epochs 1-2 restored from a checkpoint)" in panel.status.value
    assert resumed["train_loss"] == pytest.approx(reference["train_loss"])
    # another value of a control is another run: a folder of its own, trained from scratch and resumable ...
    panel.controls["width"].value = 8
    die_in[0] = 2
    assert panel.train() is None and isinstance(panel.error, Interrupted)
    assert len(list((tmp_path / "checkpoints").iterdir())) == 2
    die_in[0] = None
    panel.train(raise_errors=True)
    assert loaders[-1].passes == 3
    # ... whose checkpoint is deleted once it finished; the default values' finished run keeps its own
    assert list((tmp_path / "checkpoints").iterdir()) == [saved]
