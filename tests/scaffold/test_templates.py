"""modgen's test templates, tiny configs and their rendering, for parents of every family.

The rendered tests are run for real (pytest in a subprocess, real torch models). The new model they test is a
stand-in made the way a project made by `modgen init` holds one: a package `<project>.models.<new>` whose
classes are the parent's under new names, registered with the Auto classes when imported. (`modgen like`'s own
tests cover the real flattened models; these cover the templates for each family.)
"""

from __future__ import annotations

import ast
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from modgen.formatting import DEFAULT_RUFF_CONFIG, ruff_binary
from modgen.naming import camel_case, prefix_of_config
from modgen.repo import RepoKind, Repository, Settings
from modgen.scaffold import tiny
from modgen.scaffold.tests_writer import (
    TemplateSpec,
    describe_parent,
    inline_inputs,
    render_template,
    templates_dir,
    write_tests,
)
from modgen.transaction import Transaction


ROOT = Path(__file__).resolve().parents[2]
# A representative of each family: decoder LMs (MoE too), encoders, encoder-decoders, vision, speech, multimodal.
PARENTS = {
    "llama": "causal_lm",
    "mixtral": "causal_lm",
    "qwen2_moe": "causal_lm",
    "bert": "encoder",
    "t5": "seq2seq",
    "bart": "seq2seq",
    "vit": "vision",
    "whisper": "speech_seq2seq",
    "wav2vec2": "speech",
    "llava": "vlm",
    "clip": "dual_encoder",
}
# More parents whose family and tiny config are checked (their rendered tests pass too, but running them all
# would cost minutes).
MORE_PARENTS = {"gemma3": "vlm", "distilbert": "encoder", "gpt2": "causal_lm", "hubert": "speech", "mbart": "seq2seq"}
LAYER_FIELDS = ("num_hidden_layers", "num_layers", "n_layer", "encoder_layers", "decoder_layers", "num_decoder_layers")


def parent_prefix(tree, model_type: str) -> str:
    return prefix_of_config(tree.config_mapping[model_type])


@pytest.mark.parametrize("model_type", sorted({**PARENTS, **MORE_PARENTS}))
def test_family(model_type):
    assert describe_parent(model_type).family == {**PARENTS, **MORE_PARENTS}[model_type]


def _levels(config):
    """A config and its sub-configs."""
    yield config
    for key in getattr(config, "sub_configs", {}) or {}:
        if getattr(config, key, None) is not None:
            yield from _levels(getattr(config, key))


@pytest.mark.parametrize("model_type", sorted({**PARENTS, **MORE_PARENTS}))
def test_tiny_config(model_type):
    """Within transformers' limits for model tests, with special tokens inside the vocabulary, and every model
    class of the parent builds from it (`verify_tiny_config` builds them on the meta device)."""
    parent = describe_parent(model_type)
    kwargs = tiny.tiny_config_kwargs(parent.config_class)
    config = parent.config_class(**kwargs)
    for level in _levels(config):
        for field in LAYER_FIELDS:
            assert getattr(level, field, None) is None or getattr(level, field) <= 2, (level.model_type, field)
        for field in ("hidden_size", "d_model"):
            assert not isinstance(getattr(level, field, None), int) or getattr(level, field) <= 40
        if isinstance(getattr(level, "vocab_size", None), int):
            assert level.vocab_size <= 100
            for key, value in level.to_dict().items():
                if key.endswith(("_token_id", "_token_index")) and isinstance(value, int):
                    assert 0 <= value < level.vocab_size, (level.model_type, key, value)
        if isinstance(getattr(level, "max_position_embeddings", None), int):
            assert level.max_position_embeddings <= 128
    sizes = tiny.verify_tiny_config(
        parent.config_class, kwargs, [getattr(__import__("transformers"), n) for n in parent.model_classes]
    )
    assert set(sizes) == set(parent.model_classes)
    assert all(0 < size < 1_000_000 for size in sizes.values())


def test_token_ids_stay_distinct_across_sub_configs():
    """llava's image token (32000) and its text model's missing pad token both need ids in the tiny vocabulary:
    different ones, or the model would take padding for images."""
    from transformers import LlavaConfig

    config = LlavaConfig(**tiny.tiny_config_kwargs(LlavaConfig))
    assert config.image_token_id < config.text_config.vocab_size
    assert config.text_config.pad_token_id is not None
    assert config.image_token_id != config.text_config.pad_token_id


def test_shrunk_sizes_keep_attention_valid():
    from transformers import MixtralConfig, T5Config

    mixtral = MixtralConfig(**tiny.tiny_config_kwargs(MixtralConfig))
    assert mixtral.num_attention_heads % mixtral.num_key_value_heads == 0
    assert mixtral.num_key_value_heads < mixtral.num_attention_heads  # grouped-query attention stays grouped
    assert mixtral.num_experts_per_tok <= mixtral.num_local_experts
    t5 = T5Config(**tiny.tiny_config_kwargs(T5Config))
    assert t5.d_kv * t5.num_heads == t5.d_model
    assert t5.decoder_start_token_id == t5.pad_token_id


