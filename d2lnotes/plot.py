"""Plotting: static helpers and a live training plot.

The live plot redraws one PNG figure in place through an IPython display handle (``display_id``), instead of
d2l's ``clear_output`` + SVG: JupyterLab shows it updating, and an unattended run (nbval, nbconvert) keeps
exactly one final static PNG.
"""
from __future__ import annotations

import contextlib
import contextvars
import time
from typing import Iterator, Sequence

import matplotlib

import matplotlib.pyplot as plt

_ACTIVE_HANDLE: contextvars.ContextVar = contextvars.ContextVar("d2lnotes_plot_handle", default=None)


def use_png() -> None:
    """Render inline figures as PNG (the only figure format nbval and the HTML build handle reliably)."""
    try:
        from matplotlib_inline.backend_inline import set_matplotlib_formats
    except ImportError:  # not in a Jupyter kernel
        return
    set_matplotlib_formats("png")


def set_figsize(figsize: tuple[float, float] = (3.5, 2.5)) -> None:
    """Default figure size in inches (d2l ``set_figsize``, Sec. 2.4)."""
    matplotlib.rcParams["figure.figsize"] = figsize


def set_axes(axes, xlabel=None, ylabel=None, xlim=None, ylim=None, xscale="linear", yscale="linear",
             legend=None) -> None:
    """Label, scale and limit a matplotlib ``Axes`` (d2l ``set_axes``, Sec. 2.4)."""
    axes.set_xlabel(xlabel)
    axes.set_ylabel(ylabel)
    axes.set_xscale(xscale)
    axes.set_yscale(yscale)
    if xlim is not None:
        axes.set_xlim(xlim)
    if ylim is not None:
        axes.set_ylim(ylim)
    if legend:
        axes.legend(legend)
    axes.grid(True)


def plot(X, Y=None, xlabel=None, ylabel=None, legend=None, xlim=None, ylim=None, xscale="linear",
         yscale="linear", fmts=("-", "m--", "g-.", "r:"), figsize=(3.5, 2.5), axes=None):
    """Plot one or several curves (d2l ``plot``, Sec. 2.4).

    ``X`` and ``Y`` are sequences (or lists of sequences, one per curve); with ``Y`` None, ``X`` is plotted against
    its indices. Returns the ``Axes``.
    """
    def has_one_axis(v):
        return hasattr(v, "ndim") and v.ndim == 1 or isinstance(v, list) and not hasattr(v[0], "__len__")

    if has_one_axis(X):
        X = [X]
    if Y is None:
        X, Y = [[]] * len(X), X
    elif has_one_axis(Y):
        Y = [Y]
    if len(X) != len(Y):
        X = X * len(Y)
    if axes is None:
        _, axes = plt.subplots(figsize=figsize)
    for x, y, fmt in zip(X, Y, fmts * len(Y)):
        x, y = _to_numpy(x), _to_numpy(y)
        axes.plot(x, y, fmt) if len(x) else axes.plot(y, fmt)
    set_axes(axes, xlabel, ylabel, xlim, ylim, xscale, yscale, legend)
    return axes


def show_images(imgs, num_rows: int, num_cols: int, titles: Sequence[str] | None = None, scale: float = 1.5,
                cmap: str | None = "gray"):
    """Show a grid of images with optional titles (d2l ``show_images``, Sec. 3.5).

    Args:
        imgs: a sequence of ``(h, w)``, ``(h, w, c)`` or ``(c, h, w)`` arrays (MXNet or NumPy); ``c`` in {1, 3}.
        num_rows, num_cols: grid size; extra images are ignored.
        titles: one title per image.
    Returns:
        The flat array of ``Axes``.
    """
    import numpy as onp

    figsize = (num_cols * scale, num_rows * scale)
    _, axes = plt.subplots(num_rows, num_cols, figsize=figsize, squeeze=False)
    axes = axes.flatten()
    for i, (ax, img) in enumerate(zip(axes, imgs)):
        img = onp.asarray(_to_numpy(img))
        if img.ndim == 3 and img.shape[0] in (1, 3) and img.shape[-1] not in (1, 3):
            img = img.transpose(1, 2, 0)
        if img.ndim == 3 and img.shape[-1] == 1:
            img = img[..., 0]
        ax.imshow(img, cmap=cmap if img.ndim == 2 else None)
        ax.axis("off")
        if titles is not None and i < len(titles):
            ax.set_title(titles[i], fontsize=9)
    for ax in axes[len(imgs):]:
        ax.axis("off")
    return axes


