"""train_language_model(checkpoint=...): a language-model run interrupted after two epochs and resumed ends where
an uninterrupted run ends (parameters, the trainer's learning rate, the loaders' random offsets)."""
import json

import mxnet as mx
import numpy as onp
import pytest
from mxnet import gluon
from mxnet.gluon import rnn

from d2lnotes.checkpoint import Checkpoint
from d2lnotes.config import seed_everything
from d2lnotes.text.language_model import train_language_model
from d2lnotes.text.rnn_gluon import RNNModel
from d2lnotes.text.rnn_scratch import RNNModelScratch, get_rnn_params, init_rnn_state, rnn_forward
from d2lnotes.text.sequence import SeqDataLoader

EPOCHS, VOCAB = 4, 7
CTX = mx.cpu()


class Interrupted(Exception):
    pass


class Dying:
    """A SeqDataLoader that "dies" (raises) at the third minibatch of pass ``die_in`` (counted from 1); it shows
    the loader's generator and sampling mode, which train_language_model and the checkpoint read."""

    def __init__(self, loader, die_in=None):
        self.loader, self.die_in, self.passes = loader, die_in, 0
        self.rng, self.use_random_iter = loader.rng, loader.use_random_iter

    def __len__(self):
        return len(self.loader)

    def __iter__(self):
        self.passes += 1
        batches = iter(self.loader)
        yield from (batch for i, batch in enumerate(batches) if not self._dies(i))

    def _dies(self, i):
        if self.passes == self.die_in and i == 2:
            raise Interrupted
        return False


def _run(root, die_in=None, enabled=True, use_random_iter=False):
    seed_everything(0)
    rng = onp.random.default_rng(0)
    corpus = [int(t) for t in rng.integers(0, VOCAB, size=600)]
    train_iter = Dying(SeqDataLoader(corpus, 4, 6, use_random_iter=use_random_iter, seed=1), die_in=die_in)
    valid_iter = SeqDataLoader(corpus[:200], 4, 6, seed=2)
    net = RNNModel(rnn.LSTM(8, 2, dropout=0.3), VOCAB, embed_size=5, dropout=0.3)
    net.initialize(mx.init.Uniform(0.1), ctx=CTX)
    trainer = gluon.Trainer(net.collect_params(), "sgd", {"learning_rate": 2.0, "momentum": 0.5})

    def halve(epoch, history):  # a schedule set from outside, as the PTB notebook does
        trainer.set_learning_rate(trainer.learning_rate * 0.5)

    ckpt = Checkpoint("tests/lm", {"lr": 2.0}, root=root, enabled=enabled)
    history = train_language_model(net, train_iter, EPOCHS, trainer=trainer, valid_iter=valid_iter, ctx=CTX,
                                   plot=None, on_epoch=halve, checkpoint=ckpt)
    return [p.data().asnumpy() for p in net.collect_params().values()], history, train_iter, trainer


@pytest.mark.parametrize("use_random_iter", [False, True])
def test_resumed_language_model_run_equals_uninterrupted_run(tmp_path, use_random_iter):
    reference, ref_history, _, ref_trainer = _run(tmp_path / "a", use_random_iter=use_random_iter)
    with pytest.raises(Interrupted):
        _run(tmp_path / "b", die_in=3, use_random_iter=use_random_iter)
    assert json.loads(next((tmp_path / "b").glob("*/checkpoint.json")).read_text())["epoch"] == 2
    resumed, history, loader, trainer = _run(tmp_path / "b", use_random_iter=use_random_iter)
    assert loader.passes == EPOCHS - 2 and history.epochs == EPOCHS
    for i, (ours, theirs) in enumerate(zip(reference, resumed)):
        assert onp.array_equal(ours, theirs), f"parameter {i}"
    assert history["train_ppl"] == pytest.approx(ref_history["train_ppl"], rel=1e-6)
    assert history["valid_ppl"] == pytest.approx(ref_history["valid_ppl"], rel=1e-6)
    assert trainer.learning_rate == ref_trainer.learning_rate == 2.0 * 0.5 ** EPOCHS


def test_without_the_checkpoint_a_restarted_run_differs(tmp_path):
    """The check above can fail: reseeding per epoch changes the run, so a plain run ends elsewhere."""
    reference, _, _, _ = _run(tmp_path / "a")
    plain, _, _, _ = _run(tmp_path / "c", enabled=False)
    assert any(not onp.array_equal(r, p) for r, p in zip(reference, plain))


def test_a_from_scratch_model_cannot_be_checkpointed(tmp_path):
    net = RNNModelScratch(VOCAB, 8, CTX, get_rnn_params, init_rnn_state, rnn_forward)
    loader = SeqDataLoader(list(range(VOCAB)) * 20, 2, 5)
    with pytest.raises(TypeError, match="Gluon block"):
        train_language_model(net, loader, 1, lr=0.5, ctx=CTX, plot=None,
                             checkpoint=Checkpoint("tests/scratch", {}, root=tmp_path, enabled=True))
