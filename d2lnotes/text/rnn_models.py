"""Wrappers that turn a recurrent cell or layer into a language model (the protocol of
:mod:`d2lnotes.text.language_model`).

Source: d2l, "Recurrent Neural Network Implementation from Scratch" (Sec. 8.5, ``RNNModelScratch``) and
"Concise Implementation of Recurrent Neural Networks" (Sec. 8.6, ``RNNModel``). Taught in
book/07_rnn/02_rnn_scratch.ipynb and book/07_rnn/04_rnn_concise.ipynb.
"""
from __future__ import annotations

from typing import Callable

from mxnet import gluon, np, npx
from mxnet.gluon import nn


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


def init_rnn_state(batch_size: int, num_hiddens: int, ctx):
    """A zero hidden state ``(H,)`` with ``H: (batch_size, num_hiddens)`` (RNN and GRU)."""
    return (np.zeros((batch_size, num_hiddens), ctx=ctx),)


def init_lstm_state(batch_size: int, num_hiddens: int, ctx):
    """Zero hidden and memory-cell states ``(H, C)``, each ``(batch_size, num_hiddens)``."""
    return (np.zeros((batch_size, num_hiddens), ctx=ctx), np.zeros((batch_size, num_hiddens), ctx=ctx))
