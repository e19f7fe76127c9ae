"""Self-checked exercises of chapter 6, part 1: object detection (book/06_vision_apps/01-04).

Keys are ``"<notebook stem>.<exercise number>"``; the solutions compute their answers, so nothing is printed in a
notebook.
"""
from __future__ import annotations

import numpy as onp

from . import Exercise, register


# ------------------------------------------------------------------------------------------ 01_anchor_boxes

def _offsets(variances=(0.1, 0.1, 0.2, 0.2)):
    anchor, box = onp.array([0.2, 0.2, 0.6, 0.8]), onp.array([0.25, 0.1, 0.75, 0.9])
    center = lambda b: onp.array([(b[0] + b[2]) / 2, (b[1] + b[3]) / 2, b[2] - b[0], b[3] - b[1]])  # noqa: E731
    a, b = center(anchor), center(box)
    return onp.concatenate([(b[:2] - a[:2]) / a[2:], onp.log(b[2:] / a[2:])]) / onp.array(variances)


# ------------------------------------------------------------------------------------------ 02_nms_prediction

def _nms_inputs():
    """Random boxes, and clusters of boxes around a few centres (so that several kept boxes suppress)."""
    rng = onp.random.default_rng(3)
    cases = []
    for n, clusters in ((1, 0), (8, 0), (12, 3), (20, 4)):
        if clusters:
            centres = rng.uniform(0, 200, (clusters, 2))[rng.integers(0, clusters, n)]
            xy = centres + rng.normal(0, 3, (n, 2))
        else:
            xy = rng.uniform(0, 60, (n, 2))
        boxes = onp.concatenate([xy, xy + rng.uniform(20, 30, (n, 2))], axis=1)
        cases.append((boxes, rng.permutation(n) / n + 0.01, 0.5))
    return cases


def _iou(a, b):
    tl, br = onp.maximum(a[:2], b[:2]), onp.minimum(a[2:], b[2:])
    inter = onp.prod(onp.clip(br - tl, 0, None))
    union = onp.prod(a[2:] - a[:2]) + onp.prod(b[2:] - b[:2]) - inter
    return inter / union if union > 0 else 0.0


def _nms(boxes, scores, iou_threshold):
    order, keep = list(onp.argsort(-onp.asarray(scores), kind="stable")), []
    while order:
        i = order.pop(0)
        keep.append(int(i))
        order = [j for j in order if _iou(boxes[i], boxes[j]) <= iou_threshold]
    return keep


def _nms_without_removal(boxes, scores, iou_threshold):
    """Typical mistake: compares every box with the best box only, instead of with every kept box."""
    order = list(onp.argsort(-onp.asarray(scores), kind="stable"))
    best = order[0]
    return [int(best)] + [int(j) for j in order[1:] if _iou(boxes[best], boxes[j]) <= iou_threshold]


def _kept_at_zero_threshold():
    """Boxes kept by NMS with threshold 0 among three: two overlapping, one apart."""
    boxes = onp.array([[0, 0, 10, 10], [5, 5, 15, 15], [20, 20, 30, 30]], dtype=float)
    return len(_nms(boxes, onp.array([0.9, 0.8, 0.7]), 0.0))


# ---------------------------------------------------------------------------------------------------- 03_ssd

