"""Sentence encoders and classifiers of chapter 10: tokens to padded index arrays, pretrained embeddings, a
length-aware bidirectional LSTM, textCNN, the BiRNN classifier, and the Siamese similarity models.

Padding: every vocabulary built by :func:`build_vocab` has ``<unk>`` at 0 and ``<pad>`` at :data:`PAD` = 1;
sentences are right-padded with :data:`PAD` and the models compute their lengths and masks from it.

Sources: Kim, "Convolutional Neural Networks for Sentence Classification", EMNLP 2014 (textCNN); d2l, "Sentiment
Analysis: Using Recurrent Neural Networks" and "... Convolutional Neural Networks" (Sec. 16.2, 16.3);
Mueller & Thyagarajan, "Siamese Recurrent Architectures for Learning Sentence Similarity", AAAI 2016 (MaLSTM,
``exp(-||h_a - h_b||_1)``); Conneau et al., "Supervised Learning of Universal Sentence Representations", EMNLP
2017 (the features ``[u, v, |u - v|, u * v]``).
Taught in book/10_nlp_projects/01_sentiment_birnn.ipynb, 02_textcnn.ipynb, 03_sts_siamese.ipynb and
04_sts_improved.ipynb.
"""
from __future__ import annotations

import re
from typing import Sequence

import numpy as onp
from mxnet import init, np, npx
from mxnet.gluon import nn, rnn

from ..data.sampling import BatchLoader
from .vocab import Vocab

PAD = 1
_TOKEN = re.compile(r"[a-z0-9]+(?:[.,'][a-z0-9]+)*|n't|'[a-z]+|[^\sa-z0-9]")


def word_tokens(sentence: str) -> list[str]:
    """Lower-cased word tokens of a raw sentence, split roughly as GloVe's corpus was (``"isn't" -> is, n't``;
    punctuation marks are tokens). Example: ``"A man's hat." -> ['a', 'man', "'s", 'hat', '.']``."""
    sentence = sentence.lower().replace("n't", " n't").replace("'s ", " 's ")
    return _TOKEN.findall(sentence)


def build_vocab(sentences: Sequence[Sequence[str]], min_freq: int = 1) -> Vocab:
    """A :class:`~d2lnotes.text.vocab.Vocab` of the tokens of ``sentences`` with ``<pad>`` at index :data:`PAD`."""
    vocab = Vocab([t for s in sentences for t in s], min_freq=min_freq, reserved_tokens=["<pad>"])
    assert vocab["<pad>"] == PAD
    return vocab


def encode(sentences: Sequence[Sequence[str]], vocab: Vocab, max_len: int) -> onp.ndarray:
    """Token lists -> an ``(n, max_len)`` int32 array of indices, truncated and right-padded with :data:`PAD`.

    Raises:
        ValueError: an empty sentence (it would be all padding).
    """
    out = onp.full((len(sentences), max_len), PAD, onp.int32)
    for i, s in enumerate(sentences):
        if not s:
            raise ValueError(f"sentence {i} is empty")
        ids = vocab[list(s[:max_len])]
        out[i, :len(ids)] = ids
    return out


def pretrained_matrix(vocab: Vocab, words: Sequence[str], vectors: onp.ndarray, scale: float = 0.25,
                      seed: int = 0) -> tuple[onp.ndarray, int]:
    """An embedding matrix for ``vocab`` from pretrained vectors (GloVe, word2vec).

    Words without a vector get ``U(-scale, scale)`` values (Kim 2014 uses 0.25, about the spread of the pretrained
    values); ``<pad>`` gets zeros.

    Returns:
        ``(matrix, found)``: ``(len(vocab), d)`` float32 and the number of vocabulary words that had a vector.
    """
    rng = onp.random.default_rng(seed)
    index = {w: i for i, w in enumerate(words)}
    matrix = rng.uniform(-scale, scale, (len(vocab), vectors.shape[1])).astype(onp.float32)
    found = 0
    for i, token in enumerate(vocab.idx_to_token):
        if token in index:
            matrix[i] = vectors[index[token]]
            found += 1
    matrix[PAD] = 0
    return matrix, found


