"""Ranking against the real installed transformers 5.23.0: its own models, renamed copies, research code."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from modgen.cli import main
from modgen.errors import ModgenError, UsageError
from modgen.similarity.prior import ancestors, descendants, imported_models
from modgen.similarity.ranking import rank


FIXTURES = Path(__file__).with_name("fixtures")
pytestmark = pytest.mark.slow


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
    assert verdicts["BobMLP"] == "same"
    assert next(c.match for c in top.classes if c.target == "BobMLP") == "LlamaMLP"


# Research-style files written for these tests (fixtures/): other names, other structure, partial models.
# Their family: the root and every model built from it (modular files, `# Copied from` comments of the tree).
@pytest.mark.parametrize(
    ("fixture", "root", "root_within"),
    [
        # Meta's reference names (wq, w1, attention_norm) are kept by a few of llama's descendants (LFM2), whose
        # vocabulary is then closer than llama's own: llama itself comes after them.
        ("tiny_llama.py", "llama", 5),
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
    assert models[0] in family, models
    if root_within:
        assert root in models[:root_within]


# Research files and the classes of the model they were written after each class is (by what the code is): the
# suffix of the model class's name, its prefix aside. Classes assigned one to one, the file clearly explained.
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
    (best,) = rank(FIXTURES / fixture, installed_tree, against=[root], index=index)
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
    with pytest.raises(ModgenError, match="no torch module"):
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
    assert set(payload[0]) == {"model", "rank", "score", "classes", "explained"}
    assert [m["rank"] for m in payload] == [1, 2, 3]
    assert {c["target"] for c in payload[0]["classes"]} == {"Expert", "SparseMoE"}
    assert set(payload[0]["classes"][0]) == {"target", "kind", "match", "similarity", "verdict"}
    text = runner.invoke(main, ["closest", str(FIXTURES / "tiny_llama.py"), "--top", "2"])
    assert text.exit_code == 0 and text.output.startswith("1. ")
    against = runner.invoke(main, ["closest", str(FIXTURES / "tiny_llama.py"), "--against", "gpt2", "--json"])
    assert [m["model"] for m in json.loads(against.output)] == ["gpt2"]
    (tmp_path / "broken.py").write_text(BROKEN)
    broken = runner.invoke(main, ["closest", str(tmp_path / "broken.py")])
    assert broken.exit_code == 2 and "broken.py:5" in broken.output
    # Not Python at all: said so, with the file, exit 2 (never a parse or decoding error).
    (tmp_path / "README.md").write_text("# My model\n\n1st place on 2 benchmarks\n")
    (tmp_path / "weights.py").write_bytes(b"\x80\x04\x95" + bytes(range(256)))
    for name in ("README.md", "weights.py"):
        result = runner.invoke(main, ["closest", str(tmp_path / name)])
        assert result.exit_code == 2 and f"{name}: not a Python file" in result.output, result.output
        assert "hint:" in result.output and "Traceback" not in result.output


def test_a_file_of_the_tree_is_never_its_own_match(installed_tree, index):
    path = installed_tree.models["mixtral"].of_type("modeling")[0]
    models = [m.model for m in rank(path, installed_tree, top=5, index=index)]
    assert "mixtral" not in models
    # Its relatives: the models it was built from, and those built from it since (they are in the index).
    relatives = ancestors(index.history, "mixtral") | descendants(index.history, {"mixtral"})
    assert models[0] in relatives
