"""Self-checked exercises of chapter 2 (book/02_training). The solutions live here, never in the notebooks."""
from __future__ import annotations

import math

import numpy as onp

from . import Exercise, register

_LENET_NORMALISED = (6, 16, 120, 84)  # channels / units of the four layers that feed a batch-norm layer in BN-LeNet


def _first_difference_factor_vs_step():
    # the first epoch at which FactorScheduler, wrongly called with the epoch as num_update, differs from step_lr
    import mxnet as mx

    scheduler = mx.lr_scheduler.FactorScheduler(step=4, factor=0.5, base_lr=0.4)
    for epoch in range(13):
        if not math.isclose(scheduler(epoch), 0.4 * 0.5 ** (epoch // 4)):
            return epoch
    return None


def _sgdr_inputs():
    return [(e, 0.3, 2, 2) for e in range(0, 31, 3)] + [(e, 0.1, 3, 1) for e in range(0, 12)] + [(5, 1.0, 4, 3)]


def _sgdr_lr(epoch, base_lr, first_cycle, mult):
    start, length = 0, first_cycle
    while epoch >= start + length:
        start, length = start + length, length * mult
    return base_lr * (1 + math.cos(math.pi * (epoch - start) / length)) / 2


def _cosine_without_restarts(epoch, base_lr, first_cycle, mult):
    return base_lr * (1 + math.cos(math.pi * min(epoch, first_cycle) / first_cycle)) / 2


def _update_inputs():
    out = []
    for seed in range(3):
        rng = onp.random.default_rng(60 + seed)
        out.append((rng.normal(size=5), rng.normal(size=5), 0.1 * (seed + 1), 10.0 ** -(seed + 2)))
    return out


register(
    Exercise("01_initialization.2",
             "The He variance for leaky ReLU with slope alpha on the negative side.",
             solution=lambda n_in, alpha: 2 / ((1 + alpha ** 2) * n_in), wrong=lambda n_in, alpha: 2 / n_in,
             kind="function", inputs=lambda: [(256, 0.1), (784, 0.25), (64, 0.5)],
             hint="Compute the second moment E[leaky_relu(z)^2] of a symmetric z, negative half included."),
    Exercise("01_initialization.3",
             "Ratio of Xavier's 'in' variance to its 'avg' variance for a layer of 784 inputs and 256 outputs.",
             solution=lambda: (1 / 784) / (2 / (784 + 256)), wrong=(2 / (784 + 256)) / (1 / 784),
             hint="Divide the 'in' variance by the 'avg' one, not the other way round."),
    Exercise("02_batch_norm.1",
             "Trainable parameters (gamma and beta) that the four batch-norm layers add to LeNet.",
             solution=lambda: 2 * sum(_LENET_NORMALISED), wrong=4 * sum(_LENET_NORMALISED),
             hint="The moving mean and variance are parameters too, but they have no gradient."),
    Exercise("02_batch_norm.3",
             "Bias parameters of the layers that feed a batch-norm layer in BN-LeNet.",
             solution=lambda: sum(_LENET_NORMALISED), wrong=sum(_LENET_NORMALISED) + 10,
             hint="Only the layers followed by a batch normalization count."),
    Exercise("03_optimizers.4",
             "Adam's first step without bias correction, in units of the learning rate (beta1 0.9, beta2 0.999).",
             solution=lambda: (1 - 0.9) / math.sqrt(1 - 0.999), wrong=1.0, rtol=1e-3,
             hint="Write m_1 and v_1 after one step from zero; epsilon is negligible."),
    Exercise("03_optimizers.5",
             "One SGD step with MXNet's weight decay: the new weights.",
             solution=lambda w, g, lr, wd: w - lr * (g + wd * w), wrong=lambda w, g, lr, wd: w - lr * g - wd * w,
             kind="function", inputs=_update_inputs,
             hint="In MXNet the decay term joins the gradient before the learning rate scales it."),
    Exercise("04_lr_schedules_early_stopping.1",
             "The first epoch at which FactorScheduler(step=4, factor=0.5), called with the epoch, differs from "
             "step_lr.",
             solution=_first_difference_factor_vs_step, wrong=5,
             hint="FactorScheduler lowers the rate once its argument exceeds a multiple of step; step_lr once the "
                  "epoch reaches one."),
    Exercise("04_lr_schedules_early_stopping.2",
             "Cosine decay with warm restarts (SGDR): the learning rate at an epoch.",
             solution=_sgdr_lr, wrong=_cosine_without_restarts, kind="function", inputs=_sgdr_inputs, atol=1e-9,
             hint="Find the cycle the epoch falls in (the lengths grow by mult) and the position within it."),
)
