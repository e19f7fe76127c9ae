"""The installed environment: MXNet imports with the pinned numpy; environment.yml agrees with pyproject.toml."""
from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

import yaml
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet

ROOT = Path(__file__).resolve().parents[1]


def test_mxnet_imports_and_computes_in_a_fresh_interpreter():
    code = ("import mxnet as mx, numpy; from mxnet import np, npx; npx.set_np(); "
            "print(mx.__version__, numpy.__version__, float((np.ones((2, 3)) @ np.ones(3)).sum()))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out == ["1.9.1", "1.23.5", "6.0"]


def _pyproject():
    return tomllib.loads((ROOT / "pyproject.toml").read_text())


def test_environment_yml_agrees_with_pyproject():
    project = _pyproject()["project"]
    pinned = {Requirement(r).name: Requirement(r) for r in
              project["dependencies"] + project["optional-dependencies"]["dev"]}
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    conda = [d for d in env["dependencies"] if isinstance(d, str)]
    python = next(d for d in conda if d.startswith("python"))
    assert SpecifierSet(project["requires-python"]).contains(python.split("=", 1)[1] + ".0")
    pip = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    assert "-e .[dev]" in pip
    listed = [Requirement(r) for r in pip if not r.startswith("-")]
    assert listed, "environment.yml lists no pins"
    for req in listed:
        assert req.name in pinned, f"{req.name} is in environment.yml but not in pyproject.toml"
        assert req.specifier == pinned[req.name].specifier, (req, pinned[req.name])
    exact = {n for n, r in pinned.items() if any(s.operator == "==" for s in r.specifier)}
    assert exact <= {r.name for r in listed}, f"exact pins missing from environment.yml: {exact - {r.name for r in listed}}"


def test_every_dependency_is_bounded():
    """An unbounded dependency can pull numpy past 1.23.5 and break `import mxnet`."""
    project = _pyproject()["project"]
    for spec in project["dependencies"] + project["optional-dependencies"]["dev"]:
        req = Requirement(spec)
        assert any(s.operator in ("==", "<", "<=", "~=") for s in req.specifier), f"{spec} has no upper bound"


def test_wrong_python_gets_a_clear_message(tmp_path):
    """tools/check_python.py refuses Python 3.12+ with an explanation instead of a pip traceback."""
    fake = tmp_path / "sitecustomize_check.py"
    fake.write_text("import sys\nsys.version_info = (3, 12, 0, 'final', 0)\n"
                    f"exec(open({str(ROOT / 'tools' / 'check_python.py')!r}).read())\n")
    result = subprocess.run([sys.executable, str(fake)], capture_output=True, text=True)
    assert result.returncode != 0
    assert "needs Python 3.10 or 3.11" in result.stderr and "numpy < 1.24" in result.stderr
    ok = subprocess.run([sys.executable, str(ROOT / "tools" / "check_python.py")], capture_output=True, text=True)
    assert ok.returncode == 0, ok.stderr


def test_matplotlib_switches_backends_inside_a_real_kernel(monkeypatch):
    """``plt.switch_backend`` (and so ``MPLBACKEND=Agg``, ``%matplotlib ...``) must work in a Jupyter kernel:
    matplotlib 3.7 imports ``IPython.core.pylabtools.backend2gui`` there, which IPython 8.24 removed."""
    from jupyter_client.manager import start_new_kernel

    monkeypatch.setenv("MPLBACKEND", "Agg")  # the kernel inherits it, as from a student's shell
    km, kc = start_new_kernel(kernel_name="python3")
    try:
        code = ("import matplotlib, matplotlib.pyplot as plt\n"
                "plt.switch_backend('agg')\n"
                "plt.switch_backend('module://matplotlib_inline.backend_inline')\n"
                "plt.plot([1, 2]); print('backend', matplotlib.get_backend())")
        reply = kc.execute_interactive(code, timeout=60, output_hook=_collect(outputs := []))
        assert reply["content"]["status"] == "ok", reply["content"].get("evalue")
        assert any("backend module://matplotlib_inline.backend_inline" in o for o in outputs), outputs
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)


def _collect(into: list):
    def hook(msg):
        if msg["msg_type"] == "stream":
            into.append(msg["content"]["text"])
        elif msg["msg_type"] == "error":
            into.append("\n".join(msg["content"]["traceback"]))
    return hook
