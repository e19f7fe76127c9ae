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


def test_archive_test_batch_is_complete_and_in_official_order(real_data):
    images, labels = cifar10.read_batch(cifar10.batches_dir() / "test_batch")
    assert images.shape == (10000, 32, 32, 3)
    assert np.bincount(labels).tolist() == [1000] * 10
    assert labels[:10].tolist() == TEST_FIRST_LABELS


def test_missing_training_batches_are_announced(real_data, monkeypatch):
    monkeypatch.setattr(cifar10, "data_source", lambda: "archive")
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


def test_the_jpeg_folder_gives_all_50000_training_images(real_data):
    if cifar10.jpeg_folder() is None:
        pytest.skip("this mirror has no cifar-10/jpeg folder")
    assert cifar10.data_source() == "jpeg"
    with warnings.catch_warnings():
        warnings.simplefilter("error", cifar10.PartialDatasetWarning)  # complete: no warning
        images, labels = cifar10.load_arrays(train=True)
    assert images.shape == (50000, 32, 32, 3) and images.dtype == np.uint8
    assert np.bincount(labels).tolist() == [5000] * 10
    test_images, test_labels = cifar10.load_arrays(train=False)
    assert np.bincount(test_labels).tolist() == [1000] * 10
    # the archive's pixels were decoded from these same JPEGs: the first test image (a cat) is test/cat/0000.jpg
    archive_images, archive_labels = cifar10.read_batch(cifar10.batches_dir() / "test_batch")
    first_cat = int(np.flatnonzero(test_labels == 3)[0])
    assert archive_labels[0] == 3 and np.array_equal(archive_images[0], test_images[first_cat])
    assert "50,000" in cifar10.describe_source()


def _tiny_jpeg_folder(root, real_root, per_class=2):
    """A copy of ``per_class`` real test JPEGs per class, with their sums."""
    sums = cifar10.read_jpeg_sums(real_root.parent / cifar10.JPEG_SUMS)
    kept = {}
    for name in cifar10.TEXT_LABELS:
        for k in sorted(k for k in sums if k.startswith(f"./test/{name}/"))[:per_class]:
            (root / k).parent.mkdir(parents=True, exist_ok=True)
            (root / k).write_bytes((real_root / k).read_bytes())
            kept[k] = sums[k]
    return kept


def test_jpeg_reader_names_a_missing_or_corrupt_file(real_data, tmp_path):
    real_root = cifar10.jpeg_folder()
    if real_root is None:
        pytest.skip("this mirror has no cifar-10/jpeg folder")
    sums = _tiny_jpeg_folder(tmp_path, real_root)
    images, labels = cifar10.read_jpeg_folder(tmp_path, "test", sums)
    assert images.shape == (20, 32, 32, 3) and np.bincount(labels).tolist() == [2] * 10
    victim = tmp_path / "test" / "dog" / "0001.jpg"
    data = bytearray(victim.read_bytes())
    data[200] ^= 0xFF
    victim.write_bytes(bytes(data))
    with pytest.raises(cifar10.ChecksumError, match="dog/0001.jpg does not match its sha256"):
        cifar10.read_jpeg_folder(tmp_path, "test", sums)
    victim.unlink()
    with pytest.raises(cifar10.DataError, match="dog/0001.jpg is listed .* but missing"):
        cifar10.read_jpeg_folder(tmp_path, "test", sums)
    with pytest.raises(ValueError, match="unknown CIFAR-10 split"):
        cifar10.read_jpeg_folder(tmp_path, "valid", sums)


def test_a_corrupt_array_cache_is_rebuilt(real_data, tmp_path, monkeypatch):
    real_root = cifar10.jpeg_folder()
    if real_root is None:
        pytest.skip("this mirror has no cifar-10/jpeg folder")
    sums = _tiny_jpeg_folder(tmp_path / "jpeg", real_root, per_class=1)
    monkeypatch.setenv("D2LNOTES_DATA", str(tmp_path / "cache"))
    monkeypatch.setattr(cifar10, "jpeg_folder", lambda: tmp_path / "jpeg")
    monkeypatch.setattr(cifar10, "read_jpeg_sums", lambda path: sums)
    monkeypatch.setitem(cifar10.JPEG_COUNTS, "test", 1)
    cifar10._read_jpeg_split.cache_clear()
    try:
        first = cifar10.load_arrays(train=False)
        cache = tmp_path / "cache" / "cifar-10" / "jpeg-test.npz"
        assert cache.is_file()
        cache.write_bytes(cache.read_bytes()[:500])  # truncated
        cifar10._read_jpeg_split.cache_clear()
        with pytest.warns(RuntimeWarning, match="cannot be read.*decoding the JPEGs again"):
            again = cifar10.load_arrays(train=False)
        assert np.array_equal(first[0], again[0]) and np.array_equal(first[1], again[1])
    finally:
        cifar10._read_jpeg_split.cache_clear()


def test_standard_statistics_are_close_to_the_data(real_data):
    images, _ = cifar10.read_batch(cifar10.batches_dir() / "test_batch")
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
