"""The modular inheritance graph, read from the installed transformers' modular files."""

from __future__ import annotations

import re

from modgen.similarity.prior import (
    ancestors,
    copied_models,
    descendants,
    imported_models,
    modular_graph,
    offspring_counts,
    without,
)


def test_imported_models_are_the_models_a_modular_file_imports(installed_tree):
    modular = installed_tree.models["mistral"].modular_files[0]
    # Independent reading: the relative imports of other model folders in the file's text.
    expected = set(re.findall(r"^from \.\.(\w+)\.", modular.read_text(), re.MULTILINE)) - {"auto"}
    assert imported_models(modular, installed_tree) == expected
    assert "llama" in expected


def test_graph_walks(installed_tree):
    graph = modular_graph(installed_tree)
    assert "llama" in ancestors(graph, "mistral")
    assert "mistral" in descendants(graph, {"llama"})
    assert "llama" not in descendants(graph, {"llama"})
    left = without(graph, {"mistral"} | descendants(graph, {"mistral"}))
    assert "mistral" not in left and all("mistral" not in parents for parents in left.values())
    counts = offspring_counts(graph)
    assert counts["llama"] > counts.get("mistral", 0) > 0


def test_copied_from_comments_are_history():
    text = (
        "# Copied from transformers.models.bert.modeling_bert.BertSelfOutput with Bert->Roberta\n"
        "class RobertaSelfOutput:\n"
        "    # Copied from transformers.models.roberta.modeling_roberta.RobertaLayer.forward\n"
        "    def forward(self):\n"
        "        pass\n"
        "# copied from elsewhere, not transformers' grammar\n"
    )
    assert copied_models(text, own="roberta") == {"bert"}
