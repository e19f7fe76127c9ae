"""Single-shot multibox detection (SSD): the model, its loss, box-aware augmentation and COCO-style evaluation.

- :class:`TinySSD`: d2l's small SSD (a 3-block base network, then down-sampling blocks and global pooling: five
  feature maps, each with a class head of a(q+1) channels and a box head of 4a channels, 3x3 convolutions).
- :func:`ssd_loss`: softmax cross-entropy on the anchors' classes (with hard negative mining) plus the masked L1
  loss on their offsets.
- :func:`augment_batch`: random crop and horizontal flip that move the boxes with the image;
  :class:`DetectionLoader` serves augmented minibatches, :func:`detect` runs a trained detector.
- :func:`average_precision`: AP over IoU thresholds exactly as ``pycocotools.cocoeval`` computes it (101-point
  interpolation, greedy matching by score, at most 100 detections per image); :func:`coco_average_precision`
  asks pycocotools itself.

Sources: Liu et al., SSD: Single Shot MultiBox Detector, ECCV 2016; d2l (MXNet edition) Sec. 14.7 "Single Shot
Multibox Detection"; Lin et al., Microsoft COCO, ECCV 2014 and the ``cocoeval.py`` of pycocotools.
Taught in book/06_vision_apps/03_ssd.ipynb.
"""
from __future__ import annotations

import contextlib
import io

import numpy as onp
from mxnet import gluon, np, npx
from mxnet.gluon import nn

from ..data.sampling import BatchLoader
from .boxes import multibox_prior

# ------------------------------------------------------------------------------------------------------ model


def cls_predictor(num_anchors: int, num_classes: int) -> nn.Conv2D:
    """3x3 convolution predicting ``num_anchors * (num_classes + 1)`` class scores at every pixel."""
    return nn.Conv2D(num_anchors * (num_classes + 1), kernel_size=3, padding=1)


def bbox_predictor(num_anchors: int) -> nn.Conv2D:
    """3x3 convolution predicting ``4 * num_anchors`` offsets at every pixel."""
    return nn.Conv2D(num_anchors * 4, kernel_size=3, padding=1)


def flatten_pred(pred):
    """``(batch, c, h, w)`` to ``(batch, h * w * c)``, channels last so one pixel's predictions are contiguous."""
    return npx.batch_flatten(np.transpose(pred, (0, 2, 3, 1)))


def concat_preds(preds):
    """Flattened predictions of several scales side by side: ``(batch, sum of h * w * c)``."""
    return np.concatenate([flatten_pred(p) for p in preds], axis=1)


def down_sample_blk(num_channels: int) -> nn.HybridSequential:
    """Two (3x3 conv, batch norm, ReLU) then 2x2 max pooling: halves height and width."""
    blk = nn.HybridSequential()
    for _ in range(2):
        blk.add(nn.Conv2D(num_channels, kernel_size=3, padding=1), nn.BatchNorm(in_channels=num_channels),
                nn.Activation("relu"))
    blk.add(nn.MaxPool2D(2))
    return blk


def base_net(channels=(16, 32, 64)) -> nn.HybridSequential:
    """Down-sampling blocks with the given widths: an input of side s becomes ``s / 2**len(channels)``."""
    blk = nn.HybridSequential()
    for c in channels:
        blk.add(down_sample_blk(c))
    return blk


