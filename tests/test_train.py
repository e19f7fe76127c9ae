"""The training helpers on real data and on hand-computed cases."""
import mxnet as mx
import pytest
import numpy as onp
from mxnet import gluon, np, npx
from mxnet.gluon import nn

from d2lnotes import config
from d2lnotes.data.fashion_mnist import load_data_fashion_mnist
from d2lnotes.train import Accumulator, accuracy, evaluate_accuracy, train_and_test, train_classifier


def test_accuracy_counts_correct_predictions():
    y_hat = np.array([[0.1, 0.9], [0.8, 0.2], [0.3, 0.7]])
    assert accuracy(y_hat, np.array([1, 1, 1], dtype="int32")) == 2.0
    assert accuracy(np.array([2, 0]), np.array([2, 1])) == 1.0


def test_accumulator():
    acc = Accumulator(2)
    acc.add(1, 2)
    acc.add(3.5, np.array(4.0))
    assert acc.data == [4.5, 6.0]
    with pytest.raises(ValueError):
        acc.add(1)


def test_evaluate_accuracy_on_a_fixed_classifier():
    class Threshold(nn.Block):  # class 1 when the first feature is positive
        def forward(self, X):
            return np.stack([-X[:, 0], X[:, 0]], axis=1)
    X = np.array([[1.0], [-1.0], [2.0], [-3.0]])
    y = np.array([1, 0, 0, 0], dtype="int32")
    data = gluon.data.DataLoader(gluon.data.ArrayDataset(X, y), batch_size=3)
    assert evaluate_accuracy(Threshold(), data) == pytest.approx(0.75)


def test_training_loop_learns_fashion_mnist(real_data):
    config.seed_everything(0)
    train_iter, test_iter = load_data_fashion_mnist(128, n_train=3000, n_test=1000)
    net = nn.HybridSequential()
    net.add(nn.Dense(128, activation="relu"), nn.Dense(10))
    history = train_classifier(net, train_iter, test_iter, num_epochs=6, lr=0.1, ctx=mx.cpu(), plot=False)
    assert history.epochs == 6 and len(history.test_acc) == 6
    assert history.train_loss[-1] < history.train_loss[0] * 0.8
    assert history.test_acc[-1] > 0.7  # chance is 0.1
    assert all(s > 0 for s in history.samples_per_sec)
    assert history.progress[-1][0] == pytest.approx(6.0)
    assert "test acc" in str(history)


def test_training_loop_accepts_a_scratch_updater(real_data):
    """A from-scratch model: parameters as arrays, an updater(batch_size) doing minibatch SGD."""
    config.seed_everything(0)
    train_iter, test_iter = load_data_fashion_mnist(256, n_train=2000, n_test=500)
    W = np.random.normal(0, 0.01, (784, 10))
    b = np.zeros(10)
    for p in (W, b):
        p.attach_grad()

    def net(X):
        return X.reshape(-1, 784) @ W + b

    def sgd(batch_size, lr=0.1):
        for p in (W, b):
            p[:] = p - lr * p.grad / batch_size

    history = train_classifier(net, train_iter, test_iter, 3, trainer=sgd, ctx=mx.cpu(), plot=False)
    assert history.train_loss[-1] < history.train_loss[0] and history.test_acc[-1] > 0.6


def test_without_test_iter_nothing_is_evaluated_and_training_is_unchanged(real_data):
    """``test_iter=None`` skips the per-epoch evaluation only: the same seed trains the same parameters."""
    params = []
    for evaluate in (True, False):
        config.seed_everything(0)
        train_iter, test_iter = load_data_fashion_mnist(256, n_train=1000, n_test=300)  # the same batch order
        evaluated = test_iter if evaluate else None
        net = nn.HybridSequential()
        net.add(nn.Dense(32, activation="relu"), nn.Dropout(0.5), nn.Dense(10))  # dropout: draws random numbers
        history = train_classifier(net, train_iter, evaluated, 2, lr=0.1, ctx=mx.cpu(), plot=False)
        assert ("test_acc" in history) == (evaluated is not None) and len(history.train_loss) == 2
        params.append([p.data().asnumpy() for p in net.collect_params().values()])
    for a, b in zip(*params):
        onp.testing.assert_array_equal(a, b)


