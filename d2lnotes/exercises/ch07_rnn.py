"""Self-checked exercises of chapter 7, recurrent networks (book/07_rnn/).

Keys are ``"<notebook stem>.<exercise number>"``; the solutions compute their answers (from the book's data where
the exercise is about it), so nothing here is printed in a notebook.
"""
from __future__ import annotations

import collections

import numpy as onp

from . import Exercise, register


# ---------------------------------------------------------------------------------------------------- helpers

def _time_machine_words() -> list[str]:
    """The word tokens of The Time Machine as one stream, as ``tokens`` in 01_text_sequences."""
    from ..data.corpora import read_time_machine
    from ..text.vocab import tokenize

    return [w for line in tokenize(read_time_machine(), "word") for w in line]


def _mx(a, dtype="float64"):
    from mxnet import np

    return np.array(onp.asarray(a), dtype=dtype)


def _num_params_of(layer, vocab_size: int = 28, embed_size: int | None = None) -> int:
    """Trainable parameters of ``RNNModel(layer, vocab_size)`` after its deferred initialisation."""
    import mxnet as mx
    from mxnet import np

    from ..check import num_params
    from ..text.rnn_gluon import RNNModel

    net = RNNModel(layer, vocab_size, embed_size=embed_size)
    net.initialize(ctx=mx.cpu())
    net(np.zeros((1, 2), dtype="int32", ctx=mx.cpu()), net.begin_state(batch_size=1, ctx=mx.cpu()))
    return num_params(net)


# ---------------------------------------------------------------------------------------- 01_text_sequences

def _unk_fractions(min_freq: int = 5) -> tuple[float, float]:
    counts = collections.Counter(_time_machine_words())
    rare = [w for w, n in counts.items() if n < min_freq]
    return sum(counts[w] for w in rare) / sum(counts.values()), len(rare) / len(counts)


def _trigram_prob(word: str, prev2: str, prev1: str) -> float:
    words = _time_machine_words()
    trigrams = collections.Counter(zip(words[:-2], words[1:-1], words[2:]))
    following = sum(n for (a, b, _), n in trigrams.items() if (a, b) == (prev2, prev1))
    return trigrams[(prev2, prev1, word)] / following



# ------------------------------------------------------------------------------------------- 02_rnn_scratch

def _softmax_temperature(scores, tau):
    s = onp.asarray(scores.asnumpy() if hasattr(scores, "asnumpy") else scores, dtype=float) / tau
    e = onp.exp(s - s.max())
    return e / e.sum()


def _softmax_times_temperature(scores, tau):  # the typical slip: multiply by the temperature
    return _softmax_temperature(scores, 1 / tau)


def _temperature_inputs():
    rng = onp.random.default_rng(3)
    scores = rng.normal(scale=2.0, size=28)
    return [(_mx([1.0, 2.0, 3.0]), 0.5), (_mx(scores), 1.0), (_mx(scores), 2.0), (_mx(scores), 0.25)]


def _lookup_outputs(X, H, params):
    from mxnet import npx

    from ..text.rnn_scratch import rnn_forward

    outputs, _ = rnn_forward(npx.one_hot(X, params[0].shape[0], dtype=params[0].dtype), (H,), params)
    return outputs


def _lookup_outputs_without_bias(X, H, params):
    W_xh, W_hh, b_h, W_hq, b_q = params
    return _lookup_outputs(X, H, [W_xh, W_hh, b_h * 0, W_hq, b_q])


def _rnn_inputs():
    rng = onp.random.default_rng(4)
    V, h, T, B = 28, 8, 5, 3
    params = [_mx(rng.normal(scale=0.5, size=s), "float32") for s in [(V, h), (h, h), (h,), (h, V), (V,)]]
    X = _mx(rng.integers(0, V, size=(T, B)), "int32")
    return [(X, _mx(rng.normal(size=(B, h)), "float32"), params)]


# -------------------------------------------------------------------------------------------------- 03_bptt

def _grad_H0(g1, H1, W_hh):
    from mxnet import np

    return np.dot(g1 * (1 - H1 ** 2), W_hh.T)


def _grad_H0_without_tanh(g1, H1, W_hh):
    from mxnet import np

    return np.dot(g1, W_hh.T)


def _grad_H0_inputs():
    rng = onp.random.default_rng(5)
    return [(_mx(rng.normal(size=(2, 4))), _mx(onp.tanh(rng.normal(size=(2, 4)))), _mx(rng.normal(size=(4, 4)))),
            (_mx(rng.normal(size=(3, 6))), _mx(onp.tanh(rng.normal(size=(3, 6)))), _mx(rng.normal(size=(6, 6))))]


