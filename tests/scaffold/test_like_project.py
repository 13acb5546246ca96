"""`modgen like` in a project made by `modgen init`: one project, a parent of every kind.

Each new model must build through the Auto classes once `mylib.models.<name>` is imported, and give the same
outputs as its parent with the same weights. The generated files import transformers absolutely and carry
`# Copied from` markers that `modgen check` verifies.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.scaffold.helpers import make, modgen


# new name -> (parent, Auto class to build it, tiny config, inputs)
CASES = {
    "bob": (
        "llama",
        "AutoModelForCausalLM",
        {
            "vocab_size": 99,
            "hidden_size": 32,
            "intermediate_size": 64,
            "num_hidden_layers": 2,
            "num_attention_heads": 4,
            "num_key_value_heads": 2,
            "max_position_embeddings": 64,
            "pad_token_id": 0,
            "bos_token_id": 1,
            "eos_token_id": 2,
        },
        "ids",
    ),
    "moe_bob": (
        "mixtral",
        "AutoModelForCausalLM",
        # Sizes that are multiples of 4 floats: the grouped expert matmul needs 16-byte strides on CPU.
        {
            "vocab_size": 99,
            "hidden_size": 32,
            "intermediate_size": 64,
            "num_hidden_layers": 2,
            "num_attention_heads": 4,
            "num_key_value_heads": 2,
            "max_position_embeddings": 64,
            "num_local_experts": 4,
            "num_experts_per_tok": 2,
        },
        "ids",
    ),
    "enc_bob": (
        "bert",
        "AutoModelForMaskedLM",
        {
            "vocab_size": 99,
            "hidden_size": 32,
            "num_hidden_layers": 2,
            "num_attention_heads": 4,
            "intermediate_size": 37,
            "max_position_embeddings": 64,
        },
        "ids",
    ),
    "seq_bob": (
        "t5",
        "AutoModelForSeq2SeqLM",
        {
            "vocab_size": 99,
            "d_model": 32,
            "d_kv": 8,
            "d_ff": 37,
            "num_layers": 2,
            "num_decoder_layers": 2,
            "num_heads": 4,
            "decoder_start_token_id": 0,
        },
        "seq2seq",
    ),
    "vis_bob": (
        "vit",
        "AutoModelForImageClassification",
        {
            "image_size": 32,
            "patch_size": 8,
            "hidden_size": 32,
            "num_hidden_layers": 2,
            "num_attention_heads": 4,
            "intermediate_size": 37,
            "num_labels": 3,
        },
        "pixels",
    ),
    "speech_bob": (
        "wav2vec2",
        "AutoModelForCTC",
        {
            "vocab_size": 32,
            "hidden_size": 32,
            "num_hidden_layers": 2,
            "num_attention_heads": 4,
            "intermediate_size": 37,
            "conv_dim": (32, 32),
            "conv_stride": (4, 4),
            "conv_kernel": (8, 8),
            "num_conv_pos_embeddings": 16,
            "num_conv_pos_embedding_groups": 2,
            "num_feat_extract_layers": 2,
        },
        "speech",
    ),
    "duo_bob": (
        "clip",
        "AutoModel",
        {
            "text_config": {
                "vocab_size": 99,
                "hidden_size": 32,
                "intermediate_size": 37,
                "num_hidden_layers": 2,
                "num_attention_heads": 4,
                "max_position_embeddings": 64,
            },
            "vision_config": {
                "image_size": 32,
                "patch_size": 8,
                "hidden_size": 32,
                "intermediate_size": 37,
                "num_hidden_layers": 2,
                "num_attention_heads": 4,
            },
            "projection_dim": 16,
        },
        "clip",
    ),
}

EQUIVALENCE = """
import importlib, json, sys, traceback
import torch
import transformers


