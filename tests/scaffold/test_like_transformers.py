"""`modgen like` inside transformers itself: a git-initialised copy of the 5.23.0 sdist."""

from __future__ import annotations

import importlib
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from modgen.repo import Repository, read_literal_mapping
from modgen.scaffold.plan import make_plan
from modgen.scaffold.register_transformers import register
from modgen.transaction import Transaction
from tests.scaffold.helpers import git_copy, git_status, modgen, python_in


AUTO_MODULES = [
    "configuration_auto",
    "modeling_auto",
    "tokenization_auto",
    "processing_auto",
    "image_processing_auto",
    "feature_extraction_auto",
    "video_processing_auto",
]


def runtime_mappings_with(model_type: str) -> set[str]:
    """The `*_MAPPING_NAMES` of the installed transformers (same version as the sdist) that have `model_type`."""
    found = set()
    for name in AUTO_MODULES:
        module = importlib.import_module(f"transformers.models.auto.{name}")
        for attribute, value in vars(module).items():
            if attribute.endswith(("MAPPING_NAMES", "_NAMES")) and isinstance(value, dict) and model_type in value:
                found.add(attribute)
    return found


@pytest.mark.parametrize(("parent", "sub_types"), [("llama", {}), ("clip", {"clip_text_model", "clip_vision_model"})])
def test_plan_mirrors_every_auto_mapping_of_the_parent(sdist_dir: Path, tmp_path: Path, parent: str, sub_types):
    repo = Repository.discover(_scratch_repo(sdist_dir, tmp_path))
    plan = make_plan(repo, parent, "bob")
    planned = {(e.mapping, e.key) for e in plan.entries}
    for mapping in runtime_mappings_with(parent):
        assert (mapping, "bob") in planned, mapping
    for sub_type in sub_types:
        new = sub_type.replace(parent, "bob", 1)
        for mapping in runtime_mappings_with(sub_type) - {"SPECIAL_MODEL_TYPE_TO_MODULE_NAME"}:
            assert (mapping, new) in planned, (mapping, sub_type)
        assert ("SPECIAL_MODEL_TYPE_TO_MODULE_NAME", new) in planned
    configs = {c.name: c.model_type for c in plan.classes if c.model_type}
    assert configs["BobConfig"] == "bob"
    if sub_types:
        assert configs == {
            "BobConfig": "bob",
            "BobTextConfig": "bob_text_model",
            "BobVisionConfig": "bob_vision_model",
        }


def _scratch_repo(sdist_dir: Path, tmp_path: Path) -> Path:
    """A minimal transformers repository: the sdist's `src` linked in, enough to plan (which writes nothing)."""
    root = tmp_path / "repo"
    (root / "src").mkdir(parents=True)
    (root / "src" / "transformers").symlink_to(sdist_dir / "src" / "transformers")
    (root / "pyproject.toml").write_text((sdist_dir / "pyproject.toml").read_text())
    return root


