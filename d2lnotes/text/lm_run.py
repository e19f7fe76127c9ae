"""The result of one language-model run in a hyperparameter panel: its history and a generated sample.

A panel's training function returns an :class:`LMRun`; the panel shows ``str(run)``, i.e. the perplexities, the
speed and the text the trained model writes after a prefix.

Taught in book/07_rnn/02_rnn_scratch.ipynb (used again in book/07_rnn/04_rnn_concise.ipynb).
"""
from __future__ import annotations

from dataclasses import dataclass

from .language_model import LMHistory


@dataclass
class LMRun:
    """A trained language model's :class:`~d2lnotes.text.language_model.LMHistory` and one generated text.

    Attributes:
        history: per-epoch perplexities and speed.
        sample: the prefix followed by the model's continuation (e.g. from
            :func:`~d2lnotes.text.language_model.predict`).
        net: the trained model (kept so a reader can generate more text with it).
    """

    history: LMHistory
    sample: str
    net: object = None

    def __str__(self) -> str:
        return f"{self.history.summary()}\nsample: {self.sample!r}"
