"""Optimisers from scratch and gradient clipping.

Each optimiser keeps its own per-parameter state and updates parameters in place; its update rule is the few
lines taught in book/02_training/03_optimizers.ipynb and follows MXNet's conventions (``mx.optimizer``), so that
after the same gradients it gives the same parameters as ``gluon.Trainer`` with the same hyperparameters and
``wd=0``::

    updater = Adam(net.collect_params(), lr=0.001)
    ...; loss.backward(); updater.step(batch_size)     # or updater(batch_size), as train_classifier calls it

Parameters may be given as Gluon ``Parameter`` objects (a ``Block``, its ``collect_params()`` or a list) or as
MXNet arrays with an attached gradient (``attach_grad()``). Gradients are divided by ``batch_size`` before the
update, as ``gluon.Trainer.step(batch_size)`` does with its ``rescale_grad = 1 / batch_size``.

Gradient clipping (:func:`clip_grad_norm`, :func:`clip_grad_value`) is taught in
book/02_training/01_initialization.ipynb and reused by the recurrent-network chapters.
"""
from __future__ import annotations

import math

from mxnet import gluon, np

__all__ = ["Optimizer", "SGD", "AdaGrad", "RMSProp", "AdaDelta", "Adam", "clip_grad_norm", "clip_grad_value",
           "collect_grads"]


def _parameters(params) -> list:
    """Flatten a Block, a ParameterDict/dict or an iterable into a list of Parameters or arrays."""
    if isinstance(params, gluon.Block):
        params = params.collect_params()
    if hasattr(params, "values") and callable(params.values):
        params = params.values()
    if isinstance(params, (gluon.Parameter, np.ndarray)):
        params = [params]
    return list(params)


def _trainable(params) -> list:
    """The trainable entries of ``params``: Gluon Parameters with a gradient, or arrays with an attached gradient.

    Raises:
        ValueError: an array without an attached gradient.
    """
    trainable = []
    for p in _parameters(params):
        if isinstance(p, gluon.Parameter):
            if p.grad_req != "null":
                trainable.append(p)
        elif p.grad is None:
            raise ValueError("an array without a gradient: call attach_grad() on it first")
        else:
            trainable.append(p)
    return trainable


def _weight_and_grad(p):
    """``(weight, gradient)`` arrays of a Parameter (looked up now, so re-initialisation is followed) or an array.

    Raises:
        ValueError: a Parameter on several devices.
    """
    if isinstance(p, gluon.Parameter):
        data = p.list_data()
        if len(data) != 1:
            raise ValueError(f"parameter {p.name} lives on {len(data)} devices; these optimisers expect one")
        return data[0], p.list_grad()[0]
    return p, p.grad


class Optimizer:
    """Base class: parameters, one state per parameter, the step count ``t`` and the learning rate ``lr``.

    Subclasses define :meth:`init_state` (the state of one weight array) and :meth:`update` (the update rule for
    one weight array ``w`` with the already rescaled gradient ``g``, changing ``w`` and ``state`` in place).
    Gluon Parameters are read at every step, and the states are created at the first step, so the optimiser may
    be created before the network's (deferred) initialisation, and follows a re-initialisation.

    Args:
        params: Gluon Parameters (or a Block / ParameterDict) or arrays with attached gradients.
        lr: learning rate.

    Raises:
        ValueError: if ``lr`` is negative or ``params`` holds nothing trainable.
    """

    def __init__(self, params, lr: float):
        if lr < 0:
            raise ValueError(f"learning rate must be non-negative, got {lr}")
        self.params = _trainable(params)
        if not self.params:
            raise ValueError("no trainable parameters given")
        self.lr = lr
        self.t = 0
        self.states: list | None = None

    def init_state(self, w):
        return None

    def update(self, w, g, state) -> None:
        raise NotImplementedError

    def step(self, batch_size: int = 1) -> None:
        """Apply one update to every parameter with its gradient divided by ``batch_size``."""
        pairs = [_weight_and_grad(p) for p in self.params]
        if self.states is None:
            self.states = [self.init_state(w) for w, _ in pairs]
        self.t += 1
        for (w, g), state in zip(pairs, self.states):
            self.update(w, g / batch_size, state)

    __call__ = step  # train_classifier calls a custom trainer as updater(batch_size)

    def set_learning_rate(self, lr: float) -> None:
        """Change the learning rate (as ``gluon.Trainer.set_learning_rate``), e.g. from a schedule."""
        self.lr = lr

    @property
    def learning_rate(self) -> float:
        return self.lr


