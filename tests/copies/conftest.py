"""A small transformers-shaped repository to check: `src/transformers/models/<model>/<file>.py` and `tests/`."""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

import pytest

from modgen.copies.run import run_check
from modgen.repo import Repository


BERT = """\
import torch
from torch import nn


class BertBase(nn.Module):
    pass


class BertIntermediate(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.dense = nn.Linear(config.hidden_size, config.intermediate_size)
        self.intermediate_act_fn = nn.GELU()

    def forward(self, hidden_states):
        hidden_states = self.dense(hidden_states)
        hidden_states = self.intermediate_act_fn(hidden_states)
        return hidden_states


class BertOutput(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.dense = nn.Linear(config.intermediate_size, config.hidden_size)
        self.bert_dropout = nn.Dropout(config.hidden_dropout_prob)  # BERT dropout

    def forward(self, hidden_states, input_tensor):
        hidden_states = self.dense(hidden_states)
        hidden_states = self.bert_dropout(hidden_states)
        return hidden_states + input_tensor


class Bert(BertBase):
    def forward(self, x):
        return x


def gelu_like(x):
    y = x * 0.5
    return y * (1.0 + torch.tanh(y))


async def fetch(x):
    return x
"""


class Tree:
    """Write files into a throw-away repository and check it."""

    def __init__(self, root: Path) -> None:
        self.root = root
        (root / "src" / "transformers" / "models" / "auto").mkdir(parents=True)
        (root / "src" / "transformers" / "__init__.py").write_text("")
        (root / "pyproject.toml").write_text('[project]\nname = "scratch"\n')
        self.write("src/transformers/models/bert/modeling_bert.py", BERT)

    def write(self, relative: str, text: str) -> Path:
        path = self.root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.name != "__init__.py" and not (path.parent / "__init__.py").exists():
            (path.parent / "__init__.py").write_text("")
        path.write_text(textwrap.dedent(text), encoding="utf-8")
        return path

    def read(self, relative: str) -> str:
        return (self.root / relative).read_text(encoding="utf-8")

    def check(self, **options):
        options.setdefault("modular", False)
        options.setdefault("use_cache", False)
        return run_check(Repository.discover(self.root), **options)


@pytest.fixture
def tree(tmp_path: Path) -> Tree:
    (tmp_path / "repo").mkdir()
    return Tree(tmp_path / "repo")


@pytest.fixture(scope="module")
def wheel_repo(installed_tree, tmp_path_factory) -> Path:
    """The installed transformers wheel laid out as a repository (`src/transformers`), free to modify."""
    root = tmp_path_factory.mktemp("wheel") / "repo"
    shutil.copytree(
        installed_tree.package_dir, root / "src" / "transformers", ignore=shutil.ignore_patterns("__pycache__")
    )
    (root / "pyproject.toml").write_text('[project]\nname = "wheel"\n')
    return root