class TokenLoader(BatchLoader):
    """Minibatches ``(X, y)`` of padded token indices, each cut to its longest sentence (at least ``min_len``).

    Args:
        X: ``(n, T)`` or ``(n, 2, T)`` (sentence pairs) int array right-padded with :data:`PAD`.
        y: ``(n,)`` labels or scores, or ``(n, T)`` tags (cut like ``X``); its dtype is kept.
        batch_size, shuffle, seed: as :class:`~d2lnotes.data.sampling.ArrayLoader`.
        min_len: never cut below this length (a width-5 convolution needs 5 positions).

    Yields MXNet arrays on the CPU: ``X`` int32 and ``y``.
    """

    def __init__(self, X: onp.ndarray, y: onp.ndarray, batch_size: int, shuffle: bool = False, seed: int = 0,
                 min_len: int = 1):
        if len(X) != len(y):
            raise ValueError(f"{len(X)} examples but {len(y)} targets")
        super().__init__(len(X), batch_size, shuffle, seed)
        self.X, self.y, self.min_len = X, onp.asarray(y), min_len
        self.lengths = (X != PAD).reshape(len(X), -1, X.shape[-1]).sum(-1).max(-1)

    def collate(self, idx: onp.ndarray):
        T = max(int(self.lengths[idx].max()), self.min_len)
        y = self.y[idx][:, :T] if self.y.ndim == 2 else self.y[idx]
        return np.array(self.X[idx][..., :T], dtype="int32"), np.array(y, dtype=y.dtype)


def lengths_of(X) -> onp.ndarray:
    """Lengths ``(batch,)`` (int64, on the host) of right-padded index rows ``X: (batch, T)``."""
    return (X.asnumpy() != PAD).sum(axis=1).astype(onp.int64)


def reverse_padded(H, lengths: onp.ndarray):
    """Reverse each sequence of ``H: (T, batch, d)`` within its own length; padding stays where it is.

    Example (one column, length 3 of T = 4): ``a b c <pad> -> c b a <pad>``. Differentiable (a gather).
    """
    T, B = H.shape[0], H.shape[1]
    t = onp.arange(T)[:, None]
    source = onp.where(t < lengths[None, :], lengths[None, :] - 1 - t, t)  # (T, B) time step to read
    flat = (source * B + onp.arange(B)[None, :]).reshape(-1)
    return np.take(H.reshape(T * B, -1), np.array(flat, dtype="int32", ctx=H.ctx), axis=0).reshape(T, B, -1)


class MaskedBiLSTM(nn.Block):
    """A (stacked, optionally bidirectional) LSTM over right-padded sequences that never reads padding.

    Gluon's ``rnn.LSTM(bidirectional=True)`` starts its backward direction at the last position, i.e. on the
    padding of every shorter sentence (its ``use_sequence_length`` is not supported for that on the CPU); here
    the backward layer reads each sentence reversed within its length (:func:`reverse_padded`).

    ``forward(X (T, batch, d), lengths (batch,) host ints) -> (T, batch, h * directions)``; the outputs at padded
    positions are meaningless and must be masked by the caller.
    """

    def __init__(self, num_hiddens: int, num_layers: int = 1, bidirectional: bool = True, dropout: float = 0.0):
        super().__init__()
        self.bidirectional, self.num_layers = bidirectional, num_layers
        self.forward_layers, self.backward_layers = nn.Sequential(), nn.Sequential()
        for _ in range(num_layers):
            self.forward_layers.add(rnn.LSTM(num_hiddens))
            if bidirectional:
                self.backward_layers.add(rnn.LSTM(num_hiddens))
        self.dropout = nn.Dropout(dropout) if dropout else None

    def forward(self, X, lengths):
        for layer in range(self.num_layers):
            if layer and self.dropout is not None:
                X = self.dropout(X)
            out = self.forward_layers[layer](X)
            if self.bidirectional:
                back = reverse_padded(self.backward_layers[layer](reverse_padded(X, lengths)), lengths)
                out = np.concatenate([out, back], axis=-1)
            X = out
        return X


