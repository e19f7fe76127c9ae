"""Normalisation layers from scratch: batch normalization and layer normalization.

Both follow MXNet's conventions so that, with copied parameters, they give the outputs of ``nn.BatchNorm`` and
``nn.LayerNorm``: ``eps = 1e-5``; the biased (1/m) batch variance; moving statistics updated as
``moving = momentum * moving + (1 - momentum) * batch`` with ``momentum = 0.9``; ``gamma`` and ``beta`` of shape
``(num_features,)``. Taught in book/02_training/02_batch_norm.ipynb.
"""
from __future__ import annotations

from mxnet import autograd, init, np
from mxnet.gluon import nn

__all__ = ["batch_norm", "BatchNorm", "layer_norm", "LayerNorm"]


def batch_norm(X, gamma, beta, moving_mean, moving_var, eps: float = 1e-5, momentum: float = 0.9,
               training: bool | None = None):
    """Batch normalization (批量规范化) of a dense or convolutional layer's output.

    Training mode normalises with the statistics of the minibatch (per feature for ``X: (batch, features)``, per
    channel over batch, height and width for ``X: (batch, channels, height, width)``) and updates the moving
    averages; inference mode normalises with the moving averages.

    Args:
        X: ``(n, c)`` or ``(n, c, h, w)``.
        gamma, beta: scale and shift, ``(c,)``.
        moving_mean, moving_var: moving averages of the mean and (biased) variance, ``(c,)``.
        eps: added to the variance before the square root.
        momentum: weight of the old moving average.
        training: use batch statistics; default ``autograd.is_training()``.

    Returns:
        ``(Y, moving_mean, moving_var)``: ``Y`` with the shape of ``X``, and the new moving averages (the old ones
        in inference mode).

    Raises:
        ValueError: if ``X`` is neither 2-D nor 4-D.

    Source: Ioffe & Szegedy, Batch normalization (2015); d2l Sec. 8.5.
    """
    if X.ndim not in (2, 4):
        raise ValueError(f"batch_norm expects (n, c) or (n, c, h, w) input, got shape {X.shape}")
    if training is None:
        training = autograd.is_training()
    shape = (1, -1) if X.ndim == 2 else (1, -1, 1, 1)  # broadcast (c,) over the other axes
    if training:
        axes = 0 if X.ndim == 2 else (0, 2, 3)
        mean = X.mean(axis=axes)
        X_centered = X - mean.reshape(shape)
        var = (X_centered ** 2).mean(axis=axes)
        moving_mean = momentum * moving_mean + (1 - momentum) * mean
        moving_var = momentum * moving_var + (1 - momentum) * var
    else:
        X_centered, var = X - moving_mean.reshape(shape), moving_var
    # gamma * (X - mean) / sqrt(var + eps) + beta, with the per-channel factors combined before broadcasting
    scale = gamma / np.sqrt(var + eps)
    return X_centered * scale.reshape(shape) + beta.reshape(shape), moving_mean, moving_var


class BatchNorm(nn.Block):
    """A batch-normalization layer built on :func:`batch_norm`, for dense ``(n, c)`` or conv ``(n, c, h, w)`` input.

    Parameters ``gamma`` (init 1), ``beta`` (init 0) and the non-trainable ``running_mean`` (init 0) and
    ``running_var`` (init 1), all ``(num_features,)``, named as in ``nn.BatchNorm`` so weights can be copied
    between the two. A plain ``Block`` (not hybridizable): the branch on training mode is decided in Python.

    Source: Ioffe & Szegedy (2015); d2l Sec. 8.5. Taught in book/02_training/02_batch_norm.ipynb.
    """

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float = 0.9, **kwargs):
        super().__init__(**kwargs)
        self.eps, self.momentum = eps, momentum
        with self.name_scope():
            self.gamma = self.params.get("gamma", shape=(num_features,), init=init.One())
            self.beta = self.params.get("beta", shape=(num_features,), init=init.Zero())
            self.running_mean = self.params.get("running_mean", shape=(num_features,), init=init.Zero(),
                                                grad_req="null", differentiable=False)
            self.running_var = self.params.get("running_var", shape=(num_features,), init=init.One(),
                                               grad_req="null", differentiable=False)

    def forward(self, X):
        ctx = X.ctx
        Y, mean, var = batch_norm(X, self.gamma.data(ctx), self.beta.data(ctx), self.running_mean.data(ctx),
                                  self.running_var.data(ctx), self.eps, self.momentum)
        if autograd.is_training():
            self.running_mean.set_data(mean.detach())
            self.running_var.set_data(var.detach())
        return Y


def layer_norm(X, gamma, beta, eps: float = 1e-5, axis: int = -1):
    """Layer normalization (层规范化): normalise each example over ``axis``, then scale and shift.

    The statistics are per example, so training and inference compute the same thing and the batch size does not
    matter (even a batch of one works).

    Args:
        X: any shape; normalised over ``axis`` (as ``nn.LayerNorm(axis=...)``).
        gamma, beta: ``(X.shape[axis],)``.
        eps: added to the (biased) variance before the square root.

    Returns:
        An array of the shape of ``X``.

    Source: Ba, Kiros & Hinton, Layer normalization (2016); d2l Sec. 8.5.
    """
    mean = X.mean(axis=axis, keepdims=True)
    var = ((X - mean) ** 2).mean(axis=axis, keepdims=True)
    shape = [1] * X.ndim
    shape[axis] = -1
    return gamma.reshape(tuple(shape)) * (X - mean) / np.sqrt(var + eps) + beta.reshape(tuple(shape))


class LayerNorm(nn.Block):
    """A layer-normalization layer built on :func:`layer_norm`; parameters ``gamma``/``beta`` as ``nn.LayerNorm``.

    Taught in book/02_training/02_batch_norm.ipynb.
    """

    def __init__(self, num_features: int, eps: float = 1e-5, axis: int = -1, **kwargs):
        super().__init__(**kwargs)
        self.eps, self.axis = eps, axis
        with self.name_scope():
            self.gamma = self.params.get("gamma", shape=(num_features,), init=init.One())
            self.beta = self.params.get("beta", shape=(num_features,), init=init.Zero())

    def forward(self, X):
        return layer_norm(X, self.gamma.data(X.ctx), self.beta.data(X.ctx), self.eps, self.axis)
