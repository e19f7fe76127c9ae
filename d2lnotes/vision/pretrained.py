"""Pretrained backbones that work offline: Gluon's ImageNet model zoo when it is there, else the course's own
checkpoint trained on CIFAR-10.

d2l's fine-tuning, FCN and style-transfer lessons (Sec. 14.2, 14.11, 14.12) start from ImageNet-pretrained
ResNet-18 and VGG-19 of Gluon's model zoo, which downloads them on first use. Without a network (the course's CI,
many students) no ImageNet weights exist, so :func:`load_backbone` decides, in this order:

1. **model zoo**: the zoo's parameter file is already where the zoo looks for it (``root``, default
   ``$MXNET_HOME/models``, i.e. ``~/.mxnet/models``) with the zoo's sha1; or the zoo's server answers and the file
   is downloaded there (``allow_download``);
2. **course checkpoint**: a network of the same layout trained once on CIFAR-10 by :func:`train_course_backbone`
   (the script ``tools/pretrain_backbone.py`` runs it), kept in the data cache
   (``config.data_dir()/pretrained/``, never in the repository) beside a JSON record with its sha256. A
   checkpoint whose checksum does not match its record is corrupt: it is rebuilt (with a warning), never loaded.

Either way the result is a :class:`Backbone`: the convolutional trunk ``features`` (input ``(batch, 3, h, w)``
normalised with ``backbone.mean``/``backbone.std``), its output channels, and ``origin``/``description`` saying
which weights these are, which the notebooks print.

Layouts. ``"resnet18"``: the trunk of ResNet-18 down to the last residual group (stride 32; the zoo's is
``resnet18_v2(...).features[:-2]``, the course's is :func:`d2lnotes.vision.models.resnet18` without its pooling
and output layer). ``"vgg19"``: the 37 convolution / ReLU / pooling layers of VGG-19 as in the zoo's
``vgg19().features[:37]``, so that layer ``i`` means the same thing for both (conv layers at 0, 2, 5, 7, 10, ...).
The course VGG is trained with batch normalisation, which is then folded into the convolutions
(:func:`fold_batch_norm`), so the trained network has exactly the zoo's layout.

Taught in book/06_vision_apps/06_fine_tuning.ipynb; used by 08_fcn and 09_style_transfer.
"""
from __future__ import annotations

import dataclasses
import json
import os
import time
import warnings
from dataclasses import dataclass
from pathlib import Path

import mxnet as mx
import numpy as onp
from mxnet.gluon import nn

from .. import config
from ..checkpoint import CorruptCheckpointWarning
from ..data.hub import file_checksum

__all__ = ["IMAGENET_MEAN", "IMAGENET_STD", "ZOO_NAMES", "VGG19_ARCH", "Backbone", "CourseSpec", "course_spec",
           "zoo_file", "zoo_reachable", "zoo_backbone", "load_backbone", "course_backbone",
           "train_course_backbone", "checkpoint_paths", "vgg19_layers", "fold_batch_norm",
           "CorruptCheckpointWarning", "StaleCheckpointWarning"]



class StaleCheckpointWarning(UserWarning):
    """A course checkpoint trained on other CIFAR-10 files than the ones read now; it is retrained."""


IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)
ZOO_NAMES = {"resnet18": "resnet18_v2", "vgg19": "vgg19"}
"""The Gluon model-zoo network behind each backbone name (d2l uses these two)."""
VGG19_ARCH = ((2, 64), (2, 128), (4, 256), (4, 512), (4, 512))
"""VGG-19 (configuration E): ``(convolutions, channels)`` per block."""
_VGG19_CONV_LAYERS = 37  # 16 convolutions + 16 ReLUs + 5 poolings
_FEATURE_CHANNELS = {"resnet18": 512, "vgg19": 512}


