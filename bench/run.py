"""Benchmarks: our training loop against d2l's and against the pure compute time, as ratios.

Everything runs in this one process on the same LeNet and the same Fashion-MNIST batches, alternating the
contenders so that a busy machine slows them alike:

- ``ours``: :func:`d2lnotes.train.train_classifier` (one epoch, metrics kept on the device);
- ``d2l``: ``d2l.mxnet.train_ch6`` from the installed ``d2l==1.0.3`` package, its own loop and plot;
- ``compute``: only the hybridized forward + backward + SGD step over the same batches, no metrics, no
  evaluation: the floor any loop can reach.

Reported: samples/s of each (median over rounds) and the ratios ours/d2l and ours/compute; the test accuracy
each loop reaches after the same epochs (an accuracy ratio, not a timing test). Run with ``make bench``;
``--rounds`` and ``--n-train`` trade time for precision.
"""
from __future__ import annotations

import argparse
import contextlib
import io
import os
import statistics
import sys
import time

import mxnet as mx
from mxnet import autograd, gluon, npx

import d2lnotes  # noqa: F401  (MXNet NumPy interface)
from d2lnotes.config import seed_everything
from d2lnotes.data.fashion_mnist import load_data_fashion_mnist
from d2lnotes.train import evaluate_accuracy, train_classifier
from d2lnotes.vision.models import lenet


def materialise(loader):
    """The loader's batches as a list, so every contender sees the very same arrays (no loading cost)."""
    return [(X, y) for X, y in loader]


def run_ours(train, test, epochs, lr, ctx, variant):
    seed_everything(0)
    net = lenet(*variant)
    history = train_classifier(net, train, test, epochs, lr, ctx=ctx, plot=False)
    return sum(len(y) for _, y in train) * epochs / sum(history.seconds), history.test_acc[-1]


def run_d2l(train, test, epochs, lr, ctx, variant):
    import matplotlib

    matplotlib.use("Agg")
    from d2l import mxnet as d2l

    seed_everything(0)
    net = lenet(*variant)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):  # d2l prints its own summary and draws SVG frames
        d2l.train_ch6(net, train, test, epochs, lr, ctx)
    # d2l's own figure of its examples/sec: the last line of its printout
    speed = float(out.getvalue().strip().splitlines()[-1].split()[0])
    return speed, evaluate_accuracy(net, test, ctx)


def run_compute(train, epochs, lr, ctx, variant):
    seed_everything(0)
    net = lenet(*variant)
    net.initialize(mx.init.Xavier(), ctx=ctx, force_reinit=True)
    net.hybridize()
    trainer = gluon.Trainer(net.collect_params(), "sgd", {"learning_rate": lr})
    loss = gluon.loss.SoftmaxCrossEntropyLoss()
    n = 0
    start = time.perf_counter()
    for _ in range(epochs):
        for X, y in train:
            with autograd.record():
                l = loss(net(X), y)
            l.backward()
            trainer.step(X.shape[0])
            n += X.shape[0]
    npx.waitall()
    return n / (time.perf_counter() - start)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--n-train", type=int, default=10000, help="training images per epoch")
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument("--lr", type=float, default=0.1)
    parser.add_argument("--variant", choices=["relu", "sigmoid"], default="relu",
                        help="LeNet with ReLU + max pooling (learns within the short run), or the 1998 sigmoid + "
                             "average pooling (needs lr 0.9 and several full epochs to leave chance level)")
    args = parser.parse_args(argv)
    ctx = d2lnotes.config.try_gpu()
    variant = ("relu", "max") if args.variant == "relu" else ("sigmoid", "avg")
    train_loader, test_loader = load_data_fashion_mnist(args.batch_size, n_train=args.n_train, n_test=2000)
    train, test = materialise(train_loader), materialise(test_loader)
    speeds = {"ours": [], "d2l": [], "compute": []}
    accs = {"ours": [], "d2l": []}
    for r in range(args.rounds):
        for name in ("ours", "d2l", "compute"):
            if name == "compute":
                speeds[name].append(run_compute(train, args.epochs, args.lr, ctx, variant))
                continue
            speed, acc = (run_ours if name == "ours" else run_d2l)(train, test, args.epochs, args.lr, ctx, variant)
            speeds[name].append(speed)
            accs[name].append(acc)
        print(f"round {r + 1}: " + ", ".join(f"{k} {v[-1]:.0f}/s" for k, v in speeds.items()), flush=True)
    med = {k: statistics.median(v) for k, v in speeds.items()}
    print(f"\nLeNet ({'/'.join(variant)}, lr {args.lr}) on Fashion-MNIST ({args.n_train} training images, batch {args.batch_size}, {args.epochs} epoch(s), "
          f"{args.rounds} rounds, {ctx}, OMP_NUM_THREADS={os.environ.get('OMP_NUM_THREADS', 'unset')})")
    print(f"{'loop':<10}{'samples/s (median)':>20}{'test acc (mean)':>18}")
    for name in speeds:
        acc = f"{statistics.mean(accs[name]):.3f}" if name in accs else "-"
        print(f"{name:<10}{med[name]:>20.0f}{acc:>18}")
    print(f"\nspeed ratio ours / d2l train_ch6: {med['ours'] / med['d2l']:.2f}")
    print(f"speed ratio ours / pure compute:  {med['ours'] / med['compute']:.2f}")
    print(f"accuracy ratio ours / d2l:        {statistics.mean(accs['ours']) / statistics.mean(accs['d2l']):.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