def check(name, parent, auto, tiny, inputs):
    importlib.import_module(f"mylib.models.{name}")  # registers the model with the Auto classes
    auto = getattr(transformers, auto)
    config = transformers.AutoConfig.for_model(name, **tiny)
    assert type(config).__module__ == f"mylib.models.{name}.configuration_{name}", type(config)
    torch.manual_seed(0)
    model = auto.from_config(config).eval()
    assert type(model).__module__ == f"mylib.models.{name}.modeling_{name}", type(model)
    reference = auto.from_config(transformers.AutoConfig.for_model(parent, **tiny)).eval()
    assert type(reference).__module__.startswith("transformers.models."), type(reference)
    # Same weights; the base model's attribute is renamed with the model (`self.bert` -> `self.enc_bob`).
    ours, theirs = model.base_model_prefix + ".", reference.base_model_prefix + "."
    state = {(theirs + k[len(ours):] if k.startswith(ours) else k): v for k, v in model.state_dict().items()}
    reference.load_state_dict(state, strict=True)
    ids = torch.randint(3, 99, (2, 7))
    arguments = {
        "ids": dict(input_ids=ids),
        "seq2seq": dict(input_ids=ids, decoder_input_ids=ids[:, :4]),
        "pixels": dict(pixel_values=torch.randn(2, 3, 32, 32)),
        "speech": dict(input_values=torch.randn(2, 800)),
        "clip": dict(input_ids=ids, pixel_values=torch.randn(2, 3, 32, 32)),
    }[inputs]
    with torch.no_grad():
        key = "logits_per_image" if inputs == "clip" else "logits"
        torch.testing.assert_close(model(**arguments)[key], reference(**arguments)[key], atol=1e-5, rtol=0)
    if inputs == "ids" and model.can_generate():
        generated = model.generate(ids, max_new_tokens=4, do_sample=False)
        torch.testing.assert_close(generated, reference.generate(ids, max_new_tokens=4, do_sample=False))
    return type(model).__name__


results = {}
for name, case in json.loads(sys.argv[1]).items():
    try:
        results[name] = ["OK", check(name, *case)]
    except BaseException:
        results[name] = ["FAILED", traceback.format_exc()]
