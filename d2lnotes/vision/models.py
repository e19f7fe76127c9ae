"""Models that more than one notebook (or the benchmarks) trains.

Each is taught in the notebook named in its docstring, block by block; this is the copy that later notebooks and
``bench/`` import, and the notebook checks that its own version computes the same function as this one
(:func:`d2lnotes.check.assert_same_function`).

Widths: the CNN families take ``width`` (a factor on every channel count and hidden-unit count, rounded, at least
1), so that smoke mode can train a thinner copy of the same design on a CPU. ``width=1`` is the published design.
Activations: ``"relu"`` or ``"celu"``. CELU with alpha 1 (Barron, 2017) is ELU (Clevert et al., 2016), so
``"celu"`` builds ``nn.ELU(alpha=1.0)``.
"""
from __future__ import annotations

from mxnet.gluon import nn

__all__ = ["lenet", "alexnet", "VGG11_ARCH", "vgg_block", "vgg", "nin_block", "nin", "Inception",
           "GOOGLENET_INCEPTIONS", "googlenet", "Residual", "resnet_block", "resnet18", "dense_conv_block",
           "DenseBlock", "transition_block", "densenet", "lenet5_cifar", "cifar_vgg", "cifar_resnet"]


def _scale(channels: int, width: float) -> int:
    """``channels * width`` rounded, at least 1."""
    if width <= 0:
        raise ValueError(f"width must be positive, got {width}")
    return max(1, int(round(channels * width)))


def _activation(name: str) -> nn.HybridBlock:
    """``nn.Activation("relu")`` or, for ``"celu"``, ``nn.ELU(alpha=1.0)`` (CELU with alpha 1 is ELU).

    Raises:
        ValueError: any other name.
    """
    if name == "relu":
        return nn.Activation("relu")
    if name == "celu":
        return nn.ELU(alpha=1.0)
    raise ValueError(f"activation must be 'relu' or 'celu', not {name!r}")


def lenet(activation: str = "sigmoid", pool: str = "avg", num_classes: int = 10) -> nn.HybridSequential:
    """LeNet-5 as in the course: conv(6, 5x5, pad 2) - pool - conv(16, 5x5) - pool - dense 120 - 84 - classes.

    Input ``(batch, 1, 28, 28)``; output ``(batch, num_classes)`` scores.

    Args:
        activation: ``"sigmoid"`` (LeCun et al., 1998, and d2l) or ``"relu"``.
        pool: ``"avg"`` (2x2 average pooling, stride 2) or ``"max"``.

    Source: LeCun, Bottou, Bengio & Haffner, Gradient-based learning applied to document recognition, 1998;
    d2l Sec. 7.6. Taught in book/03_cnn_basics.

    Raises:
        ValueError: unknown activation or pooling.
    """
    if activation not in ("sigmoid", "relu"):
        raise ValueError(f"activation must be 'sigmoid' or 'relu', not {activation!r}")
    pools = {"avg": nn.AvgPool2D, "max": nn.MaxPool2D}
    if pool not in pools:
        raise ValueError(f"pool must be 'avg' or 'max', not {pool!r}")
    Pool = pools[pool]
    net = nn.HybridSequential()
    net.add(nn.Conv2D(6, kernel_size=5, padding=2, activation=activation),
            Pool(pool_size=2, strides=2),
            nn.Conv2D(16, kernel_size=5, activation=activation),
            Pool(pool_size=2, strides=2),
            nn.Dense(120, activation=activation),
            nn.Dense(84, activation=activation),
            nn.Dense(num_classes))
    return net