def _num_anchors_tiny_ssd(side=256, boxes_per_pixel=4):
    sides = [side // 8, side // 16, side // 32, side // 64, 1]
    return sum(s * s for s in sides) * boxes_per_pixel


def _precision_recall():
    """Detections (by score) TP, FP, TP, FP, TP against 4 ground-truth boxes: AP with 101-point interpolation."""
    tp = onp.array([1, 0, 1, 0, 1], bool)
    tps, fps = onp.cumsum(tp), onp.cumsum(~tp)
    recall, precision = tps / 4, tps / (tps + fps)
    precision = onp.maximum.accumulate(precision[::-1])[::-1]
    idx = onp.searchsorted(recall, onp.linspace(0, 1, 101), side="left")
    return float(onp.mean([precision[i] if i < len(precision) else 0 for i in idx]))


# ---------------------------------------------------------------------------------------------- 04_region_cnns

def _roi_pool_example():
    """RoI max pooling of a 4x5 map (values 0..19) over the RoI x 0..3, y 0..2 (inclusive) into 2x2."""
    X = onp.arange(20, dtype=float).reshape(4, 5)
    region = X[0:3, 0:4]                     # 3 rows, 4 columns
    rows, cols = [(0, 2), (1, 3)], [(0, 2), (2, 4)]   # floor / ceil bin edges of 3/2 and 4/2
    return onp.array([[region[r0:r1, c0:c1].max() for c0, c1 in cols] for r0, r1 in rows])


register(
    Exercise("01_anchor_boxes.1", "Anchors of multibox_prior on a 32x48 map with 3 sizes and 3 ratios.",
             solution=lambda: 32 * 48 * (3 + 3 - 1), wrong=32 * 48 * 9,
             hint="Only the pairs that contain the first size or the first ratio are used: count them per pixel."),
    Exercise("01_anchor_boxes.2", "Offsets of the box (0.25, 0.1, 0.75, 0.9) to the anchor (0.2, 0.2, 0.6, 0.8).",
             solution=_offsets, wrong=_offsets((1.0, 1.0, 1.0, 1.0)),
             hint="Work in centre form; shifts are in anchor widths and heights, sizes as logarithms, and all four "
                  "are divided by the variances."),
    Exercise("02_nms_prediction.1", "Non-maximum suppression from scratch: kept indices by decreasing score.",
             solution=_nms, wrong=_nms_without_removal, kind="function", inputs=_nms_inputs,
             hint="After keeping a box, remove the boxes that overlap it too much from the list still to visit, "
                  "then keep the best of what is left: every kept box suppresses its own neighbours."),
    Exercise("02_nms_prediction.2", "Boxes kept among [0,0,10,10], [5,5,15,15], [20,20,30,30] at IoU threshold 0.",
             solution=_kept_at_zero_threshold, wrong=3,
             hint="With threshold 0 a box is removed as soon as it overlaps a kept box at all."),
    Exercise("03_ssd.1", "Number of anchors of TinySSD on a 256x256 input with 4 anchors per pixel.",
             solution=_num_anchors_tiny_ssd, wrong=(32 * 32 + 16 * 16 + 8 * 8 + 4 * 4 + 1) * 9,
             hint="The base network halves the side three times; then each block halves it once more, and the last "
                  "scale is a global pooling to 1x1. Count the anchors per pixel with the n + m - 1 rule."),
    Exercise("03_ssd.2", "AP (101-point) of detections TP, FP, TP, FP, TP with 4 ground-truth boxes.",
             solution=_precision_recall, wrong=(1 + 2 / 3 + 3 / 5) / 4,
             hint="Make precision non-increasing from the right, then read it at recall 0, 0.01, ..., 1; recall "
                  "levels above the last one reached count as 0."),
    Exercise("04_region_cnns.1", "RoI max pooling of arange(20).reshape(4, 5) over x 0..3, y 0..2 into 2x2.",
             solution=_roi_pool_example, wrong=onp.array([[1.0, 3], [11, 13]]),  # rows {0}, {1, 2}
             hint="Bin i of a side of length L covers floor(i L / 2) to ceil((i + 1) L / 2); with an odd length "
                  "neighbouring bins share a row."),
    Exercise("04_region_cnns.2", "Output shape of RoI pooling of 128 RoIs on a (2, 256, 38, 50) map into 7x7.",
             solution=lambda: (128, 256, 7, 7), wrong=(2, 256, 7, 7),
             hint="One output per RoI, whatever image it comes from; the channels are kept."),
)
