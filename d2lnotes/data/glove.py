"""Pretrained GloVe word vectors (6B tokens, 50 dimensions), read through the hub.

Accepts both registered versions: d2l's ``glove.6B.50d.zip`` (one text file inside) and the course mirror's
``glove.6B.50d.top50k.txt.gz`` (the 50,000 most frequent words). Both use GloVe's text format: one word per line
followed by its vector, separated by single spaces, rows ordered by corpus frequency.

Source: Pennington, Socher & Manning, "GloVe: Global Vectors for Word Representation", EMNLP 2014;
d2l, "Word Similarity and Analogy" (Sec. 15.7).
"""
from __future__ import annotations

import gzip
import io
import zipfile
from pathlib import Path
from typing import Iterable, TextIO

import numpy as np

from .hub import DataError, fetch


def _open_text(path: Path) -> TextIO:
    if path.name.endswith(".gz"):
        return io.TextIOWrapper(gzip.open(path, "rb"), encoding="utf-8")
    if path.name.endswith(".zip"):
        archive = zipfile.ZipFile(path)
        members = [m for m in archive.namelist() if m.endswith(".txt") and not m.startswith("__MACOSX")]
        if len(members) != 1:
            raise DataError(f"{path}: expected one .txt file of vectors inside, found {members}")
        return io.TextIOWrapper(archive.open(members[0]), encoding="utf-8")
    return open(path, encoding="utf-8")


def parse_glove(lines: Iterable[str], max_words: int | None = None, source: str = "<text>"
                ) -> tuple[list[str], np.ndarray]:
    """Parse GloVe's text format.

    Args:
        lines: the lines, each ``word v1 ... vd``.
        max_words: keep only the first (most frequent) ``max_words`` rows; None keeps all.
        source: file name used in error messages.

    Returns:
        ``(words, vectors)``: ``len(words) == n`` and ``vectors`` float32 of shape ``(n, d)``.

    Raises:
        DataError: a line with a different number of fields than the first, a value that is not a number, or a
            repeated word (the message gives the line number).
    """
    words: list[str] = []
    rows: list[np.ndarray] = []
    seen: set[str] = set()
    dim = None
    for lineno, line in enumerate(lines, start=1):
        if max_words is not None and len(words) >= max_words:
            break
        fields = line.rstrip("\n").split(" ")
        if dim is None:
            dim = len(fields) - 1
            if dim < 1:
                raise DataError(f"{source}, line {lineno}: no vector after the word")
        if len(fields) != dim + 1:
            raise DataError(f"{source}, line {lineno}: {len(fields) - 1} values, expected {dim}")
        try:
            rows.append(np.asarray(fields[1:], dtype=np.float32))
        except ValueError:
            raise DataError(f"{source}, line {lineno}: a value is not a number") from None
        if fields[0] in seen:
            raise DataError(f"{source}, line {lineno}: word {fields[0]!r} appears twice")
        seen.add(fields[0])
        words.append(fields[0])
    if not words:
        raise DataError(f"{source}: no vectors")
    return words, np.stack(rows)


def load_glove(max_words: int | None = None) -> tuple[list[str], np.ndarray]:
    """GloVe 6B 50d vectors, most frequent words first.

    Args:
        max_words: keep the ``max_words`` most frequent words (None: every word in the file; the course mirror
            holds 50,000, d2l's download 400,000).

    Returns:
        ``(words, vectors)`` with ``vectors`` float32 of shape ``(len(words), 50)``.

    Raises:
        DataError: a malformed file (see :func:`parse_glove`); the hub's errors when it cannot be fetched.
    """
    fetched = fetch("glove.6B.50d")
    if not fetched.is_official:
        print(f"GloVe: {fetched.source.label}")
    with _open_text(fetched.path) as f:
        return parse_glove(f, max_words=max_words, source=fetched.path.name)
