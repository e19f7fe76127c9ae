"""Sequence to sequence: translation arrays and minibatches, the masked loss, encoder–decoder interfaces and
models (GRU, GRU with Bahdanau attention, Transformer), training on :func:`d2lnotes.train.fit`, greedy decoding
and beam search.

Conventions: ``b`` batch, ``T`` time steps (``num_steps``), ``V`` target vocabulary size. Token arrays are int32
``(b, T)``, valid lengths ``(b,)``. Every target sequence ends with ``<eos>``; the decoder input is the target
shifted right behind ``<bos>`` (teacher forcing).

A decoder implements ``init_state(enc_outputs, enc_valid_lens)``, ``forward(X (b, t), state) -> (Y_hat (b, t, V),
state)`` and ``select_state(state, indices)`` (keep the batch entries ``indices``, used by beam search).
Feeding the decoder its input one step at a time must give the same outputs as feeding it the whole input at
once (tests/test_seq2seq.py checks this for every decoder here).

Source: d2l, "Encoder-Decoder Architecture", "Sequence to Sequence Learning", "Beam Search" (Sec. 9.6-9.8),
"Bahdanau Attention" (10.4) and "Transformer" (10.7) of the MXNet edition. Differences: the GRU decoder keeps the
encoder's context fixed (d2l's step-by-step prediction replaces it by the decoder's own state), the Transformer
decoder shifts its positional encoding during step-by-step decoding (d2l restarts at position 0), and the loss is
summed over valid tokens and reported per token. Taught in book/09_seq2seq/02_encoder_decoder.ipynb,
book/09_seq2seq/04_beam_search.ipynb, book/09_seq2seq/05_attention.ipynb and book/09_seq2seq/06_transformer.ipynb.
"""
from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field

import mxnet as mx
import numpy as onp
from mxnet import autograd, gluon, np, npx
from mxnet.gluon import nn, rnn

from ..data.sampling import BatchLoader
from ..data.translation import read_pairs, split_pairs, target_token, tokenize_pairs, tokenize_sentence
from ..plot import TrainingPlot
from ..results import record
from ..steering import RunControl
from ..train import History, bind_optimizer, fit
from .attention import AdditiveAttention, MultiHeadAttention, PositionalEncoding, valid_mask
from .bleu import sacrebleu_corpus
from .language_model import clip_gradients, unigram_perplexity
from .vocab import Vocab

PAD, BOS, EOS = "<pad>", "<bos>", "<eos>"
RESERVED_TOKENS = (PAD, BOS, EOS)


# --------------------------------------------------------------------------------------------------- data

def truncate_pad(line, num_steps: int, padding_token):
    """``line`` cut to ``num_steps`` items, or padded with ``padding_token`` up to it (d2l ``truncate_pad``)."""
    return list(line[:num_steps]) + [padding_token] * max(0, num_steps - len(line))


def build_array(lines, vocab: Vocab, num_steps: int):
    """Token lists as ``(n, num_steps)`` int32 NumPy indices: each line gets ``<eos>``, is truncated to
    ``num_steps`` (a truncated line keeps no ``<eos>``) and padded with ``<pad>``; unknown tokens become ``<unk>``.

    Returns:
        ``(array, valid_len)``: ``valid_len (n,)`` int32 counts the non-padding positions.
    """
    pad = vocab[PAD]
    rows = [truncate_pad(vocab[list(line)] + [vocab[EOS]], num_steps, pad) for line in lines]
    array = onp.array(rows, dtype=onp.int32).reshape(len(rows), num_steps)
    return array, (array != pad).sum(axis=1).astype(onp.int32)


def detokenize(tokens, token: str = "word") -> str:
    """A token list as text: words joined by spaces, characters joined directly; ``<eos>`` and what follows it,
    and ``<pad>``/``<bos>``, are dropped."""
    out = []
    for t in tokens:
        if t == EOS:
            break
        if t not in (PAD, BOS):
            out.append(t)
    return ("" if token == "char" else " ").join(out)


class PairLoader(BatchLoader):
    """Minibatches ``((X, X_valid_len), (Y, Y_valid_len))`` of a translation split, as MXNet arrays on the CPU.

    ``X``, ``Y``: ``(batch, num_steps)`` int32; valid lengths ``(batch,)`` int32. With ``shuffle`` every pass draws
    a new order from the loader's own seeded generator; the last, smaller batch is kept.

    Raises:
        ValueError: arrays of different lengths, or a bad ``batch_size``.
    """

    def __init__(self, src, src_len, tgt, tgt_len, batch_size: int, shuffle: bool = False, seed: int = 0):
        if not len(src) == len(src_len) == len(tgt) == len(tgt_len):
            raise ValueError(f"arrays of different lengths: {len(src)}, {len(src_len)}, {len(tgt)}, {len(tgt_len)}")
        super().__init__(len(src), batch_size, shuffle, seed)
        self.arrays = (src, src_len, tgt, tgt_len)

    def collate(self, idx: onp.ndarray):
        src, src_len, tgt, tgt_len = (np.array(a[idx], dtype="int32") for a in self.arrays)
        return (src, src_len), (tgt, tgt_len)


