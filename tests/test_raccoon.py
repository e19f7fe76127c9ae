"""The raccoon reader: strict VOC XML, the fixed split, resized loading; and the detection evaluation helpers
(our COCO-style AP against pycocotools, the SSD loss and the box-aware augmentation)."""
import numpy as onp
import pytest

from d2lnotes.data import raccoon
from d2lnotes.vision import detection

GOOD = """<annotation><filename>x.jpg</filename><size><width>100</width><height>80</height><depth>3</depth></size>
<object><name>raccoon</name><bndbox><xmin>10</xmin><ymin>5</ymin><xmax>60</xmax><ymax>70</ymax></bndbox></object>
</annotation>"""


def _write(tmp_path, text, name="a.xml"):
    path = tmp_path / name
    path.write_text(text)
    return path


def test_read_voc_xml(tmp_path):
    a = raccoon.read_voc_xml(_write(tmp_path, GOOD))
    assert (a.width, a.height) == (100, 80)
    onp.testing.assert_array_equal(a.boxes, [[10, 5, 60, 70]])
    assert a.classes.tolist() == [0]
    empty = raccoon.read_voc_xml(_write(tmp_path, GOOD.split("<object>")[0] + "</annotation>", "e.xml"))
    assert empty.boxes.shape == (0, 4)


@pytest.mark.parametrize("broken,message", [
    (GOOD.replace("</annotation>", ""), "not well-formed"),
    (GOOD.replace("<width>100</width>", ""), "width"),
    (GOOD.replace("<xmax>60</xmax>", "<xmax>ten</xmax>"), "not a number"),
    (GOOD.replace("<xmax>60</xmax>", "<xmax>10</xmax>"), "empty box"),
    (GOOD.replace("<ymax>70</ymax>", "<ymax>90</ymax>"), "outside"),
    (GOOD.replace("<name>raccoon</name>", "<name>cat</name>"), "class"),
    (GOOD.replace("<size>", "<sise>").replace("</size>", "</sise>"), "size"),
])
def test_malformed_xml_names_the_file(tmp_path, broken, message):
    path = _write(tmp_path, broken, "broken-7.xml")
    with pytest.raises(ValueError, match=message) as err:
        raccoon.read_voc_xml(path)
    assert "broken-7.xml" in str(err.value)


def test_every_annotation_reads_and_split_is_fixed():
    ids = raccoon.image_ids()
    assert len(ids) == 200
    assert sum(len(raccoon.annotation(i).boxes) for i in ids) == 217
    train, valid, test = raccoon.split_ids(32)
    assert (len(train), len(valid), len(test)) == (128, 32, 40)
    assert not set(train) & set(test) and not set(valid) & set(test) and not set(train) & set(valid)
    train0, valid0, test0 = raccoon.split_ids(0)
    assert test0 == test and sorted(train0) == sorted(train + valid) and valid0 == []
    for a, b in [("raccoon-52", "raccoon-74"), ("raccoon-65", "raccoon-98"), ("raccoon-11", "raccoon-116")]:
        assert (a in test) == (b in test)      # identical photographs stay on one side
    with pytest.raises(ValueError):
        raccoon.split_ids(200)


def test_load_raccoon_resized_and_pad():
    images, labels = raccoon.load_raccoon(["raccoon-12", "raccoon-1"], 48)
    assert images.shape == (2, 48, 48, 3) and images.dtype == onp.uint8
    a = raccoon.annotation("raccoon-12")
    onp.testing.assert_allclose(labels[0][:, 1:], a.boxes / [a.width, a.height, a.width, a.height], rtol=1e-6)
    padded = raccoon.pad_labels(labels + [onp.zeros((0, 5), onp.float32)])
    assert padded.shape == (3, 2, 5) and (padded[2] == -1).all() and (padded[1, 1] == -1).all()
    with pytest.raises(ValueError):
        raccoon.pad_labels(labels, num_rows=1)


def _random_detections(rng, num_images=12):
    gts, dets, sizes = [], [], []
    for _ in range(num_images):
        w, h = rng.integers(100, 400, 2)
        k = rng.integers(0, 3)
        xy = rng.uniform(0, 0.5, (k, 2)) * [w, h]
        gt = onp.concatenate([xy, xy + rng.uniform(0.2, 0.5, (k, 2)) * [w, h]], 1)
        d = rng.integers(0, 6)
        jitter = rng.normal(0, 15, (d, 4))
        base = gt[rng.integers(0, k, d)] if k else onp.tile([10.0, 10, 60, 60], (d, 1))
        boxes = base + jitter
        boxes[:, 2:] = onp.maximum(boxes[:, 2:], boxes[:, :2] + 1)
        scores = onp.round(rng.uniform(0, 1, (d, 1)), 1)           # ties on purpose
        gts.append(gt)
        dets.append(onp.concatenate([scores, boxes], 1))
        sizes.append((w, h))
    return dets, gts, sizes


