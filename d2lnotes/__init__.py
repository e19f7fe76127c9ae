"""d2lnotes: the helper package of the d2lnotes course book.

Small modules by concern; a notebook imports what it needs:

- :mod:`d2lnotes.config`: smoke/full mode, seeding, devices, data directory
- :mod:`d2lnotes.data`: the dataset registry and data hub, and dataset loaders
- :mod:`d2lnotes.train`: metrics, evaluation and the classifier training loop
- :mod:`d2lnotes.plot`: static plots and the live training plot
- :mod:`d2lnotes.widgets`: hyperparameter panels

Importing the package switches MXNet to its NumPy interface (``npx.set_np()``), as the book's code uses
``mxnet.np`` throughout.
"""
from mxnet import npx

npx.set_np()

__version__ = "0.1.0"