# --------------------------------------------------------------------------------------------------- AlexNet
def alexnet(num_classes: int = 10, width: float = 1.0, dropout: float = 0.5) -> nn.HybridSequential:
    """AlexNet in d2l's single-tower form: five convolutions (96 11x11/4, 256 5x5, 384, 384, 256 3x3), three 3x3/2
    max-poolings, two dense layers of 4096 with dropout, and the output layer.

    Input ``(batch, c, h, w)`` with ``h, w >= 67`` (224 in the paper and d2l); output ``(batch, num_classes)``.

    Source: Krizhevsky, Sutskever & Hinton, ImageNet classification with deep convolutional neural networks,
    2012; d2l Sec. 8.1. Taught in book/04_cnn_families/01_alexnet.ipynb.
    """
    s = lambda c: _scale(c, width)  # noqa: E731
    net = nn.HybridSequential()
    net.add(nn.Conv2D(s(96), kernel_size=11, strides=4, activation="relu"),
            nn.MaxPool2D(pool_size=3, strides=2),
            nn.Conv2D(s(256), kernel_size=5, padding=2, activation="relu"),
            nn.MaxPool2D(pool_size=3, strides=2),
            nn.Conv2D(s(384), kernel_size=3, padding=1, activation="relu"),
            nn.Conv2D(s(384), kernel_size=3, padding=1, activation="relu"),
            nn.Conv2D(s(256), kernel_size=3, padding=1, activation="relu"),
            nn.MaxPool2D(pool_size=3, strides=2),
            nn.Dense(s(4096), activation="relu"), nn.Dropout(dropout),
            nn.Dense(s(4096), activation="relu"), nn.Dropout(dropout),
            nn.Dense(num_classes))
    return net


# ------------------------------------------------------------------------------------------------------- VGG
VGG11_ARCH = ((1, 64), (1, 128), (2, 256), (2, 512), (2, 512))
"""VGG-11 (configuration A of Simonyan & Zisserman): ``(number of 3x3 convolutions, output channels)`` per block."""


def vgg_block(num_convs: int, num_channels: int, batch_norm: bool = False,
              activation: str = "relu") -> nn.HybridSequential:
    """``num_convs`` 3x3 convolutions (padding 1, so height and width are kept), each followed by an optional batch
    normalization and the activation, then a 2x2 max-pooling with stride 2 that halves height and width.

    Source: Simonyan & Zisserman, Very deep convolutional networks for large-scale image recognition, 2015;
    d2l Sec. 8.2. Taught in book/04_cnn_families/02_vgg.ipynb.
    """
    blk = nn.HybridSequential()
    for _ in range(num_convs):
        blk.add(nn.Conv2D(num_channels, kernel_size=3, padding=1))
        if batch_norm:
            blk.add(nn.BatchNorm())
        blk.add(_activation(activation))
    blk.add(nn.MaxPool2D(pool_size=2, strides=2))
    return blk


def vgg(conv_arch=VGG11_ARCH, num_classes: int = 10, dense_units: int = 4096,
        dropout: float = 0.5) -> nn.HybridSequential:
    """VGG: one :func:`vgg_block` per ``(num_convs, num_channels)`` in ``conv_arch``, then two dense layers of
    ``dense_units`` with dropout, and the output layer.

    Input ``(batch, c, h, w)`` with ``h`` and ``w`` divisible by ``2 ** len(conv_arch)`` (224 for VGG-11);
    output ``(batch, num_classes)``. d2l's "VGG-11/4" is ``[(n, c // 4) for n, c in VGG11_ARCH]``.

    Source: Simonyan & Zisserman, 2015; d2l Sec. 8.2. Taught in book/04_cnn_families/02_vgg.ipynb.
    """
    net = nn.HybridSequential()
    for num_convs, num_channels in conv_arch:
        net.add(vgg_block(num_convs, num_channels))
    net.add(nn.Dense(dense_units, activation="relu"), nn.Dropout(dropout),
            nn.Dense(dense_units, activation="relu"), nn.Dropout(dropout),
            nn.Dense(num_classes))
    return net


# ------------------------------------------------------------------------------------------------------- NiN
def nin_block(num_channels: int, kernel_size: int, strides: int, padding: int) -> nn.HybridSequential:
    """A network-in-network block: one ``kernel_size`` convolution followed by two 1x1 convolutions (a per-pixel
    MLP across channels), each with ReLU.

    Source: Lin, Chen & Yan, Network in network, 2014; d2l Sec. 8.3. Taught in book/04_cnn_families/03_nin.ipynb.
    """
    blk = nn.HybridSequential()
    blk.add(nn.Conv2D(num_channels, kernel_size, strides, padding, activation="relu"),
            nn.Conv2D(num_channels, kernel_size=1, activation="relu"),
            nn.Conv2D(num_channels, kernel_size=1, activation="relu"))
    return blk


