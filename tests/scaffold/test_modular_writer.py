"""Which of a parent's public classes a new model copies: not the deprecated aliases (their methods only warn)."""

from __future__ import annotations

from modgen.repo import TransformersTree
from modgen.scaffold.modular_writer import read_public_classes


def test_deprecated_aliases_are_told_apart(installed_tree: TransformersTree):
    bart = {c.name: c for c in read_public_classes(installed_tree.models_dir / "bart" / "modeling_bart.py")}
    # Both aliases warn "has been depreciated" from `__init_subclass__` (FutureWarning), and do nothing else.
    assert bart["BartPretrainedModel"].deprecated and bart["PretrainedBartModel"].deprecated
    assert not any(
        c.deprecated for name, c in bart.items() if name not in ("BartPretrainedModel", "PretrainedBartModel")
    )
    # Every other public class of a model is copied (qwen2_vl: its config, model, text model, head).
    qwen2_vl = read_public_classes(installed_tree.models_dir / "qwen2_vl" / "modeling_qwen2_vl.py")
    assert len(qwen2_vl) >= 4 and not any(c.deprecated for c in qwen2_vl)