class TinySSD(nn.Block):
    """A small SSD with five scales.

    Args:
        num_classes: object classes q (the background is added).
        sizes: five lists of anchor sizes (fractions of the image), one per scale, small to large.
        ratios: the width/height ratios, the same at every scale.
        width: channels of the scales after the base network (d2l: 128).
        base_channels: widths of the base network's blocks (d2l: 16, 32, 64).
    Input ``(batch, 3, s, s)``; feature maps of sides s/8, s/16, s/32, s/64 and 1.

    ``forward(X)`` returns ``(anchors (1, n, 4), cls_preds (batch, n, q + 1), bbox_preds (batch, 4n))`` where
    ``n = sum over scales of h * w * (len(sizes[i]) + len(ratios) - 1)``.
    Taught in book/06_vision_apps/03_ssd.ipynb (d2l Sec. 14.7).
    """

    def __init__(self, num_classes: int, sizes, ratios, width: int = 128, base_channels=(16, 32, 64), **kwargs):
        super().__init__(**kwargs)
        if len(sizes) != 5:
            raise ValueError(f"TinySSD has five scales: give five lists of sizes, got {len(sizes)}")
        self.num_classes, self.sizes, self.ratios = num_classes, [list(s) for s in sizes], list(ratios)
        self.blks, self.cls_heads, self.bbox_heads = [], [], []
        for i in range(5):
            if i == 0:
                blk = base_net(base_channels)
            elif i == 4:
                blk = nn.GlobalMaxPool2D()
            else:
                blk = down_sample_blk(width)
            a = len(self.sizes[i]) + len(self.ratios) - 1
            for name, block in ((f"blk_{i}", blk), (f"cls_{i}", cls_predictor(a, num_classes)),
                                (f"bbox_{i}", bbox_predictor(a))):
                setattr(self, name, block)
            self.blks.append(blk)
            self.cls_heads.append(getattr(self, f"cls_{i}"))
            self.bbox_heads.append(getattr(self, f"bbox_{i}"))

    def forward(self, X):
        anchors, cls_preds, bbox_preds = [], [], []
        for blk, cls_head, bbox_head, size in zip(self.blks, self.cls_heads, self.bbox_heads, self.sizes):
            X = blk(X)
            anchors.append(multibox_prior(X, sizes=size, ratios=self.ratios))
            cls_preds.append(cls_head(X))
            bbox_preds.append(bbox_head(X))
        anchors = np.concatenate(anchors, axis=1)
        cls_preds = concat_preds(cls_preds).reshape(cls_preds[0].shape[0], -1, self.num_classes + 1)
        return anchors, cls_preds, concat_preds(bbox_preds)


_ce = gluon.loss.SoftmaxCrossEntropyLoss()


def ssd_loss(cls_preds, cls_labels, bbox_preds, bbox_labels, bbox_masks, neg_ratio: float = 3.0):
    """Per-image SSD loss: softmax cross-entropy on the anchors' classes + masked L1 on their offsets.

    As in the SSD paper, the cross-entropy is summed over the positive anchors (assigned a box) and the
    ``neg_ratio`` times as many background anchors with the largest loss (hard negative mining); the L1 loss
    is summed over the positive anchors' offsets (not squared, so that a badly placed anchor does not dominate
    the gradient); both are divided by the number of positive anchors (at least 1). ``neg_ratio=None`` gives
    d2l's plain version: the mean cross-entropy over all anchors plus the mean masked L1.

    Args:
        cls_preds ``(batch, n, q + 1)`` scores; cls_labels ``(batch, n)`` (0 background);
        bbox_preds, bbox_labels, bbox_masks ``(batch, 4n)``.
    Returns:
        ``(batch,)`` losses.
    Taught in book/06_vision_apps/03_ssd.ipynb.
    """
    batch_size, num_classes = cls_preds.shape[0], cls_preds.shape[2]
    ce = _ce(cls_preds.reshape(-1, num_classes), cls_labels.reshape(-1)).reshape(batch_size, -1)
    l1 = np.abs((bbox_preds - bbox_labels) * bbox_masks)
    if neg_ratio is None:
        return ce.mean(axis=1) + l1.mean(axis=1)
    pos = (cls_labels > 0).astype(ce.dtype)
    num_pos = pos.sum(axis=1)
    neg_loss = np.where(pos > 0, -np.ones_like(ce), ce.detach())
    rank = np.argsort(np.argsort(-neg_loss, axis=1), axis=1).astype(ce.dtype)
    hard_neg = (rank < (neg_ratio * num_pos)[:, None]).astype(ce.dtype) * (1 - pos)
    return ((ce * (pos + hard_neg)).sum(axis=1) + l1.sum(axis=1)) / np.maximum(num_pos, 1)


# ------------------------------------------------------------------------------------------------ augmentation