def test_registration_only_adds_sorted_entries(sdist_repo: Path):
    repo = Repository.discover(sdist_repo)
    plan = make_plan(repo, "clip", "bob")
    with Transaction(repo.root) as transaction:
        register(plan.context, transaction, plan.entries, "", ["configuration", "modeling"])
        transaction.commit()
    numstat = subprocess.run(["git", "diff", "--numstat"], cwd=sdist_repo, capture_output=True, text=True).stdout
    edited = {
        line.split("\t")[2]: (int(line.split("\t")[0]), int(line.split("\t")[1])) for line in numstat.splitlines()
    }
    models = "src/transformers/models/"
    assert set(edited) == {
        models + "__init__.py",
        *(models + "auto/" + f for f in ("auto_mappings.py", "modeling_auto.py", "tokenization_auto.py")),
    }
    assert all(deleted == 0 for _, deleted in edited.values()), edited
    assert edited[models + "__init__.py"] == (1, 0)
    auto = sdist_repo / models / "auto"
    configs = read_literal_mapping(auto / "auto_mappings.py", "CONFIG_MAPPING_NAMES")
    assert list(configs) == sorted(configs)  # what utils/sort_auto_mappings.py enforces
    assert {k: configs[k] for k in ("bob", "bob_text_model", "bob_vision_model")} == {
        "bob": "BobConfig",
        "bob_text_model": "BobTextConfig",
        "bob_vision_model": "BobVisionConfig",
    }
    special = read_literal_mapping(auto / "auto_mappings.py", "SPECIAL_MODEL_TYPE_TO_MODULE_NAME")
    assert special["bob_text_model"] == special["bob_vision_model"] == "bob"
    auto_mappings = importlib.import_module("transformers.models.auto.auto_mappings")
    modeling_auto = importlib.import_module("transformers.models.auto.modeling_auto")

    images = read_literal_mapping(auto / "auto_mappings.py", "IMAGE_PROCESSOR_MAPPING_NAMES")
    expected = {k: v.replace("CLIP", "Bob") for k, v in auto_mappings.IMAGE_PROCESSOR_MAPPING_NAMES["clip"].items()}
    assert images["bob"] == expected
    zero_shot = read_literal_mapping(
        auto / "modeling_auto.py", "MODEL_FOR_ZERO_SHOT_IMAGE_CLASSIFICATION_MAPPING_NAMES"
    )
    assert zero_shot["bob"] == modeling_auto.MODEL_FOR_ZERO_SHOT_IMAGE_CLASSIFICATION_MAPPING_NAMES["clip"].replace(
        "CLIP", "Bob"
    )
    tokenizers = (auto / "tokenization_auto.py").read_text()
    assert '("bob", "CLIPTokenizer" if is_tokenizers_available() else None),' in tokenizers  # reused
    # The edited files still import (run in the sdist's own transformers).
    check = python_in(
        sdist_repo, "import transformers.models.auto.modeling_auto, transformers.models.auto.tokenization_auto"
    )
    assert check.returncode == 0, check.stderr


# What the generated model must do, checked in a fresh process on the repository's own transformers.
LLAMA_CHECK = """
import torch
from transformers import AutoModelForCausalLM, BobConfig, BobForCausalLM, LlamaConfig, LlamaForCausalLM

tiny = dict(vocab_size=99, hidden_size=32, intermediate_size=64, num_hidden_layers=2, num_attention_heads=4,
            num_key_value_heads=2, max_position_embeddings=64, pad_token_id=0, bos_token_id=1, eos_token_id=2)
torch.manual_seed(0)
bob = AutoModelForCausalLM.from_config(BobConfig(**tiny)).eval()
assert type(bob) is BobForCausalLM, type(bob)
assert bob.config.model_type == "bob"
llama = LlamaForCausalLM(LlamaConfig(**tiny)).eval()
missing, unexpected = llama.load_state_dict(bob.state_dict(), strict=True)
ids = torch.randint(3, 99, (2, 7))
with torch.no_grad():
    a, b = bob(ids).logits, llama(ids).logits
torch.testing.assert_close(a, b, atol=1e-5, rtol=0)
out = bob.generate(ids, max_new_tokens=5, do_sample=False)
ref = llama.generate(ids, max_new_tokens=5, do_sample=False)
assert out.shape == (2, 12) and torch.equal(out, ref), (out, ref)
import transformers.models.bob.modeling_bob as m
print("OK", m.__file__)
"""


@pytest.fixture(scope="module")
def bob_repo(sdist_dir: Path, tmp_path_factory) -> tuple[Path, subprocess.CompletedProcess]:
    """The sdist after `modgen like llama --name bob` (done once for the module's tests)."""
    repo = git_copy(sdist_dir, tmp_path_factory.mktemp("like") / "transformers")
    return repo, modgen("like", "llama", "--name", "bob", cwd=repo)


@pytest.mark.slow
def test_like_llama_writes_a_working_model(bob_repo):
    repo, result = bob_repo
    assert result.returncode == 0, result.stderr
    assert "Left to you:" in result.stdout and "weight conversion" in result.stdout
    status = git_status(repo)
    models = "src/transformers/models/"
    for created in ("bob/modular_bob.py", "bob/configuration_bob.py", "bob/modeling_bob.py", "bob/__init__.py"):
        assert f"?? {models}{created}" in status, status
    for modified in ("__init__.py", "auto/auto_mappings.py", "auto/modeling_auto.py"):
        assert f" M {models}{modified}" in status, status
    assert "?? docs/source/en/model_doc/bob.md" in status
    assert ".modgen-" not in status  # no staging or scratch folder left behind
    check = python_in(repo, LLAMA_CHECK)
    assert check.returncode == 0, check.stderr
    assert check.stdout.startswith("OK") and str(repo) in check.stdout  # the repository's copy, not the installed one


