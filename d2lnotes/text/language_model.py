"""Training and sampling language models (from-scratch RNNs and Gluon blocks alike).

A model is any callable ``net(X, state) -> (Y_hat, new_state)`` with ``X: (batch, num_steps)`` token indices and
``Y_hat: (num_steps * batch, vocab_size)`` scores in time-major order, plus ``net.begin_state(batch_size, ctx)``.
Its parameters are ``net.params`` (a list of arrays with gradients attached) or, for a Gluon block,
``net.collect_params()``.

Source: d2l, "Recurrent Neural Network Implementation from Scratch" (Sec. 8.5, ``train_ch8``, ``predict_ch8``);
perplexity as in Sec. 8.4. Taught in book/07_rnn/02_rnn_scratch.ipynb.
"""
from __future__ import annotations

import collections
import math
import random
from dataclasses import dataclass

import mxnet as mx
from mxnet import autograd, gluon, np

from ..checkpoint import Checkpoint
from ..optim import collect_grads
from ..plot import TrainingPlot
from ..steering import RunControl
from ..train import History, bind_optimizer, fit, make_updater


def clip_gradients(net, theta: float):
    """Rescale all gradients of ``net`` so that their global L2 norm is at most ``theta``.

    Returns the norm before clipping as a 0-d array (reading it with ``float()`` waits for the computation).

    Unlike :func:`d2lnotes.optim.clip_grad_norm` it does not wait for the device, which matters once per
    minibatch. Uses the library's ``gluon.utils.clip_global_norm`` (the from-scratch version is taught in
    book/02_training/01_initialization.ipynb and book/07_rnn/02_rnn_scratch.ipynb).
    """
    grads = collect_grads(net if isinstance(net, gluon.Block) else net.params)
    norm = gluon.utils.clip_global_norm([g.as_nd_ndarray() for g in grads], theta, check_isfinite=False)
    return norm.as_np_ndarray()


def detach_state(state):
    """Cut the computation graph behind a hidden state (an array or a tuple/list of arrays)."""
    if isinstance(state, (list, tuple)):
        return type(state)(s.detach() for s in state)
    return state.detach()


def _resets_state(data_iter, default: bool) -> bool:
    return getattr(data_iter, "use_random_iter", default)


def unigram_perplexity(train_tokens, eval_tokens, vocab_size: int) -> float:
    """Perplexity on ``eval_tokens`` of the unigram model of ``train_tokens`` with add-one (Laplace) smoothing:
    ``P(t) = (count(t) + 1) / (len(train_tokens) + vocab_size)``. The baseline a language model must beat (the
    uniform model's perplexity is ``vocab_size``). Tokens are indices (or any hashable tokens).

    Taught in book/07_rnn/02_rnn_scratch.ipynb.

    Raises:
        ValueError: empty ``eval_tokens``.
    """
    if not len(eval_tokens):
        raise ValueError("eval_tokens is empty")
    counts = collections.Counter(train_tokens)
    total = len(train_tokens) + vocab_size
    return math.exp(-sum(math.log((counts[t] + 1) / total) for t in eval_tokens) / len(eval_tokens))


def evaluate_perplexity(net, data_iter, ctx, loss=None, use_random_iter: bool = False) -> float:
    """Perplexity (困惑度) of ``net`` on ``data_iter``: ``exp(total cross-entropy / number of tokens)``."""
    loss = loss or gluon.loss.SoftmaxCrossEntropyLoss()
    total, n, state = np.zeros((), ctx=ctx), 0, None
    for X, Y in data_iter:
        if state is None or _resets_state(data_iter, use_random_iter):
            state = net.begin_state(batch_size=X.shape[0], ctx=ctx)
        X, y = X.as_in_ctx(ctx), Y.T.reshape(-1).as_in_ctx(ctx)
        y_hat, state = net(X, state)
        total = total + loss(y_hat, y).sum()
        n += y.size
    return math.exp(float(total) / n)