def augment_batch(images: onp.ndarray, labels: list[onp.ndarray], rng: onp.random.Generator,
                  min_scale: float = 0.6, crop_prob: float = 1.0, flip: bool = True,
                  color: float = 0.0) -> tuple[onp.ndarray, list[onp.ndarray]]:
    """Random crop (then resize back), horizontal flip and colour jitter, moving the boxes with the image.

    Each image is cropped (with probability ``crop_prob``) to a random window whose sides are ``min_scale`` to 1
    of the image's (independently), then resized back to its size. A box is kept, clipped to the window, when its
    centre lies in the window; if no box would be left, the image is not cropped. Then it is flipped left-right with probability 1/2
    (``x -> 1 - x``). With ``color > 0`` brightness, contrast and saturation are each scaled by a random factor
    in ``[1 - color, 1 + color]`` (boxes unchanged).

    Args:
        images: ``(n, s, s, 3)`` uint8; labels: per image ``(k, 5)`` rows ``(class, xmin, ymin, xmax, ymax)``
            normalised; rng: the generator (seeded by the caller).
    Returns:
        New ``(images, labels)``; the inputs are not modified.
    Taught in book/06_vision_apps/03_ssd.ipynb.
    """
    from PIL import Image

    out_images, out_labels = onp.empty_like(images), []
    size = images.shape[1:3]
    for img, lab in zip(images, labels):
        lab = lab.copy()
        sw, sh = rng.uniform(min_scale, 1, size=2)
        x0, y0 = rng.uniform(0, 1 - sw), rng.uniform(0, 1 - sh)
        cx, cy = (lab[:, 1] + lab[:, 3]) / 2, (lab[:, 2] + lab[:, 4]) / 2
        inside = (cx > x0) & (cx < x0 + sw) & (cy > y0) & (cy < y0 + sh)
        if rng.random() < crop_prob and inside.any():
            lab = lab[inside]
            lab[:, [1, 3]] = onp.clip((lab[:, [1, 3]] - x0) / sw, 0, 1)
            lab[:, [2, 4]] = onp.clip((lab[:, [2, 4]] - y0) / sh, 0, 1)
            h, w = size
            box = (int(round(x0 * w)), int(round(y0 * h)), int(round((x0 + sw) * w)), int(round((y0 + sh) * h)))
            img = onp.asarray(Image.fromarray(img).crop(box).resize((w, h), Image.BILINEAR))
        if flip and rng.random() < 0.5:
            img = img[:, ::-1]
            lab[:, [1, 3]] = 1 - lab[:, [3, 1]]
        if color > 0:
            b, c, s = rng.uniform(1 - color, 1 + color, size=3)
            x = img.astype(onp.float32) * b
            x = (x - x.mean()) * c + x.mean()
            gray = x.mean(axis=2, keepdims=True)
            img = onp.clip((x - gray) * s + gray, 0, 255).astype(onp.uint8)
        out_images[len(out_labels)] = img
        out_labels.append(lab)
    return out_images, out_labels


IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)


def to_input(images: onp.ndarray, ctx=None):
    """uint8 images ``(n, s, s, 3)`` to the network's input ``(n, 3, s, s)`` float32, scaled to [0, 1] and
    standardised per channel with the usual ImageNet mean and std."""
    x = (images.astype(onp.float32) / 255 - onp.array(IMAGENET_MEAN, onp.float32)) / onp.array(IMAGENET_STD,
                                                                                             onp.float32)
    return np.array(x.transpose(0, 3, 1, 2), ctx=ctx)


class DetectionLoader(BatchLoader):
    """Minibatches ``(X (b, 3, s, s) float32, Y (b, k, 5) labels padded with -1 rows)`` from images in memory.

    Each pass draws a new order from the loader's own seeded generator (when ``shuffle``) and, when ``augment``,
    applies :func:`augment_batch` (crop, flip, colour jitter) to every batch. The last, smaller batch is kept.

    Args:
        images: ``(n, s, s, 3)`` uint8; labels: per image ``(k_i, 5)`` normalised rows.
        batch_size, shuffle, seed: as usual; augment: ``None`` or keyword arguments of :func:`augment_batch`
            (e.g. ``{"min_scale": 0.7, "color": 0.2}``); ctx: the device of the batches.
    Taught in book/06_vision_apps/03_ssd.ipynb.
    """

    def __init__(self, images, labels, batch_size: int, shuffle: bool = True, seed: int = 0,
                 augment: dict | None = None, ctx=None):
        if len(images) != len(labels) or len(images) == 0:
            raise ValueError(f"{len(images)} images and {len(labels)} labels: need the same, positive number")
        super().__init__(len(images), batch_size, shuffle, seed)
        self.images, self.labels, self.augment, self.ctx = images, labels, augment, ctx
        self.num_rows = max(len(l) for l in labels)

    def collate(self, idx: onp.ndarray):
        from ..data.raccoon import pad_labels

        images, labels = self.images[idx], [self.labels[j] for j in idx]
        if self.augment is not None:
            images, labels = augment_batch(images, labels, self.rng, **self.augment)
        return to_input(images, self.ctx), np.array(pad_labels(labels, self.num_rows), ctx=self.ctx)