def test_training_loop_rejects_missing_settings():
    net = nn.Dense(2)
    with pytest.raises(ValueError, match="learning rate"):
        train_classifier(net, [], [], 1, plot=False)
    with pytest.raises(ValueError, match="num_epochs"):
        train_classifier(net, [], [], 0, lr=0.1, plot=False)
    with pytest.raises(ValueError, match="unknown schedule"):
        train_classifier(net, [], [], 1, lr=0.1, plot=False, schedule="step")
    with pytest.raises(ValueError, match="lr_scheduler"):
        train_classifier(net, [], [], 1, lr=0.1, plot=False, schedule="cosine",
                         optimizer_params={"lr_scheduler": mx.lr_scheduler.FactorScheduler(step=1)})
    with pytest.raises(ValueError, match="from lr"):
        train_classifier(net, [], [], 1, plot=False, schedule="cosine")


def test_cosine_schedule_equals_passing_the_scheduler_by_hand(real_data):
    """``schedule="cosine"`` is :func:`cosine_scheduler` over this run's updates: the same parameters as passing it
    in ``optimizer_params``, and different ones from the constant rate."""
    from d2lnotes.schedules import cosine_scheduler

    def run(**kwargs):
        config.seed_everything(0)
        train_iter, _ = load_data_fashion_mnist(256, n_train=1000, n_test=300)
        net = nn.HybridSequential()
        net.add(nn.Dense(32, activation="relu"), nn.Dense(10))
        extra = kwargs.pop("lr_scheduler", lambda n: {})(len(train_iter))
        train_classifier(net, train_iter, None, 3, lr=0.3, ctx=mx.cpu(), plot=False,
                         optimizer_params={"momentum": 0.9, **extra}, **kwargs)
        return [p.data().asnumpy() for p in net.collect_params().values()]

    params = {"keyword": run(schedule="cosine"), "constant": run(),
              "by hand": run(lr_scheduler=lambda n: {"lr_scheduler": cosine_scheduler(3, n, 0.3)})}
    for a, b in zip(params["keyword"], params["by hand"]):
        onp.testing.assert_array_equal(a, b)
    assert any(not onp.allclose(a, b) for a, b in zip(params["keyword"], params["constant"]))


def test_init_none_keeps_a_pending_initializer(real_data):
    """A network initialised with He init but not yet run must keep He init, not fall back to the default."""
    train_iter, test_iter = load_data_fashion_mnist(64, n_train=64, n_test=64)
    net = nn.Dense(10, in_units=784)
    net.initialize(mx.init.Constant(0.5))
    kept = nn.Dense(10)  # deferred: its shape is known only at the first forward pass
    kept.initialize(mx.init.Constant(0.25))
    fresh = nn.Dense(10, in_units=784)  # never initialised
    for model, expected in ((net, 0.5), (kept, 0.25)):
        train_classifier(model, train_iter, test_iter, 1, lr=0.0, init=None, ctx=mx.cpu(), plot=False)
        assert float(model.weight.data().mean()) == pytest.approx(expected)
    train_classifier(fresh, train_iter, test_iter, 1, lr=0.0, init=None, ctx=mx.cpu(), plot=False)
    assert 0 < float(np.abs(fresh.weight.data()).max()) <= 0.07  # MXNet's default Uniform(-0.07, 0.07)


