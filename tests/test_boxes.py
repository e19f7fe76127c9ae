"""d2lnotes.vision.boxes against MXNet's detection operators, on random and real (raccoon) boxes, with the edge
cases: zero-area boxes, images with no box, boxes outside the image."""
import mxnet as mx
import numpy as onp
import pytest
from mxnet import np, npx

import d2lnotes  # noqa: F401  (NumPy interface)
from d2lnotes.vision import boxes as B

RNG = onp.random.default_rng(0)


def _labels(batch, m, rng=RNG, num_classes=3):
    xy = rng.uniform(0, 0.7, (batch, m, 2))
    wh = rng.uniform(0.05, 0.5, (batch, m, 2))
    cls = rng.integers(0, num_classes, (batch, m, 1))
    return np.array(onp.concatenate([cls, xy, onp.minimum(xy + wh, 1)], -1), dtype="float32")


def _targets_equal(anchors, labels, num_classes=3):
    ours = B.multibox_target(anchors, labels)
    cls_pred = np.zeros((labels.shape[0], num_classes + 1, anchors.shape[1]))
    theirs = npx.multibox_target(anchors, labels, cls_pred)
    for a, b in zip(ours, theirs):
        onp.testing.assert_allclose(a.asnumpy(), b.asnumpy(), atol=1e-5)
    return ours


def test_corner_center_roundtrip():
    boxes = np.array(RNG.uniform(0, 1, (7, 4)))
    center = B.box_corner_to_center(boxes)
    onp.testing.assert_allclose(B.box_center_to_corner(center).asnumpy(), boxes.asnumpy(), atol=1e-6)
    onp.testing.assert_allclose(B.box_corner_to_center(np.array([[0., 0., 4., 2.]])).asnumpy(), [[2, 1, 4, 2]])
    with pytest.raises(ValueError, match="4"):
        B.box_corner_to_center(np.zeros((3, 5)))


@pytest.mark.parametrize("shape,sizes,ratios", [((5, 7), [0.75, 0.5, 0.25], [1, 2, 0.5]), ((4, 4), [0.3], [1]),
                                                 ((3, 8), [0.2, 0.4], [1, 3])])
def test_multibox_prior_equals_operator(shape, sizes, ratios):
    X = np.zeros((1, 3) + shape)
    ours = B.multibox_prior(X, sizes, ratios)
    assert ours.shape == (1, shape[0] * shape[1] * (len(sizes) + len(ratios) - 1), 4)
    onp.testing.assert_allclose(ours.asnumpy(), npx.multibox_prior(X, sizes=sizes, ratios=ratios).asnumpy(),
                                atol=1e-6)


def test_multibox_prior_ratio_is_width_over_height_in_pixels():
    H, W = 6, 10
    a = B.multibox_prior(np.zeros((1, 1, H, W)), [0.5], [1, 2]).asnumpy()[0, :2]
    pixel_w, pixel_h = (a[:, 2] - a[:, 0]) * W, (a[:, 3] - a[:, 1]) * H
    onp.testing.assert_allclose(pixel_w / pixel_h, [1, 2], rtol=1e-5)
    with pytest.raises(ValueError):
        B.multibox_prior(np.zeros((1, 1, 2, 2)), [], [1])


def test_box_iou_equals_operator_and_handles_zero_area():
    a = np.array(RNG.uniform(0, 1, (6, 2)), dtype="float32")
    a = np.concatenate([a, a + np.array(RNG.uniform(0, 0.5, (6, 2)), dtype="float32")], axis=1)
    b = np.concatenate([a[:3], np.array([[0.2, 0.2, 0.2, 0.6], [0.3, 0.3, 0.3, 0.3]])])   # two zero-area boxes
    ours = B.box_iou(a, b).asnumpy()
    theirs = mx.nd.contrib.box_iou(a.as_nd_ndarray(), b.as_nd_ndarray(), format="corner").asnumpy()
    onp.testing.assert_allclose(ours, theirs, atol=1e-6)
    assert not onp.isnan(B.box_iou(b[3:], b[3:]).asnumpy()).any()
    assert (B.box_iou(b[3:], b[3:]).asnumpy() == 0).all()
    onp.testing.assert_allclose(B.box_iou(np.array([[0., 0, 2, 2]]), np.array([[1., 1, 3, 3]])).asnumpy(),
                                [[1 / 7]], rtol=1e-6)
    with pytest.raises(ValueError):
        B.box_iou(np.zeros((2, 3)), np.zeros((2, 4)))


@pytest.mark.parametrize("seed", range(4))
def test_multibox_target_equals_operator_on_random_boxes(seed):
    rng = onp.random.default_rng(seed)
    anchors = npx.multibox_prior(np.zeros((1, 3, 6, 5)), sizes=[0.6, 0.3], ratios=[1, 2, 0.5])
    labels = _labels(3, 4, rng)
    labels[2, 3, :] = -1                                  # padding row
    _, mask, cls = _targets_equal(anchors, labels)
    assert (cls.asnumpy() > 0).sum() >= 11              # every box has an anchor (greedy step)


