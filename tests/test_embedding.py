"""Word-embedding helpers: subsampling, windows, noise words, the Huffman tree, subwords, co-occurrence counts,
GloVe's weight and the similarity/analogy evaluation, against hand-computed values, SciPy and gensim."""
import math

import numpy as onp
import pytest

from d2lnotes.text import cooccurrence, embedding, huffman, subwords, word_eval


# ------------------------------------------------------------------------------------------------ subsampling

def test_keep_probability_formula():
    counts = onp.array([0, 9000, 900, 90, 10])            # f = 0.9, 0.09, 0.009, 0.001
    keep = embedding.keep_probability(counts, t=1e-3)
    f = counts[1:] / counts.sum()
    assert keep[0] == 1.0
    assert onp.allclose(keep[1:], onp.minimum(1, onp.sqrt(1e-3 / f)))
    assert keep[4] == 1.0 and abs(keep[1] - math.sqrt(1e-3 / 0.9)) < 1e-12
    # P_drop = max(1 - sqrt(t / f), 0)
    assert onp.allclose(1 - keep[1:], onp.maximum(1 - onp.sqrt(1e-3 / f), 0))


@pytest.mark.parametrize("counts, t", [([0, 0], 1e-4), ([1, -1], 1e-4), ([1, 2], 0.0)])
def test_keep_probability_rejects_bad_input(counts, t):
    with pytest.raises(ValueError):
        embedding.keep_probability(counts, t)


def test_subsample_keeps_the_expected_share():
    rng = onp.random.default_rng(0)
    corpus = [rng.choice(3, size=1000, p=[0.9, 0.09, 0.01]) for _ in range(100)]
    counts = embedding.token_counts(corpus, 3)
    kept = embedding.token_counts(embedding.subsample(corpus, counts, 2e-2, rng), 3)
    expected = counts * embedding.keep_probability(counts, 2e-2)
    assert onp.all(onp.abs(kept - expected) < 5 * onp.sqrt(expected) + 1)
    assert kept[2] == counts[2]                              # f < t: always kept
    dropped = embedding.subsample(corpus, counts, 1e-2, rng, drop=[0])
    assert embedding.token_counts(dropped, 3)[0] == 0


def test_token_counts_rejects_out_of_range():
    with pytest.raises(ValueError):
        embedding.token_counts([[0, 5]], 3)


# ----------------------------------------------------------------------------------------- windows and noise

def test_skipgram_windows_stay_in_sentence_and_window():
    corpus = [onp.arange(10), onp.arange(10, 13), onp.array([13])]
    centers, contexts, mask = embedding.skipgram_examples(corpus, max_window=3, rng=onp.random.default_rng(0))
    assert 13 not in centers                                 # a one-word sentence has no context
    offsets = onp.r_[-3:0, 1:4]
    for c, ctx, m in zip(centers, contexts, mask):
        got = ctx[m > 0]
        same_sentence = onp.arange(10) if c < 10 else onp.arange(10, 13)
        assert set(got) <= set(same_sentence) - {c}
        assert set(got) == {c + o for o in offsets[m > 0]}
        window = max(abs(offsets[m > 0]))
        assert set(got) == {c + o for o in offsets if abs(o) <= window and c + o in same_sentence}
    with pytest.raises(ValueError):
        embedding.skipgram_examples(corpus, 0)


def test_negative_sampler_frequencies_chi_square():
    from scipy.stats import chisquare

    counts = onp.array([0, 1000, 300, 50, 5, 1])
    sampler = embedding.NegativeSampler(counts, power=0.75)
    w = onp.r_[0, counts[1:] ** 0.75]
    assert onp.allclose(sampler.probs, w / w.sum())
    draws = sampler.draw(400_000, onp.random.default_rng(0))
    observed = onp.bincount(draws, minlength=6)
    assert observed[0] == 0                                  # a count of 0 is never drawn
    assert chisquare(observed[1:], sampler.probs[1:] * draws.size).pvalue > 1e-3
    # the unigram distribution would be rejected
    assert chisquare(observed[1:], counts[1:] / counts.sum() * draws.size).pvalue < 1e-10


