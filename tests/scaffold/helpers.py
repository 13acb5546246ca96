"""Running modgen as a user does, and looking at a repository's state, for the scaffold tests."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def modgen(*args: str | Path, cwd: Path | None = None) -> subprocess.CompletedProcess:
    """`modgen ARGS...` in a fresh process, as a user runs it."""
    return subprocess.run(
        [sys.executable, "-m", "modgen", *map(str, args)], cwd=cwd, capture_output=True, text=True, timeout=900
    )


def git_status(repo: Path) -> str:
    """`git status --porcelain`, untracked files included: empty when the tree is as committed."""
    return subprocess.run(
        ["git", "status", "--porcelain", "--untracked-files=all"], cwd=repo, capture_output=True, text=True, check=True
    ).stdout


def python_in(repo: Path, code: str, *, pythonpath: str = "src", timeout: int = 900) -> subprocess.CompletedProcess:
    """Run `code` with `repo`'s `src` first on the path (its transformers shadows the installed one)."""
    env = {**os.environ, "PYTHONPATH": str(repo / pythonpath)}
    return subprocess.run(
        [sys.executable, "-c", code], cwd=repo, env=env, capture_output=True, text=True, timeout=timeout
    )


GIT_IDENTITY = {
    "GIT_AUTHOR_NAME": "t",
    "GIT_AUTHOR_EMAIL": "t@t",
    "GIT_COMMITTER_NAME": "t",
    "GIT_COMMITTER_EMAIL": "t@t",
}


def commit_all(repo: Path, message: str) -> None:
    env = {**os.environ, **GIT_IDENTITY}
    subprocess.run(["git", "add", "-A"], cwd=repo, check=True)
    subprocess.run(["git", "commit", "--quiet", "-m", message], cwd=repo, check=True, env=env)


def make(project: Path, *targets: str) -> subprocess.CompletedProcess:
    """`make TARGETS` in `project` as a user runs it: not as a sub-make of a `make test` that runs this suite
    (an inherited MAKELEVEL makes make print "Entering/Leaving directory" lines around the output)."""
    env = {k: v for k, v in os.environ.items() if k not in ("MAKELEVEL", "MAKEFLAGS", "MFLAGS")}
    command = ["make", *targets, f"PYTHON={sys.executable}"]
    return subprocess.run(command, cwd=project, env=env, capture_output=True, text=True, timeout=1800)


def git_copy(sdist_dir: Path, folder: Path) -> Path:
    """A git-initialised copy of the transformers sdist at `folder`, free to modify."""
    import shutil

    from tests.conftest import git_init

    shutil.copytree(sdist_dir, folder, symlinks=True)
    git_init(folder)
    return folder
