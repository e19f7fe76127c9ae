"""Text helpers the later chapters reuse: tokens and vocabularies (:mod:`.vocab`), corpora as token indices
(:mod:`.corpus`), language-model minibatches (:mod:`.sequence`), recurrent networks from scratch
(:mod:`.rnn_scratch`) and with Gluon (:mod:`.rnn_gluon`), and language-model training (:mod:`.language_model`).

Word embeddings (chapter 8): word2vec's subsampling, windows, noise words and minibatches (:mod:`.embedding`), the
Huffman tree of hierarchical softmax (:mod:`.huffman`), fastText's subwords (:mod:`.subwords`), GloVe's
co-occurrence counts and weight (:mod:`.cooccurrence`), and similarity/analogy evaluation (:mod:`.word_eval`).

Sequence to sequence (chapter 9): encoder–decoder models, greedy and beam search (:mod:`.seq2seq`), attention
(:mod:`.attention`) and BLEU (:mod:`.bleu`).

Text classification and the NLP projects (chapter 10): sentence encoders and classifiers (:mod:`.classify`), the
linear-chain CRF and BiLSTM tagger (:mod:`.crf`) and the NLP metrics (:mod:`.metrics`)."""
