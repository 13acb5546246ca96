"""`--fix` gives back every byte, on every kind of object a marker sits on: input/expected pairs from the wheel.

Each case is a real copy of the transformers 5.23.0 wheel; the input is its file with one edit, the expected output
is the file as the wheel ships it (an independent source: nothing here computes it). The edits are the ones people
make: a comment after code, a changed name, a deleted line, a duplicated line, a comment at the wrong indentation.
"""

from __future__ import annotations

import ast
import keyword
import re
from pathlib import Path

import pytest

from modgen.copies.engine import evaluate, marker_sites
from modgen.copies.normalise import Formatter
from modgen.copies.resolve import Files
from modgen.copies.run import run_check
from modgen.copies.scan import areas_of
from modgen.formatting import ruff_config_for
from modgen.repo import Repository


pytestmark = pytest.mark.slow

# (kind of object, file under src/transformers, the copy's name: `Class`, `function` or `Class.method`)
OBJECTS = [
    ("function with a docstring", "models/chameleon/modeling_chameleon.py", "apply_rotary_pos_emb"),
    ("method spaced unlike its source", "models/depth_anything/modeling_depth_anything.py", "forward"),
    ("class with a docstring", "models/autoformer/modeling_autoformer.py", "AutoformerNOPScaler"),
    ("ModelOutput dataclass", "models/clap/modeling_clap.py", "ClapTextModelOutput"),
    ("ModelOutput dataclass", "models/donut/modeling_donut_swin.py", "DonutSwinModelOutput"),
    ("ModelOutput dataclass", "models/mamba2/modeling_mamba2.py", "Mamba2Output"),
    ("decorated class", "models/qwen2_vl/modeling_qwen2_vl.py", "Qwen2VLRMSNorm"),
    ("decorated function", "models/pixtral/modeling_pixtral.py", "apply_rotary_pos_emb"),
    ("object followed by a comment", "models/autoformer/modeling_autoformer.py", "AutoformerValueEmbedding"),
    ("copy ended by `# End copy`", "models/big_bird/modeling_big_bird.py", "__init__"),
    ("class with an `# Ignore copy` method", "models/decision_transformer/modeling_decision_transformer.py", None),
]
EDITS = ["comment", "token", "delete", "duplicate", "low-comment"]
PLAIN = re.compile(r"\s*(@|def |class |async def |\)|\]|\}|\"\"\"|r\"\"\")")


def the_copy(root: Path, relative: str, name: str | None):
    """The checker's view of the marked object `name` in `relative` (the first marked class when None)."""
    repo = Repository.discover(root)
    path = repo.package_dir / relative
    files = Files()
    copies = evaluate(files, marker_sites(files, [path], areas_of(repo)), Formatter(ruff_config_for(root))).copies
    for copy in copies:
        lines = files.lines(path)[copy.header : copy.end]
        wanted = re.match(rf"\s*(class|def)\s+{name}\b", lines[0]) if name else "# Ignore copy" in "\n".join(lines)
        if wanted:
            return path, copy
    raise AssertionError(f"no marked {name} in {relative}")


def edited(lines: list[str], copy, edit: str) -> tuple[list[str], int]:
    """The file's lines with one `edit` inside the copy, and the 1-based line the edit is on."""
    compared = [index for index, _ in copy.compared_observed]
    plain = [i for i in compared[1:] if not PLAIN.match(lines[i]) and lines[i].strip().endswith((")", "None", "e"))]
    plain = plain or [i for i in compared[1:] if not PLAIN.match(lines[i])]
    middle = compared[len(compared) // 2]
    if edit == "comment":
        return lines[:middle] + [lines[middle] + "  # tuned"] + lines[middle + 1 :], middle + 1
    if edit == "token":  # the first name of a line from the middle on
        index, word = next(
            (i, m)
            for i in compared[len(compared) // 2 :]
            for m in re.finditer(r"\b[a-z_]\w*\b", lines[i])
            if not keyword.iskeyword(m.group())
        )
        changed = lines[index][: word.end()] + "_x" + lines[index][word.end() :]
        return lines[:index] + [changed] + lines[index + 1 :], index + 1
    if edit == "delete":
        index = plain[len(plain) // 2]
        return lines[:index] + lines[index + 1 :], index + 1
    if edit == "duplicate":
        index = plain[-1]
        return lines[: index + 1] + [lines[index]] + lines[index + 1 :], index + 2
    index = compared[1]
    return lines[:index] + ["  # a comment at the wrong indentation"] + lines[index:], index + 1


@pytest.mark.parametrize("edit", EDITS)
@pytest.mark.parametrize(("kind", "relative", "name"), OBJECTS, ids=[f"{o[0]}: {o[2]}" for o in OBJECTS])
def test_fix_restores_the_shipped_file(wheel_repo, installed_tree, kind, relative, name, edit):
    shipped = (installed_tree.package_dir / relative).read_text(encoding="utf-8")  # the expected side
    path, copy = the_copy(wheel_repo, relative, name)
    assert path.read_text(encoding="utf-8") == shipped
    lines, line = edited(shipped.split("\n"), copy, edit)
    text = "\n".join(lines)
    ast.parse(text)  # the edit leaves valid Python, as people's edits do
    repo = Repository.discover(wheel_repo)
    try:
        path.write_text(text, encoding="utf-8")
        report = run_check(repo, paths=[path], modular=False, use_cache=False)
        assert report.exit_code == 1 and {f.path for f in report.findings} == {path}
        fixed = run_check(repo, paths=[path], modular=False, use_cache=False, fix=True)
        assert (fixed.findings, fixed.fixed) == ([], [path])
        assert path.read_text(encoding="utf-8") == shipped
    finally:
        path.write_text(shipped, encoding="utf-8")