@dataclass
class TranslationData:
    """A translation dataset ready for training: vocabularies built on the training split, token lists and
    arrays of every split (``"train"``, ``"valid"``, ``"test"``).

    Attributes:
        tokens: ``{split: (source token lists, target token lists)}``.
        arrays: ``{split: (src (n, T), src_valid_len (n,), tgt (n, T), tgt_valid_len (n,))}`` NumPy int32.
        tgt_token: ``"word"`` or ``"char"``, how the target side is tokenised (and joined back).
    """

    name: str
    src_vocab: Vocab
    tgt_vocab: Vocab
    num_steps: int
    tgt_token: str
    tokens: dict = field(repr=False)
    arrays: dict = field(repr=False)

    def loader(self, split: str, batch_size: int, shuffle: bool = False, seed: int = 0) -> PairLoader:
        """A :class:`PairLoader` over one split."""
        return PairLoader(*self.arrays[split], batch_size=batch_size, shuffle=shuffle, seed=seed)

    def size(self, split: str) -> int:
        return len(self.tokens[split][0])

    def references(self, split: str) -> list[str]:
        """The split's target sentences as text (normalised, as the model is asked to produce them)."""
        return [detokenize(t, self.tgt_token) for t in self.tokens[split][1]]

    def sources(self, split: str) -> list[str]:
        return [detokenize(s) for s in self.tokens[split][0]]

    def grouped(self, split: str) -> tuple[list[list[str]], list[list[str]]]:
        """The split's distinct source sentences (token lists, in order of first appearance) and, for each, all its
        reference translations as text: Tatoeba often has several, and BLEU accepts them all
        (:func:`d2lnotes.text.bleu.sacrebleu_corpus`)."""
        refs: dict = {}
        for s, t in zip(*self.tokens[split]):
            refs.setdefault(tuple(s), []).append(detokenize(t, self.tgt_token))
        return [list(s) for s in refs], list(refs.values())

    def encode_source(self, sentences):
        """English sentences (strings, normalised and tokenised here, or token lists) as ``(src (n, T),
        src_valid_len (n,))`` MXNet int32 arrays; unknown words become ``<unk>``, long sentences are truncated."""
        lines = [tokenize_sentence(s) if isinstance(s, str) else s for s in sentences]
        src, src_len = build_array(lines, self.src_vocab, self.num_steps)
        return np.array(src, dtype="int32"), np.array(src_len, dtype="int32")


def load_translation(name: str = "fra-eng", num_steps: int = 10, max_len: int | None = None, *,
                     n_valid: int = 1000, n_test: int = 1000, n_train: int | None = None,
                     max_pairs: int | None = None, min_freq: int = 2, seed: int = 0) -> TranslationData:
    """Read, tokenise, filter and split a registered translation dataset and build its vocabularies.

    Args:
        name: ``"fra-eng"`` (French words) or ``"cmn-eng"`` (Chinese characters); the source is English words.
        num_steps: length of every array row (tokens plus ``<eos>``, padded or truncated).
        max_len: keep only pairs whose two sides have at most this many tokens (default ``num_steps - 1``, so
            nothing is truncated).
        n_valid, n_test: distinct English sentences held out for validation and test
            (:func:`d2lnotes.data.translation.split_pairs`: a seeded split by source sentence).
        n_train: a seeded random subsample of that many training pairs (None: all the rest).
        max_pairs: read only the first ``max_pairs`` lines of the file (the file is ordered by length, so these
            are the shortest pairs); None: all.
        min_freq: training-split tokens seen fewer times map to ``<unk>``.

    Raises:
        ValueError: unknown dataset, malformed file line, too few pairs for the requested splits.
    """
    pairs = read_pairs(name)[:max_pairs]
    token = target_token(name)
    src, tgt = tokenize_pairs(pairs, token)
    max_len = num_steps - 1 if max_len is None else max_len
    keep = [i for i, (s, t) in enumerate(zip(src, tgt)) if len(s) <= max_len and len(t) <= max_len]
    src, tgt = [src[i] for i in keep], [tgt[i] for i in keep]
    splits = dict(zip(("train", "valid", "test"), split_pairs(src, n_valid, n_test, seed)))
    if n_train is not None and n_train < len(splits["train"]):
        rng = onp.random.default_rng(seed)
        splits["train"] = onp.sort(rng.choice(splits["train"], n_train, replace=False))
    tokens = {k: ([src[i] for i in idx], [tgt[i] for i in idx]) for k, idx in splits.items()}
    src_vocab = Vocab(tokens["train"][0], min_freq=min_freq, reserved_tokens=RESERVED_TOKENS)
    tgt_vocab = Vocab(tokens["train"][1], min_freq=min_freq, reserved_tokens=RESERVED_TOKENS)
    arrays = {k: (*build_array(s, src_vocab, num_steps), *build_array(t, tgt_vocab, num_steps))
              for k, (s, t) in tokens.items()}
    return TranslationData(name, src_vocab, tgt_vocab, num_steps, token, tokens, arrays)


@dataclass
class ComparisonSetup:
    """What book/09_seq2seq/05_attention.ipynb and 06_transformer.ipynb share, so that their models are trained
    on the same data with the same budget and their BLEU scores can be set side by side.

    Attributes:
        settings: per language pair (``"fra-eng"``, ``"cmn-eng"``) its ``num_steps``, ``max_pairs`` (the shortest
            pairs of the file; None: all) and ``num_epochs``.
        n_valid, n_test: distinct English sentences held out for validation and test.
        embed_size, num_hiddens, num_layers, dropout: the GRU encoder and decoders.
        batch_size, lr: minibatch size and Adam's learning rate of the recurrent models.
        datasets: per language pair its :class:`TranslationData`.
    """
    settings: dict
    n_valid: int
    n_test: int
    embed_size: int
    num_hiddens: int
    num_layers: int
    dropout: float
    batch_size: int
    lr: float
    datasets: dict = field(default_factory=dict)

    def describe(self) -> str:
        """One line per language pair: training pairs, ``num_steps``, epochs; then the GRUs' sizes."""
        lines = [f"{name}: {d.size('train'):,} training pairs, num_steps {d.num_steps}, "
                 f"{self.settings[name]['num_epochs']} epochs" for name, d in self.datasets.items()]
        return "\n".join(lines + [f"GRUs: {self.num_layers} layers of {self.num_hiddens}, embeddings "
                                   f"{self.embed_size}, dropout {self.dropout}; batch {self.batch_size}, "
                                   f"Adam lr {self.lr}"])


