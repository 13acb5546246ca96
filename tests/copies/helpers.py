"""Helpers for the copies tests: real code from the installed transformers, renamed with the checker's own logic."""

from __future__ import annotations

import subprocess
from pathlib import Path

from modgen.copies.engine import check_copies
from modgen.copies.normalise import Formatter
from modgen.copies.replace import ReplaceSpec
from modgen.copies.resolve import Files, resolve
from modgen.copies.scan import Area
from modgen.formatting import DEFAULT_RUFF_CONFIG, ruff_binary
from modgen.repo import TransformersTree


LLAMA = "models.llama.modeling_llama"


def source_of(tree: TransformersTree, object_path: str) -> str:
    return "\n".join(resolve(Files(), tree.package_dir, "transformers", object_path).block)


def renamed_llama(tree: TransformersTree, names: list[str], old: str = "Llama", new: str = "Bob") -> str:
    """Llama objects renamed to a new model, as a formatted module (what a flattener would produce)."""
    spec = ReplaceSpec.renaming(old, new)
    parts = [spec.apply(source_of(tree, f"{LLAMA}.{name}")) for name in names]
    text = f"import torch\nfrom torch import nn\n\nfrom .configuration_bob import {new}Config\n\n\n"
    return ruff_format(text + "\n\n\n".join(parts) + "\n")


def ruff_format(text: str) -> str:
    command = [ruff_binary(), "format", "--config", str(DEFAULT_RUFF_CONFIG), "--stdin-filename", "x.py", "-"]
    return subprocess.run(command, input=text, capture_output=True, text=True, check=True).stdout


def check_text(tmp_path: Path, tree: TransformersTree, text: str, name: str = "modeling_bob.py"):
    """Check a file holding `text` whose `transformers.` markers resolve in `tree`."""
    folder = tmp_path / "pkg"
    folder.mkdir(exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return check_copies(
        Files(), [path], [Area(folder, "transformers", tree.package_dir)], Formatter(DEFAULT_RUFF_CONFIG)
    )