@dataclass
class Backbone:
    """A pretrained convolutional trunk and what it is.

    Attributes:
        arch: ``"resnet18"`` or ``"vgg19"``.
        features: ``HybridSequential``, ``(batch, 3, h, w)`` normalised images to feature maps
            ``(batch, channels, h / 32, w / 32)`` (ResNet-18; VGG-19's last layer is its fifth pooling, also /32).
        channels: output channels of ``features``.
        origin: ``"model zoo"`` or ``"course checkpoint"``.
        description: one line for the notebook to print (which weights, trained on what).
        mean, std: the per-channel normalisation the weights were trained with (pixels scaled to [0, 1]).
        path: the parameter file that was loaded.
    """

    arch: str
    features: nn.HybridSequential
    channels: int
    origin: str
    description: str
    mean: tuple
    std: tuple
    path: Path | None = None

    def normalize(self, images: onp.ndarray) -> onp.ndarray:
        """uint8 images ``(n, h, w, 3)`` to float32 ``(n, 3, h, w)``: ``(x / 255 - mean) / std``."""
        x = onp.asarray(images, onp.float32) / 255
        x = (x - onp.asarray(self.mean, onp.float32)) / onp.asarray(self.std, onp.float32)
        return onp.ascontiguousarray(x.transpose(0, 3, 1, 2))


# ------------------------------------------------------------------------------------------------ model zoo
def _zoo_root(root=None) -> Path:
    # read at call time: mxnet binds its own default when it is imported, before a test can set MXNET_HOME
    return Path(root).expanduser() if root is not None else Path(mx.base.data_dir()) / "models"


def zoo_file(arch: str, root=None) -> Path | None:
    """The zoo's parameter file for ``arch`` if it is where the zoo looks (``root/<name>-<hash8>.params``) and
    has the zoo's sha1; else None (nothing is downloaded).

    Raises:
        ValueError: an unknown ``arch``.
    """
    from mxnet.gluon.model_zoo import model_store
    from mxnet.gluon.utils import check_sha1

    name = _zoo_name(arch)
    path = _zoo_root(root) / f"{name}-{model_store.short_hash(name)}.params"
    return path if path.is_file() and check_sha1(str(path), model_store._model_sha1[name]) else None


def zoo_reachable(timeout: float = 3.0) -> bool:
    """Whether the model zoo's server answers within ``timeout`` seconds (``MXNET_GLUON_REPO`` or Apache's S3)."""
    import requests
    from mxnet.gluon.model_zoo import model_store

    url = os.environ.get("MXNET_GLUON_REPO", model_store.apache_repo_url)
    try:
        requests.head(url, timeout=timeout)
        return True
    except requests.RequestException:
        return False


def _zoo_name(arch: str) -> str:
    if arch not in ZOO_NAMES:
        raise ValueError(f"arch must be one of {sorted(ZOO_NAMES)}, not {arch!r}")
    return ZOO_NAMES[arch]


def zoo_backbone(arch: str, root=None, ctx=None) -> Backbone:
    """The ImageNet-pretrained trunk from Gluon's model zoo (downloads it into ``root`` if it is missing).

    Raises:
        ValueError: an unknown ``arch``. Network errors of the download propagate.
    """
    from mxnet.gluon.model_zoo import model_store, vision

    name = _zoo_name(arch)
    path = Path(model_store.get_model_file(name, root=str(_zoo_root(root))))
    net = vision.get_model(name, pretrained=False)
    net.load_parameters(str(path), ctx=ctx or mx.cpu())
    trunk = net.features[:-2] if arch == "resnet18" else net.features[:_VGG19_CONV_LAYERS]
    return Backbone(arch, trunk, _FEATURE_CHANNELS[arch], "model zoo",
                    f"Gluon model zoo {name}, pretrained on ImageNet ({path.name})",
                    IMAGENET_MEAN, IMAGENET_STD, path)


