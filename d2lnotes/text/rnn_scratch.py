"""Recurrent networks from scratch: the plain RNN (with its gradients by hand), GRU, LSTM and peephole LSTM, and
the wrapper that turns any of them into a language model.

The plain RNN (row-vector convention, one row per sequence of the minibatch)::

    A_t = X_t W_xh + H_{t-1} W_hh + b_h,   H_t = tanh(A_t),   O_t = H_t W_hq + b_q

with one-hot inputs ``X_t: (batch, vocab)``, hidden states ``H_t: (batch, hidden)`` and output scores
``O_t: (batch, vocab)``; its parameters are the list ``[W_xh, W_hh, b_h, W_hq, b_q]``.

Every model follows one protocol: ``get_params(vocab_size, num_hiddens, ctx) -> list of arrays`` and
``forward(inputs, state, params) -> (outputs, state)`` with ``inputs: (num_steps, batch, vocab_size)`` and
``outputs: (num_steps * batch, vocab_size)`` in time-major order; :class:`RNNModelScratch` wraps such a pair into
a language model. The gated cells store weight matrices as ``(inputs, hiddens)``, applied as ``X @ W``; gates come
in MXNet's order (GRU: reset, update, candidate; LSTM: input, forget, cell, output), so Gluon's stacked weights
split straight into them (:func:`d2lnotes.check.split_gates`).

Sources: d2l, "Recurrent Neural Network Implementation from Scratch" (Sec. 8.5, ``get_params``, ``rnn``,
``RNNModelScratch``) and "Backpropagation Through Time" (Sec. 8.7); Cho et al., "Learning Phrase Representations
using RNN Encoder-Decoder", 2014 (GRU; the candidate uses the reset gate as cuDNN and MXNet do,
``R * (H W_hh + b_hh)``); Hochreiter & Schmidhuber, 1997, and Gers, Schmidhuber & Cummins, 2000 (LSTM with forget
gate); Gers & Schmidhuber, "Recurrent Nets that Time and Count", 2000 (peephole connections, in the diagonal form
of Graves, "Generating Sequences with Recurrent Neural Networks", 2013); d2l Sec. 9.1-9.2.
Taught in book/07_rnn/02_rnn_scratch.ipynb (RNN forward), book/07_rnn/03_bptt.ipynb (gradients),
book/07_rnn/05_gru_lstm.ipynb (gated cells) and book/07_rnn/06_deep_bidirectional.ipynb (deep version).
"""
from __future__ import annotations

from typing import Callable

from mxnet import np, npx

def get_rnn_params(vocab_size: int, num_hiddens: int, ctx, sigma: float = 0.01, dtype: str = "float32") -> list:
    """Initial parameters ``[W_xh, W_hh, b_h, W_hq, b_q]`` of an RNN language model.

    Weights are drawn from N(0, sigma^2), biases are zero. Shapes: ``W_xh: (vocab, hidden)``,
    ``W_hh: (hidden, hidden)``, ``b_h: (hidden,)``, ``W_hq: (hidden, vocab)``, ``b_q: (vocab,)``. Gradients are not
    attached here (``RNNModelScratch`` does it).
    """
    def normal(shape):
        return np.random.normal(scale=sigma, size=shape, ctx=ctx).astype(dtype)

    return [normal((vocab_size, num_hiddens)), normal((num_hiddens, num_hiddens)),
            np.zeros(num_hiddens, ctx=ctx, dtype=dtype), normal((num_hiddens, vocab_size)),
            np.zeros(vocab_size, ctx=ctx, dtype=dtype)]


def rnn_forward(inputs, state, params):
    """Run the recurrence over all time steps.

    Args:
        inputs: ``(num_steps, batch, vocab)`` one-hot (or any) input vectors, time first.
        state: ``(H,)`` with ``H: (batch, hidden)``, the state before the first step.
        params: ``[W_xh, W_hh, b_h, W_hq, b_q]``.

    Returns:
        ``(outputs, (H,))``: ``outputs: (num_steps * batch, vocab)`` scores in time-major order (all rows of step 0,
        then step 1, ...) and the state after the last step.
    """
    W_xh, W_hh, b_h, W_hq, b_q = params
    H, = state
    outputs = []
    for X in inputs:
        H = np.tanh(np.dot(X, W_xh) + np.dot(H, W_hh) + b_h)
        outputs.append(np.dot(H, W_hq) + b_q)
    return np.concatenate(outputs, axis=0), (H,)


