"""modgen's test template and its rendering with what a parent is. (`modgen like`'s slow tests run the rendered
tests of real flattened models; these check the rendering itself.)"""

from __future__ import annotations

import ast
import functools
import subprocess
from pathlib import Path

import pytest

from modgen.formatting import DEFAULT_RUFF_CONFIG, ruff_binary
from modgen.repo import RepoKind, Repository, Settings
from modgen.scaffold.parent_model import probe_parent
from modgen.scaffold.render import forward_test_suffix, render, templates_dir
from modgen.scaffold.tests_writer import write_tests
from modgen.transaction import Transaction


ROOT = Path(__file__).resolve().parents[2]


@functools.cache
def facts(model_type: str):
    return probe_parent([model_type])


def rendered(model_type: str, prefix: str, folder: str, project_package: str | None = None) -> str:
    return render(
        facts(model_type), model_type="bob", parent_prefix=prefix, parent_folder=folder, new_name="bob",
        new_prefix="Bob", project_package=project_package,
    )  # fmt: skip


def test_template_is_clean_python():
    result = subprocess.run(
        [ruff_binary(), "check", "--no-cache", "--config", str(ROOT / "pyproject.toml"), str(templates_dir())],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout


@pytest.mark.parametrize(
    ("parent_class", "expected"),
    [("LlamaModel", "model"), ("LlamaForCausalLM", "for_causal_lm"), ("CLIPTextModel", "text_model")],
)
def test_forward_tests_are_named_after_the_class(parent_class: str, expected: str):
    prefix = "CLIP" if parent_class.startswith("CLIP") else "Llama"
    assert forward_test_suffix(parent_class, prefix) == expected


def _assigned(tree: ast.Module, name: str) -> str:
    node = next(n for n in tree.body if isinstance(n, ast.Assign) and n.targets[0].id == name)
    return ast.unparse(node.value)


def test_rendering_fills_in_what_the_parent_is():
    code = rendered("bert", "Bert", "bert")
    assert "BrandNew" not in code and "brand_new" not in code and "Llama" not in code
    tree = ast.parse(code)
    assert _assigned(tree, "MODEL_TYPE") == "'bob'"
    classes = facts("bert").parent.classes
    model_classes = _assigned(tree, "MODEL_CLASSES")
    for registered in classes:
        assert f"{registered.name.replace('Bert', 'Bob', 1)}: (None, {registered.name})" in model_classes
    assert "(AutoModelForMultipleChoice, BobForMultipleChoice)" in _assigned(tree, "AUTO_CLASSES")
    assert _assigned(tree, "GENERATIVE_CLASSES") == "(BobLMHeadModel,)"  # BertLMHeadModel generates
    test_class = next(n for n in tree.body if isinstance(n, ast.ClassDef))
    tests = {f.name for f in test_class.body if isinstance(f, ast.FunctionDef) and f.name.startswith("test_")}
    # One forward test per registered class, and the class list utils/check_repo.py reads, as a literal tuple.
    assert {f"test_forward_{forward_test_suffix(c.name, 'Bert')}" for c in classes} <= tests
    assert {"test_save_and_load", "test_auto_classes", "test_generate", "test_same_outputs_as_parent"} <= tests
    listed = next(n for n in test_class.body if isinstance(n, ast.Assign) and n.targets[0].id == "all_model_classes")
    assert isinstance(listed.value, ast.Tuple)
    assert {e.id for e in listed.value.elts} == {c.name.replace("Bert", "Bob", 1) for c in classes}


def test_no_generate_test_without_a_generative_class():
    code = rendered("vit", "ViT", "vit")
    assert "def test_generate" not in code and "GENERATIVE_CLASSES" not in code


@pytest.mark.parametrize("kind", [RepoKind.TRANSFORMERS, RepoKind.PROJECT])
def test_rendered_module_imports_and_lints(tmp_path, installed_tree, kind):
    """Inside transformers the new model comes from `transformers`, in a project from `<package>.models.<new>`;
    either way the written file passes transformers' own ruff rules."""
    package = "standin" if kind is RepoKind.PROJECT else None
    if kind is RepoKind.PROJECT:
        (tmp_path / "src" / "standin" / "models").mkdir(parents=True)
        (tmp_path / "pyproject.toml").write_text('[project]\nname = "standin"\n\n[tool.modgen]\npackage = "standin"\n')
        repo = Repository.discover(tmp_path)
    else:
        repo = Repository(tmp_path, kind, "transformers", Settings(markers=False), installed_tree)
    with Transaction(repo.root) as transaction:
        written = write_tests(
            transaction, repo, installed_tree.resolve_model("bart"), parent_model_type="bart", parent_prefix="Bart",
            new_name="bob", new_prefix="Bob",
        )  # fmt: skip
        text = transaction.read(written.files[-1])
    assert written.source == "modgen's template"
    tree = ast.parse(text)
    sources = {node.module: {a.name for a in node.names} for node in tree.body if isinstance(node, ast.ImportFrom)}
    new_module = "transformers" if package is None else "standin.models.bob"
    assert {"BobConfig", "BobModel", "BobForConditionalGeneration", "BobForCausalLM"} <= sources[new_module]
    assert {"BartConfig", "BartModel", "BartForConditionalGeneration"} <= sources["transformers.models.bart"]
    assert {"AutoConfig", "AutoModel", "AutoModelForSeq2SeqLM"} <= sources["transformers"]
    assert "modgen" not in text.split('"""', 2)[2]  # the generated tests stand alone
    command = [ruff_binary(), "check", "--no-cache", "--config", str(DEFAULT_RUFF_CONFIG)]
    check = subprocess.run([*command, "--stdin-filename", "test_modeling_bob.py", "-"], input=text, text=True)
    assert check.returncode == 0