def test_label_smoothing_equals_cross_entropy_with_smoothed_dense_targets():
    from d2lnotes.train import LabelSmoothingLoss

    y_hat = np.random.normal(size=(5, 7))
    y = np.array([0, 6, 3, 3, 1], dtype="int32")
    for eps in (0.0, 0.2):
        q = npx.one_hot(y, 7) * (1 - eps) + eps / 7
        ref = gluon.loss.SoftmaxCrossEntropyLoss(sparse_label=False)(y_hat, q)
        loss = LabelSmoothingLoss(eps)
        loss.hybridize()
        assert float(np.abs(loss(y_hat, y) - ref).max()) < 1e-5
    # hand-computed: uniform scores give log K whatever the smoothing
    assert abs(float(LabelSmoothingLoss(0.3)(np.zeros((1, 4)), np.array([2])).item()) - onp.log(4)) < 1e-5  # float32
    with pytest.raises(ValueError):
        LabelSmoothingLoss(1.0)


def test_predict_returns_labels_and_argmax_in_order():
    from d2lnotes.train import predict

    X = np.random.normal(size=(10, 3))
    y = np.arange(10) % 3
    batches = [(X[:4], y[:4]), (X[4:], y[4:])]
    y_true, y_pred = predict(lambda x: x, batches, mx.cpu())
    assert y_true.tolist() == (onp.arange(10) % 3).tolist()
    assert y_pred.tolist() == X.asnumpy().argmax(axis=1).tolist()


def test_history_records_named_metrics():
    from d2lnotes.train import History

    h = History(device="cpu(0)")
    h.record(train_loss=1.0, valid_acc=0.5, seconds=2.0, samples_per_sec=10.0)
    h.record(train_loss=0.5, valid_acc=0.75, seconds=2.0, samples_per_sec=30.0)
    assert h["valid_acc"] == h.valid_acc == [0.5, 0.75] and h.epochs == 2 and "valid_acc" in h
    assert str(h) == "epoch 2: train loss 0.500, valid acc 0.750; 20 samples/s on cpu(0)"
    with pytest.raises(KeyError, match="test_acc"):
        h["test_acc"]
    with pytest.raises(AttributeError, match="test_acc"):
        h.test_acc
    with pytest.raises(ValueError, match="records"):
        h.record(train_loss=0.1, seconds=1.0, samples_per_sec=1.0)


def test_fit_core_sums_on_the_device_and_evaluates_each_epoch():
    """The core with a toy step: sums, counts, progress points and evaluation land where they should."""
    from d2lnotes.train import fit

    batches = [(np.ones((2, 1)), np.zeros(2)), (np.ones((3, 1)), np.zeros(3))]
    evaluated = []

    def step(i, X, y):
        return X.shape[0], (X.sum(), np.array(float(i)))

    history = fit(step, batches, 2, train_metrics={"mean_x": lambda s, n: s[0] / n, "index_sum": lambda s, n: s[1]},
                  evaluate=lambda: evaluated.append(1) or {"valid_score": float(len(evaluated))},
                  progress_points=2)
    assert history.mean_x == [1.0, 1.0] and history.index_sum == [1.0, 1.0]
    assert history.valid_score == [1.0, 2.0] and history.samples_per_sec[0] > 0
    assert [p[0] for p in history.progress] == [0.5, 1.0, 1.5, 2.0]
    with pytest.raises(ValueError, match="no minibatch"):
        fit(step, [], 1, train_metrics={})


def test_validation_split_is_held_out_and_selects_the_epoch(real_data):
    """n_valid carves a disjoint, class-balanced validation split; train_classifier records valid_acc beside
    test_acc, and best_epoch picks on the validation metric."""
    train_iter, valid_iter, test_iter = load_data_fashion_mnist(100, n_train=1000, n_test=500, n_valid=500)
    assert (train_iter.num_examples, valid_iter.num_examples, test_iter.num_examples) == (1000, 500, 500)
    assert onp.bincount(valid_iter.labels).tolist() == [50] * 10
    train_rows = {x.tobytes() for x in train_iter.examples}
    assert not any(x.tobytes() in train_rows for x in valid_iter.examples)
    config.seed_everything(0)
    net = nn.HybridSequential()
    net.add(nn.Dense(64, activation="relu"), nn.Dense(10))
    history = train_classifier(net, train_iter, test_iter, 3, lr=0.1, ctx=mx.cpu(), plot=False,
                               valid_iter=valid_iter)
    assert len(history["valid_acc"]) == len(history["test_acc"]) == 3
    best = history.best_epoch("valid_acc")
    assert history["valid_acc"][best - 1] == max(history["valid_acc"])
    assert history.best_epoch("train_loss", mode="min") == history["train_loss"].index(min(history["train_loss"])) + 1