def rnn_bptt_gradients(inputs, targets, state, params):
    """Gradients of the mean cross-entropy of :func:`rnn_forward` by backpropagation through time, by hand.

    The loss is ``L = 1/(T*B) sum_t sum_b CE(O_t[b], y_t[b])`` (what ``SoftmaxCrossEntropyLoss().mean()`` gives on
    the time-major outputs). Going backwards from ``t = T`` with ``dA_{T+1} = 0``::

        dO_t = (softmax(O_t) - onehot(y_t)) / (T*B)
        dH_t = dO_t W_hq^T + dA_{t+1} W_hh^T          (the second term carries the future back in time)
        dA_t = dH_t * (1 - H_t^2)
        dW_hh = sum_t H_{t-1}^T dA_t,  dW_xh = sum_t X_t^T dA_t,  db_h = sum_t sum_b dA_t,
        dW_hq = sum_t H_t^T dO_t,      db_q = sum_t sum_b dO_t,    dH_0 = dA_1 W_hh^T

    Args:
        inputs: ``(T, B, vocab)`` inputs as for :func:`rnn_forward`.
        targets: ``(T, B)`` integer labels (the ``Y.T`` of a minibatch).
        state: ``(H_0,)``.
        params: ``[W_xh, W_hh, b_h, W_hq, b_q]``.

    Returns:
        ``(grads, dH_0)``: ``grads`` in the order of ``params``, and the gradient with respect to the initial state.

    Raises:
        ValueError: ``targets`` does not have shape ``(T, B)``.
    """
    W_xh, W_hh, b_h, W_hq, b_q = params
    T, B = inputs.shape[0], inputs.shape[1]
    if tuple(targets.shape) != (T, B):
        raise ValueError(f"targets must have shape (num_steps, batch) = {(T, B)}, got {tuple(targets.shape)}")
    Hs = [state[0]]
    for X in inputs:
        Hs.append(np.tanh(np.dot(X, W_xh) + np.dot(Hs[-1], W_hh) + b_h))
    grads = [np.zeros_like(p) for p in params]
    dW_xh, dW_hh, db_h, dW_hq, db_q = grads
    dA_next = np.zeros_like(Hs[0])
    for t in range(T, 0, -1):
        H = Hs[t]
        dO = (npx.softmax(np.dot(H, W_hq) + b_q) - npx.one_hot(targets[t - 1], W_hq.shape[1],
                                                                dtype=H.dtype)) / (T * B)
        dW_hq += np.dot(H.T, dO)
        db_q += dO.sum(axis=0)
        dH = np.dot(dO, W_hq.T) + np.dot(dA_next, W_hh.T)
        dA = dH * (1 - H ** 2)
        dW_hh += np.dot(Hs[t - 1].T, dA)
        dW_xh += np.dot(inputs[t - 1].T, dA)
        db_h += dA.sum(axis=0)
        dA_next = dA
    return grads, np.dot(dA_next, W_hh.T)


def init_rnn_state(batch_size: int, num_hiddens: int, ctx):
    """A zero hidden state ``(H,)`` with ``H: (batch_size, num_hiddens)`` (RNN and GRU)."""
    return (np.zeros((batch_size, num_hiddens), ctx=ctx),)


def init_lstm_state(batch_size: int, num_hiddens: int, ctx):
    """Zero hidden and memory-cell states ``(H, C)``, each ``(batch_size, num_hiddens)``."""
    return (np.zeros((batch_size, num_hiddens), ctx=ctx), np.zeros((batch_size, num_hiddens), ctx=ctx))


def _normal(shape, ctx):
    return np.random.normal(scale=0.01, size=shape, ctx=ctx)


