"""The folder's model card, `README.md` (the file the Hub shows), with the front matter the Hub reads.

A card the model already has (`models/NAME/MODEL_CARD.md`, as `modgen port` writes) is kept, with its front
matter completed and its usage made the Hub's (the project's import does not exist there); otherwise one is
written: what the model is, how to load it, what the folder holds.
"""

from __future__ import annotations

import re
from pathlib import Path


# The Hub's pipeline tag of the main Auto class.
PIPELINE_TAGS = {
    "AutoModelForCausalLM": "text-generation",
    "AutoModelForSeq2SeqLM": "text2text-generation",
    "AutoModelForMaskedLM": "fill-mask",
    "AutoModelForSequenceClassification": "text-classification",
    "AutoModelForTokenClassification": "token-classification",
    "AutoModelForQuestionAnswering": "question-answering",
    "AutoModelForImageClassification": "image-classification",
    "AutoModelForZeroShotImageClassification": "zero-shot-image-classification",
    "AutoModelForObjectDetection": "object-detection",
    "AutoModelForSemanticSegmentation": "image-segmentation",
    "AutoModelForDepthEstimation": "depth-estimation",
    "AutoModelForAudioClassification": "audio-classification",
    "AutoModelForCTC": "automatic-speech-recognition",
    "AutoModelForSpeechSeq2Seq": "automatic-speech-recognition",
    "AutoModelForImageTextToText": "image-text-to-text",
    "AutoModelForTextToWaveform": "text-to-audio",
    "AutoModel": "feature-extraction",
}


def pipeline_tag(auto: str) -> str | None:
    return PIPELINE_TAGS.get(auto)


def with_front_matter(text: str, *, pipeline: str | None, license: str) -> str:
    """`text` with library_name, pipeline_tag, license and the custom_code tag set where it does not set them."""
    from huggingface_hub import ModelCard, ModelCardData

    if not text.startswith("---\n"):
        text = f"---\n{ModelCardData(library_name='transformers').to_yaml()}\n---\n{text}"
    card = ModelCard(text, ignore_metadata_errors=True)
    data = card.data
    data.library_name = data.library_name or "transformers"
    data.license = data.license or license
    data.pipeline_tag = data.pipeline_tag or pipeline
    data.tags = list(dict.fromkeys([*(data.tags or []), "custom_code"]))
    return str(card)


def model_card(
    folder: Path, *, title: str, main_auto: str, main_class: str, auto_map: dict, weights: str, license: str
) -> str:
    """The card's text: the model's own MODEL_CARD.md with front matter completed, or a new one."""
    own = folder / "MODEL_CARD.md"
    pipeline = pipeline_tag(main_auto)
    if own.is_file():
        text = hub_usage(own.read_text(encoding="utf-8"), main_auto)
        return with_front_matter(text, pipeline=pipeline, license=license)
    autos = "\n".join(f"| `{auto}` | `{ref if isinstance(ref, str) else ref}` |" for auto, ref in auto_map.items())
    body = f"""# {title}

{title} is a model in transformers' style whose code ships with its weights (Hub custom code).

{usage_section(main_auto)}
## What this repository holds

- the model's code, `*.py`, loaded through `auto_map` in `config.json`:

| Auto class | class |
|---|---|
{autos}

- the weights of `{main_class}` in `model.safetensors` ({weights})

## How it was made

Exported with `modgen export` from the model's project.

## Citation

<!-- How to cite this model. -->
"""
    return with_front_matter(body, pipeline=pipeline, license=license)


def usage_section(main_auto: str) -> str:
    return f"""## Usage

```python
from transformers import {main_auto}

model = {main_auto}.from_pretrained("REPO_ID", trust_remote_code=True)
```

`trust_remote_code=True` runs the Python files of this repository: read them first.
"""


def hub_usage(text: str, main_auto: str) -> str:
    """`text` with its `## Usage` section (written for the project, which imports the model's package) replaced by
    the Hub's: `from_pretrained(..., trust_remote_code=True)`. A card without one gets it before its second section."""
    section = re.search(r"^## Usage\n.*?(?=^## |\Z)", text, flags=re.MULTILINE | re.DOTALL)
    if section is not None:
        return text[: section.start()] + usage_section(main_auto) + "\n" + text[section.end() :]
    second = re.search(r"^## ", text, flags=re.MULTILINE)
    at = second.start() if second is not None else len(text)
    return text[:at] + usage_section(main_auto) + "\n" + text[at:]