def test_negatives_use_k_per_context_word():
    contexts = onp.array([[1, 2, 0, 0], [3, 0, 0, 0]])
    mask = onp.array([[1, 1, 0, 0], [1, 0, 0, 0]], onp.float32)
    negatives, neg_mask = embedding.negatives_for(contexts, mask, embedding.NegativeSampler([1, 1, 1, 1]), 5,
                                                  onp.random.default_rng(0))
    assert negatives.shape == neg_mask.shape == (2, 20)
    assert neg_mask.sum(axis=1).tolist() == [10, 5] and neg_mask[0, :10].all() and not neg_mask[0, 10:].any()


def test_skipgram_batches_layout():
    rng = onp.random.default_rng(0)
    corpus = [rng.integers(1, 50, size=20) for _ in range(30)]
    counts = embedding.token_counts(corpus, 50)
    batches = embedding.SkipGramBatches(corpus, counts, batch_size=64, max_window=2, num_noise=3, t=1.0, drop=[0])
    seen = 0
    for (center, cn), (mask, label) in batches:
        assert center.shape[1] == 1 and cn.shape[1] == 4 + 12 and mask.shape == label.shape == cn.shape
        m, l = mask.asnumpy(), label.asnumpy()
        assert (l[:, :4] == 1).all() and (l[:, 4:] == 0).all()
        assert onp.array_equal(m[:, 4:].sum(1), 3 * m[:, :4].sum(1))
        seen += center.shape[0]
    assert seen == 600                                       # t = 1 keeps every token; every centre has a context


def test_masked_loss_equals_gluon_and_log_sigmoid():
    from mxnet import gluon, np

    rng = onp.random.default_rng(0)
    s = rng.normal(scale=4, size=(5, 8)).astype(onp.float32)
    y = (rng.random((5, 8)) < 0.3).astype(onp.float32)
    m = (rng.random((5, 8)) < 0.7).astype(onp.float32)
    m[:, 0] = 1
    ours = embedding.masked_sigmoid_bce(np.array(s), np.array(y), np.array(m)).asnumpy()
    ref = (gluon.loss.SigmoidBCELoss()(np.array(s), np.array(y), np.array(m)) * 8 / np.array(m).sum(axis=1)).asnumpy()
    by_hand = ((-(y * onp.log(1 / (1 + onp.exp(-s)))) - (1 - y) * onp.log(1 / (1 + onp.exp(s)))) * m).sum(1) / m.sum(1)
    assert onp.allclose(ours, ref, rtol=1e-5) and onp.allclose(ours, by_hand, rtol=1e-5)


# ------------------------------------------------------------------------------------------------- Huffman

def test_huffman_codes_prefix_free_and_probabilities_sum_to_one():
    rng = onp.random.default_rng(0)
    counts = rng.integers(1, 1000, size=200)
    tree = huffman.HuffmanTree(counts)
    codes = sorted("".join(map(str, c)) for c in tree.codes)
    assert len(set(codes)) == 200
    assert not any(b.startswith(a) for a, b in zip(codes, codes[1:]))
    assert all(len(c) == len(p) for c, p in zip(tree.codes, tree.paths))
    assert all(p[0] == tree.num_inner - 1 for p in tree.paths)                 # every path starts at the root
    for _ in range(3):
        probs = tree.word_probabilities(rng.normal(size=(199, 8)), rng.normal(size=8))
        assert abs(probs.sum() - 1) < 1e-12 and (probs > 0).all()
    # Kraft equality of a full binary tree
    assert abs(sum(2.0 ** -len(c) for c in tree.codes) - 1) < 1e-12


def test_huffman_matches_hand_example_and_gensim_length():
    tree = huffman.HuffmanTree([5, 1, 1, 2])
    assert sorted(len(c) for c in tree.codes) == [1, 2, 3, 3]
    assert len(tree.codes[0]) == 1                            # the most frequent word is next to the root
    assert abs(tree.expected_code_length([5, 1, 1, 2]) - (5 * 1 + 2 * 2 + 1 * 3 + 1 * 3) / 9) < 1e-12
    paths, codes, mask = tree.padded()
    assert paths.shape == codes.shape == mask.shape == (4, 3) and mask.sum() == 9
    with pytest.raises(ValueError):
        huffman.HuffmanTree([3])


