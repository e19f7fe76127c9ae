"""Self-checked exercises of chapter 5 (book/05_project_cifar10). The solutions live here, never in the notebooks."""
from __future__ import annotations

import math

import numpy as onp

from . import Exercise, register


def _conv(c_in: int, c_out: int, k: int, bias: bool = True) -> int:
    # weights (and biases) of a k x k convolution
    return c_out * (c_in * k * k + int(bias))


def _dense(n_in: int, n_out: int) -> int:
    return n_out * (n_in + 1)


# --- 01_data_pipeline ----------------------------------------------------------------------------------------------

def _pad_reflect(img, p):
    # mirror without repeating the border pixel: OpenCV's BORDER_REFLECT_101, MXNet's copyMakeBorder type=4
    return onp.pad(onp.asarray(img), ((p, p), (p, p), (0, 0)), mode="reflect")


def _pad_symmetric(img, p):
    # the typical mistake: the mirror repeats the border pixel
    return onp.pad(onp.asarray(img), ((p, p), (p, p), (0, 0)), mode="symmetric")


def _pad_inputs():
    rng = onp.random.default_rng(5)
    return [(rng.integers(0, 256, size=(5, 6, 3), dtype=onp.uint8), 2),
            (rng.integers(0, 256, size=(32, 32, 3), dtype=onp.uint8), 4),
            (rng.integers(0, 256, size=(4, 4, 1), dtype=onp.uint8), 1)]


# --- 02_lenet5 -----------------------------------------------------------------------------------------------------

def _lenet5_params(c1: int = 6, c2: int = 16) -> int:
    return _conv(3, c1, 5) + _conv(c1, c2, 5) + _dense(c2 * 5 * 5, 120) + _dense(120, 84) + _dense(84, 10)


def _cosine_lr(t, T, eta, warmup):
    # MXNet's CosineScheduler (final rate 0): linear warm-up from 0, then a half cosine over the remaining updates
    if t < warmup:
        return eta * t / warmup
    return eta / 2 * (1 + math.cos(math.pi * (t - warmup) / (T - warmup)))


def _cosine_lr_unshifted(t, T, eta, warmup):
    # the typical mistake: the cosine measured from update 0 instead of from the end of the warm-up
    if t < warmup:
        return eta * t / warmup
    return eta / 2 * (1 + math.cos(math.pi * t / T))


def _cosine_inputs():
    return [(0, 100, 0.1, 20), (10, 100, 0.1, 20), (20, 100, 0.1, 20), (60, 100, 0.1, 20), (100, 100, 0.1, 20),
            (37, 200, 0.05, 0), (150, 400, 0.05, 80), (399, 400, 0.05, 80)]


# --- 03_vgg --------------------------------------------------------------------------------------------------------

def _modified_vgg_params(channels=(64, 128, 256), dense_units: int = 256, batch_norm: bool = True) -> int:
    # learned parameters: two 3x3 convolutions per block (each with gamma and beta when batch_norm), then the
    # dense layer on the (32 / 2^blocks)^2 maps and the output layer
    total, c_in = 0, 3
    for c in channels:
        total += _conv(c_in, c, 3) + _conv(c, c, 3) + (4 * c if batch_norm else 0)
        c_in = c
    side = 32 // 2 ** len(channels)
    return total + _dense(c_in * side * side, dense_units) + _dense(dense_units, 10)


# --- 04_resnet -----------------------------------------------------------------------------------------------------

def _cifar_resnet_params(n: int = 3, channels=(16, 32, 64), projections: bool = True) -> int:
    # trainable parameters of the package's cifar_resnet: biased convolutions, gamma and beta per batch norm;
    # option B adds a biased 1x1 projection where a stage starts; option A has none
    total = _conv(3, channels[0], 3) + 2 * channels[0]
    c_in = channels[0]
    for c in channels:
        for _ in range(n):
            total += _conv(c_in, c, 3) + 2 * c + _conv(c, c, 3) + 2 * c
            if c != c_in and projections:
                total += _conv(c_in, c, 1)
            c_in = c
    return total + _dense(c_in, 10)


def _resnet18_macs(stem: str = "cifar", side: int = 32) -> int:
    # multiply-adds of all convolutions of ResNet-18 (full width) for one side x side image
    if stem == "imagenet":   # 7x7/2 convolution, then a 3x3/2 max-pooling
        s = side // 2
        macs, s = s * s * 64 * 3 * 49, s // 2
    elif stem == "cifar":    # 3x3/1 convolution, no pooling
        macs, s = side * side * 64 * 27, side
    elif stem == "cifar+pool":  # 3x3/1 convolution, then a 2x2/2 max-pooling
        macs, s = side * side * 64 * 27, side // 2
    else:
        raise ValueError(stem)
    c_in = 64
    for i, c in enumerate((64, 128, 256, 512)):
        for j in range(2):
            if i > 0 and j == 0:  # stride 2: 3x3 conv at the new size, 3x3 conv, 1x1 projection
                s //= 2
                macs += s * s * c * (9 * c_in + 9 * c + c_in)
            else:
                macs += 2 * s * s * c * 9 * c
            c_in = c
    return macs


