"""The from-scratch RNN (d2lnotes.text.rnn_scratch) against autograd and Gluon's RNN cell and layer."""
import mxnet as mx
import numpy as onp
import pytest
from mxnet import autograd, gluon, np, npx
from mxnet.gluon import rnn

from d2lnotes.text.language_model import LMRun, predict
from d2lnotes.text.rnn_gluon import RNNModel
from d2lnotes.text.rnn_scratch import RNNModelScratch, get_rnn_params, init_rnn_state, rnn_bptt_gradients, rnn_forward
from d2lnotes.train import History

CTX = mx.cpu()


def _random_problem(T=5, B=3, V=7, H=4, seed=0):
    mx.random.seed(seed)
    params = get_rnn_params(V, H, CTX, sigma=0.5, dtype="float64")
    params[2] = np.random.normal(scale=0.5, size=(H,), ctx=CTX).astype("float64")  # non-zero biases
    params[4] = np.random.normal(scale=0.5, size=(V,), ctx=CTX).astype("float64")
    tokens = np.random.randint(0, V, size=(T + 1, B), ctx=CTX)
    inputs = npx.one_hot(tokens[:-1], V, dtype="float64")
    targets = tokens[1:]
    H0 = np.random.normal(size=(B, H), ctx=CTX).astype("float64")
    return params, inputs, targets, H0


def test_bptt_gradients_match_autograd():
    params, inputs, targets, H0 = _random_problem()
    for p in params + [H0]:
        p.attach_grad()
    loss = gluon.loss.SoftmaxCrossEntropyLoss()
    with autograd.record():
        outputs, _ = rnn_forward(inputs, (H0,), params)
        L = loss(outputs, targets.reshape(-1)).mean()
    L.backward()
    grads, dH0 = rnn_bptt_gradients(inputs, targets, (H0,), params)
    for p, g in zip(params, grads):
        assert g.shape == p.shape
        onp.testing.assert_allclose(g.asnumpy(), p.grad.asnumpy(), rtol=1e-9, atol=1e-12)
    onp.testing.assert_allclose(dH0.asnumpy(), H0.grad.asnumpy(), rtol=1e-9, atol=1e-12)
    with pytest.raises(ValueError, match="targets must have shape"):
        rnn_bptt_gradients(inputs, targets.T, (H0,), params)


def test_one_step_matches_gluon_rnn_cell():
    params, inputs, _, H0 = _random_problem(T=1, B=2, V=6, H=5, seed=1)
    W_xh, W_hh, b_h, _, _ = params
    _, (H1,) = rnn_forward(inputs, (H0,), params)
    # MXNet 1.9's single-step cells run only on legacy arrays (their FullyConnected rejects mxnet.numpy arrays)
    with mx.util.np_array(False), mx.util.np_shape(False):
        cell = rnn.RNNCell(5, activation="tanh", input_size=6)
        cell.initialize(ctx=CTX)
        cell.cast("float64")
        cell.i2h_weight.set_data(W_xh.T.as_nd_ndarray())
        cell.h2h_weight.set_data(W_hh.T.as_nd_ndarray())
        cell.i2h_bias.set_data(b_h.as_nd_ndarray())
        cell.h2h_bias.set_data(mx.nd.zeros(5, dtype="float64"))
        out, (h_next,) = cell(inputs[0].as_nd_ndarray(), [H0.as_nd_ndarray()])
    onp.testing.assert_allclose(out.asnumpy(), H1.asnumpy(), rtol=1e-12)
    onp.testing.assert_allclose(h_next.asnumpy(), H1.asnumpy(), rtol=1e-12)


def _gluon_copy(scratch):
    """An RNNModel around rnn.RNN holding the scratch model's weights (Gluon stores W^T and two biases)."""
    W_xh, W_hh, b_h, W_hq, b_q = scratch.params
    net = RNNModel(rnn.RNN(scratch.num_hiddens, activation="tanh"), scratch.vocab_size)  # Gluon default: relu
    net.initialize(ctx=CTX)
    net(np.zeros((1, 1), dtype="int32", ctx=CTX), net.begin_state(1, CTX))  # finish deferred initialisation
    net.rnn.l0_i2h_weight.set_data(W_xh.T)
    net.rnn.l0_h2h_weight.set_data(W_hh.T)
    net.rnn.l0_i2h_bias.set_data(b_h)
    net.rnn.l0_h2h_bias.set_data(np.zeros_like(b_h))
    net.dense.weight.set_data(W_hq.T)
    net.dense.bias.set_data(b_q)
    return net


def test_scratch_model_matches_gluon_rnn_layer_with_copied_weights():
    mx.random.seed(2)
    scratch = RNNModelScratch(11, 8, CTX, lambda v, h, c: get_rnn_params(v, h, c, sigma=0.4), init_rnn_state,
                              rnn_forward)
    net = _gluon_copy(scratch)
    X = np.random.randint(0, 11, size=(3, 6), ctx=CTX).astype("int32")
    H0 = np.random.normal(size=(3, 8), ctx=CTX)
    Y_s, (H_s,) = scratch(X, (H0,))
    Y_g, (H_g,) = net(X, [H0.reshape(1, 3, 8)])
    assert Y_s.shape == Y_g.shape == (6 * 3, 11)
    onp.testing.assert_allclose(Y_g.asnumpy(), Y_s.asnumpy(), rtol=1e-4, atol=1e-6)
    onp.testing.assert_allclose(H_g[0].asnumpy(), H_s.asnumpy(), rtol=1e-4, atol=1e-6)
    assert predict("abc", 5, scratch, _Letters(11), CTX) == predict("abc", 5, net, _Letters(11), CTX)


class _Letters:
    """A vocabulary of the first n lower-case letters."""

    def __init__(self, n):
        self.idx_to_token = [chr(ord("a") + i) for i in range(n)]

    def __getitem__(self, token):
        return self.idx_to_token.index(token)

    def to_tokens(self, indices):
        return [self.idx_to_token[i] for i in indices]


def test_lm_run_shows_summary_and_sample():
    history = History(device="cpu(0)", unit="tokens")
    history.record(train_ppl=9.0, valid_ppl=9.5, tokens_per_sec=100.0, seconds=1.0)
    history.record(train_ppl=5.25, valid_ppl=6.0, tokens_per_sec=300.0, seconds=1.0)
    text = str(LMRun(history, "time traveller said"))
    assert history.summary() in text and "train ppl 5.250" in text and "valid ppl 6.000" in text
    assert "200 tokens/s" in text
    assert "time traveller said" in text


def test_one_epoch_live_plot_has_a_proper_x_range():
    """train_language_model's plot used xlim=(1, num_epochs): singular (and a matplotlib warning) for one epoch."""
    import warnings

    from d2lnotes.text.language_model import train_language_model
    from d2lnotes.text.sequence import SeqDataLoader

    mx.random.seed(0)
    net = RNNModelScratch(5, 8, CTX, get_rnn_params, init_rnn_state, rnn_forward)
    corpus = [i % 5 for i in range(200)]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        history = train_language_model(net, SeqDataLoader(corpus, 2, 5), 1, lr=0.5, ctx=CTX, plot=True)
    assert history.epochs == 1
    assert not [w for w in caught if "xlim" in str(w.message)], [str(w.message) for w in caught]