def time_mask(lengths: onp.ndarray, T: int, ctx) -> "np.ndarray":
    """``(T, batch)`` float32 mask: 1 at real tokens, 0 at padding."""
    return np.array((onp.arange(T)[:, None] < lengths[None, :]).astype(onp.float32), ctx=ctx)


def masked_max(H, mask):
    """Max over time of ``H: (T, batch, d)`` at real tokens only (``mask: (T, batch)``) -> ``(batch, d)``."""
    return (H + (mask[:, :, None] - 1) * 1e4).max(axis=0)


def last_state(H, lengths: onp.ndarray, num_hiddens: int, bidirectional: bool):
    """The final state of each sentence from the outputs ``H: (T, batch, h * directions)`` of
    :class:`MaskedBiLSTM`: the forward half at position ``length - 1``, the backward half at position 0."""
    T, B = H.shape[0], H.shape[1]
    flat = np.array((lengths - 1) * B + onp.arange(B), dtype="int32", ctx=H.ctx)
    forward = np.take(H.reshape(T * B, -1), flat, axis=0)[:, :num_hiddens]
    return np.concatenate([forward, H[0, :, num_hiddens:]], axis=-1) if bidirectional else forward


def embedding_layer(vocab_size: int, embed_size: int, weights: onp.ndarray | None = None,
                    trainable: bool = True) -> nn.Embedding:
    """An ``nn.Embedding`` initialised from ``weights`` (``(vocab_size, embed_size)``; None: the default random
    init) and frozen (``grad_req = "null"``) unless ``trainable``.

    Raises:
        ValueError: ``weights`` of another shape.
    """
    if weights is not None and weights.shape != (vocab_size, embed_size):
        raise ValueError(f"pretrained weights {weights.shape}, expected {(vocab_size, embed_size)}")
    # the layer's own initializer wins over the one given to net.initialize()
    layer = nn.Embedding(vocab_size, embed_size,
                         weight_initializer=None if weights is None else init.Constant(np.array(weights)))
    if not trainable:
        layer.weight.grad_req = "null"
    return layer


class TextCNN(nn.Block):
    """Kim's (2014) convolutional sentence classifier.

    Embeddings ``(batch, T, d)`` -> for each kernel width ``k``: ``Conv1D(num_channels, k)`` over time, ReLU,
    max-over-time pooling -> concatenation ``(batch, num_channels * len(kernel_sizes))`` -> dropout -> dense.
    The number of output channels of each convolution is a free choice (Kim: 100 per width), not ``d``.

    Args:
        vocab_size, embed_size: embedding table size.
        mode: ``"rand"`` (random, trained), ``"static"`` (pretrained, frozen), ``"non-static"`` (pretrained,
            fine-tuned) or ``"multichannel"`` (a frozen and a fine-tuned copy, stacked as input channels: each
            filter sees both and adds its responses).
        pretrained: ``(vocab_size, embed_size)`` vectors, required unless ``mode == "rand"``.
        kernel_sizes, num_channels, dropout, num_classes: as in Kim (3, 4, 5; 100; 0.5; 2).

    ``forward(X (batch, T) indices, T >= max(kernel_sizes)) -> (batch, num_classes)`` scores.
    ``feature_maps(X)`` gives the ReLU outputs ``[(batch, num_channels, T - k + 1) for k in kernel_sizes]``.

    Raises:
        ValueError: unknown mode, or no pretrained vectors for a mode that needs them.
    """

    MODES = ("rand", "static", "non-static", "multichannel")

    def __init__(self, vocab_size: int, embed_size: int, mode: str = "rand", pretrained: onp.ndarray | None = None,
                 kernel_sizes: Sequence[int] = (3, 4, 5), num_channels: int = 100, dropout: float = 0.5,
                 num_classes: int = 2):
        super().__init__()
        if mode not in self.MODES:
            raise ValueError(f"unknown mode {mode!r}: use one of {self.MODES}")
        if mode != "rand" and pretrained is None:
            raise ValueError(f"mode {mode!r} needs pretrained vectors")
        self.mode, self.kernel_sizes = mode, tuple(kernel_sizes)
        self.embedding = embedding_layer(vocab_size, embed_size, None if mode == "rand" else pretrained,
                                    trainable=mode != "static")
        self.constant_embedding = (embedding_layer(vocab_size, embed_size, pretrained, trainable=False)
                                   if mode == "multichannel" else None)
        self.convs = nn.Sequential()
        in_channels = embed_size * (2 if mode == "multichannel" else 1)
        for k in self.kernel_sizes:
            self.convs.add(nn.Conv1D(num_channels, k, activation="relu", in_channels=in_channels))
        self.dropout = nn.Dropout(dropout)
        self.decoder = nn.Dense(num_classes, in_units=num_channels * len(self.kernel_sizes))

    def feature_maps(self, X):
        E = self.embedding(X)
        if self.constant_embedding is not None:
            E = np.concatenate([E, self.constant_embedding(X)], axis=-1)
        E = E.transpose(0, 2, 1)  # Conv1D reads (batch, channels, time)
        return [conv(E) for conv in self.convs]

    def forward(self, X):
        pooled = np.concatenate([m.max(axis=-1) for m in self.feature_maps(X)], axis=1)
        return self.decoder(self.dropout(pooled))


