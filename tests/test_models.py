"""The CNN families and the CIFAR-10 project models: output shapes, parameter counts against Gluon's model zoo
and the papers, and the building blocks' shapes."""
import mxnet as mx
import pytest
from mxnet import np
from mxnet.gluon.model_zoo import vision as zoo

import d2lnotes  # noqa: F401  (NumPy interface)
from d2lnotes.check import copy_parameters
from d2lnotes.vision import models as M


def _run(net, shape):
    net.initialize(mx.init.Xavier())
    return net(np.random.uniform(size=shape))


def _learned(net):
    return sum(p.data().size for p in net.collect_params().values() if p.grad_req != "null")


@pytest.mark.parametrize("build, shape", [
    (lambda: M.alexnet(width=0.125), (2, 1, 96, 96)),
    (lambda: M.vgg([(n, c // 16) for n, c in M.VGG11_ARCH], dense_units=64), (2, 1, 64, 64)),
    (lambda: M.nin(width=0.125), (2, 1, 96, 96)),
    (lambda: M.googlenet(width=0.125), (2, 1, 64, 64)),
    (lambda: M.resnet18(width=0.125), (2, 1, 64, 64)),
    (lambda: M.densenet(growth_rate=8, num_channels=16), (2, 1, 64, 64)),
    (lambda: M.lenet5_cifar(), (2, 3, 32, 32)),
    (lambda: M.cifar_vgg(channels=(8, 16, 32), dense_units=16), (2, 3, 32, 32)),
    (lambda: M.cifar_vgg(channels=(8, 16, 32), batch_norm=False, activation="celu"), (2, 3, 32, 32)),
    (lambda: M.resnet18(small_input=True, width=0.125), (2, 3, 32, 32)),
    (lambda: M.cifar_resnet(1, channels=(4, 8, 16)), (2, 3, 32, 32)),
])
def test_output_shape(build, shape):
    assert _run(build(), shape).shape == (shape[0], 10)


def test_vgg11_has_the_model_zoo_parameter_count():
    ours, ref = M.vgg(num_classes=1000), zoo.vgg11(classes=1000)
    _run(ours, (1, 3, 224, 224)), _run(ref, (1, 3, 224, 224))
    assert _learned(ours) == _learned(ref) == 132_863_336


def test_resnet18_differs_from_the_model_zoo_only_by_convolution_biases():
    ours, ref = M.resnet18(num_classes=1000), zoo.resnet18_v1(classes=1000)
    _run(ours, (1, 3, 224, 224)), _run(ref, (1, 3, 224, 224))
    # d2l's convolutions have biases: 64 (stem) + 2 * (2*64 + 2*128 + 2*256 + 2*512) in the blocks + 3 projections
    conv_biases = 64 + 2 * (2 * 64 + 2 * 128 + 2 * 256 + 2 * 512) + (128 + 256 + 512)
    # ... and the zoo's projection shortcuts have a batch norm (gamma, beta) that d2l's have not
    zoo_bn = 2 * (128 + 256 + 512)
    assert _learned(ours) - _learned(ref) == conv_biases - zoo_bn


def test_googlenet_matches_the_paper():
    net = M.googlenet(num_classes=1000)
    _run(net, (1, 3, 224, 224))
    # Szegedy et al. (2015): about 6.8 million parameters without the auxiliary classifiers
    assert 6.6e6 < _learned(net) < 7.1e6
    outs = {k: c1 + c2[1] + c3[1] + c4 for k, (c1, c2, c3, c4) in M.GOOGLENET_INCEPTIONS.items()}
    assert outs == {"3a": 256, "3b": 480, "4a": 512, "4b": 512, "4c": 512, "4d": 528, "4e": 832, "5a": 832,
                    "5b": 1024}  # Table 1 of the paper


def test_inception_and_dense_blocks_grow_channels_as_documented():
    blk = M.Inception(4, (2, 6), (1, 3), 5)
    assert _run(blk, (2, 3, 9, 9)).shape == (2, 18, 9, 9)
    assert _run(M.DenseBlock(3, 5), (2, 4, 8, 8)).shape == (2, 19, 8, 8)
    assert _run(M.transition_block(6), (2, 19, 8, 8)).shape == (2, 6, 4, 4)


def test_residual_shapes_and_projection():
    assert _run(M.Residual(3), (2, 3, 6, 6)).shape == (2, 3, 6, 6)
    assert _run(M.Residual(6, use_1x1conv=True, strides=2), (2, 3, 7, 7)).shape == (2, 6, 4, 4)
    with pytest.raises(Exception):
        _run(M.Residual(6), (2, 3, 6, 6))  # channels change without a projection: the sum cannot be formed


@pytest.mark.parametrize("n, paper", [(3, 0.27e6), (5, 0.46e6), (9, 0.85e6)])
def test_cifar_resnet_parameter_counts_are_near_the_paper(n, paper):
    net = M.cifar_resnet(n)
    _run(net, (1, 3, 32, 32))
    # He et al. (2016), Table 6; the 1x1 projections (option B) add a few thousand parameters
    assert 0 < _learned(net) - paper < 0.06 * paper


def test_lenet5_cifar_parameters_by_hand():
    net = M.lenet5_cifar()
    _run(net, (1, 3, 32, 32))
    assert _learned(net) == 6 * 76 + 16 * 151 + 120 * 401 + 84 * 121 + 10 * 85


def test_width_scales_channels_and_bad_arguments_fail():
    net = M.alexnet(width=0.5)
    _run(net, (1, 1, 96, 96))
    assert net[0].weight.shape[0] == 48
    with pytest.raises(ValueError):
        M.alexnet(width=0)
    with pytest.raises(ValueError, match="activation"):
        M.cifar_vgg(activation="tanh")
    with pytest.raises(ValueError):
        M.cifar_resnet(0)


def test_copy_parameters_makes_two_builds_compute_the_same_function():
    a, b = M.cifar_resnet(1, channels=(4, 8, 16)), M.cifar_resnet(1, channels=(4, 8, 16))
    X = np.random.uniform(size=(2, 3, 32, 32))
    _run(a, X.shape), _run(b, X.shape)
    assert float(np.abs(a(X) - b(X)).max()) > 0  # independently initialised: different functions
    assert copy_parameters(a, b) == len(list(a.collect_params().values()))
    assert float(np.abs(a(X) - b(X)).max()) == 0
    c = M.cifar_resnet(1, channels=(4, 8, 12))
    _run(c, X.shape)
    with pytest.raises(ValueError, match="does not fit"):
        copy_parameters(a, c)
    d = M.cifar_resnet(2, channels=(4, 8, 16))
    _run(d, X.shape)
    with pytest.raises(ValueError, match="parameters in the source"):
        copy_parameters(a, d)