def nin(num_classes: int = 10, width: float = 1.0, dropout: float = 0.5) -> nn.HybridSequential:
    """NiN: blocks of 96 (11x11/4), 256 (5x5), 384 (3x3) channels with 3x3/2 max-pooling, dropout, a last block
    with ``num_classes`` channels and global average pooling instead of dense layers.

    Input ``(batch, c, h, w)`` with ``h, w >= 67`` (224 in d2l); output ``(batch, num_classes)``.

    Source: Lin, Chen & Yan, 2014; d2l Sec. 8.3. Taught in book/04_cnn_families/03_nin.ipynb.
    """
    s = lambda c: _scale(c, width)  # noqa: E731
    net = nn.HybridSequential()
    net.add(nin_block(s(96), kernel_size=11, strides=4, padding=0),
            nn.MaxPool2D(pool_size=3, strides=2),
            nin_block(s(256), kernel_size=5, strides=1, padding=2),
            nn.MaxPool2D(pool_size=3, strides=2),
            nin_block(s(384), kernel_size=3, strides=1, padding=1),
            nn.MaxPool2D(pool_size=3, strides=2),
            nn.Dropout(dropout),
            nin_block(num_classes, kernel_size=3, strides=1, padding=1),
            nn.GlobalAvgPool2D(),
            nn.Flatten())
    return net


# ------------------------------------------------------------------------------------------------- GoogLeNet
class Inception(nn.HybridBlock):
    """The Inception block: four parallel paths concatenated on the channel axis.

    Path 1: 1x1 convolution (``c1`` channels). Path 2: 1x1 (``c2[0]``) then 3x3 (``c2[1]``). Path 3: 1x1
    (``c3[0]``) then 5x5 (``c3[1]``). Path 4: 3x3 max-pooling (stride 1) then 1x1 (``c4``). All with ReLU and
    padding that keeps height and width, so the output is ``(batch, c1 + c2[1] + c3[1] + c4, h, w)``.

    Source: Szegedy et al., Going deeper with convolutions, 2015; d2l Sec. 8.4.
    Taught in book/04_cnn_families/04_googlenet.ipynb.
    """

    def __init__(self, c1: int, c2: tuple[int, int], c3: tuple[int, int], c4: int, **kwargs):
        super().__init__(**kwargs)
        self.p1_1 = nn.Conv2D(c1, kernel_size=1, activation="relu")
        self.p2_1 = nn.Conv2D(c2[0], kernel_size=1, activation="relu")
        self.p2_2 = nn.Conv2D(c2[1], kernel_size=3, padding=1, activation="relu")
        self.p3_1 = nn.Conv2D(c3[0], kernel_size=1, activation="relu")
        self.p3_2 = nn.Conv2D(c3[1], kernel_size=5, padding=2, activation="relu")
        self.p4_1 = nn.MaxPool2D(pool_size=3, strides=1, padding=1)
        self.p4_2 = nn.Conv2D(c4, kernel_size=1, activation="relu")

    def hybrid_forward(self, F, x):
        p1 = self.p1_1(x)
        p2 = self.p2_2(self.p2_1(x))
        p3 = self.p3_2(self.p3_1(x))
        p4 = self.p4_2(self.p4_1(x))
        return F.np.concatenate((p1, p2, p3, p4), axis=1)


GOOGLENET_INCEPTIONS = {
    "3a": (64, (96, 128), (16, 32), 32), "3b": (128, (128, 192), (32, 96), 64),
    "4a": (192, (96, 208), (16, 48), 64), "4b": (160, (112, 224), (24, 64), 64),
    "4c": (128, (128, 256), (24, 64), 64), "4d": (112, (144, 288), (32, 64), 64),
    "4e": (256, (160, 320), (32, 128), 128),
    "5a": (256, (160, 320), (32, 128), 128), "5b": (384, (192, 384), (48, 128), 128),
}
"""The channel table of GoogLeNet (Szegedy et al., 2015, Table 1): ``(c1, (c2 reduce, c2), (c3 reduce, c3), c4)``."""


