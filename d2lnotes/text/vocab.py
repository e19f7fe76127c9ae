"""Tokenisation and vocabularies.

Source: d2l, "Text Preprocessing" (Sec. 8.2 of the MXNet edition). Taught in book/07_rnn/01_text_sequences.ipynb.
"""
from __future__ import annotations

import collections
from typing import Iterable, Sequence


def tokenize(lines: Iterable[str], token: str = "word") -> list[list[str]]:
    """Split each line into word tokens (on whitespace) or character tokens.

    Raises:
        ValueError: ``token`` is neither ``"word"`` nor ``"char"``.
    """
    if token == "word":
        return [line.split() for line in lines]
    if token == "char":
        return [list(line) for line in lines]
    raise ValueError(f"unknown token type {token!r}: use 'word' or 'char'")


def count_corpus(tokens) -> collections.Counter:
    """Token frequencies of a flat list of tokens or a list of token lists."""
    if tokens and isinstance(tokens[0], list):
        tokens = [t for line in tokens for t in line]
    return collections.Counter(tokens)


class Vocab:
    """A vocabulary: token <-> index, with ``<unk>`` at index 0, then reserved tokens, then by frequency.

    Args:
        tokens: a flat list of tokens or a list of token lists.
        min_freq: tokens seen fewer times map to ``<unk>``.
        reserved_tokens: always in the vocabulary, right after ``<unk>`` (e.g. ``<pad>``, ``<bos>``, ``<eos>``).

    Indexing: ``vocab["the"]`` or ``vocab[["the", "time"]]`` gives indices (unknown tokens give 0);
    ``vocab.to_tokens(3)`` or ``vocab.to_tokens([3, 4])`` gives tokens. Ties in frequency are broken by
    first appearance, so the vocabulary is deterministic.
    """

    unk = 0

    def __init__(self, tokens: Sequence = (), min_freq: int = 0, reserved_tokens: Sequence[str] = ()):
        counter = count_corpus(list(tokens))
        self.token_freqs = sorted(counter.items(), key=lambda kv: kv[1], reverse=True)
        self.idx_to_token = ["<unk>"] + [t for t in reserved_tokens if t != "<unk>"]
        self.token_to_idx = {t: i for i, t in enumerate(self.idx_to_token)}
        for token, freq in self.token_freqs:
            if freq < min_freq:
                break
            if token not in self.token_to_idx:
                self.token_to_idx[token] = len(self.idx_to_token)
                self.idx_to_token.append(token)

    def __len__(self) -> int:
        return len(self.idx_to_token)

    def __getitem__(self, tokens):
        if isinstance(tokens, (list, tuple)):
            return [self.__getitem__(t) for t in tokens]
        return self.token_to_idx.get(tokens, self.unk)

    def to_tokens(self, indices):
        """Tokens of an index or a list of indices.

        Raises:
            IndexError: an index outside ``0 .. len(vocab) - 1``.
        """
        if isinstance(indices, (list, tuple)):
            return [self.to_tokens(i) for i in indices]
        i = int(indices)
        if not 0 <= i < len(self.idx_to_token):
            raise IndexError(f"index {i} is outside the vocabulary of {len(self)} tokens")
        return self.idx_to_token[i]
