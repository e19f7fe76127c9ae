"""Gated recurrent cells: GRU, LSTM and peephole LSTM from scratch, a peephole LSTM for Gluon, and the helpers
that check them against Gluon's own cells and layers with copied weights.

The from-scratch models follow the protocol of :class:`~d2lnotes.text.rnn_models.RNNModelScratch`:
``get_params(vocab_size, num_hiddens, ctx) -> list of arrays`` and
``forward(inputs, state, params) -> (outputs, state)`` with ``inputs: (num_steps, batch, vocab_size)`` and
``outputs: (num_steps * batch, vocab_size)``. Weight matrices are stored as ``(inputs, hiddens)`` and applied as
``X @ W``; gates come in MXNet's order (GRU: reset, update, candidate; LSTM: input, forget, cell, output), so
Gluon's stacked ``i2h``/``h2h`` weights split straight into them (:func:`split_gates`).

Sources: Cho et al., "Learning Phrase Representations using RNN Encoder-Decoder", 2014 (GRU; the candidate uses
the reset gate as cuDNN and MXNet do, ``R * (H W_hh + b_hh)``); Hochreiter & Schmidhuber, 1997, and Gers,
Schmidhuber & Cummins, 2000 (LSTM with forget gate); Gers & Schmidhuber, "Recurrent Nets that Time and Count",
2000 (peephole connections, in the diagonal form of Graves, "Generating Sequences with Recurrent Neural
Networks", 2013); d2l Sec. 9.1-9.2. Taught in book/07_rnn/05_gru_lstm.ipynb; the deep version in
book/07_rnn/06_deep_bidirectional.ipynb.
"""
from __future__ import annotations

import mxnet as mx
from mxnet import gluon, np, npx
from mxnet.gluon import nn, rnn


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


class PeepholeLSTMCell(nn.HybridBlock):
    """A peephole LSTM cell for Gluon: ``cell(x, [h, c]) -> (h_new, [h_new, c_new])`` like ``rnn.LSTMCell``.

    Parameters as ``rnn.LSTMCell`` (``i2h_weight: (4h, C)``, ``h2h_weight: (4h, h)``, ``i2h_bias``, ``h2h_bias``:
    ``(4h,)``, gates stacked input, forget, cell, output) plus the peephole vectors ``c2i_weight``, ``c2f_weight``,
    ``c2o_weight: (h,)``, initialised to zero, so that a fresh cell computes a plain LSTM. Equations: see
    :func:`peephole_lstm`. Shapes: ``x: (B, C)``, ``h, c: (B, h)``.
    """

    def __init__(self, hidden_size: int, input_size: int = 0, **kwargs):
        super().__init__(**kwargs)
        self._hidden_size = hidden_size
        with self.name_scope():
            self.i2h_weight = self.params.get("i2h_weight", shape=(4 * hidden_size, input_size),
                                              allow_deferred_init=True)
            self.h2h_weight = self.params.get("h2h_weight", shape=(4 * hidden_size, hidden_size),
                                              allow_deferred_init=True)
            self.i2h_bias = self.params.get("i2h_bias", shape=(4 * hidden_size,), init="zeros")
            self.h2h_bias = self.params.get("h2h_bias", shape=(4 * hidden_size,), init="zeros")
            self.c2i_weight = self.params.get("c2i_weight", shape=(hidden_size,), init="zeros")
            self.c2f_weight = self.params.get("c2f_weight", shape=(hidden_size,), init="zeros")
            self.c2o_weight = self.params.get("c2o_weight", shape=(hidden_size,), init="zeros")

    def begin_state(self, batch_size: int, ctx=None):
        """Zero ``[h, c]``, each ``(batch_size, hidden_size)``."""
        ctx = ctx or mx.current_context()
        return [np.zeros((batch_size, self._hidden_size), ctx=ctx) for _ in range(2)]

    def hybrid_forward(self, F, x, states, i2h_weight, h2h_weight, i2h_bias, h2h_bias, c2i_weight, c2f_weight,
                       c2o_weight):
        h, c = states
        gates = (F.npx.fully_connected(x, i2h_weight, i2h_bias, num_hidden=4 * self._hidden_size)
                 + F.npx.fully_connected(h, h2h_weight, h2h_bias, num_hidden=4 * self._hidden_size))
        g_i, g_f, g_c, g_o = F.np.split(gates, 4, axis=-1)
        i = F.npx.sigmoid(g_i + c * c2i_weight)
        f = F.npx.sigmoid(g_f + c * c2f_weight)
        c = f * c + i * F.np.tanh(g_c)
        o = F.npx.sigmoid(g_o + c * c2o_weight)  # the output gate sees the new cell state
        h = o * F.np.tanh(c)
        return h, [h, c]


