"""The data hub: cache, mirror and network resolution, checksums, atomic writes, safe extraction."""
from __future__ import annotations

import io
import logging
import socket
import tarfile
import zipfile

import pytest

from d2lnotes.data import hub
from d2lnotes.data.hub import Dataset, RemoteFile, Source

from .conftest import sha256


@pytest.fixture
def register(monkeypatch):
    """Register a throw-away dataset (removed after the test)."""
    def add(name, *sources, extract=False, mirror_dir=None):
        ds = Dataset(name, (RemoteFile("f", tuple(sources), extract=extract),), homepage="https://example.org",
                     license="test", citation="test", mirror_dir=mirror_dir or name)
        monkeypatch.setitem(hub.DATA_HUB, name, ds)
        return ds
    return add


def test_every_real_dataset_is_registered_with_an_official_source():
    expected = {"fashion-mnist", "cifar-10", "time-machine", "ptb", "rt-polarity", "sts-benchmark", "fra-eng",
                "cmn-eng", "glove.6B.50d", "raccoon-detection", "camvid", "airfoil", "kaggle-house"}
    assert expected <= set(hub.DATA_HUB)
    for ds in hub.DATA_HUB.values():
        assert ds.homepage.startswith("http") and ds.license and ds.citation
        for f in ds.files:
            assert f.sources[0].is_official and f.sources[0].url, (ds.name, f.key)


def test_unknown_dataset_names_the_known_ones(cache):
    with pytest.raises(hub.UnknownDatasetError, match="unknown dataset 'fashion_mnist'.*fashion-mnist"):
        hub.fetch("fashion_mnist")
    with pytest.raises(hub.UnknownDatasetError, match="no file 'nope'"):
        hub.fetch("fashion-mnist", "nope")


def test_bad_checksum_spec_is_rejected():
    with pytest.raises(ValueError, match="checksum"):
        Source("a", "crc32:1234")
    with pytest.raises(ValueError, match="relative path"):
        Source("../etc/passwd", "md5:00")


def test_download_then_cache_hit(cache, register, http_server, monkeypatch):
    body = b"real bytes\n" * 100
    register("t", Source("t.txt", sha256(body), url=http_server("/t.txt", body)))
    first = hub.fetch("t")
    assert first.origin == "network" and first.path.read_bytes() == body
    monkeypatch.setattr(hub, "_atomic_download", lambda *a: pytest.fail("cache hit must not download"))
    second = hub.fetch("t")
    assert second.origin == "cache" and second.path == first.path


def test_corrupt_cache_file_is_replaced(cache, register, http_server, caplog):
    body = b"good content"
    register("t", Source("t.txt", sha256(body), url=http_server("/t.txt", body)))
    (cache / "t").mkdir(parents=True)
    (cache / "t" / "t.txt").write_bytes(b"truncated")
    with caplog.at_level(logging.WARNING):
        got = hub.fetch("t")
    assert got.origin == "network" and got.path.read_bytes() == body
    assert "matches no accepted checksum" in caplog.text


def test_mirror_is_used_before_the_network(cache, register, tmp_path, monkeypatch):
    body = b"mirrored"
    mirror = tmp_path / "mirror"
    (mirror / "folder").mkdir(parents=True)
    (mirror / "folder" / "t.txt").write_bytes(body)
    monkeypatch.setenv("D2LNOTES_DATA_MIRROR", str(mirror))
    register("t", Source("t.txt", sha256(body), url="http://127.0.0.1:9/never"), mirror_dir="folder")
    got = hub.fetch("t")
    assert got.origin == "mirror" and got.path.read_bytes() == body and got.path.is_relative_to(cache)


def test_mirror_copy_with_second_checksum_is_labelled(cache, register, tmp_path, monkeypatch):
    official, rebuilt = b"official", b"rebuilt copy"
    mirror = tmp_path / "mirror"
    (mirror / "t").mkdir(parents=True)
    (mirror / "t" / "t.bin").write_bytes(rebuilt)
    monkeypatch.setenv("D2LNOTES_DATA_MIRROR", str(mirror))
    register("t", Source("t.bin", sha256(official), url="http://127.0.0.1:9/x"),
             Source("t.bin", sha256(rebuilt), label="mirror: rebuilt"))
    got = hub.fetch("t")
    assert not got.is_official and got.source.label == "mirror: rebuilt"
    assert hub.fetch("t").origin == "cache" and hub.fetch("t").source.label == "mirror: rebuilt"


