"""The class map against the real installed transformers: like with like, a floor for counterparts, verdicts."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from modgen.similarity.classmap import NO_COUNTERPART, SMALL_DIFFERENCES, one_to_one
from modgen.similarity.features import file_units
from modgen.similarity.ranking import rank


FIXTURES = Path(__file__).with_name("fixtures")
pytestmark = pytest.mark.slow


def kind_of(index, model: str, name: str) -> str:
    """The kind of a model's unit, as the index holds it."""
    column = index.models.index(model)
    for row in range(index.model_ptr[column], index.model_ptr[column + 1]):
        if index.refs[row].name == name:
            return str(index.kinds[row])
    raise KeyError(name)


def test_helpers_and_outputs_are_never_paired_across_kinds(installed_tree, index):
    matches = rank(FIXTURES / "helpers_and_outputs.py", installed_tree, top=10, index=index)
    units = {unit.name: unit for unit in file_units(FIXTURES / "helpers_and_outputs.py")}
    assert {units[name].kind for name in ("is_torchrun", "named_apply", "convert_weights")} == {"function"}
    assert units["EncoderOutput"].kind == "output"
    for match in matches:
        for pair in match.classes:
            assert pair.kind == units[pair.target].kind
            if pair.match is None:
                assert pair.verdict == "none" and pair.similarity == 0
            else:  # like with like, and never a counterpart by default
                assert kind_of(index, match.model, pair.match) == pair.kind, (match.model, pair)
                assert pair.similarity >= NO_COUNTERPART
        # "explains": the module code (Block, Encoder) with a close counterpart; helpers and outputs do not count.
        module_code = {name: unit.size for name, unit in units.items() if unit.is_module}
        close = {c.target for c in match.classes if c.verdict in ("same", "small differences")} & set(module_code)
        assert match.explained == pytest.approx(sum(module_code[name] for name in close) / sum(module_code.values()))


def test_a_fused_qkv_einsum_attention_is_llamas_attention_with_small_differences(installed_tree, index):
    (llama,) = rank(FIXTURES / "fused_attention.py", installed_tree, against=["llama"], index=index)
    pairs = {pair.target: pair for pair in llama.classes}
    assert pairs["Attention"].match == "LlamaAttention"
    assert pairs["Attention"].verdict == "small differences"
    # The other way round: what it is paired with in the model closest to it is an attention too.
    best = rank(FIXTURES / "fused_attention.py", installed_tree, top=1, index=index)[0]
    attention = next(pair for pair in best.classes if pair.target == "Attention")
    column = index.models.index(best.model)
    rows = range(index.model_ptr[column], index.model_ptr[column + 1])
    assert next(index.roles[row] for row in rows if index.refs[row].name == attention.match) == "attention"
    assert attention.similarity >= SMALL_DIFFERENCES


def test_a_definition_with_nothing_alike_has_no_counterpart():
    # Rows are target definitions; the second is below the floor for every column.
    pairs = np.array([[0.9, 0.4], [0.1, 0.2]])
    assert one_to_one(np.where(pairs >= NO_COUNTERPART, pairs, 0)) == [0, -1]
