"""Ranking against the real installed transformers 5.23.0: its own models, renamed copies, research code."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from modgen.cli import main
from modgen.errors import ModgenError, UsageError
from modgen.similarity.index import build_index
from modgen.similarity.prior import ancestors, descendants, imported_models
from modgen.similarity.ranking import rank


FIXTURES = Path(__file__).with_name("fixtures")
pytestmark = pytest.mark.slow


# The index of the installed transformers is kept between runs, as users' is: it is brought up to date from the
# files' stamps (tests/similarity/test_index.py builds small ones from scratch).
CACHE = Path(__file__).resolve().parents[2] / ".cache" / "modgen-tests"


@pytest.fixture(scope="module")
def index(installed_tree):
    with pytest.MonkeyPatch.context() as patch:  # the CLI test reads the same cache
        patch.setenv("MODGEN_CACHE_DIR", str(CACHE))
        yield build_index(installed_tree)


def test_a_model_by_name_finds_the_model_it_was_built_from(installed_tree, index):
    matches = rank("mistral", installed_tree, top=5, index=index)
    assert "mistral" not in [m.model for m in matches]  # never its own match
    parents = imported_models(installed_tree.models["mistral"].modular_files[0], installed_tree)
    assert matches[0].model in parents
    assert [m.score for m in matches] == sorted((m.score for m in matches), reverse=True)


def test_a_renamed_copy_is_explained_whole(installed_tree, index, tmp_path):
    source = installed_tree.models["llama"].of_type("modeling")[0].read_text()
    renamed = tmp_path / "modeling_bob.py"
    renamed.write_text(re.sub(r"\bhidden_states\b", "h", source.replace("Llama", "Bob")))
    top = rank(renamed, installed_tree, top=1, index=index)[0]
    assert top.model == "llama"
    assert top.explained > 0.95
    verdicts = {c.target: c.verdict for c in top.classes}
    assert verdicts["BobMLP"] == "identical after renaming"
    assert next(c.match for c in top.classes if c.target == "BobMLP") == "LlamaMLP"


# Research-style files written for these tests (fixtures/): other names, other structure, partial models.
# Their family: the root and every model built from it (modular files, `# Copied from` comments of the tree).
@pytest.mark.parametrize(
    ("fixture", "root", "root_within"),
    [
        ("tiny_llama.py", "llama", 3),
        ("tiny_bert.py", "bert", 3),
        ("moe_block.py", "mixtral", 3),
        ("tiny_whisper.py", "whisper", 3),
        # timm-style code: its closest are the timm-derived ViTs (mgp_str, vitdet), vit itself further down.
        ("tiny_vit.py", "vit", None),
    ],
)
def test_research_code_finds_its_family(installed_tree, index, fixture, root, root_within):
    matches = rank(FIXTURES / fixture, installed_tree, top=5, index=index)
    models = [m.model for m in matches]
    family = {root} | descendants(index.history, {root})
    assert set(models) <= family, set(models) - family
    if root_within:
        assert root in models[:root_within]


# Research files and the classes of their family's model each class is (by what the code is): the suffix of the
# model class's name, its prefix aside. The family's best model in the top 3 (several models share an
# architecture), its classes assigned one to one, and the research file clearly explained.
@pytest.mark.parametrize(
    ("fixture", "root", "pairs"),
    [
        (
            "tiny_llama.py",
            "llama",
            {
                "FeedForward": "MLP",
                "SelfAttention": "Attention",
                "RMSNorm": "RMSNorm",
                "TransformerBlock": "DecoderLayer",
            },
        ),
        ("attention_only.py", "llama", {"GQAttention": "Attention"}),
        ("tiny_gpt2.py", "gpt2", {"MLP": "MLP", "Block": "Block"}),
        ("tiny_t5.py", "t5", {"ScaleNorm": "LayerNorm", "DenseReluDense": "DenseActDense", "MHA": "Attention"}),
        ("tiny_wav2vec2.py", "wav2vec2", {"SelfAttention": "Attention", "EncoderLayer": "EncoderLayer"}),
        ("moe_block.py", "mixtral", {"Expert": "Experts"}),
        ("tiny_bert.py", "bert", {"Embeddings": "Embeddings", "MultiHeadSelfAttention": "SelfAttention"}),
    ],
)
def test_research_classes_match_their_counterparts(installed_tree, index, fixture, root, pairs):
    matches = rank(FIXTURES / fixture, installed_tree, top=3, index=index)
    family = {root} | descendants(index.history, {root})
    best = next((m for m in matches if m.model in family), None)
    assert best is not None, [m.model for m in matches]
    found = {c.target: c.match for c in best.classes}
    for target, suffix in pairs.items():
        assert found[target] and found[target].endswith(suffix), (target, found[target])
    claimed = [c.match for c in best.classes if c.match]
    assert len(claimed) == len(set(claimed))  # one to one
    assert best.explained >= 0.3


def test_exclude_drops_models(installed_tree, index):
    matches = rank(FIXTURES / "moe_block.py", installed_tree, top=10, exclude=["mixtral", "qwen2-moe"], index=index)
    assert not {"mixtral", "qwen2_moe"} & {m.model for m in matches}


BROKEN = "import torch\n\n\nclass Broken(torch.nn.Module):\n    def forward(self, x)\n        return x\n"


def test_bad_targets(installed_tree, index, tmp_path):
    (tmp_path / "broken.py").write_text(BROKEN)
    with pytest.raises(ModgenError) as error:
        rank(tmp_path / "broken.py", installed_tree, index=index)
    assert error.value.line == 5 and "does not parse" in str(error.value)
    with pytest.raises(ModgenError, match="no nn.Module"):
        rank(FIXTURES / "no_module.py", installed_tree, index=index)
    with pytest.raises(UsageError, match="did you mean"):
        rank("llamma", installed_tree, index=index)
    with pytest.raises(ModgenError, match="does not exist"):
        rank(tmp_path / "missing.py", installed_tree, index=index)


def test_cli_json_and_errors(index, tmp_path):
    runner = CliRunner()
    result = runner.invoke(main, ["closest", str(FIXTURES / "moe_block.py"), "--json", "--top", "3"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.output)
    assert len(payload) == 3
    assert set(payload[0]) == {"model", "score", "classes", "explained"}
    assert {c["target"] for c in payload[0]["classes"]} == {"Expert", "SparseMoE"}
    text = runner.invoke(main, ["closest", str(FIXTURES / "tiny_llama.py"), "--top", "2"])
    assert text.exit_code == 0 and text.output.startswith("1. ")
    (tmp_path / "broken.py").write_text(BROKEN)
    broken = runner.invoke(main, ["closest", str(tmp_path / "broken.py")])
    assert broken.exit_code == 2 and "broken.py:5" in broken.output


def test_a_file_of_the_tree_is_never_its_own_match(installed_tree, index):
    path = installed_tree.models["mixtral"].of_type("modeling")[0]
    models = [m.model for m in rank(path, installed_tree, top=5, index=index)]
    assert "mixtral" not in models
    # Its relatives: the models it was built from, and those built from it since (they are in the index).
    relatives = ancestors(index.history, "mixtral") | descendants(index.history, {"mixtral"})
    assert models[0] in relatives