def comparison_setup(load: bool = True) -> ComparisonSetup:
    """The data and sizes of the attention and Transformer comparison in the run's budget
    (:func:`d2lnotes.config.budget`); with ``load``, each language pair read by :func:`load_translation`."""
    from ..config import by_mode

    setup = ComparisonSetup(
        settings={
            "fra-eng": dict(num_steps=by_mode(smoke=8, full=10), max_pairs=by_mode(smoke=3000, cpu=15000, full=None),
                            num_epochs=by_mode(smoke=4, cpu=5, full=30)),
            "cmn-eng": dict(num_steps=by_mode(smoke=10, full=14), max_pairs=by_mode(smoke=3000, cpu=8000, full=None),
                            num_epochs=by_mode(smoke=4, cpu=8, full=50)),
        },
        n_valid=by_mode(smoke=200, cpu=500, full=1000), n_test=by_mode(smoke=200, cpu=500, full=1000),
        embed_size=by_mode(smoke=64, cpu=128, full=256), num_hiddens=by_mode(smoke=64, cpu=128, full=256),
        num_layers=2, dropout=by_mode(smoke=0.1, cpu=0.1, full=0.2),
        # cpu: Adam lr 0.02, chosen on fra-eng validation BLEU (greedy, 5 epochs) among 0.005, 0.01, 0.02 (README)
        batch_size=by_mode(smoke=64, full=128), lr=by_mode(smoke=0.01, cpu=0.02, full=0.005))
    if load:
        setup.datasets = {name: load_translation(name, s["num_steps"], n_valid=setup.n_valid, n_test=setup.n_test,
                                                 max_pairs=s["max_pairs"]) for name, s in setup.settings.items()}
    return setup


# --------------------------------------------------------------------------------------------------- loss

def sequence_mask(X, valid_len, value: float = 0.0):
    """``X (b, T, ...)`` with the entries at time steps ``>= valid_len[i]`` of row ``i`` set to ``value``."""
    mask = valid_mask(valid_len.astype("float32"), X.shape[1]).astype(X.dtype)
    mask = mask.reshape(*mask.shape, *([1] * (X.ndim - 2)))
    return X * mask + value * (1 - mask)


def masked_ce_loss(Y_hat, Y, valid_len):
    """Softmax cross-entropy summed over the valid time steps of each sequence.

    Args:
        Y_hat: ``(b, T, V)`` scores (logits). Y: ``(b, T)`` target indices. valid_len: ``(b,)``.

    Returns:
        ``(b,)`` loss per sequence in nats; a sequence with ``valid_len = 0`` has loss 0. Divide the sum by
        ``valid_len.sum()`` for the loss per token.

    Raises:
        ValueError: shapes that do not match.
    """
    if Y_hat.shape[:2] != Y.shape or valid_len.shape != Y.shape[:1]:
        raise ValueError(f"expected Y_hat (b, T, V), Y (b, T), valid_len (b,), got {Y_hat.shape}, {Y.shape}, "
                         f"{valid_len.shape}")
    nll = -npx.pick(npx.log_softmax(Y_hat, axis=-1), Y, axis=-1)
    return sequence_mask(nll, valid_len).sum(axis=1)


# ----------------------------------------------------------------------------------------- the interfaces

class Encoder(nn.Block):
    """``forward(X (b, T), valid_len (b,)) -> enc_outputs`` (whatever the matching decoder's ``init_state`` takes)."""

    def forward(self, X, valid_len):
        raise NotImplementedError


class Decoder(nn.Block):
    """See the module docstring: ``init_state``, ``forward(X, state) -> (Y_hat, state)``, ``select_state``.

    ``attention_weights`` (None for a decoder without attention): per decoding step, as the decoder defines.
    """

    attention_weights = None

    def init_state(self, enc_outputs, enc_valid_len):
        raise NotImplementedError

    def forward(self, X, state):
        raise NotImplementedError

    def select_state(self, state, indices):
        raise NotImplementedError


class EncoderDecoder(nn.Block):
    """``forward(enc_X (b, T), enc_valid_len (b,), dec_X (b, T')) -> (Y_hat (b, T', V), dec_state)``.
    Source: d2l ``EncoderDecoder`` (Sec. 9.6)."""

    def __init__(self, encoder: Encoder, decoder: Decoder, **kwargs):
        super().__init__(**kwargs)
        self.encoder, self.decoder = encoder, decoder

    def forward(self, enc_X, enc_valid_len, dec_X):
        state = self.decoder.init_state(self.encoder(enc_X, enc_valid_len), enc_valid_len)
        return self.decoder(dec_X, state)


def _take(x, indices, axis: int):
    return np.take(x, indices, axis=axis)


# ---------------------------------------------------------------------------------------- the GRU models

class Seq2SeqEncoder(Encoder):
    """Embedding and a multilayer GRU. ``forward(X (b, T), valid_len) -> (outputs (T, b, h), state (L, b, h))``.

    Like d2l's it reads the padding positions too (``valid_len`` is not used): the model learns to carry its
    state through ``<pad>``."""

    def __init__(self, vocab_size: int, embed_size: int, num_hiddens: int, num_layers: int, dropout: float = 0.0,
                 **kwargs):
        super().__init__(**kwargs)
        self.embedding = nn.Embedding(vocab_size, embed_size)
        self.rnn = rnn.GRU(num_hiddens, num_layers, dropout=dropout)

    def forward(self, X, valid_len=None):
        X = self.embedding(X).swapaxes(0, 1)  # (T, b, embed): Gluon's recurrent layers are time-major
        state = self.rnn.begin_state(batch_size=X.shape[1], ctx=X.ctx)
        outputs, state = self.rnn(X, state)
        return outputs, state[0]