def test_templates_are_clean_python():
    result = subprocess.run(
        [ruff_binary(), "check", "--no-cache", "--config", str(ROOT / "pyproject.toml"), str(templates_dir())],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout


def test_inline_inputs_hoists_imports_and_inlines_each_module_once():
    import libcst as cst

    template = cst.parse_module((templates_dir() / "test_modeling.py").read_text())
    module = inline_inputs(template, templates_dir(), {"causal_lm": "vlm"})
    code = module.code
    assert "from inputs" not in code
    assert code.count("def ordinary_token_ids(") == 1  # common.py, imported by the template and by vlm.py
    assert "def image_tokens(" in code  # vlm's builders replace causal_lm's
    tree = ast.parse(code)
    first_definition = next(
        i for i, node in enumerate(tree.body) if not isinstance(node, ast.Import | ast.ImportFrom | ast.Expr)
    )
    assert all(not isinstance(node, ast.Import | ast.ImportFrom) for node in tree.body[first_definition:])


def test_rendering_fills_in_the_parent(installed_tree):
    parent = describe_parent("bert")
    spec = TemplateSpec("encoder", "bob", {"hidden_size": 32}, parent, "Bert")
    code = render_template(spec).code
    assert "MODEL_TYPE = 'bob'" in code
    assert "BrandNewForMaskedLM: LlamaForMaskedLM" in code  # still in the placeholder pair's names
    assert "AutoModelForMultipleChoice: BrandNewForMultipleChoice" in code
    assert "GENERATIVE_CLASSES = (BrandNewLMHeadModel,)" in code  # BertLMHeadModel generates
    vit = render_template(TemplateSpec("vision", "bob", {}, describe_parent("vit"), "ViT")).code
    assert "def test_generate" not in vit and "GENERATIVE_CLASSES" not in vit


def _project(root: Path) -> Repository:
    package_dir = root / "src" / "standin"
    (package_dir / "models").mkdir(parents=True)
    (package_dir / "__init__.py").write_text("")
    (package_dir / "models" / "__init__.py").write_text("")
    (root / "pyproject.toml").write_text('[project]\nname = "standin"\n\n[tool.modgen]\npackage = "standin"\n')
    return Repository.discover(root)


def test_no_template_fits_writes_nothing_and_says_why(tmp_path, installed_tree):
    """siglip's text tower pools differently from clip's: no family's builders fit, so no tests (and a note)."""
    repo = _project(tmp_path)
    with Transaction(repo.root) as transaction:
        written = write_tests(
            transaction,
            repo,
            installed_tree.resolve_model("siglip"),
            parent_model_type="siglip",
            parent_prefix="Siglip",
            new_name="bob",
            new_prefix="Bob",
        )
        assert written.files == [] and transaction.changes == []
    assert written.notes and "tests/models/bob" in written.notes[0] and "siglip" in written.notes[0]


def _stand_in_model(package_dir: Path, new_name: str, model_type: str, tree) -> None:
    """`<package>.models.<new_name>`: the parent's classes under the new name, registered with the Auto classes."""
    parent = describe_parent(model_type)
    old, new = parent_prefix(tree, model_type), camel_case(new_name)
    rename = lambda name: new + name[len(old) :]  # noqa: E731
    lines = ["import transformers", "", "", f"class {new}Config(transformers.{parent.config_class.__name__}):"]
    lines += [f"    model_type = {new_name!r}", ""]
    for name in parent.model_classes:
        lines += ["", f"class {rename(name)}(transformers.{name}):", f"    config_class = {new}Config", ""]
    lines += ["", f"transformers.AutoConfig.register({new_name!r}, {new}Config)"]
    lines += [
        f"transformers.{auto}.register({new}Config, {rename(name)})" for auto, name in parent.auto_classes.items()
    ]
    folder = package_dir / "models" / new_name
    folder.mkdir(parents=True)
    (folder / "__init__.py").write_text("\n".join(lines) + "\n")


def _run_pytest(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(cwd / "src")}
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:randomly", "-rA", *args]
    return subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=900)


