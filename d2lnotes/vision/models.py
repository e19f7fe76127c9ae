"""Models that more than one notebook (or the benchmarks) trains.

Each is taught in the notebook named in its docstring; this is the copy the other notebooks import.
"""
from __future__ import annotations

from mxnet.gluon import nn


def lenet(activation: str = "sigmoid", pool: str = "avg", num_classes: int = 10) -> nn.HybridSequential:
    """LeNet-5 as in the course: conv(6, 5x5, pad 2) - pool - conv(16, 5x5) - pool - dense 120 - 84 - classes.

    Input ``(batch, 1, 28, 28)``; output ``(batch, num_classes)`` scores.

    Args:
        activation: ``"sigmoid"`` (LeCun et al., 1998, and d2l) or ``"relu"``.
        pool: ``"avg"`` (2x2 average pooling, stride 2) or ``"max"``.

    Source: LeCun, Bottou, Bengio & Haffner, Gradient-based learning applied to document recognition, 1998;
    d2l Sec. 7.6. Taught in book/03_cnn_basics.

    Raises:
        ValueError: unknown activation or pooling.
    """
    if activation not in ("sigmoid", "relu"):
        raise ValueError(f"activation must be 'sigmoid' or 'relu', not {activation!r}")
    pools = {"avg": nn.AvgPool2D, "max": nn.MaxPool2D}
    if pool not in pools:
        raise ValueError(f"pool must be 'avg' or 'max', not {pool!r}")
    Pool = pools[pool]
    net = nn.HybridSequential()
    net.add(nn.Conv2D(6, kernel_size=5, padding=2, activation=activation),
            Pool(pool_size=2, strides=2),
            nn.Conv2D(16, kernel_size=5, activation=activation),
            Pool(pool_size=2, strides=2),
            nn.Dense(120, activation=activation),
            nn.Dense(84, activation=activation),
            nn.Dense(num_classes))
    return net
