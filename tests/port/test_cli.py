"""`modgen port` as a user runs it, beyond the three models: `--beside`, `--dry-run`, `--json`, and a port whose
written tests fail (nothing is kept, exit 1)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.port.helpers import FIXTURES, files_of, modgen, new_project


def test_beside_the_original(tmp_path: Path):
    """The validation-mode layout: a package beside the research code, importing it where it is."""
    repository = tmp_path / "research"
    shutil.copytree(FIXTURES / "gpt", repository)
    result = modgen(
        "port", "model.py:GPT", "--name", "nano", "--beside", "--example", "vocab_size=100", "--json", cwd=repository
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["layout"] == "beside" and report["task"] == "causal-lm"
    assert sorted(w["path"] for w in report["written"]) == [
        "hf_nano/MODEL_CARD.md",
        "hf_nano/__init__.py",
        "hf_nano/configuration_nano.py",
        "hf_nano/modeling_nano.py",
        "hf_nano/test_modeling_nano.py",
    ]
    modeling = (repository / "hf_nano" / "modeling_nano.py").read_text()
    assert "from model import GPT" in modeling  # the original where it is, not a copy
    assert (repository / "model.py").read_text() == (FIXTURES / "gpt" / "model.py").read_text()
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "hf_nano"],
        cwd=repository,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert run.returncode == 0, run.stdout + run.stderr


def test_dry_run_json_writes_nothing(tmp_path: Path):
    project = new_project(tmp_path / "project")
    before = files_of(project)
    result = modgen(
        "port",
        "timm.models.resnet:ResNet",
        "--name",
        "r18",
        "--example",
        "timm.create_model('resnet18')",
        "--dry-run",
        "--json",
        cwd=project,
    )
    assert result.returncode == 0, result.stderr
    assert files_of(project) == before
    report = json.loads(result.stdout)
    assert report["classes"] == ["R18Config", "R18PreTrainedModel", "R18ForImageClassification"]
    assert report["auto_class"] == "AutoModelForImageClassification"
    assert report["config_fields"]["layers"] == [2, 2, 2, 2]
    assert report["fixed_arguments"] == {"block": "BasicBlock"}
    assert report["defaults_kept_in_code"] == ["act_layer", "norm_layer"]
    assert report["checks"] == ["output_stride in (8, 16, 32)"]
    assert report["inputs"] == {"pixel_values": {"kind": "image", "shape": ["batch", 3, 224, 224]}}
    assert report["output_shape"] == [2, 1000]
    assert any("`block=BasicBlock` is written in modeling_r18.py" in item for item in report["left_to_you"])


NOISY = """
import torch


class Noisy(torch.nn.Module):
    def __init__(self, width=4):
        super().__init__()
        self.proj = torch.nn.Linear(width, width)

    def forward(self, x):
        return self.proj(x) + torch.rand_like(x)  # not deterministic: no port of it can match it
"""


@pytest.mark.slow
def test_failing_written_tests_keep_nothing(tmp_path: Path):
    project = new_project(tmp_path / "project")
    (tmp_path / "noisy.py").write_text(NOISY)
    before = files_of(project)
    result = modgen("port", f"{tmp_path / 'noisy.py'}:Noisy", "--name", "noisy", cwd=project)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "the tests written for noisy fail, so nothing was written" in result.stderr
    assert "test_same_outputs_as_original" in result.stderr
    assert files_of(project) == before
