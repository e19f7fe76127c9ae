"""Resumable training runs: a checkpoint after every epoch, in the data cache, and a rerun that continues from it.

A long run on a CPU (a CIFAR-10 network, the PTB language model) can take hours; a closed laptop or a stopped
kernel should not lose them. A notebook names the run and its settings::

    ckpt = Checkpoint("05_project_cifar10/03_vgg", {"lr": lr, "epochs": num_epochs, "n_train": n_train})
    history = train_classifier(net, train_iter, test_iter, num_epochs, lr, checkpoint=ckpt)

After every epoch :func:`d2lnotes.train.fit` saves the parameters, the optimiser's state (momentum, the
schedule's update count), the history so far and the random streams; a rerun with the same name, settings and
network restores the last epoch and trains only the rest. A finished run restores instantly. Checkpoints live in
``<data cache>/checkpoints/<name>-<hash of settings and network>/``, never in the repository; different settings
or a changed network get a different folder. Every file's sha256 is recorded: a corrupt or half-written checkpoint
is detected, deleted with a warning, and the run starts from scratch.

Random streams: MXNet's generator state cannot be saved, so a checkpointed run reseeds MXNet, NumPy and Python at
the start of every epoch from ``(seed, epoch)``; the loaders' own generators (which shuffle and augment) are saved
and restored. An interrupted and resumed run therefore ends with the same parameters as an uninterrupted one
(on a CPU; some GPU kernels are not deterministic). The smoke budget (CI) does not checkpoint unless asked to,
so that a changed notebook is always retrained. With ``D2LNOTES_RESUME=0`` checkpoints are saved but never
restored (``tools/run_budget.py`` sets it, so that a recorded time is the time of a run from scratch, unless it is
given ``--resume``: then it sums the wall times of every attempt).
"""
from __future__ import annotations

import hashlib
import json
import os
import random
import re
import shutil
import tempfile
import warnings
from pathlib import Path

import numpy as np

from . import config
from .data.hub import file_checksum

__all__ = ["Checkpoint", "CorruptCheckpointWarning"]


class CorruptCheckpointWarning(UserWarning):
    """A checkpoint failed its checksums or could not be read; the run restarts from scratch."""


