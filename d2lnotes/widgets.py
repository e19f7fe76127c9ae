"""Hyperparameter panels: sliders and menus, Train / Pause / Stop buttons, a live plot and the last result.

A notebook defines a training function with keyword arguments and hands it to a panel::

    def train(lr, num_epochs, control=None):
        return train_classifier(net, train_iter, test_iter, num_epochs, lr, control=control)

    panel = HyperparameterPanel(train, live=("lr",), lr=LogSlider(0.1, 0.001, 1.0),
                                num_epochs=IntSlider(5, 1, 20))
    panel.show()   # shows the controls and trains once with the defaults

``show()`` trains once with the default values, synchronously, so an unattended run (CI, the HTML build) still
produces a sensible figure and result. In JupyterLab a click on *Train* starts a run in a background thread,
so the widgets stay responsive while it trains:

- a *live* control (``live=``, e.g. the learning rate, momentum, weight decay, dropout, clipping θ) moved during
  the run takes effect at the next minibatch, through the :class:`~d2lnotes.steering.RunControl` the panel
  passes as ``control=`` (the training function must accept it and hand it to the loop); the plot marks the
  change and the run's history records the value in force at every step;
- any other control moved during the run (a model size, the number of epochs) restarts the run with the new
  values, and the status line says so;
- *Pause* / *Resume* and *Stop* act between two minibatches.

A panel for a long run (hours on a CPU) names a checkpoint, ``HyperparameterPanel(train, checkpoint="<notebook>/panel",
settings={"n_train": n_train}, ...)``, and its training function takes ``checkpoint=None`` and hands it to the loop:
every run then saves after each epoch, keyed by the controls' values and ``settings``, and a rerun of the same values
resumes where a closed laptop or a stopped kernel left it. A run whose live control was moved stops saving (its
state no longer matches its key). Finished runs of other values than the defaults delete their checkpoints.

Any :class:`~d2lnotes.plot.TrainingPlot` created during a run draws into the panel's plot area.
"""
from __future__ import annotations

import inspect
import math
import threading
from dataclasses import dataclass
from typing import Any, Callable, Sequence

import ipywidgets as w

from .checkpoint import Checkpoint
from .plot import drawing_into, in_kernel
from .steering import RunControl

_STYLE = {"description_width": "initial"}  # the whole name ("num_epochs"), never cut off


@dataclass(frozen=True)
class LogSlider:
    """A float on a log scale (learning rate, weight decay): ``default`` within [``low``, ``high``]."""

    default: float
    low: float
    high: float
    steps_per_decade: int = 4

    def build(self, name: str) -> w.Widget:
        _check_range(name, self.default, self.low, self.high)
        step = 1 / self.steps_per_decade
        return w.FloatLogSlider(value=self.default, base=10, min=math.log10(self.low), max=math.log10(self.high),
                                step=step, description=name, readout_format=".3g", continuous_update=False,
                                style=_STYLE)


@dataclass(frozen=True)
class FloatSlider:
    """A float on a linear scale (dropout, momentum) from ``low`` to ``high`` in steps of ``step``."""

    default: float
    low: float
    high: float
    step: float = 0.05

    def build(self, name: str) -> w.Widget:
        _check_range(name, self.default, self.low, self.high)
        return w.FloatSlider(value=self.default, min=self.low, max=self.high, step=self.step, description=name,
                             continuous_update=False, style=_STYLE)


@dataclass(frozen=True)
class IntSlider:
    """An integer (epochs, hidden units, batch size) from ``low`` to ``high`` in steps of ``step``."""

    default: int
    low: int
    high: int
    step: int = 1

    def build(self, name: str) -> w.Widget:
        _check_range(name, self.default, self.low, self.high)
        return w.IntSlider(value=self.default, min=self.low, max=self.high, step=self.step, description=name,
                           continuous_update=False, style=_STYLE)


@dataclass(frozen=True)
class Choice:
    """One of a few options (activation, optimiser, batch size): ``default`` must be among ``options``."""

    default: Any
    options: Sequence[Any]

    def build(self, name: str) -> w.Widget:
        if self.default not in self.options:
            raise ValueError(f"{name}: default {self.default!r} is not one of {list(self.options)}")
        return w.Dropdown(options=list(self.options), value=self.default, description=name, style=_STYLE)


@dataclass(frozen=True)
class Text:
    """Free text, e.g. the prefix a language model continues."""

    default: str

    def build(self, name: str) -> w.Widget:
        return w.Text(value=self.default, description=name, continuous_update=False, style=_STYLE)


def _check_range(name, default, low, high):
    if not low <= default <= high:
        raise ValueError(f"{name}: default {default} is outside [{low}, {high}]")