# ------------------------------------------------------------------------------------------ course checkpoint
@dataclass(frozen=True)
class CourseSpec:
    """How a course checkpoint is trained: the network (``arch``, ``width`` factor on every channel count) and
    the run (``classes`` of CIFAR-10 by index, ``n_train``/``n_test`` class-balanced training and test images
    or None for all,
    ``epochs``, SGD with momentum 0.9 and weight decay 5e-4 at learning rate ``lr`` on a cosine schedule, the
    standard pad-crop-flip augmentation). Two specs that differ anywhere are two checkpoints."""

    arch: str = "resnet18"
    width: float = 0.25
    classes: tuple = tuple(range(10))
    n_train: int | None = None
    n_test: int | None = None
    epochs: int = 10
    batch_size: int = 128
    lr: float = 0.1
    seed: int = 0

    def __post_init__(self):
        _zoo_name(self.arch)
        if not self.classes or len(set(self.classes)) != len(self.classes) or not set(self.classes) <= set(range(10)):
            raise ValueError(f"classes must be distinct CIFAR-10 class indices 0..9, got {self.classes}")
        if self.width <= 0 or self.epochs < 1:
            raise ValueError(f"width must be positive and epochs at least 1, got {self.width}, {self.epochs}")

    @property
    def name(self) -> str:
        classes = "all" if self.classes == tuple(range(10)) else "".join(map(str, self.classes))
        return (f"{self.arch}-w{self.width:g}-c{classes}-n{self.n_train or 'all'}-t{self.n_test or 'all'}-e{self.epochs}"
                f"-b{self.batch_size}-lr{self.lr:g}-s{self.seed}")


# cpu: 20,000 training images (measured on this course's 2-core machine: about 8 minutes each, see
# tools/pretrain_backbone.py); full: every training image, full (ResNet) or half (VGG) width.
_SPECS = {
    "resnet18": {"smoke": CourseSpec("resnet18", width=0.125, n_train=1000, n_test=500, epochs=1),
                 "cpu": CourseSpec("resnet18", width=0.25, n_train=20000, epochs=5),
                 "full": CourseSpec("resnet18", width=1.0, n_train=None, epochs=30)},
    "vgg19": {"smoke": CourseSpec("vgg19", width=0.125, n_train=1000, n_test=500, epochs=1, lr=0.05),
              "cpu": CourseSpec("vgg19", width=0.125, n_train=20000, epochs=6, lr=0.05),
              "full": CourseSpec("vgg19", width=0.5, n_train=None, epochs=30, lr=0.05)},
}


def course_spec(arch: str, budget: str | None = None, **changes) -> CourseSpec:
    """The course checkpoint's recipe for ``arch`` in ``budget`` (default: the run's budget), with ``changes``
    (e.g. ``classes=(2, 3, 4, 5, 6, 7)``) applied.

    Raises:
        ValueError: an unknown ``arch`` or budget.
    """
    _zoo_name(arch)
    budget = budget or config.budget()
    if budget not in config.BUDGETS:
        raise ValueError(f"budget must be one of {config.BUDGETS}, not {budget!r}")
    return dataclasses.replace(_SPECS[arch][budget], **changes)


def checkpoint_paths(spec: CourseSpec) -> tuple[Path, Path]:
    """``(parameter file, JSON record)`` of ``spec``'s checkpoint in ``config.data_dir()/pretrained/``."""
    folder = config.data_dir() / "pretrained"
    return folder / f"{spec.name}.params", folder / f"{spec.name}.json"


def vgg19_layers(width: float = 1.0, batch_norm: bool = False) -> nn.HybridSequential:
    """VGG-19's convolutional part with every channel count scaled by ``width``: per block of
    :data:`VGG19_ARCH` its 3x3 convolutions (padding 1), each followed by ReLU (and batch normalisation before it
    when ``batch_norm``), then 2x2 max-pooling. Without batch norm the 37 layers sit at the zoo's indices."""
    net = nn.HybridSequential()
    for num_convs, channels in VGG19_ARCH:
        for _ in range(num_convs):
            net.add(nn.Conv2D(max(1, round(channels * width)), kernel_size=3, padding=1))
            if batch_norm:
                net.add(nn.BatchNorm())
            net.add(nn.Activation("relu"))
        net.add(nn.MaxPool2D(pool_size=2, strides=2))
    return net


