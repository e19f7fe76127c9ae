"""Bounding boxes and anchor boxes: conversion, IoU, anchors, labelling, offsets, non-maximum suppression.

The functions follow MXNet's detection operators (``npx.multibox_prior``, ``npx.multibox_target``,
``npx.box_nms``, ``npx.multibox_detection``) exactly, and the book checks them against those operators to 1e-5.
Coordinates are floats; "corner" boxes are ``(xmin, ymin, xmax, ymax)``, "center" boxes ``(cx, cy, w, h)``.
Anchors and labels are in *normalised* coordinates (fractions of the image width and height, 0..1) as MXNet's
operators expect; pixel boxes are divided by ``(width, height, width, height)`` first.

Everything here works on ``mxnet.np`` arrays (on any device) except :func:`nms`, which returns Python indices.

Source: d2l (MXNet edition) Sec. 14.3 "Object Detection and Bounding Boxes", 14.4 "Anchor Boxes"; Liu et al.,
SSD: Single Shot MultiBox Detector, ECCV 2016 (the variances). Taught in book/06_vision_apps/01_anchor_boxes.ipynb
(conversion, IoU, anchors, assignment, offsets, labels) and book/06_vision_apps/02_nms_prediction.ipynb
(NMS, prediction).
"""
from __future__ import annotations

from mxnet import np

VARIANCES = (0.1, 0.1, 0.2, 0.2)
"""The offsets' scales sigma_x, sigma_y, sigma_w, sigma_h (SSD's "variances"; the means mu are 0)."""


def _check_boxes(boxes, name: str = "boxes"):
    if boxes.ndim < 1 or boxes.shape[-1] != 4:
        raise ValueError(f"{name} must have shape (..., 4), got {boxes.shape}")


def box_corner_to_center(boxes):
    """Corner boxes ``(xmin, ymin, xmax, ymax)`` to center boxes ``(cx, cy, w, h)``.

    Args:
        boxes: ``(..., 4)``.
    Returns:
        ``(..., 4)``, same dtype and device.
    Raises:
        ValueError: the last axis is not 4.
    Taught in book/06_vision_apps/01_anchor_boxes.ipynb.
    """
    _check_boxes(boxes)
    x1, y1, x2, y2 = boxes[..., 0], boxes[..., 1], boxes[..., 2], boxes[..., 3]
    return np.stack(((x1 + x2) / 2, (y1 + y2) / 2, x2 - x1, y2 - y1), axis=-1)


def box_center_to_corner(boxes):
    """Center boxes ``(cx, cy, w, h)`` to corner boxes ``(xmin, ymin, xmax, ymax)``.

    Args:
        boxes: ``(..., 4)``.
    Returns:
        ``(..., 4)``.
    Raises:
        ValueError: the last axis is not 4.
    Taught in book/06_vision_apps/01_anchor_boxes.ipynb.
    """
    _check_boxes(boxes)
    cx, cy, w, h = boxes[..., 0], boxes[..., 1], boxes[..., 2], boxes[..., 3]
    return np.stack((cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2), axis=-1)


def box_area(boxes):
    """Areas ``(n,)`` of corner boxes ``(n, 4)``; a box with ``xmax < xmin`` or ``ymax < ymin`` has area 0."""
    _check_boxes(boxes)
    return np.maximum(boxes[:, 2] - boxes[:, 0], 0) * np.maximum(boxes[:, 3] - boxes[:, 1], 0)


