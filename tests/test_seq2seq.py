"""Sequence to sequence (d2lnotes.text.seq2seq, d2lnotes.text.bleu): masked loss against a loop, decoders that
decode step by step as they train, causal masking, beam search = exhaustive search, BLEU = sacrebleu's."""
import json
import math

import mxnet as mx
import numpy as onp
import pytest
import sacrebleu
from mxnet import init, np

from d2lnotes.text import bleu, seq2seq
from d2lnotes.text.seq2seq import (BOS, EOS, PAD, EncoderDecoder, Seq2SeqAttentionDecoder, Seq2SeqDecoder,
                                   Seq2SeqEncoder, TransformerDecoder, TransformerEncoder, beam_search, beam_search_batch,
                                   build_array, detokenize, exhaustive_search, greedy_decode, masked_ce_loss,
                                   sequence_log_prob, teacher_forcing_input, truncate_pad)
from d2lnotes.text.vocab import Vocab


def _net(kind, V_src=7, V_tgt=5, h=8, seed=0):
    mx.random.seed(seed)
    if kind == "gru":
        net = EncoderDecoder(Seq2SeqEncoder(V_src, 4, h, 2), Seq2SeqDecoder(V_tgt, 4, h, 2))
    elif kind == "attention":
        net = EncoderDecoder(Seq2SeqEncoder(V_src, 4, h, 2), Seq2SeqAttentionDecoder(V_tgt, 4, h, 2))
    else:
        net = EncoderDecoder(TransformerEncoder(V_src, h, 16, 2, 2), TransformerDecoder(V_tgt, h, 16, 2, 2))
    net.initialize(init.Normal(1.0))  # large weights: peaked, varied distributions
    return net


def test_masked_ce_loss_equals_a_loop():
    Y_hat = np.random.normal(size=(3, 4, 6))
    Y = np.random.randint(0, 6, size=(3, 4)).astype("int32")
    lens = np.array([4, 1, 0])
    loss = masked_ce_loss(Y_hat, Y, lens).asnumpy()
    logits, y = Y_hat.asnumpy().astype(onp.float64), Y.asnumpy()
    for i, n in enumerate([4, 1, 0]):
        expected = sum(math.log(onp.exp(logits[i, t]).sum()) - logits[i, t, y[i, t]] for t in range(n))
        assert loss[i] == pytest.approx(expected, rel=1e-5, abs=1e-6)
    assert loss[2] == 0 and onp.isfinite(loss).all()
    with pytest.raises(ValueError, match="expected"):
        masked_ce_loss(Y_hat, Y[:, :3], lens)


def test_arrays_truncation_unknown_words_and_teacher_forcing():
    vocab = Vocab([["a", "b", "a"]], reserved_tokens=(PAD, BOS, EOS))
    assert truncate_pad([1, 2], 4, 0) == [1, 2, 0, 0] and truncate_pad([1, 2, 3], 2, 0) == [1, 2]
    array, lens = build_array([["a", "b"], ["a", "zzz", "b", "a", "b"]], vocab, 4)
    assert array.tolist() == [[vocab["a"], vocab["b"], vocab[EOS], vocab[PAD]],
                              [vocab["a"], vocab.unk, vocab["b"], vocab["a"]]]
    assert lens.tolist() == [3, 4]
    dec = teacher_forcing_input(np.array(array), vocab[BOS]).asnumpy()
    assert dec[:, 0].tolist() == [vocab[BOS]] * 2 and (dec[:, 1:] == array[:, :-1]).all()
    assert detokenize(["je", "suis", EOS, "x"]) == "je suis" and detokenize(["我", "好", PAD], "char") == "我好"


@pytest.mark.parametrize("kind", ["gru", "attention", "transformer"])
def test_step_by_step_equals_teacher_forced(kind):
    """Decoding one token at a time gives the scores of one pass over the whole input: for the Transformer this
    needs the causal mask (a query must not see later positions) and the shifted positional encoding."""
    net = _net(kind)
    src, src_len = np.array([[1, 2, 3, 0], [4, 5, 0, 0]], dtype="int32"), np.array([3, 2], dtype="int32")
    dec_X = np.array([[1, 3, 4, 2], [1, 4, 4, 3]], dtype="int32")
    full, _ = net(src, src_len, dec_X)
    state = net.decoder.init_state(net.encoder(src, src_len), src_len)
    steps = []
    for t in range(4):
        Y, state = net.decoder(dec_X[:, t:t + 1], state)
        steps.append(Y)
    onp.testing.assert_allclose(np.concatenate(steps, axis=1).asnumpy(), full.asnumpy(), rtol=1e-4, atol=1e-5)


