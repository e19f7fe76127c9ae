"""Training: metrics, evaluation, the training core every task loop runs on, and the classifier loop.

:func:`fit` is the one training core: epochs, timing, metrics summed on the device, evaluation, the live plot and
a :class:`History` of named per-epoch metrics. A task loop supplies one minibatch step: :func:`train_classifier`
here, :func:`d2lnotes.text.language_model.train_language_model` for language models.

The classifier loop follows d2l's ``train_ch3``/``train_ch6`` (Sec. 3.6 and 6.6 of the MXNet edition) with three
changes: metrics are accumulated on the device and read a few times per epoch (d2l synchronises after every
batch), the network is hybridized when it can be, and the run is returned as a :class:`History`.
"""
from __future__ import annotations

import time
from typing import Callable, Sequence

import mxnet as mx
import numpy as onp
from mxnet import autograd, gluon, np, npx

from .checkpoint import Checkpoint
from .plot import TrainingPlot
from .steering import RunControl, StopTraining


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


def correct_count(y_hat, y):
    """Number of correct predictions, as a 0-d MXNet array on the device (no synchronisation).

    Args:
        y_hat: ``(batch, num_classes)`` scores or ``(batch,)`` predicted labels.
        y: ``(batch,)`` integer labels.
    """
    if y_hat.ndim > 1 and y_hat.shape[1] > 1:
        y_hat = y_hat.argmax(axis=1)
    return (y_hat.astype(y.dtype) == y).sum()


def majority_baseline(train_labels, eval_labels) -> float:
    """Accuracy on ``eval_labels`` of always predicting the most frequent class of ``train_labels``: the best
    constant classifier, the baseline a trained model's accuracy floor is measured against.

    Args:
        train_labels, eval_labels: ``(n,)`` non-negative integer class labels (NumPy arrays or lists).

    Raises:
        ValueError: either set of labels is empty.
    """
    train_labels, eval_labels = onp.asarray(train_labels), onp.asarray(eval_labels)
    if train_labels.size == 0 or eval_labels.size == 0:
        raise ValueError("majority_baseline needs non-empty training and evaluation labels")
    return float((eval_labels == onp.bincount(train_labels).argmax()).mean())


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


