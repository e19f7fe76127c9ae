"""Fail early, with a clear message, on a Python that MXNet 1.9.1 cannot run on."""
import sys

SUPPORTED = ((3, 10), (3, 11))

if sys.version_info[:2] not in SUPPORTED:
    found = ".".join(map(str, sys.version_info[:3]))
    sys.exit(
        f"d2lnotes needs Python 3.10 or 3.11, found {found} ({sys.executable}).\n"
        "MXNet 1.9.1 (retired) imports only with numpy < 1.24, and no such numpy exists for Python 3.12+.\n"
        "Install Python 3.11 (e.g. `pyenv install 3.11` or `conda env create -f environment.yml`) and run\n"
        "`make install PYTHON=/path/to/python3.11`."
    )
