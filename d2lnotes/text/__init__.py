"""Text helpers the later chapters reuse: tokens and vocabularies (:mod:`.vocab`), corpora as token indices
(:mod:`.corpus`), language-model minibatches (:mod:`.sequence`), recurrent networks from scratch
(:mod:`.rnn_scratch`) and with Gluon (:mod:`.rnn_gluon`), language-model training (:mod:`.language_model`), sentence encoders and classifiers (:mod:`.classify`),
the linear-chain CRF and BiLSTM tagger (:mod:`.crf`) and the NLP metrics (:mod:`.metrics`)."""