class Seq2SeqDecoder(Decoder):
    """GRU decoder conditioned on the encoder's final top-layer state ``c`` (the context), concatenated to the
    embedded input at every step; its hidden state starts at the encoder's final state.

    State: ``(context (b, h), hidden (L, b, h))``. The context stays fixed while decoding."""

    def __init__(self, vocab_size: int, embed_size: int, num_hiddens: int, num_layers: int, dropout: float = 0.0,
                 **kwargs):
        super().__init__(**kwargs)
        self.embedding = nn.Embedding(vocab_size, embed_size)
        self.rnn = rnn.GRU(num_hiddens, num_layers, dropout=dropout)
        self.dense = nn.Dense(vocab_size, flatten=False)

    def init_state(self, enc_outputs, enc_valid_len=None):
        hidden = enc_outputs[1]
        return hidden[-1], hidden

    def forward(self, X, state):
        context, hidden = state
        X = self.embedding(X).swapaxes(0, 1)                          # (t, b, embed)
        context_t = np.broadcast_to(np.expand_dims(context, 0), (X.shape[0], *context.shape))
        outputs, [hidden] = self.rnn(np.concatenate((X, context_t), axis=2), [hidden])
        return self.dense(outputs).swapaxes(0, 1), (context, hidden)  # (b, t, V)

    def select_state(self, state, indices):
        context, hidden = state
        return _take(context, indices, 0), _take(hidden, indices, 1)


class Seq2SeqAttentionDecoder(Decoder):
    """GRU decoder with Bahdanau (additive) attention: at every step ``i`` the decoder's previous top-layer state
    ``s_{i-1}`` is the query over the encoder outputs (keys and values), and the context ``c_i`` is concatenated
    to the embedded input.

    State: ``(enc_outputs (b, T, h), hidden (L, b, h), enc_valid_len (b,))``. After a forward pass,
    :attr:`attention_weights` is ``(b, t, T)``: step by query position."""

    def __init__(self, vocab_size: int, embed_size: int, num_hiddens: int, num_layers: int, dropout: float = 0.0,
                 **kwargs):
        super().__init__(**kwargs)
        self.attention = AdditiveAttention(num_hiddens, dropout)
        self.embedding = nn.Embedding(vocab_size, embed_size)
        self.rnn = rnn.GRU(num_hiddens, num_layers, dropout=dropout)
        self.dense = nn.Dense(vocab_size, flatten=False)
        self.attention_weights = None

    def init_state(self, enc_outputs, enc_valid_len):
        outputs, hidden = enc_outputs
        return outputs.swapaxes(0, 1), hidden, enc_valid_len

    def forward(self, X, state):
        enc_outputs, hidden, enc_valid_len = state
        X = self.embedding(X).swapaxes(0, 1)
        keys = self.attention.project_keys(enc_outputs)  # the keys do not change from step to step
        outputs, weights = [], []
        for x in X:  # one decoding step at a time: the query depends on the previous step
            query = np.expand_dims(hidden[-1], axis=1)                              # (b, 1, h)
            context = self.attention(query, enc_outputs, enc_outputs, enc_valid_len, keys)  # (b, 1, h)
            x = np.concatenate((context, np.expand_dims(x, axis=1)), axis=-1)
            out, [hidden] = self.rnn(x.swapaxes(0, 1), [hidden])
            outputs.append(out)
            weights.append(self.attention.attention_weights)
        self.attention_weights = np.concatenate(weights, axis=1)
        outputs = self.dense(np.concatenate(outputs, axis=0))
        return outputs.swapaxes(0, 1), (enc_outputs, hidden, enc_valid_len)

    def select_state(self, state, indices):
        enc_outputs, hidden, enc_valid_len = state
        return _take(enc_outputs, indices, 0), _take(hidden, indices, 1), _take(enc_valid_len, indices, 0)


# ---------------------------------------------------------------------------------------- the Transformer

class PositionWiseFFN(nn.Block):
    """Two dense layers applied at every position: ``(b, n, d) -> (b, n, num_outputs)`` (d2l Sec. 10.7)."""

    def __init__(self, ffn_num_hiddens: int, ffn_num_outputs: int, **kwargs):
        super().__init__(**kwargs)
        self.dense1 = nn.Dense(ffn_num_hiddens, flatten=False, activation="relu")
        self.dense2 = nn.Dense(ffn_num_outputs, flatten=False)

    def forward(self, X):
        return self.dense2(self.dense1(X))


class AddNorm(nn.Block):
    """Residual connection and layer normalisation, ``LayerNorm(X + Dropout(Y))`` (post-norm, as in Vaswani et al.)."""

    def __init__(self, dropout: float, **kwargs):
        super().__init__(**kwargs)
        self.dropout = nn.Dropout(dropout)
        self.ln = nn.LayerNorm()

    def forward(self, X, Y):
        return self.ln(self.dropout(Y) + X)


class TransformerEncoderBlock(nn.Block):
    """Self-attention over the valid source positions, then a position-wise FFN, each with :class:`AddNorm`."""

    def __init__(self, num_hiddens: int, ffn_num_hiddens: int, num_heads: int, dropout: float, **kwargs):
        super().__init__(**kwargs)
        self.attention = MultiHeadAttention(num_hiddens, num_heads, dropout)
        self.addnorm1, self.addnorm2 = AddNorm(dropout), AddNorm(dropout)
        self.ffn = PositionWiseFFN(ffn_num_hiddens, num_hiddens)

    def forward(self, X, valid_len):
        Y = self.addnorm1(X, self.attention(X, X, X, valid_len))
        return self.addnorm2(Y, self.ffn(Y))


