"""Self-checked exercises of chapter 3 (book/03_cnn_basics). The solutions live here, never in the notebooks."""
from __future__ import annotations

import numpy as onp

from . import Exercise, register


def _conv(c_in: int, c_out: int, k_h: int, k_w: int | None = None) -> int:
    # weights and biases of a 2-D convolution
    return c_out * (c_in * k_h * (k_h if k_w is None else k_w) + 1)


def _dense(n_in: int, n_out: int) -> int:
    return n_out * (n_in + 1)


def _side(n: int, k: int, p: int = 0, s: int = 1) -> int:
    # output side for padding p on each side and stride s
    return (n + 2 * p - k) // s + 1


# --- 01_convolution ------------------------------------------------------------------------------------------------

def _conv_macs(c_i, h, w, c_o, k_h, k_w, p_h, p_w, s_h, s_w):
    return c_o * c_i * k_h * k_w * _side(h, k_h, p_h, s_h) * _side(w, k_w, p_w, s_w)


def _conv_macs_no_stride(c_i, h, w, c_o, k_h, k_w, p_h, p_w, s_h, s_w):  # the slip: stride forgotten
    return c_o * c_i * k_h * k_w * _side(h, k_h, p_h) * _side(w, k_w, p_w)


def _conv_macs_inputs():
    # (c_i, h, w, c_o, k_h, k_w, p_h, p_w, s_h, s_w): LeNet's two layers, AlexNet's first, odd shapes
    return [(1, 28, 28, 6, 5, 5, 2, 2, 1, 1), (6, 14, 14, 16, 5, 5, 0, 0, 1, 1), (3, 224, 224, 96, 11, 11, 0, 0, 4, 4),
            (8, 9, 7, 4, 3, 2, 1, 0, 2, 3), (2, 6, 6, 2, 3, 3, 2, 2, 2, 2)]


# --- 02_lenet ------------------------------------------------------------------------------------------------------

def _lenet_params(k: int, flatten_side: int | None = None) -> int:
    # LeNet with k x k kernels: the first convolution padded to keep 28x28, the second without padding
    side = _side(28, k, (k - 1) // 2) // 2      # first convolution, then a 2x2 pooling with stride 2
    side = _side(side, k) // 2                  # second convolution, then pooling
    side = side if flatten_side is None else flatten_side
    return (_conv(1, 6, k) + _conv(6, 16, k) + _dense(16 * side * side, 120) + _dense(120, 84)
            + _dense(84, 10))


# --- 03_conv1d_sequences -------------------------------------------------------------------------------------------

def _sentence_cnn_params(vocab_size, embed_size, num_channels, kernel_size):
    # embedding table, Conv1D (weights and biases), dense layer to 2 classes
    return vocab_size * embed_size + num_channels * (embed_size * kernel_size + 1) + 2 * (num_channels + 1)


def _sentence_cnn_params_no_embedding(vocab_size, embed_size, num_channels, kernel_size):
    return num_channels * (embed_size * kernel_size + 1) + 2 * (num_channels + 1)


def _sentence_cnn_inputs():
    return [(9700, 64, 100, 3), (9700, 64, 100, 1), (5000, 50, 200, 5), (12, 4, 3, 2)]


def _padding_fraction(n, num_steps, kernel_size):
    windows = num_steps - kernel_size + 1
    return (windows - min(n, windows)) / windows


def _padding_fraction_tokens(n, num_steps, kernel_size):  # the slip: counts padded positions, not windows
    return (num_steps - n) / num_steps


def _padding_inputs():
    return [(20, 60, 3), (1, 60, 3), (58, 60, 3), (60, 60, 3), (7, 60, 5), (10, 20, 1)]


register(
    Exercise("01_convolution.2",
             "The 1x3 kernel of the second derivative along a row (a central difference).",
             solution=lambda: onp.array([[1.0, -2.0, 1.0]]), wrong=onp.array([[-1.0, 2.0, -1.0]]),
             hint="Cross-correlate with [1, -1] twice and collect the coefficients of the three neighbouring pixels; "
                  "mind the sign of each difference."),
    Exercise("01_convolution.4",
             "Multiply-adds of the forward pass of a convolution with padding and stride.",
             solution=_conv_macs, wrong=_conv_macs_no_stride, kind="function", inputs=_conv_macs_inputs,
             hint="Every output element of every output channel costs c_i k_h k_w multiply-adds; count the output "
                  "elements with the output-size formula (padding on each side, stride)."),
    Exercise("02_lenet.2",
             "LeNet's parameter count with 3x3 kernels (first convolution padded by 1, the second not).",
             solution=lambda: _lenet_params(3), wrong=_lenet_params(3, flatten_side=5),
             hint="Follow the side length through both convolutions and poolings: the first dense layer reads the "
                  "flattened maps of the new size."),
    Exercise("02_lenet.3",
             "Parameters of the MLP with one hidden layer of 256 units on 28x28 images, 10 classes.",
             solution=lambda: _dense(28 * 28, 256) + _dense(256, 10), wrong=28 * 28 * 256 + 256 * 10,
             hint="Two dense layers, each with a weight matrix and a bias vector."),
    Exercise("03_conv1d_sequences.1",
             "Parameters of SentenceCNN for a vocabulary size, embedding size, channels and kernel width.",
             solution=_sentence_cnn_params, wrong=_sentence_cnn_params_no_embedding, kind="function",
             inputs=_sentence_cnn_inputs,
             hint="Three layers have parameters: the embedding table, the convolution (weights and biases) and the "
                  "dense layer to two classes."),
    Exercise("03_conv1d_sequences.2",
             "The fraction of convolution windows that see only padding, for a sentence of n tokens.",
             solution=_padding_fraction, wrong=_padding_fraction_tokens, kind="function", inputs=_padding_inputs,
             hint="Count the windows (positions of the kernel) over the padded sentence, and those that cover at "
                  "least one real token."),
)