def box_iou(boxes1, boxes2):
    """Intersection over union (Jaccard index) of every pair of corner boxes.

    IoU = area(A ∩ B) / area(A ∪ B). Two boxes whose union is empty (both of zero area) have IoU 0, not NaN;
    a zero-area box has IoU 0 with every box.

    Args:
        boxes1: ``(n, 4)``; boxes2: ``(m, 4)``, corner format, any units (both the same).
    Returns:
        ``(n, m)`` IoUs in [0, 1].
    Raises:
        ValueError: a shape is not ``(k, 4)``.
    Taught in book/06_vision_apps/01_anchor_boxes.ipynb.
    """
    for b, name in ((boxes1, "boxes1"), (boxes2, "boxes2")):
        if b.ndim != 2 or b.shape[1] != 4:
            raise ValueError(f"{name} must have shape (k, 4), got {b.shape}")
    area1, area2 = box_area(boxes1), box_area(boxes2)
    top_left = np.maximum(boxes1[:, None, :2], boxes2[None, :, :2])
    bottom_right = np.minimum(boxes1[:, None, 2:], boxes2[None, :, 2:])
    wh = np.clip(bottom_right - top_left, 0, None)
    inter = wh[..., 0] * wh[..., 1]
    union = area1[:, None] + area2[None, :] - inter
    return np.where(union > 0, inter / np.maximum(union, 1e-12), np.zeros_like(inter))


def multibox_prior(data, sizes, ratios):
    """Anchor boxes centred on every pixel of a feature map, as ``npx.multibox_prior``.

    Each pixel gets ``n + m - 1`` anchors (n sizes, m ratios): the pairs ``(s_i, r_1)`` for every size, then
    ``(s_1, r_j)`` for j >= 2. A size s is a fraction of the image *height*; an anchor with size s and ratio r is
    ``s * sqrt(r) * H`` pixels wide and ``s / sqrt(r) * H`` pixels high, so r is exactly its width/height ratio.
    In normalised coordinates its width is therefore ``s * sqrt(r) * H / W`` and its height ``s / sqrt(r)``.
    Centres are the pixel centres ``((j + 0.5) / W, (i + 0.5) / H)``.

    Args:
        data: ``(batch, channels, H, W)``; only its spatial size is used.
        sizes: n sizes in (0, 1]; ratios: m width/height ratios > 0.
    Returns:
        ``(1, H * W * (n + m - 1), 4)`` corner anchors in normalised coordinates, pixel by pixel in row-major
        order, anchors of one pixel consecutive. Anchors may reach outside [0, 1] (they are not clipped).
    Raises:
        ValueError: empty ``sizes`` or ``ratios``, or a non-positive size or ratio.
    Taught in book/06_vision_apps/01_anchor_boxes.ipynb.
    """
    sizes, ratios = [float(s) for s in sizes], [float(r) for r in ratios]
    if not sizes or not ratios or min(sizes) <= 0 or min(ratios) <= 0:
        raise ValueError(f"need at least one positive size and ratio, got sizes={sizes} ratios={ratios}")
    in_height, in_width = data.shape[-2:]
    ctx = data.ctx
    center_h = (np.arange(in_height, ctx=ctx) + 0.5) / in_height
    center_w = (np.arange(in_width, ctx=ctx) + 0.5) / in_width
    shift_y, shift_x = np.meshgrid(center_h, center_w, indexing="ij")
    shift_y, shift_x = shift_y.reshape(-1), shift_x.reshape(-1)
    pairs = [(s, ratios[0]) for s in sizes] + [(sizes[0], r) for r in ratios[1:]]
    w = np.array([s * r ** 0.5 for s, r in pairs], ctx=ctx) * in_height / in_width
    h = np.array([s / r ** 0.5 for s, r in pairs], ctx=ctx)
    half = np.stack((-w, -h, w, h)).T / 2                                   # (a, 4)
    centers = np.stack((shift_x, shift_y, shift_x, shift_y), axis=1)        # (H*W, 4)
    return (centers[:, None, :] + half[None, :, :]).reshape(1, -1, 4)