def _embed_and_stack(block: nn.Block, vocab_size: int, num_hiddens: int, dropout: float, layers) -> None:
    """Give a Transformer encoder or decoder its embedding, positional encoding and stack of blocks."""
    block.num_hiddens = num_hiddens
    block.embedding = nn.Embedding(vocab_size, num_hiddens)
    block.pos_encoding = PositionalEncoding(num_hiddens, dropout)
    block.blks = nn.Sequential()
    for layer in layers:
        block.blks.add(layer)


class TransformerEncoder(Encoder):
    """Embedding scaled by ``sqrt(num_hiddens)``, positional encoding, ``num_layers`` encoder blocks.
    ``forward(X (b, T), valid_len (b,)) -> (b, T, num_hiddens)``."""

    def __init__(self, vocab_size: int, num_hiddens: int, ffn_num_hiddens: int, num_heads: int, num_layers: int,
                 dropout: float = 0.0, **kwargs):
        super().__init__(**kwargs)
        _embed_and_stack(self, vocab_size, num_hiddens, dropout,
                         [TransformerEncoderBlock(num_hiddens, ffn_num_hiddens, num_heads, dropout)
                          for _ in range(num_layers)])

    def forward(self, X, valid_len):
        X = self.pos_encoding(self.embedding(X) * math.sqrt(self.num_hiddens))
        for blk in self.blks:
            X = blk(X, valid_len)
        return X


class TransformerDecoderBlock(nn.Block):
    """Masked (causal) self-attention, encoder–decoder attention, FFN, each with :class:`AddNorm`.

    ``forward(X (b, t, d), enc_outputs, enc_valid_len, cache) -> (Y (b, t, d), cache)``: ``cache`` holds this
    block's inputs at the earlier positions (None at the start), so a query at position ``i`` attends to positions
    ``0..i`` only, whether the input arrives all at once (training) or one step at a time (decoding)."""

    def __init__(self, num_hiddens: int, ffn_num_hiddens: int, num_heads: int, dropout: float, **kwargs):
        super().__init__(**kwargs)
        self.attention1 = MultiHeadAttention(num_hiddens, num_heads, dropout)
        self.attention2 = MultiHeadAttention(num_hiddens, num_heads, dropout)
        self.addnorm1, self.addnorm2, self.addnorm3 = AddNorm(dropout), AddNorm(dropout), AddNorm(dropout)
        self.ffn = PositionWiseFFN(ffn_num_hiddens, num_hiddens)

    def forward(self, X, enc_outputs, enc_valid_len, cache=None):
        key_values = X if cache is None else np.concatenate((cache, X), axis=1)
        b, t = X.shape[:2]
        past = key_values.shape[1] - t
        # causal mask: the query at position past + j sees keys 0 .. past + j
        dec_valid_len = np.broadcast_to(np.arange(past + 1, past + t + 1, ctx=X.ctx).reshape(1, -1), (b, t))
        Y = self.addnorm1(X, self.attention1(X, key_values, key_values, dec_valid_len))
        Z = self.addnorm2(Y, self.attention2(Y, enc_outputs, enc_outputs, enc_valid_len))
        return self.addnorm3(Z, self.ffn(Z)), key_values


class TransformerDecoder(Decoder):
    """Embedding, positional encoding (continuing at the cached length), ``num_layers`` decoder blocks, a dense
    output layer. State: ``(enc_outputs (b, T, d), enc_valid_len (b,), [cache of each block (b, t, d) or None])``.
    :attr:`attention_weights` is ``[(self-attention, encoder-decoder attention) weights per block]``, each
    ``(b * num_heads, t, keys)``."""

    def __init__(self, vocab_size: int, num_hiddens: int, ffn_num_hiddens: int, num_heads: int, num_layers: int,
                 dropout: float = 0.0, **kwargs):
        super().__init__(**kwargs)
        _embed_and_stack(self, vocab_size, num_hiddens, dropout,
                         [TransformerDecoderBlock(num_hiddens, ffn_num_hiddens, num_heads, dropout)
                          for _ in range(num_layers)])
        self.dense = nn.Dense(vocab_size, flatten=False)
        self.attention_weights = None

    def init_state(self, enc_outputs, enc_valid_len):
        return enc_outputs, enc_valid_len, [None] * len(self.blks)

    def forward(self, X, state):
        enc_outputs, enc_valid_len, caches = state
        offset = 0 if caches[0] is None else caches[0].shape[1]
        X = self.pos_encoding(self.embedding(X) * math.sqrt(self.num_hiddens), offset)
        new_caches, weights = [], []
        for blk, cache in zip(self.blks, caches):
            X, key_values = blk(X, enc_outputs, enc_valid_len, cache)
            new_caches.append(key_values)
            weights.append((blk.attention1.attention.attention_weights, blk.attention2.attention.attention_weights))
        self.attention_weights = weights
        return self.dense(X), (enc_outputs, enc_valid_len, new_caches)

    def select_state(self, state, indices):
        enc_outputs, enc_valid_len, caches = state
        return (_take(enc_outputs, indices, 0), _take(enc_valid_len, indices, 0),
                [None if c is None else _take(c, indices, 0) for c in caches])


# -------------------------------------------------------------------------------------------- training

def teacher_forcing_input(Y, bos: int):
    """The decoder input for teacher forcing (强制教学): ``<bos>`` followed by the reference ``Y[:, :-1]``, so the
    decoder reads the reference token ``y_{t-1}`` (``y_0 = <bos>``) when it must predict ``y_t``. ``Y (b, T)``."""
    bos_column = np.full((Y.shape[0], 1), bos, dtype=Y.dtype, ctx=Y.ctx)
    return np.concatenate((bos_column, Y[:, :-1]), axis=1)


def target_ids(data: TranslationData, split: str) -> list[int]:
    """The target token indices of a split as one stream (``<eos>`` included, padding excluded)."""
    _, _, tgt, tgt_len = data.arrays[split]
    return [int(t) for row, n in zip(tgt, tgt_len) for t in row[:n]]