def test_huffman_expected_length_equals_gensims():
    from gensim.models import Word2Vec

    rng = onp.random.default_rng(1)
    sentences = [[f"w{int(i)}" for i in rng.zipf(1.3, size=30) if i < 300] for _ in range(300)]
    model = Word2Vec(vector_size=4, min_count=1, hs=1, negative=0, workers=1, seed=0)
    model.build_vocab(sentences)
    words = model.wv.index_to_key
    counts = onp.array([model.wv.get_vecattr(w, "count") for w in words])
    gensim_len = sum(c * len(model.wv.get_vecattr(w, "code")) for w, c in zip(words, counts)) / counts.sum()
    assert abs(huffman.HuffmanTree(counts).expected_code_length(counts) - gensim_len) < 1e-12


# ------------------------------------------------------------------------------------------------ subwords

def test_subwords_of_where():
    assert subwords.char_ngrams("where", 3, 3) == ["<wh", "whe", "her", "ere", "re>"]
    assert subwords.subwords("where", 3, 3) == ["<wh", "whe", "her", "ere", "re>", "<where>"]
    assert len(subwords.char_ngrams("where", 3, 6)) == 5 + 4 + 3 + 2
    with pytest.raises(ValueError):
        subwords.char_ngrams("where", 4, 3)


@pytest.mark.parametrize("word", ["where", "a", "naïve", "café", "日本語", "embedding"])
def test_subwords_and_hash_equal_gensims(word):
    from gensim.models.fasttext import compute_ngrams, ft_hash_bytes, ft_ngram_hashes

    assert subwords.char_ngrams(word, 3, 6) == compute_ngrams(word, 3, 6)
    for g in subwords.char_ngrams(word, 3, 6):
        assert subwords.fnv1a_hash(g) == ft_hash_bytes(g.encode("utf-8"))
    rows = subwords.subword_rows(word, None, 10, 1000, 3, 6)
    assert sorted(r - 10 for r in rows) == sorted(ft_ngram_hashes(word, 3, 6, 1000))   # gensim lists by position


def test_fnv1a_known_values():
    assert subwords.fnv1a_hash("") == 2166136261
    assert subwords.fnv1a_hash("a") == 0xE40C292C           # the published FNV-1a test vector


def test_subword_table_rows():
    rows, mask = subwords.subword_table(["<unk>", "where", "a"], 100)
    assert rows[1, 0] == 1 and rows[2, 0] == 2 and mask[1].sum() == 1 + 14
    assert (rows[mask > 0][rows[mask > 0] >= 3] < 103).all()
    with pytest.raises(ValueError):
        subwords.subword_table(["a"], 0)


# -------------------------------------------------------------------------------------------- co-occurrence

def test_cooccurrence_by_hand():
    i, j, v = cooccurrence.cooccurrence_counts([[0, 1, 2], [1, 1]], 3, window=2)
    got = {(int(a), int(b)): float(c) for a, b, c in zip(i, j, v)}
    assert got == {(0, 1): 1.0, (1, 0): 1.0, (1, 2): 1.0, (2, 1): 1.0, (0, 2): 0.5, (2, 0): 0.5, (1, 1): 2.0}
    i, j, v = cooccurrence.cooccurrence_counts([[0, 1, 2]], 3, window=2, drop=[1])
    assert list(zip(i, j, v)) == [(0, 2, 0.5), (2, 0, 0.5)]
    with pytest.raises(ValueError):
        cooccurrence.cooccurrence_counts([[0, 3]], 3)


def test_glove_weight():
    x = onp.array([0.0, 1.0, 25.0, 100.0, 1000.0])
    assert onp.allclose(cooccurrence.glove_weight(x), [0, 0.01 ** 0.75, 0.25 ** 0.75, 1, 1])
    assert cooccurrence.glove_weight(50.0) == 0.5 ** 0.75
    with pytest.raises(ValueError):
        cooccurrence.glove_weight(x, x_max=0)


# --------------------------------------------------------------------------------------------- evaluation

