"""d2lnotes: the helper package of the d2lnotes course book.

Small modules by concern; a notebook imports what it needs:

- :mod:`d2lnotes.config`: the budget switch (smoke / cpu / full), seeding, devices, the data and mirror
  directories
- :mod:`d2lnotes.data`: the dataset registry and data hub, and every reader of a dataset (arrays or raw text):
  Fashion-MNIST, CIFAR-10, the language-model corpora, GloVe, translation pairs, CamVid, the raccoon detection
  set, MR, STS-B, SemEval-2014; class-balanced subsamples and the array loader
- :mod:`d2lnotes.train`: metrics, evaluation, the training core (:func:`~d2lnotes.train.fit`) and the classifier loop
- :mod:`d2lnotes.checkpoint`: resumable runs (a checkpoint after every epoch, in the data cache)
- :mod:`d2lnotes.results`: the figures check cells assert, recorded for ``tools/run_budget.py``
- :mod:`d2lnotes.steering`: steering a run while it trains (live hyperparameters, pause, resume, stop)
- :mod:`d2lnotes.check`: checks of "is mine the same as the library's?" and parameter counts
- :mod:`d2lnotes.optim`: the optimisers from scratch and gradient clipping
- :mod:`d2lnotes.schedules`: learning-rate schedules
- :mod:`d2lnotes.layers`: normalisation and regularisation layers from scratch
- :mod:`d2lnotes.plot`: static plots and the live training plot
- :mod:`d2lnotes.widgets`: hyperparameter panels
- :mod:`d2lnotes.exercises`: self-checked exercises (``check(key, answer)``), one module per chapter
- :mod:`d2lnotes.vision`: convolution from scratch, image augmentation, the CNN families and project models;
  object detection (anchor boxes, NMS, SSD, average precision), pretrained backbones, semantic segmentation,
  style transfer
- :mod:`d2lnotes.text`: tokens and vocabularies, language-model corpora and minibatches, recurrent networks from
  scratch and with Gluon, language-model training; word embeddings and their evaluation; sequence to sequence,
  attention and BLEU

Importing the package switches MXNet to its NumPy interface (``npx.set_np()``), as the book's code uses
``mxnet.np`` throughout.
"""
from mxnet import npx

npx.set_np()

__version__ = "0.1.0"