@pytest.mark.slow
def test_rendered_templates_pass_for_every_family(tmp_path, installed_tree):
    """One project with a new model made like each parent; every rendered test module passes (one pytest run, so
    torch and transformers are imported once)."""
    root = tmp_path / "project"
    repo = _project(root)
    package_dir = root / "src" / "standin"
    written = {}
    with Transaction(repo.root) as transaction:
        for model_type in PARENTS:
            new_name = f"bob_{model_type}"
            _stand_in_model(package_dir, new_name, model_type, installed_tree)
            written[model_type] = write_tests(
                transaction,
                repo,
                installed_tree.resolve_model(model_type),
                parent_model_type=model_type,
                parent_prefix=parent_prefix(installed_tree, model_type),
                new_name=new_name,
                new_prefix=camel_case(new_name),
            )
        transaction.commit()
    for model_type, result in written.items():
        assert result.family == PARENTS[model_type]
        test_file = root / "tests" / "models" / f"bob_{model_type}" / f"test_modeling_bob_{model_type}.py"
        assert result.files[-1] == test_file
        code = test_file.read_text()
        imported = {
            (node.module if isinstance(node, ast.ImportFrom) else alias.name).split(".")[0]
            for node in ast.walk(ast.parse(code))
            if isinstance(node, ast.Import | ast.ImportFrom)
            for alias in node.names
        }
        assert "modgen" not in imported and "inputs" not in imported  # the generated tests stand alone
        assert f"from standin.models.bob_{model_type} import" in code
        assert "BrandNew" not in code and "brand_new" not in code

    result = _run_pytest(root, "tests/models")
    passed = re.findall(r"^PASSED tests/models/bob_(\w+?)/\S+::(\w+)$", result.stdout, re.MULTILINE)
    failed = re.findall(r"^(?:FAILED|ERROR) (\S+)", result.stdout, re.MULTILINE)
    assert not failed and result.returncode == 0, result.stdout[-20000:]
    by_parent = {model_type: {test for parent, test in passed if parent == model_type} for model_type in PARENTS}
    for model_type, tests in by_parent.items():
        expected = {
            "test_config_is_tiny",
            "test_forward_shapes",
            "test_save_and_load",
            "test_auto_classes",
            "test_same_outputs_as_parent",
        }
        if describe_parent(model_type).generative:
            expected.add("test_generate")
        assert tests == expected, (model_type, tests)


@pytest.mark.slow
def test_rendered_template_in_transformers_itself(sdist_repo, installed_tree):
    """In a transformers checkout the tests import the new model from `transformers`. Rendered with NEW ==
    PARENT (llama), the module imports and passes against the checkout's own sources."""
    repo = Repository.discover(sdist_repo)
    with Transaction(repo.root) as transaction:
        result = write_tests(
            transaction,
            repo,
            repo.transformers.resolve_model("llama"),
            parent_model_type="llama",
            parent_prefix="Llama",
            new_name="llama",
            new_prefix="Llama",
        )
        transaction.commit()
    assert result.source == "template (causal_lm)"
    code = (sdist_repo / "tests" / "models" / "llama" / "test_modeling_llama.py").read_text()
    assert "LlamaConfig," in code and "from standin" not in code
    run = _run_pytest(sdist_repo, "tests/models/llama")
    assert run.returncode == 0, run.stdout[-20000:]
    assert "6 passed" in run.stdout


@pytest.mark.parametrize("kind", [RepoKind.TRANSFORMERS, RepoKind.PROJECT])
def test_rendered_module_imports_and_lints(tmp_path, installed_tree, kind):
    """Inside transformers the new model comes from `transformers`, in a project from `<package>.models.<new>`;
    either way the written file passes transformers' own ruff rules."""
    if kind is RepoKind.PROJECT:
        repo = _project(tmp_path)
    else:
        repo = Repository(tmp_path, kind, "transformers", Settings(markers=False), installed_tree)
    with Transaction(repo.root) as transaction:
        written = write_tests(
            transaction, repo, installed_tree.resolve_model("bart"), parent_model_type="bart", parent_prefix="Bart",
            new_name="bob", new_prefix="Bob",
        )  # fmt: skip
        text = transaction.read(written.files[-1])
    tree = ast.parse(text)
    sources = {node.module: {a.name for a in node.names} for node in tree.body if isinstance(node, ast.ImportFrom)}
    new_module = "transformers" if kind is RepoKind.TRANSFORMERS else "standin.models.bob"
    assert {"BobConfig", "BobModel", "BobForConditionalGeneration", "BobForCausalLM"} <= sources[new_module]
    assert {"BartConfig", "BartModel", "BartForConditionalGeneration"} <= sources["transformers.models.bart"]
    assert {"AutoConfig", "AutoModel", "AutoModelForSeq2SeqLM"} <= sources["transformers"]
    check = subprocess.run(
        [
            ruff_binary(),
            "check",
            "--no-cache",
            "--config",
            str(DEFAULT_RUFF_CONFIG),
            "--stdin-filename",
            "test_modeling_bob.py",
            "-",
        ],
        input=text,
        capture_output=True,
        text=True,
    )
    assert check.returncode == 0, check.stdout