def assign_anchor_to_bbox(ground_truth, anchors, iou_threshold: float = 0.5):
    """Assign to each anchor the index of a ground-truth box, or -1 (background), as ``npx.multibox_target``.

    Step 1 (greedy): repeatedly take the largest entry of the IoU matrix among the rows (anchors) and columns
    (boxes) not yet used, assign that box to that anchor and discard both; stop when every box has an anchor or
    the largest remaining IoU is not positive. Step 2: every other anchor gets the box it overlaps most if that
    IoU is at least ``iou_threshold``; otherwise it stays background.

    Args:
        ground_truth: ``(m, 4)`` corner boxes (m may be 0: every anchor is background).
        anchors: ``(n, 4)`` corner boxes.
        iou_threshold: the threshold of step 2.
    Returns:
        ``(n,)`` int32 array of box indices, -1 for background.
    Taught in book/06_vision_apps/01_anchor_boxes.ipynb.
    """
    num_anchors, num_gt = anchors.shape[0], ground_truth.shape[0]
    if num_gt == 0:
        return -np.ones(num_anchors, dtype="int32", ctx=anchors.ctx)
    jaccard = box_iou(anchors, ground_truth).asnumpy()
    assigned = jaccard.argmax(axis=1).astype("int32")
    assigned[jaccard.max(axis=1) < iou_threshold] = -1
    work = jaccard.copy()
    for _ in range(num_gt):
        idx = int(work.argmax())
        anchor, box = divmod(idx, num_gt)
        if work[anchor, box] <= 0:
            break
        assigned[anchor] = box
        work[anchor, :] = -1
        work[:, box] = -1
    return np.array(assigned, dtype="int32", ctx=anchors.ctx)


def offset_boxes(anchors, assigned_bb, variances=VARIANCES):
    """Offsets of boxes relative to anchors, divided by the variances (SSD's encoding).

    With anchor centre ``(x_a, y_a)`` and size ``(w_a, h_a)`` and box ``(x_b, y_b, w_b, h_b)``::

        ((x_b - x_a) / w_a / s_x, (y_b - y_a) / h_a / s_y, log(w_b / w_a) / s_w, log(h_b / h_a) / s_h)

    Args:
        anchors, assigned_bb: ``(n, 4)`` corner boxes; variances: ``(s_x, s_y, s_w, s_h)``.
    Returns:
        ``(n, 4)`` offsets.
    Raises:
        ValueError: a box or an anchor has zero width or height (the log would be -inf or the division NaN).
    Taught in book/06_vision_apps/01_anchor_boxes.ipynb.
    """
    c_anc, c_bb = box_corner_to_center(anchors), box_corner_to_center(assigned_bb)
    if bool((c_anc[:, 2:] <= 0).any()) or bool((c_bb[:, 2:] <= 0).any()):
        raise ValueError("offset_boxes: every box and anchor needs a positive width and height "
                         "(drop zero-area ground-truth boxes before labelling)")
    sx, sy, sw, sh = variances
    scale_xy = np.array([sx, sy], ctx=anchors.ctx)
    scale_wh = np.array([sw, sh], ctx=anchors.ctx)
    offset_xy = (c_bb[:, :2] - c_anc[:, :2]) / c_anc[:, 2:] / scale_xy
    offset_wh = np.log(c_bb[:, 2:] / c_anc[:, 2:]) / scale_wh
    return np.concatenate([offset_xy, offset_wh], axis=1)


def offset_inverse(anchors, offset_preds, variances=VARIANCES):
    """Boxes from anchors and predicted offsets: the inverse of :func:`offset_boxes`.

    Args:
        anchors: ``(n, 4)`` corner boxes; offset_preds: ``(n, 4)``.
    Returns:
        ``(n, 4)`` corner boxes.
    Taught in book/06_vision_apps/01_anchor_boxes.ipynb.
    """
    sx, sy, sw, sh = variances
    anc = box_corner_to_center(anchors)
    xy = offset_preds[:, :2] * np.array([sx, sy], ctx=anchors.ctx) * anc[:, 2:] + anc[:, :2]
    wh = np.exp(offset_preds[:, 2:] * np.array([sw, sh], ctx=anchors.ctx)) * anc[:, 2:]
    return box_center_to_corner(np.concatenate([xy, wh], axis=1))


