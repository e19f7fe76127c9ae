"""The data hub: fetch a registered dataset from the cache, a local mirror or the network.

Every file is verified against a checksum before it is used. Resolution order:

1. the cache (``config.data_dir()/<dataset>/``): a file whose checksum matches is used as it is; a file that
   matches no accepted checksum is corrupt, so it is deleted and fetched again;
2. the local mirror (``D2LNOTES_DATA_MIRROR/<mirror_dir>/``), copied into the cache;
3. the network (the official URL), streamed with a progress bar.

Writes are atomic (a temporary file in the target folder, then ``os.replace``), so an interrupted download or
copy never leaves a partial file under the final name. Archives are extracted with path-traversal checks.

The idea of a registry of (URL, checksum) pairs follows d2l's ``DATA_HUB`` ("Downloading and Preprocessing
Datasets", Sec. 5.7 of the MXNet edition); the mirror, the labelled alternative checksums and the atomic writes
are ours.
"""
from __future__ import annotations

import hashlib
import logging
import os
import shutil
import tarfile
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import requests
from tqdm.auto import tqdm

from .. import config

log = logging.getLogger(__name__)

_HASHES = {"sha256", "sha1", "md5"}


class DataError(Exception):
    """Base class of the data hub's errors."""


class UnknownDatasetError(DataError, KeyError):
    """No dataset (or file of a dataset) is registered under that name."""

    def __str__(self) -> str:  # KeyError would repr() the message
        return str(self.args[0])


class ChecksumError(DataError):
    """A file's checksum matches none of the accepted ones."""


class DownloadError(DataError):
    """A file could not be had from the cache, the mirror or the network."""


class UnsafeArchiveError(DataError):
    """An archive member would be written outside the extraction folder."""


@dataclass(frozen=True)
class Source:
    """One byte-exact version of a file.

    Attributes:
        filename: path of the file inside the dataset's folder (POSIX separators), in the cache and the mirror.
        checksum: ``"<algorithm>:<hex digest>"``, algorithm one of sha256, sha1, md5.
        label: what this version is, e.g. ``"official"`` or ``"mirror: partial rebuild"``; loaders print it.
        url: where it is downloaded from, or None for a version that exists only in the local mirror.
    """

    filename: str
    checksum: str
    label: str = "official"
    url: str | None = None

    def __post_init__(self):
        algorithm, _, digest = self.checksum.partition(":")
        if algorithm not in _HASHES or not digest:
            raise ValueError(f"checksum {self.checksum!r}: expected '<sha256|sha1|md5>:<hex>'")
        if PurePosixPath(self.filename).is_absolute() or ".." in PurePosixPath(self.filename).parts:
            raise ValueError(f"filename {self.filename!r} must be a relative path inside the dataset folder")

    @property
    def is_official(self) -> bool:
        return self.label == "official"


@dataclass(frozen=True)
class RemoteFile:
    """One file of a dataset, under a short key, with every accepted version of it (official first).

    ``extract=True`` unpacks an archive (zip, tar, tar.gz) into ``<dataset folder>/<archive stem>/``.
    """

    key: str
    sources: tuple[Source, ...]
    extract: bool = False


@dataclass(frozen=True)
class Dataset:
    """A registered dataset: its files and where it comes from.

    Attributes:
        name: registry key, e.g. ``"fashion-mnist"``.
        files: the files, each with its accepted versions.
        homepage: the official page of the dataset.
        license: licence line.
        citation: what to cite.
        mirror_dir: the folder under ``D2LNOTES_DATA_MIRROR`` holding this dataset.
        notes: anything a user should know (partial copies, format quirks).
    """

    name: str
    files: tuple[RemoteFile, ...]
    homepage: str
    license: str
    citation: str
    mirror_dir: str
    notes: str = ""

    def file(self, key: str) -> RemoteFile:
        for f in self.files:
            if f.key == key:
                return f
        keys = ", ".join(f.key for f in self.files)
        raise UnknownDatasetError(f"dataset {self.name!r} has no file {key!r}; its files are: {keys}")


@dataclass(frozen=True)
class Fetched:
    """A verified local file: ``path``, the ``source`` it matched and where it came from (cache/mirror/network)."""

    path: Path
    source: Source
    origin: str

    @property
    def is_official(self) -> bool:
        return self.source.is_official


DATA_HUB: dict[str, Dataset] = {}