def detect(net, images: onp.ndarray, batch_size: int = 32, nms_threshold: float = 0.45,
           pos_threshold: float = 0.01, max_dets: int = 100, ctx=None) -> list[onp.ndarray]:
    """Run a detector returning ``(anchors, cls_preds, bbox_preds)`` (e.g. :class:`TinySSD`) on uint8 images.

    Returns:
        per image a NumPy array ``(d, 6)`` of kept rows ``(class, score, xmin, ymin, xmax, ymax)``, normalised
        coordinates, by decreasing score, at most ``max_dets``.
    """
    out = []
    for i in range(0, len(images), batch_size):
        anchors, cls_preds, bbox_preds = net(to_input(images[i:i + batch_size], ctx))
        probs = npx.softmax(cls_preds, axis=-1).transpose(0, 2, 1)
        rows = npx.multibox_detection(probs, bbox_preds, anchors, nms_threshold=nms_threshold,
                                      threshold=pos_threshold).asnumpy()
        for r in rows:
            r = r[r[:, 0] >= 0]
            out.append(r[onp.argsort(-r[:, 1], kind="stable")][:max_dets])
    return out


# -------------------------------------------------------------------------------------------------- evaluation

IOU_THRESHOLDS = onp.linspace(0.5, 0.95, 10)
RECALL_THRESHOLDS = onp.linspace(0, 1, 101)


def _iou_matrix(dt: onp.ndarray, gt: onp.ndarray) -> onp.ndarray:
    """IoU ``(len(dt), len(gt))`` of corner boxes, in float64 as pycocotools computes it."""
    tl = onp.maximum(dt[:, None, :2], gt[None, :, :2])
    br = onp.minimum(dt[:, None, 2:], gt[None, :, 2:])
    inter = onp.prod(onp.clip(br - tl, 0, None), axis=2)
    area = lambda b: (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])  # noqa: E731
    union = area(dt)[:, None] + area(gt)[None, :] - inter
    return onp.where(union > 0, inter / onp.where(union > 0, union, 1), 0)


