"""The pre-commit hook as users meet it: the real `pre-commit` package blocking real `git commit`s.

In a project made by `modgen init` (its own `.pre-commit-config.yaml`) and in a git copy of the transformers sdist
(modgen's published hook, `.pre-commit-hooks.yaml`, run as a local hook): a commit that breaks a copy, edits a
generated file or leaves a modular file's output stale is blocked with file:line; a commit that edits a *source*
(`LlamaRMSNorm`) is blocked until its copies and the generated files built on it are fixed.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml


pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
LLAMA = "src/transformers/models/llama/modeling_llama.py"
# Where the wheel copies LlamaRMSNorm by marker, and a generated file whose model inherits it.
LLAMA_NORM_COPY = "src/transformers/models/chameleon/modeling_chameleon.py"
LLAMA_NORM_CHILD = "src/transformers/models/mistral/modeling_mistral.py"
NORM_LINE = "        hidden_states = hidden_states.to(torch.float32)\n"
NORM_EDIT = "        hidden_states = hidden_states.to(torch.float64)\n"


def environment(home: Path) -> dict[str, str]:
    """`modgen` and `pre-commit` of this interpreter on PATH, pre-commit's store in `home`, a git identity."""
    path = os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])
    identity = {f"GIT_{who}_{what}": value for who in ("AUTHOR", "COMMITTER") for what, value in (("NAME", "t"),)}
    identity |= {f"GIT_{who}_EMAIL": "t@t" for who in ("AUTHOR", "COMMITTER")}
    return {**os.environ, "PATH": path, "PRE_COMMIT_HOME": str(home), **identity}


class Repo:
    """A git repository with the pre-commit hook installed."""

    def __init__(self, root: Path, env: dict[str, str]) -> None:
        self.root, self.env = root, env

    def run(self, *command: str | Path, check: bool = False) -> subprocess.CompletedProcess:
        result = subprocess.run(
            [str(c) for c in command], cwd=self.root, env=self.env, capture_output=True, text=True, timeout=900
        )
        if check:
            assert result.returncode == 0, result.stdout + result.stderr
        return result

    def commit(self, message: str) -> subprocess.CompletedProcess:
        """`git commit -a` (the hook runs on the staged files); stdout + stderr in `.stdout`."""
        self.run("git", "add", "-A", check=True)
        result = self.run("git", "commit", "-q", "-m", message)
        result.stdout += result.stderr
        return result

    def edit(self, relative: str, old: str, new: str) -> None:
        path = self.root / relative
        text = path.read_text(encoding="utf-8")
        assert old in text, f"{old!r} not in {relative}"
        path.write_text(text.replace(old, new, 1), encoding="utf-8")

    def line_of(self, relative: str, text: str) -> int:
        lines = (self.root / relative).read_text(encoding="utf-8").split("\n")
        return next(number for number, line in enumerate(lines, 1) if text in line)

    def reset(self) -> None:
        self.run("git", "reset", "-q", "--hard", check=True)
        self.run("git", "clean", "-qfd", check=True)

    def head_is(self, message: str) -> bool:
        return self.run("git", "log", "-1", "--format=%s", check=True).stdout.strip() == message


def init_git(root: Path, env: dict[str, str]) -> Repo:
    repo = Repo(root, env)
    repo.run("git", "init", "-q", check=True)
    repo.run("git", "add", "-A", check=True)
    repo.run("git", "commit", "-q", "-m", "base", check=True)
    repo.run(sys.executable, "-m", "pre_commit", "install", check=True)
    return repo


# A project made by `modgen init` ---------------------------------------------------------------------------------

MODULAR_BOB = """\
from transformers.models.llama.modeling_llama import LlamaMLP, LlamaRMSNorm


class BobMLP(LlamaMLP):
    pass


class BobRMSNorm(LlamaRMSNorm):
    pass
"""


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Repo:
    """`modgen init` with one model flattened (its generated file carries `# Copied from` markers), committed."""
    tmp = tmp_path_factory.mktemp("pre-commit-project")
    env = environment(tmp / "pre-commit-home")
    root = tmp / "proj"
    subprocess.run([sys.executable, "-m", "modgen", "init", root, "--package", "mylib"], env=env, check=True)
    folder = root / "src" / "mylib" / "models" / "bob"
    folder.mkdir()
    (folder / "__init__.py").write_text("")
    (folder / "modular_bob.py").write_text(MODULAR_BOB)
    subprocess.run([sys.executable, "-m", "modgen", "flatten", folder], cwd=root, env=env, check=True)
    return init_git(root, env)


