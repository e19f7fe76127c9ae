"""Evaluating word vectors: nearest neighbours by cosine similarity, word-pair similarity (Spearman), analogies.

``evaluate_word_pairs`` and ``evaluate_word_analogies`` follow gensim's ``KeyedVectors`` methods of the same
names rule for rule (upper-casing for case-insensitive matching, the first ``restrict_vocab`` words, pairs and
questions with unknown words skipped, 3CosAdd on unit vectors), so both give the same numbers on the same
vectors; book/08_embeddings/04_glove.ipynb asserts it. The analogy search is batched (one matrix product for a
block of questions) instead of gensim's one query at a time.

Vectors are a ``(n, d)`` float32 NumPy array whose rows match ``words`` (most frequent first).

Source: Mikolov, Yih & Zweig, "Linguistic Regularities in Continuous Space Word Representations", NAACL 2013
(3CosAdd, the questions-words set); Finkelstein et al. 2002 (WordSim-353); Hill, Reichart & Korhonen 2015
(SimLex-999); d2l, "Word Similarity and Analogy" (Sec. 15.7). Taught in book/08_embeddings/04_glove.ipynb.
"""
from __future__ import annotations

from typing import Sequence

import numpy as onp


def unit_rows(vectors) -> onp.ndarray:
    """Rows scaled to length 1 (float32); a zero row stays zero.

    Raises:
        ValueError: ``vectors`` is not 2-D.
    """
    vectors = onp.asarray(vectors, onp.float32)
    if vectors.ndim != 2:
        raise ValueError(f"vectors must be (n, d), got shape {vectors.shape}")
    norms = onp.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / onp.where(norms > 0, norms, 1)


def nearest(words: Sequence[str], vectors, query, k: int = 5, exclude: Sequence[str] = ()) -> list[tuple[str, float]]:
    """The ``k`` words with the LARGEST cosine similarity to ``query`` (a word or a ``(d,)`` vector), best first.

    Cosine similarity is ``x . y / (|x| |y|)``: 1 for the same direction, 0 for orthogonal vectors, so the
    neighbours are the largest values, not the smallest. A query word and the words in ``exclude`` are left out.

    Raises:
        KeyError: a query word that is not in ``words``.
    """
    index = {w: i for i, w in enumerate(words)}
    unit = unit_rows(vectors)
    skip = {index[w] for w in exclude if w in index}
    if isinstance(query, str):
        if query not in index:
            raise KeyError(f"{query!r} is not in the vocabulary")
        skip.add(index[query])
        q = unit[index[query]]
    else:
        q = onp.asarray(query, onp.float32)
        q = q / max(float(onp.linalg.norm(q)), 1e-12)
    sims = unit @ q
    order = onp.argsort(-sims)
    return [(words[i], float(sims[i])) for i in order if i not in skip][:k]


def analogy(words: Sequence[str], vectors, a: str, b: str, c: str, k: int = 5) -> list[tuple[str, float]]:
    """``a : b :: c : ?`` by 3CosAdd: the words nearest to ``unit(b) - unit(a) + unit(c)`` other than a, b, c.

    Raises:
        KeyError: one of the words is not in ``words``.
    """
    index = {w: i for i, w in enumerate(words)}
    missing = [w for w in (a, b, c) if w not in index]
    if missing:
        raise KeyError(f"not in the vocabulary: {missing}")
    unit = unit_rows(vectors)
    query = unit[index[b]] - unit[index[a]] + unit[index[c]]
    return nearest(words, vectors, query, k, exclude=(a, b, c))


def spearman(x, y) -> float:
    """Spearman's rank correlation: Pearson's correlation of the ranks (ties get their average rank).

    Raises:
        ValueError: fewer than two values or lengths that differ.
    """
    from scipy.stats import rankdata

    x, y = onp.asarray(x, onp.float64), onp.asarray(y, onp.float64)
    if x.shape != y.shape or x.size < 2:
        raise ValueError(f"need two equal-length sequences of at least 2 values, got {x.shape} and {y.shape}")
    rx, ry = rankdata(x) - (x.size + 1) / 2, rankdata(y) - (y.size + 1) / 2
    return float((rx * ry).sum() / onp.sqrt((rx ** 2).sum() * (ry ** 2).sum()))


