"""`modgen check` from the command line: exit codes, text and JSON output."""

from __future__ import annotations

import json

from click.testing import CliRunner

from modgen.cli import main

from .test_grammar import INTERMEDIATE_COPY, ROBERTA


def run(*args: str):
    return CliRunner().invoke(main, ["check", *args])


def test_exit_codes_and_json(tree):
    tree.write(ROBERTA, INTERMEDIATE_COPY)
    result = run("--repo", str(tree.root), "--no-modular", "--no-cache")
    assert result.exit_code == 0, result.output
    assert "0 finding(s): 1 Copied-from markers" in result.output

    tree.write(ROBERTA, INTERMEDIATE_COPY.replace("nn.GELU()", "nn.ReLU()"))
    result = run("--repo", str(tree.root), "--no-modular", "--no-cache")
    assert result.exit_code == 1
    assert f"{ROBERTA}:9: copy does not match transformers.models.bert.modeling_bert.BertIntermediate" in result.output
    assert "+        self.intermediate_act_fn = nn.GELU()" in result.output

    result = run("--repo", str(tree.root), "--no-modular", "--no-cache", "--json")
    data = json.loads(result.output)
    assert result.exit_code == data["exit_code"] == 1
    assert [(f["path"], f["line"], f["kind"]) for f in data["findings"]] == [(ROBERTA, 9, "copy")]

    result = run("--repo", str(tree.root), "--no-modular", "--fix")
    assert result.exit_code == 0
    assert f"fixed {ROBERTA}" in result.output
    assert tree.read(ROBERTA) == INTERMEDIATE_COPY


def test_bad_usage_exits_2(tree, tmp_path):
    result = run("--repo", str(tree.root), "--base", "main")
    assert result.exit_code == 2
    assert "--base only makes sense with --changed" in result.output
    result = run("--repo", str(tree.root), "--changed", "--no-modular")  # not a git repository
    assert result.exit_code == 2
    assert "is not a git repository" in result.output


def test_the_published_pre_commit_hook_runs_on_the_files_it_is_given(tree):
    import shlex
    import subprocess
    from pathlib import Path

    import yaml

    hooks = {
        h["id"]: h for h in yaml.safe_load(Path(__file__).parents[2].joinpath(".pre-commit-hooks.yaml").read_text())
    }
    hook = hooks["modgen-check"]
    assert hook["pass_filenames"] and hook["types"] == ["python"]
    tree.write(ROBERTA, INTERMEDIATE_COPY)
    # What pre-commit runs: the entry, then the staged files (here the source of the copy).
    command = [*shlex.split(hook["entry"]), "--no-modular", "src/transformers/models/bert/modeling_bert.py"]
    assert subprocess.run(command, cwd=tree.root, capture_output=True).returncode == 0
    bert = tree.root / "src/transformers/models/bert/modeling_bert.py"
    bert.write_text(bert.read_text().replace("nn.GELU()", "nn.SiLU()"))
    result = subprocess.run(command, cwd=tree.root, capture_output=True, text=True)
    assert result.returncode == 1
    assert f"{ROBERTA}:9: copy does not match" in result.stdout
    fix = [*shlex.split(hooks["modgen-fix"]["entry"]), "--no-modular", "src/transformers/models/bert/modeling_bert.py"]
    assert subprocess.run(fix, cwd=tree.root, capture_output=True).returncode == 0
    assert "nn.SiLU()" in tree.read(ROBERTA)


def test_check_paths_is_the_check_of_those_paths_for_other_commands(tree):
    from modgen.copies import check_paths
    from modgen.copies.report import as_text

    copy = tree.write(ROBERTA, INTERMEDIATE_COPY.replace("nn.GELU()", "nn.ReLU()"))
    report = check_paths([copy])
    assert report.exit_code == 1
    assert f"{ROBERTA}:9: copy does not match" in as_text(report)
    # The source, given alone, brings its copies along (what depends on a path is checked with it).
    assert [f.path for f in check_paths([tree.root / "src/transformers/models/bert/modeling_bert.py"]).findings] == [
        copy
    ]
    assert check_paths([copy], fix=True).fixed == [copy]
    assert check_paths([copy]).exit_code == 0
