"""Text helpers the later chapters reuse: tokenisation, vocabularies, corpora, sequence minibatches, language models."""