def _ok_vocab(words: Sequence[str], restrict_vocab: int, case_insensitive: bool) -> dict[str, int]:
    keys = list(words[:restrict_vocab])
    # reversed, so the first (most frequent) of several case variants wins, as in gensim
    return {(w.upper() if case_insensitive else w): i for i, w in reversed(list(enumerate(keys)))}


def read_word_pairs(path, delimiter: str = "\t", case_insensitive: bool = True) -> list[tuple[str, str, float]]:
    """``(word1, word2, score)`` of a similarity file (``#`` lines are comments; malformed lines are skipped, as
    gensim does)."""
    out = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            if not line or line.startswith("#"):
                continue
            parts = line.split(delimiter)
            if len(parts) != 3:
                continue
            try:
                score = float(parts[2])
            except ValueError:
                continue
            a, b = (parts[0].upper(), parts[1].upper()) if case_insensitive else (parts[0], parts[1])
            out.append((a, b, score))
    return out


def evaluate_word_pairs(words: Sequence[str], vectors, path, restrict_vocab: int = 300000,
                        case_insensitive: bool = True, delimiter: str = "\t") -> dict:
    """Similarity benchmark: Spearman (and Pearson) correlation between human scores and cosine similarities.

    Args:
        words, vectors: the embedding (rows in frequency order).
        path: a file of ``word1<TAB>word2<TAB>score`` lines (gensim's ``wordsim353.tsv``, ``simlex999.txt``).
        restrict_vocab: only the first ``restrict_vocab`` words count as known.

    Returns:
        ``{"spearman", "pearson", "pairs", "oov_ratio", "gold", "model"}``; ``oov_ratio`` in percent of the pairs
        (skipped pairs with an unknown word), as gensim reports it.

    Raises:
        ValueError: no pair has both words known.
    """
    from scipy.stats import pearsonr

    ok = _ok_vocab(words, restrict_vocab, case_insensitive)
    unit = unit_rows(vectors)
    pairs = read_word_pairs(path, delimiter, case_insensitive)
    known = [(ok[a], ok[b], s) for a, b, s in pairs if a in ok and b in ok]
    if not known:
        raise ValueError(f"no pair of {path} has both words among the first {restrict_vocab} words")
    i, j, gold = (onp.array(v) for v in zip(*known))
    model = (unit[i] * unit[j]).sum(axis=1)
    return {"spearman": spearman(gold, model), "pearson": float(pearsonr(gold, model)[0]), "pairs": len(known),
            "oov_ratio": 100.0 * (len(pairs) - len(known)) / len(pairs), "gold": gold, "model": model}


def read_analogies(path, case_insensitive: bool = True) -> list[tuple[str, tuple[str, str, str, str]]]:
    """``(section, (a, b, c, d))`` of every question of a questions-words file (``: section`` headers).

    Raises:
        ValueError: a question before the first section header (named with its line number).
    """
    out, section = [], None
    with open(path, encoding="utf-8") as f:
        for lineno, line in enumerate(f, start=1):
            if line.startswith(": "):
                section = line[2:].strip()
                continue
            parts = line.split()
            if len(parts) != 4:
                continue
            if section is None:
                raise ValueError(f"{path}, line {lineno}: question before the first ': section' header")
            out.append((section, tuple(p.upper() if case_insensitive else p for p in parts)))
    return out


