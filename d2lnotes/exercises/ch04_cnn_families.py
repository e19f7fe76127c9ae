"""Self-checked exercises of chapter 4 (book/04_cnn_families). The solutions live here, never in the notebooks."""
from __future__ import annotations

from . import Exercise, register

# GoogLeNet's Inception blocks (Szegedy et al., 2015, Table 1): c1, (3x3 reduce, 3x3), (5x5 reduce, 5x5), pool proj
_INCEPTIONS = {"3a": (64, (96, 128), (16, 32), 32), "3b": (128, (128, 192), (32, 96), 64),
               "4a": (192, (96, 208), (16, 48), 64), "4b": (160, (112, 224), (24, 64), 64),
               "4c": (128, (128, 256), (24, 64), 64), "4d": (112, (144, 288), (32, 64), 64),
               "4e": (256, (160, 320), (32, 128), 128), "5a": (256, (160, 320), (32, 128), 128),
               "5b": (384, (192, 384), (48, 128), 128)}
_INCEPTION_4E_INPUT = 528  # channels out of block 4d: 112 + 288 + 64 + 64
_VGG16_ARCH = ((2, 64), (2, 128), (3, 256), (3, 512), (3, 512))


def _conv(c_in: int, c_out: int, k: int, bias: bool = True) -> int:
    # weights (and biases) of a k x k convolution
    return c_out * (c_in * k * k + int(bias))


def _dense(n_in: int, n_out: int) -> int:
    return n_out * (n_in + 1)


def _receptive_field(layers) -> int:
    # layers: (kernel, stride) from the input on; each widens the field by (k - 1) times the current jump
    field, jump = 1, 1
    for k, s in layers:
        field += (k - 1) * jump
        jump *= s
    return field


# --- 01_alexnet ----------------------------------------------------------------------------------------------------

_ALEXNET_CONVS = (_conv(1, 96, 11) + _conv(96, 256, 5) + _conv(256, 384, 3) + _conv(384, 384, 3)
                  + _conv(384, 256, 3))
# conv 11/4, pool 3/2, conv 5, pool 3/2, three conv 3, pool 3/2
_ALEXNET_LAYERS = [(11, 4), (3, 2), (5, 1), (3, 2), (3, 1), (3, 1), (3, 1), (3, 2)]


# --- 02_vgg --------------------------------------------------------------------------------------------------------

def _vgg_params(arch, in_channels=3, side=224, dense_units=4096, num_classes=1000) -> int:
    total, c_in = 0, in_channels
    for num_convs, c_out in arch:
        for _ in range(num_convs):
            total, c_in = total + _conv(c_in, c_out, 3), c_out
        side //= 2
    return total + _dense(c_in * side * side, dense_units) + _dense(dense_units, dense_units) + _dense(
        dense_units, num_classes)


_VGG11_ARCH = ((1, 64), (1, 128), (2, 256), (2, 512), (2, 512))
_VGG11_LAYERS = [layer for num_convs, _ in _VGG11_ARCH for layer in [(3, 1)] * num_convs + [(2, 2)]]


# --- 03_nin --------------------------------------------------------------------------------------------------------

def _nin_params(in_channels: int, num_classes: int) -> int:
    blocks = [(in_channels, 96, 11), (96, 256, 5), (256, 384, 3), (384, num_classes, 3)]
    return sum(_conv(c_in, c, k) + 2 * _conv(c, c, 1) for c_in, c, k in blocks)


# conv 11/4, pool 3/2, conv 5, pool 3/2, conv 3, pool 3/2, conv 3 (the 1x1 convolutions change nothing)
_NIN_LAYERS = [(11, 4), (3, 2), (5, 1), (3, 2), (3, 1), (3, 2), (3, 1)]


# --- 04_googlenet --------------------------------------------------------------------------------------------------

def _inception_4e_macs(reduced: bool, side: int = 14) -> int:
    c_in, (c1, (r2, c2), (r3, c3), c4) = _INCEPTION_4E_INPUT, _INCEPTIONS["4e"]
    if reduced:
        per_pixel = c_in * c1 + c_in * r2 + r2 * 9 * c2 + c_in * r3 + r3 * 25 * c3 + c_in * c4
    else:
        per_pixel = c_in * c1 + c_in * 9 * c2 + c_in * 25 * c3 + c_in * c4
    return side * side * per_pixel


def _googlenet_smallest_side() -> int:
    # every stride-2 layer (7x7 conv padded by 3, 3x3 poolings padded by 1) maps n to ceil(n / 2) >= 1, and
    # the other layers keep the size: a 1x1 image gets through. Checked on the package model.
    import mxnet as mx
    from mxnet import np

    import d2lnotes  # noqa: F401  (NumPy interface)
    from d2lnotes.vision.models import googlenet

    net = googlenet(width=0.125)
    net.initialize(ctx=mx.cpu())
    for side in range(1, 97):
        try:
            if net(np.zeros((1, 1, side, side), ctx=mx.cpu())).shape == (1, 10):
                return side
        except mx.base.MXNetError:
            continue
    return None


# --- 05_resnet -----------------------------------------------------------------------------------------------------

