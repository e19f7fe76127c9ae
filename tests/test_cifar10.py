"""The CIFAR-10 loader on the real archive (official or the course's partial mirror)."""
import pickle
import warnings

import numpy as np
import pytest

from d2lnotes.data import cifar10

# Published facts about the official data_batch_1 and test_batch.
BATCH1_HISTOGRAM = [1005, 974, 1032, 1016, 999, 937, 1030, 1001, 1025, 981]
BATCH1_FIRST_LABELS = [6, 9, 9, 4, 1, 1, 2, 7, 8, 3]
BATCH1_FIRST_RED = [59, 43, 50]  # red plane of the first image, first three pixels of the top row
TEST_FIRST_LABELS = [3, 8, 8, 0, 6, 6, 1, 6, 3, 1]  # cat ship ship airplane frog frog automobile frog cat automobile


def test_training_batch_1_is_the_official_one(real_data):
    images, labels = cifar10.read_batch(cifar10.batches_dir() / "data_batch_1")
    assert images.shape == (10000, 32, 32, 3) and images.dtype == np.uint8
    assert labels.dtype == np.int32
    assert labels[:10].tolist() == BATCH1_FIRST_LABELS
    assert np.bincount(labels, minlength=10).tolist() == BATCH1_HISTOGRAM
    # the mirror's pixels went through JPEG (mean abs. error about 6/255): allow that, no more
    assert np.abs(images[0, 0, :3, 0].astype(int) - BATCH1_FIRST_RED).max() <= 8


def test_test_split_is_complete_and_balanced(real_data):
    images, labels = cifar10.load_arrays(train=False)
    assert images.shape == (10000, 32, 32, 3)
    assert np.bincount(labels).tolist() == [1000] * 10
    assert labels[:10].tolist() == TEST_FIRST_LABELS


def test_missing_training_batches_are_announced(real_data):
    present = cifar10.available_training_batches()
    assert present and set(present) <= set(cifar10.TRAIN_BATCHES)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        images, labels = cifar10.load_arrays(train=True)
    partial = [w for w in caught if issubclass(w.category, cifar10.PartialDatasetWarning)]
    assert len(images) == len(labels) == 10000 * len(present)
    assert bool(partial) == (len(present) < 5)
    if partial:
        assert "of 50,000 training images" in str(partial[0].message)
    assert not images.flags.writeable  # shared between calls: must not be changed in place


def test_standard_statistics_are_close_to_the_data(real_data):
    images, _ = cifar10.load_arrays(train=False)
    x = images.astype(np.float32) / 255
    assert np.allclose(x.mean(axis=(0, 1, 2)), cifar10.MEAN, atol=0.01)
    # the customary "std" is the mean per-image standard deviation, not the pixel standard deviation
    assert np.allclose(x.std(axis=(1, 2)).mean(axis=0), cifar10.STD, atol=0.01)
    assert (x.std(axis=(0, 1, 2)) > np.asarray(cifar10.STD) + 0.03).all()


def test_normalize_matches_gluon_transforms():
    from mxnet import np as mnp
    from mxnet.gluon.data.vision import transforms

    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, size=(2, 32, 32, 3), dtype=np.uint8)
    ours = cifar10.normalize(images)
    pipeline = transforms.Compose([transforms.ToTensor(), transforms.Normalize(cifar10.MEAN, cifar10.STD)])
    for i in range(2):
        ref = pipeline(mnp.array(images[i], dtype="uint8")).asnumpy()
        assert np.abs(ours[i] - ref).max() < 1e-5


def test_loader_batches_and_explicit_subsample(real_data):
    train_iter, test_iter = cifar10.load_data_cifar10(64, augment=lambda b, rng: b[:, :, ::-1], n_train=2000,
                                                      n_test=1000)
    assert train_iter.num_examples == 2000 and len(test_iter.images) == 1000
    assert np.bincount(train_iter.labels).tolist() == [200] * 10
    X, y = next(iter(train_iter))
    assert X.shape == (64, 3, 32, 32) and X.dtype == np.float32 and y.shape == (64,)
    assert len(train_iter) == 32 and sum(x.shape[0] for x, _ in test_iter) == 1000
    X0, _ = next(iter(test_iter))  # the test loader neither shuffles nor augments
    assert np.allclose(X0.asnumpy(), cifar10.normalize(test_iter.images[:64]))


def test_bad_inputs_are_rejected(tmp_path):
    bad = tmp_path / "data_batch_1"
    with open(bad, "wb") as f:
        pickle.dump({b"data": np.zeros((3, 100), np.uint8), b"labels": [0, 1, 2]}, f)
    with pytest.raises(ValueError, match="do not form a CIFAR-10 batch"):
        cifar10.read_batch(bad)
    with open(bad, "wb") as f:
        pickle.dump({"pixels": 1}, f)
    with pytest.raises(ValueError, match="not a CIFAR-10 batch"):
        cifar10.read_batch(bad)
    with pytest.raises(ValueError, match="uint8"):
        cifar10.CifarLoader(np.zeros((2, 32, 32, 3), np.float32), np.zeros(2), 2)
    with pytest.raises(ValueError, match="labels"):
        cifar10.CifarLoader(np.zeros((2, 32, 32, 3), np.uint8), np.zeros(3), 2)