def test_transformer_decoder_is_causal():
    net = _net("transformer")
    src, src_len = np.array([[1, 2, 3, 0]], dtype="int32"), np.array([3], dtype="int32")
    a, _ = net(src, src_len, np.array([[1, 3, 4, 2]], dtype="int32"))
    b, _ = net(src, src_len, np.array([[1, 3, 0, 0]], dtype="int32"))  # later inputs changed
    onp.testing.assert_allclose(a[:, :2].asnumpy(), b[:, :2].asnumpy(), rtol=1e-5, atol=1e-6)
    assert not onp.allclose(a[:, 2:].asnumpy(), b[:, 2:].asnumpy())
    weights = net.decoder.attention_weights[0][0].asnumpy()  # (b * heads, t, t) self-attention of block 0
    assert (onp.triu(weights[0], k=1) == 0).all()


@pytest.mark.parametrize("kind", ["gru", "attention", "transformer"])
@pytest.mark.parametrize("alpha", [0.0, 0.75])
def test_wide_beam_equals_exhaustive_search(kind, alpha):
    V, max_len, eos, bos = 4, 4, 2, 1
    net = _net(kind, V_tgt=V)
    src, src_len = np.array([[1, 2, 3]], dtype="int32"), np.array([3], dtype="int32")
    best = exhaustive_search(net, src, src_len, V, bos, eos, max_len, alpha)
    hyps = beam_search(net, src, src_len, bos, eos, max_len, beam_size=V ** max_len, alpha=alpha)
    assert hyps[0].tokens == best.tokens
    assert hyps[0].score == pytest.approx(best.score, rel=1e-4)
    # every hypothesis' log-probability agrees with a teacher-forced pass
    lp = sequence_log_prob(net, src, src_len, [h.tokens for h in hyps[:10]], bos)
    onp.testing.assert_allclose([h.log_prob for h in hyps[:10]], lp, rtol=1e-4)
    # width 1 is greedy search
    greedy = greedy_decode(net, src, src_len, bos, eos, max_len)[0]
    one = beam_search(net, src, src_len, bos, eos, max_len, beam_size=1, alpha=alpha)
    assert len(one) == 1 and [t for t in one[0].tokens if t != eos] == greedy


@pytest.mark.parametrize("kind", ["gru", "attention", "transformer"])
def test_batched_beam_search_equals_one_sentence_at_a_time(kind):
    """The rows of a batch (sentences of different lengths, beams that finish at different steps) never mix: each
    sentence gets the hypotheses it gets alone, and with a beam as wide as the search space the exhaustive optimum."""
    V, max_len, eos, bos = 4, 4, 2, 1
    net = _net(kind, V_tgt=V)
    src = np.array([[1, 2, 3, 0], [4, 5, 0, 0], [6, 6, 6, 6], [3, 0, 0, 0]], dtype="int32")
    src_len = np.array([3, 2, 4, 1], dtype="int32")
    for beam_size in (2, 3, V ** max_len):
        batched = beam_search_batch(net, src, src_len, bos, eos, max_len, beam_size, 0.75)
        assert len(batched) == 4
        for b in range(4):
            alone = beam_search(net, src[b:b + 1], src_len[b:b + 1], bos, eos, max_len, beam_size, 0.75)
            assert [h.tokens for h in batched[b]] == [h.tokens for h in alone], (beam_size, b)
            onp.testing.assert_allclose([h.score for h in batched[b]], [h.score for h in alone], rtol=1e-4)
            if beam_size == V ** max_len:
                best = exhaustive_search(net, src[b:b + 1], src_len[b:b + 1], V, bos, eos, max_len, 0.75)
                assert batched[b][0].tokens == best.tokens