class PeepholeLSTM(nn.Block):
    """A one-layer peephole LSTM over whole sequences, a drop-in for ``rnn.LSTM(hidden_size)`` (layout TNC).

    ``layer(inputs, [h, c]) -> (outputs, [h, c])`` with ``inputs: (T, B, C)``, ``outputs: (T, B, h)`` and states
    ``(1, B, h)`` as ``rnn.LSTM`` has them (one layer), so :class:`~d2lnotes.text.rnn_models.RNNModel` can wrap
    it. The loop over time runs in Python around the (hybridised) :class:`PeepholeLSTMCell`, so it is slower than
    the fused kernel of ``rnn.LSTM``.
    """

    def __init__(self, hidden_size: int, input_size: int = 0, **kwargs):
        super().__init__(**kwargs)
        self._hidden_size = hidden_size
        with self.name_scope():
            self.cell = PeepholeLSTMCell(hidden_size, input_size)
        self.cell.hybridize()

    def begin_state(self, batch_size: int, ctx=None, **kwargs):
        ctx = ctx or mx.current_context()
        return [np.zeros((1, batch_size, self._hidden_size), ctx=ctx) for _ in range(2)]

    def forward(self, inputs, states):
        h, c = states[0][0], states[1][0]
        outputs = []
        for t in range(inputs.shape[0]):
            h, (h, c) = self.cell(inputs[t], [h, c])
            outputs.append(h)
        return np.stack(outputs), [np.expand_dims(h, 0), np.expand_dims(c, 0)]


def split_gates(i2h_weight, h2h_weight, i2h_bias, h2h_bias) -> list[tuple]:
    """Split Gluon's stacked gate weights into one ``(W_x, W_h, b_x, b_h)`` per gate, in Gluon's order.

    Gluon stores ``i2h_weight: (G * h, C)`` and ``h2h_weight: (G * h, h)`` and computes ``x @ i2h_weight.T``;
    the returned ``W_x: (C, h)`` and ``W_h: (h, h)`` are transposed for ``X @ W``. ``G`` (3 for GRU, 4 for LSTM)
    is read from the shapes.

    Raises:
        ValueError: the shapes do not stack whole gates.
    """
    num_hiddens = h2h_weight.shape[1]
    num_gates, rest = divmod(h2h_weight.shape[0], num_hiddens)
    stacked = num_gates * num_hiddens
    if rest or i2h_weight.shape[0] != stacked or i2h_bias.shape != (stacked,) or h2h_bias.shape != (stacked,):
        raise ValueError(f"shapes {i2h_weight.shape}, {h2h_weight.shape}, {i2h_bias.shape}, {h2h_bias.shape} "
                         "do not stack whole gates of one hidden size")
    gates = []
    for g in range(num_gates):
        rows = slice(g * num_hiddens, (g + 1) * num_hiddens)
        gates.append((i2h_weight[rows].T, h2h_weight[rows].T, i2h_bias[rows], h2h_bias[rows]))
    return gates


def gluon_weights(block: gluon.Block) -> dict:
    """A block's parameters as ``mxnet.np`` arrays, keyed by name without the block's prefix
    (``"i2h_weight"`` for a cell, ``"l0_i2h_weight"``, ``"r0_h2h_bias"`` for a layer)."""
    weights = {}
    for name, param in block.collect_params().items():
        data = param.data()
        weights[name[len(block.prefix):]] = data.as_np_ndarray() if isinstance(data, mx.nd.NDArray) else data
    return weights


def make_gluon_cell(kind: str, num_hiddens: int, input_size: int, scale: float = 0.5) -> gluon.Block:
    """An ``rnn.RNNCell``, ``rnn.GRUCell`` or ``rnn.LSTMCell`` with every weight and bias drawn from
    ``N(0, scale^2)`` (non-zero biases, so a check also catches a misplaced bias).

    MXNet 1.9's Gluon cells are written with legacy operators that reject ``mxnet.np`` arrays; the cell is
    created in legacy-array mode, so call it through :func:`gluon_cell_step` and read it with
    :func:`gluon_weights`.

    Raises:
        ValueError: unknown ``kind`` (use ``"rnn"``, ``"gru"`` or ``"lstm"``).
    """
    classes = {"rnn": rnn.RNNCell, "gru": rnn.GRUCell, "lstm": rnn.LSTMCell}
    if kind not in classes:
        raise ValueError(f"unknown cell kind {kind!r}: use one of {sorted(classes)}")
    with mx.util.np_array(False):
        cell = classes[kind](num_hiddens, input_size=input_size)
        cell.initialize()
        for param in cell.collect_params().values():
            param.set_data(mx.nd.random.normal(scale=scale, shape=param.shape))
    return cell


def gluon_cell_step(cell: gluon.Block, X, states: list) -> tuple:
    """One step of a cell made by :func:`make_gluon_cell` on ``mxnet.np`` arrays.

    ``X: (B, C)``, ``states``: a list of ``(B, h)`` arrays. Returns ``(output, new_states)`` as ``mxnet.np``
    arrays.
    """
    with mx.util.np_array(False):
        out, new_states = cell(X.as_nd_ndarray(), [s.as_nd_ndarray() for s in states])
    return out.as_np_ndarray(), [s.as_np_ndarray() for s in new_states]