def register(dataset: Dataset) -> Dataset:
    """Add ``dataset`` to :data:`DATA_HUB` (replacing one of the same name) and return it."""
    DATA_HUB[dataset.name] = dataset
    return dataset


def get_dataset(name: str) -> Dataset:
    """Look up a registered dataset.

    Raises:
        UnknownDatasetError: with the list of known names.
    """
    try:
        return DATA_HUB[name]
    except KeyError:
        known = ", ".join(sorted(DATA_HUB))
        raise UnknownDatasetError(f"unknown dataset {name!r}; registered datasets: {known}") from None


def file_checksum(path: Path, algorithm: str, chunk_size: int = 1 << 20) -> str:
    """Hex digest of the file at ``path`` with ``algorithm`` (sha256, sha1 or md5)."""
    h = hashlib.new(algorithm)
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(chunk_size), b""):
            h.update(chunk)
    return h.hexdigest()


def matches(path: Path, source: Source) -> bool:
    """Whether the file at ``path`` has ``source``'s checksum."""
    algorithm, _, digest = source.checksum.partition(":")
    return file_checksum(path, algorithm) == digest.lower()


def fetch(name: str, key: str | None = None) -> Fetched:
    """Return a verified local copy of one file of a registered dataset.

    Args:
        name: dataset name in :data:`DATA_HUB`.
        key: the file's key; may be omitted when the dataset has a single file.

    Returns:
        A :class:`Fetched` record; ``.path`` is in the cache. Archives marked ``extract`` are unpacked next to it
        (see :func:`extracted_dir`).

    Raises:
        UnknownDatasetError: unknown dataset or file key.
        ChecksumError: the mirror's copy, or a freshly downloaded file, matches no accepted checksum.
        DownloadError: not in the cache or the mirror, and the network failed (the message names the variable
            to set).
    """
    dataset = get_dataset(name)
    if key is None:
        if len(dataset.files) != 1:
            keys = ", ".join(f.key for f in dataset.files)
            raise UnknownDatasetError(f"dataset {name!r} has several files; pass key= one of: {keys}")
        remote = dataset.files[0]
    else:
        remote = dataset.file(key)
    folder = config.data_dir() / dataset.name
    fetched = _from_cache(folder, remote) or _from_mirror(dataset, folder, remote) or _from_network(
        dataset, folder, remote
    )
    if remote.extract:
        _extract_once(fetched)
    return fetched


def fetch_all(name: str) -> dict[str, Fetched]:
    """Fetch every file of dataset ``name``; returns ``{key: Fetched}``."""
    return {f.key: fetch(name, f.key) for f in get_dataset(name).files}


def extracted_dir(fetched: Fetched) -> Path:
    """The folder an extracted archive was unpacked into: ``<cache folder>/<archive name without suffixes>``."""
    name = fetched.path.name
    for suffix in (".tar.gz", ".tgz", ".tar", ".zip"):
        if name.endswith(suffix):
            return fetched.path.with_name(name[: -len(suffix)])
    raise ValueError(f"{fetched.path} is not an archive")


def _from_cache(folder: Path, remote: RemoteFile) -> Fetched | None:
    seen = set()
    for source in remote.sources:
        path = folder / source.filename
        if source.filename in seen or not path.exists():
            continue
        seen.add(source.filename)
        for candidate in remote.sources:
            if candidate.filename == source.filename and matches(path, candidate):
                return Fetched(path, candidate, "cache")
        log.warning("cached %s matches no accepted checksum (corrupt or outdated); deleting and fetching again", path)
        path.unlink()
    return None


def _from_mirror(dataset: Dataset, folder: Path, remote: RemoteFile) -> Fetched | None:
    mirror = config.mirror_dir()
    if mirror is None:
        return None
    for source in remote.sources:
        path = mirror / dataset.mirror_dir / source.filename
        if not path.is_file():
            continue
        candidates = [s for s in remote.sources if s.filename == source.filename]
        for candidate in candidates:
            if matches(path, candidate):
                target = folder / candidate.filename
                _atomic_copy(path, target)
                return Fetched(target, candidate, "mirror")
        accepted = "; ".join(f"{c.label}: {c.checksum}" for c in candidates)
        raise ChecksumError(
            f"checksum mismatch for {dataset.name}/{source.filename} in the mirror ({path}); accepted: {accepted}. "
            f"Replace that file with a good copy, or unset D2LNOTES_DATA_MIRROR to download it."
        )
    return None