def _bottleneck(c: int, bias: bool = True) -> int:
    return _conv(c, c // 4, 1, bias) + _conv(c // 4, c // 4, 3, bias) + _conv(c // 4, c, 1, bias)


# --- 06_densenet ---------------------------------------------------------------------------------------------------

def _densenet_params(arch, k=32, stem=64, in_channels=1, num_classes=10) -> int:
    c = stem
    total = _conv(in_channels, c, 7) + 2 * c  # stem convolution and batch norm
    for i, num_convs in enumerate(arch):
        total += sum(2 * (c + j * k) + _conv(c + j * k, k, 3) for j in range(num_convs))
        c += num_convs * k
        if i < len(arch) - 1:
            total += 2 * c + _conv(c, c // 2, 1)  # transition: batch norm, 1x1 convolution
            c //= 2
    return total + 2 * c + _dense(c, num_classes)


def _bottleneck_saves_from(k: int = 32) -> int:
    # trainable parameters of one dense-block layer reading c channels, with and without the bottleneck
    plain = lambda c: 2 * c + _conv(c, k, 3)  # noqa: E731
    bottleneck = lambda c: 2 * c + _conv(c, 4 * k, 1) + 2 * 4 * k + _conv(4 * k, k, 3)  # noqa: E731
    return next(c for c in range(1, 100 * k) if bottleneck(c) < plain(c))


register(
    Exercise("01_alexnet.4",
             "Receptive field (side, in pixels) of one unit of AlexNet's last pooling layer.",
             solution=lambda: _receptive_field(_ALEXNET_LAYERS), wrong=_receptive_field(_ALEXNET_LAYERS[:-1]),
             hint="Go from the input to the output: each layer widens the field by (kernel - 1) times the product "
                  "of the strides of the layers before it."),
    Exercise("01_alexnet.5",
             "Parameters of the full-width AlexNet (grey input, 10 classes) with global average pooling in place "
             "of the last max pooling.",
             solution=lambda: _ALEXNET_CONVS + _dense(256, 4096) + _dense(4096, 4096) + _dense(4096, 10),
             wrong=_ALEXNET_CONVS + _dense(256 * 5 * 5, 4096) + _dense(4096, 4096) + _dense(4096, 10),
             hint="The convolutions keep their parameters; what does the first dense layer read after a global "
                  "average pooling?"),
    Exercise("02_vgg.2",
             "Parameters of VGG-16 for RGB 224x224 images and 1000 classes.",
             solution=lambda: _vgg_params(_VGG16_ARCH), wrong=_vgg_params(_VGG11_ARCH),
             hint="Configuration D has 2, 2, 3, 3, 3 convolutions per block; count each 3x3 convolution's weights "
                  "and biases, then the three dense layers."),
    Exercise("02_vgg.6",
             "Receptive field (side, in pixels) of one unit after block 5 of VGG-11.",
             solution=lambda: _receptive_field(_VGG11_LAYERS), wrong=2 * 8 + 1,
             hint="The poolings have no weights, but every stride-2 pooling doubles the step by which a later 3x3 "
                  "kernel widens the field."),
    Exercise("03_nin.3",
             "NiN's parameter count for ImageNet: 3 input channels, 1000 classes.",
             solution=lambda: _nin_params(3, 1000), wrong=_nin_params(1, 10),
             hint="Only the first and the last block change: the first reads 3 channels, the last has one channel "
                  "per class in all three of its convolutions."),
    Exercise("03_nin.6",
             "Receptive field (side, in pixels) of one pixel of NiN's last block output on the input.",
             solution=lambda: _receptive_field(_NIN_LAYERS), wrong=_receptive_field(_NIN_LAYERS[:-1]),
             hint="The 1x1 convolutions add nothing; the last block's 3x3 convolution does, at the step the three "
                  "poolings have reached."),
    Exercise("04_googlenet.2",
             "How many times more multiply-adds block 4e needs on a 14x14 map without the 1x1 reductions.",
             solution=lambda: _inception_4e_macs(False) / _inception_4e_macs(True),
             wrong=_inception_4e_macs(True) / _inception_4e_macs(False), rtol=1e-3,
             hint="Count per pixel, path by path; without the reductions the 3x3 and 5x5 convolutions read all 528 "
                  "input channels. Divide the larger count by the smaller."),
    Exercise("04_googlenet.4",
             "The smallest image side GoogLeNet (d2l's form) accepts.",
             solution=_googlenet_smallest_side, wrong=32,
             hint="Look at the padding of the stride-2 layers: what does each make of an n x n map, for small n?"),
    Exercise("05_resnet.4",
             "Parameters (convolution weights and biases, no batch norm) of a ResNet-50 bottleneck block with "
             "c = 256.",
             solution=lambda: _bottleneck(256), wrong=_bottleneck(256, bias=False),
             hint="Three convolutions: 1x1 from c to c/4, 3x3 from c/4 to c/4, 1x1 from c/4 back to c; each has a "
                  "bias per output channel."),
    Exercise("05_resnet.5",
             "Parameters ResNet-18 (full width) saves with the paper's option A shortcuts.",
             solution=lambda: _conv(64, 128, 1) + _conv(128, 256, 1) + _conv(256, 512, 1),
             wrong=_conv(64, 128, 1, False) + _conv(128, 256, 1, False) + _conv(256, 512, 1, False),
             hint="Option A removes the three 1x1 projection convolutions, biases included."),
    Exercise("06_densenet.2",
             "Parameters of the notebook's DenseNet with arch (6, 12, 24, 16), k = 32, 64 stem channels.",
             solution=lambda: _densenet_params((6, 12, 24, 16)), wrong=_densenet_params((4, 4, 4, 4)),
             hint="Use dense_block_params and transition_params block by block; the channels grow by num_convs * k "
                  "in each block and halve in each transition."),
    Exercise("06_densenet.3",
             "The smallest input width c from which the bottleneck layer has fewer parameters (k = 32).",
             solution=_bottleneck_saves_from, wrong=231,
             hint="Count both layers' trainable parameters as the notebook does, batch norms (2 per channel) and "
                  "biases included, and solve for c."),
)
