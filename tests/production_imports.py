"""Run a measured process as production installs it: the test-only packages of .venv hidden.

.venv holds the test extras too (selenium, pytest, tornado for the stock webhook echo, ...), and some
runtime libraries import a package just because it is there: httpcore imports trio (selenium's, ~50 ms
and 4 MB), PTB imports tornado for its own webhook server. `pip install .` on a server has neither, so
the process benchmarks hide every package outside the closure of twinbot's own requirements from the
processes they time, the echo bot's alike (a ``sitecustomize`` that makes those imports fail, exactly as
they fail where the packages are not installed).
"""

from __future__ import annotations

import importlib.metadata as metadata
import re
import tempfile
import textwrap
from functools import cache
from pathlib import Path

from packaging.requirements import Requirement

PROJECT = "twinbot"


def _key(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _requirements(dist: metadata.Distribution, extras: frozenset[str]) -> list[Requirement]:
    wanted = []
    for text in dist.requires or []:
        requirement = Requirement(text)
        marker = requirement.marker
        if (
            marker is None
            or marker.evaluate({"extra": ""})
            or any(marker.evaluate({"extra": extra}) for extra in extras)
        ):
            wanted.append(requirement)
    return wanted


@cache
def runtime_distributions() -> frozenset[str]:
    """twinbot and everything its runtime requirements pull in (their extras followed), as keys."""
    visited: set[tuple[str, frozenset[str]]] = set()
    pending: list[tuple[str, frozenset[str]]] = [(PROJECT, frozenset())]
    while pending:
        name, extras = pending.pop()
        if (_key(name), extras) in visited:
            continue
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            continue  # an optional requirement for another platform
        visited.add((_key(name), extras))
        for requirement in _requirements(dist, extras):
            pending.append((requirement.name, frozenset(requirement.extras)))
    return frozenset(key for key, _extras in visited)


@cache
def test_only_modules() -> tuple[str, ...]:
    """Top-level modules whose every distribution is outside the runtime closure."""
    runtime = runtime_distributions()
    hidden = []
    for module, dists in metadata.packages_distributions().items():
        if module.startswith("_") or not module.isidentifier():
            continue
        if all(_key(dist) not in runtime for dist in dists):
            hidden.append(module)
    return tuple(sorted(hidden))


_SITECUSTOMIZE = '''
import sys

HIDDEN = frozenset({modules!r})


class _NotInstalled:
    """Imports of the test-only packages fail as if they were not installed."""

    @staticmethod
    def find_spec(name, path=None, target=None):
        if name.partition(".")[0] in HIDDEN:
            raise ModuleNotFoundError(f"No module named {{name!r}}", name=name)
        return None


sys.meta_path.insert(0, _NotInstalled)
'''


@cache
def hiding_folder() -> Path:
    """A folder for PYTHONPATH whose sitecustomize hides the test-only packages."""
    folder = Path(tempfile.mkdtemp(prefix="twinbot-production-imports-"))
    text = textwrap.dedent(_SITECUSTOMIZE).format(modules=test_only_modules())
    (folder / "sitecustomize.py").write_text(text, encoding="utf-8")
    return folder


def production_env(env: dict[str, str]) -> dict[str, str]:
    """`env` for a child process that sees only what production installs."""
    paths = [str(hiding_folder()), *filter(None, [env.get("PYTHONPATH", "")])]
    return {**env, "PYTHONPATH": ":".join(paths)}