class BiRNNClassifier(nn.Block):
    """A bidirectional LSTM sentence classifier: embeddings -> :class:`MaskedBiLSTM` -> max over the real time
    steps -> dense. ``forward(X (batch, T)) -> (batch, num_classes)``.

    Args:
        pretrained: initial embedding vectors (None: random); ``trainable_embedding``: fine-tune them or not.
    """

    def __init__(self, vocab_size: int, embed_size: int, num_hiddens: int, num_layers: int = 1,
                 pretrained: onp.ndarray | None = None, trainable_embedding: bool = True, dropout: float = 0.5,
                 num_classes: int = 2):
        super().__init__()
        self.embedding = embedding_layer(vocab_size, embed_size, pretrained, trainable_embedding)
        self.encoder = MaskedBiLSTM(num_hiddens, num_layers, bidirectional=True)
        self.dropout = nn.Dropout(dropout)
        self.decoder = nn.Dense(num_classes)

    def forward(self, X):
        lengths = lengths_of(X)
        H = self.encoder(self.dropout(self.embedding(X.T)), lengths)
        return self.decoder(self.dropout(masked_max(H, time_mask(lengths, X.shape[1], X.ctx))))


class SentenceEncoder(nn.Block):
    """The Siamese branch: embeddings -> LSTM (1 or 2 layers, uni- or bidirectional) -> optional LayerNorm ->
    the last state or max pooling over time. ``forward(X (batch, T)) -> (batch, h * directions)``.

    The variants are the rows of the STS-B course report's ablation (book/10_nlp_projects/03_sts_siamese.ipynb).
    """

    def __init__(self, vocab_size: int, embed_size: int, num_hiddens: int = 64, num_layers: int = 1,
                 bidirectional: bool = True, layer_norm: bool = True, pool: str = "max",
                 pretrained: onp.ndarray | None = None, trainable_embedding: bool = False):
        super().__init__()
        if pool not in ("max", "last"):
            raise ValueError(f"pool must be 'max' or 'last', got {pool!r}")
        self.num_hiddens, self.bidirectional, self.pool = num_hiddens, bidirectional, pool
        self.embedding = embedding_layer(vocab_size, embed_size, pretrained, trainable_embedding)
        self.encoder = MaskedBiLSTM(num_hiddens, num_layers, bidirectional=bidirectional)
        self.norm = nn.LayerNorm() if layer_norm else None

    def forward(self, X):
        lengths = lengths_of(X)
        H = self.encoder(self.embedding(X.T), lengths)
        if self.norm is not None:
            H = self.norm(H)
        if self.pool == "last":
            return last_state(H, lengths, self.num_hiddens, self.bidirectional)
        return masked_max(H, time_mask(lengths, X.shape[1], X.ctx))


class ManhattanSimilarity(nn.Block):
    """MaLSTM's similarity of a sentence pair: ``exp(-||h_a - h_b||_1)`` in (0, 1], one shared encoder.

    ``forward(X (batch, 2, T)) -> (batch,)``; multiply by 5 for an STS score.
    """

    def __init__(self, encoder: nn.Block):
        super().__init__()
        self.encoder = encoder

    def forward(self, X):
        h_a, h_b = self.encoder(X[:, 0]), self.encoder(X[:, 1])
        return np.exp(-np.abs(h_a - h_b).sum(axis=1))