class TrainingPlot:
    """A live plot of training curves, updated in place (d2l's ``Animator``, Sec. 3.6, redrawn as PNG).

    Call :meth:`add` with an x value and one value per curve (None where a curve has no point); call
    :meth:`finish` at the end. In a Jupyter kernel the figure is shown on the first :meth:`add` and then
    redrawn through the same display handle, at most every ``min_interval`` seconds and no more often than
    keeps drawing under about a fifth of the time (a PNG frame costs 0.1-0.5 s), and always at :meth:`finish`;
    elsewhere nothing is displayed and the figure stays available as :attr:`fig` (for tests and scripts).

    ``handle`` is an already displayed ``IPython.display.DisplayHandle`` to draw into. Inside
    :func:`drawing_into` (a :class:`d2lnotes.widgets.HyperparameterPanel` run uses it) it defaults to that
    context's handle, so a new run replaces the previous figure.
    """

    def __init__(self, legend: Sequence[str] = ("train loss", "train acc", "test acc"), xlabel: str = "epoch",
                 ylabel: str | None = None, xlim=None, ylim=None, yscale: str = "linear",
                 fmts=("-", "m--", "g-.", "r:"), figsize=(4.5, 3.0), handle=None, min_interval: float = 0.5):
        self.legend = list(legend)
        self.xlabel, self.ylabel, self.xlim, self.ylim, self.yscale = xlabel, ylabel, xlim, ylim, yscale
        self.fmts = fmts
        self.X: list[list[float]] = [[] for _ in self.legend]
        self.Y: list[list[float]] = [[] for _ in self.legend]
        self.fig, self.axes = plt.subplots(figsize=figsize, layout="constrained")
        plt.close(self.fig)  # shown through the display handle only, never again at the end of the cell
        self._handle = handle or _ACTIVE_HANDLE.get()
        self.min_interval = min_interval
        self._next_draw = None
        self.marks: list[tuple[float, str]] = []

    def add(self, x: float, values: Sequence[float | None]) -> None:
        """Append one point per curve at ``x`` (``values[i]`` None: no point for curve i) and redraw.

        Raises:
            ValueError: if the number of values differs from the number of curves.
        """
        if len(values) != len(self.legend):
            raise ValueError(f"expected {len(self.legend)} values ({self.legend}), got {len(values)}")
        for i, v in enumerate(values):
            if v is not None:
                self.X[i].append(float(x))
                self.Y[i].append(float(v))
        now = time.monotonic()
        if self._next_draw is None or now >= self._next_draw:
            self._draw()
            self._show()
            done = time.monotonic()
            # wait min_interval, and at least 4x the time the frame took: drawing stays under ~20% of the run
            self._next_draw = now + max(self.min_interval, 5 * (done - now))

    def mark(self, x: float, label: str) -> None:
        """Mark ``x`` with a vertical line and a label (e.g. where a hyperparameter was changed during the run);
        drawn with the next frame."""
        self.marks.append((float(x), label))

    def finish(self) -> None:
        """Draw the final state (the last displayed frame is the figure an unattended run keeps)."""
        self._draw()
        self._show()

    def _draw(self) -> None:
        ax = self.axes
        ax.cla()
        for x, y, fmt, label in zip(self.X, self.Y, self.fmts * len(self.X), self.legend):
            if x:  # a curve of one or two points (a one-epoch run) gets markers, or a lone point is invisible
                ax.plot(x, y, fmt, label=label, marker="o" if len(x) < 3 else None, markersize=4)
        for x, label in self.marks:
            ax.axvline(x, color="0.5", linestyle=":", linewidth=1)
            ax.annotate(label, (x, 1), xycoords=("data", "axes fraction"), rotation=90, va="top", ha="right",
                        fontsize=7, color="0.3")
        set_axes(ax, self.xlabel, self.ylabel, self.xlim, self.ylim, yscale=self.yscale)
        if any(self.X):
            ax.legend()

    def _show(self) -> None:
        if not in_kernel():
            return
        from IPython.display import display

        if self._handle is None:
            self._handle = display(self.fig, display_id=True)
        else:
            self._handle.update(self.fig)


@contextlib.contextmanager
def drawing_into(handle) -> Iterator[None]:
    """Within this context, every new :class:`TrainingPlot` draws into ``handle`` (an
    ``IPython.display.DisplayHandle``, or None for a new output each) unless it is given a handle of its own."""
    token = _ACTIVE_HANDLE.set(handle)
    try:
        yield
    finally:
        _ACTIVE_HANDLE.reset(token)


def current_handle():
    """The display handle set by :func:`drawing_into` (e.g. a HyperparameterPanel's plot area), or None."""
    return _ACTIVE_HANDLE.get()


def in_kernel() -> bool:
    """Whether this code runs in a Jupyter kernel (where figures and widgets can be displayed)."""
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    return shell is not None and shell.__class__.__name__ == "ZMQInteractiveShell"


def _to_numpy(x):
    return x.asnumpy() if hasattr(x, "asnumpy") else x
