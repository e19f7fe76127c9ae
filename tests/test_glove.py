"""The GloVe reader: the real mirror file, and malformed text reported with its line number."""
import numpy as np
import pytest

from d2lnotes.data.glove import load_glove, parse_glove
from d2lnotes.data.hub import DataError


def test_reads_the_real_vectors_in_frequency_order():
    words, vectors = load_glove(max_words=1000)
    assert words[:6] == ["the", ",", ".", "of", "to", "and"]
    assert vectors.shape == (1000, 50) and vectors.dtype == np.float32
    # first values of "the" in glove.6B.50d.txt
    np.testing.assert_allclose(vectors[0, :3], [0.418, 0.24968, -0.41242])


@pytest.mark.parametrize("text, match", [
    ("a 1 2\nb 1\n", "line 2: 1 values, expected 2"),
    ("a 1 2\nb 1 x\n", "line 2: a value is not a number"),
    ("a 1 2\na 3 4\n", "line 2: word 'a' appears twice"),
    ("", "no vectors"),
])
def test_malformed_text_names_the_line(text, match):
    with pytest.raises(DataError, match=match):
        parse_glove(text.splitlines(keepends=True), source="bad.txt")