class PairRegressor(nn.Block):
    """A sentence-pair regressor on the features ``[u, v, |u - v|, u * v]`` of a shared encoder's vectors
    ``u, v`` (InferSent's), through a hidden layer to ``sigmoid(.)`` in (0, 1); multiply by 5 for an STS score.

    ``forward(X (batch, 2, T)) -> (batch,)``.
    """

    def __init__(self, encoder: nn.Block, num_hiddens: int = 128, dropout: float = 0.1):
        super().__init__()
        self.encoder = encoder
        self.head = nn.Sequential()
        self.head.add(nn.Dropout(dropout), nn.Dense(num_hiddens, activation="relu"), nn.Dense(1))

    def forward(self, X):
        u, v = self.encoder(X[:, 0]), self.encoder(X[:, 1])
        features = np.concatenate([u, v, np.abs(u - v), u * v], axis=1)
        return npx.sigmoid(self.head(features)[:, 0])


def cross_validate(make_net, X: onp.ndarray, y: onp.ndarray, num_folds: int, num_epochs: int, *,
                   folds_run: int | None = None, lr: float = 1e-3, batch_size: int = 50, valid_fraction: float = 0.1,
                   min_len: int = 1, seed: int = 0, ctx=None, plot: bool = False) -> list[dict]:
    """Stratified k-fold cross-validation of a sentence classifier, as Kim (2014) evaluates on MR.

    For each fold: a class-balanced ``valid_fraction`` of the training part is held out for validation, a fresh
    ``make_net()`` is initialised (Xavier, except layers with their own initializer, e.g. pretrained embeddings)
    and trained with Adam through :func:`d2lnotes.train.train_classifier`; the fold's result is the test accuracy
    at the epoch with the best *validation* accuracy (never chosen on the test fold).

    Args:
        make_net: ``() -> nn.Block`` mapping ``(batch, T)`` indices to ``(batch, classes)`` scores.
        X: ``(n, T)`` padded indices (:func:`encode`); y: ``(n,)`` integer labels.
        num_folds: k of the stratified split (shuffled with ``seed``); folds_run: train only the first folds
            (None: all k).
        num_epochs, lr, batch_size: training settings; min_len: see :class:`TokenLoader`.
        plot: draw each fold's live training plot.

    Returns:
        One dict per fold: ``fold``, ``test_acc``, ``best_epoch``, ``majority`` (the test accuracy of predicting
        the training part's most frequent class), ``seconds`` (training time), ``history`` and the trained ``net``
        (after its last epoch).
    """
    import mxnet as mx
    from sklearn.model_selection import StratifiedKFold

    from ..config import seed_everything, try_gpu
    from ..data.sampling import holdout_split
    from ..train import train_classifier

    ctx = ctx or try_gpu()
    splitter = StratifiedKFold(num_folds, shuffle=True, random_state=seed)
    results = []
    for k, (train_idx, test_idx) in enumerate(splitter.split(onp.zeros(len(y)), y)):
        if folds_run is not None and k >= folds_run:
            break
        keep, valid = holdout_split(y[train_idx], max(1, round(valid_fraction * len(train_idx))), seed=seed + k)
        keep, valid = train_idx[keep], train_idx[valid]
        loaders = [TokenLoader(X[i], y[i], batch_size if i is keep else 500, shuffle=i is keep, seed=seed + k,
                               min_len=min_len) for i in (keep, valid, test_idx)]
        seed_everything(seed + k)
        net = make_net()
        net.initialize(mx.init.Xavier(), ctx=ctx)
        history = train_classifier(net, loaders[0], loaders[2], num_epochs, lr, ctx=ctx, optimizer="adam", init=None,
                                   hybridize=False, valid_iter=loaders[1], plot=plot)
        best = history.best_epoch("valid_acc")
        majority = onp.bincount(y[keep]).argmax()
        results.append({"fold": k + 1, "test_acc": history["test_acc"][best - 1], "best_epoch": best,
                        "majority": float((y[test_idx] == majority).mean()), "seconds": sum(history["seconds"]),
                        "history": history, "net": net})
    return results


