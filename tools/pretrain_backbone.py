"""Train the course's own pretrained backbones on CIFAR-10 once, and store them in the data cache.

The offline stand-in for Gluon's ImageNet model zoo (see d2lnotes/vision/pretrained.py): the notebooks of
chapter 6 call ``load_backbone``, which trains a missing checkpoint itself; this script does it ahead of time and
prints how long it took.

    python tools/pretrain_backbone.py                        # both backbones, for the run's budget
    python tools/pretrain_backbone.py --arch vgg19 --budget cpu
    python tools/pretrain_backbone.py --force                # retrain even if a valid checkpoint exists

Checkpoints go to ``<data cache>/pretrained/<spec>.params`` beside a JSON record with their sha256, never into
the repository.
"""
from __future__ import annotations

import argparse
import json
import sys
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import d2lnotes  # noqa: E402,F401  (switches MXNet to its NumPy interface)
from d2lnotes.config import BUDGETS, budget  # noqa: E402
from d2lnotes.data.cifar10 import PartialDatasetWarning  # noqa: E402
from d2lnotes.vision.pretrained import ZOO_NAMES, checkpoint_paths, course_backbone, course_spec  # noqa: E402


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--arch", choices=sorted(ZOO_NAMES), action="append",
                        help="backbone(s) to train (default: all)")
    parser.add_argument("--budget", choices=BUDGETS, default=None, help="default: the run's budget")
    parser.add_argument("--force", action="store_true", help="retrain even if a valid checkpoint exists")
    args = parser.parse_args(argv)
    warnings.simplefilter("ignore", PartialDatasetWarning)
    for arch in args.arch or sorted(ZOO_NAMES):
        spec = course_spec(arch, args.budget or budget())
        params, record = checkpoint_paths(spec)
        if args.force:
            params.unlink(missing_ok=True)
            record.unlink(missing_ok=True)
        backbone, rec = course_backbone(spec)
        print(f"{arch}: {backbone.description}\n  {params}\n  {json.dumps(rec)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
