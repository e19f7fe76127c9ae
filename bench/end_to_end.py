"""End to end against d2l: each loop with its own data loader, wall time from loading to the last evaluation.

The same LeNet (d2l's sigmoid + average pooling, lr 0.9) trains on the full Fashion-MNIST in one process:

- ``ours``: ``d2lnotes.data.fashion_mnist.load_data_fashion_mnist`` + ``d2lnotes.train.train_classifier``;
- ``d2l``: ``d2l.load_data_fashion_mnist`` (Gluon's ``FashionMNIST`` + ``ToTensor`` + ``DataLoader`` with d2l's 4
  worker processes) + ``d2l.train_ch6``, from the installed ``d2l==1.0.3``. Gluon's ``FashionMNIST`` would
  download its own gzip copies (other bytes, same images) from Amazon S3; here its reading step is replaced by our
  reader of the official files (the same arrays), so everything after it is d2l's and Gluon's own code.

The contenders alternate, so that a busy machine slows them alike. Reported per contender (median over rounds):
the wall time, its parts (building the loaders; iterating the training loader alone, without training; the
whole run), the test accuracy; then the ratio d2l / ours of the wall times (> 1: ours is faster). ``--epochs``
and ``--rounds`` trade time for precision: ``python bench/end_to_end.py --epochs 2 --rounds 3``.
"""
from __future__ import annotations

import argparse
import contextlib
import io
import os
import statistics
import sys
import time

import d2lnotes  # noqa: F401  (MXNet NumPy interface)
from d2lnotes.config import seed_everything, try_gpu
from d2lnotes.data.fashion_mnist import load_arrays, load_data_fashion_mnist
from d2lnotes.train import evaluate_accuracy, train_classifier
from d2lnotes.vision.models import lenet


def offline_gluon_fashion_mnist():
    """Gluon's ``FashionMNIST`` with its download-and-read step replaced by our reader (same arrays)."""
    from mxnet import np as mnp
    from mxnet.gluon.data.vision import datasets

    class FashionMNIST(datasets.FashionMNIST):
        def _get_data(self):  # as Gluon's MNIST._get_data does under npx.set_np(), from our arrays
            images, labels = load_arrays(train=self._train)
            self._data = mnp.array(images.reshape(-1, 28, 28, 1), dtype=images.dtype)
            self._label = mnp.array(labels, dtype=labels.dtype)

    return FashionMNIST


def iterate(loader) -> float:
    start = time.perf_counter()
    for X, y in loader:
        X.wait_to_read()
    return time.perf_counter() - start


def run_ours(batch_size, epochs, lr, ctx):
    seed_everything(0)
    start = time.perf_counter()
    train_iter, test_iter = load_data_fashion_mnist(batch_size)
    built = time.perf_counter() - start
    loading = iterate(train_iter)
    start_train = time.perf_counter()
    history = train_classifier(lenet("sigmoid", "avg"), train_iter, test_iter, epochs, lr, ctx=ctx, plot=False)
    train = time.perf_counter() - start_train
    return {"build": built, "iterate": loading, "train": train, "total": built + train,
            "acc": history["test_acc"][-1]}


def run_d2l(batch_size, epochs, lr, ctx):
    import matplotlib

    matplotlib.use("Agg")
    from d2l import mxnet as d2l

    from mxnet.gluon.data import vision

    seed_everything(0)
    original, vision.FashionMNIST = vision.FashionMNIST, offline_gluon_fashion_mnist()
    start = time.perf_counter()
    try:
        train_iter, test_iter = d2l.load_data_fashion_mnist(batch_size)
    finally:
        vision.FashionMNIST = original
    built = time.perf_counter() - start
    loading = iterate(train_iter)
    net = lenet("sigmoid", "avg")
    start_train = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()):  # d2l prints its summary and draws SVG frames
        d2l.train_ch6(net, train_iter, test_iter, epochs, lr, ctx)
    train = time.perf_counter() - start_train
    return {"build": built, "iterate": loading, "train": train, "total": built + train,
            "acc": evaluate_accuracy(net, test_iter, ctx)}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument("--lr", type=float, default=0.9)
    args = parser.parse_args(argv)
    ctx = try_gpu()
    runs = {"ours": [], "d2l": []}
    for r in range(args.rounds):
        for name, run in (("ours", run_ours), ("d2l", run_d2l)):
            runs[name].append(run(args.batch_size, args.epochs, args.lr, ctx))
        print(f"round {r + 1}: " + ", ".join(f"{k} {v[-1]['total']:.1f} s" for k, v in runs.items()), flush=True)
    med = {k: {part: statistics.median(x[part] for x in v) for part in v[0]} for k, v in runs.items()}
    print(f"\nLeNet (sigmoid/avg, lr {args.lr}) on all 60,000 Fashion-MNIST images, batch {args.batch_size}, "
          f"{args.epochs} epoch(s), {args.rounds} rounds, {ctx}, "
          f"OMP_NUM_THREADS={os.environ.get('OMP_NUM_THREADS', 'unset')}, load {os.getloadavg()[0]:.1f}")
    print(f"{'loop':<6}{'build loaders':>15}{'one pass, no training':>23}{'train + evaluate':>18}{'total':>9}"
          f"{'test acc':>10}")
    for name, m in med.items():
        print(f"{name:<6}{m['build']:>14.1f}s{m['iterate']:>22.1f}s{m['train']:>17.1f}s{m['total']:>8.1f}s"
              f"{m['acc']:>10.3f}")
    print(f"\nend-to-end speed ratio (d2l wall time / ours): {med['d2l']['total'] / med['ours']['total']:.2f}")
    print(f"data-loading share of d2l's epoch: {med['d2l']['iterate'] / (med['d2l']['train'] / args.epochs):.2f}; "
          f"of ours: {med['ours']['iterate'] / (med['ours']['train'] / args.epochs):.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
