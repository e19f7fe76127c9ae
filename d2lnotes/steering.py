"""Steering a training run while it trains: live hyperparameters, pause, resume and stop.

A :class:`RunControl` is shared between the thread that trains (:func:`d2lnotes.train.fit` calls
:meth:`RunControl.before_step` before every minibatch) and the thread that steers (the widgets of a
:class:`d2lnotes.widgets.HyperparameterPanel`, or any code). A new value set with :meth:`RunControl.set` takes
effect before the next minibatch; the run records the value in force at every step and where each change
happened.
"""
from __future__ import annotations

import threading
from typing import Any, Callable


class StopTraining(Exception):
    """Raised inside a run when :meth:`RunControl.stop` was called (the loop catches it and ends cleanly)."""


class RunControl:
    """Live hyperparameters and pause/resume/stop for one run at a time (thread-safe).

    The training loop :meth:`bind` s each live hyperparameter to a setter (e.g. ``trainer.set_learning_rate``)
    with its starting value; a steering thread calls :meth:`set`, :meth:`pause`, :meth:`resume` or
    :meth:`stop`. Names set but never bound by the loop are reported by :meth:`unbound`; ``steps`` counts the
    minibatches the current run has started.
    """

    def __init__(self):
        self._lock = threading.Lock()
        self._setters: dict[str, Callable[[Any], None]] = {}
        self._pending: dict[str, Any] = {}
        self._running = threading.Event()
        self._running.set()
        self._stop = threading.Event()
        self.values: dict[str, Any] = {}
        self.steps = 0

    def bind(self, name: str, setter: Callable[[Any], None], value: Any) -> None:
        """Make ``name`` live in this run: ``setter(new_value)`` applies a change; ``value`` is in force now.

        A value set before the run bound it (e.g. moved while the run was starting) is applied at the first step.
        """
        with self._lock:
            self._setters[name] = setter
            self.values[name] = value

    def set(self, name: str, value: Any) -> None:
        """Ask for ``name = value`` from the next minibatch on (any thread)."""
        with self._lock:
            self._pending[name] = value

    def pause(self) -> None:
        self._running.clear()

    def resume(self) -> None:
        self._running.set()

    def stop(self) -> None:
        """End the run after the current minibatch (also wakes a paused run)."""
        self._stop.set()
        self._running.set()

    @property
    def paused(self) -> bool:
        return not self._running.is_set()

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()

    def unbound(self) -> list[str]:
        """Names set with :meth:`set` that this run has no setter for (they wait for a run that binds them)."""
        with self._lock:
            return sorted(n for n in self._pending if n not in self._setters)

    def before_step(self) -> dict[str, Any]:
        """Called by the loop before each minibatch: wait while paused, apply pending changes.

        Returns:
            ``{name: new value}`` of the changes applied now (empty almost always).

        Raises:
            StopTraining: :meth:`stop` was called.
        """
        self._running.wait()
        if self._stop.is_set():
            raise StopTraining()
        self.steps += 1
        with self._lock:
            changes = {n: v for n, v in self._pending.items() if n in self._setters and v != self.values.get(n)}
            for name in [n for n in self._pending if n in self._setters]:
                del self._pending[name]
            for name, value in changes.items():
                self._setters[name](value)
                self.values[name] = value
        return changes

    def reset(self) -> None:
        """Forget the bindings, pending values and stop request, for the next run."""
        with self._lock:
            self._setters.clear()
            self._pending.clear()
            self.values.clear()
        self.steps = 0
        self._stop.clear()
        self._running.set()
