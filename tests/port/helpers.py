"""A `modgen init` project to port into, the three models the issue names, and a new process that loads a ported
model through the Auto classes and compares it with the original."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from modgen.scaffold.init import init_project


FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "port"


@dataclass
class Case:
    """A model to port, and how a user builds the original and runs it (for the independent comparison)."""

    target: str
    name: str
    examples: tuple[str, ...]
    task: str
    auto: str
    model_class: str
    build: str  # Python that binds `original` (the original's own code, not the port's copy)
    inputs: str  # Python that binds `inputs`, transformers' names -> tensors, in the original forward's order


CASES = {
    "timm_resnet18": Case(
        "timm.models.resnet:ResNet",
        "timm_resnet18",
        ("timm.create_model('resnet18')",),
        "image-classification",
        "AutoModelForImageClassification",
        "TimmResnet18ForImageClassification",
        "import timm; original = timm.create_model('resnet18')",
        "inputs = {'pixel_values': torch.randn(2, 3, 64, 64)}",
    ),
    "research_gpt": Case(
        f"{FIXTURES / 'gpt' / 'model.py'}:GPT",
        "research_gpt",
        ("vocab_size=320",),
        "causal-lm",
        "AutoModelForCausalLM",
        "ResearchGptForCausalLM",
        f"sys.path.insert(0, {str(FIXTURES / 'gpt')!r}); from model import GPT; original = GPT(vocab_size=320)",
        "inputs = {'input_ids': torch.randint(0, 64, (2, 11))}",
    ),
    "research_translator": Case(
        f"{FIXTURES / 'seq2seq' / 'translate.py'}:Seq2SeqTransformer",
        "research_translator",
        ("Seq2SeqTransformer(src_vocab_size=96, tgt_vocab_size=80, activation='gelu')",),
        "seq2seq-lm",
        "AutoModelForSeq2SeqLM",
        "ResearchTranslatorForConditionalGeneration",
        f"sys.path.insert(0, {str(FIXTURES / 'seq2seq')!r}); from translate import Seq2SeqTransformer; "
        "original = Seq2SeqTransformer(src_vocab_size=96, tgt_vocab_size=80, activation='gelu')",
        "inputs = {'input_ids': torch.randint(0, 80, (2, 9)), 'decoder_input_ids': torch.randint(0, 80, (2, 6))}",
    ),
}


def new_project(folder: Path, package: str = "portmodels") -> Path:
    init_project(folder, package)
    return folder


def files_of(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def modgen(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess:
    """`modgen ARGS...` in a new process, as a user runs it."""
    command = [sys.executable, "-m", "modgen", *map(str, args)]
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=900)


# Run in a new process with only the project's `src` (and neither modgen nor the test-suite) on its path.
LOAD_THROUGH_AUTO = """
import json, sys, tempfile
import torch
import transformers
from transformers import AutoConfig

import {package}  # registers the model
torch.manual_seed(0)
{build}
original.eval()
{inputs}
with tempfile.TemporaryDirectory() as folder:
    AutoConfig.for_model({model_type!r}).save_pretrained(folder)
    torch.save(original.state_dict(), folder + "/pytorch_model.bin")
    model, info = getattr(transformers, {auto!r}).from_pretrained(folder, output_loading_info=True)
with torch.no_grad():
    expected = original(*inputs.values())
    expected = expected if isinstance(expected, torch.Tensor) else expected[0]
    output = model.eval()(**inputs)[0]
print(json.dumps({{
    "class": type(model).__name__,
    "missing": sorted(info["missing_keys"]),
    "unexpected": sorted(info["unexpected_keys"]),
    "max_difference": (output - expected).abs().max().item(),
    "modgen_imported": "modgen" in sys.modules,
}}))
"""


def load_through_auto(project: Path, case: Case, package: str) -> dict:
    code = LOAD_THROUGH_AUTO.format(
        package=package, build=case.build, inputs=case.inputs, model_type=case.name, auto=case.auto
    )
    environment = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    environment["PYTHONPATH"] = str(project / "src")
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=project, env=environment, capture_output=True, text=True, timeout=600
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])