def encode_pairs(first: Sequence[Sequence[str]], second: Sequence[Sequence[str]], vocab: Vocab,
                 max_len: int) -> onp.ndarray:
    """Two lists of token lists -> ``(n, 2, max_len)`` int32 indices (:func:`encode` of each side)."""
    return onp.stack([encode(first, vocab, max_len), encode(second, vocab, max_len)], axis=1)


def predict_scores(net, X: onp.ndarray, scale: float = 5.0, ctx=None, batch_size: int = 500) -> onp.ndarray:
    """``scale * net(pairs)`` for ``X: (n, 2, T)`` pairs, as an ``(n,)`` NumPy array (dropout off)."""
    out = []
    for Xb, _ in TokenLoader(X, onp.zeros(len(X)), batch_size):
        out.append(net(Xb.as_in_ctx(ctx) if ctx is not None else Xb).asnumpy())
    return scale * onp.concatenate(out)


def train_similarity(net, train_iter, num_epochs: int, lr: float, eval_sets: dict, *, optimizer: str = "rmsprop",
                     plateau_patience: int | None = None, scale: float = 5.0, ctx=None, plot: bool = False):
    """Train a sentence-pair model whose output in (0, 1) is the similarity score divided by ``scale``, with the
    mean squared error on ``score / scale`` (the STS-B course report's loss), on :func:`d2lnotes.train.fit`.

    Args:
        net: ``(batch, 2, T) -> (batch,)`` in (0, 1), e.g. :class:`ManhattanSimilarity`, :class:`PairRegressor`
            (initialised by the caller).
        train_iter: a :class:`TokenLoader` of ``(pairs, scores)``.
        eval_sets: ``{name: (X (n, 2, T), scores (n,))}`` evaluated after every epoch: ``<name>_pearson``,
            ``<name>_spearman`` and ``<name>_mse`` (on the 0-5 scale). Select the epoch on a development set
            (``history.best_epoch("dev_pearson")``) and read the test metrics there.
        plateau_patience: divide the learning rate by 10 after this many epochs without a lower MSE on the first
            eval set (:class:`~d2lnotes.schedules.ReduceLROnPlateau`); None: constant learning rate.

    Returns:
        The run's :class:`~d2lnotes.train.History`.
    """
    from mxnet import autograd, gluon

    from ..config import try_gpu
    from ..plot import TrainingPlot
    from ..schedules import ReduceLROnPlateau
    from ..train import fit
    from .metrics import pearson, spearman

    ctx = ctx or try_gpu()
    trainer = gluon.Trainer(net.collect_params(), optimizer, {"learning_rate": lr})
    plateau = ReduceLROnPlateau(lr, factor=0.1, patience=plateau_patience) if plateau_patience is not None else None
    first = next(iter(eval_sets))

    def batch_step(i, X, y):
        X, y = X.as_in_ctx(ctx), y.as_in_ctx(ctx)
        with autograd.record():
            loss = ((net(X) - y / scale) ** 2).sum()
        loss.backward()
        trainer.step(X.shape[0])
        return X.shape[0], (loss,)

    def evaluate():
        metrics = {}
        for name, (X, y) in eval_sets.items():
            pred = predict_scores(net, X, scale, ctx)
            metrics.update({f"{name}_pearson": pearson(pred, y), f"{name}_spearman": spearman(pred, y),
                            f"{name}_mse": float(((pred - y) ** 2).mean())})
        return metrics

    def on_epoch(epoch, history):
        if plateau is not None:
            trainer.set_learning_rate(plateau.step(history[f"{first}_mse"][-1]))

    names = [f"{name}_pearson" for name in eval_sets]
    return fit(batch_step, train_iter, num_epochs, train_metrics={"train_mse": lambda s, n: s[0] / n},
               evaluate=evaluate, on_epoch=on_epoch, device=str(ctx), plot_metrics=names,
               plot=TrainingPlot(legend=[n.replace("_", " ") for n in names], xlim=(1, num_epochs)) if plot else None)
