"""Neural style transfer (风格迁移): the Gram matrix, the three losses and image pre/post-processing.

Source: Gatys, Ecker & Bethge, Image style transfer using convolutional neural networks, CVPR 2016; d2l Sec. 14.12.
Taught in book/06_vision_apps/09_style_transfer.ipynb (the teaching copies there are asserted equal to these).
"""
from __future__ import annotations

__all__ = ["gram", "content_loss", "style_loss", "tv_loss"]


def gram(X):
    """The Gram matrix (格拉姆矩阵) of one feature map ``X: (1, c, h, w)`` (or ``(c, h, w)``): ``F F^T / (c h w)``
    with ``F = X.reshape(c, h * w)``, a ``(c, c)`` array; dividing by the number of elements keeps the style loss
    of large layers from dominating small ones.

    Raises:
        ValueError: a batch of more than one image.
    """
    if X.ndim == 4 and X.shape[0] != 1:
        raise ValueError(f"gram takes one image's features, got a batch of {X.shape[0]}")
    num_channels = X.shape[-3]
    F = X.reshape((num_channels, -1))
    return (F @ F.T) / F.size


def content_loss(Y_hat, Y):
    """Mean squared difference between the synthesised image's and the content image's features."""
    return ((Y_hat - Y) ** 2).mean()


def style_loss(Y_hat, gram_Y):
    """Mean squared difference between the Gram matrix of ``Y_hat`` and the style image's ``gram_Y``."""
    return ((gram(Y_hat) - gram_Y) ** 2).mean()


def tv_loss(Y_hat):
    """Total variation loss (全变分损失) of an image ``(1, c, h, w)``: half the sum of the mean absolute differences
    between vertical and between horizontal neighbours. Small when neighbouring pixels are alike (less noise)."""
    return 0.5 * (abs(Y_hat[:, :, 1:, :] - Y_hat[:, :, :-1, :]).mean() +
                  abs(Y_hat[:, :, :, 1:] - Y_hat[:, :, :, :-1]).mean())
