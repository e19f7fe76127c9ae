"""Datasets: the registry and data hub (:mod:`.hub`, :mod:`.registry`) and one loader module per family."""
from . import registry  # noqa: F401  (registers every dataset)
from .hub import (DATA_HUB, ChecksumError, DataError, DownloadError, Fetched, UnknownDatasetError,
                  UnsafeArchiveError, extracted_dir, fetch, fetch_all, get_dataset)

__all__ = ["DATA_HUB", "ChecksumError", "DataError", "DownloadError", "Fetched", "UnknownDatasetError",
           "UnsafeArchiveError", "extracted_dir", "fetch", "fetch_all", "get_dataset"]
