"""Batch augmentation against MXNet's image ops and hand-checked cases."""
import mxnet as mx
import numpy as np
import pytest

from d2lnotes.vision import augment as A


@pytest.fixture
def batch():
    return np.random.default_rng(0).integers(0, 256, size=(5, 8, 8, 3), dtype=np.uint8)


@pytest.mark.parametrize("mode, border_type", [("constant", 0), ("edge", 1)])
def test_pad_matches_mxnet_copy_make_border(batch, mode, border_type):
    ours = A.pad(batch, 2, mode)
    for i in range(len(batch)):
        ref = mx.image.copyMakeBorder(mx.nd.array(batch[i], dtype="uint8"), 2, 2, 2, 2, type=border_type)
        assert (ours[i] == ref.asnumpy()).all()


def test_crop_matches_mxnet_fixed_crop(batch):
    top, left = np.array([0, 1, 2, 3, 4]), np.array([4, 3, 2, 1, 0])
    ours = A.crop(batch, top, left, (4, 4))
    for i in range(len(batch)):
        ref = mx.image.fixed_crop(mx.nd.array(batch[i], dtype="uint8"), left[i], top[i], 4, 4)
        assert (ours[i] == ref.asnumpy()).all()
    with pytest.raises(ValueError, match="does not fit"):
        A.crop(batch, top + 1, left, (4, 4))


def test_random_crop_keeps_shape_and_takes_every_offset():
    rng = np.random.default_rng(1)
    images = np.arange(4 * 4, dtype=np.uint8).reshape(1, 4, 4, 1).repeat(2000, axis=0)
    out = A.random_crop(images, rng, padding=1)
    assert out.shape == images.shape and out.dtype == np.uint8
    padded = A.pad(images[:1], 1)[0]
    windows = {padded[t:t + 4, l:l + 4].tobytes(): (t, l) for t in range(3) for l in range(3)}
    seen = {windows[o.tobytes()] for o in out}  # every output is one of the 9 windows ...
    assert len(seen) == 9                          # ... and all 9 occur
    assert (A.random_crop(images[:3], rng, padding=0) == images[:3]).all()


def test_flip(batch):
    rng = np.random.default_rng(0)
    assert (A.random_flip_lr(batch, rng, p=0) == batch).all()
    assert (A.random_flip_lr(batch, rng, p=1) == batch[:, :, ::-1]).all()
    many = np.repeat(batch[:1], 4000, axis=0)
    flipped = (A.random_flip_lr(many, rng) != many).any(axis=(1, 2, 3)).mean()
    assert 0.45 < flipped < 0.55
    with pytest.raises(ValueError):
        A.random_flip_lr(batch, rng, p=1.5)


def test_shift_fills_with_the_edge_pixel():
    rng = np.random.default_rng(0)
    images = np.zeros((200, 10, 10, 1), np.uint8)
    images[:, :, 0] = 255  # a white left column
    out = A.random_shift(images, rng, max_fraction=0.2)  # up to 2 pixels
    assert out.shape == images.shape
    widths = (out[:, 0, :, 0] == 255).sum(axis=1)  # shifted right by s: the white edge repeats to s + 1 columns
    assert set(widths.tolist()) == {0, 1, 2, 3}


def test_compose_and_standard_recipe_keep_dtype(batch):
    out = A.compose(A.random_flip_lr, A.random_crop)(batch, np.random.default_rng(0))
    assert out.shape == batch.shape and out.dtype == batch.dtype
    out = A.standard_cifar(batch, np.random.default_rng(0))
    assert out.shape == batch.shape and out.dtype == batch.dtype
    with pytest.raises(ValueError, match="batch"):
        A.random_crop(batch[0], np.random.default_rng(0))
