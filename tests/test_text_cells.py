"""Gated cells from scratch against Gluon's cells and layers (copied weights), the peephole LSTM, the PTB loader."""
import mxnet as mx
import numpy as onp
import pytest
from mxnet import autograd, np
from mxnet.gluon import rnn

from d2lnotes.check import gluon_cell_step, gluon_weights, make_gluon_cell, split_gates
from d2lnotes.text.corpus import load_corpus_ptb, load_data_ptb, ptb_vocab
from d2lnotes.text.rnn_gluon import PeepholeLSTM, PeepholeLSTMCell
from d2lnotes.text.rnn_scratch import gru, lstm, peephole_lstm

B, C, H, Q = 3, 5, 4, 6  # batch, inputs, hiddens, outputs


def _random(*shape):
    return np.random.normal(size=shape)


def _close(a, b, tol=1e-5):
    onp.testing.assert_allclose(a.asnumpy(), b.asnumpy(), rtol=tol, atol=tol)


def _gru_params(w, W_hq, b_q):
    (W_xr, W_hr, b_xr, b_hr), (W_xz, W_hz, b_xz, b_hz), (W_xh, W_hh, b_xh, b_hh) = split_gates(
        w["i2h_weight"], w["h2h_weight"], w["i2h_bias"], w["h2h_bias"])
    return [W_xr, W_hr, b_xr + b_hr, W_xz, W_hz, b_xz + b_hz, W_xh, W_hh, b_xh, b_hh, W_hq, b_q]


def _lstm_gate_params(w):
    params = []
    for W_x, W_h, b_x, b_h in split_gates(w["i2h_weight"], w["h2h_weight"], w["i2h_bias"], w["h2h_bias"]):
        params += [W_x, W_h, b_x + b_h]
    return params


def test_scratch_gru_step_equals_gluon_gru_cell():
    mx.random.seed(0)
    cell = make_gluon_cell("gru", H, C)
    X, H0 = _random(B, C), _random(B, H)
    expected, [expected_state] = gluon_cell_step(cell, X, [H0])
    W_hq, b_q = _random(H, Q), _random(Q)
    outputs, (H1,) = gru(X.reshape(1, B, C), (H0,), _gru_params(gluon_weights(cell), W_hq, b_q))
    _close(H1, expected)
    _close(expected_state, expected)
    _close(outputs, np.dot(expected, W_hq) + b_q)


def test_reset_gate_placement_matters():
    """The candidate uses R * (H W_hh + b_hh) (MXNet, cuDNN), not (R * H) W_hh + b_hh (Cho et al., d2l)."""
    mx.random.seed(1)
    cell = make_gluon_cell("gru", H, C)
    X, H0 = _random(B, C), _random(B, H)
    expected, _ = gluon_cell_step(cell, X, [H0])
    params = _gru_params(gluon_weights(cell), _random(H, Q), _random(Q))
    W_xr, W_hr, b_r, W_xz, W_hz, b_z, W_xh, W_hh, b_xh, b_hh = params[:10]
    R = mx.npx.sigmoid(np.dot(X, W_xr) + np.dot(H0, W_hr) + b_r)
    Z = mx.npx.sigmoid(np.dot(X, W_xz) + np.dot(H0, W_hz) + b_z)
    other = Z * H0 + (1 - Z) * np.tanh(np.dot(X, W_xh) + b_xh + np.dot(R * H0, W_hh) + b_hh)
    assert float(np.abs(other - expected).max()) > 1e-3


def test_scratch_lstm_step_equals_gluon_lstm_cell():
    mx.random.seed(2)
    cell = make_gluon_cell("lstm", H, C)
    X, H0, C0 = _random(B, C), _random(B, H), _random(B, H)
    expected, [h, c] = gluon_cell_step(cell, X, [H0, C0])
    W_hq, b_q = _random(H, Q), _random(Q)
    outputs, (H1, C1) = lstm(X.reshape(1, B, C), (H0, C0), _lstm_gate_params(gluon_weights(cell)) + [W_hq, b_q])
    _close(H1, expected)
    _close(C1, c)
    _close(outputs, np.dot(expected, W_hq) + b_q)


@pytest.mark.parametrize("kind, layer, scratch", [("gru", rnn.GRU, gru), ("lstm", rnn.LSTM, lstm)])
def test_scratch_sequence_equals_fused_gluon_layer(kind, layer, scratch):
    mx.random.seed(3)
    net = layer(H, input_size=C)
    net.initialize(mx.init.Normal(0.5))
    w = {k[3:]: v for k, v in gluon_weights(net).items() if k.startswith("l0_")}
    for name in ("i2h_bias", "h2h_bias"):  # the layer initialises biases to zero: make them matter
        w[name][:] = _random(*w[name].shape)
    T = 7
    inputs = _random(T, B, C)
    state = [_random(1, B, H) for _ in net.begin_state(batch_size=B)]
    Y, new_state = net(inputs, state)
    W_hq, b_q = np.eye(H), np.zeros(H)  # identity output layer: the outputs are the hidden states
    params = _gru_params(w, W_hq, b_q) if kind == "gru" else _lstm_gate_params(w) + [W_hq, b_q]
    outputs, scratch_state = scratch(inputs, tuple(s[0] for s in state), params)
    _close(outputs, Y.reshape(T * B, H))
    for a, b in zip(scratch_state, new_state):
        _close(a, b[0])


