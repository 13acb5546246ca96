"""A small model made the way transformers makes one, for the modularize tests.

`generated_model` writes a hand-written modular file into a folder outside any transformers tree, flattens it
with modgen's flattener (parents from the installed transformers), and deletes it: what is left is a model's
standalone files, the input of `modgen modularize`. `round_trip` modularizes them with the real command and
flattens the modular file it wrote with the real `modgen flatten`, to compare with the files it came from.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

from modgen.modular import flatten_file


def modgen(*args: str | Path, cwd: Path | None = None) -> subprocess.CompletedProcess:
    """`modgen ARGS...` in a fresh process, as a user runs it."""
    return subprocess.run(
        [sys.executable, "-m", "modgen", *map(str, args)], cwd=cwd, capture_output=True, text=True, timeout=900
    )


def generated_model(folder: Path, name: str, modular_text: str) -> dict[str, str]:
    """The standalone files flattened from `modular_text` (written to `folder`, the modular file removed)."""
    folder.mkdir(parents=True, exist_ok=True)
    modular = folder / f"modular_{name}.py"
    modular.write_text(modular_text, encoding="utf-8")
    outputs = flatten_file(modular, markers=False)
    for path, text in outputs.items():
        path.write_text(text, encoding="utf-8")
    modular.unlink()
    return {path.name: text for path, text in outputs.items()}


def round_trip(folder: Path, name: str, *parents: str) -> tuple[str, dict[str, str], subprocess.CompletedProcess]:
    """Modularize the model in `folder` against `parents` (the real CLI), then flatten what it wrote (the real
    CLI again, elsewhere): (the modular file, {file name: flattened text}, modularize's process)."""
    arguments = [f"--parent={parent}" for parent in parents]
    run = modgen("modularize", folder, *arguments)
    assert run.returncode == 0, run.stderr
    modular = folder / f"modular_{name}.py"
    out = folder.parent / "flattened"
    flatten = modgen("flatten", modular, "--out", out, "--no-markers")
    assert flatten.returncode == 0, flatten.stderr
    flattened = {p.name: p.read_text(encoding="utf-8") for p in (out / folder.name).glob("*.py")}
    return modular.read_text(encoding="utf-8"), flattened, run


def without_banner(text: str) -> str:
    """A generated file without its banner (which names where the modular file lay)."""
    return "".join(text.splitlines(keepends=True)[6:])


def classes_of(modular_text: str) -> dict[str, ast.ClassDef]:
    return {node.name: node for node in ast.parse(modular_text).body if isinstance(node, ast.ClassDef)}


def methods_of(node: ast.ClassDef) -> dict[str, ast.FunctionDef]:
    return {item.name: item for item in node.body if isinstance(item, ast.FunctionDef)}


def bases_of(node: ast.ClassDef) -> list[str]:
    return [ast.unparse(base) for base in node.bases]