def unigram_loss(data: TranslationData) -> float:
    """Validation loss per target token (nats) of the unigram model of the training targets (add-one smoothed,
    :func:`d2lnotes.text.language_model.unigram_perplexity`): the baseline a translation model must beat, since
    it ignores the source. Taught in book/09_seq2seq/02_encoder_decoder.ipynb."""
    return math.log(unigram_perplexity(target_ids(data, "train"), target_ids(data, "valid"), len(data.tgt_vocab)))


def evaluate_loss(net, data_iter, bos: int, ctx=None) -> float:
    """Masked cross-entropy per target token (nats) of ``net`` under teacher forcing, over ``data_iter``."""
    ctx = ctx or mx.cpu()
    total, n = np.zeros((), ctx=ctx), 0
    for (X, X_len), (Y, Y_len) in data_iter:
        X, X_len, Y, Y_len = (a.as_in_ctx(ctx) for a in (X, X_len, Y, Y_len))
        Y_hat, _ = net(X, X_len, teacher_forcing_input(Y, bos))
        total = total + masked_ce_loss(Y_hat, Y, Y_len).sum()
        n += int(Y_len.sum())
    return float(total) / n


def train_seq2seq(net, train_iter, num_epochs: int, lr: float, tgt_vocab: Vocab, *, ctx=None, valid_iter=None,
                  clip_theta: float | None = 1.0, plot: TrainingPlot | bool | None = True, progress_points: int = 4,
                  control: RunControl | None = None, on_epoch=None) -> History:
    """Train an :class:`EncoderDecoder` with teacher forcing, Adam and gradient clipping on :func:`~d2lnotes.train.fit`.

    The parameters must be initialised (on ``ctx``). Each minibatch minimises the masked cross-entropy per
    target token (:func:`masked_ce_loss` summed, divided by the number of valid target tokens).

    Returns:
        The :class:`~d2lnotes.train.History`: ``train_loss`` (per token), ``valid_loss`` with ``valid_iter``,
        ``tokens_per_sec``, ``seconds``.

    Written out in book/09_seq2seq/02_encoder_decoder.ipynb and asserted equal to this copy there; d2l
    ``train_seq2seq`` (Sec. 9.7) with the loss per token and the clipping applied to the per-token gradient.

    Raises:
        ValueError: ``num_epochs < 1``.
    """
    from ..config import try_gpu

    ctx = ctx or try_gpu()
    bos = tgt_vocab[BOS]
    trainer = gluon.Trainer(net.collect_params(), "adam", {"learning_rate": lr})
    bind_optimizer(control, trainer.step)
    if plot is True:
        plot = TrainingPlot(legend=("train", "valid") if valid_iter is not None else ("train",),
                            ylabel="loss per token", xlim=(0, num_epochs))

    def batch_step(i, X, Y):
        (src, src_len), (tgt, tgt_len) = X, Y
        src, src_len, tgt, tgt_len = (a.as_in_ctx(ctx) for a in (src, src_len, tgt, tgt_len))
        num_tokens = int(Y[1].sum())
        with autograd.record():
            Y_hat, _ = net(src, src_len, teacher_forcing_input(tgt, bos))
            total = masked_ce_loss(Y_hat, tgt, tgt_len).sum()
            mean = total / num_tokens
        mean.backward()
        if clip_theta is not None:
            clip_gradients(net, clip_theta)
        trainer.step(1)
        return num_tokens, (total,)

    evaluate = None
    if valid_iter is not None:
        def evaluate():
            return {"valid_loss": evaluate_loss(net, valid_iter, bos, ctx)}

    plot_metrics = ("train_loss", "valid_loss") if valid_iter is not None else ("train_loss",)
    return fit(batch_step, train_iter, num_epochs, train_metrics={"train_loss": lambda s, n: s[0] / n},
               evaluate=evaluate, plot=plot or None, plot_metrics=plot_metrics, progress_points=progress_points,
               device=str(ctx), unit="tokens", control=control, on_epoch=on_epoch)


# -------------------------------------------------------------------------------------------- decoding

def _step_log_probs(net, dec_X, state):
    Y_hat, state = net.decoder(dec_X, state)
    return npx.log_softmax(Y_hat[:, -1, :], axis=-1), state


def greedy_decode(net, src, src_len, bos: int, eos: int, max_len: int, return_attention: bool = False):
    """Greedy search (贪心搜索) for a batch of source sentences: at every step the most likely token.

    Args:
        net: an :class:`EncoderDecoder`. src: ``(b, T)`` int32, src_len ``(b,)`` (on the network's device).
        max_len: the most tokens generated per sentence (``<eos>`` included).

    Returns:
        ``outputs``: one list of token indices per sentence, ending at its first ``<eos>`` (which is dropped) or
        after ``max_len`` tokens; with ``return_attention``, also ``(b, steps, T)`` NumPy attention weights of the
        decoder's ``attention_weights`` (an RNN decoder's), else None.
    """
    with autograd.predict_mode():
        state = net.decoder.init_state(net.encoder(src, src_len), src_len)
        dec_X = np.full((src.shape[0], 1), bos, dtype="int32", ctx=src.ctx)
        steps, weights = [], []
        for _ in range(max_len):
            log_p, state = _step_log_probs(net, dec_X, state)
            dec_X = log_p.argmax(axis=1).astype("int32").reshape(-1, 1)
            steps.append(dec_X)
            if return_attention and net.decoder.attention_weights is not None:
                weights.append(net.decoder.attention_weights)
            if bool((np.concatenate(steps, axis=1) == eos).any(axis=1).all()):
                break
    ids = np.concatenate(steps, axis=1).asnumpy()
    outputs = []
    for row in ids:
        row = list(row)
        outputs.append([int(t) for t in row[:row.index(eos)]] if eos in row else [int(t) for t in row])
    attention = None
    if weights and not isinstance(weights[0], list):
        attention = np.concatenate(weights, axis=1).asnumpy()
    return (outputs, attention) if return_attention else outputs