def googlenet(num_classes: int = 10, width: float = 1.0) -> nn.HybridSequential:
    """GoogLeNet in d2l's form: a stem (7x7/2 conv 64, pool; 1x1 conv 64, 3x3 conv 192, pool), Inception blocks
    3a-3b, pool, 4a-4e, pool, 5a-5b, global average pooling and one dense output layer (no auxiliary classifiers).

    Input ``(batch, c, h, w)`` of any size (224 in the paper, 96 in d2l: the padded poolings never shrink a side
    below 1, though tiny inputs leave little to see); output ``(batch, num_classes)``.

    Source: Szegedy et al., 2015; d2l Sec. 8.4. Taught in book/04_cnn_families/04_googlenet.ipynb.
    """
    s = lambda c: _scale(c, width)  # noqa: E731

    def inception(name):
        c1, (c2a, c2b), (c3a, c3b), c4 = GOOGLENET_INCEPTIONS[name]
        return Inception(s(c1), (s(c2a), s(c2b)), (s(c3a), s(c3b)), s(c4))

    pool = lambda: nn.MaxPool2D(pool_size=3, strides=2, padding=1)  # noqa: E731
    net = nn.HybridSequential()
    net.add(nn.Conv2D(s(64), kernel_size=7, strides=2, padding=3, activation="relu"), pool(),
            nn.Conv2D(s(64), kernel_size=1, activation="relu"),
            nn.Conv2D(s(192), kernel_size=3, padding=1, activation="relu"), pool(),
            inception("3a"), inception("3b"), pool(),
            *[inception(k) for k in ("4a", "4b", "4c", "4d", "4e")], pool(),
            inception("5a"), inception("5b"), nn.GlobalAvgPool2D(),
            nn.Dense(num_classes))
    return net


# ---------------------------------------------------------------------------------------------------- ResNet
class Residual(nn.HybridBlock):
    """The residual block of ResNet: ``act(bn(conv3x3(act(bn(conv3x3(x))))) + shortcut(x))``.

    The first convolution has stride ``strides``; the shortcut is the identity, or a 1x1 convolution with stride
    ``strides`` (the projection shortcut) when ``use_1x1conv``, which is needed whenever the number of channels or
    the resolution changes. Output ``(batch, num_channels, ceil(h / strides), ceil(w / strides))``.

    Source: He, Zhang, Ren & Sun, Deep residual learning for image recognition, 2016; d2l Sec. 8.6.
    Taught in book/04_cnn_families/05_resnet.ipynb.
    """

    def __init__(self, num_channels: int, use_1x1conv: bool = False, strides: int = 1, activation: str = "relu",
                 **kwargs):
        super().__init__(**kwargs)
        self.conv1 = nn.Conv2D(num_channels, kernel_size=3, padding=1, strides=strides)
        self.conv2 = nn.Conv2D(num_channels, kernel_size=3, padding=1)
        self.conv3 = nn.Conv2D(num_channels, kernel_size=1, strides=strides) if use_1x1conv else None
        self.bn1 = nn.BatchNorm()
        self.bn2 = nn.BatchNorm()
        self.act1 = _activation(activation)
        self.act2 = _activation(activation)

    def hybrid_forward(self, F, X):
        Y = self.act1(self.bn1(self.conv1(X)))
        Y = self.bn2(self.conv2(Y))
        if self.conv3 is not None:
            X = self.conv3(X)
        return self.act2(Y + X)


def resnet_block(num_channels: int, num_residuals: int, first_block: bool = False,
                 activation: str = "relu") -> nn.HybridSequential:
    """A group of ``num_residuals`` :class:`Residual` blocks; unless ``first_block``, the first of them halves
    height and width (stride 2) and changes the channels through a projection shortcut.

    Source: He et al., 2016; d2l Sec. 8.6. Taught in book/04_cnn_families/05_resnet.ipynb.
    """
    blk = nn.HybridSequential()
    for i in range(num_residuals):
        if i == 0 and not first_block:
            blk.add(Residual(num_channels, use_1x1conv=True, strides=2, activation=activation))
        else:
            blk.add(Residual(num_channels, activation=activation))
    return blk


