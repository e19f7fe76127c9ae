"""Run-time configuration shared by every notebook: smoke/full mode, seeding, devices, data directory.

A notebook reads its sizes from one place::

    from d2lnotes.config import by_mode, seed_everything, try_gpu
    num_epochs = by_mode(smoke=1, full=10)

Environment variables (all optional):

``D2LNOTES_SMOKE``
    ``1``/``true`` forces smoke mode (small data, few epochs, small images); ``0``/``false`` forces full
    mode even under CI. Unset: smoke mode when ``CI`` is set, full mode otherwise.
``D2LNOTES_DATA``
    Directory for downloaded data (the cache). Default: the user's cache directory, e.g.
    ``~/.cache/d2lnotes/data`` on Linux.
``D2LNOTES_DATA_MIRROR``
    A local folder laid out like the course's data mirror; consulted after the cache and before the network.
"""
from __future__ import annotations

import os
import random
from pathlib import Path
from typing import TypeVar

import numpy as np
import platformdirs

T = TypeVar("T")

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def is_smoke() -> bool:
    """Return True when notebooks should run in smoke mode (read from the environment each call).

    Raises:
        ValueError: if ``D2LNOTES_SMOKE`` holds something other than a yes/no word.
    """
    value = os.environ.get("D2LNOTES_SMOKE")
    if value is None:
        return bool(os.environ.get("CI"))
    value = value.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ValueError(f"D2LNOTES_SMOKE={value!r}: use 1 (smoke mode) or 0 (full mode)")


def by_mode(smoke: T, full: T) -> T:
    """Pick a setting by mode: ``smoke`` in smoke mode, ``full`` otherwise.

    Example: ``num_epochs = by_mode(smoke=1, full=10)``.
    """
    return smoke if is_smoke() else full


def mode_name() -> str:
    """``'smoke'`` or ``'full'``, for printing in a notebook's setup cell."""
    return "smoke" if is_smoke() else "full"


def seed_everything(seed: int = 0) -> None:
    """Seed Python's ``random``, NumPy and MXNet (all devices) with ``seed``.

    MXNet's CPU kernels are deterministic for a fixed seed and thread count; some GPU kernels
    (cuDNN convolution algorithms) are not, so GPU runs agree only to within noise.
    """
    import mxnet as mx

    random.seed(seed)
    np.random.seed(seed)
    mx.random.seed(seed)


def num_gpus() -> int:
    """Number of GPUs MXNet can use (0 on a CPU-only build or machine)."""
    import mxnet as mx

    try:
        return mx.context.num_gpus()
    except mx.base.MXNetError:  # a CUDA build without a driver
        return 0


def try_gpu(i: int = 0):
    """Return ``mx.gpu(i)`` if that GPU exists, else ``mx.cpu()``.

    Source: d2l, "GPUs" (Sec. 6.7 of the MXNet edition).
    """
    import mxnet as mx

    return mx.gpu(i) if num_gpus() >= i + 1 else mx.cpu()


def try_all_gpus() -> list:
    """Return every available GPU, or ``[mx.cpu()]`` if there is none."""
    import mxnet as mx

    n = num_gpus()
    return [mx.gpu(i) for i in range(n)] if n else [mx.cpu()]


def data_dir() -> Path:
    """The cache directory for datasets (``D2LNOTES_DATA`` or the user cache directory); created if missing."""
    env = os.environ.get("D2LNOTES_DATA")
    path = Path(env).expanduser() if env else Path(platformdirs.user_cache_dir("d2lnotes")) / "data"
    path.mkdir(parents=True, exist_ok=True)
    return path


def mirror_dir() -> Path | None:
    """The local data mirror (``D2LNOTES_DATA_MIRROR``), or None when unset.

    Raises:
        FileNotFoundError: if the variable is set but names no directory.
    """
    env = os.environ.get("D2LNOTES_DATA_MIRROR")
    if not env:
        return None
    path = Path(env).expanduser()
    if not path.is_dir():
        raise FileNotFoundError(f"D2LNOTES_DATA_MIRROR={env!r} is not a directory; fix or unset it")
    return path
