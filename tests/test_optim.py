"""The scratch optimisers against gluon.Trainer, and gradient clipping against hand-computed cases and Gluon."""
import math

import mxnet as mx
import numpy as onp
import pytest
from mxnet import gluon, np

import d2lnotes  # noqa: F401  (NumPy interface)
from d2lnotes.optim import (SGD, AdaDelta, AdaGrad, Adam, RMSProp, clip_grad_norm, clip_grad_value,
                            collect_grads)

SHAPES = [(3, 4), (4,), (2, 2, 3)]
CASES = [  # (scratch class, its kwargs, MXNet optimizer name, its kwargs)
    (SGD, dict(lr=0.1), "sgd", dict(learning_rate=0.1)),
    (SGD, dict(lr=0.05, momentum=0.9), "sgd", dict(learning_rate=0.05, momentum=0.9)),
    (AdaGrad, dict(lr=0.1, eps=1e-7), "adagrad", dict(learning_rate=0.1, eps=1e-7)),
    (RMSProp, dict(lr=0.01, gamma=0.9, eps=1e-8), "rmsprop", dict(learning_rate=0.01, gamma1=0.9, epsilon=1e-8)),
    (AdaDelta, dict(rho=0.9, eps=1e-5), "adadelta", dict(rho=0.9, epsilon=1e-5)),
    (Adam, dict(lr=0.01, beta1=0.9, beta2=0.999, eps=1e-8), "adam",
     dict(learning_rate=0.01, beta1=0.9, beta2=0.999, epsilon=1e-8, lazy_update=False)),
    (Adam, dict(lr=0.01, beta1=0.8, beta2=0.99, eps=0.1), "adam",  # a large eps shows where it sits
     dict(learning_rate=0.01, beta1=0.8, beta2=0.99, epsilon=0.1, lazy_update=False)),
]


def _params(seed):
    rng = onp.random.default_rng(seed)
    params = []
    for i, shape in enumerate(SHAPES):
        p = gluon.Parameter(f"p{i}", shape=shape)
        p.initialize(init=mx.init.Constant(0))
        p.set_data(np.array(rng.normal(size=shape), dtype="float32"))
        params.append(p)
    return params


@pytest.mark.parametrize("cls, kwargs, name, mx_kwargs", CASES, ids=lambda c: getattr(c, "__name__", None))
def test_scratch_optimizer_matches_trainer(cls, kwargs, name, mx_kwargs):
    ours, theirs = _params(0), _params(0)
    updater = cls(ours, **kwargs)
    trainer = gluon.Trainer(theirs, name, dict(mx_kwargs, wd=0), kvstore=None)
    rng = onp.random.default_rng(1)
    batch_size = 4
    for _ in range(6):  # a linear loss sum(c * w) has the gradient c: the same random gradients for both
        coefs = [np.array(rng.normal(size=p.shape) * 3, dtype="float32") for p in ours]
        for params in (ours, theirs):
            with mx.autograd.record():
                loss = sum((c * p.data()).sum() for c, p in zip(coefs, params))
            loss.backward()
        updater.step(batch_size)
        trainer.step(batch_size)
    for a, b in zip(ours, theirs):
        onp.testing.assert_allclose(a.data().asnumpy(), b.data().asnumpy(), rtol=1e-5, atol=1e-6)
    assert updater.t == 6


def test_optimizer_takes_arrays_with_gradients_and_skips_frozen_parameters():
    w = np.array([1.0, 2.0])
    w.attach_grad()
    w.grad[:] = np.array([1.0, -1.0])
    SGD([w], lr=0.5).step()
    assert w.asnumpy().tolist() == [0.5, 2.5]
    frozen = gluon.Parameter("frozen", shape=(2,), grad_req="null")
    frozen.initialize()
    with pytest.raises(ValueError, match="no trainable"):
        SGD([frozen], lr=0.1)
    with pytest.raises(ValueError, match="attach_grad"):
        SGD([np.ones(2)], lr=0.1)


def test_momentum_by_hand():
    """Constant gradient 1, lr 1, momentum 0.5: velocities 1, 1.5, 1.75 -> w = -4.25."""
    w = np.zeros(1)
    w.attach_grad()
    w.grad[:] = 1
    updater = SGD([w], lr=1.0, momentum=0.5)
    for _ in range(3):
        updater()
    assert float(w[0]) == pytest.approx(-4.25)


def test_clip_grad_norm_by_hand():
    """Gradients (3, 0) and (4,): global norm 5; theta 1 scales them by 1/5."""
    a, b = np.zeros(2), np.zeros(1)
    a.attach_grad()
    b.attach_grad()
    a.grad[:] = np.array([3.0, 0.0])
    b.grad[:] = np.array([4.0])
    assert clip_grad_norm([a, b], 1.0) == pytest.approx(5.0)
    onp.testing.assert_allclose(a.grad.asnumpy(), [0.6, 0.0], rtol=1e-6)
    onp.testing.assert_allclose(b.grad.asnumpy(), [0.8], rtol=1e-6)
    assert clip_grad_norm([a, b], 10.0) == pytest.approx(1.0)  # below the threshold: unchanged
    onp.testing.assert_allclose(b.grad.asnumpy(), [0.8], rtol=1e-6)


def test_clip_grad_norm_matches_gluon_on_a_network():
    net = gluon.nn.HybridSequential()
    net.add(gluon.nn.Dense(8, activation="relu"), gluon.nn.BatchNorm(), gluon.nn.Dense(3))
    net.initialize()
    X = np.random.normal(size=(5, 4))
    with mx.autograd.record():
        loss = (net(X) ** 2).sum() * 10
    loss.backward()
    grads = collect_grads(net)
    assert len(grads) == 6  # BatchNorm's running statistics have no gradient
    copies = [g.copy().as_nd_ndarray() for g in grads]
    expected = gluon.utils.clip_global_norm(copies, 0.5)
    norm = clip_grad_norm(net, 0.5)
    assert norm == pytest.approx(expected, rel=1e-5)
    for g, c in zip(grads, copies):
        onp.testing.assert_allclose(g.asnumpy(), c.asnumpy(), rtol=1e-5, atol=1e-7)
    total = math.sqrt(sum(float((g ** 2).sum()) for g in grads))
    assert total == pytest.approx(0.5, rel=1e-5)


def test_clip_grad_value():
    g = np.array([-3.0, 0.5, 2.0])
    clip_grad_value([g], 1.0)
    assert g.asnumpy().tolist() == [-1.0, 0.5, 1.0]
    with pytest.raises(ValueError):
        clip_grad_value([g], 0)
    with pytest.raises(ValueError):
        clip_grad_norm([g], -1)


def test_optimizer_created_before_deferred_initialisation_follows_the_parameters():
    """Created before the shapes are known; the arrays are replaced (reset_ctx, as train_classifier does)."""
    net = gluon.nn.Dense(2)
    updater = Adam(net.collect_params(), lr=0.1)
    net.initialize(mx.init.One())
    X = np.ones((3, 4))
    net(X)
    net.collect_params().reset_ctx(mx.cpu())  # new data arrays
    with mx.autograd.record():
        loss = net(X).sum()
    loss.backward()
    updater.step(3)
    # Adam's first step moves every weight by lr * sign(g) (up to eps): the gradient is positive everywhere
    onp.testing.assert_allclose(net.weight.data().asnumpy(), 0.9, rtol=1e-5)