@dataclass
class Hypothesis:
    """A finished hypothesis of beam or exhaustive search: ``tokens`` (indices, ``<eos>`` included when it ended
    there), ``log_prob = sum_t log P(y_t | y_<t, c)`` and ``score = log_prob / len(tokens) ** alpha``."""

    tokens: list
    log_prob: float
    score: float


def length_normalized(log_prob: float, length: int, alpha: float) -> float:
    """The beam-search score ``(1 / L^alpha) * sum log P`` of a hypothesis of ``L`` tokens (``<eos>`` counted)."""
    return log_prob / length ** alpha


def beam_search(net, src, src_len, bos: int, eos: int, max_len: int, beam_size: int, alpha: float = 0.75):
    """Beam search (束搜索) for one source sentence.

    At every step each of the (at most ``beam_size``) live hypotheses is extended by every token; the
    ``beam_size`` extensions with the highest total log-probability are kept (all extensions have the same
    length, so the length penalty does not change this choice). A kept extension that ends with ``<eos>``, or
    reaches ``max_len`` tokens, is finished and leaves the beam; every finished hypothesis is kept. At the end the
    finished hypotheses are ranked by ``(1 / L^alpha) * sum log P``. ``beam_size = 1`` is greedy search; a beam
    as wide as the search space is exhaustive search.

    Args:
        net: an :class:`EncoderDecoder`. src: ``(1, T)`` int32, src_len ``(1,)``.
        max_len: the most tokens per hypothesis (``<eos>`` included). alpha: length-penalty exponent.

    Returns:
        All finished :class:`Hypothesis` objects, best score first.

    Raises:
        ValueError: more than one source sentence, ``beam_size < 1`` or ``max_len < 1``.
    """
    if src.shape[0] != 1:
        raise ValueError(f"beam_search translates one sentence, got a batch of {src.shape[0]}; "
                         "use beam_search_batch")
    return beam_search_batch(net, src, src_len, bos, eos, max_len, beam_size, alpha)[0]


def beam_search_batch(net, src, src_len, bos: int, eos: int, max_len: int, beam_size: int, alpha: float = 0.75):
    """:func:`beam_search` for a batch of source sentences at once: the same search per sentence, but every
    sentence's live hypotheses go through the decoder together, one decoder call per step for the whole batch
    (each row of the decoder's state is one hypothesis; rows never interact).

    Args:
        net: an :class:`EncoderDecoder`. src: ``(b, T)`` int32, src_len ``(b,)``; other arguments as
            :func:`beam_search`.

    Returns:
        One list per sentence of its finished :class:`Hypothesis` objects, best score first.

    Raises:
        ValueError: ``beam_size < 1`` or ``max_len < 1``.
    """
    if beam_size < 1 or max_len < 1:
        raise ValueError(f"beam_size and max_len must be at least 1, got {beam_size} and {max_len}")
    n = src.shape[0]
    with autograd.predict_mode():
        state = net.decoder.init_state(net.encoder(src, src_len), src_len)
        # the live hypotheses of every sentence, one decoder row each: (sentence, tokens, total log-probability)
        live = [(b, [], 0.0) for b in range(n)]
        dec_X = np.full((n, 1), bos, dtype="int32", ctx=src.ctx)
        finished = [[] for _ in range(n)]
        for t in range(max_len):
            log_p, state = _step_log_probs(net, dec_X, state)
            log_p = log_p.asnumpy().astype(onp.float64)
            rows_of = {}
            for r, (b, _, _) in enumerate(live):
                rows_of.setdefault(b, []).append(r)
            keep, next_live = [], []
            for b, rows in rows_of.items():  # each sentence's beam, exactly as beam_search does it
                totals = log_p[rows] + onp.array([live[r][2] for r in rows]).reshape(-1, 1)
                flat = totals.reshape(-1)
                best = onp.argsort(-flat, kind="stable")[:min(beam_size, flat.size)]
                for j in best:
                    i, v = divmod(int(j), totals.shape[1])
                    tokens = live[rows[i]][1] + [v]
                    if v == eos or t == max_len - 1:
                        finished[b].append(Hypothesis(tokens, float(flat[j]),
                                                      length_normalized(float(flat[j]), len(tokens), alpha)))
                    else:
                        keep.append(rows[i])
                        next_live.append((b, tokens, float(flat[j])))
            if not next_live:
                break
            live = next_live
            state = net.decoder.select_state(state, np.array(keep, dtype="int32", ctx=src.ctx))
            dec_X = np.array([[tokens[-1]] for _, tokens, _ in live], dtype="int32", ctx=src.ctx)
    return [sorted(f, key=lambda h: -h.score) for f in finished]


def sequence_log_prob(net, src, src_len, candidates, bos: int):
    """Total log-probability of each candidate token list given one source sentence, from one teacher-forced
    pass over all candidates at once. ``src (1, T)``; returns a float64 NumPy array, one value per candidate."""
    n, longest = len(candidates), max(len(c) for c in candidates)
    Y = onp.zeros((n, longest), dtype=onp.int32)
    for i, c in enumerate(candidates):
        Y[i, :len(c)] = c
    lengths = np.array([len(c) for c in candidates], dtype="int32", ctx=src.ctx)
    Y = np.array(Y, dtype="int32", ctx=src.ctx)
    srcs, src_lens = np.repeat(src, n, axis=0), np.repeat(src_len, n, axis=0)
    with autograd.predict_mode():
        Y_hat, _ = net(srcs, src_lens, teacher_forcing_input(Y, bos))
    return -masked_ce_loss(Y_hat.astype("float64"), Y, lengths).asnumpy()