def evaluate_word_analogies(words: Sequence[str], vectors, path, restrict_vocab: int = 300000,
                            case_insensitive: bool = True, block: int = 512) -> dict:
    """Analogy benchmark ``a : b :: c : d`` by 3CosAdd, counted right when the best word other than a, b, c is d.

    Returns:
        ``{"accuracy", "correct", "total", "oov_ratio", "sections": {name: (correct, total)}}``; questions with a
        word outside the first ``restrict_vocab`` words are skipped (``oov_ratio`` in percent), as gensim does.
    """
    ok = _ok_vocab(words, restrict_vocab, case_insensitive)
    vectors = onp.asarray(vectors, onp.float32)[:restrict_vocab]
    unit = unit_rows(vectors)
    norms = onp.linalg.norm(vectors, axis=1)
    upper = [w.upper() if case_insensitive else w for w in words[:restrict_vocab]]
    questions = read_analogies(path, case_insensitive)
    known = [(s, q) for s, q in questions if all(w in ok for w in q)]
    sections: dict[str, list[int]] = {}
    for s, _ in questions:
        sections.setdefault(s, [0, 0])
    correct = 0
    for start in range(0, len(known), block):
        chunk = known[start:start + block]
        idx = onp.array([[ok[w] for w in q] for _, q in chunk])
        # gensim's get_mean_vector: (b + c - a) / 3 on unit vectors, then unit length, then dot / norms
        mean = (unit[idx[:, 1]] + unit[idx[:, 2]] - unit[idx[:, 0]]) / onp.float32(3)
        mean = mean / onp.linalg.norm(mean, axis=1, keepdims=True)
        dists = (vectors @ mean.T) / norms[:, None]
        cols = onp.arange(len(chunk))
        for k in range(3):  # gensim never returns an input word
            dists[idx[:, k], cols] = -onp.inf
        best = dists.argmax(axis=0)
        for col, (s, q) in enumerate(chunk):
            i = best[col]
            while upper[i] in q[:3]:  # a case variant of an input word (case-insensitive vocabularies only)
                dists[i, col] = -onp.inf
                i = dists[:, col].argmax()
            hit = upper[i] == q[3]
            correct += hit
            sections[s][0] += hit
            sections[s][1] += 1
    total = len(known)
    return {"accuracy": correct / total if total else 0.0, "correct": correct, "total": total,
            "oov_ratio": 100.0 * (len(questions) - total) / len(questions),
            "sections": {k: tuple(v) for k, v in sections.items()}}


def to_keyed_vectors(words: Sequence[str], vectors):
    """The same embedding as a gensim ``KeyedVectors`` (to compare with gensim's evaluation)."""
    from gensim.models import KeyedVectors

    kv = KeyedVectors(onp.asarray(vectors).shape[1])
    kv.add_vectors(list(words), onp.asarray(vectors, onp.float32))
    return kv


def pair_auc(vectors, centers, contexts, noise) -> float:
    """How well cosine similarity tells words that co-occur from noise: the ROC AUC of ``cos(centers, contexts)``
    (positives) against ``cos(centers, noise)`` (negatives). 0.5 is chance (random vectors), 1 is perfect.

    Args:
        vectors: ``(vocab_size, d)``.
        centers, contexts, noise: ``(n,)`` indices; pair ``k`` is ``(centers[k], contexts[k])`` against
            ``(centers[k], noise[k])``.

    Raises:
        ValueError: arrays of different lengths or empty.
    """
    from sklearn.metrics import roc_auc_score

    centers, contexts, noise = (onp.asarray(a, onp.int64).reshape(-1) for a in (centers, contexts, noise))
    if not (centers.size == contexts.size == noise.size) or not centers.size:
        raise ValueError("centers, contexts and noise must be non-empty and of equal length")
    unit = unit_rows(vectors)
    pos = (unit[centers] * unit[contexts]).sum(axis=1)
    neg = (unit[centers] * unit[noise]).sum(axis=1)
    return float(roc_auc_score(onp.r_[onp.ones(pos.size), onp.zeros(neg.size)], onp.r_[pos, neg]))


def heldout_pairs(corpus, counts, max_window: int = 5, num_pairs: int = 20000, seed: int = 0, drop=()):
    """Held-out test pairs for :func:`pair_auc`: ``(centers, contexts, noise)`` drawn from sentences of token indices
    (e.g. PTB's validation split), with noise words from the unigram distribution of ``counts`` (so frequency
    alone does not separate them). Indices in ``drop`` (``<unk>``) are left out.
    """
    from .embedding import skipgram_examples

    rng = onp.random.default_rng(seed)
    drop = onp.asarray(list(drop), onp.int64)
    sentences = [onp.asarray(s, onp.int64)[~onp.isin(s, drop)] for s in corpus]
    centers, contexts, mask = skipgram_examples(sentences, max_window, rng)
    rows, cols = onp.nonzero(mask)
    pick = rng.choice(rows.size, size=min(num_pairs, rows.size), replace=False)
    probs = onp.asarray(counts, onp.float64).copy()
    probs[drop] = 0
    noise = rng.choice(probs.size, size=pick.size, p=probs / probs.sum())
    return centers[rows[pick]], contexts[rows[pick], cols[pick]], noise