@pytest.mark.slow
def test_like_llama_generated_files_match_the_flattener_and_ruff(bob_repo):
    """The generated files are what `modgen flatten --check` expects, and ruff-clean with the repo's settings."""
    repo, result = bob_repo
    assert result.returncode == 0, result.stderr
    folder = repo / "src" / "transformers" / "models" / "bob"
    check = modgen("flatten", "--check", folder / "modular_bob.py", cwd=repo)
    assert check.returncode == 0, check.stdout + check.stderr
    banner = (folder / "modeling_bob.py").read_text().splitlines()[1]
    assert (
        banner.strip()
        == "#           This file was automatically generated from src/transformers/models/bob/modular_bob.py.".strip()
    )
    assert "# Copied from" not in (folder / "modeling_bob.py").read_text()  # markers are off in transformers
    ruff = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--no-cache", str(folder), str(folder.parent / "auto")],
        cwd=repo,
        capture_output=True,
        text=True,
    )
    assert ruff.returncode == 0, ruff.stdout


@pytest.mark.slow
def test_like_llama_doc_page(bob_repo):
    repo, result = bob_repo
    assert result.returncode == 0, result.stderr
    page = (repo / "docs" / "source" / "en" / "model_doc" / "bob.md").read_text()
    # The dates line `utils/add_dates.py --check-only` looks for (its pattern since mid-2026), right under the licence.
    assert re.search(
        r"-->\n\*This model was contributed to Hugging Face Transformers on \d{4}-\d{2}-\d{2}\.\*\n", page
    )
    # `- forward` exactly on the classes that define it in the generated modeling file.
    import ast

    tree = ast.parse((repo / "src" / "transformers" / "models" / "bob" / "modeling_bob.py").read_text())
    with_forward = {
        node.name
        for node in tree.body
        if isinstance(node, ast.ClassDef)
        and any(isinstance(f, ast.FunctionDef) and f.name == "forward" for f in node.body)
    }
    for block in page.split("[[autodoc]] ")[1:]:
        name = block.split()[0]
        assert ("- forward" in block.split("##")[0]) == (name in with_forward), name
    assert "[[autodoc]] BobForCausalLM\n    - forward" in page
    assert "[[autodoc]] BobPreTrainedModel\n    - forward" not in page


@pytest.mark.slow
def test_like_llama_generated_tests_pass(bob_repo):
    repo, result = bob_repo
    assert result.returncode == 0, result.stderr
    tests = repo / "tests" / "models" / "bob"
    assert tests.is_dir(), result.stdout
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider", "tests/models/bob"],
        cwd=repo,
        env={**__import__("os").environ, "PYTHONPATH": str(repo / "src")},
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert run.returncode == 0, textwrap.shorten(run.stdout[-3000:], 3000)


# Edits as pure functions over source text: input and expected output.

MAPPING = """\
CONFIG_MAPPING_NAMES = OrderedDict(
    [
        ("albert", "AlbertConfig"),
        ("llama", "LlamaConfig"),
        ("mistral", "MistralConfig"),
    ]
)
"""


def _entry(key: str, value: str):
    import libcst as cst

    from modgen.scaffold.mappings import MappingEntry, NewEntry

    parent = MappingEntry("auto_mappings.py", "CONFIG_MAPPING_NAMES", "llama", cst.parse_expression(f'"{value}"'))
    return NewEntry(parent, key, cst.parse_expression(f'"{value}"'))