def resnet18(num_classes: int = 10, width: float = 1.0, small_input: bool = False,
             activation: str = "relu") -> nn.HybridSequential:
    """ResNet-18: a stem, four groups of two :class:`Residual` blocks (64, 128, 256, 512 channels; groups 2-4
    start with a stride-2 block), global average pooling and a dense output layer.

    The ImageNet stem (``small_input=False``, d2l) is a 7x7/2 convolution with batch norm and a 3x3/2
    max-pooling; for 32x32 images (``small_input=True``, the CIFAR-10 project) it is one 3x3/1 convolution with
    batch norm and no pooling, so the last group still sees 4x4 maps.
    Output ``(batch, num_classes)``.

    Source: He et al., 2016; d2l Sec. 8.6. Taught in book/04_cnn_families/05_resnet.ipynb; the 32x32 variant in
    book/05_project_cifar10.
    """
    s = lambda c: _scale(c, width)  # noqa: E731
    net = nn.HybridSequential()
    if small_input:
        net.add(nn.Conv2D(s(64), kernel_size=3, strides=1, padding=1), nn.BatchNorm(), _activation(activation))
    else:
        net.add(nn.Conv2D(s(64), kernel_size=7, strides=2, padding=3), nn.BatchNorm(), _activation(activation),
                nn.MaxPool2D(pool_size=3, strides=2, padding=1))
    net.add(resnet_block(s(64), 2, first_block=True, activation=activation),
            resnet_block(s(128), 2, activation=activation),
            resnet_block(s(256), 2, activation=activation),
            resnet_block(s(512), 2, activation=activation),
            nn.GlobalAvgPool2D(), nn.Dense(num_classes))
    return net


# -------------------------------------------------------------------------------------------------- DenseNet
def dense_conv_block(num_channels: int) -> nn.HybridSequential:
    """DenseNet's "batch norm, ReLU, 3x3 convolution" unit producing ``num_channels`` (the growth rate) maps.

    Source: Huang, Liu, van der Maaten & Weinberger, Densely connected convolutional networks, 2017;
    d2l Sec. 8.7. Taught in book/04_cnn_families/06_densenet.ipynb.
    """
    blk = nn.HybridSequential()
    blk.add(nn.BatchNorm(), nn.Activation("relu"), nn.Conv2D(num_channels, kernel_size=3, padding=1))
    return blk


class DenseBlock(nn.HybridBlock):
    """``num_convs`` :func:`dense_conv_block` units, each fed the concatenation of the block's input and every
    earlier unit's output. Output ``(batch, c + num_convs * growth_rate, h, w)`` for input ``(batch, c, h, w)``.

    Source: Huang et al., 2017; d2l Sec. 8.7. Taught in book/04_cnn_families/06_densenet.ipynb.
    """

    def __init__(self, num_convs: int, growth_rate: int, **kwargs):
        super().__init__(**kwargs)
        self.net = nn.HybridSequential()
        for _ in range(num_convs):
            self.net.add(dense_conv_block(growth_rate))

    def hybrid_forward(self, F, X):
        for blk in self.net:
            Y = blk(X)
            X = F.np.concatenate((X, Y), axis=1)
        return X


def transition_block(num_channels: int) -> nn.HybridSequential:
    """DenseNet's transition layer: batch norm, ReLU, a 1x1 convolution to ``num_channels`` and a 2x2/2 average
    pooling, which halves height and width.

    Source: Huang et al., 2017; d2l Sec. 8.7. Taught in book/04_cnn_families/06_densenet.ipynb.
    """
    blk = nn.HybridSequential()
    blk.add(nn.BatchNorm(), nn.Activation("relu"), nn.Conv2D(num_channels, kernel_size=1),
            nn.AvgPool2D(pool_size=2, strides=2))
    return blk


def densenet(num_classes: int = 10, growth_rate: int = 32, num_convs_in_dense_blocks=(4, 4, 4, 4),
             num_channels: int = 64) -> nn.HybridSequential:
    """DenseNet in d2l's form: the ResNet stem with ``num_channels`` maps, dense blocks with a transition layer
    that halves the channels (and the resolution) between them, batch norm, ReLU, global average pooling and a
    dense output layer. Output ``(batch, num_classes)``.

    Source: Huang et al., 2017; d2l Sec. 8.7. Taught in book/04_cnn_families/06_densenet.ipynb.
    """
    net = nn.HybridSequential()
    net.add(nn.Conv2D(num_channels, kernel_size=7, strides=2, padding=3), nn.BatchNorm(), nn.Activation("relu"),
            nn.MaxPool2D(pool_size=3, strides=2, padding=1))
    for i, num_convs in enumerate(num_convs_in_dense_blocks):
        net.add(DenseBlock(num_convs, growth_rate))
        num_channels += num_convs * growth_rate
        if i != len(num_convs_in_dense_blocks) - 1:
            num_channels //= 2
            net.add(transition_block(num_channels))
    net.add(nn.BatchNorm(), nn.Activation("relu"), nn.GlobalAvgPool2D(), nn.Dense(num_classes))
    return net