def exhaustive_search(net, src, src_len, vocab_size: int, bos: int, eos: int, max_len: int, alpha: float = 0.75):
    """Exhaustive search (穷举搜索): score every possible output — every token sequence that ends at its first
    ``<eos>``, and every sequence of ``max_len`` tokens without one — and return the best :class:`Hypothesis`.
    Exponential in ``max_len`` (``(V - 1)^(max_len - 1)`` sequences and more): only for tiny vocabularies.
    """
    others = [v for v in range(vocab_size) if v != eos]
    candidates = []
    for length in range(1, max_len + 1):
        for prefix in itertools.product(others, repeat=length - 1):
            candidates.append(list(prefix) + [eos])
    candidates += [list(seq) for seq in itertools.product(others, repeat=max_len)]
    log_probs = sequence_log_prob(net, src, src_len, candidates, bos)
    scores = [length_normalized(lp, len(c), alpha) for lp, c in zip(log_probs, candidates)]
    best = int(onp.argmax(scores))
    return Hypothesis(candidates[best], float(log_probs[best]), float(scores[best]))


def strip_eos(tokens, eos: int) -> list:
    """Token indices up to (not including) the first ``<eos>``."""
    tokens = list(tokens)
    return tokens[:tokens.index(eos)] if eos in tokens else tokens


def translate(net, data: TranslationData, sentences, ctx=None, beam_size: int = 1, alpha: float = 0.75,
              batch_size: int = 256) -> list[str]:
    """Translate English sentences (strings or token lists) with greedy search (``beam_size = 1``) or beam search,
    ``batch_size`` sentences at a time, and return the translations as text (words joined by spaces, or
    characters for Chinese).
    Unknown words become ``<unk>``; sentences longer than ``data.num_steps - 1`` tokens are truncated."""
    ctx = ctx or mx.cpu()
    tgt_vocab = data.tgt_vocab
    bos, eos = tgt_vocab[BOS], tgt_vocab[EOS]
    src, src_len = data.encode_source(sentences)
    src, src_len = src.as_in_ctx(ctx), src_len.as_in_ctx(ctx)
    out = []
    if beam_size == 1:
        for start in range(0, src.shape[0], batch_size):
            out += greedy_decode(net, src[start:start + batch_size], src_len[start:start + batch_size], bos, eos,
                                 data.num_steps)
    else:
        for start in range(0, src.shape[0], batch_size):
            for hyps in beam_search_batch(net, src[start:start + batch_size], src_len[start:start + batch_size],
                                          bos, eos, data.num_steps, beam_size, alpha):
                out.append(strip_eos(hyps[0].tokens, eos))
    return [detokenize(tgt_vocab.to_tokens(ids), data.tgt_token) for ids in out]


def split_bleu(net, data: TranslationData, split: str = "test", beam_size: int = 1, alpha: float = 0.75,
               ctx=None) -> float:
    """Corpus BLEU (sacrebleu, 0-100; ``13a`` tokens for words, ``zh`` for Chinese) of a model's translations of a
    split, against all of each source sentence's references (:meth:`TranslationData.grouped`): greedy search for
    ``beam_size = 1``, else beam search with length-penalty exponent ``alpha``. Raises ``KeyError`` for an
    unknown split."""
    sources, references = data.grouped(split)
    hypotheses = translate(net, data, sources, ctx, beam_size=beam_size, alpha=alpha)
    return sacrebleu_corpus(hypotheses, references, data.tgt_token)


@dataclass
class TranslatorScore:
    """A trained translator's figures (see :func:`score_translator`): validation loss per target token and the
    unigram baseline (nats), test-split corpus BLEU (0-100) for greedy and beam search, training seconds per
    epoch."""

    valid_loss: float
    unigram_loss: float
    bleu_greedy: float
    bleu_beam: float
    seconds_per_epoch: float


def score_translator(net, data: TranslationData, history: History, key: str, ctx=None, beam_size: int = 4,
                     alpha: float = 0.75) -> TranslatorScore:
    """Score a translator trained by :func:`train_seq2seq` (with a ``valid_iter``) and record its figures
    (:func:`d2lnotes.results.record`): ``valid_loss_<key>`` (asserted at least 0.3 nats below the unigram
    baseline, :func:`unigram_loss`), ``test_bleu_greedy_<key>``, ``test_bleu_beam<k>_<key>`` (:func:`split_bleu`
    on the test split) and ``seconds_per_epoch_<key>``. How book/09_seq2seq/05_attention.ipynb and
    06_transformer.ipynb report each model, so that their rows compare.

    Raises:
        AssertionError: the validation loss is not below the baseline by the margin.
        KeyError: ``history`` has no ``valid_loss`` (trained without a ``valid_iter``).
    """
    baseline = unigram_loss(data)
    valid_loss = history["valid_loss"][-1]
    # The loss is asserted before the two test decodes, so a model that did not learn fails without decoding.
    record(f"valid_loss_{key}", valid_loss, floor=baseline - 0.3, better="lower", note=f"unigram {baseline:.3f}")
    score = TranslatorScore(
        valid_loss=valid_loss, unigram_loss=baseline,
        bleu_greedy=split_bleu(net, data, "test", beam_size=1, ctx=ctx),
        bleu_beam=split_bleu(net, data, "test", beam_size=beam_size, alpha=alpha, ctx=ctx),
        seconds_per_epoch=sum(history["seconds"]) / history.epochs)
    record(f"test_bleu_greedy_{key}", score.bleu_greedy, note="sacrebleu")
    record(f"test_bleu_beam{beam_size}_{key}", score.bleu_beam, note=f"sacrebleu, alpha {alpha}")
    record(f"seconds_per_epoch_{key}", score.seconds_per_epoch, note=str(ctx or mx.cpu()))
    return score
