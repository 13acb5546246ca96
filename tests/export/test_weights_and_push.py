"""--weights in each format a training script writes, the model card's front matter, push_to_hub.py --dry-run."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
import torch
from huggingface_hub import ModelCard
from safetensors.torch import save_file

from tests.export.helpers import clean_outputs
from tests.scaffold.helpers import modgen


pytestmark = pytest.mark.slow

SOURCE = """
import sys, torch
sys.path.insert(0, "src")
from mymodels.models.hand import HandConfig, HandForSequenceClassification
torch.manual_seed(7)
model = HandForSequenceClassification(HandConfig()).eval()
with torch.no_grad():
    logits = model(input_ids=torch.load({inputs!r})["input_ids"]).logits
torch.save({{"state_dict": model.state_dict(), "logits": logits}}, {out!r})
"""


@pytest.fixture(scope="module")
def trained(project, tmp_path_factory):
    """A state dict of the hand-written model (the project's class), and its outputs."""
    folder = tmp_path_factory.mktemp("trained")
    torch.manual_seed(0)
    torch.save({"input_ids": torch.randint(0, 50, (3, 6))}, folder / "inputs.pt")
    code = SOURCE.format(inputs=str(folder / "inputs.pt"), out=str(folder / "trained.pt"))
    subprocess.run([sys.executable, "-c", code], cwd=project, check=True, capture_output=True)
    saved = torch.load(folder / "trained.pt")
    return folder, saved["state_dict"], saved["logits"]


@pytest.mark.parametrize("form", ["safetensors", "bin", "pt-wrapped"])
def test_weights_converted(project, trained, tmp_path, form):
    folder, state_dict, logits = trained
    if form == "safetensors":
        weights = tmp_path / "model.safetensors"
        save_file({k: v.contiguous() for k, v in state_dict.items()}, str(weights))
    elif form == "bin":
        weights = tmp_path / "pytorch_model.bin"
        torch.save(state_dict, weights)
    else:  # a training checkpoint: the state dict under "model", beside an optimizer's state
        weights = tmp_path / "checkpoint.pt"
        torch.save({"model": state_dict, "epoch": 3}, weights)
    out = tmp_path / "hub"
    result = modgen("export", "hand", "--out", out, "--weights", weights, "--json", cwd=project)
    assert result.returncode == 0, result.stderr[-3000:]
    assert json.loads(result.stdout)["weights"] == str(weights)
    (tmp_path / "inputs.pt").write_bytes((folder / "inputs.pt").read_bytes())
    actual, _ = clean_outputs(out, tmp_path, [("AutoModelForSequenceClassification", [("", "logits")], [])])
    torch.testing.assert_close(actual["logits"], logits, atol=1e-5, rtol=0)


def test_base_model_weights_export_the_base_model(project, trained, tmp_path):
    """Weights without the head are the base model's: the folder is for HandModel, loaded by AutoModel."""
    _, state_dict, _ = trained
    base = {k.removeprefix("hand."): v for k, v in state_dict.items() if k.startswith("hand.")}
    weights = tmp_path / "base.pt"
    torch.save(base, weights)
    out = tmp_path / "hub"
    result = modgen("export", "hand", "--out", out, "--weights", weights, "--json", cwd=project)
    assert result.returncode == 0, result.stderr[-3000:]
    data = json.loads(result.stdout)
    assert (data["model_class"], data["main_auto_class"]) == ("HandModel", "AutoModel")
    assert json.loads((out / "config.json").read_text())["architectures"] == ["HandModel"]


def test_model_card_and_push_script(project, tmp_path):
    out = tmp_path / "hub"
    result = modgen("export", "hand", "--out", out, "--push-script", "--repo-id", "someone/hand-model", cwd=project)
    assert result.returncode == 0, result.stderr[-3000:]
    card = ModelCard.load(out / "README.md")
    assert card.data.library_name == "transformers"
    assert card.data.pipeline_tag == "text-classification"
    assert card.data.license == "apache-2.0"
    assert "custom_code" in card.data.tags
    assert 'AutoModelForSequenceClassification.from_pretrained("REPO_ID", trust_remote_code=True)' in card.text

    # a user's plain python, from elsewhere, no network: lists what it would upload, itself excluded
    run = subprocess.run(
        [sys.executable, "-I", str(out / "push_to_hub.py"), "--dry-run"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env={"HF_HUB_OFFLINE": "1", "PATH": "/usr/bin:/bin"},
    )
    assert run.returncode == 0, run.stderr
    lines = run.stdout.splitlines()
    expected = sorted(p.name for p in out.iterdir() if p.name != "push_to_hub.py")
    assert lines[0].startswith(f"would upload {len(expected)} files") and "someone/hand-model" in lines[0]
    listed = sorted(line.split()[0] for line in lines[1:])
    assert listed == expected and "model.safetensors" in listed and "layers.py" in listed
