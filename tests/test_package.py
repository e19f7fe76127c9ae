"""The package as files: docstring references that resolve, a complete module list, the layering rules."""
import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "d2lnotes"
MODULES = sorted(p for p in PACKAGE.rglob("*.py") if p.name != "__init__.py")


def _dotted(path: Path) -> str:
    return ".".join(path.relative_to(ROOT).with_suffix("").parts)


def test_every_taught_in_path_exists():
    """Every ``book/...ipynb`` a docstring names (\"Taught in book/07_rnn/02_rnn_scratch.ipynb\") is a notebook."""
    named = {}
    for path in PACKAGE.rglob("*.py"):
        for ref in re.findall(r"book/[\w/.-]+?\.ipynb", path.read_text(encoding="utf-8")):
            named.setdefault(ref, []).append(path.name)
    assert named, "no docstring names a notebook"
    missing = {ref: files for ref, files in named.items() if not (ROOT / ref).is_file()}
    assert not missing, missing


def test_package_docstring_lists_every_module():
    """``d2lnotes/__init__.py`` names each top-level module and subpackage; each subpackage's names its modules."""
    top = (PACKAGE / "__init__.py").read_text(encoding="utf-8")
    for path in sorted(PACKAGE.iterdir()):
        if path.suffix == ".py" and path.name != "__init__.py" or (path / "__init__.py").is_file():
            assert f"d2lnotes.{path.stem}`" in top, f"d2lnotes/__init__.py does not list {path.name}"
    for sub in (p for p in PACKAGE.iterdir() if (p / "__init__.py").is_file()):
        doc = (sub / "__init__.py").read_text(encoding="utf-8")
        for module in sorted(sub.glob("*.py")):
            if module.name != "__init__.py":
                assert f".{module.stem}`" in doc, f"{sub.name}/__init__.py does not list {module.name}"


def _imports(path: Path) -> set[str]:
    """Absolute names of the d2lnotes modules that ``path`` imports (relative imports resolved)."""
    package = _dotted(path).rsplit(".", 1)[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                found.add(f"{base}.{node.module}" if node.module else base)
            elif node.module and node.module.startswith("d2lnotes"):
                found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("d2lnotes"))
    return found


@pytest.mark.parametrize("layer, forbidden", [
    ("d2lnotes.data", ("d2lnotes.train", "d2lnotes.plot", "d2lnotes.widgets", "d2lnotes.text", "d2lnotes.vision")),
    ("d2lnotes.vision", ("d2lnotes.text",)),
    ("d2lnotes.text", ("d2lnotes.vision",)),
    ("d2lnotes.text.rnn_scratch", ("d2lnotes.train", "d2lnotes.text.language_model")),
    ("d2lnotes.vision.models", ("d2lnotes.check", "d2lnotes.train")),
])
def test_layering(layer, forbidden):
    """data never imports the loop, plots or task code; vision and text never import each other; from-scratch
    models never import the loop; model modules hold no checking tools."""
    for path in MODULES:
        if _dotted(path).startswith(layer):
            bad = {m for m in _imports(path) if m.startswith(forbidden)}
            assert not bad, f"{path.relative_to(ROOT)} imports {sorted(bad)}"
