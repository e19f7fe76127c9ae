"""Convolution and pooling from scratch: 2-D and 1-D cross-correlation, several channels, pooling.

These are the reference implementations the book teaches before it switches to Gluon's ``nn.Conv2D``,
``nn.Conv1D``, ``nn.MaxPool2D`` and ``nn.AvgPool2D``; later notebooks reuse them to explain what a layer computes.
They work on one example (no batch axis) and follow MXNet's conventions: deep-learning "convolution" is
cross-correlation (互相关, the kernel is not flipped), padding is symmetric, and the output size is
``floor((n - k + 2 p) / s) + 1`` per spatial axis.

Unlike d2l's ``corr2d``, which writes each output element in place, these functions sum shifted slices of the
input, one per kernel entry. The result is the same; the loop runs over the (small) kernel instead of the
(large) output, and no in-place write is involved, so ``autograd`` can differentiate through them.

Source: d2l, "Convolutions for Images", "Padding and Stride", "Multiple Input and Multiple Output Channels",
"Pooling" (Sec. 7.2-7.5 of the MXNet edition) and "Sentiment Analysis: Using CNNs" (Sec. 16.3) for ``corr1d``.
Taught in book/03_cnn_basics/01_convolution.ipynb.
"""
from __future__ import annotations

from mxnet import np

__all__ = ["corr2d", "corr2d_multi_in", "corr2d_multi_in_out", "pool2d", "corr1d", "corr1d_multi_in",
           "conv_output_size"]


def _pair(v, name: str) -> tuple[int, int]:
    """``v`` or ``(v, v)`` as a pair of non-negative ints."""
    pair = (v, v) if isinstance(v, int) else tuple(v)
    if len(pair) != 2 or any(not isinstance(x, int) or x < 0 for x in pair):
        raise ValueError(f"{name} must be a non-negative int or a pair of them, got {v!r}")
    return pair


def conv_output_size(n: int, k: int, padding: int = 0, stride: int = 1) -> int:
    """Output length along one axis: ``floor((n - k + 2 * padding + stride) / stride)``.

    ``padding`` is added on *each* side (MXNet's convention), so the book's total padding ``p_h`` is
    ``2 * padding``.

    Raises:
        ValueError: if ``stride < 1`` or the padded input is shorter than the kernel.
    """
    if stride < 1:
        raise ValueError(f"stride must be at least 1, got {stride}")
    if n + 2 * padding < k:
        raise ValueError(f"kernel {k} is larger than the padded input {n} + 2 * {padding}")
    return (n - k + 2 * padding + stride) // stride


def _pad2d(X, padding: tuple[int, int], value: float = 0.0):
    """Pad the last two axes of ``X`` by ``padding = (ph, pw)`` on each side with ``value``.

    Built from concatenation because ``mxnet.np.pad`` (1.9.1) ignores ``constant_values``.
    """
    ph, pw = padding
    if ph == 0 and pw == 0:
        return X
    lead, (h, w) = X.shape[:-2], X.shape[-2:]
    if pw:
        side = np.full(lead + (h, pw), value, dtype=X.dtype, ctx=X.ctx)
        X = np.concatenate([side, X, side], axis=-1)
    if ph:
        side = np.full(lead + (ph, w + 2 * pw), value, dtype=X.dtype, ctx=X.ctx)
        X = np.concatenate([side, X, side], axis=-2)
    return X


def _windows(X, window: tuple[int, int], padding, stride, pad_value: float = 0.0):
    """Yield ``(a, b, slice)``: for each window offset ``(a, b)`` the input entries it meets, one per output.

    Each slice has shape ``X.shape[:-2] + (out_h, out_w)``.
    """
    kh, kw = window
    ph, pw = _pair(padding, "padding")
    sh, sw = _pair(stride, "stride")
    if sh < 1 or sw < 1:
        raise ValueError(f"stride must be at least 1, got {stride!r}")
    h, w = X.shape[-2:]
    oh, ow = conv_output_size(h, kh, ph, sh), conv_output_size(w, kw, pw, sw)
    Xp = _pad2d(X, (ph, pw), pad_value)
    for a in range(kh):
        for b in range(kw):
            yield a, b, Xp[..., a:a + sh * (oh - 1) + 1:sh, b:b + sw * (ow - 1) + 1:sw]


def corr2d(X, K, padding=0, stride=1):
    """2-D cross-correlation of one input channel with one kernel.

    ``Y[i, j] = sum_{a, b} X[i * s_h + a, j * s_w + b] * K[a, b]`` on the zero-padded input.

    Args:
        X: ``(..., h, w)`` input; leading axes, if any, are carried along.
        K: ``(k_h, k_w)`` kernel.
        padding: zeros added on each side, an int or ``(p_h, p_w)``.
        stride: step between windows, an int or ``(s_h, s_w)``.

    Returns:
        ``(..., out_h, out_w)`` with ``out = floor((n - k + 2 p + s) / s)`` per axis (:func:`conv_output_size`).

    Raises:
        ValueError: if ``K`` is not 2-D, the kernel is larger than the padded input, or padding/stride is invalid.

    Source: d2l Sec. 7.2 (``corr2d``) and 7.3. Taught in book/03_cnn_basics/01_convolution.ipynb.
    """
    if K.ndim != 2:
        raise ValueError(f"K must be a 2-D kernel (k_h, k_w), got shape {K.shape}")
    Y = None
    for a, b, part in _windows(X, K.shape, padding, stride):
        term = part * K[a, b]
        Y = term if Y is None else Y + term
    return Y