def _from_network(dataset: Dataset, folder: Path, remote: RemoteFile) -> Fetched:
    errors = []
    for source in remote.sources:
        if source.url is None:
            continue
        target = folder / source.filename
        try:
            _atomic_download(source.url, target)
        except requests.RequestException as e:
            errors.append(f"{source.url}: {e.__class__.__name__}: {e}")
            continue
        if not matches(target, source):
            target.unlink()
            raise ChecksumError(
                f"checksum mismatch for {dataset.name}/{source.filename} downloaded from {source.url} "
                f"(expected {source.checksum}); the download was deleted. The server's copy may have changed: "
                f"see {dataset.homepage}."
            )
        return Fetched(target, source, "network")
    mirror_hint = (
        f"D2LNOTES_DATA_MIRROR={os.environ['D2LNOTES_DATA_MIRROR']} has no {dataset.mirror_dir}/ copy of it"
        if os.environ.get("D2LNOTES_DATA_MIRROR")
        else "D2LNOTES_DATA_MIRROR is not set"
    )
    detail = "\n  ".join(errors) or "no download URL is registered for it"
    raise DownloadError(
        f"could not get {dataset.name}/{remote.key}: not in the cache ({folder}), {mirror_hint}, and the network "
        f"failed:\n  {detail}\nConnect to the internet, or set D2LNOTES_DATA_MIRROR to a folder holding "
        f"{dataset.mirror_dir}/{remote.sources[0].filename}."
    )


def _temporary_beside(target: Path) -> tuple[int, Path]:
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
    return fd, Path(tmp)


def _atomic_copy(src: Path, target: Path) -> None:
    fd, tmp = _temporary_beside(target)
    try:
        with os.fdopen(fd, "wb") as out, open(src, "rb") as inp:
            shutil.copyfileobj(inp, out, 1 << 20)
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _atomic_download(url: str, target: Path, timeout: float = 30.0) -> None:
    fd, tmp = _temporary_beside(target)
    try:
        with os.fdopen(fd, "wb") as out, requests.get(url, stream=True, timeout=timeout) as response:
            response.raise_for_status()
            total = int(response.headers.get("content-length", 0)) or None
            with tqdm(total=total, unit="B", unit_scale=True, desc=target.name, leave=False) as bar:
                for chunk in response.iter_content(chunk_size=1 << 16):
                    out.write(chunk)
                    bar.update(len(chunk))
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _extract_once(fetched: Fetched) -> None:
    """Unpack ``fetched`` unless the same archive version was already unpacked (a stamp file records it)."""
    dest = extracted_dir(fetched)
    stamp = dest / ".d2lnotes-extracted"
    if stamp.is_file() and stamp.read_text() == fetched.source.checksum:
        return
    staging = Path(tempfile.mkdtemp(prefix=f".{dest.name}.", dir=dest.parent))
    try:
        safe_extract(fetched.path, staging)
        (staging / stamp.name).write_text(fetched.source.checksum)
        if dest.exists():
            shutil.rmtree(dest)
        os.replace(staging, dest)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def safe_extract(archive: Path, dest: Path) -> None:
    """Extract a zip or tar archive into ``dest``, refusing members that would land outside it.

    Links, device files and absolute paths are refused in tar archives (``tarfile``'s ``data`` filter);
    ``__MACOSX/`` metadata in zip files is skipped.

    Raises:
        UnsafeArchiveError: a member's path escapes ``dest``.
        ValueError: not a zip or tar archive.
    """
    dest = Path(dest).resolve()
    if zipfile.is_zipfile(archive):
        with zipfile.ZipFile(archive) as zf:
            members = [m for m in zf.infolist() if not m.filename.startswith("__MACOSX/")]
            for member in members:
                _check_inside(dest, member.filename, archive)
            zf.extractall(dest, members=members)
    elif tarfile.is_tarfile(archive):
        with tarfile.open(archive) as tf:
            for member in tf.getmembers():
                _check_inside(dest, member.name, archive)
            try:
                tf.extractall(dest, filter="data")
            except tarfile.FilterError as e:
                raise UnsafeArchiveError(f"refusing to extract {archive}: {e}") from e
    else:
        raise ValueError(f"{archive} is neither a zip nor a tar archive")


def _check_inside(dest: Path, member: str, archive: Path) -> None:
    target = (dest / member).resolve()
    if target != dest and dest not in target.parents:
        raise UnsafeArchiveError(f"refusing to extract {archive}: member {member!r} would be written outside {dest}")