def multibox_target(anchors, labels, iou_threshold: float = 0.5, variances=VARIANCES):
    """Class and offset targets of every anchor, as ``npx.multibox_target`` (no hard-negative mining).

    Args:
        anchors: ``(1, n, 4)`` (or ``(n, 4)``) normalised corner anchors.
        labels: ``(batch, m, 5)`` rows ``(class, xmin, ymin, xmax, ymax)`` in normalised coordinates, class
            0-based; rows of -1 are padding (an image with no box has only padding rows). A box of zero area (or
            one wholly outside the image) overlaps no anchor (IoU 0), so it is never assigned: a defined result,
            as in the operator, never a NaN.
        iou_threshold: IoU an anchor needs (after the greedy step) to be assigned a box.
        variances: divide the offsets by these (see :func:`offset_boxes`).
    Returns:
        ``(bbox_offset (batch, 4n), bbox_mask (batch, 4n), class_labels (batch, n))``: offsets are 0 and the mask
        0 for background anchors; class labels are the box's class + 1, and 0 for background (never the class
        of a box the anchor does not overlap).
    Raises:
        ValueError: a shape is wrong.
    Taught in book/06_vision_apps/01_anchor_boxes.ipynb.
    """
    anchors = anchors.reshape(-1, 4)
    if labels.ndim != 3 or labels.shape[2] != 5:
        raise ValueError(f"labels must have shape (batch, boxes, 5), got {labels.shape}")
    ctx = anchors.ctx
    num_anchors = anchors.shape[0]
    batch_offset, batch_mask, batch_class = [], [], []
    for label in labels:
        label = label[label[:, 0] >= 0] if label.shape[0] else label
        assigned = assign_anchor_to_bbox(label[:, 1:], anchors, iou_threshold)
        fg = assigned >= 0
        mask = np.repeat(fg.astype("float32")[:, None], 4, axis=1)
        class_labels = np.zeros(num_anchors, dtype="float32", ctx=ctx)
        offsets = np.zeros((num_anchors, 4), dtype="float32", ctx=ctx)
        if bool(fg.any()):
            idx = np.nonzero(fg)[0]
            box_idx = assigned[idx]
            class_labels[idx] = label[box_idx, 0].astype("float32") + 1
            offsets[idx] = offset_boxes(anchors[idx], label[box_idx, 1:], variances)
        batch_offset.append(offsets.reshape(-1))
        batch_mask.append(mask.reshape(-1))
        batch_class.append(class_labels)
    return np.stack(batch_offset), np.stack(batch_mask), np.stack(batch_class)


def nms(boxes, scores, iou_threshold: float):
    """Greedy non-maximum suppression: indices of the kept boxes, highest score first.

    Take the highest-scoring box left, keep it, drop every remaining box whose IoU with it is *above*
    ``iou_threshold`` (equal is kept, as in ``npx.box_nms``), repeat. Ties in score keep the lower index first.

    Args:
        boxes: ``(n, 4)`` corner boxes; scores: ``(n,)``; iou_threshold: in [0, 1].
    Returns:
        ``list[int]`` of kept indices into ``boxes``, by decreasing score.
    Raises:
        ValueError: shapes disagree, or a score is NaN.
    Taught in book/06_vision_apps/02_nms_prediction.ipynb.
    """
    import numpy as onp

    if boxes.ndim != 2 or boxes.shape[1] != 4 or scores.shape != (boxes.shape[0],):
        raise ValueError(f"nms: boxes must be (n, 4) and scores (n,), got {boxes.shape} and {scores.shape}")
    s = scores.asnumpy() if hasattr(scores, "asnumpy") else onp.asarray(scores)
    if onp.isnan(s).any():
        raise ValueError("nms: a score is NaN")
    order = list(onp.argsort(-s, kind="stable"))
    iou = box_iou(boxes, boxes).asnumpy() if boxes.shape[0] else onp.zeros((0, 0))
    keep = []
    while order:
        i = order.pop(0)
        keep.append(int(i))
        order = [j for j in order if iou[i, j] <= iou_threshold]
    return keep