@pytest.mark.parametrize(
    ("key", "expected_after"),
    [("aaa", None), ("bob", "albert"), ("lm", "llama"), ("zed", "mistral")],
)
def test_add_entries_keeps_mappings_sorted(key: str, expected_after: str | None):
    from modgen.scaffold.register_transformers import add_entries

    edited = add_entries(MAPPING, [_entry(key, "BobConfig")])
    lines = edited.splitlines()
    new_line = f'        ("{key}", "BobConfig"),'
    assert new_line in lines
    keys = [line.split('"')[1] for line in lines if line.startswith("        (")]
    assert keys == sorted(keys)
    # Nothing else changed: removing the new line gives the input back.
    assert "\n".join(line for line in lines if line != new_line) + "\n" == MAPPING


def test_add_star_import_in_type_checking_block():
    from modgen.scaffold.register_transformers import add_star_import

    source = "if TYPE_CHECKING:\n    from .albert import *\n    from .llama import *\nelse:\n    pass\n"
    assert add_star_import(source, "bob") == (
        "if TYPE_CHECKING:\n    from .albert import *\n    from .bob import *\n    from .llama import *\nelse:\n    pass\n"
    )
    assert add_star_import(source, "zed").splitlines()[3] == "    from .zed import *"


TOC = """\
- sections:
  - local: model_doc/auto
    title: Auto Classes
  - isExpanded: false
    sections:
    - local: model_doc/albert
      title: ALBERT
    - local: model_doc/llama
      title: LLaMA
    - local: model_doc/mistral
      title: Mistral
    title: Text models
  - isExpanded: false
    sections:
    - local: model_doc/beit
      title: BEiT
    title: Vision models
  title: Models
"""


@pytest.mark.parametrize("title", ["Aardvark", "Bob", "LLaMA2", "llama_b", "Zed"])
def test_toc_entry_goes_where_check_doc_toc_sorts_it(title: str):
    """`utils/check_doc_toc.py` wants each model section sorted by lower-cased title: the entry goes into the
    parent's section where sorting would put it, and nothing else moves."""
    import yaml

    from modgen.scaffold.docs import add_toc_entry

    edited = add_toc_entry(TOC, "llama", "bob", title)
    sections = {s["title"]: s["sections"] for s in yaml.safe_load(edited)[0]["sections"] if "sections" in s}
    text_models = sections["Text models"]
    titles = [entry["title"] for entry in text_models]
    assert titles == sorted(titles, key=str.lower) and title in titles
    assert {"local": "model_doc/bob", "title": title} in text_models
    assert sections["Vision models"] == yaml.safe_load(TOC)[0]["sections"][2]["sections"]
    assert edited.replace(f"    - local: model_doc/bob\n      title: {title}\n", "") == TOC
    assert add_toc_entry(TOC, "bert", "bob", title) is None


def test_banner_names_the_final_modular_file():
    from modgen.scaffold.flatten_step import name_source

    text = "#   \U0001f6a8\n#           This file was automatically generated from .modgen-flatten-x/src/a/modular_bob.py.\n#  rest\n"
    assert name_source(text, Path("src/a/modular_bob.py")) == (
        "#   \U0001f6a8\n#           This file was automatically generated from src/a/modular_bob.py.\n#  rest\n"
    )


CLIP_CHECK = """
import torch
from transformers import AutoConfig, AutoModel, BobConfig, BobModel, BobTextConfig, BobVisionConfig, CLIPConfig, CLIPModel

# Sub-configs resolve through their own model types (SPECIAL_MODEL_TYPE_TO_MODULE_NAME).
assert type(AutoConfig.for_model("bob_text_model")) is BobTextConfig
assert type(AutoConfig.for_model("bob_vision_model")) is BobVisionConfig
tiny = dict(
    text_config=dict(vocab_size=99, hidden_size=32, intermediate_size=37, num_hidden_layers=2, num_attention_heads=4,
                     max_position_embeddings=64, pad_token_id=1, bos_token_id=0, eos_token_id=2),
    vision_config=dict(image_size=32, patch_size=8, hidden_size=32, intermediate_size=37, num_hidden_layers=2,
                       num_attention_heads=4),
    projection_dim=16,
)
config = BobConfig(**tiny)
assert type(config.text_config) is BobTextConfig and config.text_config.model_type == "bob_text_model"
torch.manual_seed(0)
bob = AutoModel.from_config(config).eval()
assert type(bob) is BobModel
clip = CLIPModel(CLIPConfig(**tiny)).eval()
clip.load_state_dict(bob.state_dict(), strict=True)
inputs = dict(input_ids=torch.randint(3, 99, (2, 7)), pixel_values=torch.randn(2, 3, 32, 32))
with torch.no_grad():
    torch.testing.assert_close(bob(**inputs).logits_per_image, clip(**inputs).logits_per_image, atol=1e-5, rtol=0)
print("OK")
"""


