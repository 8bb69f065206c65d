"""The two walls of the design: `bot.core` and `storage` never import telegram; `bot.core` holds no SQL
(no storage, no sqlite3, no aiosqlite). Checked by importing in a fresh interpreter (what really gets
loaded, through any chain of imports) and by reading the import statements (what a module names)."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FORBIDDEN = {
    "bot.core": ("telegram", "storage", "sqlite3", "_sqlite3", "aiosqlite"),
    "storage": ("telegram",),
}


def modules(package: str) -> list[str]:
    """Every module of the package, subpackages (such as bot.core.questions) and their modules included."""
    names = set()
    for path in ROOT.joinpath(*package.split(".")).rglob("*.py"):
        parts = path.relative_to(ROOT).with_suffix("").parts
        names.add(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    return sorted(names)


def loaded_after_import(module: str) -> set[str]:
    script = (
        "import importlib, json, sys\n"
        f"importlib.import_module({module!r})\n"
        "print(json.dumps(sorted(sys.modules)))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True, timeout=60
    )
    return set(json.loads(result.stdout))


def top_level(name: str) -> str:
    return name.split(".")[0]


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_packages_are_found(package: str) -> None:
    assert len(modules(package)) > 3


@pytest.mark.parametrize("module", [*modules("bot.core"), *modules("storage")])
def test_importing_does_not_load_the_forbidden(module: str) -> None:
    package = "bot.core" if module.startswith("bot.core") else "storage"
    loaded = loaded_after_import(module)
    wrong = sorted(name for name in loaded if top_level(name) in FORBIDDEN[package])
    assert wrong == [], f"importing {module} loads {wrong}"


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_no_module_names_a_forbidden_import(package: str) -> None:
    """Also lazy imports inside functions, which the import test above would not execute."""
    found: list[str] = []
    for module in modules(package):
        path = ROOT.joinpath(*module.split("."))
        source = path / "__init__.py" if path.is_dir() else path.with_suffix(".py")
        for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module]
            found += [f"{module}: {name}" for name in names if top_level(name) in FORBIDDEN[package]]
    assert found == []
