"""Checking tools: "is my version the same as the library's?" and "how many parameters should it have?".

Every chapter builds a model or a layer from scratch and then shows that it computes the same function as the
package's copy or as Gluon's own block. The tools for that live here, not in the model modules:

- :func:`copy_parameters` and :func:`assert_same_function`: two Gluon networks of the same design, made equal and
  compared on one input, in inference and in training mode;
- :func:`num_params`, :func:`conv_params`, :func:`dense_params`: parameter counts, measured and by hand;
- :func:`layer_table`: a sequential network's output shape and parameters, child by child;
- :func:`split_gates`, :func:`gluon_weights`, :func:`make_gluon_cell`, :func:`gluon_cell_step`: reading and
  driving Gluon's recurrent cells, whose stacked gate weights a from-scratch cell is compared with.
"""
from __future__ import annotations

import mxnet as mx
from mxnet import autograd, gluon
from mxnet.gluon import nn, rnn

__all__ = ["copy_parameters", "assert_same_function", "num_params", "conv_params", "dense_params", "layer_table",
           "split_gates", "gluon_weights", "make_gluon_cell", "gluon_cell_step"]


def copy_parameters(src: nn.Block, dst: nn.Block) -> int:
    """Copy every parameter of ``src`` into ``dst``, matched by position in ``collect_params()`` order.

    Two networks built from the same layers in the same order have their parameters (weights, biases, batch-norm
    scales and running statistics) in the same order. Both must be initialised with every shape known (run one
    forward pass first, for deferred initialisation).

    Returns:
        The number of parameter arrays copied.

    Raises:
        ValueError: different numbers of parameters, or a pair of different shapes (the networks differ).
    """
    src_params, dst_params = list(src.collect_params().values()), list(dst.collect_params().values())
    if len(src_params) != len(dst_params):
        raise ValueError(f"{len(src_params)} parameters in the source but {len(dst_params)} in the target")
    for p, q in zip(src_params, dst_params):
        if p.shape != q.shape:
            raise ValueError(f"{p.name} {p.shape} does not fit {q.name} {q.shape}")
        q.set_data(p.data())
    return len(src_params)


def assert_same_function(ours: nn.Block, theirs: nn.Block, X, *, rtol: float = 1e-5, atol: float = 1e-5,
                         train_mode: bool = True, copy: bool = True) -> dict[str, float]:
    """Assert that two networks compute the same function of ``X``.

    Both networks are run once on ``X`` (which completes deferred initialisation), then, with ``copy=True``, the
    parameters of ``ours`` are copied into ``theirs`` (:func:`copy_parameters`), and the outputs are compared in
    inference mode and, with ``train_mode=True``, in training mode too (batch normalisation then uses the
    batch's statistics; dropout must be absent or zero, since two networks draw different masks).

    Args:
        ours, theirs: initialised Gluon blocks (any parameter shapes may still be deferred).
        X: an input batch both accept, e.g. ``(batch, channels, height, width)``.
        rtol, atol: the comparison is ``|ours - theirs| <= atol + rtol * |theirs|`` element-wise.
        train_mode: also compare under ``autograd.train_mode()``.
        copy: copy the parameters first (False: compare networks whose parameters were set otherwise).

    Returns:
        ``{"inference": max |difference|, "training": max |difference|}`` (the second only with ``train_mode``).

    Raises:
        AssertionError: the outputs differ in shape or by more than the tolerance (the message gives the mode
            and the largest difference).
        ValueError: the parameters cannot be copied (see :func:`copy_parameters`).
    """
    ours(X), theirs(X)
    if copy:
        copy_parameters(ours, theirs)
    modes = {"inference": autograd.predict_mode}
    if train_mode:
        modes["training"] = autograd.train_mode
    diffs = {}
    for name, mode in modes.items():
        with mode():
            a, b = ours(X), theirs(X)
        if a.shape != b.shape:
            raise AssertionError(f"{name} mode: output shapes differ, {a.shape} vs {b.shape}")
        diff = abs(a - b)
        diffs[name] = float(diff.max()) if diff.size else 0.0
        excess = float((diff - (atol + rtol * abs(b))).max()) if diff.size else 0.0
        if excess > 0:
            raise AssertionError(f"{name} mode: outputs differ by up to {diffs[name]:.3g} "
                                 f"(rtol={rtol}, atol={atol})")
    return diffs


def num_params(block: nn.Block, trainable_only: bool = True) -> int:
    """The number of parameter values of an initialised block.

    Args:
        trainable_only: count only parameters with gradients (batch-norm running means and variances are left
            out, as papers count); False counts every stored array.

    Raises:
        RuntimeError: a parameter is not initialised yet (run one forward pass after a deferred initialisation).
    """
    return sum(p.data().size for p in block.collect_params().values()
               if not trainable_only or p.grad_req != "null")


def conv_params(c_in: int, c_out: int, k: int | tuple[int, int], bias: bool = True) -> int:
    """Parameters of a 2-D convolution by hand: ``c_out * (c_in * k_h * k_w + 1)`` (without bias: ``... + 0``).

    ``k`` is the kernel side (an int) or ``(k_h, k_w)``.
    """
    k_h, k_w = (k, k) if isinstance(k, int) else k
    return c_out * (c_in * k_h * k_w + int(bias))


def dense_params(n_in: int, n_out: int, bias: bool = True) -> int:
    """Parameters of a fully connected layer by hand: ``n_out * (n_in + 1)`` (without bias: ``n_out * n_in``)."""
    return n_out * (n_in + int(bias))


