"""The raccoon detection set (Dat Tran, 2017): 200 photographs with 217 ``raccoon`` boxes in PASCAL VOC XML.

Files come from the data hub (``raccoon-detection``, every file checked against its sha256). This module reads
the VOC XML annotations strictly (a malformed file raises an error naming the file), fixes the book's seeded
split (160 training images, of which a validation part, and 40 test images) and loads images resized to a square
with their boxes in normalised coordinates.

Four pairs of files are the same photograph under two names (raccoon-11/116, 52/74, 65/98, 83/120: identical
sha256); the split keeps each pair on the same side, so that no test photograph is also a training photograph.

Source: https://github.com/datitran/raccoon_dataset (MIT; photographs keep their owners' copyright).
Taught in book/06_vision_apps/01_anchor_boxes.ipynb; used by 02_nms_prediction and 03_ssd.
"""
from __future__ import annotations

import functools
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np

from .hub import fetch, get_dataset

NAME = "raccoon-detection"
CLASSES = ("raccoon",)
NUM_TEST = 40


@dataclass(frozen=True)
class Annotation:
    """One image's VOC annotation: ``width``, ``height`` in pixels, ``boxes`` (k, 4) float32 pixel corners
    ``(xmin, ymin, xmax, ymax)`` and ``classes`` (k,) int32 indices into :data:`CLASSES`."""

    filename: str
    width: int
    height: int
    boxes: np.ndarray
    classes: np.ndarray


def _int(node, tag: str, path) -> int:
    child = node.find(tag)
    if child is None or child.text is None:
        raise ValueError(f"{path}: <{node.tag}> has no <{tag}>")
    try:
        return int(float(child.text.strip()))
    except ValueError:
        raise ValueError(f"{path}: <{tag}> is not a number: {child.text!r}") from None


def read_voc_xml(path, classes=CLASSES) -> Annotation:
    """Read one PASCAL VOC XML annotation.

    Args:
        path: the ``.xml`` file; classes: the known class names.
    Returns:
        An :class:`Annotation`; an image with no ``<object>`` has ``boxes`` of shape (0, 4).
    Raises:
        ValueError (naming the file): not well-formed XML, no ``<size>`` or a non-positive size, an object with
            an unknown class or without ``<bndbox>``, a coordinate that is missing or not a number, a box of zero
            or negative width or height, or a box reaching outside the image.
    """
    path = Path(path)
    try:
        root = ET.parse(path).getroot()
    except ET.ParseError as e:
        raise ValueError(f"{path}: not well-formed XML ({e})") from None
    size = root.find("size")
    if size is None:
        raise ValueError(f"{path}: no <size> element")
    width, height = _int(size, "width", path), _int(size, "height", path)
    if width <= 0 or height <= 0:
        raise ValueError(f"{path}: image size {width}x{height} is not positive")
    boxes, labels = [], []
    for k, obj in enumerate(root.iter("object")):
        name = (obj.findtext("name") or "").strip()
        if name not in classes:
            raise ValueError(f"{path}: object {k} has class {name!r}, not one of {list(classes)}")
        bnd = obj.find("bndbox")
        if bnd is None:
            raise ValueError(f"{path}: object {k} has no <bndbox>")
        x1, y1, x2, y2 = (_int(bnd, t, path) for t in ("xmin", "ymin", "xmax", "ymax"))
        if x2 <= x1 or y2 <= y1:
            raise ValueError(f"{path}: object {k} has an empty box ({x1}, {y1}, {x2}, {y2})")
        if x1 < 0 or y1 < 0 or x2 > width or y2 > height:
            raise ValueError(f"{path}: object {k}'s box ({x1}, {y1}, {x2}, {y2}) reaches outside the "
                             f"{width}x{height} image")
        boxes.append((x1, y1, x2, y2))
        labels.append(classes.index(name))
    return Annotation(root.findtext("filename", path.stem + ".jpg").strip(), width, height,
                      np.array(boxes, dtype=np.float32).reshape(-1, 4), np.array(labels, dtype=np.int32))


def image_ids() -> list[str]:
    """The 200 image ids, ``"raccoon-1"`` ... ``"raccoon-200"``, in numeric order."""
    keys = [f.key for f in get_dataset(NAME).files if f.key.startswith("images/")]
    return sorted((Path(k).stem for k in keys), key=lambda s: int(s.rsplit("-", 1)[1]))