class History:
    """What a training run produced: named per-epoch metrics, kept apart by split.

    Every epoch records the same names, e.g. ``train_loss``, ``train_acc``, ``test_acc`` for a classifier or
    ``train_ppl``, ``valid_ppl`` for a language model, plus ``seconds`` and the throughput
    ``<unit>_per_sec`` (``samples_per_sec``, ``tokens_per_sec``). Read a metric as ``history["valid_ppl"]`` or
    ``history.valid_ppl`` (a list, one value per epoch).

    ``progress`` holds ``(fractional epoch, running value of each training metric...)`` points recorded a few
    times per epoch, as the live plot shows them.

    A run steered through a :class:`~d2lnotes.steering.RunControl` also keeps ``hparams`` (``{name: [value in
    force at each minibatch step]}``), ``changes`` (``(fractional epoch, name, new value)`` where a value changed
    during the run) and ``stopped`` (True when it was stopped early; the interrupted epoch is recorded over the
    minibatches it trained).

    A run resumed from a :class:`~d2lnotes.checkpoint.Checkpoint` has ``resumed`` set to the number of epochs it
    restored rather than trained (0 otherwise); its summary says so.
    """

    def __init__(self, device: str = "", unit: str = "samples"):
        self.metrics: dict[str, list[float]] = {}
        self.progress: list[tuple[float, ...]] = []
        self.device = device
        self.unit = unit
        self.hparams: dict[str, list] = {}
        self.changes: list[tuple[float, str, object]] = []
        self.stopped = False
        self.resumed = 0

    def record(self, **values: float) -> None:
        """Append one epoch's values.

        Raises:
            ValueError: a metric recorded in earlier epochs is missing, or a new one appears after the first epoch.
        """
        if self.metrics and set(values) != set(self.metrics):
            raise ValueError(f"epoch {self.epochs + 1} records {sorted(values)}, earlier epochs {sorted(self.metrics)}")
        for name, value in values.items():
            self.metrics.setdefault(name, []).append(float(value))

    def __getitem__(self, name: str) -> list[float]:
        if name not in self.metrics:
            raise KeyError(f"no metric {name!r}; this run recorded {sorted(self.metrics)}")
        return self.metrics[name]

    def __getattr__(self, name: str) -> list[float]:
        metrics = self.__dict__.get("metrics", {})
        if name in metrics:
            return metrics[name]
        raise AttributeError(f"History has no attribute or metric {name!r}; metrics: {sorted(metrics)}")

    def __contains__(self, name: str) -> bool:
        return name in self.metrics

    def best_epoch(self, select: str = "valid_acc", mode: str = "max") -> int:
        """The epoch (counted from 1) where metric ``select`` is best: ``"max"`` for accuracies, ``"min"`` for
        losses and perplexities. Select on a validation metric, then read the test metric at that epoch:
        ``history["test_acc"][history.best_epoch("valid_acc") - 1]``.

        Raises:
            KeyError: no metric ``select``. ValueError: ``mode`` not ``"max"`` or ``"min"``.
        """
        values = self[select]
        if mode not in ("max", "min"):
            raise ValueError(f"mode must be 'max' or 'min', got {mode!r}")
        best = max(values) if mode == "max" else min(values)
        return values.index(best) + 1

    @property
    def epochs(self) -> int:
        return len(self.metrics.get("seconds", ()))

    def summary(self) -> str:
        """``epoch N: <each metric's last value>; <mean throughput> on <device>``, and which epochs were restored
        from a checkpoint, if any."""
        if not self.epochs:
            return "no epoch trained"
        speed = f"{self.unit}_per_sec"
        shown = [f"{name.replace('_', ' ')} {_format_metric(values[-1])}" for name, values in self.metrics.items()
                 if name not in ("seconds", speed)]
        rate = sum(self.metrics[speed]) / self.epochs if speed in self.metrics else 0.0
        restored = ""
        if self.resumed:
            epochs = "epoch 1" if self.resumed == 1 else f"epochs 1-{self.resumed}"
            restored = f" ({epochs} restored from a checkpoint)"
        return f"epoch {self.epochs}: {', '.join(shown)}; {rate:.0f} {self.unit}/s on {self.device}{restored}"

    def __str__(self) -> str:
        return self.summary()


def _format_metric(value: float) -> str:
    return f"{value:.1f}" if abs(value) >= 10 else f"{value:.3f}"


def make_updater(net, lr: float | None = None, trainer=None, optimizer: str = "sgd",
                 optimizer_params: dict | None = None) -> Callable[[int], None]:
    """The ``step(batch_size)`` callable a training loop calls after every backward pass.

    Args:
        net: a Gluon block, or a from-scratch model with a list of arrays ``net.params`` (gradients attached).
        lr: learning rate of the optimiser built here.
        trainer: a ``gluon.Trainer`` (its ``step``) or any ``updater(batch_size)`` callable, used as it is.
        optimizer, optimizer_params: the Gluon optimiser built for a block when ``trainer`` is None.

    A from-scratch model without ``trainer`` gets minibatch SGD, ``p -= lr * p.grad / batch_size`` (d2l ``sgd``,
    Sec. 3.2).

    Raises:
        ValueError: neither ``lr`` nor ``trainer``; a model that is neither a block nor has ``params``.
    """
    if trainer is not None:
        return trainer.step if isinstance(trainer, gluon.Trainer) else trainer
    if lr is None:
        raise ValueError("give the learning rate lr= or a trainer=")
    if isinstance(net, gluon.Block):
        return gluon.Trainer(net.collect_params(), optimizer, {"learning_rate": lr, **(optimizer_params or {})}).step
    if not hasattr(net, "params"):
        raise ValueError("a model that is neither a Gluon block nor has .params needs trainer= "
                         "(an updater(batch_size) callable)")

    return _SGD(net.params, lr)


