"""How a new model's classes are spelt: as transformers' converter spells a model that is not registered, except
that a new name holding the parent's keeps the parent's casing (the flattener reads it back from the config
class `like` registers, so both agree)."""

from __future__ import annotations

import pytest

from modgen.naming import cased_name, title_case


@pytest.mark.parametrize(
    ("new", "parent", "parent_prefix", "expected"),
    [
        ("zz_wav2vec2", "wav2vec2", "Wav2Vec2", "ZzWav2Vec2"),
        ("speechy", "wav2vec2", "Wav2Vec2", "Speechy"),
        ("zz_gpt_neox", "gpt_neox", "GPTNeoX", "ZzGPTNeoX"),
        ("llama_2", "llama", "Llama", "Llama2"),
        ("zz_qwen2_vl", "qwen2_vl", "Qwen2VL", "ZzQwen2VL"),
        ("zz_xlm_roberta", "xlm_roberta", "XLMRoberta", "ZzXLMRoberta"),
        ("my_clip_model", "clip", "CLIP", "MyCLIPModel"),
        ("clipper", "clip", "CLIP", "Clipper"),  # the parent's name as a part, not inside a word
        ("bob2x", "llama", "Llama", "Bob2X"),  # title-cased part by part, as the converter does
    ],
)
def test_cased_name(new: str, parent: str, parent_prefix: str, expected: str):
    assert cased_name(new, parent, parent_prefix) == expected


def test_title_case_is_the_converters():
    """transformers' converter spells an unregistered model `"".join(x.title() for x in name.split("_"))`."""
    for name in ("my_new_model", "wav2vec2_x", "s2t_bob", "a1b2"):
        assert title_case(name) == "".join(part.title() for part in name.split("_"))


def test_the_flattener_spells_an_unregistered_model_as_its_config_class(tmp_path):
    """In a project (never in transformers' mappings) `like gpt_neox --name zz_gpt_neox` names the classes
    `ZzGPTNeoX...`: the flattener must rename the parent's to the same spelling, not to `ZzGptNeox...` (which would
    put both in one file)."""
    from modgen.modular import convert

    folder = tmp_path / "src" / "mylib" / "models" / "zz_gpt_neox"
    folder.mkdir(parents=True)
    (tmp_path / "pyproject.toml").write_text('[tool.modgen]\npackage = "mylib"\n')
    modular = folder / "modular_zz_gpt_neox.py"
    modular.write_text(
        "from transformers.models.gpt_neox.configuration_gpt_neox import GPTNeoXConfig\n"
        "from transformers.models.gpt_neox.modeling_gpt_neox import GPTNeoXModel\n\n\n"
        'class ZzGPTNeoXConfig(GPTNeoXConfig):\n    model_type = "zz_gpt_neox"\n\n\n'
        "class ZzGPTNeoXModel(GPTNeoXModel):\n    pass\n"
    )
    modeling = convert(modular)["modeling_zz_gpt_neox.py"]
    assert "class ZzGPTNeoXModel(ZzGPTNeoXPreTrainedModel)" in modeling
    assert "ZzGptNeox" not in modeling