def _image_digests() -> dict[str, str]:
    text = resources.files(__package__).joinpath("checksums", f"{NAME}.sha256").read_text()
    return {Path(p).stem: d for d, p in (line.split(maxsplit=1) for line in text.splitlines())
            if p.startswith("images/")}


def split_ids(num_valid: int = 0, seed: int = 0) -> tuple[list[str], list[str], list[str]]:
    """The book's fixed split: ``(train, valid, test)`` image ids.

    The 200 images are grouped by content (identical photographs together), the groups shuffled with ``seed``,
    and groups taken for the test split until it holds 40 images; the other 160 are the training images, of
    which the last ``num_valid`` (again whole groups) form the validation split.

    Raises:
        ValueError: ``num_valid`` outside 0..120.
    """
    if not 0 <= num_valid <= 120:
        raise ValueError(f"num_valid={num_valid}: take 0 to 120 of the 160 training images")
    digests = _image_digests()
    groups: dict[str, list[str]] = {}
    for i in image_ids():
        groups.setdefault(digests[i], []).append(i)
    order = [groups[k] for k in sorted(groups)]
    rng = np.random.default_rng(seed)
    order = [order[j] for j in rng.permutation(len(order))]
    test, rest = [], []
    for g in order:
        if len(test) < NUM_TEST and len(test) + len(g) <= NUM_TEST:
            test.extend(g)
        else:
            rest.append(g)
    valid = []
    while len(valid) < num_valid:
        valid.extend(rest.pop())
    train = [i for g in rest for i in g]
    key = lambda s: int(s.rsplit("-", 1)[1])  # noqa: E731
    return sorted(train, key=key), sorted(valid, key=key), sorted(test, key=key)


def annotation(image_id: str) -> Annotation:
    """The verified annotation of one image (e.g. ``"raccoon-12"``)."""
    return read_voc_xml(fetch(NAME, f"annotations/{image_id}.xml").path)


def image_path(image_id: str) -> Path:
    """The verified JPEG of one image."""
    return fetch(NAME, f"images/{image_id}.jpg").path


def read_image(image_id: str, size: int | None = None) -> np.ndarray:
    """One photograph as ``(height, width, 3)`` uint8 RGB, or resized to ``(size, size, 3)`` (aspect not kept)."""
    from PIL import Image

    with Image.open(image_path(image_id)) as img:
        if size is not None:
            img.draft("RGB", (size, size))       # JPEG: decode at a reduced scale, much faster for big photos
            img = img.convert("RGB").resize((size, size), Image.BILINEAR)
        return np.asarray(img.convert("RGB"))


@functools.lru_cache(maxsize=8)
def _load(ids: tuple[str, ...], size: int):
    images = np.stack([read_image(i, size) for i in ids])
    boxes = []
    for i in ids:
        a = annotation(i)
        scale = np.array([a.width, a.height, a.width, a.height], dtype=np.float32)
        boxes.append(np.concatenate([a.classes[:, None].astype(np.float32), a.boxes / scale], axis=1))
    return images, boxes


def load_raccoon(ids, size: int) -> tuple[np.ndarray, list[np.ndarray]]:
    """Images resized to ``size`` x ``size`` and their labels.

    Args:
        ids: image ids (see :func:`split_ids`); size: side in pixels.
    Returns:
        ``(images (n, size, size, 3) uint8 RGB, labels)`` where ``labels[i]`` is ``(k_i, 5)`` float32 rows
        ``(class, xmin, ymin, xmax, ymax)`` with coordinates as fractions of the width and height (so they do not
        change with the resize). The result is cached in memory; do not modify it in place.
    """
    images, labels = _load(tuple(ids), int(size))
    return images, labels


def pad_labels(labels: list[np.ndarray], num_rows: int | None = None) -> np.ndarray:
    """Stack per-image labels ``(k_i, 5)`` into ``(n, num_rows, 5)``, padding with rows of -1 (the padding
    ``npx.multibox_target`` expects). ``num_rows`` defaults to the largest k_i (at least 1).

    Raises:
        ValueError: an image has more than ``num_rows`` boxes.
    """
    most = max([len(l) for l in labels] + [1])
    num_rows = most if num_rows is None else num_rows
    if most > num_rows:
        raise ValueError(f"an image has {most} boxes, more than num_rows={num_rows}")
    out = -np.ones((len(labels), num_rows, 5), dtype=np.float32)
    for i, l in enumerate(labels):
        out[i, :len(l)] = l
    return out
