"""Mode switch, seeding, devices, directories."""
import mxnet as mx
import numpy as np
import pytest

from d2lnotes import config


@pytest.fixture
def clean_env(monkeypatch):
    for name in ("D2LNOTES_SMOKE", "D2LNOTES_BUDGET", "CI"):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


@pytest.mark.parametrize("budget_var, smoke_var, ci, expected", [
    (None, None, None, "machine"), (None, None, "true", "smoke"), (None, "1", None, "smoke"),
    (None, "0", "true", "machine"), (None, "yes", None, "smoke"), ("cpu", None, "true", "cpu"),
    ("full", None, None, "full"), ("smoke", "1", None, "smoke"), ("CPU", "0", None, "cpu"),
])
def test_budget_switch(clean_env, budget_var, smoke_var, ci, expected):
    for name, value in (("D2LNOTES_BUDGET", budget_var), ("D2LNOTES_SMOKE", smoke_var), ("CI", ci)):
        if value is not None:
            clean_env.setenv(name, value)
    if expected == "machine":  # this machine has no GPU; a GPU machine defaults to full
        expected = "full" if config.num_gpus() else "cpu"
    assert config.budget() == expected
    assert config.is_smoke() is (expected == "smoke")
    assert config.by_mode(smoke="s", cpu="c", full="f") == expected[0]
    assert config.by_mode(smoke="s", full="f") == ("s" if expected == "smoke" else "f")  # cpu defaults to full


@pytest.mark.parametrize("budget_var, smoke_var, match", [
    ("laptop", None, "D2LNOTES_BUDGET"), (None, "maybe", "D2LNOTES_SMOKE"), ("full", "1", "contradicts"),
    ("smoke", "0", "contradicts"),
])
def test_bad_budget_settings_are_errors(clean_env, budget_var, smoke_var, match):
    for name, value in (("D2LNOTES_BUDGET", budget_var), ("D2LNOTES_SMOKE", smoke_var)):
        if value is not None:
            clean_env.setenv(name, value)
    with pytest.raises(ValueError, match=match):
        config.budget()


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
