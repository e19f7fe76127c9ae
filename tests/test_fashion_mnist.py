"""The Fashion-MNIST loader on the real IDX files."""
import gzip
import struct

import numpy as np
import pytest

from d2lnotes.data import fashion_mnist as fm


def test_full_splits_have_official_sizes_and_balanced_classes(real_data):
    X, y = fm.load_arrays(train=True)
    assert X.shape == (60000, 28, 28) and X.dtype == np.uint8 and y.shape == (60000,)
    assert np.bincount(y).tolist() == [6000] * 10
    Xt, yt = fm.load_arrays(train=False)
    assert Xt.shape == (10000, 28, 28) and np.bincount(yt).tolist() == [1000] * 10
    # the first training example of the official file is an ankle boot (label 9)
    assert fm.get_text_labels(y[:1]) == ["ankle boot"]


def test_loaders_give_float_batches_and_subsample_by_class(real_data):
    train_iter, test_iter = fm.load_data_fashion_mnist(64, n_train=500, n_test=200)
    X, y = next(iter(train_iter))
    assert X.shape == (64, 1, 28, 28) and str(X.dtype) == "float32" and y.dtype == np.int32
    assert 0.0 <= float(X.min()) and float(X.max()) <= 1.0 and float(X.max()) > 0.5
    labels = np.concatenate([yb.asnumpy() for _, yb in test_iter])
    assert len(labels) == 200 and np.bincount(labels).tolist() == [20] * 10


def test_resize_keeps_the_image(real_data):
    (X, _), = [next(iter(fm.load_data_fashion_mnist(8, resize=56, n_train=10, n_test=10)[1]))]
    assert X.shape == (8, 1, 56, 56)
    small = next(iter(fm.load_data_fashion_mnist(8, n_train=10, n_test=10)[1]))[0]
    # downsampling the upsampled image by 2 recovers the original to within interpolation error
    assert np.abs(X.asnumpy()[:, :, ::2, ::2] - small.asnumpy()).mean() < 0.05


def test_smoke_mode_shrinks_the_default(real_data, monkeypatch):
    monkeypatch.setenv("D2LNOTES_SMOKE", "1")
    train_iter, test_iter = fm.load_data_fashion_mnist(1000)
    assert sum(len(y) for _, y in train_iter) == 2000 and sum(len(y) for _, y in test_iter) == 1000


def test_truncated_idx_file_is_an_error(tmp_path):
    path = tmp_path / "bad.gz"
    with gzip.open(path, "wb") as f:
        f.write(struct.pack(">IIII", 2051, 10, 28, 28) + bytes(100))
    with pytest.raises(ValueError, match="expected 7840 values"):
        fm.read_idx(path)
    with gzip.open(path, "wb") as f:
        f.write(struct.pack(">II", 1234, 1))
    with pytest.raises(ValueError, match="magic 1234"):
        fm.read_idx(path)