class SGD(Optimizer):
    """Minibatch SGD, with momentum (动量法) when ``momentum > 0``.

    ``v <- momentum * v + lr * g;  w <- w - v`` (MXNet's form, with the learning rate inside the velocity; with a
    constant ``lr`` it equals ``v <- momentum * v + g;  w <- w - lr * v``).

    Source: Polyak (1964); Sutskever et al., On the importance of initialization and momentum in deep learning
    (2013); d2l Sec. 12.4 and 12.6. Taught in book/02_training/03_optimizers.ipynb.
    """

    def __init__(self, params, lr: float = 0.01, momentum: float = 0.0):
        if not 0 <= momentum < 1:
            raise ValueError(f"momentum must be in [0, 1), got {momentum}")
        self.momentum = momentum
        super().__init__(params, lr)

    def init_state(self, w):
        return np.zeros(w.shape, ctx=w.ctx, dtype=w.dtype) if self.momentum else None

    def update(self, w, g, v) -> None:
        if v is None:
            w[:] = w - self.lr * g
        else:
            v[:] = self.momentum * v + self.lr * g
            w[:] = w - v


class AdaGrad(Optimizer):
    """AdaGrad: ``s <- s + g**2;  w <- w - lr * g / sqrt(s + eps)`` (MXNet puts ``eps`` inside the root).

    Source: Duchi, Hazan & Singer, Adaptive subgradient methods (2011); d2l Sec. 12.7.
    Taught in book/02_training/03_optimizers.ipynb.
    """

    def __init__(self, params, lr: float = 0.01, eps: float = 1e-7):
        self.eps = eps
        super().__init__(params, lr)

    def init_state(self, w):
        return np.zeros(w.shape, ctx=w.ctx, dtype=w.dtype)

    def update(self, w, g, s) -> None:
        s[:] = s + g ** 2
        w[:] = w - self.lr * g / np.sqrt(s + self.eps)


class RMSProp(Optimizer):
    """RMSProp: ``s <- gamma * s + (1 - gamma) * g**2;  w <- w - lr * g / sqrt(s + eps)``.

    ``gamma`` is MXNet's ``gamma1`` (uncentred version, ``centered=False``); ``eps`` sits inside the root.

    Source: Tieleman & Hinton, Lecture 6.5 of Neural Networks for Machine Learning (2012); d2l Sec. 12.8.
    Taught in book/02_training/03_optimizers.ipynb.
    """

    def __init__(self, params, lr: float = 0.001, gamma: float = 0.9, eps: float = 1e-8):
        if not 0 <= gamma < 1:
            raise ValueError(f"gamma must be in [0, 1), got {gamma}")
        self.gamma, self.eps = gamma, eps
        super().__init__(params, lr)

    def init_state(self, w):
        return np.zeros(w.shape, ctx=w.ctx, dtype=w.dtype)

    def update(self, w, g, s) -> None:
        s[:] = self.gamma * s + (1 - self.gamma) * g ** 2
        w[:] = w - self.lr * g / np.sqrt(s + self.eps)


class AdaDelta(Optimizer):
    """AdaDelta: no learning rate; the step is scaled by the running RMS of past steps.

    ``s <- rho * s + (1 - rho) * g**2;  d = sqrt(delta + eps) / sqrt(s + eps) * g;
    delta <- rho * delta + (1 - rho) * d**2;  w <- w - lr * d``.

    MXNet's ``AdaDelta`` ignores ``learning_rate``; keep ``lr=1.0`` (the paper's rule) to match it. MXNet's
    defaults are ``rho=0.9, eps=1e-5``.

    Source: Zeiler, ADADELTA: an adaptive learning rate method (2012); d2l Sec. 12.9.
    Taught in book/02_training/03_optimizers.ipynb.
    """

    def __init__(self, params, rho: float = 0.9, eps: float = 1e-5, lr: float = 1.0):
        if not 0 <= rho < 1:
            raise ValueError(f"rho must be in [0, 1), got {rho}")
        self.rho, self.eps = rho, eps
        super().__init__(params, lr)

    def init_state(self, w):
        return (np.zeros(w.shape, ctx=w.ctx, dtype=w.dtype), np.zeros(w.shape, ctx=w.ctx, dtype=w.dtype))

    def update(self, w, g, state) -> None:
        s, delta = state
        s[:] = self.rho * s + (1 - self.rho) * g ** 2
        d = np.sqrt(delta + self.eps) / np.sqrt(s + self.eps) * g
        delta[:] = self.rho * delta + (1 - self.rho) * d ** 2
        w[:] = w - self.lr * d


