"""The CamVid reader on the real mirror files."""
import numpy as onp
import pytest

from d2lnotes.data import camvid
from d2lnotes.vision.segmentation import color_to_label, label_to_color


@pytest.fixture(autouse=True)
def _cache(tmp_path, monkeypatch):
    monkeypatch.setenv("D2LNOTES_DATA", str(tmp_path / "cache"))
    camvid._read.cache_clear()
    yield
    camvid._read.cache_clear()


def test_split_sizes_and_names():
    assert [len(camvid.split_names(s)) for s in camvid.SPLITS] == [92, 26, 59]
    assert camvid.split_names("train")[0] == "0001TP_006690"
    with pytest.raises(ValueError):
        camvid.split_names("dev")


def test_read_shapes_values_and_resize():
    images, labels = camvid.read_camvid("val", n=3)
    assert images.shape == (3, 360, 480, 3) and images.dtype == onp.uint8
    assert labels.shape == (3, 360, 480) and labels.max() <= camvid.IGNORE_INDEX
    small_x, small_y = camvid.read_camvid("val", n=3, size=(90, 120))
    assert small_x.shape == (3, 90, 120, 3) and small_y.shape == (3, 90, 120)
    assert set(onp.unique(small_y)) <= set(onp.unique(labels))  # nearest neighbour invents no label
    with pytest.raises(ValueError):
        camvid.read_camvid("val", n=27)


def test_colormap_round_trip_on_real_labels():
    _, labels = camvid.read_camvid("test", n=2)
    onp.testing.assert_array_equal(color_to_label(label_to_color(labels, camvid.COLORMAP), camvid.COLORMAP), labels)
    assert len(camvid.COLORMAP) == len(camvid.CLASSES) == camvid.NUM_CLASSES + 1


def test_malformed_list_line_is_named(tmp_path, monkeypatch):
    from d2lnotes.data import hub

    bad = tmp_path / "test.txt"
    bad.write_text("/SegNet/CamVid/test/a.png /SegNet/CamVid/testannot/a.png\nnot a pair\n")
    monkeypatch.setattr(camvid, "fetch", lambda name, key: hub.Fetched(bad, None, "test"))
    with pytest.raises(ValueError, match="line 2"):
        camvid.split_names("test")
