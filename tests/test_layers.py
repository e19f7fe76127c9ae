"""Scratch batch and layer normalization against nn.BatchNorm and nn.LayerNorm with copied parameters."""
import numpy as onp
import pytest
from mxnet import autograd, np
from mxnet.gluon import nn

import d2lnotes  # noqa: F401  (NumPy interface)
from d2lnotes.layers import BatchNorm, LayerNorm, batch_norm, layer_norm


def _copy_params(src, dst):
    """Copy gamma/beta (and running statistics) by name suffix from one block to another."""
    theirs = {k.split("_", 1)[1]: v for k, v in dst.collect_params().items()}
    for name, p in src.collect_params().items():
        theirs[name.split("_", 1)[1]].set_data(p.data())


def _randomise(block, rng):
    for name, p in block.collect_params().items():
        value = rng.normal(size=p.shape)
        if name.endswith("var"):
            value = onp.abs(value) + 0.5
        p.set_data(np.array(value, dtype="float32"))


@pytest.mark.parametrize("shape", [(16, 5), (8, 3, 4, 4)], ids=["dense", "conv"])
def test_batch_norm_matches_gluon_in_training_and_inference(shape):
    rng = onp.random.default_rng(0)
    c = shape[1]
    ours, theirs = BatchNorm(c), nn.BatchNorm(in_channels=c)
    ours.initialize()
    theirs.initialize()
    _randomise(ours, rng)
    _copy_params(ours, theirs)
    for step in range(3):
        X = np.array(rng.normal(2.0, 3.0, size=shape), dtype="float32")
        outputs = []
        for block in (ours, theirs):
            with autograd.record():
                Y = block(X)
                loss = (Y * Y).sum()
            loss.backward()  # MXNet's operator updates its moving statistics in the backward pass
            outputs.append(Y.asnumpy())
        onp.testing.assert_allclose(outputs[0], outputs[1], rtol=1e-4, atol=1e-4)
        for a, b in (("running_mean", "running_mean"), ("running_var", "running_var")):
            onp.testing.assert_allclose(getattr(ours, a).data().asnumpy(), getattr(theirs, b).data().asnumpy(),
                                        rtol=1e-5, atol=1e-6)
    X = np.array(rng.normal(size=shape), dtype="float32")
    onp.testing.assert_allclose(ours(X).asnumpy(), theirs(X).asnumpy(), rtol=1e-4, atol=1e-5)


def test_batch_norm_training_output_is_standardised():
    X = np.array(onp.random.default_rng(1).normal(5, 2, size=(64, 3)), dtype="float32")
    Y, mean, var = batch_norm(X, np.ones(3), np.zeros(3), np.zeros(3), np.ones(3), training=True)
    onp.testing.assert_allclose(Y.mean(axis=0).asnumpy(), 0, atol=1e-5)
    onp.testing.assert_allclose(Y.std(axis=0).asnumpy(), 1, atol=1e-3)
    onp.testing.assert_allclose(mean.asnumpy(), 0.1 * X.mean(axis=0).asnumpy(), rtol=1e-5)
    with pytest.raises(ValueError):
        batch_norm(np.ones((2, 3, 4)), np.ones(3), np.zeros(3), np.zeros(3), np.ones(3))


def test_batch_norm_gradient_matches_gluon():
    rng = onp.random.default_rng(2)
    X = np.array(rng.normal(size=(6, 2, 3, 3)), dtype="float32")
    ours, theirs = BatchNorm(2), nn.BatchNorm(in_channels=2)
    for block in (ours, theirs):
        block.initialize()
    grads = []
    for block in (ours, theirs):
        x = X.copy()
        x.attach_grad()
        with autograd.record():
            loss = (block(x) ** 3).sum()
        loss.backward()
        grads.append(x.grad.asnumpy())
    onp.testing.assert_allclose(grads[0], grads[1], rtol=1e-3, atol=1e-3)


@pytest.mark.parametrize("shape", [(4, 7), (2, 3, 5)])
def test_layer_norm_matches_gluon(shape):
    rng = onp.random.default_rng(3)
    ours, theirs = LayerNorm(shape[-1]), nn.LayerNorm(in_channels=shape[-1])
    ours.initialize()
    theirs.initialize()
    _randomise(ours, rng)
    _copy_params(ours, theirs)
    X = np.array(rng.normal(1.0, 4.0, size=shape), dtype="float32")
    onp.testing.assert_allclose(ours(X).asnumpy(), theirs(X).asnumpy(), rtol=1e-4, atol=1e-4)
    single = X[:1]  # one example: layer norm does not need a batch
    onp.testing.assert_allclose(layer_norm(single, ours.gamma.data(), ours.beta.data()).asnumpy(),
                                theirs(single).asnumpy(), rtol=1e-4, atol=1e-4)