@pytest.mark.parametrize("seed", range(4))
def test_average_precision_equals_pycocotools(seed):
    dets, gts, sizes = _random_detections(onp.random.default_rng(seed))
    ours = detection.average_precision(dets, gts)
    coco = detection.coco_average_precision(dets, gts, sizes)
    assert abs(ours.mean() - coco["AP"]) < 1e-9
    assert abs(detection.average_precision(dets, gts, [0.5])[0] - coco["AP50"]) < 1e-9


def test_average_precision_edge_cases():
    gt = [onp.array([[0.0, 0, 10, 10]])]
    assert detection.average_precision([onp.array([[0.9, 0, 0, 10, 10]])], gt, [0.5])[0] == pytest.approx(1.0)
    assert detection.average_precision([onp.zeros((0, 5))], gt, [0.5])[0] == 0
    assert onp.isnan(detection.average_precision([onp.zeros((0, 5))], [onp.zeros((0, 4))], [0.5])).all()
    with pytest.raises(ValueError, match="NaN"):
        detection.average_precision([onp.array([[onp.nan, 0, 0, 1, 1]])], gt)
    with pytest.raises(ValueError):
        detection.average_precision([], gt)


def test_augment_moves_boxes_with_the_image():
    rng = onp.random.default_rng(0)
    img = onp.zeros((1, 40, 40, 3), onp.uint8)
    img[0, 10:20, 4:12] = 255                                   # a white box at x 4..12, y 10..20
    lab = [onp.array([[0, 4 / 40, 10 / 40, 12 / 40, 20 / 40]], onp.float32)]
    for _ in range(10):
        out, labels = detection.augment_batch(img, lab, rng)
        x1, y1, x2, y2 = (labels[0][0, 1:] * 40).round().astype(int)
        patch = out[0, y1:y2, x1:x2, 0]
        assert patch.mean() > 150                                # the box still covers the white patch
        assert out[0, :, :, 0].astype(float).sum() < 255 * 1.3 * (x2 - x1 + 2) * (y2 - y1 + 2)
    assert lab[0][0, 1] == pytest.approx(0.1)                    # input unchanged


def test_ssd_loss_counts_positives():
    from mxnet import np

    import d2lnotes  # noqa: F401
    cls_preds = np.zeros((1, 4, 2))
    labels = np.array([[1.0, 0, 0, 0]])
    loss = detection.ssd_loss(cls_preds, labels, np.zeros((1, 16)), np.ones((1, 16)),
                              np.array([[1.0] * 4 + [0] * 12]))
    # one positive: CE log 2 on it and on the 3 hard negatives, L1 = 4, divided by 1
    assert float(loss[0]) == pytest.approx(4 * onp.log(2) + 4, rel=1e-5)
    plain = detection.ssd_loss(cls_preds, labels, np.zeros((1, 16)), np.ones((1, 16)),
                               np.array([[1.0] * 4 + [0] * 12]), neg_ratio=None)
    assert float(plain[0]) == pytest.approx(onp.log(2) + 4 / 16, rel=1e-5)


def test_detection_loader_and_detect():
    import mxnet as mx
    from mxnet import init

    import d2lnotes  # noqa: F401
    images, labels = raccoon.load_raccoon(raccoon.image_ids()[:5], 64)
    loader = detection.DetectionLoader(images, labels, 2, augment={"min_scale": 0.7, "color": 0.2})
    batches = list(loader)
    assert len(loader) == len(batches) == 3
    X, Y = batches[0]
    assert X.shape == (2, 3, 64, 64) and X.dtype == onp.float32 and Y.shape == (2, loader.num_rows, 5)
    assert abs(float(X.mean())) < 3
    net = detection.TinySSD(1, [[0.2, 0.3], [0.35, 0.45], [0.5, 0.6], [0.65, 0.75], [0.8, 0.95]], [1, 2, 0.5],
                            width=8, base_channels=(4, 8, 8))
    net.initialize(init.Xavier(), ctx=mx.cpu())
    rows = detection.detect(net, images, batch_size=2, max_dets=7)
    assert len(rows) == 5 and all(r.shape[1] == 6 and len(r) <= 7 for r in rows)
    assert all((onp.diff(r[:, 1]) <= 0).all() for r in rows)
    with pytest.raises(ValueError):
        detection.DetectionLoader(images, labels[:2], 2)
    with pytest.raises(ValueError, match="five"):
        detection.TinySSD(1, [[0.2]], [1])