def train_language_model(net, train_iter, num_epochs: int, lr: float | None = None, *, ctx=None, trainer=None,
                         valid_iter=None, clip_theta: float = 1.0, use_random_iter: bool = False,
                         plot: TrainingPlot | bool | None = True, on_epoch=None,
                         control: RunControl | None = None, checkpoint: Checkpoint | None = None) -> History:
    """Train a language model with truncated BPTT and gradient clipping.

    Returns its :class:`~d2lnotes.train.History`: ``train_ppl`` and (with ``valid_iter``) ``valid_ppl`` per
    epoch, ``tokens_per_sec``.

    Args:
        net: see the module docstring.
        train_iter, valid_iter: iterables of ``(X, Y)``, both ``(batch, num_steps)``; a
            :class:`~d2lnotes.text.sequence.SeqDataLoader` says itself whether it samples randomly.
        num_epochs: passes over ``train_iter``.
        lr: learning rate of plain SGD (from-scratch models) or of a ``gluon.Trainer("sgd")`` for Gluon blocks.
        trainer: instead of ``lr``: a ``gluon.Trainer`` or an ``updater(batch_size)`` callable.
        clip_theta: maximum global gradient norm (None: no clipping).
        use_random_iter: for plain iterables: whether minibatches are independent (state re-initialised for
            each) rather than adjacent (state carried over, detached).
        plot: True for a live perplexity plot, a :class:`TrainingPlot` with legend ``("train", "valid")``, or None.
        on_epoch: optional ``callback(epoch, history)``, e.g. to print a generated sample.
        control: a :class:`~d2lnotes.steering.RunControl`: ``lr`` and ``clip_theta`` change at the next minibatch.
        checkpoint: a :class:`~d2lnotes.checkpoint.Checkpoint` to save every epoch and resume from (as in
            :func:`d2lnotes.train.train_classifier`): the parameters of ``net`` (a Gluon block), the optimiser's
            state when it is a ``gluon.Trainer`` (learning rate included), and the random generators of
            ``train_iter`` and ``valid_iter`` (a :class:`~d2lnotes.text.sequence.SeqDataLoader`'s
            ``random.Random`` or a NumPy generator), so that a resumed run ends where an uninterrupted one ends.

    Raises:
        ValueError: neither ``lr`` nor ``trainer``; ``num_epochs < 1``.
        TypeError: ``checkpoint`` with a model that is not a Gluon block (a from-scratch model has no
            ``save_parameters``).
    """
    from ..config import try_gpu

    if num_epochs < 1:
        raise ValueError(f"num_epochs must be at least 1, got {num_epochs}")
    ctx = ctx or try_gpu()
    step = make_updater(net, lr, trainer)
    bind_optimizer(control, step)
    if checkpoint is not None:
        if not isinstance(net, gluon.Block):
            raise TypeError(f"a checkpoint needs a Gluon block, got {type(net).__name__} (a from-scratch model)")
        owner = getattr(step, "__self__", None)
        checkpoint.attach(net, trainer=owner if isinstance(owner, gluon.Trainer) else None,
                          loaders=[_SavedGenerator.of(it) for it in (train_iter, valid_iter)])
    clipping = {"theta": clip_theta}
    if control is not None and clip_theta is not None:
        control.bind("clip_theta", lambda v: clipping.update(theta=v), clip_theta)
    loss = gluon.loss.SoftmaxCrossEntropyLoss()
    if plot is True:
        plot = TrainingPlot(legend=("train", "valid") if valid_iter is not None else ("train",),
                            ylabel="perplexity", xlim=(1, max(num_epochs, 2)))  # one epoch: no empty x-range
    random_batches = _resets_state(train_iter, use_random_iter)
    carried = {}

    def batch_step(i, X, Y):
        if i == 0 or random_batches:
            carried["state"] = net.begin_state(batch_size=X.shape[0], ctx=ctx)
        else:
            carried["state"] = detach_state(carried["state"])
        X, y = X.as_in_ctx(ctx), Y.T.reshape(-1).as_in_ctx(ctx)
        with autograd.record():
            y_hat, carried["state"] = net(X, carried["state"])
            mean_loss = loss(y_hat, y).mean()
        mean_loss.backward()
        if clipping["theta"] is not None:
            clip_gradients(net, clipping["theta"])
        step(1)  # the loss is already a mean over the minibatch's tokens
        return y.size, (mean_loss * y.size,)

    evaluate = None
    if valid_iter is not None:
        def evaluate():
            return {"valid_ppl": evaluate_perplexity(net, valid_iter, ctx, loss, use_random_iter)}

    plot_metrics = ("train_ppl", "valid_ppl") if valid_iter is not None else ("train_ppl",)
    return fit(batch_step, train_iter, num_epochs, train_metrics={"train_ppl": lambda s, n: math.exp(s[0] / n)},
               evaluate=evaluate, plot=plot or None, plot_metrics=plot_metrics, device=str(ctx), unit="tokens",
               on_epoch=on_epoch, control=control, checkpoint=checkpoint)