@pytest.mark.slow
def test_like_clip_registers_sub_configs(sdist_repo: Path):
    result = modgen("like", "clip", "--name", "bob", cwd=sdist_repo)
    assert result.returncode == 0, result.stderr
    folder = sdist_repo / "src" / "transformers" / "models" / "bob"
    for name in ("processing_bob.py", "image_processing_bob.py", "image_processing_pil_bob.py"):
        assert (folder / name).is_file(), name
    check = python_in(sdist_repo, CLIP_CHECK)
    assert check.returncode == 0, check.stderr[-3000:]
    assert check.stdout.splitlines()[-1] == "OK"


def test_the_final_check_refuses_a_tree_that_is_not_clean(sdist_repo: Path):
    """`like` ends with `modgen check` on what it wrote and touched: a generated file out of step with its modular
    file (here edited by hand) fails it, with the checker's own report (and `like` then puts everything back)."""
    from modgen.errors import ModgenError
    from modgen.scaffold.steps import check_in_place
    from modgen.transaction import Change

    modeling = sdist_repo / "src" / "transformers" / "models" / "mistral" / "modeling_mistral.py"
    text = modeling.read_text()
    modeling.write_text(
        text.replace("hidden_states = self.norm(hidden_states)", "hidden_states = 2 * hidden_states", 1)
    )
    with pytest.raises(ModgenError) as raised:
        check_in_place(sdist_repo, [Change(modeling, "modify")])
    assert raised.value.exit_code == 1
    assert "`modgen check" in raised.value.message and "modeling_mistral.py" in raised.value.message
    modeling.write_text(text)
    check_in_place(sdist_repo, [Change(modeling, "modify")])  # clean again


def test_differences_with_upstreams_converter_are_said():
    from modgen.scaffold.upstream import differences

    written = {Path("m/modeling_bob.py"): "a\nb\n", Path("m/configuration_bob.py"): "x\ny\n", Path("m/same.py"): "s\n"}
    upstream = {"modeling_bob.py": "b\na\n", "configuration_bob.py": "x\nz\n", "same.py": "s\n", "extra_bob.py": ""}
    assert differences(written, upstream) == [
        "modeling_bob.py: the same lines in another order",
        "configuration_bob.py: 1 line differs",
        "extra_bob.py: written by upstream's converter, not by modgen",
    ]


@pytest.mark.parametrize("parent", ["mistral", "detr"])
def test_registration_keeps_ruff_format_clean(sdist_repo: Path, parent: str):
    """mistral's tokenizer entry spans five lines, detr's segmentation mapping holds one entry: the added entries
    are laid out as `ruff format` lays them out, and nothing else in the files moves."""
    from modgen.formatting import ruff_binary, ruff_config_for

    repo = Repository.discover(sdist_repo)
    plan = make_plan(repo, parent, f"zz_{parent}")
    with Transaction(repo.root) as transaction:
        register(plan.context, transaction, plan.entries, "", ["configuration", "modeling"])
        transaction.commit()
    edited = [line.split("\t")[2] for line in _git(sdist_repo, "diff", "--numstat").splitlines()]
    assert any(path.endswith("tokenization_auto.py") or path.endswith("modeling_auto.py") for path in edited)
    check = subprocess.run(
        [ruff_binary(), "format", "--check", "--config", str(ruff_config_for(sdist_repo)), *edited],
        cwd=sdist_repo,
        capture_output=True,
        text=True,
    )
    assert check.returncode == 0, check.stdout
    removed = [
        line
        for line in _git(sdist_repo, "diff", "-U0").splitlines()
        if line.startswith("-") and not line.startswith("---")
    ]
    assert removed == [], removed  # only additions


def _git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True, check=True).stdout
