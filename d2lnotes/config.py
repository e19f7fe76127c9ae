"""Run-time configuration shared by every notebook: the budget (smoke / cpu / full), seeding, devices, data.

A notebook reads its sizes from one place::

    from d2lnotes.config import budget, by_mode, seed_everything, try_gpu
    num_epochs = by_mode(smoke=1, cpu=4, full=10)

The three budgets run the same code with different sizes:

``smoke``
    CI: tiny data, one or two epochs, small images; about a minute per notebook. Checks compare against a
    baseline computed in the same run.
``cpu``
    The default on a machine without a GPU (most students): reduced data, resolution, width or epochs chosen so
    that a notebook finishes in at most 15 minutes on a 2-core laptop CPU with a real, stated result.
``full``
    The reference settings of d2l and of the course reports; the default when MXNet sees a GPU.

Environment variables (all optional):

``D2LNOTES_BUDGET``
    ``smoke``, ``cpu`` or ``full``: chooses the budget. Wins over everything below.
``D2LNOTES_SMOKE``
    ``1``/``true`` chooses ``smoke``; ``0``/``false`` means "not smoke": the machine's default (``full`` with a
    GPU, ``cpu`` without) even under CI. Unset: ``smoke`` when ``CI`` is set, else the machine's default.
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

BUDGETS = ("smoke", "cpu", "full")
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}
_SAME_AS_FULL = object()


def _smoke_variable() -> bool | None:
    value = os.environ.get("D2LNOTES_SMOKE")
    if value is None:
        return None
    value = value.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ValueError(f"D2LNOTES_SMOKE={value!r}: use 1 (smoke budget) or 0 (the machine's default budget)")


def budget() -> str:
    """The run's budget, ``"smoke"``, ``"cpu"`` or ``"full"``, read from the environment on each call.

    Order: ``D2LNOTES_BUDGET``; then ``D2LNOTES_SMOKE``; then ``CI`` (smoke); then the machine (``full`` when
    MXNet sees a GPU, else ``cpu``).

    Raises:
        ValueError: ``D2LNOTES_BUDGET`` is not one of the three names, ``D2LNOTES_SMOKE`` is not a yes/no word, or
            the two variables contradict each other (``D2LNOTES_BUDGET=full`` with ``D2LNOTES_SMOKE=1``).
    """
    smoke = _smoke_variable()
    chosen = os.environ.get("D2LNOTES_BUDGET", "").strip().lower()
    if chosen:
        if chosen not in BUDGETS:
            raise ValueError(f"D2LNOTES_BUDGET={chosen!r}: use one of {', '.join(BUDGETS)}")
        if smoke is not None and smoke != (chosen == "smoke"):
            raise ValueError(f"D2LNOTES_BUDGET={chosen} contradicts D2LNOTES_SMOKE="
                             f"{os.environ['D2LNOTES_SMOKE']}: unset one of them")
        return chosen
    if smoke or (smoke is None and os.environ.get("CI")):
        return "smoke"
    return "full" if num_gpus() > 0 else "cpu"


def is_smoke() -> bool:
    """Whether the budget is ``smoke`` (see :func:`budget`)."""
    return budget() == "smoke"


def by_mode(smoke: T, full: T, cpu: T = _SAME_AS_FULL) -> T:  # type: ignore[assignment]
    """Pick a setting by budget: ``smoke``, ``cpu`` or ``full``.

    ``cpu`` defaults to the ``full`` setting, for sizes that are cheap enough on a CPU anyway.
    Example: ``num_epochs = by_mode(smoke=1, cpu=4, full=10)``.
    """
    chosen = budget()
    if chosen == "smoke":
        return smoke
    if chosen == "cpu" and cpu is not _SAME_AS_FULL:
        return cpu
    return full


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
