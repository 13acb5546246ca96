"""Exporting as a user does, and loading the folder as the Hub's users do: in a clean process."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

from modgen.export.isolated import run_clean
from tests.scaffold.helpers import modgen


ROOT = Path(__file__).resolve().parents[2]
HAND = ROOT / "tests" / "fixtures" / "export" / "hand"
PACKAGE = "mymodels"

# Sizes small enough to run forward in a test; every model's config is one of these.
LLAMA = {
    "hidden_size": 64,
    "intermediate_size": 128,
    "num_hidden_layers": 2,
    "num_attention_heads": 4,
    "num_key_value_heads": 2,
    "vocab_size": 256,
    "max_position_embeddings": 128,
}
CLIP = {
    "projection_dim": 16,
    "text_config": {
        "hidden_size": 32,
        "intermediate_size": 64,
        "num_hidden_layers": 2,
        "num_attention_heads": 4,
        "vocab_size": 99,
        "max_position_embeddings": 32,
        "projection_dim": 16,
        "bos_token_id": 0,
        "eos_token_id": 1,
        "pad_token_id": 1,
    },
    "vision_config": {
        "hidden_size": 48,
        "intermediate_size": 64,
        "num_hidden_layers": 3,
        "num_attention_heads": 4,
        "image_size": 30,
        "patch_size": 2,
        "projection_dim": 16,
    },
}


def make_project(folder: Path) -> Path:
    """A real `modgen init` project with a `like llama`, a `like clip` and a hand-written model."""
    project = folder / "project"
    for args in (["init", project, "--package", PACKAGE],):
        assert modgen(*args).returncode == 0
    for parent, name in (("llama", "tiny_llama"), ("clip", "tiny_clip")):
        result = modgen("like", parent, "--name", name, cwd=project)
        assert result.returncode == 0, result.stderr[-3000:]
    shutil.copytree(HAND, project / "src" / PACKAGE / "models" / "hand")
    return project


def write_json(path: Path, data: dict) -> Path:
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


SOURCE = """
import importlib, sys, torch
sys.path.insert(0, "src")
module = importlib.import_module({module!r})
config = getattr(module, {config!r}).from_json_file({config_file!r})
torch.manual_seed(1)
model = getattr(module, {model!r})(config).eval()
torch.save(model.state_dict(), {weights!r})
inputs = torch.load({inputs!r})
with torch.no_grad():
    expected = {{}}
    output = model(**inputs)
    expected.update({{key: output[key] for key in {keys!r}}})
    if {base_keys!r}:
        base = model.base_model(**{{k: v for k, v in inputs.items() if k in {base_inputs!r}}})
        expected.update({{"base." + key: base[key] for key in {base_keys!r}}})
torch.save(expected, {expected!r})
"""


def source_outputs(project: Path, scratch: Path, **fill) -> tuple[Path, dict]:
    """The source model (the project's class, imported from the project): its weights saved as a state dict,
    and its outputs on `scratch/inputs.pt`."""
    weights, expected = scratch / "weights.pt", scratch / "expected.pt"
    fill.setdefault("base_keys", [])
    fill.setdefault("base_inputs", [])
    code = SOURCE.format(weights=str(weights), inputs=str(scratch / "inputs.pt"), expected=str(expected), **fill)
    result = subprocess.run([sys.executable, "-c", code], cwd=project, capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stderr[-3000:]
    import torch

    return weights, torch.load(expected)


CLEAN = """
import json, sys, torch, transformers
for name in ("modgen", {package!r}):
    try:
        __import__(name)
    except ImportError:
        pass
    else:
        raise SystemExit(name + " is importable in the clean process")
folder = {folder!r}
inputs = torch.load({inputs!r})
actual, loaded = {{}}, {{}}
for auto, keys, use in {runs!r}:
    model = getattr(transformers, auto).from_pretrained(folder, trust_remote_code=True).eval()
    with torch.no_grad():
        output = model(**{{k: v for k, v in inputs.items() if not use or k in use}})
    actual.update({{prefix + key: output[key] for prefix, key in keys}})
auto_map = json.load(open(folder + "/config.json"))["auto_map"]
for auto in auto_map:
    loaded[auto] = type(getattr(transformers, auto).from_pretrained(folder, trust_remote_code=True)).__name__
config = transformers.AutoConfig.from_pretrained(folder, trust_remote_code=True)
torch.save(actual, {actual!r})
print("RESULT " + json.dumps({{"loaded": loaded, "auto_map": auto_map, "config": config.to_dict(),
    "config_classes": {{k: type(getattr(config, k)).__name__ for k in ("text_config", "vision_config") if hasattr(config, k)}},
    "modules": sorted(m for m in sys.modules if m.startswith("transformers_modules"))}}))
"""


def clean_outputs(folder: Path, scratch: Path, runs: list) -> tuple[dict, dict]:
    """Load the folder with transformers' Auto classes in a clean process (no modgen, no project) and run it.
    `runs`: (Auto class, [(prefix, output key)], input names to pass or [] for all)."""
    import torch

    actual = scratch / "actual.pt"
    code = CLEAN.format(
        package=PACKAGE, folder=str(folder), inputs=str(scratch / "inputs.pt"), actual=str(actual), runs=runs
    )
    cwd = scratch / "elsewhere"
    cwd.mkdir(exist_ok=True)
    result = run_clean(code, cwd=cwd, modules_cache=scratch / "modules")
    assert result.returncode == 0, result.stderr[-3000:]
    line = next(x for x in result.stdout.splitlines() if x.startswith("RESULT "))
    return torch.load(actual), json.loads(line.removeprefix("RESULT "))