class Adam(Optimizer):
    """Adam with bias correction, in the paper's efficient form (which MXNet uses).

    ``m <- b1 m + (1 - b1) g;  v <- b2 v + (1 - b2) g**2;
    w <- w - lr * sqrt(1 - b2**t) / (1 - b1**t) * m / (sqrt(v) + eps)``.

    This equals ``w <- w - lr * m_hat / (sqrt(v_hat) + eps / sqrt(1 - b2**t))`` with the bias-corrected
    ``m_hat = m / (1 - b1**t)``, ``v_hat = v / (1 - b2**t)``: ``eps`` is the paper's epsilon-hat.

    Source: Kingma & Ba, Adam: a method for stochastic optimization (2015), Algorithm 1 and the end of Sec. 2;
    d2l Sec. 12.10. Taught in book/02_training/03_optimizers.ipynb.
    """

    def __init__(self, params, lr: float = 0.001, beta1: float = 0.9, beta2: float = 0.999, eps: float = 1e-8):
        if not (0 <= beta1 < 1 and 0 <= beta2 < 1):
            raise ValueError(f"beta1 and beta2 must be in [0, 1), got {beta1}, {beta2}")
        self.beta1, self.beta2, self.eps = beta1, beta2, eps
        super().__init__(params, lr)

    def init_state(self, w):
        return (np.zeros(w.shape, ctx=w.ctx, dtype=w.dtype), np.zeros(w.shape, ctx=w.ctx, dtype=w.dtype))

    def update(self, w, g, state) -> None:
        m, v = state
        m[:] = self.beta1 * m + (1 - self.beta1) * g
        v[:] = self.beta2 * v + (1 - self.beta2) * g ** 2
        step = self.lr * math.sqrt(1 - self.beta2 ** self.t) / (1 - self.beta1 ** self.t)
        w[:] = w - step * m / (np.sqrt(v) + self.eps)


def collect_grads(params_or_grads) -> list:
    """The gradient arrays of ``params_or_grads``.

    Accepts a Gluon Block, a ParameterDict, or an iterable of Gluon Parameters, of arrays with an attached
    gradient (their ``.grad`` is taken) or of gradient arrays themselves. Parameters with ``grad_req='null'``
    (e.g. batch-norm running statistics) are skipped.
    """
    grads = []
    for p in _parameters(params_or_grads):
        if isinstance(p, gluon.Parameter):
            if p.grad_req != "null":
                grads.extend(p.list_grad())
        else:
            grads.append(p.grad if p.grad is not None else p)
    return grads


def clip_grad_norm(params_or_grads, theta: float) -> float:
    """Clip gradients by their global norm, in place: ``g <- min(1, theta / ||g||) * g``.

    ``||g||`` is the L2 norm of all gradients concatenated into one vector, so the direction of the update is kept
    and only its length is limited to ``theta``.

    Args:
        params_or_grads: see :func:`collect_grads` (all on one device).
        theta: the largest allowed norm (> 0).

    Returns:
        The global norm before clipping, as a float (a non-finite norm is returned as is, and nothing is scaled).

    Raises:
        ValueError: if ``theta <= 0`` or there are no gradients.

    Source: Pascanu, Mikolov & Bengio, On the difficulty of training recurrent neural networks (2013); d2l
    Sec. 9.5 ("Gradient clipping"). Taught in book/02_training/01_initialization.ipynb.
    """
    if theta <= 0:
        raise ValueError(f"theta must be positive, got {theta}")
    grads = collect_grads(params_or_grads)
    if not grads:
        raise ValueError("no gradients to clip")
    ctx = grads[0].ctx
    total = np.zeros((), ctx=ctx, dtype="float32")
    for g in grads:
        total = total + (g.astype("float32") ** 2).sum().as_in_ctx(ctx)
    norm = math.sqrt(float(total))
    if math.isfinite(norm) and norm > theta:
        scale = theta / norm
        for g in grads:
            g[:] = g * scale
    return norm


def clip_grad_value(params_or_grads, limit: float) -> None:
    """Clip every gradient entry into ``[-limit, limit]``, in place (MXNet's ``clip_gradient`` option).

    Unlike :func:`clip_grad_norm` this changes the direction of the gradient.

    Raises:
        ValueError: if ``limit <= 0``.

    Taught in book/02_training/01_initialization.ipynb.
    """
    if limit <= 0:
        raise ValueError(f"limit must be positive, got {limit}")
    for g in collect_grads(params_or_grads):
        g[:] = np.clip(g, -limit, limit)