def test_bad_mirror_file_says_what_to_replace(cache, register, tmp_path, monkeypatch):
    mirror = tmp_path / "mirror"
    (mirror / "t").mkdir(parents=True)
    (mirror / "t" / "t.txt").write_bytes(b"tampered")
    monkeypatch.setenv("D2LNOTES_DATA_MIRROR", str(mirror))
    register("t", Source("t.txt", sha256(b"original"), url="http://127.0.0.1:9/x"))
    with pytest.raises(hub.ChecksumError, match=r"checksum mismatch for t/t\.txt in the mirror.*Replace that file"):
        hub.fetch("t")
    assert not (cache / "t" / "t.txt").exists()


def test_downloaded_file_with_wrong_checksum_is_deleted(cache, register, http_server):
    register("t", Source("t.txt", sha256(b"expected"), url=http_server("/t.txt", b"something else")))
    with pytest.raises(hub.ChecksumError, match="the download was deleted"):
        hub.fetch("t")
    assert list((cache / "t").iterdir()) == []


def test_interrupted_download_leaves_no_file(cache, register, http_server):
    body = bytes(range(256)) * 4096
    register("t", Source("t.bin", sha256(body), url=http_server("/t.bin", body, truncate=True)))
    with pytest.raises(hub.DownloadError):
        hub.fetch("t")
    assert list((cache / "t").iterdir()) == []  # neither t.bin nor a .part file


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_offline_without_mirror_names_the_variable(cache, register):
    register("t", Source("t.txt", sha256(b"x"), url=f"http://127.0.0.1:{_closed_port()}/t.txt"))
    with pytest.raises(hub.DownloadError, match="(?s)D2LNOTES_DATA_MIRROR is not set.*ConnectionError.*"
                                                "set D2LNOTES_DATA_MIRROR to a folder holding t/t.txt"):
        hub.fetch("t")
    assert list((cache / "t").iterdir()) == []


def test_mirror_variable_naming_no_folder_is_an_error(cache, register, monkeypatch, tmp_path):
    monkeypatch.setenv("D2LNOTES_DATA_MIRROR", str(tmp_path / "nowhere"))
    register("t", Source("t.txt", sha256(b"x"), url="http://127.0.0.1:9/x"))
    with pytest.raises(FileNotFoundError, match="D2LNOTES_DATA_MIRROR"):
        hub.fetch("t")


def _zip_bytes(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()


def test_archive_is_extracted_once_and_again_when_replaced(cache, register, http_server):
    body = _zip_bytes({"pack/a.txt": b"A", "__MACOSX/pack/._a.txt": b"junk"})
    register("t", Source("pack.zip", sha256(body), url=http_server("/pack.zip", body)), extract=True)
    got = hub.fetch("t")
    root = hub.extracted_dir(got)
    assert (root / "pack" / "a.txt").read_bytes() == b"A"
    assert not (root / "__MACOSX").exists()
    (root / "pack" / "a.txt").write_bytes(b"edited")
    hub.fetch("t")
    assert (root / "pack" / "a.txt").read_bytes() == b"edited"  # same archive: not extracted again


def test_zip_path_traversal_is_refused(tmp_path):
    archive = tmp_path / "evil.zip"
    archive.write_bytes(_zip_bytes({"../escaped.txt": b"x"}))
    with pytest.raises(hub.UnsafeArchiveError, match="outside"):
        hub.safe_extract(archive, tmp_path / "out")
    assert not (tmp_path / "escaped.txt").exists()


def test_tar_path_traversal_and_links_are_refused(tmp_path):
    archive = tmp_path / "evil.tar.gz"
    with tarfile.open(archive, "w:gz") as tf:
        info = tarfile.TarInfo("../../escaped.txt")
        info.size = 1
        tf.addfile(info, io.BytesIO(b"x"))
    with pytest.raises(hub.UnsafeArchiveError):
        hub.safe_extract(archive, tmp_path / "out")
    link = tmp_path / "link.tar"
    with tarfile.open(link, "w") as tf:
        info = tarfile.TarInfo("inside/passwd")
        info.type, info.linkname = tarfile.SYMTYPE, "/etc/passwd"
        tf.addfile(info)
    with pytest.raises(hub.UnsafeArchiveError):
        hub.safe_extract(link, tmp_path / "out2")


def test_every_mirror_file_matches_its_registered_checksum(real_data):
    """The course mirror holds, for every registered file, a version with an accepted checksum."""
    for ds in hub.DATA_HUB.values():
        for remote in ds.files:
            found = [s for s in remote.sources if (real_data / ds.mirror_dir / s.filename).is_file()]
            assert found, f"{ds.name}/{remote.key} is not in the mirror"
            assert any(hub.matches(real_data / ds.mirror_dir / s.filename, s) for s in found), (ds.name, remote.key)