def test_steered_classifier_run_changes_lr_and_stops(real_data):
    """A RunControl set between epochs: the new learning rate and momentum reach the trainer at the next
    minibatch, the history records the value in force at every step and where it changed; stop ends the run."""
    from d2lnotes.steering import RunControl

    train_iter, test_iter = load_data_fashion_mnist(100, n_train=500, n_test=100)
    control = RunControl()

    def on_epoch(epoch, history):
        if epoch == 1:
            control.set("lr", 0.05)
            control.set("momentum", 0.5)
        if epoch == 2:
            control.stop()

    net = nn.Dense(10)
    net.initialize(mx.init.Xavier())
    trainer = gluon.Trainer(net.collect_params(), "sgd", {"learning_rate": 0.1, "momentum": 0.9})
    history = train_classifier(net, train_iter, test_iter, 5, trainer=trainer, init=None, ctx=mx.cpu(),
                               plot=False, control=control, on_epoch=on_epoch)
    assert history.stopped and history.epochs == 2
    assert history.hparams["lr"] == [0.1] * 5 + [0.05] * 5
    assert history.hparams["momentum"] == [0.9] * 5 + [0.5] * 5
    assert history.changes == [(1.0, "lr", 0.05), (1.0, "momentum", 0.5)]
    assert trainer.learning_rate == 0.05 and trainer.optimizer.momentum == 0.5


def test_run_control_pauses_until_resumed():
    import threading
    import time

    from d2lnotes.steering import RunControl, StopTraining

    control = RunControl()
    control.bind("lr", lambda v: None, 0.1)
    control.pause()
    passed = threading.Event()
    worker = threading.Thread(target=lambda: (control.before_step(), passed.set()))
    worker.start()
    time.sleep(0.1)
    assert not passed.is_set()  # still waiting
    control.resume()
    worker.join(5)
    assert passed.is_set()
    control.set("lr", 0.2)
    control.set("dropout", 0.3)  # nothing bound it in this run
    assert control.before_step() == {"lr": 0.2} and control.unbound() == ["dropout"]
    control.stop()
    with pytest.raises(StopTraining):
        control.before_step()


def test_majority_baseline_is_the_best_constant_classifier():
    from d2lnotes.train import majority_baseline
    # class 2 is the most frequent training label; it is right on 2 of the 4 evaluation labels
    assert majority_baseline([2, 2, 1, 0, 2], [2, 1, 2, 0]) == 0.5
    assert majority_baseline(onp.array([0, 1, 1]), onp.array([0, 0])) == 0.0
    with pytest.raises(ValueError, match="non-empty"):
        majority_baseline([], [1])


def test_train_and_test_evaluates_validation_per_epoch_and_the_test_set_once(real_data, capsys):
    config.seed_everything(0)
    train_iter, valid_iter, test_iter = load_data_fashion_mnist(256, n_train=1000, n_test=300, n_valid=300)
    net = nn.HybridSequential()
    net.add(nn.Dense(32, activation="relu"), nn.Dense(10))
    history, test_acc = train_and_test(net, train_iter, valid_iter, test_iter, 2, lr=0.3, ctx=mx.cpu(), plot=False)
    assert len(history["valid_acc"]) == 2 and "test_acc" not in history
    assert test_acc == evaluate_accuracy(net, test_iter, mx.cpu()) and test_acc > 0.3   # balanced: chance 0.1
    assert f"test accuracy after epoch 2: {test_acc:.3f}" in capsys.readouterr().out
    with pytest.raises(ValueError, match="eval_name"):
        train_and_test(net, train_iter, valid_iter, test_iter, 1, lr=0.1, eval_name="test_acc")
