"""Mode switch, seeding, devices, directories."""
import mxnet as mx
import numpy as np
import pytest

from d2lnotes import config


@pytest.mark.parametrize("env, ci, smoke", [
    (None, None, False), (None, "true", True), ("1", None, True), ("0", "true", False), ("yes", None, True),
])
def test_smoke_switch(monkeypatch, env, ci, smoke):
    for name, value in (("D2LNOTES_SMOKE", env), ("CI", ci)):
        if value is None:
            monkeypatch.delenv(name, raising=False)
        else:
            monkeypatch.setenv(name, value)
    assert config.is_smoke() is smoke
    assert config.by_mode(smoke="s", full="f") == ("s" if smoke else "f")


def test_bad_smoke_value_is_an_error(monkeypatch):
    monkeypatch.setenv("D2LNOTES_SMOKE", "maybe")
    with pytest.raises(ValueError, match="D2LNOTES_SMOKE"):
        config.is_smoke()


def test_seeding_repeats_python_numpy_and_mxnet():
    def draw():
        import random
        return random.random(), np.random.rand(), float(mx.np.random.uniform())
    config.seed_everything(7)
    first = draw()
    config.seed_everything(7)
    assert draw() == first


def test_devices_fall_back_to_cpu():
    assert config.try_gpu(config.num_gpus()) == mx.cpu()
    assert config.try_all_gpus()[0] in ([mx.cpu()] + [mx.gpu(i) for i in range(config.num_gpus())])


def test_data_dir_follows_the_variable(monkeypatch, tmp_path):
    monkeypatch.setenv("D2LNOTES_DATA", str(tmp_path / "d"))
    assert config.data_dir() == tmp_path / "d" and (tmp_path / "d").is_dir()