def average_precision(detections, ground_truth, iou_thresholds=IOU_THRESHOLDS, max_dets: int = 100) -> onp.ndarray:
    """Average precision of one class at each IoU threshold, as pycocotools' ``COCOeval`` (area "all").

    Per image, detections are sorted by score (ties keep their order) and cut to ``max_dets``; each, in that
    order, is matched to the not yet matched ground-truth box it overlaps most, if that IoU is at least the
    threshold (a true positive), else it is a false positive. Over all images (in the given order) the
    detections are sorted by score, precision and recall accumulated, precision made non-increasing from the
    right, and read at the 101 recall levels 0, 0.01, ..., 1 (0 where the recall is never reached); AP is
    their mean.

    Args:
        detections: per image ``(d_i, 5)`` rows ``(score, xmin, ymin, xmax, ymax)``.
        ground_truth: per image ``(g_i, 4)`` corner boxes, same units.
        iou_thresholds: e.g. ``[0.5]`` for AP@0.5; the default gives AP@[0.5:0.95] by averaging.
    Returns:
        ``(len(iou_thresholds),)`` APs; NaN only if there is no ground-truth box at all (as pycocotools' -1).
    Raises:
        ValueError: different numbers of images, or a detection score that is NaN.
    Taught in book/06_vision_apps/03_ssd.ipynb.
    """
    if len(detections) != len(ground_truth):
        raise ValueError(f"{len(detections)} images of detections, {len(ground_truth)} of ground truth")
    thresholds = onp.asarray(iou_thresholds, dtype=onp.float64)
    num_gt = sum(len(g) for g in ground_truth)
    scores, matched = [], []
    for dt, gt in zip(detections, ground_truth):
        dt, gt = onp.asarray(dt, dtype=onp.float64).reshape(-1, 5), onp.asarray(gt, onp.float64).reshape(-1, 4)
        if onp.isnan(dt[:, 0]).any():
            raise ValueError("a detection score is NaN")
        dt = dt[onp.argsort(-dt[:, 0], kind="mergesort")][:max_dets]
        ious = _iou_matrix(dt[:, 1:], gt) if len(gt) else onp.zeros((len(dt), 0))
        tp = onp.zeros((len(thresholds), len(dt)), dtype=bool)
        for t, thr in enumerate(thresholds):
            taken = onp.zeros(len(gt), dtype=bool)
            for d in range(len(dt)):
                best, m = min(thr, 1 - 1e-10), -1
                for g in range(len(gt)):
                    if taken[g] or ious[d, g] < best:
                        continue
                    best, m = ious[d, g], g
                if m >= 0:
                    taken[m], tp[t, d] = True, True
        scores.append(dt[:, 0])
        matched.append(tp)
    if num_gt == 0:
        return onp.full(len(thresholds), onp.nan)
    scores = onp.concatenate(scores)
    matched = onp.concatenate(matched, axis=1)
    order = onp.argsort(-scores, kind="mergesort")
    aps = []
    for tp in matched[:, order]:
        tps, fps = onp.cumsum(tp).astype(float), onp.cumsum(~tp).astype(float)
        recall = tps / num_gt
        precision = tps / (tps + fps + onp.spacing(1))
        precision = onp.maximum.accumulate(precision[::-1])[::-1] if len(precision) else precision
        idx = onp.searchsorted(recall, RECALL_THRESHOLDS, side="left")
        q = onp.array([precision[i] if i < len(precision) else 0.0 for i in idx])
        aps.append(q.mean())
    return onp.array(aps)


def coco_average_precision(detections, ground_truth, image_sizes, class_name: str = "object") -> dict[str, float]:
    """AP@[0.5:0.95] and AP@0.5 computed by pycocotools (``COCOeval``, iouType "bbox"), its printout silenced.

    Args:
        detections: per image ``(d_i, 5)`` rows ``(score, xmin, ymin, xmax, ymax)`` in pixels.
        ground_truth: per image ``(g_i, 4)`` corner boxes in pixels.
        image_sizes: per image ``(width, height)``.
    Returns:
        ``{"AP": AP@[0.5:0.95], "AP50": AP@0.5}``.
    """
    from pycocotools.coco import COCO
    from pycocotools.cocoeval import COCOeval

    images, annotations, results = [], [], []
    for i, ((w, h), gt, dt) in enumerate(zip(image_sizes, ground_truth, detections), start=1):
        images.append({"id": i, "width": int(w), "height": int(h)})
        for x1, y1, x2, y2 in onp.asarray(gt, dtype=float).reshape(-1, 4):
            annotations.append({"id": len(annotations) + 1, "image_id": i, "category_id": 1, "iscrowd": 0,
                                "bbox": [x1, y1, x2 - x1, y2 - y1], "area": (x2 - x1) * (y2 - y1)})
        for s, x1, y1, x2, y2 in onp.asarray(dt, dtype=float).reshape(-1, 5):
            results.append({"image_id": i, "category_id": 1, "score": s, "bbox": [x1, y1, x2 - x1, y2 - y1]})
    with contextlib.redirect_stdout(io.StringIO()):
        coco = COCO()
        coco.dataset = {"images": images, "annotations": annotations,
                        "categories": [{"id": 1, "name": class_name}]}
        coco.createIndex()
        coco_dt = coco.loadRes(results) if results else COCO()
        evaluator = COCOeval(coco, coco_dt, "bbox")
        evaluator.evaluate()
        evaluator.accumulate()
        evaluator.summarize()
    return {"AP": float(evaluator.stats[0]), "AP50": float(evaluator.stats[1])}
