"""The proof on the three ported models of issue 13 (timm resnet18, a research GPT, a research encoder-decoder):
`modgen port` into a new project, `modgen export --weights` of the original's own state dict, then the folder
loaded by the Auto class in a process without modgen or the project gives the original's outputs (atol 1e-5)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from tests.export.helpers import clean_outputs
from tests.port.helpers import CASES, modgen, new_project


pytestmark = pytest.mark.slow

ORIGINAL = """
import sys, torch
torch.manual_seed(0)
{build}
original.eval()
torch.manual_seed(1)
{inputs}
torch.save(original.state_dict(), {weights!r})
torch.save(inputs, {inputs_file!r})
with torch.no_grad():
    expected = original(*inputs.values())
torch.save(expected if isinstance(expected, torch.Tensor) else expected[0], {expected!r})
"""


@pytest.mark.parametrize("key", list(CASES))
def test_ported_model_exported(tmp_path: Path, key: str):
    case = CASES[key]
    project = new_project(tmp_path / "project", package="mymodels")
    examples = [a for e in case.examples for a in ("--example", e)]
    result = modgen("port", case.target, "--name", case.name, *examples, cwd=project)
    assert result.returncode == 0, result.stderr[-3000:]

    # the original, from its own code (not the port's copy): its state dict, an input, its output
    weights, expected = tmp_path / "original.pt", tmp_path / "expected.pt"
    code = ORIGINAL.format(
        build=case.build,
        inputs=case.inputs,
        weights=str(weights),
        inputs_file=str(tmp_path / "inputs.pt"),
        expected=str(expected),
    )
    subprocess.run([sys.executable, "-c", code], cwd=tmp_path, check=True, capture_output=True, timeout=900)

    out = tmp_path / "hub"
    result = modgen("export", case.name, "--out", out, "--weights", weights, "--push-script", "--json", cwd=project)
    assert result.returncode == 0, result.stderr[-3000:]
    exported = json.loads(result.stdout)
    assert exported["model_class"] == case.model_class and exported["main_auto_class"] == case.auto
    if case.target.split(":")[0].endswith(".py"):  # the original's file, copied by port, is carried
        assert any(name.startswith("original_") for name in exported["files"])
    else:  # timm stays an import of the installed package
        assert (
            "import timm" in (out / f"modeling_{case.name}.py").read_text()
            or "from timm" in (out / f"modeling_{case.name}.py").read_text()
        )

    actual, info = clean_outputs(out, tmp_path, [(case.auto, [("", "logits")], [])])
    torch.testing.assert_close(actual["logits"], torch.load(expected), atol=1e-5, rtol=0)
    assert info["loaded"][case.auto] == case.model_class
    assert (
        info["loaded"]["AutoConfig"]
        == json.loads((out / "config.json").read_text())["auto_map"]["AutoConfig"].split(".")[-1]
    )