def fold_batch_norm(with_bn: nn.HybridSequential, plain: nn.HybridSequential) -> None:
    """Copy ``with_bn`` (conv, batch norm, ReLU, ... as :func:`vgg19_layers` ``batch_norm=True`` builds it) into
    ``plain`` (the same without batch norm), folding each batch norm into the convolution before it: in prediction
    mode ``BN(Wx + b) = g (Wx + b - mu) / sqrt(var + eps) + beta``, so ``W' = s W`` and ``b' = s (b - mu) + beta``
    with ``s = g / sqrt(var + eps)`` per output channel.

    Raises:
        ValueError: the two networks do not have matching convolutions.
    """
    convs = [layer for layer in with_bn if isinstance(layer, nn.Conv2D)]
    norms = [layer for layer in with_bn if isinstance(layer, nn.BatchNorm)]
    targets = [layer for layer in plain if isinstance(layer, nn.Conv2D)]
    if not (len(convs) == len(norms) == len(targets)):
        raise ValueError(f"{len(convs)} convolutions, {len(norms)} batch norms and {len(targets)} target "
                         "convolutions: the networks do not match")
    for conv, bn, target in zip(convs, norms, targets):
        gamma, beta = bn.gamma.data().asnumpy(), bn.beta.data().asnumpy()
        mean, var = bn.running_mean.data().asnumpy(), bn.running_var.data().asnumpy()
        s = gamma / onp.sqrt(var + bn._kwargs["eps"])
        w, b = conv.weight.data().asnumpy(), conv.bias.data().asnumpy()
        if target.weight.shape != w.shape:
            raise ValueError(f"convolution shapes differ: {target.weight.shape} vs {w.shape}")
        target.weight.set_data(mx.np.array(w * s[:, None, None, None], dtype=w.dtype))
        target.bias.set_data(mx.np.array(s * (b - mean) + beta, dtype=b.dtype))


def _course_trunk(spec: CourseSpec) -> nn.HybridSequential:
    """The trunk of ``spec``'s network, uninitialised, in the layout the checkpoint is stored in."""
    if spec.arch == "resnet18":
        from .models import resnet18

        return resnet18(len(spec.classes), width=spec.width)[:-2]
    return vgg19_layers(spec.width)


def _training_net(spec: CourseSpec) -> tuple[nn.HybridSequential, nn.HybridSequential]:
    """``(classifier, trunk)``: the network trained on CIFAR-10 and the part of it that becomes the trunk."""
    trunk = _course_trunk(spec) if spec.arch == "resnet18" else vgg19_layers(spec.width, batch_norm=True)
    net = nn.HybridSequential()
    net.add(trunk, nn.GlobalAvgPool2D(), nn.Dense(len(spec.classes)))
    return net, trunk


def train_course_backbone(spec: CourseSpec, ctx=None, plot=False) -> dict:
    """Train ``spec``'s network on CIFAR-10 (its ``classes`` relabelled 0..k-1), and store its trunk with a JSON
    record (spec, sha256, test accuracy on those classes, seconds) in :func:`checkpoint_paths`. Returns the record.

    The standard augmentation (:func:`d2lnotes.vision.augment.standard_cifar`) and the course's training core
    (:func:`d2lnotes.train.train_classifier`, cosine schedule) are used; the data are the images
    :func:`d2lnotes.data.cifar10.load_arrays` reads.
    """
    from ..data.cifar10 import CifarLoader, describe_source, load_arrays
    from ..data.sampling import stratified_subsample
    from ..schedules import cosine_scheduler
    from ..train import train_classifier
    from .augment import standard_cifar

    ctx = ctx or config.try_gpu()
    config.seed_everything(spec.seed)
    splits = []
    for train in (True, False):
        images, labels = load_arrays(train)
        keep = onp.isin(labels, spec.classes)
        images, labels = images[keep], onp.searchsorted(onp.asarray(sorted(spec.classes)), labels[keep])
        n = spec.n_train if train else spec.n_test
        if n is not None:
            idx = stratified_subsample(labels, min(n, len(labels)), spec.seed)
            images, labels = images[idx], labels[idx]
        splits.append(CifarLoader(images, labels, spec.batch_size, shuffle=train,
                                  augment=standard_cifar if train else None, seed=spec.seed))
    net, trunk = _training_net(spec)
    net.initialize(mx.init.Xavier(), ctx=ctx)
    sched = cosine_scheduler(spec.epochs, len(splits[0]), spec.lr)
    start = time.perf_counter()
    history = train_classifier(net, splits[0], splits[1], spec.epochs, spec.lr, ctx=ctx, plot=plot, init=None,
                               optimizer_params={"momentum": 0.9, "wd": 5e-4, "lr_scheduler": sched})
    seconds = time.perf_counter() - start
    if spec.arch == "vgg19":  # fold the batch norms away: the stored trunk has the zoo's layout
        plain = vgg19_layers(spec.width)
        plain.initialize(ctx=ctx)
        plain(mx.np.zeros((1, 3, 32, 32), ctx=ctx))
        fold_batch_norm(trunk, plain)
        trunk = plain
    params, record_path = checkpoint_paths(spec)
    params.parent.mkdir(parents=True, exist_ok=True)
    tmp = params.with_suffix(".params.tmp")
    trunk.save_parameters(str(tmp))
    os.replace(tmp, params)
    record = {"spec": dataclasses.asdict(spec), "sha256": file_checksum(params, "sha256"), "test_acc": history["test_acc"][-1],
              "train_images": splits[0].num_examples, "test_images": splits[1].num_examples,
              "seconds": round(seconds, 1), "device": str(ctx), "data": describe_source()}
    record_path.write_text(json.dumps(record, indent=1))
    return record