class Checkpoint:
    """Per-epoch checkpoints of one training run (see the module docstring).

    Args:
        name: the run's name, e.g. ``"05_project_cifar10/03_vgg"`` (a notebook and, if it trains several
            networks, which one).
        settings: everything that makes two runs differ (hyperparameters, sizes, epochs); JSON-able values. The
            budget is added automatically.
        seed: base of the per-epoch reseeding.
        enabled: False makes every method a no-op; default: on in the ``cpu`` and ``full`` budgets, off in
            ``smoke``.
        root: folder holding the checkpoints (default ``<data cache>/checkpoints``).

    :meth:`attach` (called by the task loop: ``train_classifier``, ``train_language_model``) names the network,
    the ``gluon.Trainer`` (or None for a stateless optimiser) and the loaders whose generators must be restored.
    """

    def __init__(self, name: str, settings: dict, *, seed: int = 0, enabled: bool | None = None,
                 root: Path | None = None):
        self.name = name
        self.settings = {**settings, "budget": config.budget()}
        self.seed = seed
        self.enabled = (config.budget() != "smoke") if enabled is None else enabled
        self.root = Path(root) if root is not None else config.data_dir() / "checkpoints"
        self.net = None
        self.trainer = None
        self.loaders: tuple = ()

    def attach(self, net, trainer=None, loaders=()) -> "Checkpoint":
        """Name what is saved: ``net`` (a Gluon block), ``trainer`` (a ``gluon.Trainer`` or None) and ``loaders``
        (objects with a NumPy ``rng`` generator, e.g. :class:`~d2lnotes.data.sampling.ArrayLoader`)."""
        self.net, self.trainer = net, trainer
        self.loaders = tuple(it for it in loaders if it is not None and hasattr(it, "rng"))
        # the network's layers and sizes, without the input sizes that deferred initialisation fills in later
        layers = re.sub(r"(None|-?\d+) -> ", "", repr(net))
        described = json.dumps(self.settings, sort_keys=True, default=str) + layers
        digest = hashlib.sha256(described.encode()).hexdigest()[:12]
        slug = re.sub(r"[^A-Za-z0-9_.-]+", "_", self.name).strip("_")
        self._folder = self.root / f"{slug}-{digest}"
        return self

    @property
    def folder(self) -> Path:
        """``<root>/<name>-<12 hex digits of the hash of the settings and the network's layers>``."""
        if self.net is None:
            raise RuntimeError("Checkpoint.attach(net, ...) must be called first")
        return self._folder

    def begin_epoch(self, epoch: int) -> None:
        """Reseed MXNet, NumPy and Python from ``(seed, epoch)`` (epoch counted from 0) before training it."""
        if not self.enabled:
            return
        import mxnet as mx

        value = (self.seed * 1_000_003 + epoch) % (2 ** 31)
        random.seed(value)
        np.random.seed(value)
        mx.random.seed(value)

    def save(self, epoch: int, history, num_epochs: int | None = None) -> None:
        """Save the state after ``epoch`` epochs (counted from 1) of ``num_epochs`` (the run's length, shown by
        ``tools/run_budget.py --status``; None if unknown): parameters, trainer state, loaders'
        generators, ``history``. Files are written under temporary names and renamed; the metadata (with the
        sha256 of every file) goes last, so a crash mid-save leaves the previous checkpoint intact."""
        if not self.enabled:
            return
        folder = self.folder
        folder.mkdir(parents=True, exist_ok=True)
        files = {"params": folder / f"epoch-{epoch}.params"}
        if self.trainer is not None:
            files["states"] = folder / f"epoch-{epoch}.states"
        for kind, path in files.items():
            tmp = path.with_name(path.name + ".part")
            if kind == "params":
                self.net.save_parameters(str(tmp))
            else:
                self.trainer.save_states(str(tmp))
            os.replace(tmp, path)
        meta = {
            "epoch": epoch, "num_epochs": num_epochs, "name": self.name, "settings": self.settings,
            "files": {kind: {"name": p.name, "sha256": file_checksum(p, "sha256")} for kind, p in files.items()},
            "loaders": [it.rng.bit_generator.state for it in self.loaders],
            "history": {"metrics": history.metrics, "progress": history.progress, "hparams": history.hparams,
                        "changes": history.changes, "device": history.device, "unit": history.unit},
        }
        fd, tmp = tempfile.mkstemp(dir=folder, suffix=".json.part")
        with os.fdopen(fd, "w") as f:
            json.dump(meta, f, default=str)
        os.replace(tmp, folder / "checkpoint.json")
        for old in folder.glob("epoch-*"):
            if old.name.split(".")[0] != f"epoch-{epoch}":
                old.unlink()

    def restore(self, history) -> int:
        """Load the last saved epoch into the attached objects and ``history``; return how many epochs it covers
        (0 when there is nothing to resume, checkpoints are disabled, or the checkpoint was corrupt: then it is
        deleted with a :class:`CorruptCheckpointWarning`)."""
        if not self.enabled or os.environ.get("D2LNOTES_RESUME", "").strip() in ("0", "false", "no"):
            return 0
        folder = self.folder
        meta_path = folder / "checkpoint.json"
        if not meta_path.is_file():
            return 0
        try:
            meta = json.loads(meta_path.read_text())
            for kind, entry in meta["files"].items():
                path = folder / entry["name"]
                if not path.is_file() or file_checksum(path, "sha256") != entry["sha256"]:
                    raise ValueError(f"{path.name} is missing or does not match its recorded sha256")
            if ("states" in meta["files"]) != (self.trainer is not None) or len(meta["loaders"]) != len(self.loaders):
                raise ValueError("it was saved for a different trainer or set of loaders")
            self.net.load_parameters(str(folder / meta["files"]["params"]["name"]), ctx=_context_of(self.net))
            if self.trainer is not None:
                self.trainer.load_states(str(folder / meta["files"]["states"]["name"]))
            for it, state in zip(self.loaders, meta["loaders"]):
                it.rng.bit_generator.state = state
        except Exception as e:  # any unreadable part: JSON, the parameter file, the trainer state
            warnings.warn(f"checkpoint {folder} is corrupt ({e}); deleting it and training from scratch",
                          CorruptCheckpointWarning, stacklevel=3)
            shutil.rmtree(folder, ignore_errors=True)
            return 0
        saved = meta["history"]
        history.metrics = {k: list(v) for k, v in saved["metrics"].items()}
        history.progress = [tuple(p) for p in saved["progress"]]
        history.hparams = {k: list(v) for k, v in saved["hparams"].items()}
        history.changes = [tuple(c) for c in saved["changes"]]
        return int(meta["epoch"])

    def clear(self) -> None:
        """Delete this run's checkpoints (for example to retrain from scratch)."""
        if self.net is not None:
            shutil.rmtree(self.folder, ignore_errors=True)


def _context_of(net):
    params = list(net.collect_params().values())
    for p in params:
        try:
            return p.list_ctx()[0]
        except Exception:  # deferred initialisation: no data yet
            continue
    return None
