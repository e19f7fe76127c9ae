"""Hyperparameter panels: sliders and menus, a Train button, a live plot and the result of the last run.

A notebook defines a training function with keyword arguments and hands it to a panel::

    def train(lr, num_epochs):
        return train_classifier(net, train_iter, test_iter, num_epochs, lr)

    panel = HyperparameterPanel(train, lr=LogSlider(0.1, 0.001, 1.0), num_epochs=IntSlider(5, 1, 20))
    panel.show()   # shows the controls and trains once with the defaults

``show()`` trains once with the default values, so an unattended run (CI, the HTML build) still produces a
sensible figure and result. Each later click on *Train* reads the controls, runs the function again and replaces
the figure and result in place. Any :class:`~d2lnotes.plot.TrainingPlot` created during a run draws into the
panel's plot area.
"""
from __future__ import annotations

import inspect
import math
from dataclasses import dataclass
from typing import Any, Callable, Sequence

import ipywidgets as w

from .plot import drawing_into, in_kernel


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
                                step=step, description=name, readout_format=".3g", continuous_update=False)


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
                             continuous_update=False)


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
                           continuous_update=False)


@dataclass(frozen=True)
class Choice:
    """One of a few options (activation, optimiser, batch size): ``default`` must be among ``options``."""

    default: Any
    options: Sequence[Any]

    def build(self, name: str) -> w.Widget:
        if self.default not in self.options:
            raise ValueError(f"{name}: default {self.default!r} is not one of {list(self.options)}")
        return w.Dropdown(options=list(self.options), value=self.default, description=name)


@dataclass(frozen=True)
class Text:
    """Free text, e.g. the prefix a language model continues."""

    default: str

    def build(self, name: str) -> w.Widget:
        return w.Text(value=self.default, description=name, continuous_update=False)


def _check_range(name, default, low, high):
    if not low <= default <= high:
        raise ValueError(f"{name}: default {default} is outside [{low}, {high}]")


class HyperparameterPanel:
    """Controls for ``train_fn``'s keyword arguments, a Train button, a plot area and a result line.

    Args:
        train_fn: called as ``train_fn(**values)``; its return value (e.g. a
            :class:`~d2lnotes.train.History`) is shown with ``str()`` and kept in :attr:`result`.
        title: a heading shown above the controls.
        **controls: one control (:class:`LogSlider`, :class:`FloatSlider`, :class:`IntSlider`, :class:`Choice`,
            :class:`Text`) per keyword argument of ``train_fn``.

    Raises:
        TypeError: if a control names no parameter of ``train_fn``, or a required parameter has no control.
    """

    def __init__(self, train_fn: Callable[..., Any], title: str | None = None, **controls):
        _check_signature(train_fn, controls)
        self.train_fn = train_fn
        self.controls: dict[str, w.Widget] = {name: spec.build(name) for name, spec in controls.items()}
        self.button = w.Button(description="Train", button_style="primary", icon="play")
        self.status = w.HTML()
        self.button.on_click(lambda _: self.train(raise_errors=False))
        header = [w.HTML(f"<b>{title}</b>")] if title else []
        self.widget = w.VBox(header + list(self.controls.values()) + [w.HBox([self.button, self.status])])
        self.result: Any = None
        self.error: BaseException | None = None
        self.runs: list[dict[str, Any]] = []
        self._plot_handle = None
        self._result_handle = None

    def values(self) -> dict[str, Any]:
        """The current value of every control, by parameter name."""
        return {name: widget.value for name, widget in self.controls.items()}

    def show(self, run: bool = True) -> Any:
        """Display the panel and, with ``run=True``, train once with the current (default) values.

        Errors of this first run propagate, so a broken notebook fails under nbval.
        Returns the result of that run (None with ``run=False``).
        """
        if in_kernel():
            from IPython.display import display

            display(self.widget)
            self._plot_handle = display(_Placeholder("(the training plot appears here)"), display_id=True)
            self._result_handle = display(_Placeholder(""), display_id=True)
        return self.train(raise_errors=True) if run else None

    def train(self, raise_errors: bool = False) -> Any:
        """Run ``train_fn`` with the current values (what the Train button does).

        With ``raise_errors=False`` an exception is shown in the panel's status line and kept in :attr:`error`
        instead of being raised (a button callback has nowhere to raise to).
        """
        values = self.values()
        self.runs.append(values)
        self.error = None
        self.button.disabled = True
        self.status.value = "training: " + ", ".join(f"{k}={_fmt(v)}" for k, v in values.items())
        try:
            with drawing_into(self._plot_handle):
                self.result = self.train_fn(**values)
        except Exception as e:  # shown to the student; re-raised for unattended runs
            self.error = e
            self.status.value = f"<span style='color:#b00'>error: {type(e).__name__}: {e}</span>"
            if raise_errors:
                raise
            return None
        finally:
            self.button.disabled = False
        self.status.value = "done"
        if self._result_handle is not None:
            self._result_handle.update(_Placeholder(str(self.result)))
        else:
            print(self.result)
        return self.result


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
