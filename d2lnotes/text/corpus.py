"""Corpora as token indices for language models: *The Time Machine* (characters or words) and Penn Treebank
(words, a 10,000-word vocabulary, ``<eos>`` after every sentence), with their minibatch loaders.

The raw text comes from :mod:`d2lnotes.data.corpora`. Sources: d2l, "Text Preprocessing" (Sec. 8.2) and
"Language Models and the Dataset" (Sec. 8.3); Zaremba, Sutskever & Vinyals, "Recurrent Neural Network
Regularization", 2014 (arXiv:1409.2329), whose setup (Mikolov's preprocessed PTB, sentences joined into one token
stream with an end-of-sentence token) is the standard benchmark. Taught in book/07_rnn/01_text_sequences.ipynb and
book/07_rnn/07_ptb_word_lstm.ipynb.
"""
from __future__ import annotations

from ..data.corpora import read_ptb, read_time_machine
from .sequence import SeqDataLoader
from .vocab import Vocab, tokenize


def load_corpus_time_machine(token: str = "char", max_tokens: int | None = None) -> tuple[list[int], Vocab]:
    """The Time Machine as one list of token indices, and its vocabulary.

    Args:
        token: ``"char"`` (each letter and the space is a token) or ``"word"``.
        max_tokens: keep only the first ``max_tokens`` tokens (None: all of them).
    """
    tokens = tokenize(read_time_machine(), token)
    vocab = Vocab(tokens)
    joiner = [" "] if token == "char" else []
    flat = [t for line in tokens if line for t in line + joiner]  # keep a separator between lines
    corpus = [vocab[t] for t in flat]
    return (corpus if max_tokens is None else corpus[:max_tokens]), vocab


def split_corpus(corpus: list[int], valid_fraction: float = 0.1) -> tuple[list[int], list[int]]:
    """Split a token sequence into a leading training part and a trailing validation part (no overlap).

    Raises:
        ValueError: ``valid_fraction`` not in (0, 1).
    """
    if not 0 < valid_fraction < 1:
        raise ValueError(f"valid_fraction must be in (0, 1), got {valid_fraction}")
    cut = int(len(corpus) * (1 - valid_fraction))
    return corpus[:cut], corpus[cut:]


EOS = "<eos>"


def ptb_vocab() -> Vocab:
    """The vocabulary of PTB's training split plus ``<eos>``: 10,000 tokens.

    Mikolov's preprocessing already replaced rare words by ``<unk>`` (index 0, :attr:`Vocab.unk`), so the training
    text has 9,999 word types; ``<eos>`` is index 1, the other words follow by decreasing frequency.
    """
    return Vocab(read_ptb("train"), reserved_tokens=[EOS])


def load_corpus_ptb(split: str = "train", vocab: Vocab | None = None,
                    max_sentences: int | None = None) -> tuple[list[int], Vocab]:
    """One split of PTB as a single list of token indices, ``<eos>`` after each sentence, and the vocabulary.

    Args:
        split: ``"train"``, ``"valid"`` or ``"test"``.
        vocab: the vocabulary to index with (None: :func:`ptb_vocab`, always built from the whole training split).
        max_sentences: keep only the first ``max_sentences`` sentences (None: all; the full splits have
            929,589 / 73,760 / 82,430 tokens including ``<eos>``).

    Raises:
        ValueError: unknown split, or ``max_sentences < 1``.
    """
    if max_sentences is not None and max_sentences < 1:
        raise ValueError(f"max_sentences must be at least 1 (or None), got {max_sentences}")
    vocab = vocab or ptb_vocab()
    sentences = read_ptb(split)[:max_sentences]
    return [vocab[t] for s in sentences for t in s + [EOS]], vocab


def load_data_ptb(batch_size: int, num_steps: int, max_sentences: int | None = None,
                  max_eval_sentences: int | None = None,
                  seed: int = 0) -> tuple[SeqDataLoader, SeqDataLoader, SeqDataLoader, Vocab]:
    """Minibatch loaders over PTB's train, valid and test splits by sequential partitioning, and the vocabulary.

    Sequential partitioning (顺序分区) lets a model carry its hidden state across minibatches, so every token is
    predicted with the context of the whole text before it (up to truncation of the gradient).

    Args:
        batch_size, num_steps: minibatch shape ``(batch_size, num_steps)`` of token indices (int32).
        max_sentences: keep only the first ``max_sentences`` training sentences (smoke runs; None: all).
        max_eval_sentences: keep only the first ``max_eval_sentences`` validation and test sentences (None: all).
            The vocabulary is always the full 10,000-token one.
        seed: seed of the loaders' random offsets (each split gets its own generator).

    Returns:
        ``train_iter, valid_iter, test_iter, vocab``; each iterator yields ``X, Y`` of shape
        ``(batch_size, num_steps)`` with ``Y`` the next tokens.

    Raises:
        ValueError: a split too short for one minibatch (raised on iteration by the sampler), see
            :func:`load_corpus_ptb` for the others.
    """
    vocab = ptb_vocab()
    limits = {"train": max_sentences, "valid": max_eval_sentences, "test": max_eval_sentences}
    loaders = [SeqDataLoader(load_corpus_ptb(split, vocab, limit)[0], batch_size, num_steps,
                             use_random_iter=False, seed=seed + i)
               for i, (split, limit) in enumerate(limits.items())]
    return (*loaders, vocab)