class _SGD:
    """Minibatch SGD on a list of arrays, with the learning rate as an attribute (so a run can steer it)."""

    def __init__(self, params, lr: float):
        self.params, self.lr = params, lr

    def __call__(self, batch_size: int) -> None:
        for p in self.params:
            p[:] = p - self.lr * p.grad / batch_size


def fit(batch_step: Callable, train_iter, num_epochs: int, *, train_metrics: dict[str, Callable],
        evaluate: Callable[[], dict[str, float]] | None = None, plot: TrainingPlot | None = None,
        plot_metrics: Sequence[str] = (), progress_points: int = 0, device: str = "", unit: str = "samples",
        on_epoch: Callable | None = None, control: RunControl | None = None,
        checkpoint: Checkpoint | None = None) -> History:
    """The training core every task loop runs on: epochs, timing, metrics, evaluation, the live plot.

    A task loop (classifier, language model, ...) supplies only what differs: how one minibatch is trained and
    which sums it reports, how those sums become metrics, and how the model is evaluated.

    Args:
        batch_step: ``batch_step(i, X, Y) -> (n, sums)`` trains on minibatch ``i`` (0 at the start of each epoch)
            and returns the number ``n`` of examples (or tokens) it counted and a tuple of 0-d device arrays to
            sum over the epoch (e.g. total loss, correct predictions). Sums stay on the device; they are read
            only at progress points and at the end of the epoch.
        train_iter: iterable of minibatches ``(X, Y)``; ``len(train_iter)`` places the progress points.
        num_epochs: passes over ``train_iter``.
        train_metrics: ``{name: f(sums, n)}`` turning the epoch's sums (floats) into training metrics, e.g.
            ``{"train_loss": lambda s, n: s[0] / n}``.
        evaluate: ``evaluate() -> {name: value}`` after every epoch (validation or test metrics).
        plot: a :class:`~d2lnotes.plot.TrainingPlot` whose curves are ``plot_metrics``, in that order.
        progress_points: running training metrics recorded (and plotted) this many times per epoch; 0: the
            training metrics are plotted once per epoch.
        device: the device's name for the summary.
        unit: what ``n`` counts (``"samples"``, ``"tokens"``): the throughput is recorded as ``<unit>_per_sec``.
        on_epoch: ``callback(epoch, history)`` after every epoch (epoch counted from 1).
        control: a :class:`~d2lnotes.steering.RunControl` the task loop has bound its live hyperparameters to;
            before every minibatch the core waits while it is paused, applies changed values (marking them on
            the plot) and ends the run when it is stopped.
        checkpoint: a :class:`~d2lnotes.checkpoint.Checkpoint` already attached to the model: the run resumes
            after its last saved epoch (the restored epochs are drawn on the plot), reseeds every epoch from
            ``(seed, epoch)`` and saves after every completed epoch, until ``control`` changes a hyperparameter:
            from then on the run no longer matches the settings its checkpoint is keyed by, so it saves nothing.

    Returns:
        The run's :class:`History` (with a checkpoint: the restored epochs too).

    Raises:
        ValueError: ``num_epochs < 1``; ``plot_metrics`` names a metric that is neither trained nor evaluated.
    """
    if num_epochs < 1:
        raise ValueError(f"num_epochs must be at least 1, got {num_epochs}")
    history = History(device=device, unit=unit)
    first_epoch = history.resumed = checkpoint.restore(history) if checkpoint is not None else 0
    if first_epoch and plot is not None:
        for e in range(min(first_epoch, num_epochs)):
            plot.add(e + 1, [history[m][e] if m in history else None for m in plot_metrics])
    num_batches = len(train_iter) if hasattr(train_iter, "__len__") else 0
    marks = {max(1, round(num_batches * k / progress_points)) for k in range(1, progress_points + 1)}
    for epoch in range(first_epoch, num_epochs):
        if checkpoint is not None:
            checkpoint.begin_epoch(epoch)
        sums, n = None, 0
        start = time.perf_counter()
        for i, (X, Y) in enumerate(train_iter):
            if control is not None and not _steer(control, history, plot, epoch + i / max(num_batches, 1)):
                break
            count, batch_sums = batch_step(i, X, Y)
            sums = batch_sums if sums is None else tuple(a + b for a, b in zip(sums, batch_sums))
            n += count
            if i + 1 in marks:
                running = _metrics(train_metrics, sums, n)
                history.progress.append((epoch + (i + 1) / num_batches, *running.values()))
                if plot is not None:
                    plot.add(history.progress[-1][0], [running.get(m) for m in plot_metrics])
        if sums is None:
            if history.stopped:
                break
            raise ValueError("train_iter yielded no minibatch")
        npx.waitall()
        seconds = time.perf_counter() - start
        values = _metrics(train_metrics, sums, n)
        evaluated = evaluate() if evaluate is not None else {}
        history.record(**values, **evaluated, seconds=seconds, **{f"{unit}_per_sec": n / seconds})
        if plot is not None:
            shown = evaluated if progress_points else {**values, **evaluated}
            plot.add(epoch + 1, [shown.get(m) for m in plot_metrics])
        if on_epoch is not None:
            on_epoch(epoch + 1, history)
        if history.stopped:
            break
        if checkpoint is not None and not history.changes:  # a steered run is no longer the run its settings name
            checkpoint.save(epoch + 1, history, num_epochs)
    if plot is not None:
        unknown = [m for m in plot_metrics if m not in history and history.epochs]
        if unknown:
            raise ValueError(f"plot_metrics {unknown} were neither trained nor evaluated")
        plot.finish()
    return history