class _SavedGenerator:
    """Lets :class:`~d2lnotes.checkpoint.Checkpoint` save and restore a loader's ``random.Random`` (it saves
    ``loader.rng.bit_generator.state``, the interface of a NumPy generator) as a JSON-able list."""

    def __init__(self, rng: random.Random):
        self._rng = rng
        self.rng = self  # the checkpoint reads self.rng.bit_generator.state
        self.bit_generator = self

    @property
    def state(self) -> list:
        version, internal, gauss_next = self._rng.getstate()
        return [version, list(internal), gauss_next]

    @state.setter
    def state(self, value) -> None:
        version, internal, gauss_next = value
        self._rng.setstate((version, tuple(internal), gauss_next))

    @classmethod
    def of(cls, loader):
        """The object to hand to the checkpoint for ``loader``: itself when its ``rng`` is a NumPy generator, a
        wrapper when it is a ``random.Random``, None when it has no generator (a plain list of minibatches)."""
        rng = getattr(loader, "rng", None)
        if isinstance(rng, random.Random):
            return cls(rng)
        return loader if rng is not None else None


def predict(prefix: str, num_preds: int, net, vocab, ctx=None, token: str = "char") -> str:
    """Continue ``prefix`` by ``num_preds`` tokens, each the most likely next one (greedy decoding).

    The prefix is first fed through the model to warm up its state. ``token`` says how tokens are joined:
    ``"char"`` (no separator, prefix split into characters) or ``"word"`` (spaces).

    Raises:
        ValueError: an empty prefix.
    """
    if not prefix:
        raise ValueError("the prefix must contain at least one token")
    ctx = ctx or mx.cpu()
    tokens = list(prefix) if token == "char" else prefix.split()
    state = net.begin_state(batch_size=1, ctx=ctx)
    outputs = [vocab[tokens[0]]]

    def last():
        return np.array([outputs[-1]], dtype="int32", ctx=ctx).reshape(1, 1)

    for t in tokens[1:]:
        _, state = net(last(), state)
        outputs.append(vocab[t])
    for _ in range(num_preds):
        y, state = net(last(), state)
        outputs.append(int(y.argmax(axis=1).reshape(1)[0]))
    words = vocab.to_tokens(outputs)
    return "".join(words) if token == "char" else " ".join(words)


@dataclass
class LMRun:
    """The result of one language-model run in a hyperparameter panel: its history and one generated text.

    A panel's training function returns an :class:`LMRun`; the panel shows ``str(run)``, i.e. the perplexities,
    the speed and the text the trained model writes after a prefix. Taught in book/07_rnn/02_rnn_scratch.ipynb.

    Attributes:
        history: the run's :class:`~d2lnotes.train.History` (per-epoch perplexities and speed).
        sample: the prefix followed by the model's continuation (e.g. from :func:`predict`).
        net: the trained model (kept so a reader can generate more text with it).
    """

    history: History
    sample: str
    net: object = None

    def __str__(self) -> str:
        return f"{self.history.summary()}\nsample: {self.sample!r}"
