"""Learning-rate schedules (学习率调度) as plain functions of the epoch, and reduce-on-plateau.

An epoch-based training loop sets ``trainer.set_learning_rate(schedule(epoch))`` before each epoch ``epoch = 0, 1,
...``. The formulas are MXNet's (``mx.lr_scheduler.FactorScheduler`` and ``CosineScheduler``), which count updates
instead of epochs: :func:`step_lr` at epoch ``e`` equals ``FactorScheduler(...)(e + 1)`` (its counter starts at 1,
the first update), :func:`cosine_lr` at epoch ``e`` equals ``CosineScheduler(...)(e)``.
Taught in book/02_training/04_lr_schedules_early_stopping.ipynb.
"""
from __future__ import annotations

import math

__all__ = ["step_lr", "cosine_lr", "ReduceLROnPlateau", "cosine_scheduler"]


def step_lr(epoch: int, base_lr: float, step_size: int, factor: float = 0.1, min_lr: float = 1e-8) -> float:
    """Step decay: ``base_lr * factor ** (epoch // step_size)``, never below ``min_lr``.

    Raises:
        ValueError: if ``step_size < 1`` or ``factor`` is not in (0, 1].

    Source: the schedule of He et al., Deep residual learning (2016); MXNet ``FactorScheduler``; d2l Sec. 12.11.
    """
    if step_size < 1:
        raise ValueError(f"step_size must be at least 1, got {step_size}")
    if not 0 < factor <= 1:
        raise ValueError(f"factor must be in (0, 1], got {factor}")
    return max(base_lr * factor ** (epoch // step_size), min_lr)


def cosine_lr(epoch: int, base_lr: float, max_epochs: int, final_lr: float = 0.0, warmup_epochs: int = 0,
              warmup_begin_lr: float = 0.0) -> float:
    """Cosine decay from ``base_lr`` to ``final_lr`` over ``max_epochs``, after an optional linear warm-up.

    During warm-up (``epoch < warmup_epochs``) the rate grows linearly from ``warmup_begin_lr`` towards
    ``base_lr``; then ``final_lr + (base_lr - final_lr) * (1 + cos(pi * (epoch - warmup_epochs) /
    (max_epochs - warmup_epochs))) / 2``, and ``final_lr`` after ``max_epochs``.

    Raises:
        ValueError: if ``max_epochs <= warmup_epochs`` or ``warmup_epochs < 0``.

    Source: Loshchilov & Hutter, SGDR: stochastic gradient descent with warm restarts (2017), without restarts;
    Goyal et al., Accurate, large minibatch SGD (2017) for the warm-up; MXNet ``CosineScheduler``; d2l Sec. 12.11.
    """
    if warmup_epochs < 0 or max_epochs <= warmup_epochs:
        raise ValueError(f"need 0 <= warmup_epochs < max_epochs, got {warmup_epochs} and {max_epochs}")
    if epoch < warmup_epochs:
        return warmup_begin_lr + (base_lr - warmup_begin_lr) * epoch / warmup_epochs
    if epoch > max_epochs:
        return final_lr
    progress = (epoch - warmup_epochs) / (max_epochs - warmup_epochs)
    return final_lr + (base_lr - final_lr) * (1 + math.cos(math.pi * progress)) / 2


class ReduceLROnPlateau:
    """Multiply the learning rate by ``factor`` on the first bad epoch after ``patience`` bad epochs in a row, i.e.
    on the ``(patience + 1)``-th consecutive epoch without improvement.

    Call :meth:`step` once per epoch with the validation loss; it returns the learning rate for the next epoch. An
    epoch counts as an improvement when the loss is below the best so far by more than ``min_delta``. After a
    reduction the count of bad epochs starts again from zero.

    Args:
        lr: the starting learning rate.
        factor: the multiplier in (0, 1).
        patience: bad epochs tolerated before a reduction.
        min_delta: the smallest decrease that counts as an improvement.
        min_lr: the learning rate is never reduced below this.

    Raises:
        ValueError: if ``factor`` is not in (0, 1) or ``patience < 0``.

    Source: PyTorch's ``ReduceLROnPlateau`` (mode "min", absolute threshold: an improvement must be strictly
    better than the best by ``min_delta``). Taught in book/02_training/04_lr_schedules_early_stopping.ipynb.
    """

    def __init__(self, lr: float, factor: float = 0.1, patience: int = 2, min_delta: float = 0.0,
                 min_lr: float = 0.0):
        if not 0 < factor < 1:
            raise ValueError(f"factor must be in (0, 1), got {factor}")
        if patience < 0:
            raise ValueError(f"patience must be non-negative, got {patience}")
        self.lr, self.factor, self.patience = lr, factor, patience
        self.min_delta, self.min_lr = min_delta, min_lr
        self.best = math.inf
        self.num_bad_epochs = 0

    def step(self, loss: float) -> float:
        """Record this epoch's monitored loss and return the learning rate for the next epoch."""
        if loss < self.best - self.min_delta:
            self.best = loss
            self.num_bad_epochs = 0
        else:
            self.num_bad_epochs += 1
            if self.num_bad_epochs > self.patience:
                self.lr = max(self.lr * self.factor, self.min_lr)
                self.num_bad_epochs = 0
        return self.lr


def cosine_scheduler(num_epochs: int, steps_per_epoch: int, base_lr: float, warmup_epochs: float = 1.0,
                     final_lr: float = 0.0):
    """MXNet's per-update ``lr_scheduler.CosineScheduler`` for a run of ``num_epochs`` x ``steps_per_epoch``
    updates, with linear warm-up from 0 over ``warmup_epochs`` epochs, capped at a fifth of the run (MXNet's
    scheduler divides by zero when the warm-up takes the whole run). Pass it as ``optimizer_params={"lr_scheduler":
    ...}``; a scheduler keeps state, so make a new one for every run.

    The same curve as :func:`cosine_lr`, evaluated per update instead of per epoch. Source: Loshchilov & Hutter,
    SGDR, 2017; Goyal et al., 2017 (warm-up). Taught in book/02_training/04_lr_schedules_early_stopping.ipynb.

    Raises:
        ValueError: ``num_epochs`` or ``steps_per_epoch`` below 1.
    """
    import mxnet as mx

    if num_epochs < 1 or steps_per_epoch < 1:
        raise ValueError(f"need at least one epoch and one step, got {num_epochs} x {steps_per_epoch}")
    max_update = num_epochs * steps_per_epoch
    warmup = min(int(round(warmup_epochs * steps_per_epoch)), max_update // 5)
    return mx.lr_scheduler.CosineScheduler(max_update=max_update, base_lr=base_lr, final_lr=final_lr,
                                           warmup_steps=warmup)
