"""Modular sync on a copy of the transformers sdist: a small modular model inheriting from llama."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from modgen.copies.run import run_check
from modgen.modular import flatten_file
from modgen.repo import Repository


pytestmark = pytest.mark.slow

MODULAR = """\
from ..llama.modeling_llama import LlamaMLP, LlamaRMSNorm


class BobMLP(LlamaMLP):
    pass


class BobRMSNorm(LlamaRMSNorm):
    pass
"""


def add_bob(repo: Path, *, markers: bool) -> tuple[Path, Path, str]:
    if markers:
        pyproject = repo / "pyproject.toml"
        pyproject.write_text(pyproject.read_text() + "\n[tool.modgen]\nmarkers = true\n")
    folder = repo / "src" / "transformers" / "models" / "bob"
    folder.mkdir()
    (folder / "__init__.py").write_text("")
    modular = folder / "modular_bob.py"
    modular.write_text(MODULAR)
    [(generated, text)] = flatten_file(modular, markers=markers).items()
    generated.write_text(text)
    return modular, generated, text


def test_an_edited_generated_file_is_flagged_and_fix_regenerates_it(sdist_repo):
    modular, generated, text = add_bob(sdist_repo, markers=False)
    repo = Repository.discover(sdist_repo)
    report = run_check(repo, paths=[modular], use_cache=False)
    assert (report.modular_checked, report.findings) == (1, [])

    edited = text.replace("return down_proj", "return down_proj * 2")
    generated.write_text(edited)
    # Given the generated file (as pre-commit would), its modular file is checked.
    report = run_check(repo, paths=[generated], use_cache=False)
    [finding] = report.findings
    expected_line = next(i for i, line in enumerate(edited.split("\n"), 1) if "down_proj * 2" in line)
    assert (finding.kind, finding.path, finding.line) == ("modular", generated, expected_line)
    assert "-        return down_proj * 2" in finding.diff and "+        return down_proj" in finding.diff

    # With the cache, a second check reports the same without flattening.
    first = run_check(repo, paths=[generated])
    again = run_check(repo, paths=[generated])
    assert (first.modular_flattened, again.modular_flattened) == (1, 0)
    assert [(f.path, f.line) for f in again.findings] == [(generated, expected_line)]

    fixed = run_check(repo, paths=[generated], fix=True)
    assert fixed.findings == [] and fixed.fixed == [generated]
    assert generated.read_text() == text
    assert run_check(repo, paths=[generated]).findings == []


def test_with_markers_on_the_generated_copies_verify(sdist_repo):
    modular, generated, text = add_bob(sdist_repo, markers=True)
    assert "# Copied from transformers.models.llama.modeling_llama.LlamaMLP with Llama->Bob" in text
    repo = Repository.discover(sdist_repo)
    assert repo.markers
    report = run_check(repo, paths=[modular], use_cache=False)
    assert (report.markers, report.modular_checked, report.findings) == (2, 1, [])
    # The marked copy drifts: both the copy check and the modular check see it.
    generated.write_text(text.replace("return down_proj", "return down_proj + 0"))
    kinds = sorted(f.kind for f in run_check(repo, paths=[generated], use_cache=False).findings)
    assert kinds == ["copy", "modular"]
    assert run_check(repo, paths=[generated], fix=True, use_cache=False).findings == []
    assert generated.read_text() == text


def test_fix_regenerates_children_from_a_parent_the_copy_fix_restores(sdist_repo):
    """idefics3/modeling_idefics3.py is hand-written (its classes are `# Copied from` idefics2, siglip...) and the
    parent of smolvlm's modular file. The modular step regenerates smolvlm from the edited parent before the copy
    fix restores the parent: smolvlm must then be regenerated again, from the restored text."""
    models = sdist_repo / "src" / "transformers" / "models"
    parent, child = models / "idefics3" / "modeling_idefics3.py", models / "smolvlm" / "modeling_smolvlm.py"
    line = "self.num_patches = self.num_patches_per_side**2"
    assert line in parent.read_text() and line in child.read_text()  # the child does inherit the edited line
    parent.write_text(parent.read_text().replace(line, line.replace("**2", "**3")))

    repo = Repository.discover(sdist_repo)
    report = run_check(repo, paths=[parent], fix=True, use_cache=False)
    assert report.findings == [] and parent in report.fixed
    assert child not in report.fixed  # regenerated twice, it ends as it began
    status = subprocess.run(
        ["git", "status", "--porcelain"], cwd=sdist_repo, capture_output=True, text=True, check=True
    ).stdout
    assert status == ""


BROKEN = """\
from ..bert.modeling_bert import BertIntermediate


class BobIntermediate(BertIntermediate)
    pass
"""


def test_a_modular_file_that_does_not_parse_fails_every_way_it_is_checked(tree):
    """Full check, the path as pre-commit passes it, --changed: exit 1 at the file's line, even in a model folder
    that has no `__init__.py` yet."""
    import subprocess

    modular = tree.root / "src/transformers/models/bob/modular_bob.py"
    modular.parent.mkdir(parents=True)
    modular.write_text(BROKEN)
    env = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t", "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@t"}
    subprocess.run(["git", "init", "-q"], cwd=tree.root, check=True)
    subprocess.run(["git", "commit", "-q", "--allow-empty", "-m", "base"], cwd=tree.root, check=True, env=env)
    for options in ({}, {"paths": [modular]}, {"changed": True}):
        report = tree.check(modular=True, **options)
        assert report.exit_code == 1, options
        [finding] = report.findings
        assert (finding.path, finding.line, finding.fixable) == (modular, 4, False), options
        assert "syntax error" in finding.message


def test_a_modular_file_whose_generated_file_is_missing_is_a_finding_that_fix_writes(tree):
    modular = tree.write("src/transformers/models/bob/modular_bob.py", BROKEN.replace(")\n", "):\n", 1))
    generated = modular.with_name("modeling_bob.py")
    report = tree.check(modular=True, paths=[modular])
    [finding] = report.findings
    assert (finding.path, finding.message) == (generated, "is missing: modular_bob.py generates it")
    fixed = tree.check(modular=True, paths=[modular], fix=True)
    assert (fixed.findings, fixed.fixed) == ([], [generated])
    assert "class BobIntermediate(nn.Module):" in generated.read_text()


def test_the_cache_sees_the_model_names_the_tree_registers(sdist_repo):
    # The flattener spells a model name as its registered config class does (`GPTNeoX`): a change to the auto
    # mappings is a change of its input, and a warm check flattens again.
    modular, generated, _ = add_bob(sdist_repo, markers=False)
    repo = Repository.discover(sdist_repo)
    assert run_check(repo, paths=[generated]).modular_flattened == 1
    assert run_check(repo, paths=[generated]).modular_flattened == 0
    auto = sdist_repo / "src/transformers/models/auto"
    mapping = next(p for p in (auto / "auto_mappings.py", auto / "configuration_auto.py") if p.is_file())
    mapping.write_text(
        mapping.read_text().replace(
            '("llama", "LlamaConfig")', '("llama", "LlamaConfig"),\n    ("bob", "BOBConfig")', 1
        )
    )
    again = run_check(repo, paths=[generated])
    assert again.modular_flattened == 1
