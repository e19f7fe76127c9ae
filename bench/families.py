"""Training throughput (images/s) of every CNN family and project model on this machine, in one table.

For each model, at the image size and width of its full-mode notebook:

- ``compute``: the hybridized forward + backward + SGD step on one fixed batch, repeated: the floor;
- ``loop``: :func:`d2lnotes.train.train_classifier` over real batches of its data set (Fashion-MNIST resized as
  in the notebook, or CIFAR-10), the same number of steps, metrics and all (its own evaluation excluded).

Both contenders build their graph before the timing starts: ``compute`` takes one untimed step; ``loop`` runs one
untimed epoch of one batch and then trains the same, already hybridized network (``hybridize=False`` in the timed
call: calling ``hybridize()`` again would drop the cached graph and charge its rebuilding to the first timed step).
They alternate for ``--rounds`` rounds, so that a busy machine slows them alike; the medians are reported.

Reported: images/s of both, the ratio loop/compute, and the epoch time this speed implies for the notebook's full
training set (60,000 Fashion-MNIST or 50,000 CIFAR-10 images). ``--steps`` and ``--rounds`` trade time for
precision; run ``python bench/families.py`` (``make bench`` runs it after ``bench/run.py``).
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
import warnings

import mxnet as mx
from mxnet import autograd, gluon, np

import d2lnotes  # noqa: F401  (MXNet NumPy interface)
from d2lnotes.config import seed_everything
from d2lnotes.check import num_params
from d2lnotes.data.cifar10 import PartialDatasetWarning, load_data_cifar10
from d2lnotes.data.fashion_mnist import load_data_fashion_mnist
from d2lnotes.train import train_classifier
from d2lnotes.vision import models as M

# name, builder, data set, image size, full training-set size (the full-mode notebook's settings)
MODELS = [
    ("AlexNet", lambda: M.alexnet(), "fashion-mnist", 224, 60000),
    ("VGG-11/4", lambda: M.vgg([(n, c // 4) for n, c in M.VGG11_ARCH]), "fashion-mnist", 224, 60000),
    ("NiN", lambda: M.nin(), "fashion-mnist", 224, 60000),
    ("GoogLeNet", lambda: M.googlenet(), "fashion-mnist", 96, 60000),
    ("ResNet-18", lambda: M.resnet18(), "fashion-mnist", 96, 60000),
    ("DenseNet", lambda: M.densenet(), "fashion-mnist", 96, 60000),
    ("LeNet-5 (CIFAR)", lambda: M.lenet5_cifar(), "cifar-10", 32, 50000),
    ("modified VGG (CIFAR)", lambda: M.cifar_vgg(), "cifar-10", 32, 50000),
    ("ResNet-20 (CIFAR)", lambda: M.cifar_resnet(3), "cifar-10", 32, 50000),
    ("ResNet-18 (CIFAR, 32x32)", lambda: M.resnet18(small_input=True), "cifar-10", 32, 50000),
]


def batches(dataset, size, batch_size, steps):
    """``steps`` real training batches of the data set, materialised (no loading cost inside the timing)."""
    n = batch_size * steps
    if dataset == "cifar-10":
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", PartialDatasetWarning)
            loader, _ = load_data_cifar10(batch_size, n_train=n, n_test=10)
    else:
        loader, _ = load_data_fashion_mnist(batch_size, resize=size, n_train=n, n_test=10)
    return [(X, y) for X, y in loader][:steps]


def compute_speed(net, trainer, batch, ctx, steps):
    """images/s of ``steps`` bare forward + backward + SGD steps on one batch (the graph is already built)."""
    loss = gluon.loss.SoftmaxCrossEntropyLoss()
    X, y = batch[0].as_in_ctx(ctx), batch[1].as_in_ctx(ctx)
    mx.npx.waitall()
    start = time.perf_counter()
    for _ in range(steps):
        with autograd.record():
            l = loss(net(X), y)
        l.backward()
        trainer.step(X.shape[0])
    mx.npx.waitall()
    return steps * X.shape[0] / (time.perf_counter() - start)


def prepared_compute(build, batch, ctx):
    """A hybridized network and its trainer after one untimed step (graph building and allocation)."""
    seed_everything(0)
    net = build()
    net.initialize(mx.init.Xavier(), ctx=ctx)
    net.hybridize()
    trainer = gluon.Trainer(net.collect_params(), "sgd", {"learning_rate": 0.01})
    compute_speed(net, trainer, batch, ctx, 1)
    return net, trainer


def prepared_loop(build, data, ctx):
    """A network after one untimed ``train_classifier`` epoch of one batch (which hybridizes it)."""
    seed_everything(0)
    net = build()
    train_classifier(net, data[:1], data[:1], 1, 0.01, ctx=ctx, plot=False)
    return net


def loop_speed(net, data, ctx):
    """images/s of one ``train_classifier`` epoch over ``data``, on the already hybridized network."""
    history = train_classifier(net, data, data[:1], 1, 0.01, ctx=ctx, plot=False, init=None, hybridize=False)
    return history.samples_per_sec[-1]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=4, help="timed training steps per model and contender")
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--rounds", type=int, default=3, help="alternations of compute and loop per model")
    parser.add_argument("--only", nargs="*", help="names of the models to run (default: all)")
    args = parser.parse_args(argv)
    ctx = mx.gpu() if mx.context.num_gpus() else mx.cpu()
    print(f"device {ctx}, OMP_NUM_THREADS={os.environ.get('OMP_NUM_THREADS', 'unset')}, "
          f"{os.cpu_count()} CPUs, batch {args.batch_size}, {args.steps} steps, {args.rounds} rounds (medians)\n")
    print("| model | input | learned parameters | compute img/s | loop img/s | loop/compute | full epoch (loop) |")
    print("|---|---|---:|---:|---:|---:|---:|")
    for name, build, dataset, size, n_full in MODELS:
        if args.only and name not in args.only:
            continue
        data = batches(dataset, size, args.batch_size, args.steps)
        net_c, trainer = prepared_compute(build, data[0], ctx)
        net_l = prepared_loop(build, data, ctx)
        computes, loops = [], []
        for _ in range(args.rounds):
            computes.append(compute_speed(net_c, trainer, data[0], ctx, args.steps))
            loops.append(loop_speed(net_l, data, ctx))
        compute, loop, n_params = statistics.median(computes), statistics.median(loops), num_params(net_c)
        minutes = n_full / loop / 60
        channels = 3 if dataset == "cifar-10" else 1
        print(f"| {name} | {channels}x{size}x{size} | {n_params:,} | {compute:.1f} | {loop:.1f} | "
              f"{loop / compute:.2f} | {minutes:.1f} min |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