def test_multibox_target_real_raccoon_boxes():
    from d2lnotes.data import raccoon

    ids = raccoon.image_ids()[:12]
    _, labels = raccoon.load_raccoon(ids, 64)
    padded = np.array(raccoon.pad_labels(labels))
    anchors = npx.multibox_prior(np.zeros((1, 3, 8, 8)), sizes=[0.75, 0.5, 0.25], ratios=[1, 2, 0.5])
    _, _, cls = _targets_equal(anchors, padded, num_classes=1)
    assert (cls.asnumpy() > 0).any(axis=1).all()


def test_multibox_target_zero_area_and_outside_boxes_are_background_not_nan():
    anchors = npx.multibox_prior(np.zeros((1, 3, 4, 4)), sizes=[0.5, 0.25], ratios=[1, 2])
    for box in ([0, 0.2, 0.2, 0.2, 0.5], [0, 1.2, 1.2, 1.5, 1.5]):
        offsets, mask, cls = _targets_equal(anchors, np.array([[box]]))
        assert not onp.isnan(offsets.asnumpy()).any()
        assert cls.asnumpy().max() == 0 and mask.asnumpy().max() == 0


def test_multibox_target_image_without_box_is_all_background():
    anchors = npx.multibox_prior(np.zeros((1, 3, 4, 4)), sizes=[0.5], ratios=[1])
    labels = -np.ones((2, 2, 5))
    labels[0, 0] = np.array([0, 0.1, 0.1, 0.6, 0.6])
    offsets, mask, cls = B.multibox_target(anchors, labels)
    assert cls[1].asnumpy().max() == 0 and mask[1].asnumpy().max() == 0 and offsets[1].asnumpy().max() == 0
    # the operator marks such anchors -1 ("ignore") instead; on the image with a box both agree
    theirs = npx.multibox_target(anchors, labels, np.zeros((2, 2, 16)))
    assert (theirs[2][1].asnumpy() == -1).all()
    onp.testing.assert_allclose(cls[0].asnumpy(), theirs[2][0].asnumpy())


def test_offsets_roundtrip_and_zero_area_error():
    anchors = np.array([[0.1, 0.1, 0.5, 0.6], [0.3, 0.2, 0.9, 0.8]])
    boxes = np.array([[0.15, 0.05, 0.55, 0.5], [0.2, 0.3, 0.7, 0.9]])
    off = B.offset_boxes(anchors, boxes)
    onp.testing.assert_allclose(B.offset_inverse(anchors, off).asnumpy(), boxes.asnumpy(), atol=1e-6)
    # divided by the variances: a box shifted by 10% of the anchor's width has offset 1
    shifted = anchors + np.array([0.04, 0, 0.04, 0])
    onp.testing.assert_allclose(B.offset_boxes(anchors[:1], shifted[:1]).asnumpy(), [[1, 0, 0, 0]], atol=1e-5)
    with pytest.raises(ValueError, match="positive width"):
        B.offset_boxes(anchors, np.array([[0.2, 0.2, 0.2, 0.4], [0.1, 0.1, 0.3, 0.3]]))


def test_assign_no_box():
    anchors = np.array([[0.0, 0, 1, 1]])
    assert B.assign_anchor_to_bbox(np.zeros((0, 4)), anchors).asnumpy().tolist() == [-1]


@pytest.mark.parametrize("seed", range(3))
def test_nms_and_detection_equal_operators(seed):
    rng = onp.random.default_rng(seed)
    anchors = npx.multibox_prior(np.zeros((1, 3, 6, 6)), sizes=[0.6, 0.3], ratios=[1, 2, 0.5])
    n = anchors.shape[1]
    probs = npx.softmax(np.array(rng.normal(0, 2, (2, 3, n)), dtype="float32"), axis=1)
    offsets = np.array(rng.normal(0, 1, (2, 4 * n)), dtype="float32")
    ours = B.multibox_detection(probs, offsets, anchors, nms_threshold=0.5)
    theirs = npx.multibox_detection(probs, offsets, anchors, nms_threshold=0.5, threshold=0.01)
    for o, t in zip(ours.asnumpy(), theirs.asnumpy()):
        onp.testing.assert_allclose(o[o[:, 0] >= 0], t[t[:, 0] >= 0], atol=1e-5)
    data = np.concatenate([np.zeros((n, 1)), probs[0, 1][:, None],
                           np.clip(B.offset_inverse(anchors[0], offsets[0].reshape(-1, 4)), 0, 1)], axis=1)
    keep = B.nms(data[:, 2:], data[:, 1], 0.5)
    kept = mx.nd.contrib.box_nms(data.as_nd_ndarray(), overlap_thresh=0.5, valid_thresh=0, topk=-1,
                                 coord_start=2, score_index=1, id_index=-1).asnumpy()
    onp.testing.assert_allclose(data.asnumpy()[keep], kept[kept[:, 1] >= 0], atol=1e-6)


def test_nms_rejects_nan_and_keeps_equal_iou():
    boxes = np.array([[0.0, 0, 1, 1], [0.0, 0, 1, 1]])
    with pytest.raises(ValueError, match="NaN"):
        B.nms(boxes, np.array([0.5, onp.nan]), 0.5)
    assert B.nms(boxes, np.array([0.4, 0.9]), 1.0) == [1, 0]
    assert B.nms(boxes, np.array([0.4, 0.9]), 0.5) == [1]
    assert B.nms(np.zeros((0, 4)), np.zeros((0,)), 0.5) == []