def test_beam_search_errors():
    net = _net("gru")
    with pytest.raises(ValueError, match="one sentence"):
        beam_search(net, np.zeros((2, 3), dtype="int32"), np.array([3, 3]), 1, 2, 4, 2)
    with pytest.raises(ValueError, match="at least 1"):
        beam_search(net, np.zeros((1, 3), dtype="int32"), np.array([3]), 1, 2, 4, 0)
    with pytest.raises(ValueError, match="at least 1"):
        beam_search_batch(net, np.zeros((2, 3), dtype="int32"), np.array([3, 3]), 1, 2, 0, 2)


CASES = [("the cat sat on the mat".split(), "the cat is on the mat".split()),
         ("a b c d e".split(), "a b c d e".split()),
         ("x y".split(), "a b c d e f".split()),
         ("the the the the".split(), "the cat".split()),
         ("one two three four five six".split(), "one two three four five".split())]


@pytest.mark.parametrize("hyp, ref", CASES)
def test_sentence_bleu_equals_sacrebleu(hyp, ref):
    for smooth in ("exp", "none", "floor"):
        expected = sacrebleu.sentence_bleu(" ".join(hyp), [" ".join(ref)], smooth_method=smooth, tokenize="none").score
        assert bleu.sentence_bleu(hyp, ref, smooth=smooth) == pytest.approx(expected, abs=1e-9)


def test_corpus_bleu_equals_sacrebleu_and_is_not_a_mean():
    hyps, refs = [h for h, _ in CASES], [r for _, r in CASES]
    for smooth in ("exp", "none"):
        expected = sacrebleu.corpus_bleu([" ".join(h) for h in hyps], [[" ".join(r) for r in refs]],
                                         smooth_method=smooth, tokenize="none").score
        assert bleu.corpus_bleu(hyps, refs, smooth=smooth) == pytest.approx(expected, abs=1e-9)
    mean = onp.mean([bleu.sentence_bleu(h, r) for h, r in CASES])
    assert abs(mean - bleu.corpus_bleu(hyps, refs)) > 1
    with pytest.raises(ValueError, match="hypotheses"):
        bleu.corpus_bleu(hyps, refs[:2])


def test_d2l_bleu_by_hand_and_chinese_tokenisation():
    # hyp "a b c", ref "a b d e": p1 = 2/3, p2 = 1/2, BP = exp(1 - 4/3)
    assert bleu.d2l_bleu("a b c".split(), "a b d e".split(), 2) == pytest.approx(
        math.exp(1 - 4 / 3) * (2 / 3) ** 0.5 * (1 / 2) ** 0.25)
    assert bleu.d2l_bleu([], ["a"]) == 0 and bleu.d2l_bleu(["a"], ["a"], 2) == 0
    hyp, ref = "我很好。", "我很好。"
    assert bleu.sacrebleu_corpus([hyp], [ref], "char") == pytest.approx(100)
    assert bleu.sacrebleu_corpus(["我很"], ["我很好。"], "char") == pytest.approx(
        bleu.corpus_bleu([list("我很")], [list("我很好。")]), abs=1e-9)


def test_sacrebleu_corpus_with_several_references():
    hyps = ["the cat is on the mat", "hello there"]
    refs = [["the cat sat on the mat", "the cat is on the mat"], "hello there friend"]
    expected = sacrebleu.corpus_bleu(hyps, [["the cat sat on the mat", "hello there friend"],
                                            ["the cat is on the mat", None]]).score
    assert bleu.sacrebleu_corpus(hyps, refs) == pytest.approx(expected)
    assert bleu.sacrebleu_corpus(hyps[:1], refs[:1]) == pytest.approx(100)
    with pytest.raises(ValueError, match="reference"):
        bleu.sacrebleu_corpus(hyps, refs[:1])


@pytest.mark.parametrize("chosen, fra_pairs, n_test, epochs", [("smoke", 3000, 200, 4), ("cpu", 15000, 500, 5),
                                                              ("full", None, 1000, 30)])
