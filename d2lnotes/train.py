"""Training helpers: metric accumulation, a timer, accuracy, evaluation and one training loop for classifiers.

The loop follows d2l's ``train_ch6`` ("Convolutional Neural Networks (LeNet)", Sec. 7.6 of the MXNet edition)
with three changes: metrics are accumulated on the device and read once per epoch (d2l synchronises after
every batch), the network is hybridized when it can be, and the run is returned as a :class:`History`.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Callable

import mxnet as mx
from mxnet import autograd, gluon, np, npx

from .plot import TrainingPlot


class Accumulator:
    """Running sums of ``n`` quantities (e.g. total loss, correct predictions, examples).

    Source: d2l ``Accumulator`` (Sec. 3.6).
    """

    def __init__(self, n: int):
        self.data = [0.0] * n

    def add(self, *args) -> None:
        if len(args) != len(self.data):
            raise ValueError(f"expected {len(self.data)} values, got {len(args)}")
        self.data = [a + float(b) for a, b in zip(self.data, args)]

    def reset(self) -> None:
        self.data = [0.0] * len(self.data)

    def __getitem__(self, i: int) -> float:
        return self.data[i]


class Timer:
    """Record several running times (seconds)."""

    def __init__(self):
        self.times: list[float] = []
        self._tik = None

    def start(self) -> None:
        self._tik = time.perf_counter()

    def stop(self) -> float:
        """Stop the timer, record and return the elapsed seconds.

        Raises:
            RuntimeError: if the timer was not started.
        """
        if self._tik is None:
            raise RuntimeError("Timer.stop() called before start()")
        self.times.append(time.perf_counter() - self._tik)
        self._tik = None
        return self.times[-1]

    def sum(self) -> float:
        return sum(self.times)

    def avg(self) -> float:
        return self.sum() / len(self.times) if self.times else 0.0


def correct_count(y_hat, y):
    """Number of correct predictions, as a 0-d MXNet array on the device (no synchronisation).

    Args:
        y_hat: ``(batch, num_classes)`` scores or ``(batch,)`` predicted labels.
        y: ``(batch,)`` integer labels.
    """
    if y_hat.ndim > 1 and y_hat.shape[1] > 1:
        y_hat = y_hat.argmax(axis=1)
    return (y_hat.astype(y.dtype) == y).sum()


def accuracy(y_hat, y) -> float:
    """Number of correct predictions as a Python float (d2l's ``accuracy``, Sec. 3.6)."""
    return float(correct_count(y_hat, y))


def evaluate_accuracy(net: Callable, data_iter, ctx=None) -> float:
    """Fraction of correctly classified examples of ``data_iter`` (batches ``(X, y)``), computed on ``ctx``.

    ``ctx`` defaults to the context of ``net``'s first parameter for a Gluon block, else the CPU.
    """
    if ctx is None:
        ctx = _net_context(net)
    correct, total = np.zeros((), ctx=ctx), 0
    for X, y in data_iter:
        X, y = X.as_in_ctx(ctx), y.as_in_ctx(ctx)
        correct = correct + correct_count(net(X), y).astype("float32")
        total += y.shape[0]
    return float(correct) / total if total else 0.0


def predict(net: Callable, data_iter, ctx=None):
    """Labels and predictions of every example of ``data_iter``, for confusion matrices and per-class accuracy.

    Returns:
        ``(y_true, y_pred)``: two ``(n,)`` int64 NumPy arrays in the order of ``data_iter``.
    """
    import numpy as onp

    if ctx is None:
        ctx = _net_context(net)
    truth, preds = [], []
    for X, y in data_iter:
        preds.append(net(X.as_in_ctx(ctx)).argmax(axis=1).asnumpy().astype(onp.int64))
        truth.append(y.asnumpy().astype(onp.int64))
    if not truth:
        return onp.zeros(0, onp.int64), onp.zeros(0, onp.int64)
    return onp.concatenate(truth), onp.concatenate(preds)


class LabelSmoothingLoss(gluon.loss.Loss):
    """Softmax cross-entropy against smoothed targets (标签平滑): the true class gets ``1 - epsilon``, every class
    ``epsilon / num_classes`` more, so ``q = (1 - epsilon) * one_hot(y) + epsilon / K``.

    ``loss(y_hat (batch, K) scores, y (batch,) integer labels) -> (batch,)``. ``epsilon = 0`` is the ordinary
    cross-entropy (``gluon.loss.SoftmaxCrossEntropyLoss``).

    Source: Szegedy et al., Rethinking the Inception architecture for computer vision, 2016, Sec. 7.
    Taught in book/05_project_cifar10/03_vgg.ipynb.

    Raises:
        ValueError: ``epsilon`` outside [0, 1).
    """

    def __init__(self, epsilon: float = 0.1, **kwargs):
        super().__init__(weight=None, batch_axis=0, **kwargs)
        if not 0 <= epsilon < 1:
            raise ValueError(f"epsilon must be in [0, 1), got {epsilon}")
        self.epsilon = epsilon

    def hybrid_forward(self, F, y_hat, y):
        # sum_k q_k log p_k = (1 - epsilon) log p_y + epsilon * mean_k log p_k
        log_p = F.npx.log_softmax(y_hat, axis=-1)
        return -(1 - self.epsilon) * F.npx.pick(log_p, y, axis=-1) - self.epsilon * log_p.mean(axis=-1)


@dataclass
class History:
    """What a training run produced, one entry per epoch (loss is the mean training loss per example).

    ``progress`` holds ``(fractional epoch, running train loss, running train accuracy)`` points recorded about
    five times per epoch, as the live plot shows them.
    """

    train_loss: list[float] = field(default_factory=list)
    train_acc: list[float] = field(default_factory=list)
    test_acc: list[float] = field(default_factory=list)
    samples_per_sec: list[float] = field(default_factory=list)
    seconds: list[float] = field(default_factory=list)
    progress: list[tuple[float, float, float]] = field(default_factory=list)
    device: str = ""

    @property
    def epochs(self) -> int:
        return len(self.train_loss)

    def summary(self) -> str:
        if not self.epochs:
            return "no epoch trained"
        return (f"epoch {self.epochs}: loss {self.train_loss[-1]:.3f}, train acc {self.train_acc[-1]:.3f}, "
                f"test acc {self.test_acc[-1]:.3f}; {sum(self.samples_per_sec) / self.epochs:.0f} samples/s "
                f"on {self.device}")

    def __str__(self) -> str:
        return self.summary()


def train_classifier(net, train_iter, test_iter, num_epochs: int, lr: float | None = None, *, ctx=None,
                     trainer=None, optimizer: str = "sgd", optimizer_params: dict | None = None, loss=None,
                     init: mx.init.Initializer | None | str = "xavier", hybridize: bool = True,
                     plot: TrainingPlot | bool | None = True, progress_points: int = 5) -> History:
    """Train a classifier and return its :class:`History`.

    Args:
        net: a Gluon block, or any callable ``X -> scores`` trained through a custom ``trainer``.
        train_iter, test_iter: iterables of ``(X, y)`` with ``y: (batch,)`` integer labels.
        num_epochs: passes over ``train_iter``.
        lr: learning rate for the optimizer built here (ignored when ``trainer`` is given).
        ctx: device (default: :func:`d2lnotes.config.try_gpu`).
        trainer: a ``gluon.Trainer``, or a callable ``updater(batch_size)`` for from-scratch models; default: a
            ``gluon.Trainer(net.collect_params(), optimizer, {"learning_rate": lr, **optimizer_params})``.
        loss: per-example loss ``loss(y_hat, y) -> (batch,)`` (default softmax cross-entropy).
        init: ``"xavier"`` (re-initialise all parameters with Xavier, as d2l's ``train_ch6``), an initializer to
            re-initialise with, or None to keep the current parameters: initialised and pending (deferred)
            ones are kept, only parameters never initialised get the default initializer, and parameters on
            another device are moved to ``ctx``. Re-initialising or moving replaces a parameter's data array, so
            a custom ``trainer`` must read ``p.data()`` at every step rather than keep the arrays.
        hybridize: hybridize a ``HybridBlock`` before training.
        plot: True for a new live :class:`~d2lnotes.plot.TrainingPlot`, a plot to draw into, or None/False.
        progress_points: how many running-loss points per epoch to record and plot.

    Raises:
        ValueError: if neither ``lr`` nor ``trainer`` is given, or ``num_epochs < 1``.
    """
    from .config import try_gpu

    if num_epochs < 1:
        raise ValueError(f"num_epochs must be at least 1, got {num_epochs}")
    ctx = ctx or try_gpu()
    is_block = isinstance(net, gluon.Block)
    if is_block:
        if init is not None:
            net.initialize(mx.init.Xavier() if init == "xavier" else init, ctx=ctx, force_reinit=True)
        else:
            _initialize_missing(net, ctx)
        if hybridize and isinstance(net, gluon.HybridBlock):
            net.hybridize()
    if trainer is None:
        if lr is None:
            raise ValueError("give the learning rate lr= or a trainer=")
        if not is_block:
            raise ValueError("a model that is not a Gluon block needs trainer= (an updater(batch_size) callable)")
        trainer = gluon.Trainer(net.collect_params(), optimizer, {"learning_rate": lr, **(optimizer_params or {})})
    step = trainer.step if isinstance(trainer, gluon.Trainer) else trainer
    loss = loss or gluon.loss.SoftmaxCrossEntropyLoss()
    if plot is True:
        plot = TrainingPlot(legend=("train loss", "train acc", "test acc"), xlim=(0, num_epochs))
    history = History(device=str(ctx))
    num_batches = len(train_iter)
    marks = {max(1, round(num_batches * k / progress_points)) for k in range(1, progress_points + 1)}
    for epoch in range(num_epochs):
        total_loss = np.zeros((), ctx=ctx)
        total_correct = np.zeros((), ctx=ctx)
        n = 0
        start = time.perf_counter()
        for i, (X, y) in enumerate(train_iter, start=1):
            X, y = X.as_in_ctx(ctx), y.as_in_ctx(ctx)
            with autograd.record():
                y_hat = net(X)
                per_example = loss(y_hat, y)
            per_example.backward()
            step(X.shape[0])
            total_loss = total_loss + per_example.sum()
            total_correct = total_correct + correct_count(y_hat, y).astype("float32")
            n += X.shape[0]
            if i in marks:
                point = (epoch + i / num_batches, float(total_loss) / n, float(total_correct) / n)
                history.progress.append(point)
                if plot:
                    plot.add(point[0], (point[1], point[2], None))
        npx.waitall()
        seconds = time.perf_counter() - start
        history.train_loss.append(float(total_loss) / n)
        history.train_acc.append(float(total_correct) / n)
        history.seconds.append(seconds)
        history.samples_per_sec.append(n / seconds)
        history.test_acc.append(evaluate_accuracy(net, test_iter, ctx))
        if plot:
            plot.add(epoch + 1, (None, None, history.test_acc[-1]))
    if plot:
        plot.finish()
    return history


def _initialize_missing(net, ctx) -> None:
    """Initialise only never-initialised parameters; move initialised ones to ``ctx`` (pending ones keep theirs)."""
    for p in net.collect_params().values():
        try:
            current = p.list_ctx()
        except RuntimeError:  # never initialised: no initializer is pending either
            p.initialize(ctx=ctx)
            continue
        if current != [ctx] and p._data is not None:
            p.reset_ctx(ctx)


def _net_context(net):
    if isinstance(net, gluon.Block):
        params = list(net.collect_params().values())
        if params:
            return params[0].list_ctx()[0]
    return mx.cpu()