def layer_table(net: nn.Block, X, label=None, show: bool = True):
    """Pass ``X`` through the children of a sequential network one at a time and list, for each child, a label,
    its output shape and its learned parameters (:func:`num_params`): the shape walk-through of d2l (Sec. 6.6).

    Args:
        net: a Gluon ``Sequential`` or ``HybridSequential``, initialised (deferred initialisation completes here).
        X: an input batch on the network's device, e.g. ``(1, channels, height, width)``.
        label: ``label(i, child) -> str`` names row ``i`` (default: the child's class name).
        show: print the table (one ``print``, so a cell has one output to compare).

    Returns:
        ``(Y, rows)``: the network's output for ``X`` and one ``(label, output shape, parameters)`` row per child.

    Raises:
        TypeError: ``net`` is not a sequential network with children.

    Written out in book/03_cnn_basics/02_lenet.ipynb and checked against this function there.
    """
    if not isinstance(net, (nn.Sequential, nn.HybridSequential)) or len(net) == 0:
        raise TypeError(f"layer_table needs a non-empty Sequential or HybridSequential, got {type(net).__name__}")
    rows = []
    for i, child in enumerate(net):
        X = child(X)
        rows.append((label(i, child) if label else type(child).__name__, tuple(X.shape), num_params(child)))
    if show:
        w_label = max(len(r[0]) for r in rows)
        w_shape = max(len(str(r[1])) for r in rows)
        w_params = max(len(f"{r[2]:,}") for r in rows)
        print("\n".join(f"{name:{w_label}} output shape: {str(shape):{w_shape}} parameters: {n:{w_params},}"
                        for name, shape, n in rows))
    return X, rows


def split_gates(i2h_weight, h2h_weight, i2h_bias, h2h_bias) -> list[tuple]:
    """Split Gluon's stacked gate weights into one ``(W_x, W_h, b_x, b_h)`` per gate, in Gluon's order.

    Gluon stores ``i2h_weight: (G * h, C)`` and ``h2h_weight: (G * h, h)`` and computes ``x @ i2h_weight.T``;
    the returned ``W_x: (C, h)`` and ``W_h: (h, h)`` are transposed for ``X @ W``. ``G`` (3 for GRU: reset,
    update, candidate; 4 for LSTM: input, forget, cell, output) is read from the shapes.

    Raises:
        ValueError: the shapes do not stack whole gates.
    """
    num_hiddens = h2h_weight.shape[1]
    num_gates, rest = divmod(h2h_weight.shape[0], num_hiddens)
    stacked = num_gates * num_hiddens
    if rest or i2h_weight.shape[0] != stacked or i2h_bias.shape != (stacked,) or h2h_bias.shape != (stacked,):
        raise ValueError(f"shapes {i2h_weight.shape}, {h2h_weight.shape}, {i2h_bias.shape}, {h2h_bias.shape} "
                         "do not stack whole gates of one hidden size")
    gates = []
    for g in range(num_gates):
        rows = slice(g * num_hiddens, (g + 1) * num_hiddens)
        gates.append((i2h_weight[rows].T, h2h_weight[rows].T, i2h_bias[rows], h2h_bias[rows]))
    return gates


def gluon_weights(block: gluon.Block) -> dict:
    """A block's parameters as ``mxnet.np`` arrays, keyed by name without the block's prefix
    (``"i2h_weight"`` for a cell, ``"l0_i2h_weight"``, ``"r0_h2h_bias"`` for a layer)."""
    weights = {}
    for name, param in block.collect_params().items():
        data = param.data()
        weights[name[len(block.prefix):]] = data.as_np_ndarray() if isinstance(data, mx.nd.NDArray) else data
    return weights


def make_gluon_cell(kind: str, num_hiddens: int, input_size: int, scale: float = 0.5) -> gluon.Block:
    """An ``rnn.RNNCell``, ``rnn.GRUCell`` or ``rnn.LSTMCell`` with every weight and bias drawn from
    ``N(0, scale^2)`` (non-zero biases, so a check also catches a misplaced bias).

    MXNet 1.9's Gluon cells are written with legacy operators that reject ``mxnet.np`` arrays; the cell is
    created in legacy-array mode, so call it through :func:`gluon_cell_step` and read it with
    :func:`gluon_weights`.

    Raises:
        ValueError: unknown ``kind`` (use ``"rnn"``, ``"gru"`` or ``"lstm"``).
    """
    classes = {"rnn": rnn.RNNCell, "gru": rnn.GRUCell, "lstm": rnn.LSTMCell}
    if kind not in classes:
        raise ValueError(f"unknown cell kind {kind!r}: use one of {sorted(classes)}")
    with mx.util.np_array(False):
        cell = classes[kind](num_hiddens, input_size=input_size)
        cell.initialize()
        for param in cell.collect_params().values():
            param.set_data(mx.nd.random.normal(scale=scale, shape=param.shape))
    return cell


def gluon_cell_step(cell: gluon.Block, X, states: list) -> tuple:
    """One step of a cell made by :func:`make_gluon_cell` on ``mxnet.np`` arrays.

    ``X: (B, C)``, ``states``: a list of ``(B, h)`` arrays. Returns ``(output, new_states)`` as ``mxnet.np``
    arrays.
    """
    with mx.util.np_array(False):
        out, new_states = cell(X.as_nd_ndarray(), [s.as_nd_ndarray() for s in states])
    return out.as_np_ndarray(), [s.as_np_ndarray() for s in new_states]