def test_comparison_setup_follows_the_budget(monkeypatch, chosen, fra_pairs, n_test, epochs):
    for name in ("D2LNOTES_SMOKE", "CI", "D2LNOTES_BUDGET"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("D2LNOTES_BUDGET", chosen)
    setup = seq2seq.comparison_setup(load=False)
    assert setup.settings["fra-eng"]["max_pairs"] == fra_pairs and setup.n_test == n_test
    assert setup.settings["fra-eng"]["num_epochs"] == epochs and setup.datasets == {}
    assert set(setup.settings) == {"fra-eng", "cmn-eng"}


def test_split_bleu_is_sacrebleu_of_the_translations_against_all_references(monkeypatch):
    """split_bleu = sacrebleu's corpus BLEU of translate() on the split's distinct sources, every reference kept."""
    from tests.conftest import real_mirror
    if real_mirror() is None:
        pytest.skip("needs the course's data mirror")
    monkeypatch.setenv("D2LNOTES_DATA_MIRROR", str(real_mirror()))
    data = seq2seq.load_translation("fra-eng", num_steps=6, max_pairs=3000, n_valid=50, n_test=50)
    sources, references = data.grouped("test")
    assert len(sources) == 50 and any(len(r) > 1 for r in references)  # some sentences have several references
    # a stand-in translator: the last reference of every other sentence, a fixed wrong sentence for the rest
    fake = [r[-1] if i % 2 == 0 else "je ne sais pas ." for i, r in enumerate(references)]
    seen = {}

    def translate(net, data_, sentences, ctx=None, beam_size=1, alpha=0.75, batch_size=256):
        seen.update(sentences=sentences, beam_size=beam_size, alpha=alpha)
        return fake

    monkeypatch.setattr(seq2seq, "translate", translate)
    refs = [[r[i] if i < len(r) else r[0] for r in references] for i in range(max(map(len, references)))]
    expected = sacrebleu.corpus_bleu(fake, refs, tokenize="13a", force=True).score
    assert 30 < expected < 100
    assert seq2seq.split_bleu(None, data, "test", beam_size=4, alpha=0.5) == pytest.approx(expected, abs=1e-9)
    assert seen == {"sentences": sources, "beam_size": 4, "alpha": 0.5}
    with pytest.raises(KeyError):
        seq2seq.split_bleu(None, data, "dev")


def test_score_translator_records_the_figures_05_and_06_compare(monkeypatch, tmp_path):
    """score_translator: BLEU greedy and beam on the test split, the valid loss against the unigram baseline with
    its margin, seconds per epoch; every figure recorded under the model's key."""
    from d2lnotes import results
    from d2lnotes.train import History
    from tests.conftest import real_mirror
    if real_mirror() is None:
        pytest.skip("needs the course's data mirror")
    monkeypatch.setenv("D2LNOTES_DATA_MIRROR", str(real_mirror()))
    data = seq2seq.load_translation("fra-eng", num_steps=6, max_pairs=3000, n_valid=50, n_test=50)
    calls = []

    def split_bleu(net, data_, split="test", beam_size=1, alpha=0.75, ctx=None):
        calls.append((split, beam_size, alpha))
        return 10.0 + beam_size

    monkeypatch.setattr(seq2seq, "split_bleu", split_bleu)
    out = tmp_path / "figures.jsonl"
    monkeypatch.setenv(results.RESULTS_FILE_VARIABLE, str(out))
    baseline = seq2seq.unigram_loss(data)
    history = History()
    history.record(valid_loss=baseline, seconds=3.0)
    history.record(valid_loss=baseline - 1.0, seconds=5.0)
    score = seq2seq.score_translator(None, data, history, "fra-eng_gru", alpha=0.5)
    assert calls == [("test", 1, 0.75), ("test", 4, 0.5)]
    assert (score.valid_loss, score.unigram_loss, score.bleu_greedy, score.bleu_beam, score.seconds_per_epoch) == \
        (baseline - 1.0, baseline, 11.0, 14.0, 4.0)
    figures = {e["name"]: e for e in map(json.loads, out.read_text().splitlines())}
    assert list(figures) == ["valid_loss_fra-eng_gru", "test_bleu_greedy_fra-eng_gru", "test_bleu_beam4_fra-eng_gru",
                             "seconds_per_epoch_fra-eng_gru"]
    assert figures["valid_loss_fra-eng_gru"]["floor"] == pytest.approx(baseline - 0.3)
    close = History()
    close.record(valid_loss=baseline - 0.2, seconds=1.0)
    calls.clear()
    with pytest.raises(AssertionError, match="valid_loss_fra-eng_gru"):  # within 0.3 nats of the baseline
        seq2seq.score_translator(None, data, close, "fra-eng_gru")
    assert calls == []  # failed on the loss, before decoding the test split