def test_the_init_projects_hook_blocks_a_broken_copy_an_edited_generated_file_and_a_stale_one(project: Repo):
    generated = "src/mylib/models/bob/modeling_bob.py"
    assert (
        "# Copied from transformers.models.llama.modeling_llama.LlamaRMSNorm" in project.run("cat", generated).stdout
    )

    project.reset()
    project.edit(generated, NORM_LINE, NORM_EDIT)
    result = project.commit("break a copy")
    assert result.returncode != 0 and project.head_is("base")
    line = project.line_of(generated, "torch.float64")
    assert f"{generated}:{line}: copy does not match transformers.models.llama.modeling_llama.LlamaRMSNorm" in (
        result.stdout
    )
    assert f"{generated}:{line}: differs from what modular_bob.py generates" in result.stdout

    project.reset()
    project.edit(generated, "class BobMLP(nn.Module):", "class BobMLP(nn.Module):  # tuned by hand")
    result = project.commit("edit a generated file")
    assert result.returncode != 0 and project.head_is("base")
    line = project.line_of(generated, "tuned by hand")
    assert f"{generated}:{line}: differs from what modular_bob.py generates" in result.stdout

    project.reset()
    project.edit(
        "src/mylib/models/bob/modular_bob.py",
        "class BobMLP(LlamaMLP):\n    pass",
        "class BobMLP(LlamaMLP):\n    bias = 1",
    )
    result = project.commit("forget to flatten")
    assert result.returncode != 0 and project.head_is("base")
    assert f"{generated}:" in result.stdout and "differs from what modular_bob.py generates" in result.stdout
    project.run(sys.executable, "-m", "modgen", "check", "--fix", check=True)  # what `make fix-copies` runs
    result = project.commit("flattened")
    assert result.returncode == 0, result.stdout
    assert project.head_is("flattened")


# A git copy of the transformers sdist, with modgen's published hook ----------------------------------------------


def published_hooks() -> list[dict]:
    """modgen's hooks as `.pre-commit-hooks.yaml` publishes them, made local (`language: system`: modgen is the
    one installed here, instead of a virtualenv that pre-commit would build from a clone of modgen)."""
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    assert [h["id"] for h in hooks] == ["modgen-check", "modgen-fix"]
    check = dict(hooks[0], language="system")
    assert check["entry"] == "modgen check" and check["pass_filenames"] and check["types"] == ["python"]
    return [check]


@pytest.fixture(scope="module")
def transformers_repo(sdist_dir: Path, tmp_path_factory) -> Repo:
    tmp = tmp_path_factory.mktemp("pre-commit-sdist")
    root = tmp / "transformers"
    shutil.copytree(sdist_dir, root, symlinks=True, ignore=shutil.ignore_patterns(".cache"))
    config = {"repos": [{"repo": "local", "hooks": published_hooks()}]}
    (root / ".pre-commit-config.yaml").write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    (root / ".gitignore").write_text(".cache/\n")
    return init_git(root, environment(tmp / "pre-commit-home"))


def test_the_published_hook_blocks_a_commit_that_breaks_a_copy_or_edits_a_generated_file(transformers_repo: Repo):
    repo = transformers_repo
    repo.reset()
    copy = "src/transformers/models/clap/modeling_clap.py"
    repo.edit(copy, "    text_embeds: torch.Tensor | None = None\n", "    text_embeds: torch.Tensor = None\n")
    result = repo.commit("break a copy")
    assert result.returncode != 0 and repo.head_is("base")
    line = repo.line_of(copy, "text_embeds: torch.Tensor = None")
    assert f"{copy}:{line}: copy does not match transformers.models.clip.modeling_clip.CLIPTextModelOutput" in (
        result.stdout
    )

    repo.reset()
    repo.edit(LLAMA_NORM_CHILD, NORM_LINE, NORM_EDIT)
    result = repo.commit("edit a generated file")
    assert result.returncode != 0 and repo.head_is("base")
    line = repo.line_of(LLAMA_NORM_CHILD, "torch.float64")
    assert f"{LLAMA_NORM_CHILD}:{line}: differs from what modular_mistral.py generates" in result.stdout


def test_a_commit_that_edits_a_source_is_blocked_until_its_copies_and_generated_files_follow(transformers_repo):
    repo = transformers_repo
    repo.reset()
    repo.edit(LLAMA, NORM_LINE, NORM_EDIT)
    assert (
        "Copied from transformers.models.llama.modeling_llama.LlamaRMSNorm" in repo.run("cat", LLAMA_NORM_COPY).stdout
    )

    # --changed follows dependents: the copies of LlamaRMSNorm and the generated files built on it.
    changed = repo.run(sys.executable, "-m", "modgen", "check", "--changed")
    assert changed.returncode == 1, changed.stdout + changed.stderr
    for dependant in (LLAMA_NORM_COPY, LLAMA_NORM_CHILD):
        assert re.search(rf"^{re.escape(dependant)}:\d+: ", changed.stdout, re.MULTILINE), dependant
    assert f"{LLAMA}:" not in changed.stdout  # the edited source is the truth, not a finding

    result = repo.commit("tweak LlamaRMSNorm")
    assert result.returncode != 0 and repo.head_is("base")
    assert f"{LLAMA_NORM_COPY}:" in result.stdout and f"{LLAMA_NORM_CHILD}:" in result.stdout

    # The fix hook's command on the same file brings every dependant along; then the commit goes through.
    fix = repo.run(sys.executable, "-m", "modgen", "check", "--fix", LLAMA)
    assert fix.returncode == 0, fix.stdout + fix.stderr
    for dependant in (LLAMA_NORM_COPY, LLAMA_NORM_CHILD):
        assert NORM_EDIT in (repo.root / dependant).read_text(encoding="utf-8")
    result = repo.commit("tweak LlamaRMSNorm")
    assert result.returncode == 0, result.stdout
    assert repo.head_is("tweak LlamaRMSNorm")
    assert repo.run(sys.executable, "-m", "modgen", "check", "--changed", "--base", "HEAD~1").returncode == 0
