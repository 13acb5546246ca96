"""The exported card: a card the model already has (as `modgen port` writes it) keeps its text, but its usage is
the Hub's, since the project's package that it imports does not exist next to the weights."""

from __future__ import annotations

from pathlib import Path

from huggingface_hub import ModelCard

from modgen.export.card import model_card


PORTED_CARD = """# Tiny

Tiny is `Net` of `research.model` ported to transformers with `modgen port`.

## Usage

```python
import my_models.models.tiny  # registers Tiny with transformers' Auto classes
from transformers import AutoModelForCausalLM

model = AutoModelForCausalLM.from_pretrained("path/to/checkpoint")
```

## How it was converted

`modgen port research/model.py:Net --name tiny`
"""


def card_of(folder: Path, text: str | None) -> str:
    if text is not None:
        (folder / "MODEL_CARD.md").write_text(text, encoding="utf-8")
    auto_map = {"AutoModelForCausalLM": "modeling_tiny.TinyForCausalLM"}
    return model_card(
        folder, title="Tiny", main_auto="AutoModelForCausalLM", main_class="TinyForCausalLM", auto_map=auto_map,
        weights="random", license="apache-2.0",
    )  # fmt: skip


def test_a_ported_card_keeps_its_text_with_the_hubs_usage(tmp_path: Path):
    card = card_of(tmp_path, PORTED_CARD)
    assert "import my_models" not in card
    assert 'AutoModelForCausalLM.from_pretrained("REPO_ID", trust_remote_code=True)' in card
    assert "ported to transformers with `modgen port`" in card and "## How it was converted" in card
    assert card.index("## Usage") < card.index("## How it was converted")
    data = ModelCard(card).data  # the front matter as the Hub reads it
    assert data.library_name == "transformers" and data.pipeline_tag == "text-generation"
    assert "custom_code" in data.tags


def test_a_card_without_a_usage_section_gets_one_before_its_second_section(tmp_path: Path):
    text = PORTED_CARD.replace(PORTED_CARD[PORTED_CARD.index("## Usage") : PORTED_CARD.index("## How")], "")
    card = card_of(tmp_path, text)
    assert card.index("# Tiny") < card.index("## Usage") < card.index("## How it was converted")


def test_a_model_without_a_card_gets_the_hubs_usage(tmp_path: Path):
    card = card_of(tmp_path, None)
    assert 'AutoModelForCausalLM.from_pretrained("REPO_ID", trust_remote_code=True)' in card
    assert "| `AutoModelForCausalLM` | `modeling_tiny.TinyForCausalLM` |" in card