# -------------------------------------------------------------------------------------------- 04_rnn_concise

def _two_layer_state_shape() -> tuple:
    from mxnet.gluon import rnn

    return tuple(rnn.RNN(256, num_layers=2, activation="tanh").begin_state(batch_size=32)[0].shape)


def _embedding_input_params() -> int:
    import mxnet as mx
    from mxnet import np
    from mxnet.gluon import rnn

    from ..text.rnn_gluon import RNNModel

    net = RNNModel(rnn.RNN(256, activation="tanh"), 28, embed_size=32)
    net.initialize(ctx=mx.cpu())
    net(np.zeros((1, 2), dtype="int32", ctx=mx.cpu()), net.begin_state(batch_size=1, ctx=mx.cpu()))
    return int(net.embedding.weight.data().size + net.rnn.l0_i2h_weight.data().size)


# ----------------------------------------------------------------------------------------------- 05_gru_lstm

def _sigmoid(x):
    from mxnet import npx

    return npx.sigmoid(x)


def _gru_cho_step(X, H, params):
    from mxnet import np

    W_xr, W_hr, b_r, W_xz, W_hz, b_z, W_xh, W_hh, b_h = params
    R = _sigmoid(np.dot(X, W_xr) + np.dot(H, W_hr) + b_r)
    Z = _sigmoid(np.dot(X, W_xz) + np.dot(H, W_hz) + b_z)
    H_tilde = np.tanh(np.dot(X, W_xh) + np.dot(R * H, W_hh) + b_h)
    return Z * H + (1 - Z) * H_tilde


def _gru_library_step(X, H, params):  # the reset gate after the product: MXNet's form, not Cho et al.'s
    from mxnet import np

    W_xr, W_hr, b_r, W_xz, W_hz, b_z, W_xh, W_hh, b_h = params
    R = _sigmoid(np.dot(X, W_xr) + np.dot(H, W_hr) + b_r)
    Z = _sigmoid(np.dot(X, W_xz) + np.dot(H, W_hz) + b_z)
    H_tilde = np.tanh(np.dot(X, W_xh) + R * np.dot(H, W_hh) + b_h)
    return Z * H + (1 - Z) * H_tilde


def _gru_inputs():
    rng = onp.random.default_rng(6)
    d, h, B = 6, 5, 3
    params = []
    for _ in range(3):
        params += [_mx(rng.normal(scale=0.5, size=(d, h))), _mx(rng.normal(scale=0.5, size=(h, h))),
                   _mx(rng.normal(scale=0.5, size=h))]
    return [(_mx(rng.normal(size=(B, d))), _mx(rng.normal(size=(B, h))), params)]


def _cell_params(num_hiddens: int = 64) -> tuple[int, ...]:
    from mxnet.gluon import rnn

    from ..text.rnn_gluon import PeepholeLSTM

    layers = [rnn.RNN(num_hiddens), rnn.GRU(num_hiddens), rnn.LSTM(num_hiddens), PeepholeLSTM(num_hiddens)]
    return tuple(_num_params_of(layer) for layer in layers)


# ------------------------------------------------------------------------------------- 06_deep_bidirectional

def _bidirectional_l1_shape() -> tuple:
    from mxnet.gluon import rnn

    layer = rnn.LSTM(256, num_layers=2, bidirectional=True, input_size=28)
    layer.initialize()
    return tuple(layer.l1_i2h_weight.shape)


def _deep_lstm_params() -> int:
    from mxnet.gluon import rnn

    return _num_params_of(rnn.LSTM(256, num_layers=2))


# ----------------------------------------------------------------------------------------- 07_ptb_word_lstm

def _word_lstm_params(V: int = 10000, d: int = 650, h: int = 650, with_embedding: bool = True) -> int:
    """Embedding, two LSTM layers (two bias vectors each) and the output layer, as 07_ptb_word_lstm counts."""
    return (V * d if with_embedding else 0) + (4 * h * (d + h) + 8 * h) + (4 * h * (h + h) + 8 * h) + (h * V + V)