def _copy_lstm_into_peephole(lstm_cell, peephole_cell):
    peephole_w = gluon_weights(peephole_cell)
    for name, value in gluon_weights(lstm_cell).items():
        peephole_w[name][:] = value


def test_peephole_cell_shapes_and_zero_peepholes_give_a_plain_lstm():
    mx.random.seed(4)
    cell = PeepholeLSTMCell(H, input_size=C)
    cell.initialize(mx.init.Normal(0.5))
    assert {k: v.shape for k, v in gluon_weights(cell).items()} == {
        "i2h_weight": (4 * H, C), "h2h_weight": (4 * H, H), "i2h_bias": (4 * H,), "h2h_bias": (4 * H,),
        "c2i_weight": (H,), "c2f_weight": (H,), "c2o_weight": (H,)}
    reference = make_gluon_cell("lstm", H, C)
    _copy_lstm_into_peephole(reference, cell)
    X, H0, C0 = _random(B, C), _random(B, H), _random(B, H)
    out, [h, c] = cell(X, [H0, C0])
    assert out.shape == h.shape == c.shape == (B, H)
    expected, [_, expected_c] = gluon_cell_step(reference, X, [H0, C0])
    _close(out, expected)
    _close(c, expected_c)
    cell.hybridize()
    out_hybrid, _ = cell(X, [H0, C0])
    _close(out_hybrid, expected)


def test_peephole_cell_equals_scratch_peephole_lstm():
    mx.random.seed(5)
    cell = PeepholeLSTMCell(H, input_size=C)
    cell.initialize(mx.init.Normal(0.5))
    w = gluon_weights(cell)
    for name in ("c2i_weight", "c2f_weight", "c2o_weight", "i2h_bias", "h2h_bias"):
        w[name][:] = _random(*w[name].shape)
    X, H0, C0 = _random(B, C), _random(B, H), _random(B, H)
    expected, [_, expected_c] = cell(X, [H0, C0])
    params = _lstm_gate_params(w) + [np.eye(H), np.zeros(H), w["c2i_weight"], w["c2f_weight"], w["c2o_weight"]]
    outputs, (H1, C1) = peephole_lstm(X.reshape(1, B, C), (H0, C0), params)
    _close(H1, expected)
    _close(C1, expected_c)
    plain = lstm(X.reshape(1, B, C), (H0, C0), params[:14])[0]
    assert float(np.abs(plain - expected).max()) > 1e-3  # the peepholes change the result


def test_peephole_layer_unrolls_the_cell_and_learns():
    mx.random.seed(6)
    layer = PeepholeLSTM(H, input_size=C)
    layer.initialize(mx.init.Normal(0.5))
    T = 4
    inputs = _random(T, B, C)
    state = layer.begin_state(batch_size=B)
    assert [s.shape for s in state] == [(1, B, H), (1, B, H)]
    with autograd.record():
        Y, (h, c) = layer(inputs, state)
        loss = (Y ** 2).sum()
    loss.backward()
    assert Y.shape == (T, B, H) and h.shape == c.shape == (1, B, H)
    _close(Y[-1], h[0])
    h_step, c_step = state[0][0], state[1][0]
    for t in range(T):
        out, (h_step, c_step) = layer.cell(inputs[t], [h_step, c_step])
        _close(Y[t], out)
    for name in ("c2i_weight", "c2f_weight", "c2o_weight"):  # peepholes start at zero, yet receive a gradient
        peephole = [p for key, p in layer.collect_params().items() if key.endswith(name)][0]
        assert float(np.abs(peephole.data()).sum()) == 0 and float(np.abs(peephole.grad()).sum()) > 0


def test_split_gates_rejects_mismatched_shapes():
    with pytest.raises(ValueError, match="whole gates"):
        split_gates(np.zeros((12, 5)), np.zeros((10, 4)), np.zeros(12), np.zeros(12))
    with pytest.raises(ValueError, match="unknown cell kind"):
        make_gluon_cell("peephole", H, C)


def test_ptb_vocabulary_and_corpus(real_data):
    vocab = ptb_vocab()
    assert len(vocab) == 10000 and vocab.to_tokens([0, 1, 2]) == ["<unk>", "<eos>", "the"]
    corpus, _ = load_corpus_ptb("valid", vocab, max_sentences=2)
    assert vocab.to_tokens(corpus).count("<eos>") == 2 and corpus[-1] == vocab["<eos>"]
    assert len(load_corpus_ptb("test", vocab)[0]) == 82430
    with pytest.raises(ValueError):
        load_corpus_ptb("train", vocab, max_sentences=0)


def test_ptb_loader_shapes(real_data):
    train_iter, valid_iter, test_iter, vocab = load_data_ptb(4, 6, max_sentences=100, max_eval_sentences=20)
    batches = list(train_iter)
    assert len(batches) >= 2
    for X, Y in batches:
        assert X.shape == Y.shape == (4, 6) and X.dtype == onp.int32
        assert (X[:, 1:] == Y[:, :-1]).all()
    (X1, _), (X2, _) = batches[:2]
    assert len(list(valid_iter)) > 0 and len(list(test_iter)) > 0
    first = load_corpus_ptb("train", vocab, max_sentences=100)[0]
    row = X1[0].tolist() + X2[0].tolist()  # row 0 of consecutive minibatches is contiguous text
    assert any(first[i:i + 12] == row for i in range(len(first) - 11))
