"""Datasets: the registry and data hub (:mod:`.hub`, :mod:`.registry`) and every reader of a dataset.

Readers return arrays or raw text and never import the training loop, the plots or the task code:
:mod:`.fashion_mnist`, :mod:`.cifar10` (images), :mod:`.corpora` (*The Time Machine*, Penn Treebank),
:mod:`.glove` (pretrained GloVe vectors), :mod:`.translation` (bilingual sentence pairs), :mod:`.camvid`
(semantic segmentation), :mod:`.raccoon` (raccoon detection, PASCAL VOC XML), :mod:`.mr` (MR sentence
polarity), :mod:`.sts` (STS Benchmark), :mod:`.semeval` (SemEval-2014 laptop aspect terms);
:mod:`.sampling` holds class-balanced subsamples and the in-memory minibatch loader.
"""
from . import registry  # noqa: F401  (registers every dataset)
from .hub import (DATA_HUB, ChecksumError, DataError, DownloadError, Fetched, UnknownDatasetError,
                  UnsafeArchiveError, extracted_dir, fetch, fetch_all, get_dataset)

__all__ = ["DATA_HUB", "ChecksumError", "DataError", "DownloadError", "Fetched", "UnknownDatasetError",
           "UnsafeArchiveError", "extracted_dir", "fetch", "fetch_all", "get_dataset"]