def _steer(control: RunControl, history: History, plot, x: float) -> bool:
    """One minibatch's steering: wait while paused, apply and log changes; False when the run must stop."""
    try:
        changes = control.before_step()
    except StopTraining:
        history.stopped = True
        return False
    for name, value in changes.items():
        history.changes.append((x, name, value))
        if plot is not None:
            plot.mark(x, f"{name}={value:.3g}" if isinstance(value, float) else f"{name}={value}")
    for name, value in control.values.items():
        history.hparams.setdefault(name, []).append(value)
    return True


def bind_optimizer(control: RunControl | None, step: Callable) -> None:
    """Make the optimiser behind ``step`` steerable: ``lr`` always; ``momentum`` and ``wd`` for a Gluon optimiser
    that has them (SGD with momentum, weight decay). ``step`` is what :func:`make_updater` returned."""
    if control is None:
        return
    trainer = getattr(step, "__self__", None)
    if isinstance(trainer, gluon.Trainer):
        optimizer = trainer.optimizer
        if optimizer.lr_scheduler is None:  # a schedule owns the learning rate: it cannot be set by hand
            control.bind("lr", trainer.set_learning_rate, trainer.learning_rate)
        if getattr(optimizer, "momentum", None) is not None:
            control.bind("momentum", lambda v: setattr(optimizer, "momentum", v), optimizer.momentum)
        control.bind("wd", lambda v: setattr(optimizer, "wd", v), optimizer.wd)
    elif isinstance(step, _SGD):
        control.bind("lr", lambda v: setattr(step, "lr", v), step.lr)


def _metrics(train_metrics: dict[str, Callable], sums, n: int) -> dict[str, float]:
    floats = [float(s) for s in sums]
    return {name: f(floats, n) for name, f in train_metrics.items()}


