"""The pretrained-weights plan: the model-zoo path (a parameter file where the zoo looks), the offline course
checkpoint, a corrupted checkpoint rebuilt rather than loaded, and the batch-norm folding of the course VGG."""
import hashlib
import json
import warnings

import mxnet as mx
import numpy as onp
import pytest
from mxnet import np

import d2lnotes  # noqa: F401
from d2lnotes.data.cifar10 import PartialDatasetWarning
from d2lnotes.vision import pretrained as P

TINY = dict(width=0.0625, n_train=200, n_test=100, epochs=1, batch_size=50)


@pytest.fixture(autouse=True)
def _isolated(tmp_path, monkeypatch):
    monkeypatch.setenv("D2LNOTES_DATA", str(tmp_path / "cache"))
    monkeypatch.setenv("MXNET_HOME", str(tmp_path / "mxnet"))
    warnings.simplefilter("ignore", PartialDatasetWarning)


def _sha1(path):
    return hashlib.sha1(path.read_bytes()).hexdigest()


def test_zoo_path_uses_a_parameter_file_where_the_zoo_looks(tmp_path, monkeypatch):
    from mxnet.gluon.model_zoo import model_store, vision

    net = vision.resnet18_v2()
    net.initialize(mx.init.Xavier())
    net(np.zeros((1, 3, 32, 32)))
    staged = tmp_path / "staged.params"
    net.save_parameters(str(staged))
    # a stand-in for the real ImageNet file: the zoo accepts a file whose sha1 is the registered one
    monkeypatch.setitem(model_store._model_sha1, "resnet18_v2", _sha1(staged))
    root = tmp_path / "mxnet" / "models"
    root.mkdir(parents=True)
    target = root / f"resnet18_v2-{model_store.short_hash('resnet18_v2')}.params"
    staged.rename(target)
    assert P.zoo_file("resnet18") == target  # found through MXNET_HOME, read at call time
    monkeypatch.setattr(P, "course_backbone", lambda *a, **k: pytest.fail("must not fall back"))
    backbone = P.load_backbone("resnet18", allow_download=False)
    assert backbone.origin == "model zoo" and backbone.path == target and backbone.mean == P.IMAGENET_MEAN
    X = np.random.uniform(size=(2, 3, 64, 64))
    assert backbone.features(X).shape == (2, 512, 2, 2)
    onp.testing.assert_allclose(backbone.features(X).asnumpy(), net.features[:-2](X).asnumpy(), rtol=1e-5)
    assert P.zoo_backbone("resnet18", root=root).path == target  # the root= argument names the same place


def test_a_file_with_the_wrong_sha1_is_not_the_zoo(tmp_path):
    from mxnet.gluon.model_zoo import model_store

    root = tmp_path / "zoo"
    root.mkdir()
    (root / f"vgg19-{model_store.short_hash('vgg19')}.params").write_bytes(b"not the weights")
    assert P.zoo_file("vgg19", root=root) is None


def test_offline_course_checkpoint_is_trained_once_and_reused(monkeypatch):
    spec = P.CourseSpec("resnet18", **TINY)
    backbone = P.load_backbone("resnet18", spec, allow_download=False)
    assert backbone.origin == "course checkpoint" and "CIFAR-10" in backbone.description
    params, record_path = P.checkpoint_paths(spec)
    record = json.loads(record_path.read_text())
    assert record["sha256"] == hashlib.sha256(params.read_bytes()).hexdigest()
    assert record["train_images"] == 200 and record["test_images"] == 100
    assert backbone.features(np.zeros((1, 3, 64, 96))).shape == (1, backbone.channels, 2, 3)
    monkeypatch.setattr(P, "train_course_backbone", lambda *a, **k: pytest.fail("a valid checkpoint is reused"))
    again = P.load_backbone("resnet18", spec, allow_download=False)
    X = np.random.uniform(size=(1, 3, 32, 32))
    onp.testing.assert_allclose(again.features(X).asnumpy(), backbone.features(X).asnumpy(), rtol=1e-6)