class HyperparameterPanel:
    """Controls for ``train_fn``'s keyword arguments, Train / Pause / Stop buttons, a plot area and a result line.

    Args:
        train_fn: called as ``train_fn(**values)`` (plus ``control=`` when it has such a parameter, and
            ``checkpoint=`` when the panel has a ``checkpoint``); its return
            value (e.g. a :class:`~d2lnotes.train.History`) is shown with ``str()`` and kept in :attr:`result`.
        title: a heading shown above the controls.
        live: names of controls that steer a running run (the training function must accept ``control``).
        checkpoint: a run name for per-epoch checkpoints (:class:`~d2lnotes.checkpoint.Checkpoint`), e.g.
            ``"04_cnn_families/01_alexnet/panel"``: every run gets a ``Checkpoint`` keyed by the controls' values
            and ``settings``, passed as ``checkpoint=`` (the training function must accept it and hand it to the
            loop), so a rerun of the same values resumes where an interrupted one stopped. A finished run keeps
            its checkpoint only for the default values (rerunning the notebook restores it at once); for other
            values it is deleted, as a large network's checkpoint takes hundreds of MB. None: no checkpoints.
        settings: what else makes two runs differ but has no control (training set size, optimiser); JSON-able,
            added to the checkpoint's key. Only with ``checkpoint``.
        **controls: one control (:class:`LogSlider`, :class:`FloatSlider`, :class:`IntSlider`, :class:`Choice`,
            :class:`Text`) per keyword argument of ``train_fn``.

    Raises:
        TypeError: a control names no parameter of ``train_fn``, a required parameter has no control, or
            ``live`` is given while ``train_fn`` takes no ``control``, or ``checkpoint`` while it takes no
            ``checkpoint``.
        ValueError: ``live`` names something that is not a control; ``settings`` without ``checkpoint``, or
            naming a control.
    """

    def __init__(self, train_fn: Callable[..., Any], title: str | None = None, live: Sequence[str] = (),
                 checkpoint: str | None = None, settings: dict | None = None, **controls):
        _check_signature(train_fn, controls)
        params = inspect.signature(train_fn).parameters
        self.steerable = "control" in params
        if checkpoint is not None and "checkpoint" not in params:
            raise TypeError(f"{train_fn.__name__}() needs a checkpoint=None parameter, handed to the training "
                            "loop, for a panel with checkpoint=")
        if settings and checkpoint is None:
            raise ValueError("settings= only add to the key of a checkpoint: give checkpoint= too")
        clashing = [name for name in settings or {} if name in controls]
        if clashing:
            raise ValueError(f"settings {clashing} are controls of this panel; their values are in the key already")
        self.checkpoint = checkpoint
        self.settings = dict(settings or {})
        unknown = [name for name in live if name not in controls]
        if unknown:
            raise ValueError(f"live names {unknown}, which are not controls of this panel: {list(controls)}")
        if live and not self.steerable:
            raise TypeError(f"{train_fn.__name__}() needs a control=None parameter, handed to the training loop, "
                            "for live controls")
        self.train_fn = train_fn
        self.live = tuple(live)
        self.control = RunControl()
        self.controls: dict[str, w.Widget] = {name: spec.build(name) for name, spec in controls.items()}
        self.defaults = self.values()
        self.button = w.Button(description="Train", button_style="primary", icon="play")
        self.pause_button = w.Button(description="Pause", icon="pause", disabled=True)
        self.stop_button = w.Button(description="Stop", icon="stop", disabled=True)
        self.status = w.HTML()
        self.button.on_click(lambda _: self.start())
        self.pause_button.on_click(lambda _: self.toggle_pause())
        self.stop_button.on_click(lambda _: self.stop())
        for name, widget in self.controls.items():
            widget.observe(lambda change, name=name: self._moved(name, change["new"]), names="value")
        header = [w.HTML(f"<b>{title}</b>")] if title else []
        buttons = w.HBox([self.button, self.pause_button, self.stop_button, self.status])
        self.widget = w.VBox(header + list(self.controls.values()) + [buttons])
        self.result: Any = None
        self.error: BaseException | None = None
        self.runs: list[dict[str, Any]] = []
        self._plot_handle = None
        self._result_handle = None
        self._thread: threading.Thread | None = None
        self._restart = False

    def values(self) -> dict[str, Any]:
        """The current value of every control, by parameter name."""
        return {name: widget.value for name, widget in self.controls.items()}

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def show(self, run: bool = True) -> Any:
        """Display the panel and, with ``run=True``, train once with the current (default) values.

        This first run is synchronous and its errors propagate, so a broken notebook fails under nbval.
        Returns the result of that run (None with ``run=False``).
        """
        if in_kernel():
            from IPython.display import display

            display(self.widget)
            self._plot_handle = display(_Placeholder("(the training plot appears here)"), display_id=True)
            self._result_handle = display(_Placeholder(""), display_id=True)
        return self.train(raise_errors=True) if run else None

    def train(self, raise_errors: bool = False) -> Any:
        """Run ``train_fn`` with the current values in this thread and return its result.

        With ``raise_errors=False`` an exception is shown in the panel's status line and kept in :attr:`error`
        instead of being raised (a button callback has nowhere to raise to).
        """
        values = self.values()
        self.runs.append(values)
        self.error = None
        self.control.reset()
        self._set_running(True)
        self.status.value = "training: " + _fmt_values(values)
        kwargs = {**values, "control": self.control} if self.steerable else dict(values)
        checkpoint = None
        if self.checkpoint is not None:
            checkpoint = kwargs["checkpoint"] = Checkpoint(self.checkpoint, {**self.settings, **values})
        try:
            with drawing_into(self._plot_handle):
                self.result = self.train_fn(**kwargs)
        except Exception as e:  # shown to the student; re-raised for unattended runs
            self.error = e
            self.status.value = f"<span style='color:#b00'>error: {type(e).__name__}: {e}</span>"
            if raise_errors:
                raise
            return None
        finally:
            self._set_running(False)
        if checkpoint is not None and values != self.defaults and not getattr(self.result, "stopped", False):
            checkpoint.clear()  # a finished run of other values than the defaults: free the disk (see checkpoint=)
        stopped = " (stopped)" if getattr(self.result, "stopped", False) else ""
        changed = "".join(f"; {name} &rarr; {_fmt(v)} at epoch {x:.2f}"
                          for x, name, v in getattr(self.result, "changes", []))
        self.status.value = f"done{stopped}: {_fmt_values(values)}{changed} &rarr; {_summary(self.result)}"
        if self._result_handle is not None:
            self._result_handle.update(_Placeholder(str(self.result)))
        else:
            print(self.result)
        return self.result

    def start(self) -> None:
        """What the Train button does: in a kernel, a run in a background thread (the widgets stay live);
        elsewhere (tests, scripts) a synchronous run."""
        if self.running:
            return
        if not in_kernel():
            self.train(raise_errors=False)
            return
        self._thread = threading.Thread(target=self._train_in_thread, daemon=True)
        self._set_running(True)
        self._thread.start()

    def wait(self, timeout: float | None = None) -> None:
        """Wait until a background run has finished."""
        if self._thread is not None:
            self._thread.join(timeout)

    def toggle_pause(self) -> None:
        if self.control.paused:
            self.control.resume()
            self.pause_button.description, self.pause_button.icon = "Pause", "pause"
            self.status.value = "training: " + _fmt_values(self.values())
        else:
            self.control.pause()
            self.pause_button.description, self.pause_button.icon = "Resume", "play"
            self.status.value = "paused (Resume continues, Stop ends the run)"

    def stop(self) -> None:
        """End the current run after its current minibatch."""
        self.control.stop()

    def _train_in_thread(self) -> None:
        from mxnet import npx

        npx.set_np()  # MXNet's NumPy mode is per thread
        while True:
            self._restart = False
            self.train(raise_errors=False)
            if not self._restart:
                break

    def _moved(self, name: str, value: Any) -> None:
        if not self.running:
            return
        if name in self.live and name in self.control.values:  # bound by this run's loop
            self.control.set(name, value)
            self.status.value = f"{name} = {_fmt(value)} from the next minibatch"
        else:
            self._restart = True
            self.control.stop()
            self.status.value = f"{name} changed: restarting the run"

    def _set_running(self, running: bool) -> None:
        self.button.disabled = running
        self.pause_button.disabled = self.stop_button.disabled = not running
        if not running:
            self.pause_button.description, self.pause_button.icon = "Pause", "pause"


def _fmt_values(values: dict) -> str:
    return ", ".join(f"{k}={_fmt(v)}" for k, v in values.items())


def _summary(result) -> str:
    """The first line of a result's ``str()``: the result line a student reads in the status."""
    return str(result).splitlines()[0] if result is not None else "no result"


class _Placeholder:
    """A plain-text display object (updated in place through a display handle)."""

    def __init__(self, text: str):
        self.text = text

    def __repr__(self) -> str:
        return self.text


def _fmt(v) -> str:
    return f"{v:.3g}" if isinstance(v, float) else str(v)


def _check_signature(fn: Callable, controls: dict) -> None:
    params = inspect.signature(fn).parameters
    accepts_any = any(p.kind == p.VAR_KEYWORD for p in params.values())
    unknown = [name for name in controls if name not in params and not accepts_any]
    if unknown:
        raise TypeError(f"{fn.__name__}() has no parameter {', '.join(unknown)}; its parameters: {list(params)}")
    missing = [name for name, p in params.items()
               if p.default is p.empty and p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)
               and name not in controls]
    if missing:
        raise TypeError(f"no control for {fn.__name__}()'s required parameter(s): {', '.join(missing)}")