def train_classifier(net, train_iter, test_iter, num_epochs: int, lr: float | None = None, *, ctx=None,
                     trainer=None, optimizer: str = "sgd", optimizer_params: dict | None = None, loss=None,
                     init: mx.init.Initializer | None | str = "xavier", hybridize: bool = True,
                     plot: TrainingPlot | bool | None = True, progress_points: int = 5,
                     eval_name: str = "test_acc", valid_iter=None, control: RunControl | None = None,
                     on_epoch: Callable | None = None, checkpoint: Checkpoint | None = None,
                     schedule: str = "constant") -> History:
    """Train a classifier and return its :class:`History` (``train_loss``, ``train_acc``, ``test_acc``).

    Written out in book/01_foundations/03_softmax_regression.ipynb (``train_epoch``/``train``) and asserted equal
    to this copy there; d2l's ``train_ch3``/``train_ch6`` (Sec. 3.6, 6.6) with the metrics kept on the device.

    Args:
        net: a Gluon block, or a from-scratch model (a callable ``X -> scores`` with ``net.params``, or any
            callable trained through ``trainer``).
        train_iter, test_iter: iterables of ``(X, y)`` with ``y: (batch,)`` integer labels; ``test_iter`` may be
            None (no evaluation after each epoch, e.g. when the caller evaluates less often itself).
        num_epochs: passes over ``train_iter``.
        lr: learning rate for the optimizer built here (ignored when ``trainer`` is given).
        ctx: device (default: :func:`d2lnotes.config.try_gpu`).
        trainer: a ``gluon.Trainer`` or an ``updater(batch_size)`` callable (see :func:`make_updater`).
        loss: per-example loss ``loss(y_hat, y) -> (batch,)`` (default softmax cross-entropy).
        init: ``"xavier"`` (re-initialise all parameters with Xavier, as d2l's ``train_ch6``), an initializer to
            re-initialise with, or None to keep the current parameters: initialised and pending (deferred)
            ones are kept, only parameters never initialised get the default initializer, and parameters on
            another device are moved to ``ctx``. Re-initialising or moving replaces a parameter's data array, so
            a custom ``trainer`` must read ``p.data()`` at every step rather than keep the arrays.
        hybridize: hybridize a ``HybridBlock`` before training.
        plot: True for a new live :class:`~d2lnotes.plot.TrainingPlot`, a plot to draw into, or None/False.
        progress_points: how many running-loss points per epoch to record and plot.
        eval_name: the name of the accuracy on ``test_iter`` (``"valid_acc"`` when it is a validation split).
        valid_iter: a validation split, evaluated after every epoch as ``valid_acc`` beside ``test_iter``'s
            metric, so that an epoch can be chosen on it (:meth:`History.best_epoch`).
        control: a :class:`~d2lnotes.steering.RunControl` to steer the run while it trains: ``lr`` (and
            ``momentum``, ``wd`` for a Gluon optimiser that has them) change at the next minibatch.
        on_epoch: ``callback(epoch, history)`` after every epoch (epoch counted from 1).
        checkpoint: a :class:`~d2lnotes.checkpoint.Checkpoint` to save every epoch and resume from (a Gluon
            ``net``; the optimiser's state is saved when it is a ``gluon.Trainer``; the training loader's
            generator is saved when it has one).
        schedule: the learning-rate schedule (学习率调度) of the optimiser built here: ``"constant"`` (``lr``
            throughout) or ``"cosine"``, a new :func:`~d2lnotes.schedules.cosine_scheduler` for this run (a linear
            warm-up over the first epoch, then cosine decay to 0 at the last of ``num_epochs * len(train_iter)``
            updates; ``train_iter`` must have a length), added to ``optimizer_params`` as ``lr_scheduler``. Taught
            in book/02_training/04_lr_schedules_early_stopping.ipynb.

    Raises:
        ValueError: neither ``lr`` nor ``trainer``; ``num_epochs < 1``; an unknown ``schedule``, or ``"cosine"``
            without ``lr``, or with a ``trainer`` (which has its own optimiser) or an ``lr_scheduler`` in
            ``optimizer_params``.
    """
    from .config import try_gpu

    if num_epochs < 1:
        raise ValueError(f"num_epochs must be at least 1, got {num_epochs}")
    if schedule not in ("constant", "cosine"):
        raise ValueError(f"unknown schedule {schedule!r}: use 'constant' or 'cosine'")
    if schedule == "cosine":
        if lr is None or trainer is not None or "lr_scheduler" in (optimizer_params or {}):
            raise ValueError("schedule='cosine' builds the optimiser's lr_scheduler from lr: pass lr, and neither "
                             "a trainer nor an lr_scheduler in optimizer_params")
        from .schedules import cosine_scheduler

        optimizer_params = {**(optimizer_params or {}),
                            "lr_scheduler": cosine_scheduler(num_epochs, len(train_iter), lr)}
    ctx = ctx or try_gpu()
    if isinstance(net, gluon.Block):
        if init is not None:
            net.initialize(mx.init.Xavier() if init == "xavier" else init, ctx=ctx, force_reinit=True)
        else:
            _initialize_missing(net, ctx)
        if hybridize and isinstance(net, gluon.HybridBlock):
            net.hybridize()
    step = make_updater(net, lr, trainer, optimizer, optimizer_params)
    bind_optimizer(control, step)
    if checkpoint is not None:
        owner = getattr(step, "__self__", None)
        checkpoint.attach(net, trainer=owner if isinstance(owner, gluon.Trainer) else None, loaders=(train_iter,))
    loss = loss or gluon.loss.SoftmaxCrossEntropyLoss()
    evaluated = {"valid_acc": valid_iter} if valid_iter is not None else {}
    if test_iter is not None:
        evaluated[eval_name] = test_iter
    if plot is True:
        plot = TrainingPlot(legend=("train loss", "train acc", *(n.replace("_", " ") for n in evaluated)),
                            xlim=(0, num_epochs))

    def batch_step(i, X, y):
        X, y = X.as_in_ctx(ctx), y.as_in_ctx(ctx)
        with autograd.record():
            y_hat = net(X)
            per_example = loss(y_hat, y)
        per_example.backward()
        step(X.shape[0])
        return X.shape[0], (per_example.sum(), correct_count(y_hat, y).astype("float32"))

    return fit(batch_step, train_iter, num_epochs,
               train_metrics={"train_loss": lambda s, n: s[0] / n, "train_acc": lambda s, n: s[1] / n},
               evaluate=lambda: {name: evaluate_accuracy(net, it, ctx) for name, it in evaluated.items()},
               plot=plot or None, plot_metrics=("train_loss", "train_acc", *evaluated), progress_points=progress_points,
               device=str(ctx), unit="samples", control=control, on_epoch=on_epoch, checkpoint=checkpoint)


