"""Self-checked exercises of chapter 10, text classification and the NLP projects (book/10_nlp_projects/).

Keys are ``"<notebook stem>.<exercise number>"``; the solutions compute their answers, so nothing here is printed
in a notebook.
"""
from __future__ import annotations

import numpy as onp

from . import Exercise, register


def _textcnn_conv_params(d: int = 300, widths=(3, 4, 5), channels: int = 100) -> int:
    return sum(channels * d * k + channels for k in widths)


def _pooled_candidates(T: int = 20, widths=(3, 4, 5), channels: int = 100) -> int:
    return sum(channels * (T - k + 1) for k in widths)


register(
    Exercise("02_textcnn.1", "parameters of Kim's three convolution banks with 300-d vectors",
             solution=_textcnn_conv_params, wrong=_textcnn_conv_params(d=50),
             hint="each filter of width k has k * d weights and one bias; there are 100 filters per width."),
    Exercise("02_textcnn.2", "values max-over-time pooling chooses from for a 20-token sentence",
             solution=_pooled_candidates, wrong=300,
             hint="a width-k filter has T - k + 1 windows; count every filter's windows."),
)
