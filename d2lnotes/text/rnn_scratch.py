"""A recurrent neural network from scratch: parameters, the forward recurrence, and its gradients by hand (BPTT).

The network (row-vector convention, one row per sequence of the minibatch)::

    A_t = X_t W_xh + H_{t-1} W_hh + b_h,   H_t = tanh(A_t),   O_t = H_t W_hq + b_q

with one-hot inputs ``X_t: (batch, vocab)``, hidden states ``H_t: (batch, hidden)`` and output scores
``O_t: (batch, vocab)``. The parameters are the list ``[W_xh, W_hh, b_h, W_hq, b_q]``; :func:`get_rnn_params`
and :func:`rnn_forward` plug into :class:`d2lnotes.text.rnn_models.RNNModelScratch`.

Source: d2l, "Recurrent Neural Network Implementation from Scratch" (Sec. 8.5, ``get_params``, ``rnn``) and
"Backpropagation Through Time" (Sec. 8.7). Taught in book/07_rnn/02_rnn_scratch.ipynb (forward) and
book/07_rnn/03_bptt.ipynb (gradients).
"""
from __future__ import annotations

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