def train_and_test(net, train_iter, valid_iter, test_iter, num_epochs: int, lr: float | None = None,
                   **kwargs) -> tuple[History, float]:
    """The protocol of the chapter-4 experiments: train with :func:`train_classifier`, evaluating the validation
    split after every epoch (``valid_acc``), then the test set once, after the last epoch; print both.

    Args:
        net, train_iter, num_epochs, lr: as in :func:`train_classifier`.
        valid_iter: the validation split (held out of the training images) that choices are made on.
        test_iter: the test split, evaluated once, at the end.
        **kwargs: passed to :func:`train_classifier` (``ctx``, ``optimizer``, ``checkpoint``, ``schedule``, ...).

    Returns:
        The run's :class:`History` (``train_loss``, ``train_acc``, ``valid_acc`` per epoch) and the test accuracy
        (a fraction in [0, 1]).

    Raises:
        ValueError: as :func:`train_classifier`; ``eval_name`` or ``valid_iter`` among ``kwargs`` (this function
            sets them).
    """
    if "eval_name" in kwargs or "valid_iter" in kwargs:
        raise ValueError("train_and_test evaluates valid_iter as valid_acc itself: pass neither eval_name nor "
                         "valid_iter")
    history = train_classifier(net, train_iter, valid_iter, num_epochs, lr, eval_name="valid_acc", **kwargs)
    test_acc = evaluate_accuracy(net, test_iter, ctx=kwargs.get("ctx"))
    print(history)
    print(f"test accuracy after epoch {history.epochs}: {test_acc:.3f}")
    return history, test_acc


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