# --- 05_ablations --------------------------------------------------------------------------------------------------

def _steps_to_fraction(beta: float = 0.9, fraction: float = 0.9) -> int:
    # v_t = g (1 - beta^t) / (1 - beta) after t updates from v_0 = 0: the first t with 1 - beta^t >= fraction
    t = 1
    while 1 - beta ** t < fraction:
        t += 1
    return t


register(
    Exercise("01_data_pipeline.2",
             "pad_image for mode='reflect': one (h, w, c) image padded by p pixels with its mirror image.",
             solution=_pad_reflect, wrong=_pad_symmetric, kind="function", inputs=_pad_inputs,
             hint="Compare with augment.pad(img[None], p, mode='reflect')[0] and with mx.image.copyMakeBorder(..., "
                  "type=4) on a tiny image: which pixel does the mirror start with, the border pixel or its "
                  "neighbour?"),
    Exercise("01_data_pipeline.3",
             "How many different augmented versions of one image the standard recipe (pad 4, random 32x32 crop, "
             "horizontal flip) can produce.",
             solution=lambda: (2 * 4 + 1) ** 2 * 2, wrong=(2 * 4 + 1) ** 2,
             hint="Count the crop windows, then ask what each flip decision does to every window."),
    Exercise("02_lenet5.2",
             "cosine_lr(t, T, eta, warmup): the learning rate of cosine_scheduler at update t of a T-update run.",
             solution=_cosine_lr, wrong=_cosine_lr_unshifted, kind="function", inputs=_cosine_inputs,
             hint="Evaluate d2lnotes.schedules.cosine_scheduler's scheduler at a few updates just after the warm-up: "
                  "from which update does the cosine count its steps, and over how many?"),
    Exercise("02_lenet5.3",
             "Learned parameters of LeNet-5 for CIFAR-10 with 12 and 32 channels in its two convolutions.",
             solution=lambda: _lenet5_params(12, 32),
             wrong=_conv(3, 12, 5) + _conv(12, 32, 5) + _dense(16 * 5 * 5, 120) + _dense(120, 84) + _dense(84, 10),
             hint="Each convolution has c_out (c_in k^2 + 1) parameters; the second one now reads 12 channels, and "
                  "the first dense layer reads 32 maps of 5x5."),
    Exercise("03_vgg.2",
             "Learned parameters of the full-size modified VGG without batch normalization.",
             solution=lambda: _modified_vgg_params(batch_norm=False), wrong=_modified_vgg_params(batch_norm=True),
             hint="Which learned parameters does a BatchNorm layer have, and how many BatchNorm layers are there? "
                  "(The running mean and variance are not learned.)"),
    Exercise("03_vgg.4",
             "Learned parameters of the modified VGG with a fourth block of 512 channels (dense layer of 256).",
             solution=lambda: _modified_vgg_params((64, 128, 256, 512)),
             wrong=_modified_vgg_params((64, 128, 256)) + _conv(256, 512, 3) + _conv(512, 512, 3) + 4 * 512,
             hint="Besides the block itself, the fourth pooling changes the input of the first dense layer."),
    Exercise("04_resnet.1",
             "Trainable parameters of ResNet-20 (option A shortcuts, convolution biases and batch norm kept).",
             solution=lambda: _cifar_resnet_params(3, projections=False),
             wrong=_cifar_resnet_params(3, projections=True),
             hint="Option A's shortcut is a stride and zero channels: which layers of option B have no counterpart "
                  "any more?"),
    Exercise("04_resnet.3",
             "Multiply-adds per 32x32 image of ResNet-18 with a 3x3/1 stem convolution followed by 2x2 max-pooling.",
             solution=lambda: _resnet18_macs("cifar+pool"), wrong=_resnet18_macs("cifar") // 4, close=0.002,
             hint="Count with the forward hooks of multiply_adds on the network built this way; the stem "
                  "convolution still works on the 32x32 image."),
    Exercise("05_ablations.3",
             "At a fixed learning rate, the factor by which the weights move further per epoch with batches of 20 "
             "than with batches of 100 (the small-step approximation of the text).",
             solution=lambda: 100 / 20, wrong=1.0,
             hint="Count the updates per epoch for each batch size; how far does one update move the weights?"),
    Exercise("05_ablations.4",
             "With momentum 0.9, a constant gradient and v = 0 at the start: after how many updates does the step "
             "first reach 90% of its steady-state size?",
             solution=_steps_to_fraction, wrong=10,
             hint="Write v after t updates as a geometric sum and compare it with its limit g / (1 - 0.9)."),
)
