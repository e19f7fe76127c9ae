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


def test_sizes_are_explicit_and_public(real_data, monkeypatch):
    """No hidden smoke default: None means every image, in either mode; the loader says how many it holds."""
    monkeypatch.setenv("D2LNOTES_SMOKE", "1")
    train_iter, test_iter = fm.load_data_fashion_mnist(1000, n_test=300)
    assert train_iter.num_examples == 60000 and test_iter.num_examples == 300
    assert sum(len(y) for _, y in train_iter) == 60000 and len(test_iter) == 1


def test_resize_matches_d2l_transforms_resize(real_data):
    """Bilinear with half-pixel centres, as d2l's ``transforms.Resize`` (OpenCV): equal up to its uint8 rounding."""
    import mxnet as mx
    from mxnet.gluon.data.vision import transforms

    test_iter = fm.load_data_fashion_mnist(16, resize=224, n_train=10, n_test=16)[1]
    X = next(iter(test_iter))[0].asnumpy()
    test_images = test_iter.examples[:, 0]  # the uint8 images of that (unshuffled) batch
    resize = transforms.Resize(224)
    ref = np.stack([resize(mx.np.array(img[:, :, None], dtype="uint8")).asnumpy()[:, :, 0] for img in test_images])
    diff = np.abs(X[:, 0] - ref.astype(np.float32) / 255)
    assert diff.max() < 2.5 / 255  # rounding of d2l's uint8 result


@pytest.mark.parametrize("kwargs, message", [
    ({"batch_size": 0}, "batch_size"), ({"batch_size": -5}, "batch_size"), ({"batch_size": 2.5}, "batch_size"),
    ({"batch_size": 8, "resize": -1}, "resize"), ({"batch_size": 8, "resize": 0}, "resize"),
    ({"batch_size": 8, "n_train": 0}, "cannot take 0"), ({"batch_size": 8, "n_test": 10001}, "cannot take 10001"),
])
def test_bad_arguments_are_clear_errors(real_data, kwargs, message):
    with pytest.raises(ValueError, match=message):
        fm.load_data_fashion_mnist(**kwargs)


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
