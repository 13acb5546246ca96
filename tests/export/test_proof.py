"""The issue's proof: an exported folder, loaded by transformers' Auto classes with trust_remote_code in a process
that has neither modgen nor the project, gives the source model's outputs (atol 1e-5)."""

from __future__ import annotations

import json

import pytest
import torch

from tests.export.helpers import CLIP, LLAMA, clean_outputs, source_outputs, write_json
from tests.scaffold.helpers import modgen


pytestmark = pytest.mark.slow
ATOL = 1e-5


def export(project, name, out, *args):
    result = modgen("export", name, "--out", out, "--json", *args, cwd=project)
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout)


def assert_same(expected: dict, actual: dict) -> None:
    assert set(expected) == set(actual)
    for key, value in expected.items():
        assert actual[key].shape == value.shape, key
        torch.testing.assert_close(actual[key], value, atol=ATOL, rtol=0, msg=key)


def test_like_llama(project, tmp_path):
    config = write_json(tmp_path / "config.json", {"model_type": "tiny_llama", **LLAMA})
    torch.manual_seed(0)
    input_ids = torch.randint(0, LLAMA["vocab_size"], (2, 9))
    attention_mask = torch.ones_like(input_ids)
    attention_mask[1, :3] = 0  # a padded row: the batch path, not only one example
    torch.save({"input_ids": input_ids, "attention_mask": attention_mask}, tmp_path / "inputs.pt")
    weights, expected = source_outputs(
        project,
        tmp_path,
        module="mymodels.models.tiny_llama",
        config="TinyLlamaConfig",
        model="TinyLlamaForCausalLM",
        config_file=str(config),
        keys=["logits"],
        base_keys=["last_hidden_state"],
        base_inputs=["input_ids", "attention_mask"],
    )
    out = tmp_path / "hub"
    result = export(project, "tiny_llama", out, "--config", config, "--weights", weights)
    assert result["model_class"] == "TinyLlamaForCausalLM"
    assert sorted(result["files"]) == sorted(
        [
            "README.md",
            "config.json",
            "configuration_tiny_llama.py",
            "generation_config.json",
            "model.safetensors",
            "modeling_tiny_llama.py",
        ]
    )
    actual, info = clean_outputs(
        out,
        tmp_path,
        [("AutoModelForCausalLM", [("", "logits")], []), ("AutoModel", [("base.", "last_hidden_state")], [])],
    )
    assert_same(expected, actual)
    registered = {
        "AutoConfig",
        "AutoModel",
        "AutoModelForCausalLM",
        "AutoModelForSequenceClassification",
        "AutoModelForQuestionAnswering",
        "AutoModelForTokenClassification",
    }
    assert set(info["auto_map"]) == registered
    assert info["loaded"] == {auto: ref.split(".")[-1] for auto, ref in info["auto_map"].items()}
    assert info["config"]["hidden_size"] == LLAMA["hidden_size"]
    assert any(m.endswith(".modeling_tiny_llama") for m in info["modules"])  # the code came from the folder


def test_like_clip_with_sub_configs(project, tmp_path):
    config = write_json(tmp_path / "config.json", {"model_type": "tiny_clip", **CLIP})
    torch.manual_seed(0)
    vocab = CLIP["text_config"]["vocab_size"]
    inputs = {
        "input_ids": torch.randint(2, vocab, (3, 7)),
        "pixel_values": torch.randn(2, 3, 30, 30),
    }
    torch.save(inputs, tmp_path / "inputs.pt")
    weights, expected = source_outputs(
        project,
        tmp_path,
        module="mymodels.models.tiny_clip",
        config="TinyCLIPConfig",
        model="TinyCLIPModel",
        config_file=str(config),
        keys=["logits_per_image", "text_embeds", "image_embeds"],
    )
    out = tmp_path / "hub"
    result = export(project, "tiny_clip", out, "--config", config, "--weights", weights)
    assert result["model_class"] == "TinyCLIPModel"
    keys = [("", "logits_per_image"), ("", "text_embeds"), ("", "image_embeds")]
    actual, info = clean_outputs(out, tmp_path, [("AutoModelForZeroShotImageClassification", keys, [])])
    assert_same(expected, actual)
    # the sub-configs round-trip through config.json as the model's own classes, with their sizes
    assert info["config_classes"] == {"text_config": "TinyCLIPTextConfig", "vision_config": "TinyCLIPVisionConfig"}
    for sub in ("text_config", "vision_config"):
        for key, value in CLIP[sub].items():
            assert info["config"][sub][key] == value, (sub, key)
    assert {
        "AutoModel",
        "AutoModelForZeroShotImageClassification",
        "AutoModelForImageClassification",
        "AutoImageProcessor",
        "AutoProcessor",
    } <= set(info["auto_map"])
    for auto, ref in info["auto_map"].items():
        names = ref.values() if isinstance(ref, dict) else [ref]
        assert info["loaded"][auto] in [n.split(".")[-1] for n in names], auto
    # registrations for a sub-config alone cannot be served by the folder's one config.json: said, not hidden
    assert any("AutoModelForTextEncoding" in note for note in result["notes"])


def test_hand_written_model_random_weights(project, tmp_path):
    """Absolute imports of the project's own package, a helper module, and random weights (the source model is
    the project's class loading the folder's safetensors)."""
    out = tmp_path / "hub"
    result = export(project, "hand", out, "--seed", "3")
    assert result["model_class"] == "HandForSequenceClassification"
    assert "layers.py" in result["files"]
    text = (out / "modeling_hand.py").read_text()
    assert "from .configuration_hand import HandConfig" in text and "mymodels" not in text
    torch.manual_seed(0)
    torch.save({"input_ids": torch.randint(0, 50, (2, 5))}, tmp_path / "inputs.pt")
    code = f"""
import sys, torch
sys.path.insert(0, "src")
from mymodels.models.hand import HandForSequenceClassification
model = HandForSequenceClassification.from_pretrained({str(out)!r}).eval()
with torch.no_grad():
    torch.save({{"logits": model(**torch.load({str(tmp_path / "inputs.pt")!r})).logits}}, {str(tmp_path / "expected.pt")!r})
"""
    import subprocess
    import sys

    subprocess.run([sys.executable, "-c", code], cwd=project, check=True, capture_output=True)
    expected = torch.load(tmp_path / "expected.pt")
    actual, info = clean_outputs(out, tmp_path, [("AutoModelForSequenceClassification", [("", "logits")], [])])
    assert_same(expected, actual)
    assert info["loaded"] == {
        "AutoConfig": "HandConfig",
        "AutoModel": "HandModel",
        "AutoModelForSequenceClassification": "HandForSequenceClassification",
    }
