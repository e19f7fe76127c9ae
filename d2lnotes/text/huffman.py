"""The Huffman tree of hierarchical softmax: each word a leaf, its probability a product of sigmoids on its path.

Inner nodes are numbered ``0 .. vocab_size - 2`` (each has one output vector); a word's *path* lists the inner
nodes from the root down and its *code* the branch taken at each (0 or 1). With ``x_j = u_{n_j} . h``

    P(w | h) = prod_j sigmoid((1 - 2 * code_j) * x_j),

so the two children of a node share ``sigmoid(x) + sigmoid(-x) = 1`` and the probabilities of all words sum to 1.
Frequent words get short codes: the expected code length ``sum_w f(w) * len(code_w)`` is the smallest of all
binary trees, about ``log2 |V|`` or less, which is what an update costs instead of ``|V|`` for the full softmax.

Source: Morin & Bengio, "Hierarchical Probabilistic Neural Network Language Model", AISTATS 2005; Mikolov et al.,
"Efficient Estimation of Word Representations in Vector Space", 2013 (Huffman tree, word2vec.c's convention:
``code 0`` means ``sigmoid(x)``); d2l, "Approximate Training" (Sec. 15.2).
Taught in book/08_embeddings/02_cbow_hierarchical_softmax.ipynb.
"""
from __future__ import annotations

import heapq
from typing import Sequence

import numpy as onp


class HuffmanTree:
    """Huffman codes and paths of a vocabulary built from word counts.

    Args:
        counts: ``(vocab_size,)`` positive counts (a word with count 0 still gets a leaf, as a count of 0 sorts
            it deepest).

    Attributes:
        codes: list of ``vocab_size`` int8 arrays, the branch bits from the root down.
        paths: list of ``vocab_size`` int64 arrays, the inner nodes from the root down (same lengths as codes).
        num_inner: ``vocab_size - 1``.

    Raises:
        ValueError: fewer than two words, or a negative count.
    """

    def __init__(self, counts: Sequence[float]):
        counts = onp.asarray(counts, dtype=onp.float64)
        V = counts.size
        if V < 2:
            raise ValueError(f"a Huffman tree needs at least two words, got {V}")
        if (counts < 0).any():
            raise ValueError("counts must be non-negative")
        # heap of (count, tie-breaker, node); leaves are 0 .. V-1, inner nodes V .. 2V-2 (inner id = node - V)
        heap = [(c, i, i) for i, c in enumerate(counts)]
        heapq.heapify(heap)
        parent = onp.zeros(2 * V - 1, onp.int64)
        branch = onp.zeros(2 * V - 1, onp.int8)
        for node in range(V, 2 * V - 1):
            c0, _, left = heapq.heappop(heap)
            c1, _, right = heapq.heappop(heap)
            parent[left], branch[left] = node, 0
            parent[right], branch[right] = node, 1
            heapq.heappush(heap, (c0 + c1, node, node))
        root = 2 * V - 2
        self.num_inner = V - 1
        self.codes, self.paths = [], []
        for w in range(V):
            code, path, node = [], [], w
            while node != root:
                code.append(branch[node])
                path.append(parent[node] - V)
                node = parent[node]
            # numbered from the root: the root is inner node V - 2; store root-first
            self.codes.append(onp.array(code[::-1], onp.int8))
            self.paths.append(onp.array(path[::-1], onp.int64))

    def __len__(self) -> int:
        return len(self.codes)

    def padded(self) -> tuple[onp.ndarray, onp.ndarray, onp.ndarray]:
        """Paths and codes as ``(vocab_size, max_depth)`` arrays plus a float32 mask (1 on real steps), so that a
        minibatch of target words indexes them in one step."""
        depth = max(len(c) for c in self.codes)
        V = len(self)
        paths = onp.zeros((V, depth), onp.int64)
        codes = onp.zeros((V, depth), onp.float32)
        mask = onp.zeros((V, depth), onp.float32)
        for w, (p, c) in enumerate(zip(self.paths, self.codes)):
            paths[w, :len(p)], codes[w, :len(c)], mask[w, :len(c)] = p, c, 1
        return paths, codes, mask

    def expected_code_length(self, counts) -> float:
        """``sum_w f(w) * len(code_w)``: the average number of sigmoids per update (``f`` relative frequencies)."""
        counts = onp.asarray(counts, dtype=onp.float64)
        return float((counts * onp.array([len(c) for c in self.codes])).sum() / counts.sum())

    def word_probabilities(self, node_vectors: onp.ndarray, h: onp.ndarray) -> onp.ndarray:
        """``P(w | h)`` for every word, from the inner nodes' vectors ``(vocab_size - 1, d)`` and a hidden vector
        ``h`` ``(d,)``: a ``(vocab_size,)`` float64 array that sums to 1 (NumPy, float64: for checking)."""
        x = onp.asarray(node_vectors, onp.float64) @ onp.asarray(h, onp.float64)
        return onp.array([onp.prod(1 / (1 + onp.exp(-(1 - 2 * c.astype(onp.float64)) * x[p])))
                          for p, c in zip(self.paths, self.codes)])