def corr2d_multi_in(X, K, padding=0, stride=1):
    """Cross-correlation of several input channels with one kernel per channel, summed over channels.

    Args:
        X: ``(c_i, h, w)``.
        K: ``(c_i, k_h, k_w)``.
        padding, stride: as in :func:`corr2d`.

    Returns:
        ``(out_h, out_w)``: one output channel.

    Raises:
        ValueError: if ``X`` and ``K`` have different numbers of channels.

    Source: d2l Sec. 7.4 (``corr2d_multi_in``). Taught in book/03_cnn_basics/01_convolution.ipynb.
    """
    if X.shape[0] != K.shape[0]:
        raise ValueError(f"X has {X.shape[0]} input channels but K has {K.shape[0]}")
    return sum(corr2d(x, k, padding, stride) for x, k in zip(X, K))


def corr2d_multi_in_out(X, K, padding=0, stride=1):
    """Cross-correlation with several output channels: one multi-input kernel per output channel.

    Args:
        X: ``(c_i, h, w)``.
        K: ``(c_o, c_i, k_h, k_w)``, the layout of ``nn.Conv2D``'s weight.
        padding, stride: as in :func:`corr2d`.

    Returns:
        ``(c_o, out_h, out_w)``.

    Source: d2l Sec. 7.4 (``corr2d_multi_in_out``). Taught in book/03_cnn_basics/01_convolution.ipynb.
    """
    return np.stack([corr2d_multi_in(X, k, padding, stride) for k in K], axis=0)


def pool2d(X, pool_size, mode: str = "max", padding=0, stride=None):
    """2-D max or average pooling (汇聚) of each channel separately.

    Matches ``nn.MaxPool2D`` / ``nn.AvgPool2D`` with their defaults: max pooling pads with ``-inf`` (padding never
    wins), average pooling pads with zeros and divides by the full window size (``count_include_pad=True``).

    Args:
        X: ``(..., h, w)``; leading axes (channels, batch) are pooled independently.
        pool_size: window ``(p_h, p_w)`` or an int.
        mode: ``"max"`` or ``"avg"``.
        padding: an int or a pair, added on each side.
        stride: an int or a pair; default ``pool_size`` (non-overlapping windows, as Gluon's layers).

    Returns:
        ``(..., out_h, out_w)`` (sizes as in :func:`conv_output_size`).

    Raises:
        ValueError: unknown ``mode`` or invalid sizes.

    Source: d2l Sec. 7.5 (``pool2d``), extended by padding and stride. Taught in
    book/03_cnn_basics/01_convolution.ipynb.
    """
    if mode not in ("max", "avg"):
        raise ValueError(f"mode must be 'max' or 'avg', not {mode!r}")
    window = _pair(pool_size, "pool_size")
    stride = window if stride is None else stride
    Y = None
    pad_value = float("-inf") if mode == "max" else 0.0
    for _, _, part in _windows(X, window, padding, stride, pad_value):
        if Y is None:
            Y = part
        else:
            Y = np.maximum(Y, part) if mode == "max" else Y + part
    return Y if mode == "max" else Y / (window[0] * window[1])


def corr1d(X, K, padding: int = 0, stride: int = 1):
    """1-D cross-correlation: ``Y[i] = sum_a X[i * stride + a] * K[a]`` on the zero-padded input.

    Args:
        X: ``(..., n)`` a sequence; leading axes are carried along.
        K: ``(k,)`` kernel.
        padding: zeros added on each side.
        stride: step between windows.

    Returns:
        ``(..., out)`` with ``out = floor((n - k + 2 padding + stride) / stride)``.

    Raises:
        ValueError: if ``K`` is not 1-D or longer than the padded input.

    Source: d2l Sec. 16.3 (``corr1d``). Taught in book/03_cnn_basics/01_convolution.ipynb.
    """
    if K.ndim != 1:
        raise ValueError(f"K must be a 1-D kernel (k,), got shape {K.shape}")
    Y = corr2d(X[..., None, :], K[None, :], padding=(0, padding), stride=(1, stride))
    return Y[..., 0, :]


def corr1d_multi_in(X, K, padding: int = 0, stride: int = 1):
    """1-D cross-correlation of ``c_i`` channels (e.g. the embedding dimensions of a sentence), summed.

    Args:
        X: ``(c_i, n)``.
        K: ``(c_i, k)``.

    Returns:
        ``(out,)``: one output channel.

    Raises:
        ValueError: if ``X`` and ``K`` have different numbers of channels.

    Source: d2l Sec. 16.3 (``corr1d_multi_in``). Taught in book/03_cnn_basics/01_convolution.ipynb.
    """
    if X.shape[0] != K.shape[0]:
        raise ValueError(f"X has {X.shape[0]} input channels but K has {K.shape[0]}")
    return sum(corr1d(x, k, padding, stride) for x, k in zip(X, K))
