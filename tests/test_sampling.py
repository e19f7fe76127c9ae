"""The minibatch loop every in-memory loader shares (d2lnotes.data.sampling.BatchLoader)."""
import numpy as onp
import pytest

from d2lnotes.data.sampling import ArrayLoader, BatchLoader
from d2lnotes.text.classify import TokenLoader
from d2lnotes.text.seq2seq import PairLoader
from d2lnotes.vision.detection import DetectionLoader
from d2lnotes.vision.segmentation import SegmentationLoader

N, B = 23, 5


def _loaders(shuffle, seed=0):
    """Each loader over N examples whose content is the example's index, and a function reading it back."""
    ids = onp.arange(N)
    images = onp.broadcast_to(ids[:, None, None, None], (N, 4, 4, 3)).astype(onp.uint8)
    yield (ArrayLoader(ids[:, None].astype(onp.float32), ids, B, shuffle=shuffle, seed=seed),
           lambda b: b[1].asnumpy())
    yield (TokenLoader(onp.stack([ids + 1, ids + 1], axis=1), ids, B, shuffle=shuffle, seed=seed),
           lambda b: b[1].asnumpy())
    yield (PairLoader(ids[:, None], onp.ones(N), ids[:, None], onp.ones(N), B, shuffle=shuffle, seed=seed),
           lambda b: b[0][0].asnumpy()[:, 0])
    yield (SegmentationLoader(images, images[..., 0].astype(onp.int32), B, lambda x: x.transpose(0, 3, 1, 2),
                              shuffle=shuffle, seed=seed), lambda b: b[1].asnumpy()[:, 0, 0])
    labels = [onp.array([[0, i / 100, 0.1, 0.5, 0.5]]) for i in range(N)]     # the example's index in xmin
    yield (DetectionLoader(images, labels, B, shuffle=shuffle, seed=seed),
           lambda b: onp.rint(b[1].asnumpy()[:, 0, 1] * 100).astype(int))


@pytest.mark.parametrize("shuffle", [False, True])
def test_every_loader_yields_each_example_once_per_pass_in_batches_of_b(shuffle):
    for loader, ids_of in _loaders(shuffle):
        assert isinstance(loader, BatchLoader) and len(loader) == 5 and loader.num_examples == N
        for _ in range(2):
            batches = [ids_of(b) for b in loader]
            assert [len(b) for b in batches] == [5, 5, 5, 5, 3], type(loader).__name__   # the last batch is kept
            seen = onp.concatenate(batches)
            assert sorted(seen) == list(range(N)), type(loader).__name__
            assert (list(seen) == list(range(N))) != shuffle, type(loader).__name__


def test_same_seed_same_batches_and_new_order_each_pass():
    for (a, ids_a), (b, _) in zip(_loaders(True, seed=3), _loaders(True, seed=3)):
        first = [ids_a(x) for x in a]
        assert all((x == ids_a(y)).all() for x, y in zip(first, b))
        assert not all((x == ids_a(y)).all() for x, y in zip(first, a))


def test_base_class_needs_collate_and_a_good_batch_size():
    with pytest.raises(NotImplementedError):
        next(iter(BatchLoader(3, 2)))
    for bad in (0, -1, 2.5, None):
        with pytest.raises(ValueError, match="batch_size"):
            BatchLoader(3, bad)
