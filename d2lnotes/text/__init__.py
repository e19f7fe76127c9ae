"""Text helpers the later chapters reuse: tokens and vocabularies (:mod:`.vocab`), corpora as token indices
(:mod:`.corpus`), language-model minibatches (:mod:`.sequence`), recurrent networks from scratch
(:mod:`.rnn_scratch`) and with Gluon (:mod:`.rnn_gluon`), and language-model training (:mod:`.language_model`);
sequence to sequence (:mod:`.seq2seq`), attention (:mod:`.attention`) and BLEU (:mod:`.bleu`)."""