def _gate(num_inputs, num_hiddens, ctx):
    return (_normal((num_inputs, num_hiddens), ctx), _normal((num_hiddens, num_hiddens), ctx),
            np.zeros(num_hiddens, ctx=ctx))


def get_gru_params(vocab_size: int, num_hiddens: int, ctx) -> list:
    """GRU parameters ``[W_xr, W_hr, b_r, W_xz, W_hz, b_z, W_xh, W_hh, b_xh, b_hh, W_hq, b_q]``.

    Weights ``~ N(0, 0.01^2)``, biases zero. The candidate state has two biases, ``b_xh`` outside and ``b_hh``
    inside the reset gate's product (see :func:`gru`).
    """
    W_xr, W_hr, b_r = _gate(vocab_size, num_hiddens, ctx)
    W_xz, W_hz, b_z = _gate(vocab_size, num_hiddens, ctx)
    W_xh, W_hh, b_xh = _gate(vocab_size, num_hiddens, ctx)
    b_hh = np.zeros(num_hiddens, ctx=ctx)
    W_hq, b_q = _normal((num_hiddens, vocab_size), ctx), np.zeros(vocab_size, ctx=ctx)
    return [W_xr, W_hr, b_r, W_xz, W_hz, b_z, W_xh, W_hh, b_xh, b_hh, W_hq, b_q]


def gru(inputs, state, params):
    """The GRU over a sequence: ``inputs: (T, B, C)``, ``state = (H,)`` with ``H: (B, h)``.

    ``R = σ(X W_xr + H W_hr + b_r)``, ``Z = σ(X W_xz + H W_hz + b_z)``,
    ``H~ = tanh(X W_xh + b_xh + R ⊙ (H W_hh + b_hh))``, ``H = Z ⊙ H + (1 - Z) ⊙ H~``.

    Returns ``(outputs, (H,))`` with ``outputs: (T * B, q)``, the output layer applied at every step.
    """
    W_xr, W_hr, b_r, W_xz, W_hz, b_z, W_xh, W_hh, b_xh, b_hh, W_hq, b_q = params
    H, = state
    outputs = []
    for X in inputs:
        R = npx.sigmoid(np.dot(X, W_xr) + np.dot(H, W_hr) + b_r)
        Z = npx.sigmoid(np.dot(X, W_xz) + np.dot(H, W_hz) + b_z)
        H_tilde = np.tanh(np.dot(X, W_xh) + b_xh + R * (np.dot(H, W_hh) + b_hh))
        H = Z * H + (1 - Z) * H_tilde
        outputs.append(np.dot(H, W_hq) + b_q)
    return np.concatenate(outputs, axis=0), (H,)


def get_lstm_params(vocab_size: int, num_hiddens: int, ctx) -> list:
    """LSTM parameters ``[W_xi, W_hi, b_i, W_xf, W_hf, b_f, W_xc, W_hc, b_c, W_xo, W_ho, b_o, W_hq, b_q]``."""
    params = []
    for _ in range(4):  # input, forget, candidate cell, output
        params.extend(_gate(vocab_size, num_hiddens, ctx))
    return params + [_normal((num_hiddens, vocab_size), ctx), np.zeros(vocab_size, ctx=ctx)]


def lstm_step(X, H, C, gate_params):
    """One LSTM step: ``X: (B, C_in)``, ``H, C: (B, h)``, ``gate_params`` the 12 gate arrays of
    :func:`get_lstm_params` (input, forget, cell, output). Returns the new ``(H, C)``.
    """
    W_xi, W_hi, b_i, W_xf, W_hf, b_f, W_xc, W_hc, b_c, W_xo, W_ho, b_o = gate_params
    I = npx.sigmoid(np.dot(X, W_xi) + np.dot(H, W_hi) + b_i)
    F = npx.sigmoid(np.dot(X, W_xf) + np.dot(H, W_hf) + b_f)
    C_tilde = np.tanh(np.dot(X, W_xc) + np.dot(H, W_hc) + b_c)
    O = npx.sigmoid(np.dot(X, W_xo) + np.dot(H, W_ho) + b_o)
    C = F * C + I * C_tilde
    return O * np.tanh(C), C