def test_spearman_equals_scipy():
    from scipy.stats import spearmanr

    rng = onp.random.default_rng(0)
    a, b = rng.integers(0, 5, 50).astype(float), rng.normal(size=50)
    assert abs(word_eval.spearman(a, b) - spearmanr(a, b)[0]) < 1e-12
    with pytest.raises(ValueError):
        word_eval.spearman([1.0], [2.0])


def test_nearest_is_largest_cosine():
    words = ["a", "b", "c", "d"]
    vectors = onp.array([[1, 0], [0.9, 0.1], [-1, 0], [0, 1]], onp.float32)
    assert [w for w, _ in word_eval.nearest(words, vectors, "a", 3)] == ["b", "d", "c"]
    with pytest.raises(KeyError):
        word_eval.nearest(words, vectors, "z")


@pytest.fixture(scope="module")
def toy_embedding(tmp_path_factory):
    """Random vectors over the words of gensim's evaluation sets (with case variants), plus the files."""
    from gensim.test.utils import datapath

    words = []
    for name in ("wordsim353.tsv", "questions-words.txt"):
        with open(datapath(name), encoding="utf-8") as f:
            for line in f:
                if not line.startswith((":", "#")):
                    words += line.split("\t")[:2] if "\t" in line else line.split()
    rng = onp.random.default_rng(0)
    unique = list(dict.fromkeys(w for w in words if rng.random() < 0.97))    # a few words missing
    unique += [w.lower() for w in unique[:50]]                                 # case variants
    unique = list(dict.fromkeys(unique))
    base = rng.normal(size=(len(unique), 16)).astype(onp.float32)
    return unique, base


def test_evaluation_equals_gensims(toy_embedding):
    from gensim.test.utils import datapath

    words, vectors = toy_embedding
    kv = word_eval.to_keyed_vectors(words, vectors)
    for name in ("wordsim353.tsv", "simlex999.txt"):
        ours = word_eval.evaluate_word_pairs(words, vectors, datapath(name))
        pearson, rho, oov = kv.evaluate_word_pairs(datapath(name))
        assert abs(ours["spearman"] - rho[0]) < 1e-9 and abs(ours["pearson"] - pearson[0]) < 1e-5
        assert abs(ours["oov_ratio"] - oov) < 1e-9
    restrict = 2000
    ours = word_eval.evaluate_word_analogies(words, vectors, datapath("questions-words.txt"), restrict_vocab=restrict)
    score, sections = kv.evaluate_word_analogies(datapath("questions-words.txt"), restrict_vocab=restrict)
    assert ours["total"] > 100
    assert ours["correct"] == len(sections[-1]["correct"]) and abs(ours["accuracy"] - score) < 1e-12


def test_pair_auc_chance_and_perfect():
    rng = onp.random.default_rng(0)
    vectors = rng.normal(size=(100, 20))
    c, o, n = rng.integers(0, 100, (3, 5000))
    assert abs(word_eval.pair_auc(vectors, c, o, n) - 0.5) < 0.03
    assert word_eval.pair_auc(vectors, c, c, n) > 0.99   # a noise word may be the centre itself
    with pytest.raises(ValueError):
        word_eval.pair_auc(vectors, c, o[:10], n)


def test_analogy_file_error(tmp_path):
    bad = tmp_path / "q.txt"
    bad.write_text("a b c d\n", encoding="utf-8")
    with pytest.raises(ValueError, match="line 1"):
        word_eval.read_analogies(bad)


def test_cbow_batches_cover_every_centre():
    rng = onp.random.default_rng(0)
    corpus = [rng.integers(1, 50, size=20) for _ in range(30)]
    counts = embedding.token_counts(corpus, 50)
    batches = embedding.CBOWBatches(corpus, counts, batch_size=64, max_window=2, t=1.0, drop=[0])
    targets = []
    for (contexts, mask), y in batches:
        assert contexts.shape == mask.shape == (y.shape[0], 4)
        assert (mask.asnumpy().sum(axis=1) >= 1).all()
        targets.append(y.asnumpy())
    assert onp.array_equal(onp.bincount(onp.concatenate(targets), minlength=50), counts)
