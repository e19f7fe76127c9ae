"""Recurrent networks with Gluon: the language-model wrapper around a Gluon recurrent layer, and a peephole LSTM
cell and layer (Gluon has none).

Source: d2l, "Concise Implementation of Recurrent Neural Networks" (Sec. 8.6, ``RNNModel``); Gers & Schmidhuber,
"Recurrent Nets that Time and Count", 2000 (peephole connections). Taught in book/07_rnn/04_rnn_concise.ipynb and
book/07_rnn/05_gru_lstm.ipynb.
"""
from __future__ import annotations

import mxnet as mx
from mxnet import gluon, np, npx
from mxnet.gluon import nn

class RNNModel(nn.Block):
    """A language model around a Gluon recurrent layer (``rnn.RNN``/``GRU``/``LSTM``, any depth or direction).

    Inputs are one-hot vectors (character models) or, with ``embed_size``, learned embeddings (word models).
    The output layer maps each time step's hidden state (both directions concatenated) to vocabulary scores.

    Args:
        rnn_layer: a Gluon recurrent layer with layout ``"TNC"`` (the default).
        vocab_size: number of tokens.
        embed_size: size of an embedding layer in place of one-hot inputs (None: one-hot).
        dropout: dropout on the embeddings and on the recurrent layer's output (0: none).
    """

    def __init__(self, rnn_layer: gluon.Block, vocab_size: int, embed_size: int | None = None,
                 dropout: float = 0.0, **kwargs):
        super().__init__(**kwargs)
        self.rnn = rnn_layer
        self.vocab_size = vocab_size
        self.embedding = nn.Embedding(vocab_size, embed_size) if embed_size else None
        self.dropout = nn.Dropout(dropout) if dropout else None
        self.dense = nn.Dense(vocab_size)

    def forward(self, X, state):
        """``X: (batch, num_steps)`` token indices -> ``((num_steps * batch, vocab) scores, state)``."""
        inputs = self.embedding(X.T) if self.embedding is not None else npx.one_hot(X.T, self.vocab_size)
        if self.dropout is not None:
            inputs = self.dropout(inputs)
        Y, state = self.rnn(inputs, state)
        if self.dropout is not None:
            Y = self.dropout(Y)
        return self.dense(Y.reshape(-1, Y.shape[-1])), state

    def begin_state(self, batch_size: int, ctx, *args, **kwargs):
        return self.rnn.begin_state(batch_size=batch_size, ctx=ctx, *args, **kwargs)


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
    ``(1, B, h)`` as ``rnn.LSTM`` has them (one layer), so :class:`RNNModel` can wrap
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
