"""`modgen like PARENT --name zz_PARENT` on 30 parents of every kind, each in a fresh git copy of the transformers
5.23.0 sdist, as a user runs it: exit 0, the new model imports in a fresh process, its generated tests pass (at
least 4: forward of every head, save/load, Auto classes, equivalence with the parent), and `modgen check` and
`ruff format --check` are clean on every file `like` wrote or touched.

Run in parallel (`pytest -n 2`): each parent is its own test, in its own copy.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from modgen.formatting import ruff_binary
from tests.scaffold.helpers import git_copy, git_status, modgen, python_in


PARENTS = [
    "qwen3",
    "qwen3_moe",
    "deepseek_v3",
    "gemma3",
    "phi3",
    "olmo2",
    "falcon",
    "gpt_neox",
    "mamba",
    "rwkv",
    "distilbert",
    "xlm-roberta",
    "electra",
    "deberta-v2",
    "mbart",
    "pegasus",
    "marian",
    "deit",
    "dinov2",
    "swin",
    "convnext",
    "siglip",
    "sam",
    "detr",
    "wav2vec2",
    "hubert",
    "musicgen",
    "blip_2",
    "qwen2_vl",
    "idefics3",
    "bart",  # not in the list: its `__all__` holds two deprecated aliases, which a new model does not copy
]


@pytest.fixture(scope="session")
def sdist_git(sdist_dir: Path, tmp_path_factory) -> Path:
    """One git repository of the sdist, cloned (cheaply, with hard links) for each parent."""
    return git_copy(sdist_dir, tmp_path_factory.mktemp("sdist-git") / "transformers")


def fresh_copy(sdist_git: Path, folder: Path) -> Path:
    subprocess.run(["git", "clone", "--quiet", str(sdist_git), str(folder)], check=True)
    return folder


def changed_python_files(repo: Path) -> list[str]:
    return [line[3:] for line in git_status(repo).splitlines() if line[3:].endswith(".py")]


def like_and_check(repo: Path, parent: str, name: str) -> None:
    result = modgen("like", parent, "--name", name, cwd=repo)
    assert result.returncode == 0, result.stderr[-5000:]
    status = git_status(repo)
    assert ".modgen-" not in status  # no staging or scratch folder left behind
    imported = python_in(repo, f"import transformers.models.{name} as m; print(m.__file__)")
    assert imported.returncode == 0, imported.stderr[-3000:]
    assert str(repo) in imported.stdout  # the repository's copy, not the installed transformers

    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:xdist", f"tests/models/{name}"],
        cwd=repo,
        env={**os.environ, "PYTHONPATH": str(repo / "src")},
        capture_output=True,
        text=True,
        timeout=1800,
    )
    summary = run.stdout.strip().splitlines()[-1] if run.stdout.strip() else run.stderr[-2000:]
    assert run.returncode == 0, run.stdout[-6000:]
    passed = int(re.search(r"(\d+) passed", summary).group(1))
    assert passed >= 4 and "failed" not in summary and "skipped" not in summary, summary

    # One spelling of the model: no class defined twice under two casings (`ZzWav2Vec2Model`, `ZzWav2vec2Model`).
    folder = repo / "src" / "transformers" / "models" / name
    defined = re.findall(r"^class (\w+)", "".join(p.read_text() for p in folder.glob("*.py")), re.MULTILINE)
    assert len({c.lower() for c in defined}) == len(set(defined)), sorted(defined)

    files = changed_python_files(repo)
    check = modgen("check", *files, cwd=repo)
    assert check.returncode == 0, check.stdout + check.stderr
    ruff = subprocess.run([ruff_binary(), "format", "--check", "--no-cache", *files], cwd=repo, capture_output=True)
    assert ruff.returncode == 0, ruff.stdout.decode()


@pytest.mark.slow
@pytest.mark.parametrize("parent", PARENTS)
def test_like_parent(parent: str, sdist_git: Path, tmp_path: Path):
    name = "zz_" + parent.replace("-", "_")
    like_and_check(fresh_copy(sdist_git, tmp_path / "transformers"), parent, name)


@pytest.mark.slow
def test_like_wav2vec2_with_a_name_holding_none_of_the_parents(sdist_git: Path, tmp_path: Path):
    """`speechy`: no part of the name is the parent's; `Wav2Vec2BaseModelOutput` (a library class) keeps its
    name through the alias the modular file defines."""
    repo = fresh_copy(sdist_git, tmp_path / "transformers")
    like_and_check(repo, "wav2vec2", "speechy")
    modular = (repo / "src" / "transformers" / "models" / "speechy" / "modular_speechy.py").read_text()
    assert "SpeechyBaseModelOutput = Wav2Vec2BaseModelOutput" in modular
    modeling = (repo / "src" / "transformers" / "models" / "speechy" / "modeling_speechy.py").read_text()
    assert "class SpeechyModel(" in modeling and "Speechy" in modeling and "Wav2Vec2Model" not in modeling
