"""SemEval-2014 Task 4, laptop reviews, with aspect terms tagged per token (Pontiki et al. 2014, as redistributed
by Li et al. 2019, lixin4ever/E2E-TBSA).

``laptop14_{train,test}.txt`` hold one sentence a line, ``raw sentence####tok=TAG tok=TAG ...`` with TAG ``O`` or
``T-POS``/``T-NEG``/``T-NEU`` (inside an aspect term, with its sentiment). The CoNLL files split the 3,045 training
sentences into 2,741 for training and 304 for validation (lower-cased, punctuation replaced by ``PUNCT``); the
reader takes the original sentences from ``laptop14_train.txt`` and the split from the CoNLL files.
For aspect term extraction a maximal run of ``T-*`` tokens is one term, tagged ``B-ASP I-ASP ...`` (BIO).
Taught in book/10_nlp_projects/05_bilstm_crf.ipynb.
"""
from __future__ import annotations

from typing import Iterable

from .hub import DataError, fetch

SEMEVAL_COUNTS = {"train": 2741, "valid": 304, "test": 800}  # sentences, from the MANIFEST
SEMEVAL_SPANS = {"train+valid": 2300, "test": 634}  # aspect-term spans (adjacent terms merged), from the MANIFEST
TAGS = ("O", "T-POS", "T-NEG", "T-NEU")


def parse_tagged(lines: Iterable[str], source: str = "<text>") -> list[tuple[list[str], list[str]]]:
    """Parse ``sentence####tok=TAG ...`` lines into ``(tokens, tags)`` pairs (tags as in the file).

    A token may itself contain ``=``; the tag is what follows the last one.

    Raises:
        DataError: no ``####`` separator, a token without ``=TAG``, an unknown tag, or no tokens (the message
            gives the line number).
    """
    sentences = []
    for lineno, line in enumerate(lines, start=1):
        raw, sep, tagged = line.rstrip("\n").partition("####")
        if not sep:
            raise DataError(f"{source}, line {lineno}: no '####' between the sentence and its tags")
        tokens, tags = [], []
        for item in tagged.split(" "):
            token, eq, tag = item.rpartition("=")
            if not eq or not token:
                raise DataError(f"{source}, line {lineno}: {item!r} is not token=TAG")
            if tag not in TAGS:
                raise DataError(f"{source}, line {lineno}: unknown tag {tag!r} (expected one of {TAGS})")
            tokens.append(token)
            tags.append(tag)
        sentences.append((tokens, tags))
    return sentences


def parse_conll(lines: Iterable[str], source: str = "<text>") -> list[list[str]]:
    """Parse ``token TAG`` lines with a blank line between sentences; returns each sentence's tokens.

    Raises:
        DataError: a non-blank line that is not two space-separated fields (the message gives the line number).
    """
    sentences, current = [], []
    for lineno, line in enumerate(lines, start=1):
        line = line.rstrip("\n")
        if not line:
            if current:
                sentences.append(current)
            current = []
            continue
        fields = line.split(" ")
        if len(fields) != 2:
            raise DataError(f"{source}, line {lineno}: expected 'token TAG', got {line!r}")
        current.append(fields[0])
    if current:
        sentences.append(current)
    return sentences


def to_bio(tags: list[str]) -> list[str]:
    """``O``/``T-*`` tags -> BIO aspect tags: the first token of a maximal ``T-*`` run is ``B-ASP``, the rest
    ``I-ASP``; ``O`` stays ``O``. Example: ``O T-POS T-POS O T-NEG -> O B-ASP I-ASP O B-ASP``."""
    bio, inside = [], False
    for tag in tags:
        if tag == "O":
            bio.append("O")
            inside = False
        else:
            bio.append("I-ASP" if inside else "B-ASP")
            inside = True
    return bio


def _same_sentence(tokens: list[str], conll_tokens: list[str]) -> bool:
    return len(tokens) == len(conll_tokens) and all(
        c == "PUNCT" or t.lower() == c for t, c in zip(tokens, conll_tokens))


def load_semeval_laptop(split: str = "train") -> tuple[list[list[str]], list[list[str]]]:
    """Aspect term extraction data: ``(sentences, bio_tags)``, token lists in their original case.

    Args:
        split: ``"train"`` (2,741 sentences), ``"valid"`` (304) or ``"test"`` (800).

    Raises:
        ValueError: unknown split. DataError: a malformed line, a training sentence found in neither CoNLL
            file, or counts other than the MANIFEST's.
    """
    if split not in SEMEVAL_COUNTS:
        raise ValueError(f"unknown split {split!r}: use train, valid or test")
    path = fetch("semeval14-laptop", "test" if split == "test" else "train").path
    with open(path, encoding="utf-8") as f:
        tagged = parse_tagged(f, source=path.name)
    if split != "test":
        parts = {}
        for key in ("train_conll", "dev_conll"):
            conll_path = fetch("semeval14-laptop", key).path
            with open(conll_path, encoding="utf-8") as f:
                parts[key] = parse_conll(f, source=conll_path.name)
        # the CoNLL files keep the order of laptop14_train.txt: merge them back like two sorted lists
        chosen, i, j = [], 0, 0
        for lineno, (tokens, tags) in enumerate(tagged, start=1):
            if i < len(parts["train_conll"]) and _same_sentence(tokens, parts["train_conll"][i]):
                i += 1
                if split == "train":
                    chosen.append((tokens, tags))
            elif j < len(parts["dev_conll"]) and _same_sentence(tokens, parts["dev_conll"][j]):
                j += 1
                if split == "valid":
                    chosen.append((tokens, tags))
            else:
                raise DataError(f"{path.name}, line {lineno}: sentence in neither CoNLL split file")
        tagged = chosen
    if len(tagged) != SEMEVAL_COUNTS[split]:
        raise DataError(f"{path.name}: {len(tagged)} {split} sentences, expected {SEMEVAL_COUNTS[split]}")
    return [t for t, _ in tagged], [to_bio(tags) for _, tags in tagged]