register(
    Exercise("01_text_sequences.1", "Fractions of the word tokens and of the word types that min_freq=5 maps to <unk>.",
             solution=_unk_fractions, wrong=(0.2030, 0.8517),  # counting tokens seen at most 5 times
             hint="A token is kept when it occurs at least min_freq times in the whole book; count occurrences over "
                  "all word tokens, and answer (fraction of tokens, fraction of types)."),
    Exercise("01_text_sequences.3", "P(machine | the time) from the trigram counts of the book.",
             solution=lambda: _trigram_prob("machine", "the", "time"), wrong=0.195,  # P(machine | time)
             hint="Condition on both words: divide the count of (the, time, machine) by the count of all trigrams "
                  "that start with (the, time)."),
    Exercise("02_rnn_scratch.3", "softmax(scores / tau) for a vector of scores.",
             solution=_softmax_temperature, wrong=_softmax_times_temperature, kind="function",
             inputs=_temperature_inputs, rtol=1e-5,
             hint="Check the limits: a small temperature must put almost all the probability on the largest score, "
                  "a large one must flatten the distribution; the probabilities sum to 1."),
    Exercise("02_rnn_scratch.4", "The outputs of rnn_forward with a row lookup in W_xh instead of one-hot inputs.",
             solution=_lookup_outputs, wrong=_lookup_outputs_without_bias, kind="function", inputs=_rnn_inputs,
             hint="X[t] selects one row of W_xh per sequence; everything after that (the state update with its bias, "
                  "the output layer, stacking the steps time-major) is rnn_forward unchanged."),
    Exercise("03_bptt.1", "dL/dH0 = g_1 D_1 W_hh^T for a minibatch.",
             solution=_grad_H0, wrong=_grad_H0_without_tanh, kind="function", inputs=_grad_H0_inputs,
             hint="Between h_0 and h_1 sit a matrix product and a tanh; the derivative of tanh at step 1 is "
                  "written with h_1 itself."),
    Exercise("03_bptt.5", "Bytes of the hidden states H_1..H_35 for a minibatch of 32 and 256 hidden units, float32.",
             solution=lambda: 35 * 32 * 256 * 4, wrong=35 * 32 * 256,
             hint="Count the numbers one H_t holds for the whole minibatch, the number of such states, and the size "
                  "of one float32 number."),
    Exercise("04_rnn_concise.2", "Shape of the state array of rnn.RNN(256, num_layers=2) for a minibatch of 32.",
             solution=_two_layer_state_shape, wrong=(32, 2, 256),
             hint="Print [s.shape for s in layer.begin_state(batch_size=32)] for a two-layer layer and compare with "
                  "the one-layer state above."),
    Exercise("04_rnn_concise.5", "Parameters of the embedding and of l0_i2h_weight with embed_size=32 and 256 units.",
             solution=_embedding_input_params, wrong=256 * 32,
             hint="There are two matrices now: the embedding table, one row per character, and the layer's input "
                  "weights, whose input size is the embedding size."),
    Exercise("05_gru_lstm.1", "One step of the GRU of Cho et al.: H_t.",
             solution=_gru_cho_step, wrong=_gru_library_step, kind="function", inputs=_gru_inputs,
             hint="In Cho et al.'s form the reset gate scales H_{t-1} before it is multiplied by W_hh; the update "
                  "gate then mixes the old state and the candidate as in the library's GRU."),
    Exercise("05_gru_lstm.4", "Parameters of the RNN, GRU, LSTM and peephole LSTM language models with 64 units.",
             solution=_cell_params, wrong=tuple(n - (64 * 28 + 28) for n in (7836, 19868, 25884, 26076)),
             hint="Count every weight matrix and bias vector of the recurrent layer (Gluon keeps two bias vectors "
                  "per gate), the peephole vectors, and the dense output layer over the 28 characters."),
    Exercise("06_deep_bidirectional.3", "Shape of l1_i2h_weight in rnn.LSTM(256, num_layers=2, bidirectional=True).",
             solution=_bidirectional_l1_shape, wrong=(1024, 256),
             hint="Gluon stores W^T, of shape (4 * hidden, input); the second layer's input at each step is what the "
                  "first layer outputs there, in both directions."),
    Exercise("06_deep_bidirectional.6", "Parameters of the two-layer LSTM language model with 256 units.",
             solution=_deep_lstm_params, wrong=2 * (4 * 256 * (28 + 256) + 8 * 256) + 256 * 28 + 28,
             hint="The second layer's input is the first layer's hidden state, not the one-hot character; add the "
                  "dense output layer with its bias."),
    Exercise("07_ptb_word_lstm.2", "Parameters of Zaremba et al.'s medium model (2 x 650, embeddings of 650).",
             solution=_word_lstm_params, wrong=_word_lstm_params(with_embedding=False),
             hint="Add the embedding table, both LSTM layers (input and recurrent weights, two bias vectors each) "
                  "and the output layer with its bias, as the check of the model above does."),
    Exercise("07_ptb_word_lstm.4", "Parameters saved by tying embedding and output weights in the 2 x 200 model.",
             solution=lambda: 10000 * 200, wrong=10000 * 200 + 10000,
             hint="Only two matrices of the same shape can be shared; the output layer's bias has no counterpart "
                  "in the embedding."),
)