def course_backbone(spec: CourseSpec, ctx=None, train_if_missing: bool = True) -> tuple[Backbone, dict]:
    """The course checkpoint of ``spec`` as a :class:`Backbone`, with its JSON record; trained first if it is
    missing, retrained (with a :class:`CorruptCheckpointWarning`) if its sha256 does not match the record, and
    retrained (with a :class:`StaleCheckpointWarning`) if it was trained on other CIFAR-10 files than
    :func:`~d2lnotes.data.cifar10.load_arrays` reads now (e.g. the 20,000-image partial mirror of earlier
    versions, or a record without a ``data`` entry).

    Raises:
        FileNotFoundError: no valid checkpoint and ``train_if_missing`` is False.
    """
    params, record_path = checkpoint_paths(spec)
    record = json.loads(record_path.read_text()) if record_path.is_file() and params.is_file() else None
    if record is not None and file_checksum(params, "sha256") != record.get("sha256"):
        warnings.warn(f"course checkpoint {params} does not match its recorded sha256: it is corrupt and is "
                      "rebuilt, not loaded", CorruptCheckpointWarning, stacklevel=2)
        params.unlink()
        record = None
    from ..data.cifar10 import describe_source

    if record is not None and record.get("data") != describe_source():
        warnings.warn(f"course checkpoint {params} was trained on {record.get('data') or 'unrecorded data'}, not "
                      f"on {describe_source()}: it is retrained", StaleCheckpointWarning, stacklevel=2)
        record = None
    if record is None:
        if not train_if_missing:
            raise FileNotFoundError(f"no course checkpoint {params}; run tools/pretrain_backbone.py")
        record = train_course_backbone(spec, ctx=ctx)
    trunk = _course_trunk(spec)
    trunk.load_parameters(str(params), ctx=ctx or config.try_gpu())
    classes = "all 10 classes" if len(spec.classes) == 10 else f"classes {list(spec.classes)}"
    from ..data.cifar10 import MEAN, STD

    description = (f"course checkpoint {spec.arch} (width {spec.width:g}) trained on CIFAR-10 {classes}, "
                   f"{record['train_images']:,} images, {spec.epochs} epochs: test accuracy "
                   f"{record['test_acc']:.3f}, {record['seconds']:.0f} s to train on {record['device']}")
    channels = max(1, round(_FEATURE_CHANNELS[spec.arch] * spec.width))
    return Backbone(spec.arch, trunk, channels, "course checkpoint", description, MEAN, STD, params), record


def load_backbone(arch: str, spec: CourseSpec | None = None, *, root=None, allow_download: bool = True,
                  ctx=None) -> Backbone:
    """The best pretrained trunk available: the model zoo's (file present in ``root``, or downloadable when
    ``allow_download`` and the server answers), else the course checkpoint ``spec`` (default
    ``course_spec(arch)``, trained now if missing or corrupt).

    Raises:
        ValueError: an unknown ``arch``, or a ``spec`` for another architecture.
    """
    _zoo_name(arch)
    spec = spec or course_spec(arch)
    if spec.arch != arch:
        raise ValueError(f"spec is for {spec.arch}, not {arch}")
    if zoo_file(arch, root) is not None or (allow_download and zoo_reachable()):
        return zoo_backbone(arch, root, ctx)
    return course_backbone(spec, ctx)[0]
