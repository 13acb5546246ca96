"""Shared fixtures: the real transformers package, and the real sdist as a target repository."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

from modgen.repo import TransformersTree


ROOT = Path(__file__).resolve().parents[1]
TRANSFORMERS_VERSION = "5.23.0"


@pytest.fixture(scope="session")
def installed_tree() -> TransformersTree:
    return TransformersTree.installed()


def _sdist_dir() -> Path:
    """The unpacked transformers sdist (`make sdist` puts it in .cache/; downloaded here if missing)."""
    sdist = Path(os.environ.get("MODGEN_SDIST", ROOT / ".cache" / f"transformers-{TRANSFORMERS_VERSION}"))
    if (sdist / "pyproject.toml").is_file():
        return sdist
    cache = sdist.parent
    cache.mkdir(parents=True, exist_ok=True)
    archive = cache / f"transformers-{TRANSFORMERS_VERSION}.tar.gz"
    if not archive.is_file():
        subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "download",
                "--quiet",
                "--no-deps",
                "--no-binary",
                ":all:",
                f"transformers=={TRANSFORMERS_VERSION}",
                "-d",
                str(cache),
            ],
            check=True,
        )
    with tarfile.open(archive) as tar:
        tar.extractall(cache, filter="data")
    return sdist


@pytest.fixture(scope="session")
def sdist_dir() -> Path:
    """The pristine sdist. Read it, never write to it: use `sdist_repo` for that."""
    return _sdist_dir()


def git_init(path: Path) -> None:
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@t",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@t",
    }
    subprocess.run(["git", "init", "--quiet", str(path)], check=True)
    subprocess.run(["git", "add", "-A"], cwd=path, check=True)
    subprocess.run(["git", "commit", "--quiet", "-m", "base"], cwd=path, check=True, env=env)


@pytest.fixture
def sdist_repo(sdist_dir: Path, tmp_path: Path) -> Path:
    """A git-initialised copy of the transformers sdist, free to modify."""
    repo = tmp_path / "transformers"
    shutil.copytree(sdist_dir, repo, symlinks=True)
    git_init(repo)
    return repo