# ------------------------------------------------------------------------------------- CIFAR-10 course project
def lenet5_cifar(num_classes: int = 10, dropout: float = 0.2, activation: str = "relu") -> nn.HybridSequential:
    """LeNet-5 for 32x32 colour images, as in the course project report: conv(6, 5x5) - 2x2 max-pool -
    conv(16, 5x5) - 2x2 max-pool - dense 120 - dense 84 - classes, with dropout after each hidden dense layer.

    Input ``(batch, 3, 32, 32)``; output ``(batch, num_classes)``.

    Source: LeCun et al., 1998; the CIFAR-10 course project report. Taught in
    book/05_project_cifar10/02_lenet5.ipynb.
    """
    net = nn.HybridSequential()
    net.add(nn.Conv2D(6, kernel_size=5), _activation(activation), nn.MaxPool2D(pool_size=2, strides=2),
            nn.Conv2D(16, kernel_size=5), _activation(activation), nn.MaxPool2D(pool_size=2, strides=2),
            nn.Dense(120), _activation(activation), nn.Dropout(dropout),
            nn.Dense(84), _activation(activation), nn.Dropout(dropout),
            nn.Dense(num_classes))
    return net


def cifar_vgg(num_classes: int = 10, channels=(64, 128, 256), dense_units: int = 256, dropout: float = 0.2,
              batch_norm: bool = True, activation: str = "relu") -> nn.HybridSequential:
    """The course project's "modified VGG" for 32x32 images: per entry of ``channels`` a :func:`vgg_block` of two
    3x3 convolutions (with batch norm when ``batch_norm``) and 2x2 max-pooling, then dropout; then a dense layer
    of ``dense_units`` with dropout, and the output layer.

    Input ``(batch, 3, 32, 32)``; output ``(batch, num_classes)``.

    Source: Simonyan & Zisserman, 2015; the CIFAR-10 course project report. Taught in
    book/05_project_cifar10/03_vgg.ipynb.
    """
    net = nn.HybridSequential()
    for c in channels:
        net.add(vgg_block(2, c, batch_norm=batch_norm, activation=activation), nn.Dropout(dropout))
    net.add(nn.Dense(dense_units), _activation(activation), nn.Dropout(dropout), nn.Dense(num_classes))
    return net


def cifar_resnet(n: int = 3, num_classes: int = 10, channels=(16, 32, 64),
                 activation: str = "relu") -> nn.HybridSequential:
    """The CIFAR ResNet of He et al. (2016, Sec. 4.2) with ``6 n + 2`` weighted layers: a 3x3 convolution with
    ``channels[0]`` maps, three stages of ``n`` :class:`Residual` blocks (16, 32, 64 channels; stages 2 and 3 start
    with stride 2), global average pooling and a dense output layer. ``n = 3`` is ResNet-20, ``n = 9`` ResNet-56.

    The paper's stage transitions use zero-padded identity shortcuts (its option A); this version uses 1x1
    projection shortcuts (option B), which add 2,656 parameters (1%) for ``n = 3``.
    Input ``(batch, 3, 32, 32)``; output ``(batch, num_classes)``.

    Source: He et al., 2016, Sec. 4.2. Taught in book/05_project_cifar10/04_resnet.ipynb.
    """
    if n < 1:
        raise ValueError(f"n must be at least 1, got {n}")
    net = nn.HybridSequential()
    net.add(nn.Conv2D(channels[0], kernel_size=3, padding=1), nn.BatchNorm(), _activation(activation))
    for i, c in enumerate(channels):
        net.add(resnet_block(c, n, first_block=(i == 0), activation=activation))
    net.add(nn.GlobalAvgPool2D(), nn.Dense(num_classes))
    return net