def test_corrupted_checkpoint_is_detected_and_rebuilt(monkeypatch):
    spec = P.CourseSpec("resnet18", **TINY)
    P.course_backbone(spec)
    params, record_path = P.checkpoint_paths(spec)
    data = bytearray(params.read_bytes())
    data[-5] ^= 0xFF  # one flipped byte in the weights: it would still load
    params.write_bytes(bytes(data))
    calls = []
    real = P.train_course_backbone
    monkeypatch.setattr(P, "train_course_backbone", lambda s, ctx=None: calls.append(s) or real(s, ctx))
    with pytest.warns(P.CorruptCheckpointWarning, match="rebuilt"):
        P.course_backbone(spec)
    assert calls == [spec]
    assert json.loads(record_path.read_text())["sha256"] == hashlib.sha256(params.read_bytes()).hexdigest()


def test_missing_checkpoint_without_training_raises():
    with pytest.raises(FileNotFoundError, match="pretrain_backbone"):
        P.course_backbone(P.CourseSpec("vgg19", **TINY), train_if_missing=False)


def test_course_vgg_has_the_zoo_layout():
    from mxnet.gluon.model_zoo import vision

    spec = P.CourseSpec("vgg19", **TINY)
    backbone, _ = P.course_backbone(spec)
    zoo = vision.vgg19().features[:37]
    assert [type(a) for a in backbone.features] == [type(b) for b in zoo]
    assert backbone.features(np.zeros((1, 3, 64, 64))).shape == (1, backbone.channels, 2, 2)


def test_fold_batch_norm_keeps_the_function():
    with_bn, plain = P.vgg19_layers(0.0625, batch_norm=True), P.vgg19_layers(0.0625)
    with_bn.initialize(mx.init.Xavier())
    plain.initialize()
    X = np.random.uniform(size=(2, 3, 32, 32))
    with_bn(X), plain(X)
    for layer in with_bn:  # non-trivial statistics
        if hasattr(layer, "running_mean"):
            c = layer.running_mean.shape[0]
            layer.running_mean.set_data(np.random.normal(size=c))
            layer.running_var.set_data(np.random.uniform(0.5, 2, size=c))
            layer.gamma.set_data(np.random.uniform(0.5, 2, size=c))
            layer.beta.set_data(np.random.normal(size=c))
    P.fold_batch_norm(with_bn, plain)
    onp.testing.assert_allclose(plain(X).asnumpy(), with_bn(X).asnumpy(), rtol=1e-4, atol=1e-5)
    wider = P.vgg19_layers(0.125)
    wider.initialize()
    wider(X)
    with pytest.raises(ValueError, match="shapes differ"):
        P.fold_batch_norm(with_bn, wider)


def test_spec_validation_and_budgets():
    with pytest.raises(ValueError):
        P.CourseSpec("alexnet")
    with pytest.raises(ValueError):
        P.CourseSpec(classes=(0, 0))
    assert P.course_spec("resnet18", "smoke").epochs == 1
    assert P.course_spec("vgg19", "cpu", classes=(1, 9)).classes == (1, 9)
    assert P.CourseSpec(classes=(2, 3)).name != P.CourseSpec().name


def test_checkpoint_trained_on_other_data_is_retrained(monkeypatch):
    spec = P.CourseSpec("resnet18", **TINY)
    P.course_backbone(spec)
    params, record_path = P.checkpoint_paths(spec)
    record = json.loads(record_path.read_text())
    from d2lnotes.data.cifar10 import describe_source

    assert record["data"] == describe_source()
    record["data"] = "20,000 training images from the pickle archive (data_batch_1, data_batch_2)"
    record_path.write_text(json.dumps(record))
    calls = []
    real = P.train_course_backbone
    monkeypatch.setattr(P, "train_course_backbone", lambda s, ctx=None: calls.append(s) or real(s, ctx))
    with pytest.warns(P.StaleCheckpointWarning, match="retrained"):
        P.course_backbone(spec)
    assert calls == [spec] and json.loads(record_path.read_text())["data"] == describe_source()
    P.course_backbone(spec)                  # now current: loaded, not trained again
    assert calls == [spec]