def lstm(inputs, state, params):
    """The LSTM over a sequence: ``inputs: (T, B, C)``, ``state = (H, C)``, both ``(B, h)``.

    ``I, F, O = σ(X W_x* + H W_h* + b_*)``, ``C~ = tanh(X W_xc + H W_hc + b_c)``, ``C = F ⊙ C + I ⊙ C~``,
    ``H = O ⊙ tanh(C)``. Returns ``(outputs: (T * B, q), (H, C))``.
    """
    W_hq, b_q = params[-2:]
    H, C = state
    outputs = []
    for X in inputs:
        H, C = lstm_step(X, H, C, params[:12])
        outputs.append(np.dot(H, W_hq) + b_q)
    return np.concatenate(outputs, axis=0), (H, C)


def get_peephole_lstm_params(vocab_size: int, num_hiddens: int, ctx) -> list:
    """The LSTM parameters of :func:`get_lstm_params` followed by the peephole weights ``w_ci, w_cf, w_co``
    (vectors of length ``num_hiddens``, zero at the start: the model begins as a plain LSTM)."""
    return get_lstm_params(vocab_size, num_hiddens, ctx) + [np.zeros(num_hiddens, ctx=ctx) for _ in range(3)]


def peephole_lstm(inputs, state, params):
    """The peephole LSTM over a sequence (same shapes as :func:`lstm`).

    The gates also look at the memory cell, element-wise: the input and forget gates at ``C_{t-1}``, the output
    gate at the new ``C_t``: ``I = σ(... + C_{t-1} ⊙ w_ci)``, ``F = σ(... + C_{t-1} ⊙ w_cf)``,
    ``C_t = F ⊙ C_{t-1} + I ⊙ C~``, ``O = σ(... + C_t ⊙ w_co)``, ``H = O ⊙ tanh(C_t)``.
    """
    (W_xi, W_hi, b_i, W_xf, W_hf, b_f, W_xc, W_hc, b_c, W_xo, W_ho, b_o,
     W_hq, b_q, w_ci, w_cf, w_co) = params
    H, C = state
    outputs = []
    for X in inputs:
        I = npx.sigmoid(np.dot(X, W_xi) + np.dot(H, W_hi) + C * w_ci + b_i)
        F = npx.sigmoid(np.dot(X, W_xf) + np.dot(H, W_hf) + C * w_cf + b_f)
        C = F * C + I * np.tanh(np.dot(X, W_xc) + np.dot(H, W_hc) + b_c)
        O = npx.sigmoid(np.dot(X, W_xo) + np.dot(H, W_ho) + C * w_co + b_o)
        H = O * np.tanh(C)
        outputs.append(np.dot(H, W_hq) + b_q)
    return np.concatenate(outputs, axis=0), (H, C)


class RNNModelScratch:
    """A language model from scratch: one-hot inputs, a recurrence function, explicit parameters.

    Args:
        vocab_size: number of tokens.
        num_hiddens: hidden size.
        ctx: device of the parameters.
        get_params: ``(vocab_size, num_hiddens, ctx) -> list of arrays`` (gradients are attached here).
        init_state: ``(batch_size, num_hiddens, ctx) -> state`` (a tuple of arrays).
        forward_fn: ``(inputs, state, params) -> (outputs, state)`` with ``inputs: (num_steps, batch, vocab)``
            one-hot and ``outputs: (num_steps * batch, vocab)``.
    """

    def __init__(self, vocab_size: int, num_hiddens: int, ctx, get_params: Callable, init_state: Callable,
                 forward_fn: Callable):
        self.vocab_size, self.num_hiddens = vocab_size, num_hiddens
        self.params = get_params(vocab_size, num_hiddens, ctx)
        for p in self.params:
            p.attach_grad()
        self.init_state, self.forward_fn = init_state, forward_fn

    def __call__(self, X, state):
        """``X: (batch, num_steps)`` token indices -> ``((num_steps * batch, vocab) scores, state)``."""
        return self.forward_fn(npx.one_hot(X.T, self.vocab_size), state, self.params)

    def begin_state(self, batch_size: int, ctx):
        return self.init_state(batch_size, self.num_hiddens, ctx)