def multibox_detection(cls_probs, offset_preds, anchors, nms_threshold: float = 0.5,
                       pos_threshold: float = 0.01, variances=VARIANCES, clip: bool = True):
    """Predicted boxes from class probabilities, offsets and anchors, as ``npx.multibox_detection``.

    Per image: each anchor's class is its most probable non-background class, its score that probability;
    anchors scoring below ``pos_threshold`` are dropped; the boxes are decoded (:func:`offset_inverse`),
    clipped to [0, 1] if ``clip``, and non-maximum suppression runs within each class.

    Args:
        cls_probs: ``(batch, q + 1, n)`` probabilities, class 0 the background.
        offset_preds: ``(batch, 4n)``.
        anchors: ``(1, n, 4)`` or ``(n, 4)``.
    Returns:
        ``(batch, n, 6)`` rows ``(class, score, xmin, ymin, xmax, ymax)`` sorted by decreasing score, class
        0-based; rows of dropped or suppressed anchors have class -1 (and come after the kept ones).
    Taught in book/06_vision_apps/02_nms_prediction.ipynb.
    """
    anchors = anchors.reshape(-1, 4)
    ctx = anchors.ctx
    batch_size, num_anchors = cls_probs.shape[0], anchors.shape[0]
    out = []
    for i in range(batch_size):
        prob = cls_probs[i][1:]                               # (q, n)
        conf, class_id = prob.max(axis=0), prob.argmax(axis=0).astype("float32")
        boxes = offset_inverse(anchors, offset_preds[i].reshape(-1, 4), variances)
        if clip:
            boxes = np.clip(boxes, 0, 1)
        class_id = np.where(conf >= pos_threshold, class_id, -np.ones_like(class_id))
        c, valid = class_id.asnumpy(), conf.asnumpy() >= pos_threshold
        kept = []
        for q in sorted(set(c[valid].astype(int).tolist())):
            idx = [int(j) for j in (c == q).nonzero()[0]]
            sel = np.array(idx, dtype="int32", ctx=ctx)
            kept += [idx[k] for k in nms(boxes[sel], conf[sel], nms_threshold)]
        keep_mask = np.zeros(num_anchors, ctx=ctx)
        if kept:
            keep_mask[np.array(kept, dtype="int32", ctx=ctx)] = 1
        class_id = np.where(keep_mask > 0, class_id, -np.ones_like(class_id))
        rows = np.concatenate([class_id[:, None], conf[:, None], boxes], axis=1)
        order = np.argsort(-(conf + 2 * keep_mask))           # kept boxes first, each group by score
        out.append(rows[order])
    return np.stack(out)


def show_bboxes(axes, bboxes, labels=None, colors=None, linewidth: float = 2):
    """Draw corner boxes (in the image's pixel coordinates) on a matplotlib ``Axes`` showing an image.

    Args:
        axes: the ``Axes``; bboxes: ``(k, 4)`` array-like (MXNet or NumPy); labels: k strings or None;
        colors: a color or a list cycled over the boxes (default b, g, r, m, c).
    Source: d2l Sec. 14.4 (``show_bboxes``). Taught in book/06_vision_apps/01_anchor_boxes.ipynb.
    """
    import matplotlib.pyplot as plt
    import numpy as onp

    bboxes = onp.asarray(bboxes.asnumpy() if hasattr(bboxes, "asnumpy") else bboxes).reshape(-1, 4)
    colors = ["b", "g", "r", "m", "c"] if colors is None else [colors] if isinstance(colors, str) else colors
    labels = [labels] if isinstance(labels, str) else labels
    for i, (x1, y1, x2, y2) in enumerate(bboxes):
        color = colors[i % len(colors)]
        axes.add_patch(plt.Rectangle((x1, y1), x2 - x1, y2 - y1, fill=False, edgecolor=color, linewidth=linewidth))
        if labels is not None and i < len(labels):
            axes.text(x1, y1, labels[i], va="center", ha="center", fontsize=7, color="w" if color != "w" else "k",
                      bbox=dict(facecolor=color, lw=0))


def show_figure(fig) -> None:
    """Show a finished matplotlib figure: in a :class:`~d2lnotes.widgets.HyperparameterPanel` run it replaces the
    panel's plot (through the panel's display handle), elsewhere in a kernel it is displayed once; outside a kernel
    nothing happens. The figure is closed so that it is not shown a second time at the end of the cell.
    Taught in book/06_vision_apps/02_nms_prediction.ipynb.
    """
    import matplotlib.pyplot as plt

    from ..plot import current_handle, in_kernel

    plt.close(fig)
    if not in_kernel():
        return
    from IPython.display import display

    handle = current_handle()
    if handle is not None:
        handle.update(fig)
    else:
        display(fig)
