"""Bad input to `modgen port`: a clear message (where, what, how to fix), exit 2, nothing written."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.port.helpers import FIXTURES, files_of, modgen, new_project


GPT = f"{FIXTURES / 'gpt' / 'model.py'}:GPT"


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    return new_project(tmp_path_factory.mktemp("bad_input") / "project")


@pytest.fixture(scope="module")
def code(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("user_code")
    (folder / "broken.py").write_text(
        "import torch\nfrom mamba_kernels_not_installed import selective_scan\n\n\nclass Net(torch.nn.Module):\n"
        "    pass\n"
    )
    (folder / "plain.py").write_text(
        "class Settings:\n    def __init__(self, width=3):\n        self.width = width\n\n\n"
        "def build():\n    return None\n"
    )
    (folder / "layers.py").write_text("import torch\n\n\nclass Block(torch.nn.Linear):\n    pass\n")
    (folder / "net.py").write_text(
        "import torch\nfrom layers import Block\n\n\nclass Net(torch.nn.Module):\n"
        "    def __init__(self, width=4):\n        super().__init__()\n        self.block = Block(width, width)\n\n"
        "    def forward(self, x):\n        return self.block(x)\n"
    )
    return folder


def port_fails(project: Path, *args: str) -> str:
    before = files_of(project)
    result = modgen("port", *args, cwd=project)
    assert result.returncode == 2, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    assert files_of(project) == before, "a failed port wrote files"
    return result.stderr


def test_target_that_does_not_import(project: Path, code: Path):
    error = port_fails(project, f"{code / 'broken.py'}:Net", "--name", "net")
    assert f"{code / 'broken.py'}:2: cannot import" in error
    assert "ModuleNotFoundError: No module named 'mamba_kernels_not_installed'" in error
    assert "hint:" in error


def test_module_that_does_not_import(project: Path):
    error = port_fails(project, "no_such_package.models:Net", "--name", "net")
    assert "cannot import no_such_package.models:Net: ModuleNotFoundError" in error


@pytest.mark.parametrize(("name", "kind", "line"), [("Settings", "a class", 1), ("build", "a function", 6)])
def test_target_not_an_nn_module(project: Path, code: Path, name: str, kind: str, line: int):
    error = port_fails(project, f"{code / 'plain.py'}:{name}", "--name", "net")
    assert f"plain.py:{line}: {name} is {kind}, not a torch.nn.Module subclass" in error


def test_missing_class(project: Path, code: Path):
    error = port_fails(project, f"{code / 'net.py'}:Nett", "--name", "net")
    assert "defines no Nett" in error and "its nn.Module classes: Net" in error


def test_parameter_without_default_or_example(project: Path):
    error = port_fails(project, GPT, "--name", "gpt")
    assert "model.py:69: GPT.__init__ has no default for `vocab_size`, and no --example gives it" in error
    assert '--example "vocab_size=..."' in error


def test_example_of_an_unknown_parameter(project: Path):
    error = port_fails(project, GPT, "--name", "gpt", "--example", "vocab_sz=3")
    assert "--example gives 'vocab_sz', which GPT.__init__ does not take" in error
    assert "its parameters: vocab_size, block_size" in error


def test_example_that_builds_something_else(project: Path):
    error = port_fails(project, GPT, "--name", "gpt", "--example", "torch.nn.Linear(2, 2)")
    assert "did not build a GPT" in error


def test_sibling_imports_need_beside(project: Path, code: Path):
    error = port_fails(project, f"{code / 'net.py'}:Net", "--name", "net")
    assert "net.py imports layers from beside it" in error and "--beside" in error


@pytest.mark.parametrize("name", ["Gpt", "my-gpt", "class"])
def test_invalid_name(project: Path, name: str):
    error = port_fails(project, GPT, "--name", name, "--example", "vocab_size=8")
    assert f"invalid model name {name!r}" in error


def test_unknown_task(project: Path):
    error = port_fails(project, GPT, "--name", "gpt", "--example", "vocab_size=8", "--task", "translation")
    assert "unknown task 'translation'" in error and "causal-lm" in error


def test_not_a_project(tmp_path: Path):
    error = port_fails(tmp_path, GPT, "--name", "gpt", "--example", "vocab_size=8")
    assert "modgen init" in error


def test_forward_that_fails_on_given_inputs(project: Path):
    error = port_fails(project, GPT, "--name", "gpt", "--example", "vocab_size=8", "--input", "idx=torch.zeros(2, 99)")
    assert "GPT.forward failed" in error and "--input" in error