print(json.dumps(results))
"""


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> tuple[Path, dict[str, subprocess.CompletedProcess]]:
    """One project with a model like each parent."""
    root = tmp_path_factory.mktemp("project") / "models"
    assert modgen("init", root, "--package", "mylib").returncode == 0
    results = {name: modgen("like", parent, "--name", name, cwd=root) for name, (parent, *_) in CASES.items()}
    return root, results


@pytest.fixture(scope="module")
def equivalence(project) -> dict[str, list[str]]:
    """Each new model against its parent, all in one fresh process (torch and transformers load once)."""
    root, results = project
    made = {name: case for name, case in CASES.items() if results[name].returncode == 0}
    run = subprocess.run(
        [sys.executable, "-c", EQUIVALENCE, json.dumps(made)],
        cwd=root,
        env={**os.environ, "PYTHONPATH": str(root / "src")},
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    return json.loads(run.stdout.splitlines()[-1])  # transformers logs to stdout before


@pytest.mark.slow
@pytest.mark.parametrize("name", list(CASES))
def test_model_like_each_kind_of_parent(project, equivalence, name: str):
    root, results = project
    assert results[name].returncode == 0, results[name].stderr
    modeling = (root / "src" / "mylib" / "models" / name / f"modeling_{name}.py").read_text()
    assert "from transformers." in modeling and "from ...modeling_utils" not in modeling  # absolute imports
    status, detail = equivalence[name]
    assert status == "OK", detail


@pytest.mark.slow
def test_markers_are_written_and_verified(project):
    root, results = project
    assert results["bob"].returncode == 0, results["bob"].stderr
    modeling = (root / "src" / "mylib" / "models" / "bob" / "modeling_bob.py").read_text()
    assert "# Copied from transformers.models.llama.modeling_llama.LlamaMLP with Llama->Bob" in modeling
    check = modgen("check", cwd=root)
    assert check.returncode == 0, check.stdout + check.stderr


@pytest.mark.slow
def test_readme_and_checklist(project):
    root, results = project
    readme = (root / "README.md").read_text()
    for name in CASES:
        assert f"import mylib.models.{name}" in readme
    assert "Left to you:" in results["bob"].stdout


@pytest.mark.slow
def test_make_test_passes(tmp_path: Path):
    """A project with a model like llama passes its own checks and tests: `make repo-consistency quality test`."""
    root = tmp_path / "project"
    assert modgen("init", root, "--package", "mylib").returncode == 0
    like = modgen("like", "llama", "--name", "bob", cwd=root)
    assert like.returncode == 0, like.stderr
    assert (root / "tests" / "models" / "bob" / "test_modeling_bob.py").is_file()
    # Generated files in sync with the modular file, markers verified, ruff-clean: what the project's CI runs.
    checks = make(root, "repo-consistency", "quality")
    assert checks.returncode == 0, checks.stdout[-3000:] + checks.stderr[-2000:]
    run = make(root, "test")
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-2000:]
    assert " passed" in run.stdout.splitlines()[-1] and "failed" not in run.stdout.splitlines()[-1]


@pytest.mark.slow  # builds closest's index of transformers when no cached one is there
def test_parent_found_from_a_modeling_file(tmp_path: Path, installed_tree):
    """PARENT given as a .py file: the closest model of transformers is used, and the user is told which."""
    root = tmp_path / "project"
    assert modgen("init", root, "--package", "mylib").returncode == 0
    custom = tmp_path / "my_modeling.py"  # research code that is, in fact, Mistral's
    custom.write_text((installed_tree.models["mistral"].folder / "modeling_mistral.py").read_text())
    result = modgen("like", custom, "--name", "alice", "--dry-run", "--json", cwd=root)
    assert result.returncode == 0, result.stderr
    assert f"closest model to {custom}: mistral" in result.stderr
    plan = json.loads(result.stdout)
    assert plan["parent"]["folder"] == "mistral"
    assert plan["new"]["name"] == "alice"
    assert not (root / "src" / "mylib" / "models" / "alice").exists()


def test_registrations_needing_optional_backends_are_guarded(tmp_path: Path):
    """A reused tokenizer that needs sentencepiece (not installed here) must not break `import mylib.models.x`."""
    import ast

    from modgen.repo import Repository
    from modgen.scaffold.mappings import auto_classes
    from modgen.scaffold.plan import make_plan
    from modgen.scaffold.register_project import project_init

    root = tmp_path / "project"
    assert modgen("init", root, "--package", "mylib").returncode == 0
    plan = make_plan(Repository.discover(root), "speech_to_text", "s2t_bob")
    text, skipped = project_init(plan.context, plan.classes, plan.entries, auto_classes(plan.context.tree), "")
    assert skipped == []
    module = ast.parse(text)
    guarded = {
        node.test.func.id: ast.unparse(node)
        for node in module.body
        if isinstance(node, ast.If) and isinstance(node.test, ast.Call)
    }
    assert "Speech2TextTokenizer" in guarded["is_sentencepiece_available"]
    unguarded = "\n".join(ast.unparse(node) for node in module.body if not isinstance(node, ast.If))
    assert "Speech2TextTokenizer" not in unguarded
    assert "AutoModelForSpeechSeq2Seq.register(S2TBobConfig, S2TBobForConditionalGeneration" in unguarded


def test_helper_modules_of_the_parent_are_copied(tmp_path: Path):
    """whisper's modeling file imports `.generation_whisper`; the flattened file imports `.generation_NEW`."""
    import ast

    from modgen.repo import Repository
    from modgen.scaffold.helpers import copy_helper
    from modgen.scaffold.plan import make_plan

    root = tmp_path / "project"
    assert modgen("init", root, "--package", "mylib").returncode == 0
    plan = make_plan(Repository.discover(root), "whisper", "wbob")
    folder = root.resolve() / "src" / "mylib" / "models" / "wbob"
    (new_path, helper), *others = plan.helpers.items()
    assert others == [] and new_path == folder / "generation_wbob.py" and helper.name == "generation_whisper.py"
    module = ast.parse(copy_helper(plan.context, helper))
    classes = {node.name for node in module.body if isinstance(node, ast.ClassDef)}
    assert "WbobGenerationMixin" in classes and "WhisperGenerationMixin" not in classes
    imports = {node.module: node.level for node in module.body if isinstance(node, ast.ImportFrom)}
    assert all(level == 0 for level in imports.values()), imports  # absolute in a project
    assert "transformers.models.whisper.tokenization_whisper" in imports  # the reused tokenizer's module
    assert "transformers.generation" in imports
